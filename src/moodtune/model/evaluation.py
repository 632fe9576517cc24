"""Honest evaluation: repeated stratified k-fold CV, every model on the same folds.

Follows the protocol of ../shared/datasets/README.md: stratified 5-fold CV repeated with
shuffle seeds 0, 1, 2 (folds grouped by artist when asked), any scaler fitted on the training
folds only, and for each repeat the metrics of the pooled out-of-fold predictions; the report
gives their mean and standard deviation over the repeats. The valence/arousal reading's
evaluation is in :mod:`moodtune.model.reading_evaluation` (its names are importable from here
too).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from moodtune import emotions
from moodtune.data.labelling import music_plane, nearest
from moodtune.data.table import TrackTable
from moodtune.errors import MoodtuneError
from moodtune.model.folds import (
    check_models,
    fold_indices,
    import_sklearn,
    mean_std,
    out_of_fold,
    protocol,
    reading_folds,
    repeated_runs,
)
from moodtune.model.reading_evaluation import (
    READING_MODELS,
    ReadingReport,
    ReadingScores,
    cross_validate_reading,
)
from moodtune.model.training import SEED_RECIPE, MLPClassifier, TrainConfig
from moodtune.progress import Progress

__all__ = [
    "MODELS",
    "READING_MODELS",
    "Estimator",
    "EvaluationReport",
    "ModelScores",
    "ReadingReport",
    "ReadingScores",
    "RuleClassifier",
    "cross_validate",
    "cross_validate_reading",
    "fold_indices",
    "reading_folds",
]


class Estimator(Protocol):
    def fit(self, features: np.ndarray, labels: np.ndarray) -> Any: ...
    def predict(self, features: np.ndarray) -> np.ndarray: ...


class RuleClassifier:
    """The transparent rule: nearest class on the valence/arousal plane (energy as arousal).

    A class that is one of the seven emotions sits at its circumplex point; any other class
    (e.g. "energetic") sits at the mean (valence, energy) of its training rows. Needs the
    ``valence`` and ``energy`` columns, named in ``feature_names``.
    """

    def __init__(self, feature_names: Sequence[str]):
        names = list(feature_names)
        for needed in ("valence", "energy"):
            if needed not in names:
                raise MoodtuneError(f"the rule needs a {needed!r} feature")
        self._columns = [names.index("valence"), names.index("energy")]

    def _plane(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, dtype=np.float64)
        return music_plane(x[:, self._columns[0]], x[:, self._columns[1]])

    def fit(self, features: np.ndarray, labels: np.ndarray) -> RuleClassifier:
        points = self._plane(features)
        labels = np.asarray(labels, dtype=str)
        self.labels_ = np.array(sorted(set(labels)))
        centres = []
        for label in self.labels_:
            if emotions.is_emotion(label):
                point = emotions.CIRCUMPLEX[emotions.canonical(label)]
                centres.append([point.valence, point.arousal])
            else:
                centres.append(points[labels == label].mean(axis=0))
        self.centres_ = np.array(centres)
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        return self.labels_[nearest(self._plane(features), self.centres_)]


#: name → (description, factory(feature names, config, seed) → estimator)
MODELS: dict[str, tuple[str, Callable[[Sequence[str], TrainConfig, int], Estimator]]] = {
    "seed_recipe": (
        "original recipe: min-max, MLP d-64-k, Adam lr 1e-3, 100 epochs, batch 32",
        lambda names, config, seed: MLPClassifier(replace(SEED_RECIPE, seed=seed)),
    ),
    "mlp": (
        "moodtune defaults: min-max, MLP d-64-k, class-balanced loss, full-batch L-BFGS "
        "with L2 penalty 1.5",
        lambda names, config, seed: MLPClassifier(replace(config, seed=seed)),
    ),
    "logistic_regression": (
        "standardised inputs, multinomial logistic regression (C=1)",
        lambda names, config, seed: import_sklearn().pipeline.make_pipeline(
            import_sklearn().preprocessing.StandardScaler(),
            import_sklearn().linear_model.LogisticRegression(max_iter=5000),
        ),
    ),
    "random_forest": (
        "random forest, 300 trees",
        lambda names, config, seed: import_sklearn().ensemble.RandomForestClassifier(
            n_estimators=300, random_state=seed, n_jobs=1
        ),
    ),
    "rule": (
        "nearest emotion on the valence/arousal plane (no learning for emotion classes)",
        lambda names, config, seed: RuleClassifier(names),
    ),
    "mlp_reading": (
        "mlp combined with the listener-trained valence/arousal reading (prototype tilt "
        "kappa 0.5 + contradiction guard tau 2; the shipped model)",
        lambda names, config, seed: _needs_reading(),
    ),
}


def _needs_reading() -> Estimator:
    raise MoodtuneError("the mlp_reading model needs a model with a reading (reading=…)")


@dataclass
class ModelScores:
    """Scores of one model: per-repeat metrics of the pooled out-of-fold predictions."""

    name: str
    description: str
    accuracy: list[float] = field(default_factory=list)
    macro_f1: list[float] = field(default_factory=list)
    per_class_f1: list[list[float]] = field(default_factory=list)
    confusion: np.ndarray | None = None  # summed over repeats: rows true, columns predicted

    def summary(self, labels: Sequence[str]) -> dict[str, Any]:
        per_class = np.mean(self.per_class_f1, axis=0)
        return {
            "description": self.description,
            "accuracy": mean_std(self.accuracy),
            "macro_f1": mean_std(self.macro_f1),
            "per_repeat": {"accuracy": self.accuracy, "macro_f1": self.macro_f1},
            "per_class_f1": {
                label: round(float(v), 4) for label, v in zip(labels, per_class, strict=True)
            },
            "confusion_matrix": self.confusion.tolist() if self.confusion is not None else None,
        }


@dataclass
class EvaluationReport:
    """Everything an evaluation found, ready for JSON/Markdown."""

    dataset: str
    n_tracks: int
    labels: tuple[str, ...]
    feature_names: tuple[str, ...]
    folds: int
    repeats: tuple[int, ...]
    grouped_by: str | None
    models: dict[str, ModelScores]
    class_counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "n_tracks": self.n_tracks,
            "labels": list(self.labels),
            "class_counts": self.class_counts,
            "features": list(self.feature_names),
            "protocol": protocol(
                self.folds,
                self.repeats,
                self.grouped_by,
                cv="stratified",
                metrics="per repeat on pooled out-of-fold predictions; mean and std over repeats",
            )
            | {"chance_accuracy": round(max(self.class_counts.values()) / self.n_tracks, 4)},
            "models": {name: s.summary(self.labels) for name, s in self.models.items()},
        }


def cross_validate(
    table: TrackTable,
    *,
    models: Sequence[str] = tuple(MODELS),
    feature_names: Sequence[str] | None = None,
    folds: int = 5,
    repeats: Sequence[int] = (0, 1, 2),
    group_by_artist: bool = False,
    config: TrainConfig | None = None,
    reading: Any = None,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Score ``models`` on the same repeated stratified folds of a labelled ``table``.

    ``reading`` is a model with a reading (an :class:`~moodtune.model.artifact.EmotionModel`
    whose ``reading`` is not None) for ``mlp_reading``: its reading, trained on other data
    (listeners' tags), stays fixed; the classifier and the combination's prototypes are
    fitted on the training folds. ``progress`` is told after each fold (``total`` =
    repeats × models × folds).
    """
    check_models(models, MODELS)
    names = tuple(feature_names or table.feature_names)
    x, y = table.matrix(names), table.labels
    labels, counts = _class_counts(y, folds)
    groups = _artist_groups(table, folds) if group_by_artist else None
    config = config or TrainConfig()
    scores = {m: ModelScores(m, MODELS[m][0]) for m in models}
    index = {label: i for i, label in enumerate(labels)}
    runs = repeated_runs(
        models,
        repeats,
        folds,
        lambda seed: fold_indices(y, folds=folds, seed=seed, groups=groups),
        progress,
    )
    shared = _SharedFits()
    for seed, name, splits, tick in runs:

        def make(name: str = name, seed: int = seed) -> Estimator:
            if name == "mlp_reading":
                return _combined(names, config, seed, reading, shared)
            if name == "mlp":
                return _Shared(replace(config, seed=seed), shared)
            return MODELS[name][1](names, config, seed)

        predicted = out_of_fold(make, x, y, splits, tick, out=np.empty(len(y), dtype=object))
        _score(scores[name], y, predicted.astype(str), labels, index)
    return EvaluationReport(
        dataset=table.source,
        n_tracks=len(y),
        labels=labels,
        feature_names=names,
        folds=folds,
        repeats=tuple(repeats),
        grouped_by="artist" if group_by_artist else None,
        models=scores,
        class_counts=counts,
    )


