"""Cross-validation folds, shared by the classifier and the reading evaluations.

The splits come from scikit-learn (the ``train`` extra), shuffled with the repeat's seed, so
every model of one report is scored on the same folds.

Examples
--------
>>> import numpy as np
>>> splits = fold_indices(np.array(["a", "b"] * 5), folds=5, seed=0)
>>> len(splits), sorted(np.concatenate([test for _, test in splits]).tolist()) == list(range(10))
(5, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from moodtune.errors import MissingExtraError

__all__ = ["fold_indices", "import_sklearn", "reading_folds"]


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


def _mean_std(values: Sequence[float]) -> dict[str, float]:
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
