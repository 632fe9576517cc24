"""Where a recommendation finds its rankings and the shown data of its tracks.

The order of the catalogue for a target (a distribution for ``match``, each step's point on
the plane for a path mode) does not depend on history, dislikes or chance, so a recommender
keeps the orders it computed per catalogue revision, with the text it shows for each track
and whether its local audio file exists (:class:`Memory`). A request runs against one of two
sources with the same methods:

- :class:`Loader` computes a ranking and reads track data it does not find in memory, and
  keeps them (:meth:`MusicRecommender.recommend
  <moodtune.recommend.recommender.MusicRecommender.recommend>`);
- :class:`Memory` only looks: it answers None for what it does not hold, and the request then
  answers None (:meth:`MusicRecommender.recommend_cached
  <moodtune.recommend.recommender.MusicRecommender.recommend_cached>`).

Examples
--------
>>> memory = Memory()
>>> len(memory.rankings), memory.whole(None) is None
(0, True)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from moodtune.recommend.ranking import Ranking, RevisionCache
from moodtune.recommend.shown import TrackInfo

if TYPE_CHECKING:
    from moodtune.catalogue.arrays import CatalogueArrays
    from moodtune.catalogue.protocol import CatalogueView

__all__ = [
    "MAX_CACHED_RANKING",
    "PREFETCH_TRACKS",
    "PRELOAD_TRACKS",
    "RANKING_CACHE_SIZE",
    "TRACK_CACHE_SIZE",
    "Loader",
    "Memory",
]

#: Rankings kept per recommender (one per distribution asked for in ``match``, one per step
#: point in a path mode), and tracks whose shown data are kept.
RANKING_CACHE_SIZE = 1024
TRACK_CACHE_SIZE = 4096
#: Rankings longer than this (a catalogue almost all excluded) are not cached.
MAX_CACHED_RANKING = 65536
#: When a ranking is computed, the shown data of its first tracks (up to this many) are read
#: with it, so that later requests drawing other near-equal tracks find them in memory.
PREFETCH_TRACKS = 512
#: Catalogues up to this many tracks have the shown data of every track read at once (one
#: query), so that no request reads them track by track (see docs/benchmarks.md).
PRELOAD_TRACKS = 250_000

#: ``compute(count)``: a ranking of at least ``count`` tracks (or all).
Compute = Callable[[int], Ranking]


class Memory:
    """The rankings and shown track data a recommender keeps for the current revision.

    Looking up never computes nor reads the catalogue: None when something is missing.
    """

    def __init__(self) -> None:
        self.rankings = RevisionCache(RANKING_CACHE_SIZE)
        self.tracks = RevisionCache(TRACK_CACHE_SIZE)
        #: (arrays, info per array index) of a catalogue small enough to hold whole.
        self.every: tuple[CatalogueArrays, list[TrackInfo]] | None = None

    def ranking(
        self, arrays: CatalogueArrays, key: Hashable, count: int, compute: Compute
    ) -> Ranking | None:
        """The kept ranking for ``key`` when it covers ``count`` tracks, else None."""
        ranking = self.rankings.get(arrays, key)
        return ranking if ranking is not None and ranking.covers(count) else None

    def infos(self, arrays: CatalogueArrays, indices: list[int]) -> dict[int, TrackInfo] | None:
        """index → :class:`TrackInfo` for every one of ``indices``, or None if one is missing."""
        if arrays.size <= PRELOAD_TRACKS:
            every = self.whole(arrays)
            return None if every is None else {index: every[index] for index in indices}
        known = self.tracks.get_many(arrays, indices)
        return None if any(info is None for info in known.values()) else known  # type: ignore

    def whole(self, arrays: CatalogueArrays) -> list[TrackInfo] | None:
        """The info of every track of ``arrays`` (by array index), when held."""
        held = self.every
        return held[1] if held is not None and held[0] is arrays else None

    def clear(self) -> None:
        """Forget everything (it is also dropped by itself when the arrays change)."""
        self.rankings.clear()
        self.tracks.clear()
        self.every = None


class Loader:
    """A :class:`Memory` filled on a miss: rankings are computed, track data read."""

    def __init__(self, memory: Memory, catalogue: CatalogueView) -> None:
        self.memory = memory
        self.catalogue = catalogue
        self._lock = threading.Lock()

    def ranking(
        self, arrays: CatalogueArrays, key: Hashable, count: int, compute: Compute
    ) -> Ranking:
        """The kept ranking for ``key`` when it covers ``count`` tracks, else ``compute(count)``
        (kept, and the shown data of its first tracks read with it)."""
        ranking = self.memory.ranking(arrays, key, count, compute)
        if ranking is None:
            ranking = compute(count)
            if len(ranking) <= MAX_CACHED_RANKING:
                self.memory.rankings.put(arrays, key, ranking)
            if arrays.size > PRELOAD_TRACKS:  # else every track's data are in memory
                self.infos(arrays, ranking.indices[: min(count, PREFETCH_TRACKS)].tolist())
        return ranking

    def infos(self, arrays: CatalogueArrays, indices: list[int]) -> dict[int, TrackInfo]:
        """index → :class:`TrackInfo` for ``indices``, from memory or one read of the
        catalogue's display rows.

        A catalogue of at most :data:`PRELOAD_TRACKS` tracks is read whole the first time
        (:meth:`whole`), and then every track is in memory.
        """
        if arrays.size <= PRELOAD_TRACKS:
            every = self.whole(arrays)
            return {index: every[index] for index in indices}
        known = self.memory.tracks.get_many(arrays, indices)
        missing = [index for index, info in known.items() if info is None]
        if missing:
            rows = self.catalogue.display_rows(arrays, missing)
            for index in missing:
                info = TrackInfo(arrays, index, rows[index])
                self.memory.tracks.put(arrays, index, info)
                known[index] = info
        return known  # type: ignore[return-value]

    def whole(self, arrays: CatalogueArrays) -> list[TrackInfo]:
        """The info of every track of ``arrays``, read at once the first time."""
        every = self.memory.whole(arrays)
        if every is not None:
            return every
        with self._lock:
            every = self.memory.whole(arrays)
            if every is None:
                rows = self.catalogue.display_rows(arrays)
                every = [TrackInfo(arrays, index, rows[index]) for index in range(arrays.size)]
                self.memory.every = (arrays, every)
            return every