def _class_counts(y: np.ndarray, folds: int) -> tuple[tuple[str, ...], dict[str, int]]:
    """The classes (sorted, plain ``str``) and their counts; refuses fewer than 2 classes or
    a class with fewer tracks than folds."""
    labels = tuple(sorted({str(v) for v in y}))
    counts = {label: int((y == label).sum()) for label in labels}
    if len(labels) < 2:
        raise MoodtuneError(
            "cross-validation needs at least 2 classes; every track is "
            + (repr(labels[0]) if labels else "unlabelled")
        )
    if min(counts.values()) < folds:
        shown = ", ".join(f"{label} {count}" for label, count in counts.items())
        raise MoodtuneError(
            f"every class needs at least {folds} tracks for {folds}-fold CV; counts: {shown}"
        )
    return labels, counts


def _artist_groups(table: TrackTable, folds: int) -> np.ndarray:
    if "artist" not in table.frame.columns:
        raise MoodtuneError("--group-by-artist needs an artist column in the table")
    groups = table.frame["artist"].fillna("").to_numpy(dtype=str)
    if len(set(groups)) < folds:
        raise MoodtuneError(
            f"--group-by-artist needs at least {folds} different artists for {folds} folds; "
            f"the table has {len(set(groups))}"
        )
    return groups


