"""Honest matching: which recommended tracks really lie where listeners would place the mood.

Every target (:data:`moodtune.recommend.moods.MOODS`, or a distribution put on the plane) has
a *region*: per axis, the side of a typical track it lies on (:func:`~moodtune.recommend.
moods.region`; e.g. calm: brighter and calmer than typical). A recommended track is a *close
match* only when its valence/arousal reading learned from listeners, standardised against a
typical track (z), lies inside the region by at least the axis's threshold of
:data:`CLOSE_Z`: thresholds chosen on MuSe (``muse_dev.csv``, out-of-fold readings, folds
grouped by artist; :func:`moodtune.recommend.listening_scores.choose_thresholds`) as the smallest z
at which tracks hit the listeners' region (split at the median) at least 70% of the time. A
region none of whose thresholds reaches 70% on MuSe has no close tracks (``inf``); the heading
then says the tracks are only the nearest ones. Neutral's region is the middle: within
``CLOSE_Z[(0, 0)]`` of typical on both axes.

The chip of a track (:func:`chip`) is the most probable emotion whose region contains the
track's reading (at z = 0, the sign of each side): a chip never names an emotion the reading
places on the other side of a typical track; neutral (no side) is always allowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from moodtune.emotions import EMOTIONS
from moodtune.recommend.modes import MODES
from moodtune.recommend.moods import SIDE_MARGIN, Mood, mood_named, region

__all__ = [
    "CLOSE_HIT",
    "CLOSE_Z",
    "SIDE_MARGIN",
    "chip",
    "chip_allowed",
    "is_close",
    "match_summary",
    "sides",
    "summarise",
]

#: The hit rate close tracks must reach on MuSe.
CLOSE_HIT = 0.70
#: Per region (valence side, arousal side): the z a reading must reach on every sided axis to
#: be a close match (for (0, 0): the largest |z| of the middle). Chosen on muse_dev.csv by
#: ``moodtune evaluate-recommendations`` (:func:`~moodtune.recommend.listening_scores.
#: choose_thresholds`; 5 folds by artist, seeds 0, 1, 2; docs/recommend.md). ``inf`` (for
#: neutral ``-inf``): no z reached 70% there, so no track of that region is called close.
CLOSE_Z: dict[tuple[int, int], float] = {
    (1, 1): 1.25,
    (-1, -1): np.inf,
    (-1, 1): np.inf,
    (1, -1): np.inf,
    (1, 0): 0.8,
    (-1, 0): 1.1,
    (0, 1): 0.35,
    (0, -1): 0.35,
    (0, 0): -np.inf,
}


def sides(target: str | Mood | np.ndarray) -> tuple[int, int]:
    """+1 / −1 / 0 per axis (valence, arousal): the region of a target (a name, a
    :class:`Mood` or a point of the plane)."""
    if isinstance(target, str):
        target = mood_named(target)
    return region(target)


def is_close(
    target: str | Mood | np.ndarray | tuple[int, int],
    reading_z: Sequence[float] | np.ndarray | None,
    thresholds: Mapping[tuple[int, int], float] = CLOSE_Z,
) -> bool:
    """Whether a track whose reading, standardised against a typical track, is ``reading_z``
    (2,) (None or NaN when unknown) lies inside ``target``'s region by the thresholds."""
    side = target if isinstance(target, tuple) else sides(target)
    if reading_z is None or not np.isfinite(np.asarray(reading_z, dtype=float)).all():
        return False
    z = np.asarray(reading_z, dtype=float)
    limit = float(thresholds.get(side, np.inf))
    if side == (0, 0):
        return bool(np.all(np.abs(z) <= limit))
    return all(s == 0 or s * value >= limit for s, value in zip(side, z, strict=True))


_EMOTION_SIDES = np.array([sides(e) for e in EMOTIONS])  # (7, 2)


def chip_allowed(reading_z: np.ndarray) -> np.ndarray:
    """Which emotions a chip may name for readings (n, 2) z: boolean (n, 7). An emotion is
    allowed unless the reading lies on the other side of a typical track on an axis where the
    emotion has a side; a track without a reading allows every emotion."""
    z = np.asarray(reading_z, dtype=float).reshape(-1, 2)
    known = np.isfinite(z).all(axis=1)
    signs = np.sign(np.nan_to_num(z))[:, None, :]  # (n, 1, 2)
    wrong = (_EMOTION_SIDES[None] != 0) & (signs == -_EMOTION_SIDES[None])
    return ~(wrong.any(axis=2) & known[:, None])


def chip(probabilities: Mapping[str, float] | np.ndarray, reading_z: Any) -> str:
    """The emotion a track's chip names: the most probable one its reading allows."""
    if isinstance(probabilities, Mapping):
        probabilities = np.array([probabilities.get(e, 0.0) for e in EMOTIONS])
    p = np.asarray(probabilities, dtype=float)
    z = np.full(2, np.nan) if reading_z is None else np.asarray(reading_z, dtype=float)
    allowed = chip_allowed(z)[0]
    return EMOTIONS[int(np.argmax(np.where(allowed, p, -1.0)))]


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
