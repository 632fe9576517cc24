"""Honest evaluation: repeated stratified k-fold CV, every model on the same folds.

Follows the protocol of ../shared/datasets/README.md: stratified 5-fold CV repeated with
shuffle seeds 0, 1, 2 (folds grouped by artist when asked), any scaler fitted on the training
folds only, and for each repeat the metrics of the pooled out-of-fold predictions; the report
gives their mean and standard deviation over the repeats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from moodtune import emotions
from moodtune.data.labelling import music_plane, nearest
from moodtune.data.table import TrackTable
from moodtune.errors import MissingExtraError, MoodtuneError
from moodtune.model.training import SEED_RECIPE, MLPClassifier, TrainConfig


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


def _sklearn() -> Any:
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
        lambda names, config, seed: _sklearn().pipeline.make_pipeline(
            _sklearn().preprocessing.StandardScaler(),
            _sklearn().linear_model.LogisticRegression(max_iter=5000),
        ),
    ),
    "random_forest": (
        "random forest, 300 trees",
        lambda names, config, seed: _sklearn().ensemble.RandomForestClassifier(
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
            "accuracy": _mean_std(self.accuracy),
            "macro_f1": _mean_std(self.macro_f1),
            "per_repeat": {"accuracy": self.accuracy, "macro_f1": self.macro_f1},
            "per_class_f1": {
                label: round(float(v), 4) for label, v in zip(labels, per_class, strict=True)
            },
            "confusion_matrix": self.confusion.tolist() if self.confusion is not None else None,
        }


def _mean_std(values: Sequence[float]) -> dict[str, float]:
    return {"mean": round(float(np.mean(values)), 4), "std": round(float(np.std(values)), 4)}


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
            "protocol": {
                "cv": f"stratified {self.folds}-fold"
                + (f", grouped by {self.grouped_by}" if self.grouped_by else ""),
                "shuffle_seeds": list(self.repeats),
                "metrics": "per repeat on pooled out-of-fold predictions; mean and std over "
                "repeats",
                "chance_accuracy": round(max(self.class_counts.values()) / self.n_tracks, 4),
            },
            "models": {name: s.summary(self.labels) for name, s in self.models.items()},
        }


def fold_indices(
    labels: np.ndarray, *, folds: int, seed: int, groups: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs of one stratified (optionally grouped) k-fold split."""
    sklearn = _sklearn()
    if groups is None:
        splitter = sklearn.model_selection.StratifiedKFold(folds, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(labels)), labels))
    splitter = sklearn.model_selection.StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels, groups))


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
    progress: Callable[[str], None] | None = None,
) -> EvaluationReport:
    """Score ``models`` on the same repeated stratified folds of a labelled ``table``.

    ``reading`` is a model with a reading (an :class:`~moodtune.model.artifact.EmotionModel`
    whose ``reading`` is not None) for ``mlp_reading``: its reading, trained on other data
    (listeners' tags), stays fixed; the classifier and the combination's prototypes are
    fitted on the training folds.
    """
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise MoodtuneError(f"unknown model(s) {unknown}; choose from {', '.join(MODELS)}")
    names = tuple(feature_names or table.feature_names)
    x = table.matrix(names)
    y = table.labels
    labels = tuple(sorted(set(y)))
    counts = {label: int((y == label).sum()) for label in labels}
    if len(labels) < 2:
        raise MoodtuneError(f"cross-validation needs at least 2 classes; every track is {labels}")
    if min(counts.values()) < folds:
        raise MoodtuneError(
            f"every class needs at least {folds} tracks for {folds}-fold CV; counts: {counts}"
        )
    groups = None
    if group_by_artist:
        if "artist" not in table.frame.columns:
            raise MoodtuneError("--group-by-artist needs an artist column in the table")
        groups = table.frame["artist"].fillna("").to_numpy(dtype=str)
        if len(set(groups)) < folds:
            raise MoodtuneError(
                f"--group-by-artist needs at least {folds} different artists for {folds} folds; "
                f"the table has {len(set(groups))}"
            )
    config = config or TrainConfig()
    scores = {m: ModelScores(m, MODELS[m][0]) for m in models}
    index = {label: i for i, label in enumerate(labels)}
    for seed in repeats:
        splits = fold_indices(y, folds=folds, seed=seed, groups=groups)
        for name in models:
            predicted = np.empty(len(y), dtype=object)
            for fold, (train, test) in enumerate(splits):
                if progress:
                    progress(f"{name}: repeat {seed}, fold {fold + 1}/{folds}")
                if name == "mlp_reading":
                    estimator = _combined(names, config, seed, reading)
                else:
                    estimator = MODELS[name][1](names, config, seed)
                estimator.fit(x[train], y[train])
                predicted[test] = estimator.predict(x[test])
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


def _combined(names: Sequence[str], config: TrainConfig, seed: int, reading: Any) -> Estimator:
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
    return CombinedClassifier(replace(config, seed=seed), head, reading_columns=columns, **options)


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


