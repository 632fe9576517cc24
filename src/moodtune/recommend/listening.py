"""Measure recommendations against listeners: do the tracks moodtune picks for a mood lie
where listeners place that mood?

:func:`evaluate_recommendations` takes any table with listeners' valence/arousal
(:mod:`moodtune.model.listeners`), splits it into folds grouped by artist and, on each fold,
fits the valence/arousal reading on the other folds only (combined with the classifier as the
shipped model is), imports the held-out fold into a real SQLite catalogue, and asks the real
:class:`~moodtune.recommend.recommender.MusicRecommender` for every target of
:data:`~moodtune.recommend.moods.MOODS` in every mode. Scores, against what listeners said of
the picked tracks:

- **hit rate** (``match``): the share of picks inside the target's listener region: on each
  axis where the target has a side (:func:`~moodtune.recommend.moods.region`), above or below
  the fold catalogue's median of listeners' values (neutral: between the quartiles on both);
- **mean z** of listeners' valence and arousal of the picks (standardised on the fold);
- **path ρ** (``uplift``, ``calm``): Spearman of position in the list vs listeners' valence
  (uplift) or minus their arousal (calm).

Baselines on the same folds and with the same rule (nearest to where ``match`` aims,
:func:`~moodtune.recommend.moods.aim`, by the larger axis gap; at most 2 tracks per artist;
paths through the same waypoints): ``ridge`` (a ridge regression on the
table's features, fitted on the training folds), ``spotify`` (raw Spotify valence/energy) and
``random`` (k tracks drawn at random). The figures are estimates on the table given (folds
by artist; at acceptance the same measure runs on tracks by other artists).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from moodtune.errors import MoodtuneError
from moodtune.index import brute_force_path, brute_force_plane
from moodtune.model.artifact import EmotionModel
from moodtune.model.listeners import ListenerTable
from moodtune.progress import Progress
from moodtune.recommend.listening_scores import METHODS, FoldScores, RecommendationReport
from moodtune.recommend.modes import MODES
from moodtune.recommend.moods import MOODS, aim, mood_named, region

__all__ = ["METHODS", "RecommendationReport", "evaluate_recommendations"]

log = logging.getLogger(__name__)
CAP = 2


@dataclass
class _Fold:
    """One held-out fold: its rows of the table, listeners' values (n, 2), artist codes,
    the positions on the plane of every method but random, and moodtune's reading z."""

    rows: np.ndarray
    listeners: np.ndarray
    artists: np.ndarray
    positions: dict[str, np.ndarray] = field(default_factory=dict)
    reading_z: np.ndarray | None = None


def evaluate_recommendations(
    listeners: ListenerTable,
    *,
    folds: int = 5,
    seeds: Sequence[int] = (0, 1, 2),
    k: int = 10,
    targets: Sequence[str] | None = None,
    model: EmotionModel | None = None,
    reading_config: Any = None,
    progress: Progress | None = None,
) -> RecommendationReport:
    """Recommend from held-out folds of ``listeners`` and score the picks against listeners.

    Parameters
    ----------
    listeners
        Tracks with listeners' valence/arousal and an artist column (folds are grouped by
        artist; without artists, by track).
    folds, seeds
        Folds per repeat (2–20) and the seeds: each seed shuffles the folds, seeds the
        reading's training and the recommender's choice among near-equal tracks.
    k
        Tracks per recommendation.
    targets
        Names of :data:`~moodtune.recommend.moods.MOODS` (default: all of them).
    model
        The classifier to combine the readings with (default: the shipped model); its
        readings are refitted on each fold's training rows.
    reading_config
        The readings' :class:`~moodtune.model.training.ReadingConfig` (default: its own).
    progress
        Told as folds finish.

    Returns
    -------
    RecommendationReport
    """
    from moodtune.model.folds import reading_folds
    from moodtune.model.training import ReadingConfig

    names = [mood_named(t).name for t in (targets or MOODS)]
    if not 2 <= folds <= 20 or len(listeners) < 4 * folds:
        raise MoodtuneError(f"folds must be 2–20 with ≥ 4 tracks per fold; got {folds}")
    model = model or EmotionModel.default()
    groups = listeners.artists
    scores = FoldScores(names, k)
    total, done = len(seeds) * folds, 0
    for seed in seeds:
        config = replace(reading_config or ReadingConfig(), seed=int(seed))
        for train, test in reading_folds(len(listeners), folds=folds, seed=seed, groups=groups):
            fold = _run_fold(listeners, model, config, train, test, names, k, seed, scores)
            scores.folds_seen(fold.listeners, fold.reading_z)
            done += 1
            if progress is not None:
                progress(done, total, f"fold {done} of {total}")
    return scores.report(listeners, folds, seeds)


