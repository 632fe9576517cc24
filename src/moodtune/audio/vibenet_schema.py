"""What VibeNet estimates, apart from the estimator (:mod:`moodtune.audio.estimate`) so that
the calibration of its estimates (:mod:`moodtune.audio.calibration`) can name them without
importing the estimator, which applies the calibration."""

from __future__ import annotations

__all__ = ["ESTIMATED_FEATURES", "VIBENET_RATE"]

#: The features VibeNet estimates, in moodtune's schema order.
ESTIMATED_FEATURES: tuple[str, ...] = (
    "danceability",
    "energy",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
)
#: The sample rate VibeNet's model takes (Hz).
VIBENET_RATE = 16000