# --- agreement with listeners: the valence/arousal reading ---------------------------------


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation (average ranks for ties) of two vectors of shape (n,)."""
    import pandas as pd

    ranks_a = pd.Series(a).rank().to_numpy()
    ranks_b = pd.Series(b).rank().to_numpy()
    if np.std(ranks_a) == 0 or np.std(ranks_b) == 0:
        return 0.0
    return float(np.corrcoef(ranks_a, ranks_b)[0, 1])


class _RawFeatures:
    """Spotify's own ``valence`` as valence and ``energy`` as arousal (no learning)."""

    def __init__(self, feature_names: Sequence[str]):
        names = list(feature_names)
        for needed in ("valence", "energy"):
            if needed not in names:
                raise MoodtuneError(f"the raw-feature baseline needs a {needed!r} feature")
        self._columns = [names.index("valence"), names.index("energy")]

    def fit(self, features: np.ndarray, targets: np.ndarray) -> _RawFeatures:
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(features, dtype=np.float64)[:, self._columns] * 2 - 1


class _Implied:
    """The valence/arousal implied by a fixed classifier's 7 probabilities (expected
    circumplex point), without any learning from the listeners' table."""

    def __init__(self, model: Any, columns: Sequence[int]):
        self.model, self.columns = model, list(columns)

    def fit(self, features: np.ndarray, targets: np.ndarray) -> _Implied:
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features)[:, self.columns]
        probabilities = self.model.classifier_proba(x)
        order = [self.model.labels.index(name) for name in emotions.EMOTIONS]
        return emotions.valence_arousal(probabilities[:, order])


class _PerAxis:
    """One scikit-learn regressor per axis (for those that predict a single target)."""

    def __init__(self, factory: Callable[[], Any]):
        self.factory = factory

    def fit(self, features: np.ndarray, targets: np.ndarray) -> _PerAxis:
        self.models_ = [self.factory().fit(features, targets[:, j]) for j in range(2)]
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        return np.column_stack([m.predict(features) for m in self.models_])


def _reading_model(config: Any) -> Any:
    from moodtune.model.training import ReadingRegressor

    return ReadingRegressor(config)


#: name → (description, uses the model's features (True) or all the table's (False),
#: factory(feature names, reading config, seed, default model) → regressor)
READING_MODELS: dict[str, tuple[str, bool, Callable[..., Any]]] = {
    "reading": (
        "moodtune's reading: min-max, MLP d-64-2, L-BFGS, L2 10, standardised targets, all "
        "the table's features",
        False,
        lambda names, config, seed, model: _reading_model(replace(config, seed=seed)),
    ),
    "reading_7": (
        "the same over the classifier's features only (the reading for tables that lack "
        "the others, e.g. the seed data)",
        True,
        lambda names, config, seed, model: _reading_model(replace(config, seed=seed)),
    ),
    "raw_features": (
        "Spotify's valence as valence, energy as arousal (no learning)",
        False,
        lambda names, config, seed, model: _RawFeatures(names),
    ),
    "ridge": (
        "standardised inputs, ridge regression (alpha 1), all the table's features",
        False,
        lambda names, config, seed, model: _sklearn().pipeline.make_pipeline(
            _sklearn().preprocessing.StandardScaler(), _sklearn().linear_model.Ridge(alpha=1.0)
        ),
    ),
    "gradient_boosting": (
        "histogram gradient boosting, 200 trees, learning rate 0.05, one per axis, all the "
        "table's features",
        False,
        lambda names, config, seed, model: _PerAxis(
            lambda: _sklearn().ensemble.HistGradientBoostingRegressor(
                max_iter=200, learning_rate=0.05, random_state=seed
            )
        ),
    ),
    "implied_7class": (
        "valence/arousal implied by the 7-class classifier's probabilities (expected "
        "circumplex point; trained on the seed data, not on this table)",
        True,
        lambda names, config, seed, model: _Implied(model, range(len(names))),
    ),
}


@dataclass
class ReadingScores:
    """Per-repeat agreement of one model's out-of-fold reading with listeners."""

    name: str
    description: str
    features: tuple[str, ...]
    valence_rho: list[float] = field(default_factory=list)
    arousal_rho: list[float] = field(default_factory=list)
    quadrant_accuracy: list[float] = field(default_factory=list)
    #: out-of-fold predictions of the first repeat, shape (n, 2), for the scatter plot
    first_repeat: np.ndarray | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "features": list(self.features),
            "valence_rho": _mean_std(self.valence_rho),
            "arousal_rho": _mean_std(self.arousal_rho),
            "quadrant_accuracy": _mean_std(self.quadrant_accuracy),
            "per_repeat": {
                "valence_rho": self.valence_rho,
                "arousal_rho": self.arousal_rho,
                "quadrant_accuracy": self.quadrant_accuracy,
            },
        }


