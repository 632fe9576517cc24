"""What one recommendation reads of a catalogue, and the arrays shared within a process.

A :class:`Snapshot` is the catalogue as a request sees it: the numpy arrays of its current
revision (:class:`~moodtune.catalogue.arrays.CatalogueArrays`), the recently played tracks,
the liked and the disliked ones. :meth:`Catalogue.snapshot
<moodtune.catalogue.sqlite.Catalogue.snapshot>` reads whatever is not in memory;
:meth:`Catalogue.snapshot_in_memory
<moodtune.catalogue.sqlite.Catalogue.snapshot_in_memory>` never waits: it answers None
unless all of it is in memory for the file as it is now.

The arrays of a revision are loaded once per process: :data:`SHARED_ARRAYS` keeps those of
the last few catalogue revisions, for every catalogue object open on the same file.

Examples
--------
>>> cache = ArraysCache(capacity=1)
>>> cache.get(("c.sqlite", "uid", 1)) is None
True
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from moodtune.catalogue.arrays import CatalogueArrays

if TYPE_CHECKING:
    from moodtune.catalogue.taste import FeedbackState

__all__ = ["SHARED_ARRAYS", "ArraysCache", "Snapshot"]


class ArraysCache:
    """The arrays of recently used catalogue revisions, shared by a process (thread-safe).

    Keys name a revision of a file (its path, uid and revision number); the least recently
    stored revision is dropped beyond ``capacity``.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = int(capacity)
        self._lock = threading.Lock()
        self._arrays: OrderedDict[Hashable, CatalogueArrays] = OrderedDict()

    def get(self, key: Hashable) -> CatalogueArrays | None:
        """The arrays stored for ``key``, or None."""
        with self._lock:
            return self._arrays.get(key)

    def get_or_load(self, key: Hashable, load: Callable[[], CatalogueArrays]) -> CatalogueArrays:
        """The arrays stored for ``key``, else ``load()`` (then stored)."""
        found = self.get(key)
        if found is not None:
            return found
        arrays = load()
        with self._lock:
            self._arrays[key] = arrays
            while len(self._arrays) > self.capacity:
                self._arrays.popitem(last=False)
        return arrays

    def clear(self) -> None:
        """Forget every revision."""
        with self._lock:
            self._arrays.clear()


#: The arrays of the last two catalogue revisions used in this process.
SHARED_ARRAYS = ArraysCache(capacity=2)


@dataclass(frozen=True)
class Snapshot:
    """One catalogue revision as a request sees it.

    Attributes
    ----------
    arrays : CatalogueArrays
        The searchable arrays of the revision.
    recent : numpy.ndarray
        The store's keys (:attr:`CatalogueArrays.rowids`) of the recently played tracks,
        (m,) int64, the most recent first; :meth:`recent_positions` gives their positions.
    disliked, liked : numpy.ndarray
        The keys of the tracks whose latest feedback is a dislike / a like, (m,) int64.
    feedback : FeedbackState or None
        The same feedback with what a request needs of it kept per arrays (the mask of
        disliked tracks, the taste); None: computed from ``disliked`` and ``liked``.
    """

    arrays: CatalogueArrays
    recent: np.ndarray
    disliked: np.ndarray
    liked: np.ndarray
    feedback: FeedbackState | None = None

    def recent_positions(self, plays: int | None = None) -> np.ndarray:
        """Positions in :attr:`arrays` of the tracks among the ``plays`` most recently
        played (None: all of :attr:`recent`), the most recent first."""
        recent = self.recent if plays is None else self.recent[:plays]
        return self.arrays.indices(recent)
