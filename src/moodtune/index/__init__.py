"""An exact index for the recommender's two queries, fit for 10 million tracks on one machine.

The recommender asks two things of a catalogue (see :mod:`moodtune.recommend.ranking`):

- **match**: the tracks whose emotion distribution is closest to a target distribution, by
  Hellinger distance (``score = 1 - sqrt(1 - Σ sqrt(p·t))``);
- **plane**: the tracks nearest to a point of the valence/arousal plane (one step of an
  ``uplift`` or ``calm`` path; ``score = 1 - distance / 2√2``);

each with at most ``cap`` tracks per primary artist, nothing from an excluded set (the
listening history, the dislikes, the tracks already chosen) and the best ``k`` first.
:class:`TrackIndex` answers both **exactly**: its results are the brute-force top-k over every
track (:func:`brute_force_match`, :func:`brute_force_plane`), with the very same scores as
:func:`~moodtune.recommend.ranking.by_distribution` and
:func:`~moodtune.recommend.ranking.by_plane` (the same float32 operations on the same float32
values, ties ordered by array index).

How
---
*Match.* The square roots of the distributions are unit vectors and the Bhattacharyya
coefficient is their inner product with the target's. The vectors are grouped by a two-level
spherical k-means (fitted on samples; ``sqrt(n / leaf)`` coarse groups, each split into groups
of about ``leaf`` tracks), stored group by group so that a group is one contiguous slice. Each
group (and coarse group) keeps upper bounds of the inner product any member can have with a
query ``w ≥ 0``: the cone ``cos(max(0, θ - radius))·|w|`` (θ the angle to the centroid), the
box ``Σ_j high_j·w_j`` (the largest member value per emotion; exact for a single-emotion
target), and, for the few groups those let through, the box cut by the unit sphere. A query
scans the groups of best bound until it has ``k`` acceptable tracks, then every group whose
bound reaches the ``k``-th score, and stops.

*Plane.* Positions are bucketed by a grid whose lines are quantiles of each axis (the tracks
crowd the middle of the plane), stored cell by cell; a query grows a square of cells around
the point until it holds ``k`` acceptable tracks, then covers the ``k``-th distance, and stops.

Why these stop exactly: with an artist cap and an excluded set, "the best ``k``, at most
``cap`` per artist" is the greedy basis of a (truncated partition) matroid, and adding
candidates never lowers its ``k``-th score; so once every track that could beat the ``k``-th
score has been scanned, the answer is the brute-force one.

Memory: 48 bytes per track (the 7 square roots and the 2 coordinates in float32, the two
orderings and the artists in int32), plus the groups' and cells' tables (~2 bytes per track).
The score-bearing values stay float32: float16 (11-bit mantissa) would move scores by up to
~5·10⁻⁴, more than the gap between neighbouring scores in a large catalogue, and the answers
would no longer be the exact top-k; the ids and artists are int32 (half of int64, lossless
below 2³¹ tracks). The index holds its own copies in its own order, so the caller may drop the
arrays it was built from.

Beyond one machine: :meth:`TrackIndex.save` / :meth:`TrackIndex.load` write and read one
index per shard (.npz, no pickle), and :func:`merge` makes the exact answer of a sharded
catalogue from the shards' answers (docs/scale.md).

Examples
--------
>>> import numpy as np
>>> from moodtune.index import TrackIndex, brute_force_match
>>> rng = np.random.default_rng(0)
>>> distributions = rng.dirichlet(np.ones(7), 5000).astype(np.float32)
>>> positions = rng.uniform(-1, 1, (5000, 2)).astype(np.float32)
>>> artists = rng.integers(0, 300, 5000)
>>> index = TrackIndex(distributions, positions, artists)
>>> target = np.array([0.0, 0.0, 0.0, 0.8, 0.0, 0.2, 0.0])
>>> found, scores = index.match(target, 10, cap=2, excluded=[1, 2, 3])
>>> floor, floor_scores = brute_force_match(distributions, artists, target, 10, cap=2,
...                                         excluded=[1, 2, 3])
>>> bool((found == floor).all() and (scores == floor_scores).all())
True
>>> found, scores = index.plane([0.5, 0.5], 5, cap=1)
>>> len(found), bool(np.all(np.diff(scores) <= 0))
(5, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from moodtune.errors import MoodtuneError
from moodtune.index.brute import (
    _walk,
    brute_force_match,
    brute_force_path,
    brute_force_plane,
    path_points,
    path_steps,
)
from moodtune.index.build import _build_grid, _build_groups, _one_blas_thread
from moodtune.index.common import (
    CELL,
    LEAF,
    PLANE_DIAMETER,
    match_weights,
    select,
    weighted_sum,
)
from moodtune.index.match import match_query
from moodtune.index.plane import plane_query
from moodtune.index.shards import load_index, merge, save_index

__all__ = [
    "CELL",
    "LEAF",
    "PLANE_DIAMETER",
    "TrackIndex",
    "brute_force_match",
    "brute_force_path",
    "brute_force_plane",
    "match_weights",
    "merge",
    "path_points",
    "path_steps",
    "select",
    "weighted_sum",
]


class TrackIndex:
    """Exact top-k ``match`` and ``plane`` queries with an artist cap and an excluded set.

    Parameters
    ----------
    distributions : array_like, shape (n, 7)
        Emotion distributions (float32; the square roots are taken as the catalogue does).
    positions : array_like, shape (n, 2)
        Positions on the valence/arousal plane, float32, about −1..1.
    artists : array_like, shape (n,)
        Primary-artist codes (integers below 2³¹); negative = unknown (never capped).
    leaf : int
        Tracks per group of the match index, on average.
    cell : int
        Tracks per cell of the plane grid, on average.
    seed : int
        Seed of the k-means samples (the same data and seed give the same index).

    Notes
    -----
    Build time is linear in n (k-means fitted on samples; every track is assigned once per
    level). See :mod:`moodtune.index` for the design and docs/scale.md for figures.
    """

    def __init__(
        self,
        distributions: np.ndarray,
        positions: np.ndarray,
        artists: np.ndarray,
        *,
        leaf: int = LEAF,
        cell: int = CELL,
        seed: int = 0,
    ) -> None:
        distributions = np.asarray(distributions, dtype=np.float32)
        positions = np.asarray(positions, dtype=np.float32)
        artists = np.asarray(artists)
        n = len(distributions)
        if distributions.ndim != 2 or distributions.shape[1] != 7:
            raise MoodtuneError(f"distributions must have shape (n, 7); got {distributions.shape}")
        if positions.shape != (n, 2):
            raise MoodtuneError(f"positions must have shape ({n}, 2); got {positions.shape}")
        if artists.shape != (n,) or (n and not np.issubdtype(artists.dtype, np.integer)):
            raise MoodtuneError(f"artists must be {n} integers; got shape {artists.shape}")
        if n >= 2**31:
            raise MoodtuneError(f"an index holds fewer than 2³¹ tracks; got {n}")
        for name, values in (("distributions", distributions), ("positions", positions)):
            bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
            if len(bad):
                raise MoodtuneError(f"{name} row {int(bad[0])} is not finite: {values[bad[0]]}")
        if leaf < 1 or cell < 1:
            raise MoodtuneError(f"leaf and cell must be ≥ 1; got {leaf}, {cell}")
        self.size = n
        self.artists = artists.astype(np.int32)
        with _one_blas_thread():
            self._groups = _build_groups(distributions, leaf, seed)
        self._grid = _build_grid(positions, cell)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays."""
        groups, grid = self._groups, self._grid
        parts = (
            self.artists,
            groups.columns,
            groups.ids,
            groups.starts,
            groups.sizes,
            groups.nested,
            grid.positions,
            grid.ids,
            grid.starts,
            grid.table,
        )
        return int(sum(p.nbytes for p in parts) + groups.fine.nbytes + groups.coarse.nbytes)

    def save(self, path: str | Path) -> None:
        """Write the index to ``path`` (.npz: arrays only, no pickle), to be served elsewhere
        (an offline build writes one file per shard)."""
        save_index(self.artists, self._groups, self._grid, path)

    @classmethod
    def load(cls, path: str | Path) -> TrackIndex:
        """An index written by :meth:`save` (read with ``allow_pickle=False``)."""
        index = cls.__new__(cls)
        index.artists, index._groups, index._grid = load_index(path)
        index.size = len(index.artists)
        return index

    def match(
        self,
        distribution: np.ndarray,
        k: int,
        *,
        cap: int | None = None,
        excluded: Iterable[int] | np.ndarray | None = None,
        used: Mapping[int, int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` tracks closest to ``distribution`` (7,) by Hellinger distance.

        Parameters
        ----------
        distribution : array_like, shape (7,)
            The target, in EMOTIONS order (weights as given: normalise them first).
        k : int
            How many tracks (fewer only when fewer are eligible).
        cap : int or None
            At most this many tracks per artist (unknown artists are never capped).
        excluded : iterable of int, optional
            Track indices never returned (history, dislikes).
        used : mapping artist → count, optional
            Tracks each artist already has elsewhere in the list; they count toward ``cap``.

        Returns
        -------
        indices : ndarray, shape (≤ k,) int64
            Track indices, best first (ties by index).
        scores : ndarray, shape (≤ k,) float64
            ``1 - Hellinger distance``, as :func:`~moodtune.recommend.ranking.by_distribution`.
        """
        return match_query(self._groups, self.artists, distribution, k, cap, excluded, used)

    def plane(
        self,
        point: np.ndarray,
        k: int,
        *,
        cap: int | None = None,
        excluded: Iterable[int] | np.ndarray | None = None,
        used: Mapping[int, int] | None = None,
        metric: str = "euclidean",
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` tracks nearest to ``point`` (2,) on the valence/arousal plane.

        Scores are ``1 - distance / 2√2``, as :func:`~moodtune.recommend.ranking.by_plane`;
        ``metric`` is ``"euclidean"`` or ``"chebyshev"`` (the larger axis gap, for
        :func:`~moodtune.recommend.ranking.by_point`); the other parameters and the returns
        as :meth:`match`.
        """
        if metric not in ("euclidean", "chebyshev"):
            raise MoodtuneError(f"metric must be euclidean or chebyshev; got {metric!r}")
        return plane_query(self._grid, self.artists, point, k, cap, excluded, used, metric)

    def path(
        self,
        start: np.ndarray,
        end: np.ndarray,
        k: int,
        *,
        cap: int | None = None,
        excluded: Iterable[int] | np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """An ``uplift``/``calm`` path: for each of ``k`` waypoints from ``start`` (2,) to
        ``end`` (2,), the nearest track not excluded, not already on the path and within the
        artist cap (counting the path's earlier tracks). Returns indices and plane scores,
        one per step (fewer when the catalogue runs out of eligible tracks)."""

        def step(point, excluded_now, used):
            return self.plane(point, 1, cap=cap, excluded=excluded_now, used=used)

        return _walk(step, self.artists, start, end, k, cap, excluded)
