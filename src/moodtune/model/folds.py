"""The cross-validation framework shared by the classifier and the reading evaluations
(:mod:`moodtune.model.evaluation`, :mod:`moodtune.model.reading_evaluation`).

The splits come from scikit-learn (the ``train`` extra), shuffled with the repeat's seed, so
every model of one report is scored on the same folds. :func:`repeated_runs` walks repeats ×
models with the progress told after each fold, :func:`out_of_fold` fits a fresh estimator per
fold and pools its predictions, :func:`check_models` refuses an unknown model name,
:func:`protocol` describes the protocol in a report and :func:`mean_std` summarises a metric
over the repeats.

Examples
--------
>>> import numpy as np
>>> splits = fold_indices(np.array(["a", "b"] * 5), folds=5, seed=0)
>>> len(splits), sorted(np.concatenate([test for _, test in splits]).tolist()) == list(range(10))
(5, True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from moodtune.errors import MissingExtraError, MoodtuneError
from moodtune.progress import Progress, report

__all__ = [
    "Split",
    "check_folds",
    "check_models",
    "fold_indices",
    "import_sklearn",
    "mean_std",
    "out_of_fold",
    "protocol",
    "reading_folds",
    "repeated_runs",
]

#: One fold: (train indices, test indices).
Split = tuple[np.ndarray, np.ndarray]


def import_sklearn() -> Any:
    """scikit-learn with the submodules moodtune uses imported (the ``train`` extra)."""
    try:
        import sklearn
    except ImportError:
        raise MissingExtraError("train", "scikit-learn") from None
    import sklearn.ensemble
    import sklearn.linear_model
    import sklearn.model_selection
    import sklearn.pipeline
    import sklearn.preprocessing

    return sklearn


def mean_std(values: Sequence[float]) -> dict[str, float]:
    """A metric over the repeats: ``{"mean": …, "std": …}``, rounded to 4 decimals."""
    return {"mean": round(float(np.mean(values)), 4), "std": round(float(np.std(values)), 4)}


def fold_indices(
    labels: np.ndarray, *, folds: int, seed: int, groups: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs of one stratified (optionally grouped) k-fold split."""
    sklearn = import_sklearn()
    if groups is None:
        splitter = sklearn.model_selection.StratifiedKFold(folds, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(labels)), labels))
    splitter = sklearn.model_selection.StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels, groups))


def reading_folds(
    n: int, *, folds: int, seed: int, groups: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs of one shuffled k-fold split, grouped when ``groups``."""
    sklearn = import_sklearn()
    if groups is None:
        splitter = sklearn.model_selection.KFold(folds, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(n)))
    splitter = sklearn.model_selection.GroupKFold(folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(n), groups=groups))


def check_folds(folds: int) -> None:
    """Refuse a number of folds outside 2–20 (the CLI's ``--folds``)."""
    if not 2 <= folds <= 20:
        raise MoodtuneError(f"folds must be between 2 and 20 (--folds); got {folds}")


def check_models(wanted: Sequence[str], registry: Mapping[str, Any]) -> None:
    """Refuse a model name that is not in ``registry``, naming the ones that are."""
    unknown = [m for m in wanted if m not in registry]
    if unknown:
        raise MoodtuneError(
            f"unknown model(s) {', '.join(map(str, unknown))}; choose from {', '.join(registry)}"
        )


def protocol(
    folds: int, repeats: Sequence[int], grouped_by: str | None, *, cv: str, metrics: str
) -> dict[str, Any]:
    """The ``protocol`` entry of a report: ``cv`` (``"stratified"`` or empty) with the folds
    and the grouping, the shuffle seeds and how the ``metrics`` were computed."""
    return {
        "cv": f"{cv + ' ' if cv else ''}{folds}-fold"
        + (f", grouped by {grouped_by}" if grouped_by else ""),
        "shuffle_seeds": list(repeats),
        "metrics": metrics,
    }


def repeated_runs(
    models: Sequence[str],
    repeats: Sequence[int],
    folds: int,
    split: Callable[[int], list[Split]],
    progress: Progress | None,
) -> Iterator[tuple[int, str, list[Split], Callable[[int], None]]]:
    """``(seed, model, splits, tick)`` for every repeat and model, every model of a repeat on
    the same ``split(seed)``; ``tick(k)`` tells ``progress`` that the k-th fold (from 1) is done
    (``total`` = repeats × models × folds)."""
    total, done = len(repeats) * len(models) * folds, 0
    for seed in repeats:
        splits = split(seed)
        for name in models:

            def tick(fold: int, name: str = name, seed: int = seed, start: int = done) -> None:
                report(progress, start + fold, total, f"{name}: repeat {seed}, fold {fold}/{folds}")

            yield seed, name, splits, tick
            done += folds


def out_of_fold(
    make: Callable[[], Any],
    x: np.ndarray,
    y: np.ndarray,
    splits: Sequence[Split],
    tick: Callable[[int], None],
    *,
    out: np.ndarray,
    after: Callable[[Any, Split], None] | None = None,
) -> np.ndarray:
    """Fill ``out`` with out-of-fold predictions: per fold a fresh estimator from ``make`` is
    fitted on the training rows and predicts the test rows; ``after(estimator, fold)`` may
    look at the fitted estimator, then ``tick(k)``. Returns ``out``."""
    for fold, (train, test) in enumerate(splits, start=1):
        estimator = make()
        estimator.fit(x[train], y[train])
        out[test] = estimator.predict(x[test])
        if after is not None:
            after(estimator, (train, test))
        tick(fold)
    return out
