"""Classifying catalogue tracks with the emotion model, and storing the predictions.

Every track in a catalogue has probabilities from one model version (``meta.model_version``);
:func:`classify_all` classifies the whole catalogue again when that version changes.

Examples
--------
>>> from moodtune.model.artifact import EmotionModel
>>> every = np.full((1, len(FEATURE_NAMES)), 0.5)
>>> every[0, FEATURE_NAMES.index("tempo")] = 120.0
>>> every[0, FEATURE_NAMES.index("loudness")] = -8.0
>>> classify(EmotionModel.default(), every).probabilities.shape
(1, 7)
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np

from moodtune.catalogue.arrays import fetch_matrix
from moodtune.catalogue.schema import PROBABILITY_COLUMNS, READING_COLUMNS
from moodtune.catalogue.store import Store
from moodtune.data.features import FEATURE_NAMES
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel

__all__ = ["Classified", "classify", "classify_all", "write_predictions"]

_CHUNK = 65536


@dataclass(frozen=True)
class Classified:
    """What the catalogue stores per track: ``probabilities`` (n, 7) in EMOTIONS order (the
    model's distribution, combined with its reading where it has one) and ``reading`` (n, 4):
    valence, arousal (−1..1) and the same standardised against a typical track, NaN where
    the model has no reading for the track's features."""

    probabilities: np.ndarray
    reading: np.ndarray

    def rows(self, keep: np.ndarray) -> Classified:
        """The rows selected by ``keep`` (a boolean mask or indices)."""
        return Classified(self.probabilities[keep], self.reading[keep])


def classify(model: EmotionModel, every: np.ndarray, audio: np.ndarray | None = None) -> Classified:
    """Classify tracks given all :data:`FEATURE_NAMES` (n, 11; NaN where unknown).
    ``audio`` (n,) bool: the tracks whose valence was estimated from their audio (calibrated
    by ``analyze``), whose emotions follow the reading (``follow_reading``, docs/audio.md)."""
    if sorted(model.labels) != sorted(EMOTIONS):
        raise MoodtuneError(
            f"the model {model.version} predicts {', '.join(model.labels)}; the catalogue needs "
            f"the {len(EMOTIONS)} emotions ({', '.join(EMOTIONS)})"
        )
    audio = np.zeros(len(every), dtype=bool) if audio is None else np.asarray(audio, bool)
    probabilities = np.empty((len(every), len(EMOTIONS)), dtype=np.float32)
    reading = np.empty((len(every), 4))
    order = [model.labels.index(name) for name in EMOTIONS]
    for rows in (~audio, audio):
        if rows.any():
            part = model.predict_columns(every[rows], FEATURE_NAMES, follow_reading=rows is audio)
            probabilities[rows] = part.probabilities[:, order]
            reading[rows] = np.concatenate([part.reading, part.standardised], axis=1)
    return Classified(probabilities, reading)


def write_predictions(
    connection: sqlite3.Connection, rowids: np.ndarray, classified: Classified, version: str
) -> None:
    """Store the predictions of the tracks ``rowids`` (n,) made by model ``version``."""
    probabilities = classified.probabilities
    tops = np.asarray(EMOTIONS)[probabilities.argmax(axis=1)].tolist()
    columns = ", ".join((*PROBABILITY_COLUMNS, *READING_COLUMNS))
    placeholders = ", ".join("?" * (len(PROBABILITY_COLUMNS) + len(READING_COLUMNS) + 3))
    values = np.concatenate([probabilities, classified.reading], axis=1).astype(np.float64)
    connection.executemany(
        f"INSERT OR REPLACE INTO predictions (track, model_version, top_emotion, {columns}) "
        f"VALUES ({placeholders})",
        (
            (rowid, version, top, *[None if v != v else v for v in row])  # NaN → NULL
            for rowid, top, row in zip(rowids.tolist(), tops, values.tolist(), strict=True)
        ),
    )


def classify_all(
    store: Store, connection: sqlite3.Connection, model: EmotionModel, *, force: bool
) -> int:
    """Classify every track with ``model`` inside the caller's transaction on ``connection``
    (only when the stored version differs, unless ``force``); returns how many."""
    stored = store.meta("model_version", connection)
    total = connection.execute("SELECT COUNT(*) FROM tracks").fetchone()[0]
    if total == 0 or (not force and stored == model.version):
        return 0
    names = model.feature_names
    unknown = [name for name in names if name not in FEATURE_NAMES]
    if unknown:
        raise MoodtuneError(f"the model needs unknown feature(s) {', '.join(unknown)}")
    cursor = connection.execute(
        f"SELECT t.rowid, {', '.join('f.' + n for n in FEATURE_NAMES)}, "
        "f.valence_from = 'estimated' FROM tracks t "
        "LEFT JOIN features f ON f.track = t.rowid ORDER BY t.rowid"
    )
    table = fetch_matrix(cursor, total, 2 + len(FEATURE_NAMES))
    rowids = table[:, 0].astype(np.int64)
    every, audio = table[:, 1:-1], table[:, -1] == 1
    features = every[:, [FEATURE_NAMES.index(n) for n in names]]
    lacking = ~np.isfinite(features).all(axis=1)
    if lacking.any():
        raise MoodtuneError(
            f"{int(lacking.sum())} track(s) lack a feature the model {model.version} needs "
            f"({', '.join(names)}); nothing was reclassified"
        )
    for start in range(0, len(rowids), _CHUNK):
        part = slice(start, start + _CHUNK)
        classified = classify(model, every[part], audio[part])
        write_predictions(connection, rowids[part], classified, model.version)
    store.set_meta(connection, "model_version", model.version)
    store.bump(connection)
    return len(rowids)
