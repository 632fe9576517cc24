"""Tracks in order of closeness to a target, and a cache of those orders per catalogue revision.

The order of the catalogue for a target (an emotion distribution, or a point on the
valence/arousal plane) depends only on the target and on the catalogue's arrays, not on the
listening history, the dislikes or the random choice among near-equal tracks. The recommender
therefore keeps the orders it computed in a :class:`RevisionCache` and, for a target it has seen,
only does the cheap part of a request: the random choice and the variety rules.

A :class:`Ranking` holds only a prefix that is *exact*: every track left out scores strictly
less than the last one kept, and ties are ordered by array index. So a ranking computed for
more tracks starts with the very same tracks as one computed for fewer, and a seeded
recommendation does not depend on what the cache held.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from moodtune.recommend.arrays import CatalogueArrays
from moodtune.recommend.index.common import PLANE_DIAMETER

__all__ = [
    "PLANE_DIAMETER",
    "WITHIN",
    "Ranking",
    "RevisionCache",
    "by_distribution",
    "by_plane",
    "by_point",
    "closeness",
]

#: How much the emotion distribution adds to a ``match`` score (the plane gives 0..1): at most
#: this much, so the probabilities only order tracks about equally near the target's point.
WITHIN = 0.005


@dataclass(frozen=True)
class Ranking:
    """The best tracks for one target, best first.

    ``indices`` (m,) int64 are array indices, ``scores`` (m,) float64 their scores (higher is
    better), ties ordered by index. ``complete`` is True when the ranking holds every track;
    otherwise every track not in it scores strictly less than ``scores[-1]``.
    """

    indices: np.ndarray
    scores: np.ndarray
    complete: bool

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def covers(self, count: int) -> bool:
        """Whether the first ``count`` tracks (or all there are) are known."""
        return self.complete or self.indices.shape[0] >= count

    @classmethod
    def exact(
        cls,
        indices: np.ndarray,
        scores: np.ndarray,
        above: float,
        complete: bool,
        limit: int | None = None,
    ) -> Ranking:
        """Sort ``indices``/``scores`` (best first, ties by index), keeping only the scores
        strictly above ``above``, the best score a track left out of the search could have
        (ignored when ``complete``), and at most ``limit`` of them (those strictly above the
        score of the next one, so the result stays exact)."""
        scores = np.asarray(scores, dtype=np.float64)
        if not complete:
            keep = scores > above
            indices, scores = indices[keep], scores[keep]
        if limit is not None and len(scores) > limit:
            cut = float(np.partition(scores, len(scores) - limit - 1)[len(scores) - limit - 1])
            keep = scores > cut
            indices, scores, complete = indices[keep], scores[keep], False
        order = np.lexsort((indices, -scores))
        return cls(
            np.ascontiguousarray(indices[order], dtype=np.int64),
            np.ascontiguousarray(scores[order]),
            complete,
        )


def by_distribution(arrays: CatalogueArrays, distribution: np.ndarray, count: int) -> Ranking:
    """At least ``count`` tracks (or all) by Hellinger closeness to ``distribution`` (7,).

    Scores are ``1 - Hellinger distance`` (1 = the same distribution). The candidates are
    the exact top of :meth:`TrackIndex.match <moodtune.recommend.index.TrackIndex.match>`.
    """
    return _prefix(arrays, count, lambda asked: arrays.index.match(distribution, asked))


def by_plane(arrays: CatalogueArrays, point: np.ndarray, count: int) -> Ranking:
    """At least ``count`` tracks (or all) by closeness to ``point`` (2,) on the valence/arousal
    plane. Scores are ``1 - distance / PLANE_DIAMETER``; the candidates are the exact top of
    :meth:`TrackIndex.plane <moodtune.recommend.index.TrackIndex.plane>`."""
    point = np.asarray(point, dtype=np.float32)
    return _prefix(arrays, count, lambda asked: arrays.index.plane(point, asked))


def closeness(probabilities: np.ndarray, distribution: np.ndarray) -> np.ndarray:
    """``1 - Hellinger distance`` of distributions (m, 7) to ``distribution`` (7,), (m,)."""
    root = np.sqrt(np.asarray(distribution, dtype=np.float64))
    overlap = np.sqrt(np.asarray(probabilities, dtype=np.float64)) @ root
    return 1.0 - np.sqrt(np.clip(1.0 - overlap, 0.0, None))


def by_point(
    arrays: CatalogueArrays, point: np.ndarray, distribution: np.ndarray, count: int
) -> Ranking:
    """At least ``count`` tracks (or all) for ``match``: nearest first to ``point`` (2,) on
    the valence/arousal plane (where the listener-grounded reading puts tracks) by the larger
    axis gap (Chebyshev; ``point`` is :func:`moodtune.recommend.moods.aim` of the target),
    the emotion distribution deciding only among tracks about equally near.

    Scores are the plane score (``1 - gap / PLANE_DIAMETER``) plus :data:`WITHIN` times
    the Hellinger closeness to ``distribution`` (7,). A track outside the plane query's best
    ``asked`` scores at most the last plane score plus :data:`WITHIN`, so only the tracks
    above that are kept and the ranking stays exact.
    """
    point = np.asarray(point, dtype=np.float32)
    size = arrays.size
    if size == 0:
        return Ranking(np.zeros(0, dtype=np.int64), np.zeros(0), True)
    asked = min(size, count + count // 2 + 32)
    while True:
        indices, plane = arrays.index.plane(point, asked, metric="chebyshev")
        complete = asked >= size
        scores = plane + WITHIN * closeness(arrays.probabilities[indices], distribution)
        floor = float(plane[-1]) + WITHIN if len(plane) else 0.0
        ranking = Ranking.exact(indices, scores, floor, complete)
        if ranking.covers(count):
            return ranking
        asked = min(size, asked * 4)


def _prefix(arrays: CatalogueArrays, count: int, top) -> Ranking:
    """An exact :class:`Ranking` of at least ``count`` tracks from ``top(asked)``, the index's
    exact best ``asked`` tracks (ties by index): the tracks scoring as the last one are left
    out unless every track is in (a track tied with them may lie beyond ``asked``)."""
    size = arrays.size
    if size == 0:
        return Ranking(np.zeros(0, dtype=np.int64), np.zeros(0), True)
    asked = min(size, count + count // 4 + 16)  # a margin for ties at the end
    while True:
        indices, scores = top(asked)
        complete = asked >= size
        floor = float(scores[-1]) if len(scores) else 0.0
        ranking = Ranking.exact(indices, scores, floor, complete)
        if ranking.covers(count):
            return ranking
        asked = min(size, asked * 4)


class RevisionCache:
    """A bounded, thread-safe LRU of values derived from one revision of a catalogue.

    Every call names the :class:`CatalogueArrays` the value is derived from; when they are not
    the arrays of the previous call (the catalogue changed: an import, a reclassification),
    the cache empties first. History, feedback and dislikes do not change the arrays and are
    never cached here.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be ≥ 1; got {capacity!r}")
        self.capacity = int(capacity)
        self._lock = threading.Lock()
        self._arrays: CatalogueArrays | None = None
        self._values: OrderedDict[Hashable, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._values)

    def _check(self, arrays: CatalogueArrays) -> None:
        if arrays is not self._arrays:
            self._values.clear()
            self._arrays = arrays

    def get(self, arrays: CatalogueArrays, key: Hashable) -> Any | None:
        """The value stored for ``key`` with these ``arrays``, or None."""
        with self._lock:
            self._check(arrays)
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def get_many(self, arrays: CatalogueArrays, keys: list[Hashable]) -> dict[Hashable, Any]:
        """``{key: get(arrays, key)}`` for every key (None for those not stored)."""
        with self._lock:
            self._check(arrays)
            found = {}
            for key in keys:
                value = found[key] = self._values.get(key)
                if value is not None:
                    self._values.move_to_end(key)
            return found

    def put(self, arrays: CatalogueArrays, key: Hashable, value: Any) -> None:
        """Store ``value`` for ``key``, derived from ``arrays``."""
        with self._lock:
            self._check(arrays)
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.capacity:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._arrays = None
