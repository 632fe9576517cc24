"""The routes from an analysed audio file to valence and arousal that
:mod:`moodtune.audio.evaluation` compares, and how the top emotion spreads over the
listeners' quadrants.

* ``reading``: what ``moodtune analyze`` then ``predict`` give — the model's reading of the
  features as the analysis stores them (VibeNet's estimates calibrated);
* ``reading_uncalibrated``: the same model's reading of VibeNet's raw estimates (the
  ``vibenet_*`` columns), i.e. the route before the calibration;
* ``vibenet``: VibeNet's raw ``valence`` and ``energy`` estimates themselves;
* ``loudness``: measured integrated loudness (arousal only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from moodtune.audio.estimate import ESTIMATED_FEATURES

if TYPE_CHECKING:
    from moodtune.model.artifact import EmotionModel

__all__ = ["RAW_PREFIX", "Route", "audio_routes", "emotion_spread", "quadrant_names"]

#: VibeNet's raw estimates are kept in the analysis table as ``vibenet_<feature>`` columns.
RAW_PREFIX = "vibenet_"


@dataclass
class Route:
    """One way from audio to valence and/or arousal scores (None for an axis it lacks)."""

    name: str
    description: str
    valence: np.ndarray | None
    arousal: np.ndarray | None


def _raw(frame: pd.DataFrame, name: str) -> np.ndarray:
    column = f"{RAW_PREFIX}{name}"
    return frame[column if column in frame.columns else name].to_numpy(float)


def _predict(model: EmotionModel, frame: pd.DataFrame, raw: bool) -> tuple[np.ndarray, np.ndarray]:
    """The model's reading (n, 2) and top emotion of ``frame``'s features (raw or stored)."""
    names = [c for c in model.feature_names]
    for head in model.readings:
        names += [c for c in head.feature_names if c not in names]
    names = [c for c in names if c in frame.columns]
    values = np.column_stack(
        [
            _raw(frame, c) if raw and c in ESTIMATED_FEATURES else frame[c].to_numpy(float)
            for c in names
        ]
    )
    # The shipped route names the emotion as analyze + predict do: confined to what the
    # calibrated reading allows; the route before the calibration as it was.
    prediction = model.predict_columns(values, names, follow_reading=not raw)
    emotion = np.asarray(model.labels)[prediction.probabilities.argmax(axis=1)]
    reading = prediction.reading
    if reading is None:
        reading = np.full((len(frame), 2), np.nan)
    return np.asarray(reading, dtype=float), emotion


def audio_routes(frame: pd.DataFrame, model: EmotionModel) -> tuple[list[Route], pd.DataFrame]:
    """The routes over ``frame`` (analysis rows), and ``frame`` with their scores added
    (``reading_valence``, ``reading_arousal``, ``emotion``, and the same with ``_uncalibrated``)."""
    reading, emotion = _predict(model, frame, raw=False)
    before, emotion_before = _predict(model, frame, raw=True)
    frame = frame.assign(
        reading_valence=reading[:, 0],
        reading_arousal=reading[:, 1],
        emotion=emotion,
        reading_valence_uncalibrated=before[:, 0],
        reading_arousal_uncalibrated=before[:, 1],
        emotion_uncalibrated=emotion_before,
    )
    routes = [
        Route(
            "reading",
            "analyze + predict: the model's reading of the calibrated features (shipped)",
            reading[:, 0],
            reading[:, 1],
        ),
        Route(
            "reading_uncalibrated",
            "the model's reading of VibeNet's raw estimates (before the calibration)",
            before[:, 0],
            before[:, 1],
        ),
        Route(
            "vibenet",
            "VibeNet's raw valence and energy",
            _raw(frame, "valence"),
            _raw(frame, "energy"),
        ),
        Route(
            "loudness",
            "measured loudness (LUFS), arousal only",
            None,
            frame["loudness"].to_numpy(float),
        ),
    ]
    return routes, frame


def quadrant_names(valence: np.ndarray, arousal: np.ndarray) -> np.ndarray:
    """Each item's listeners' quadrant, each axis split at its median: ``"+v+a"`` (happy,
    excited), ``"+v-a"`` (calm, pleasant), ``"-v+a"`` (tense, angry), ``"-v-a"`` (sad).

    Examples
    --------
    >>> quadrant_names(np.array([1.0, 0.0, 1.0, 0.0]), np.array([1.0, 1.0, 0.0, 0.0])).tolist()
    ['+v+a', '-v+a', '+v-a', '-v-a']
    """
    v = np.where(valence > np.median(valence), "+v", "-v")
    a = np.where(arousal > np.median(arousal), "+a", "-a")
    return np.char.add(v, a)


def emotion_spread(frame: pd.DataFrame) -> dict[str, dict[str, dict[str, int]]]:
    """Counts of the top emotion (shipped route, and before the calibration) per listeners'
    quadrant and, with GEMS ratings, per most-chosen GEMS emotion."""
    quadrant = quadrant_names(
        frame["target_valence"].to_numpy(float), frame["target_arousal"].to_numpy(float)
    )
    spread: dict[str, dict[str, dict[str, int]]] = {}
    groupings = {"quadrant": quadrant}
    if frame["top_gems"].notna().all():
        groupings["top_gems"] = frame["top_gems"].to_numpy(str)
    for name, groups in groupings.items():
        for column in ("emotion", "emotion_uncalibrated"):
            counts = pd.crosstab(groups, frame[column].to_numpy(str))
            spread[f"{column} by {name}"] = {
                str(group): {str(k): int(v) for k, v in row.items() if v}
                for group, row in counts.iterrows()
            }
    return spread