def _run_fold(
    listeners: ListenerTable,
    model: EmotionModel,
    config: Any,
    train: np.ndarray,
    test: np.ndarray,
    names: Sequence[str],
    k: int,
    seed: int,
    scores: FoldScores,
) -> _Fold:
    """Fit on ``train``, recommend from ``test``, add every method's picks to ``scores``."""
    fold_model = _fold_model(listeners, model, config, train)
    fold = _Fold(test, listeners.targets[test], _artist_codes(listeners, test))
    _baseline_positions(listeners, train, test, fold)
    scores.start_fold(fold.listeners)
    with tempfile.TemporaryDirectory(prefix="moodtune-listening-") as folder:
        _recommend_fold(listeners, fold_model, fold, names, k, seed, scores, Path(folder))
    rng = np.random.default_rng(seed)
    for name in names:
        mood = MOODS[name]
        for method, position in fold.positions.items():
            if method == "moodtune":
                continue
            picks, _ = brute_force_plane(
                position, fold.artists, aim(mood.point), k, cap=CAP, metric="chebyshev"
            )
            scores.add_match(method, name, fold.listeners, picks, region(mood))
            for mode in ("uplift", "calm"):
                end = MODES[mode].end
                finish = aim(np.array([end.valence, end.arousal]))
                found, _ = brute_force_path(
                    position, fold.artists, aim(mood.point), finish, k, cap=CAP
                )
                found = found[MODES[mode].along(position[found])]  # listed as moodtune lists
                scores.add_path(method, name, mode, fold.listeners, found)
        for _ in range(3):
            picks = rng.choice(len(test), size=min(k, len(test)), replace=False)
            scores.add_match("random", name, fold.listeners, picks, region(mood), weight=1 / 3)
    return fold


def _fold_model(
    listeners: ListenerTable, model: EmotionModel, config: Any, train: np.ndarray
) -> EmotionModel:
    """``model`` with its readings refitted on the ``train`` rows (one over all the table's
    features, one over the classifier's when those differ), each combined with the
    classifier as the shipped model's (its prototypes, the new reading's centre/spread)."""
    from moodtune.model.reading_training import ReadingRegressor, companion_config

    table = listeners.table
    full = table.feature_names
    sets = [full] if set(full) == set(model.feature_names) else [full, model.feature_names]
    shipped = next((h.combination for h in model.readings if h.combination is not None), None)
    heads = []
    for features in sets:
        # as train_readings: the companion over the classifier's features reads them raw
        own = config if features == full else companion_config(config)
        regressor = ReadingRegressor(own, feature_names=features).fit(
            table.matrix(features)[train], listeners.targets[train]
        )
        head = regressor.to_head(features)
        if shipped is not None:
            reference = head.metadata["reference"]
            head.combination = replace(
                shipped,
                center=(reference["mean"][0], reference["mean"][1]),
                spread=(max(reference["std"][0], 1e-6), max(reference["std"][1], 1e-6)),
            )
        heads.append(head)
    return replace(model, readings=tuple(heads))


def _recommend_fold(
    listeners: ListenerTable,
    model: EmotionModel,
    fold: _Fold,
    names: Sequence[str],
    k: int,
    seed: int,
    scores: FoldScores,
    folder: Path,
) -> None:
    """Import the fold into a catalogue in ``folder`` and score moodtune's picks."""
    from moodtune.catalogue import Catalogue
    from moodtune.data.table import TrackTable
    from moodtune.recommend.recommender import MusicRecommender

    frame = listeners.table.frame.iloc[fold.rows].copy()
    frame["track_id"] = [f"row{i}" for i in range(len(fold.rows))]
    table = TrackTable(frame.reset_index(drop=True), listeners.table.source)
    with Catalogue.open(folder / "fold.sqlite", model=model) as catalogue:
        catalogue.import_table(table, source="fold")
        arrays = catalogue.arrays()
        where = {row[0]: at for at, row in catalogue.display_rows(arrays).items()}
        at = np.array([where[f"row{i}"] for i in range(len(fold.rows))], dtype=np.int64)
        fold.reading_z = arrays.reading_z[at].astype(np.float64)
        fold.positions["moodtune"] = arrays.position[at]
        back = {f"row{i}": i for i in range(len(fold.rows))}
        recommender = MusicRecommender(catalogue, seed=seed, artist_cap=CAP, exclude_recent=0)
        for name in names:
            for mode in MODES:
                found = recommender.recommend(name, k=k, mode=mode)
                rows = np.array([back[r.track_id] for r in found], dtype=int)
                if mode == "match":
                    closes = np.array([bool(r.close) for r in found])
                    scores.add_match(
                        "moodtune", name, fold.listeners, rows, region(MOODS[name]), closes
                    )
                else:
                    scores.add_path("moodtune", name, mode, fold.listeners, rows)


def _artist_codes(listeners: ListenerTable, rows: np.ndarray) -> np.ndarray:
    artists = listeners.artists
    if artists is None:
        return -np.ones(len(rows), dtype=np.int64)
    _, codes = np.unique(artists[rows], return_inverse=True)
    return codes.astype(np.int64)


def _baseline_positions(
    listeners: ListenerTable, train: np.ndarray, test: np.ndarray, fold: _Fold
) -> None:
    """The plane positions of the baselines: ridge on the table's features and raw Spotify
    valence/energy, each standardised on the training rows and placed as moodtune places
    readings (z / 2, clipped to −1..1)."""
    from moodtune.model.folds import import_sklearn

    sklearn = import_sklearn()
    table = listeners.table
    x = table.matrix(table.feature_names)
    ridge = sklearn.pipeline.make_pipeline(
        sklearn.preprocessing.StandardScaler(), sklearn.linear_model.Ridge(alpha=1.0)
    ).fit(x[train], listeners.targets[train])
    fitted, predicted = ridge.predict(x[train]), ridge.predict(x[test])
    fold.positions["ridge"] = _placed(predicted, fitted)
    if {"valence", "energy"} <= set(table.feature_names):
        raw = table.matrix(["valence", "energy"])
        fold.positions["spotify"] = _placed(raw[test], raw[train])


def _placed(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    z = (values - reference.mean(axis=0)) / np.maximum(reference.std(axis=0), 1e-9)
    return np.clip(0.5 * z, -1.0, 1.0).astype(np.float32)