@dataclass
class ReadingReport:
    """Agreement of several readings with listeners, every model on the same folds."""

    dataset: str
    n_tracks: int
    target_columns: tuple[str, str]
    scale: str
    folds: int
    repeats: tuple[int, ...]
    grouped_by: str | None
    models: dict[str, ReadingScores]
    targets: np.ndarray  # (n, 2) listeners' valence/arousal, −1..1

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "reading",
            "dataset": self.dataset,
            "n_tracks": self.n_tracks,
            "targets": {
                "columns": list(self.target_columns),
                "scale": self.scale,
                "mapped_to": "-1..1" + (" by (x - 5) / 4" if self.scale == "1-9" else ""),
            },
            "protocol": {
                "cv": f"{self.folds}-fold"
                + (f", grouped by {self.grouped_by}" if self.grouped_by else ""),
                "shuffle_seeds": list(self.repeats),
                "metrics": "per repeat on pooled out-of-fold predictions: Spearman rho with "
                "listeners' valence and arousal; quadrant accuracy (each axis split at the "
                "median of the training folds, for listeners and for the model's predictions "
                "on its training rows; chance 0.25); mean and std over repeats",
            },
            "models": {name: s.summary() for name, s in self.models.items()},
        }


def reading_folds(
    n: int, *, folds: int, seed: int, groups: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs of one shuffled k-fold split, grouped when ``groups``."""
    sklearn = _sklearn()
    if groups is None:
        splitter = sklearn.model_selection.KFold(folds, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(n)))
    splitter = sklearn.model_selection.GroupKFold(folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(n), groups=groups))


def cross_validate_reading(
    listeners: Any,
    *,
    models: Sequence[str] = tuple(READING_MODELS),
    model_features: Sequence[str] | None = None,
    folds: int = 5,
    repeats: Sequence[int] = (0, 1, 2),
    group_by_artist: bool = True,
    config: Any = None,
    classifier: Any = None,
    progress: Callable[[str], None] | None = None,
) -> ReadingReport:
    """Score valence/arousal readings against listeners on the same repeated folds.

    ``listeners`` is a :class:`~moodtune.model.listeners.ListenerTable`. Models marked as
    using the model's features read ``model_features`` (default: the default model's); the
    baselines read all the table's features. ``classifier`` is the fixed 7-class model whose
    implied reading is scored (default: the default model).
    """
    from moodtune.model.artifact import EmotionModel
    from moodtune.model.training import ReadingConfig

    unknown = [m for m in models if m not in READING_MODELS]
    if unknown:
        raise MoodtuneError(f"unknown model(s) {unknown}; choose from {', '.join(READING_MODELS)}")
    table, y = listeners.table, np.asarray(listeners.targets, dtype=np.float64)
    if len(y) < 4 * folds:
        raise MoodtuneError(f"{folds}-fold CV of the reading needs at least {4 * folds} tracks")
    classifier = classifier if classifier is not None else EmotionModel.default()
    ours = tuple(model_features or classifier.feature_names)
    everything = table.feature_names
    groups = None
    if group_by_artist:
        groups = listeners.artists
        if groups is None:
            raise MoodtuneError("--group-by-artist needs an artist column in the table")
        if len(set(groups)) < folds:
            raise MoodtuneError(
                f"grouping by artist needs at least {folds} different artists; the table has "
                f"{len(set(groups))}"
            )
    config = config or ReadingConfig()
    matrices = {ours: table.matrix(ours), everything: table.matrix(everything)}
    scores = {
        m: ReadingScores(
            m, READING_MODELS[m][0], ours if READING_MODELS[m][1] else tuple(everything)
        )
        for m in models
    }
    for seed in repeats:
        splits = reading_folds(len(y), folds=folds, seed=seed, groups=groups)
        for name in models:
            names = scores[name].features
            x = matrices[names]
            predicted = np.zeros_like(y)
            correct = 0
            for fold, (train, test) in enumerate(splits):
                if progress:
                    progress(f"{name}: repeat {seed}, fold {fold + 1}/{folds}")
                estimator = READING_MODELS[name][2](names, config, seed, classifier)
                estimator.fit(x[train], y[train])
                predicted[test] = estimator.predict(x[test])
                fitted = estimator.predict(x[train])
                truth_q = y[test] >= np.median(y[train], axis=0)
                guess_q = predicted[test] >= np.median(fitted, axis=0)
                correct += int(np.all(truth_q == guess_q, axis=1).sum())
            s = scores[name]
            s.valence_rho.append(round(_spearman(predicted[:, 0], y[:, 0]), 4))
            s.arousal_rho.append(round(_spearman(predicted[:, 1], y[:, 1]), 4))
            s.quadrant_accuracy.append(round(correct / len(y), 4))
            if s.first_repeat is None:
                s.first_repeat = predicted.copy()
    return ReadingReport(
        dataset=table.source,
        n_tracks=len(y),
        target_columns=listeners.columns,
        scale=listeners.scale,
        folds=folds,
        repeats=tuple(repeats),
        grouped_by="artist" if group_by_artist else None,
        models=scores,
        targets=y,
    )
