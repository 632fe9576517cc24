"""Honest matching: which recommended tracks really carry the emotion asked for.

A track is a *close match* for an emotion when the model names that emotion for it (its
chip), or when its valence/arousal reading learned from listeners lies on the emotion's side
of a typical track on every axis where the emotion clearly has a side (happiness and
surprise: brighter and more energetic than typical; anger, disgust and fear: darker and more
energetic; sadness: darker). Neutral has no side: only its chip counts. A catalogue that
holds no such track for an emotion still gets the nearest ones, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from moodtune.emotions import CIRCUMPLEX, canonical
from moodtune.recommend.modes import MODES

#: How far from the middle of an axis an emotion's circumplex point must lie for the emotion
#: to have a side on it (the same margin as the model's contradiction guard).
SIDE_MARGIN = 0.3


def sides(emotion: str) -> tuple[int, int]:
    """+1 / −1 / 0 per axis (valence, arousal): the side of a typical track ``emotion`` is on."""
    point = CIRCUMPLEX[canonical(emotion)]
    return tuple(  # type: ignore[return-value]
        0 if abs(value) < SIDE_MARGIN else (1 if value > 0 else -1)
        for value in (point.valence, point.arousal)
    )


def is_close(emotion: str, top: str | None, reading_z: Sequence[float] | None) -> bool:
    """Whether a track whose top emotion is ``top`` and whose reading, standardised against
    a typical track, is ``reading_z`` (2,) (None or NaN when unknown) matches ``emotion``."""
    if top is not None and canonical(top) == canonical(emotion):
        return True
    side = sides(emotion)
    if reading_z is None or side == (0, 0) or not np.isfinite(reading_z).all():
        return False
    return all(s == 0 or (z > 0) == (s > 0) for s, z in zip(side, reading_z, strict=True))


def match_summary(closes: Sequence[bool], emotion: str) -> str:
    """``"3 close matches for happiness, 7 weaker ones"`` (or all close, or none)."""
    total, close = len(closes), sum(bool(c) for c in closes)
    if close == total:
        return f"{total} tracks matching {emotion}"
    if close == 0:
        return f"no close match for {emotion} in this catalogue: the {total} nearest tracks"
    weaker = total - close
    return (
        f"{close} close match{'es' if close != 1 else ''} for {emotion}, "
        f"{weaker} weaker one{'s' if weaker != 1 else ''}"
    )


def summarise(tracks: Sequence[Mapping[str, Any]], emotion: str, mode: str) -> str:
    """One line about recommendations as dicts (``close`` and the mode): what the CLI and the
    page say above the list."""
    if not tracks:
        return "no tracks in the catalogue fit: import some music first"
    kind = MODES.get(mode)
    if kind is not None and kind.end is None:
        return match_summary([bool(t.get("close")) for t in tracks], emotion)
    verb = mode if kind is None else kind.verb or kind.name
    return f"{len(tracks)} tracks {verb} {emotion}"


__all__ = ["SIDE_MARGIN", "is_close", "match_summary", "sides", "summarise"]
