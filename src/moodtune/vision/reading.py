"""Kept for compatibility: the reading type now lives in :mod:`moodtune.reading` (below
both text and vision); these are the same objects."""

from __future__ import annotations

from moodtune.reading import (
    CONFIDENCES,
    SOURCES,
    EmotionReading,
    Face,
    as_mapping,
    as_vector,
)

__all__ = ["CONFIDENCES", "SOURCES", "EmotionReading", "Face", "as_mapping", "as_vector"]
