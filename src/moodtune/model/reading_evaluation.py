"""Agreement with listeners: the valence/arousal reading cross-validated beside baselines.

Every model is scored on the same repeated (artist-grouped) folds: Spearman rho of its
out-of-fold valence and arousal with listeners', and the share of tracks put in the right
quadrant (each axis split at the training folds' median; chance 0.25).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from moodtune import emotions
from moodtune.errors import MoodtuneError
from moodtune.model.folds import (
    Split,
    check_models,
    import_sklearn,
    mean_std,
    out_of_fold,
    protocol,
    reading_folds,
    repeated_runs,
)
from moodtune.progress import Progress

__all__ = [
    "READING_MODELS",
    "ReadingReport",
    "ReadingScores",
    "cross_validate_reading",
    "reading_folds",
]


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


def _reading_model(config: Any, names: Sequence[str], companion: bool = False) -> Any:
    from moodtune.model.reading_training import ReadingRegressor, companion_config

    config = companion_config(config) if companion else config
    return ReadingRegressor(config, feature_names=names)


#: name → (description, uses the model's features (True) or all the table's (False),
#: factory(feature names, reading config, seed, default model) → regressor)
READING_MODELS: dict[str, tuple[str, bool, Callable[..., Any]]] = {
    "reading": (
        "moodtune's reading: MLPs d-64 (L-BFGS, standardised targets) averaged, two "
        "predicting valence and arousal (L2 10) and two valence only (L2 5), one of each over "
        "the features with the skewed ones log-scaled and one over rank-normalised features "
        "(views log, quantile); all the table's features but key and liveness",
        False,
        lambda names, config, seed, model: _reading_model(replace(config, seed=seed), names),
    ),
    "reading_7": (
        "the same over the classifier's features only (the reading for tables that lack "
        "the others, e.g. the seed data): one MLP d-64-2 on the features as they are",
        True,
        lambda names, config, seed, model: _reading_model(
            replace(config, seed=seed), names, companion=True
        ),
    ),
    "raw_features": (
        "Spotify's valence as valence, energy as arousal (no learning)",
        False,
        lambda names, config, seed, model: _RawFeatures(names),
    ),
    "ridge": (
        "standardised inputs, ridge regression (alpha 1), all the table's features",
        False,
        lambda names, config, seed, model: import_sklearn().pipeline.make_pipeline(
            import_sklearn().preprocessing.StandardScaler(),
            import_sklearn().linear_model.Ridge(alpha=1.0),
        ),
    ),
    "gradient_boosting": (
        "histogram gradient boosting, 200 trees, learning rate 0.05, one per axis, all the "
        "table's features",
        False,
        lambda names, config, seed, model: _PerAxis(
            lambda: import_sklearn().ensemble.HistGradientBoostingRegressor(
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
            "valence_rho": mean_std(self.valence_rho),
            "arousal_rho": mean_std(self.arousal_rho),
            "quadrant_accuracy": mean_std(self.quadrant_accuracy),
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
            "protocol": protocol(
                self.folds,
                self.repeats,
                self.grouped_by,
                cv="",
                metrics="per repeat on pooled out-of-fold predictions: Spearman rho with "
                "listeners' valence and arousal; quadrant accuracy (each axis split at the "
                "median of the training folds, for listeners and for the model's predictions "
                "on its training rows; chance 0.25); mean and std over repeats",
            ),
            "models": {name: s.summary() for name, s in self.models.items()},
        }


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
    progress: Progress | None = None,
) -> ReadingReport:
    """Score valence/arousal readings against listeners on the same repeated folds.

    ``listeners`` is a :class:`~moodtune.model.listeners.ListenerTable`. Models marked as
    using the model's features read ``model_features`` (default: the default model's); the
    baselines read all the table's features. ``classifier`` is the fixed 7-class model whose
    implied reading is scored (default: the default model). ``progress`` is told after each
    fold (``total`` = repeats × models × folds).
    """
    from moodtune.model.artifact import EmotionModel
    from moodtune.model.training import ReadingConfig

    _check_models(models, len(listeners.targets), folds)
    table, y = listeners.table, np.asarray(listeners.targets, dtype=np.float64)
    classifier = classifier if classifier is not None else EmotionModel.default()
    ours, everything = tuple(model_features or classifier.feature_names), table.feature_names
    groups = _artist_groups(listeners, folds) if group_by_artist else None
    config = config or ReadingConfig()
    scores = {
        m: ReadingScores(m, READING_MODELS[m][0], ours if READING_MODELS[m][1] else everything)
        for m in models
    }
    # only the features some model reads: a baseline needs no classifier features
    matrices = {s.features: table.matrix(s.features) for s in scores.values()}
    runs = repeated_runs(
        models,
        repeats,
        folds,
        lambda seed: reading_folds(len(y), folds=folds, seed=seed, groups=groups),
        progress,
    )
    for seed, name, splits, tick in runs:
        s = scores[name]

        def make(name: str = name, s: ReadingScores = s, seed: int = seed) -> Any:
            return READING_MODELS[name][2](s.features, config, seed, classifier)

        predicted, correct = _out_of_fold(make, matrices[s.features], y, splits, tick)
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


def _check_models(models: Sequence[str], n: int, folds: int) -> None:
    check_models(models, READING_MODELS)
    if n < 4 * folds:
        raise MoodtuneError(f"{folds}-fold CV of the reading needs at least {4 * folds} tracks")


def _artist_groups(listeners: Any, folds: int) -> np.ndarray:
    groups = listeners.artists
    if groups is None:
        raise MoodtuneError("--group-by-artist needs an artist column in the table")
    if len(set(groups)) < folds:
        raise MoodtuneError(
            f"grouping by artist needs at least {folds} different artists; the table has "
            f"{len(set(groups))}"
        )
    return groups


def _out_of_fold(
    make: Callable[[], Any],
    x: np.ndarray,
    y: np.ndarray,
    splits: Sequence[Split],
    tick: Callable[[int], None],
) -> tuple[np.ndarray, int]:
    """Out-of-fold predictions (n, 2) of fresh estimators from ``make``, and how many tracks
    landed in the listeners' quadrant (split at the training folds' medians); ``tick(k)``
    after the k-th fold."""
    correct = 0

    def quadrants(estimator: Any, fold: Split) -> None:
        nonlocal correct
        train, test = fold
        truth_q = y[test] >= np.median(y[train], axis=0)
        guess_q = predicted[test] >= np.median(estimator.predict(x[train]), axis=0)
        correct += int(np.all(truth_q == guess_q, axis=1).sum())

    predicted = np.zeros_like(y)
    out_of_fold(make, x, y, splits, tick, out=predicted, after=quadrants)
    return predicted, correct