class _SharedFits:
    """The MLPs one CV has fitted, by config and training rows. ``mlp`` and ``mlp_reading``
    train the same network on each fold (same config, seed and rows; the fit is
    deterministic), so it is fitted once for both. Only the current repeat's are kept."""

    def __init__(self) -> None:
        self._fitted: dict[tuple[Any, ...], MLPClassifier] = {}

    def fit(self, config: TrainConfig, features: np.ndarray, labels: Any) -> MLPClassifier:
        x, y = np.ascontiguousarray(features), np.asarray(labels, dtype=str)
        rows = hashlib.sha256(x.tobytes() + "\0".join(y).encode()).hexdigest()
        key = (config, x.shape, x.dtype.str, rows)
        if key not in self._fitted:
            self._fitted = {k: v for k, v in self._fitted.items() if k[0].seed == config.seed}
            self._fitted[key] = MLPClassifier(config).fit(x, y)
        return self._fitted[key]


class _Shared:
    """``mlp``'s estimator: the MLP of ``config`` fitted through ``fits``."""

    def __init__(self, config: TrainConfig, fits: _SharedFits) -> None:
        self.config, self.fits = config, fits

    def fit(self, features: np.ndarray, labels: np.ndarray) -> _Shared:
        self.fitted_ = self.fits.fit(self.config, features, labels)
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        return self.fitted_.predict(features)


def _combined(
    names: Sequence[str], config: TrainConfig, seed: int, reading: Any, fits: _SharedFits
) -> Estimator:
    from moodtune.model.training import CombinedClassifier

    head = reading.reading_head(names) if reading is not None else None
    if head is None:
        raise MoodtuneError(
            "mlp_reading needs a model with a reading over features the evaluated table has "
            f"({', '.join(names)})"
        )
    columns = [list(names).index(f) for f in head.feature_names]
    options = {}
    if head.combination is not None:
        options = {"kappa": head.combination.kappa, "tau": head.combination.tau}
    return CombinedClassifier(
        replace(config, seed=seed),
        head,
        reading_columns=columns,
        fit_classifier=fits.fit,
        **options,
    )


def _score(
    scores: ModelScores,
    truth: np.ndarray,
    predicted: np.ndarray,
    labels: Sequence[str],
    index: dict[str, int],
) -> None:
    k = len(labels)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, ([index[t] for t in truth], [index[p] for p in predicted]), 1)
    true_positive = np.diag(confusion).astype(np.float64)
    precision = true_positive / np.maximum(confusion.sum(axis=0), 1)
    recall = true_positive / np.maximum(confusion.sum(axis=1), 1)
    f1 = np.where(
        precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0
    )
    scores.accuracy.append(round(float(true_positive.sum() / len(truth)), 4))
    scores.macro_f1.append(round(float(f1.mean()), 4))
    scores.per_class_f1.append(f1.tolist())
    scores.confusion = confusion if scores.confusion is None else scores.confusion + confusion
