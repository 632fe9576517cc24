"""Greedy selection of tracks under the variety rules of the recommender.

Examples
--------
>>> import numpy as np
>>> from types import SimpleNamespace
>>> arrays = SimpleNamespace(vectors=np.eye(3, dtype=np.float32), artists=np.array([0, 0, 1]))
>>> picker = Picker(arrays, excluded=set(), cap=1, duplicate=0.0, capacity=2)
>>> picker.take(np.array([0, 1, 2]), np.array([0.9, 0.8, 0.7]), k=2)
[(0, 0.9), (2, 0.7)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from moodtune.catalogue.taste import Taste

if TYPE_CHECKING:
    from moodtune.catalogue.arrays import CatalogueArrays

__all__ = ["Picker"]


class Picker:
    """Greedy selection under the variety rules: exclusions, artist cap, no near-duplicates.

    Parameters
    ----------
    arrays : CatalogueArrays
        The catalogue's arrays (``vectors`` (n, d) and ``artists`` (n,) are used).
    excluded : set of int
        Array indices never chosen (recently played, disliked).
    cap : int or None
        At most this many tracks per primary artist (None: no cap).
    duplicate : float
        Tracks whose feature vectors are nearer than this to a chosen one are skipped.
    capacity : int
        The most tracks that will be chosen (k).
    taste : Taste or None
        The listener's taste, used by the recommender to order the candidates.

    Attributes
    ----------
    mask : numpy.ndarray or None
        (n,) bool: True for the tracks never chosen either (the disliked ones); one lookup
        each, however many they are.
    """

    def __init__(
        self,
        arrays: CatalogueArrays,
        excluded: set[int],
        cap: int | None,
        duplicate: float,
        capacity: int,
        taste: Taste | None = None,
    ) -> None:
        self.arrays = arrays
        self.excluded = excluded
        self.mask: np.ndarray | None = None
        self.taste = taste
        self.cap = cap
        self.duplicate = duplicate
        self._limit = duplicate * duplicate
        self._vectors = np.empty((capacity, arrays.vectors.shape[1]), dtype=np.float32)
        self.reset()

    def reset(self) -> None:
        self.chosen: list[int] = []
        self.taken: set[int] = set()
        self.per_artist: dict[int, int] = {}

    def acceptable(self, index: int) -> bool:
        if index in self.excluded or index in self.taken:
            return False
        if self.mask is not None and self.mask[index]:
            return False
        artist = int(self.arrays.artists[index])
        if artist >= 0 and self.cap is not None and self.per_artist.get(artist, 0) >= self.cap:
            return False
        if self.chosen and self.duplicate > 0:
            gaps = self._vectors[: len(self.chosen)] - self.arrays.vectors[index]
            if np.einsum("ij,ij->i", gaps, gaps).min() < self._limit:
                return False
        return True

    def add(self, index: int) -> None:
        if len(self.chosen) == len(self._vectors):  # more than the capacity: grow
            self._vectors = np.concatenate([self._vectors, np.empty_like(self._vectors)])
        self._vectors[len(self.chosen)] = self.arrays.vectors[index]
        self.chosen.append(index)
        self.taken.add(index)
        artist = int(self.arrays.artists[index])
        if artist >= 0:
            self.per_artist[artist] = self.per_artist.get(artist, 0) + 1

    def take(self, ordered: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Go through ``ordered`` indices (with their ``scores``) until ``k`` are chosen;
        returns every (index, score) chosen since the last reset."""
        picked = []
        for index, score in zip(ordered.tolist(), scores.tolist(), strict=True):
            if len(self.chosen) >= k:
                break
            if self.acceptable(index):
                self.add(index)
                picked.append((index, score))
        return picked
