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
>>> from moodtune.recommend.index import TrackIndex, brute_force_match
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

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moodtune.errors import MoodtuneError
from moodtune.recommend.arrays import weighted_sum
from moodtune.recommend.ranking import PLANE_DIAMETER

__all__ = [
    "TrackIndex",
    "brute_force_match",
    "brute_force_path",
    "brute_force_plane",
    "match_weights",
    "merge",
    "path_points",
    "select",
]

#: Tracks per group of the match index, and per cell of the plane grid (on average).
LEAF = 128
CELL = 64
#: Slack added to bounds and distances for float32 rounding (scores are ~1e-7 apart at most
#: from their real value; the slack only makes the search visit a little more).
_SLACK = 1e-6
#: Bisection steps of the box-and-sphere bound (each halves the bound's looseness in λ).
_BISECTIONS = 20
_EMPTY = np.zeros(0, dtype=np.int64)


# --- the shared exact parts: scores and the greedy selection ------------------------------------


def match_weights(distribution: np.ndarray) -> np.ndarray:
    """The query vector of a target ``distribution`` (7,): ``sqrt(max(t, 0))`` as float32,
    computed as :meth:`CatalogueArrays.closest` does (in float64, then rounded)."""
    values = np.asarray(distribution, dtype=np.float64).reshape(-1)
    if values.shape != (7,) or not np.isfinite(values).all():
        raise MoodtuneError(f"the target distribution must be 7 finite weights; got {values!r}")
    return np.sqrt(np.clip(values, 0.0, None)).astype(np.float32)


def _match_scores(coefficients: np.ndarray) -> np.ndarray:
    """``1 - Hellinger distance`` from Bhattacharyya coefficients, as ``by_distribution``."""
    return 1.0 - np.sqrt(np.clip(1.0 - coefficients.astype(np.float64), 0.0, 1.0))


def _plane_distances(positions: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Distances (float64) of ``positions`` (m, 2) float32 to ``point`` (2,) float32, as
    ``by_plane`` computes them."""
    offset = positions - point
    return np.sqrt(np.einsum("ij,ij->i", offset, offset).astype(np.float64))


def _excluded_array(excluded: Iterable[int] | np.ndarray | None) -> np.ndarray:
    if excluded is None:
        return _EMPTY
    values = np.asarray(
        list(excluded) if not isinstance(excluded, np.ndarray) else excluded, dtype=np.int64
    )
    return np.unique(values.reshape(-1))


def _check_query(k: int, cap: int | None) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise MoodtuneError(f"k must be a whole number ≥ 1; got {k!r}")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int | np.integer)):
        raise MoodtuneError(f"cap must be a whole number ≥ 1 or None; got {cap!r}")
    if cap is not None and cap < 1:
        raise MoodtuneError(f"cap must be a whole number ≥ 1 or None; got {cap!r}")


def select(
    ids: np.ndarray,
    scores: np.ndarray,
    artists: np.ndarray,
    k: int,
    *,
    cap: int | None = None,
    excluded: np.ndarray = _EMPTY,
    used: Mapping[int, int] | None = None,
) -> np.ndarray:
    """Positions (into ``ids``) of the greedy picks: best score first (ties by id), skipping
    excluded ids and tracks whose artist already has ``cap`` picks; at most ``k``.

    Parameters
    ----------
    ids : ndarray, shape (m,)
        Track indices (distinct).
    scores : ndarray, shape (m,)
        Their scores, higher is better.
    artists : ndarray, shape (n,)
        Artist code of every track of the catalogue (by track index); negative = unknown,
        never capped.
    k : int
        The most picks.
    cap : int or None
        The most picks per artist (None: no cap).
    excluded : ndarray
        Sorted, distinct track indices never picked.
    used : mapping artist → count, optional
        Picks each artist already has (earlier steps of a path): they count toward the cap.

    Returns
    -------
    ndarray, shape (≤ k,)
        Positions into ``ids``, best first.
    """
    m = len(ids)
    if m == 0:
        return _EMPTY
    # Only a prefix of the order is needed: sort the best ``size`` candidates, and more
    # only when the rules reject too many of them.
    size = min(m, 4 * k + 64)
    while True:
        if size < m:
            cut = np.partition(scores, m - size)[m - size]
            head = np.flatnonzero(scores >= cut)  # every tie of the cut: the order stays exact
        else:
            head = np.arange(m)
        head = head[np.lexsort((ids[head], -scores[head]))]
        chosen = head[_acceptable(ids[head], artists, cap, excluded, used)][:k]
        if len(chosen) == k or len(head) == m:
            return chosen
        size = min(m, size * 4)


def merge(
    parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    k: int,
    *,
    cap: int | None = None,
    used: Mapping[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The exact top-k of a sharded catalogue from each shard's own top-k.

    Parameters
    ----------
    parts : sequence of (ids, scores, artists)
        Per shard: the answer of its index for the same query, k, cap, ``used`` and excluded
        set (in the shard's own ids), as global track ids (m,), scores (m,) and artist codes
        (m,).
    k, cap, used
        As :meth:`TrackIndex.match`.

    Returns
    -------
    ids, scores : ndarray, shape (≤ k,)
        Best first, ties by global id: the answer one index over every shard would give.

    Notes
    -----
    Exact because a track of the global answer is in its shard's answer: were it not, its
    shard would have ``k`` better picks before it or ``cap`` better tracks of its artist;
    each of those is either in the global answer or blocked by ``cap`` better tracks of its
    artist, so at least ``k`` global picks (or ``cap`` of its artist) would come before it.
    """
    if not parts:
        return _EMPTY, np.zeros(0)
    ids = np.concatenate([np.asarray(p[0], dtype=np.int64) for p in parts])
    scores = np.concatenate([np.asarray(p[1], dtype=np.float64) for p in parts])
    artists = np.concatenate([np.asarray(p[2], dtype=np.int64) for p in parts])
    order = np.lexsort((ids, -scores))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))  # ties by global id, through the rank
    chosen = select(rank, scores, artists[order], k, cap=cap, used=used)
    return ids[chosen], scores[chosen]


def _acceptable(
    ordered: np.ndarray,
    artists: np.ndarray,
    cap: int | None,
    excluded: np.ndarray,
    used: Mapping[int, int] | None,
) -> np.ndarray:
    """Which of ``ordered`` track ids (best first) the greedy picks (boolean, same length)."""
    keep = np.ones(len(ordered), dtype=bool)
    if len(excluded):
        at = np.minimum(np.searchsorted(excluded, ordered), len(excluded) - 1)
        keep &= excluded[at] != ordered
    if cap is None:
        return keep
    kept = np.flatnonzero(keep)
    artist = artists[ordered[kept]].astype(np.int64)
    # Rank of each track among the kept tracks of its artist, in score order.
    by_artist = np.argsort(artist, kind="stable")
    sorted_artist = artist[by_artist]
    starts = np.r_[True, sorted_artist[1:] != sorted_artist[:-1]]
    position = np.arange(len(kept))
    rank_sorted = position - np.maximum.accumulate(np.where(starts, position, 0))
    rank = np.empty(len(kept), dtype=np.int64)
    rank[by_artist] = rank_sorted
    if used:
        known = np.array(sorted(used), dtype=np.int64)
        counts = np.array([used[a] for a in known.tolist()], dtype=np.int64)
        at = np.minimum(np.searchsorted(known, artist), len(known) - 1)
        rank += np.where(known[at] == artist, counts[at], 0)
    allowed = (artist < 0) | (rank < cap)
    keep[kept[~allowed]] = False
    return keep


# --- the brute-force floor ------------------------------------------------------------------------


def brute_force_match(
    distributions: np.ndarray,
    artists: np.ndarray,
    distribution: np.ndarray,
    k: int,
    *,
    cap: int | None = None,
    excluded: Iterable[int] | np.ndarray | None = None,
    used: Mapping[int, int] | None = None,
    columns: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The exact match top-k by scoring every track (the floor an index is measured against).

    Parameters
    ----------
    distributions : ndarray, shape (n, 7)
        Emotion distributions, float32 (ignored when ``columns`` is given).
    artists : ndarray, shape (n,)
        Artist codes, negative = unknown.
    distribution : ndarray, shape (7,)
        The target.
    k, cap, excluded, used
        As :meth:`TrackIndex.match`.
    columns : ndarray, shape (7, n), optional
        ``sqrt(distributions).T`` float32, precomputed (as ``CatalogueArrays.sqrt_columns``).

    Returns
    -------
    indices : ndarray, shape (≤ k,) int64
    scores : ndarray, shape (≤ k,) float64, best first
    """
    _check_query(k, cap)
    if columns is None:
        columns = np.ascontiguousarray(np.sqrt(np.clip(distributions, 0.0, 1.0)).T)
    coefficients = weighted_sum(columns, match_weights(distribution))
    return _brute_top(coefficients, _match_scores, artists, k, cap, excluded, used)


def brute_force_plane(
    positions: np.ndarray,
    artists: np.ndarray,
    point: np.ndarray,
    k: int,
    *,
    cap: int | None = None,
    excluded: Iterable[int] | np.ndarray | None = None,
    used: Mapping[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The exact plane top-k by measuring every track's distance to ``point`` (2,).

    ``positions`` (n, 2) float32; the rest as :func:`brute_force_match`. The squared
    distances (float32) of every track are partitioned; only the pool gets square roots.
    """
    _check_query(k, cap)
    point = np.asarray(point, dtype=np.float32).reshape(2)
    offset = positions - point
    squared = np.einsum("ij,ij->i", offset, offset)
    del offset

    def to_score(key: np.ndarray) -> np.ndarray:
        return 1.0 - np.sqrt((-key).astype(np.float64)) / PLANE_DIAMETER

    np.negative(squared, out=squared)
    return _brute_top(squared, to_score, artists, k, cap, excluded, used)


def brute_force_path(
    positions: np.ndarray,
    artists: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    k: int,
    *,
    cap: int | None = None,
    excluded: Iterable[int] | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`TrackIndex.path` by brute force (every track measured at every step)."""

    def step(point, excluded_now, used):
        return brute_force_plane(
            positions, artists, point, 1, cap=cap, excluded=excluded_now, used=used
        )

    return _walk(step, artists, start, end, k, cap, excluded)


def _brute_top(
    key: np.ndarray,
    to_score,
    artists: np.ndarray,
    k: int,
    cap: int | None,
    excluded: Iterable[int] | np.ndarray | None,
    used: Mapping[int, int] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of ``key`` (n,) (monotone in the score ``to_score(key)``) under the rules:
    ``argpartition`` over all n for a pool, grown while the rules reject too much of it."""
    excluded = _excluded_array(excluded)
    n = len(key)
    pool = min(n, k + len(excluded) + 4 * k + 64)
    while True:
        if pool < n:
            top = np.argpartition(key, n - pool)[n - pool :]
            cut = key[top].min()
            ties = np.flatnonzero(key == cut)  # every tie of the cut: the order stays exact
            top = np.union1d(top, ties) if len(ties) > 1 else top
        else:
            top = np.arange(n)
        scores = to_score(key[top])
        chosen = select(top, scores, artists, k, cap=cap, excluded=excluded, used=used)
        if len(chosen) == k or pool >= n:
            return top[chosen].astype(np.int64), scores[chosen]
        pool = min(n, pool * 4)


def path_points(start: np.ndarray, end: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` waypoints (k, 2) float32 from ``start`` to ``end`` on the plane, as the
    recommender's ``uplift``/``calm`` modes step (the first at ``start``, the last at ``end``)."""
    start = np.asarray(start, dtype=np.float64).reshape(2)
    end = np.asarray(end, dtype=np.float64).reshape(2)
    steps = np.linspace(0.0, 1.0, k) if k > 1 else np.zeros(1)
    return (start + steps[:, None] * (end - start)).astype(np.float32)


def _walk(step, artists, start, end, k, cap, excluded) -> tuple[np.ndarray, np.ndarray]:
    """One best acceptable track per waypoint; each pick is excluded from later steps and
    counts toward its artist's cap."""
    _check_query(k, cap)
    excluded_now = _excluded_array(excluded)
    used: dict[int, int] = {}
    found, scores = [], []
    for point in path_points(start, end, k):
        index, score = step(point, excluded_now, used)
        if len(index) == 0:
            break  # no eligible track left
        chosen = int(index[0])
        found.append(chosen)
        scores.append(float(score[0]))
        at = int(np.searchsorted(excluded_now, chosen))
        excluded_now = np.insert(excluded_now, at, chosen)
        artist = int(artists[chosen])
        if artist >= 0:
            used[artist] = used.get(artist, 0) + 1
    return np.array(found, dtype=np.int64), np.array(scores, dtype=np.float64)


# --- the index ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    """Bounds of one level of groups (G groups): ``centroids`` (G, 7) float64 unit vectors;
    ``cos_r``/``sin_r`` (G,) of the largest member angle from the centroid (plus a slack);
    ``box``/``low`` (G, 7) the largest/smallest member value per emotion; ``norm`` (G,) the
    largest squared length of a member (1 give or take float32 rounding)."""

    centroids: np.ndarray
    cos_r: np.ndarray
    sin_r: np.ndarray
    box: np.ndarray
    low: np.ndarray
    norm: np.ndarray

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f).nbytes for f in ("centroids", "cos_r", "sin_r", "box", "low"))


_LEVEL_FIELDS = ("centroids", "cos_r", "sin_r", "box", "low", "norm")


@dataclass(frozen=True)
class _Groups:
    """The match index: square roots stored group by group, groups nested in coarse groups.

    ``columns`` (7, n) float32 and ``ids`` (n,) int32 in group order; the members of group
    ``g`` are ``starts[g]:starts[g + 1]`` (``sizes`` their counts); the groups of coarse group
    ``c`` are ``nested[c]:nested[c + 1]``. ``fine`` and ``coarse`` hold the bounds.
    """

    columns: np.ndarray
    ids: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    nested: np.ndarray
    fine: _Level
    coarse: _Level


@dataclass(frozen=True)
class _Grid:
    """The plane index: positions stored cell by cell.

    ``positions`` (n, 2) float32 and ``ids`` (n,) int32 in cell order; cell ``(x, y)`` is
    ``starts[y * size + x] : starts[y * size + x + 1]``; ``edges_x``/``edges_y`` (size + 1,)
    the grid lines (the outer ones -inf/+inf); ``table`` the summed-area table of the counts.
    """

    size: int
    positions: np.ndarray
    ids: np.ndarray
    starts: np.ndarray
    edges_x: np.ndarray
    edges_y: np.ndarray
    table: np.ndarray


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
    level). See :mod:`moodtune.recommend.index` for the design and docs/scale.md for figures.
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
        groups, grid = self._groups, self._grid
        arrays = {"artists": self.artists, "grid_size": np.array(grid.size)}
        for name in ("columns", "ids", "starts", "sizes", "nested"):
            arrays[f"groups_{name}"] = getattr(groups, name)
        for level in ("fine", "coarse"):
            for name in _LEVEL_FIELDS:
                arrays[f"{level}_{name}"] = getattr(getattr(groups, level), name)
        for name in ("positions", "ids", "starts", "edges_x", "edges_y", "table"):
            arrays[f"grid_{name}"] = getattr(grid, name)
        with open(path, "wb") as handle:  # np.savez would add .npz to a name without it
            np.savez(handle, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> TrackIndex:
        """An index written by :meth:`save` (read with ``allow_pickle=False``)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError) as error:
            raise MoodtuneError(f"{path}: not a readable index file ({error})") from None
        try:
            index = cls.__new__(cls)
            index.artists = arrays["artists"]
            index.size = len(index.artists)
            levels = {
                level: _Level(*(arrays[f"{level}_{name}"] for name in _LEVEL_FIELDS))
                for level in ("fine", "coarse")
            }
            index._groups = _Groups(
                *(arrays[f"groups_{n}"] for n in ("columns", "ids", "starts", "sizes", "nested")),
                levels["fine"],
                levels["coarse"],
            )
            index._grid = _Grid(
                int(arrays["grid_size"]),
                *(
                    arrays[f"grid_{n}"]
                    for n in ("positions", "ids", "starts", "edges_x", "edges_y", "table")
                ),
            )
        except KeyError as error:
            raise MoodtuneError(f"{path}: not an index file (no array {error})") from None
        return index

    # --- match ---------------------------------------------------------------------------------

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
        _check_query(k, cap)
        excluded = _excluded_array(excluded)
        weights = match_weights(distribution)
        groups = self._groups
        if self.size == 0:
            return _EMPTY, np.zeros(0)
        coarse = _match_scores(_cheap(groups.coarse, weights))
        fine = np.full(len(groups.sizes), -np.inf)  # the groups' bounds, once known
        opened = np.zeros(len(coarse), dtype=bool)

        def open_(chosen: np.ndarray) -> None:
            """Compute the bounds of the groups of the coarse groups ``chosen``."""
            chosen = chosen[~opened[chosen]]
            opened[chosen] = True
            inside = _ranges(groups.nested[chosen], groups.nested[chosen + 1])
            fine[inside] = _match_scores(_cheap(groups.fine, weights, inside))

        sizes = groups.sizes
        coarse_sizes = np.add.reduceat(sizes, groups.nested[:-1])
        need = 4 * k + len(excluded) + 64
        visited = np.zeros(len(sizes), dtype=bool)
        seen = 0
        ids_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray] = []
        while True:
            # The coarse groups of best bound holding 4 × ``need`` tracks, then their groups
            # of best bound until they hold ``need`` tracks.
            order = np.argsort(-coarse, kind="stable")
            upto = int(np.searchsorted(np.cumsum(coarse_sizes[order]), 4 * need)) + 1
            open_(order[:upto])
            top = _largest_first(fine, min(len(fine), 8 + 2 * need * len(fine) // self.size))
            top = top[np.isfinite(fine[top])]
            upto = int(np.searchsorted(np.cumsum(sizes[top]), need)) + 1
            fresh = top[:upto][~visited[top[:upto]]]
            self._scan(fresh, weights, ids_parts, score_parts)
            visited[fresh] = True
            seen += len(fresh)
            ids, scores = np.concatenate(ids_parts), np.concatenate(score_parts)
            chosen = select(ids, scores, self.artists, k, cap=cap, excluded=excluded, used=used)
            if len(chosen) == k or seen == len(sizes):
                break
            need *= 4
        if len(chosen) == k and seen < len(sizes):
            # Every group that could hold a track scoring at least the k-th (ties included):
            # in the coarse groups whose bound reaches it, those whose cheap bound reaches it,
            # then those whose tight bound does.
            floor = scores[chosen[-1]] - _SLACK
            open_(np.flatnonzero(coarse >= floor))
            rest = np.flatnonzero((fine >= floor) & ~visited)
            if sizes[rest].sum() > 4 * need:
                # Many candidates: scan the best of them first, for a higher k-th score.
                best = rest[np.argsort(-fine[rest], kind="stable")]
                best = best[: int(np.searchsorted(np.cumsum(sizes[best]), need)) + 1]
                self._scan(best, weights, ids_parts, score_parts)
                visited[best] = True
                ids, scores = np.concatenate(ids_parts), np.concatenate(score_parts)
                chosen = select(ids, scores, self.artists, k, cap=cap, excluded=excluded, used=used)
                floor = scores[chosen[-1]] - _SLACK
                open_(np.flatnonzero(coarse >= floor))
                rest = np.flatnonzero((fine >= floor) & ~visited)
            if len(rest):
                rest = rest[_match_scores(_ball(groups.fine, weights, rest)) >= floor]
            if len(rest):
                self._scan(rest, weights, ids_parts, score_parts)
                ids, scores = np.concatenate(ids_parts), np.concatenate(score_parts)
                chosen = select(ids, scores, self.artists, k, cap=cap, excluded=excluded, used=used)
        return ids[chosen].astype(np.int64), scores[chosen]

    def _scan(
        self,
        chosen_groups: np.ndarray,
        weights: np.ndarray,
        ids_parts: list[np.ndarray],
        score_parts: list[np.ndarray],
    ) -> None:
        """Score the members of ``chosen_groups`` (one gather, one weighted sum)."""
        if len(chosen_groups) == 0:
            return
        groups = self._groups
        rows = _ranges(groups.starts[chosen_groups], groups.starts[chosen_groups + 1])
        ids_parts.append(groups.ids[rows])
        score_parts.append(_match_scores(weighted_sum(groups.columns, weights, rows)))

    # --- plane ---------------------------------------------------------------------------------

    def plane(
        self,
        point: np.ndarray,
        k: int,
        *,
        cap: int | None = None,
        excluded: Iterable[int] | np.ndarray | None = None,
        used: Mapping[int, int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` tracks nearest to ``point`` (2,) on the valence/arousal plane.

        Scores are ``1 - distance / 2√2``, as :func:`~moodtune.recommend.ranking.by_plane`;
        the other parameters and the returns as :meth:`match`.
        """
        _check_query(k, cap)
        excluded = _excluded_array(excluded)
        point = np.asarray(point, dtype=np.float32).reshape(2)
        if not np.isfinite(point).all():
            raise MoodtuneError(f"the point must be 2 finite numbers; got {point!r}")
        if self.size == 0:
            return _EMPTY, np.zeros(0)
        grid = self._grid
        px, py = float(point[0]), float(point[1])
        cx = int(np.searchsorted(grid.edges_x[1:-1], px, side="right"))
        cy = int(np.searchsorted(grid.edges_y[1:-1], py, side="right"))
        need = 4 * k + len(excluded) + 16
        radius = 0
        while True:
            box = _square(grid.size, cx, cy, radius)
            whole = box == (0, grid.size - 1, 0, grid.size - 1)
            if _count(grid.table, box) >= need or whole:
                ids, distance = self._cells(box, point)
                scores = 1.0 - distance / PLANE_DIAMETER
                chosen = select(ids, scores, self.artists, k, cap=cap, excluded=excluded, used=used)
                if len(chosen) == k or whole:
                    break
                need *= 4
            radius += 1
        if len(chosen) == k and not whole:
            reach = distance[chosen[-1]] + _SLACK
            if reach >= _safe(grid, box, px, py):
                box = _covering(grid, px, py, reach)
                ids, distance = self._cells(box, point)
                scores = 1.0 - distance / PLANE_DIAMETER
                chosen = select(ids, scores, self.artists, k, cap=cap, excluded=excluded, used=used)
        return ids[chosen].astype(np.int64), scores[chosen]

    def _cells(
        self, box: tuple[int, int, int, int], point: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and distances to ``point`` of the tracks in the cells of ``box``."""
        grid = self._grid
        x0, x1, y0, y1 = box
        rows = [
            (int(grid.starts[y * grid.size + x0]), int(grid.starts[y * grid.size + x1 + 1]))
            for y in range(y0, y1 + 1)
        ]
        rows = [(lo, hi) for lo, hi in rows if hi > lo]
        if not rows:
            return _EMPTY, np.zeros(0)
        ids = np.concatenate([grid.ids[lo:hi] for lo, hi in rows])
        positions = np.concatenate([grid.positions[lo:hi] for lo, hi in rows])
        return ids, _plane_distances(positions, point)

    # --- path ----------------------------------------------------------------------------------

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


# --- building -------------------------------------------------------------------------------------


def _cheap(level: _Level, weights: np.ndarray, chosen: np.ndarray | None = None) -> np.ndarray:
    """Cheap upper bounds of the inner product any member of each group (or of the groups
    ``chosen``) can have with ``weights``: the least of the cone around the centroid
    (``cos(max(0, θ - r))·|w|``, without a trigonometric call) and the box (``Σ high_j·w_j``).
    Products by ``einsum``, not BLAS: a threaded BLAS wakes threads for a 7-column product,
    which costs more than it computes on a busy machine (see ``arrays.weighted_sum``)."""
    w = weights.astype(np.float64)
    length = float(np.sqrt(w @ w)) or 1.0
    centroids, box = level.centroids, level.box
    cos_r, sin_r = level.cos_r, level.sin_r
    if chosen is not None:
        centroids, box, cos_r, sin_r = centroids[chosen], box[chosen], cos_r[chosen], sin_r[chosen]
    cosine = np.clip(np.einsum("ij,j->i", centroids, w) / length, -1.0, 1.0)
    cone = np.where(cosine >= cos_r, 1.0, cosine * cos_r + np.sqrt(1.0 - cosine * cosine) * sin_r)
    return np.minimum(cone * length, np.einsum("ij,j->i", box, w)) + _SLACK


def _ball(level: _Level, weights: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """A tighter bound for the groups ``chosen``: the largest ``w·x`` over the vectors ``x``
    of the group's box no longer than its longest member (members are unit vectors, give or
    take float32 rounding). The maximum is at ``x_j = clip(λ·w_j, low_j, high_j)`` with ``|x|``
    the longest member's length; λ is found by bisection and taken from above (|x(λ)| grows
    with λ), so the bound stays a bound."""
    w = weights.astype(np.float64)
    low, high, norm = level.low[chosen], level.box[chosen], level.norm[chosen]
    positive = w > 0
    if not positive.any():
        return np.full(len(chosen), _SLACK)
    top = float(np.max(high[:, positive] / w[positive]))  # every weighted coordinate at high
    below, above = np.zeros(len(chosen)), np.full(len(chosen), top)
    for _ in range(_BISECTIONS):
        middle = 0.5 * (below + above)
        x = np.clip(middle[:, None] * w, low, high)
        inside = np.einsum("ij,ij->i", x, x) <= norm
        below = np.where(inside, middle, below)
        above = np.where(inside, above, middle)
    return np.einsum("ij,j->i", np.clip(above[:, None] * w, low, high), w) + _SLACK


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """BLAS limited to one thread while k-means assigns tracks (with threadpoolctl, when
    installed: scikit-learn brings it). The products have 7 columns: on a busy 2-core machine
    a threaded BLAS made the build 4× slower (18 s instead of 4.2 s at 1M tracks)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - the build is only slower without it
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _largest_first(values: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` largest ``values``, largest first."""
    if count < len(values):
        top = np.argpartition(-values, count - 1)[:count]
    else:
        top = np.arange(len(values))
    return top[np.argsort(-values[top], kind="stable")]


def _ranges(lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """``concatenate([arange(lo, hi) for lo, hi in zip(lows, highs)])``, without a loop."""
    lengths = highs - lows
    total = int(lengths.sum())
    if total == 0:
        return _EMPTY
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(lows - (ends - lengths), lengths)


def _kmeans(sample: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Spherical k-means: ``count`` unit centroids (count, d) float32 fitted on ``sample``."""
    count = max(1, min(count, len(sample)))
    centroids = sample[rng.choice(len(sample), count, replace=False)].astype(np.float64)
    for _ in range(10):
        labels = np.argmax(sample @ centroids.T, axis=1)
        sums = np.stack(
            [np.bincount(labels, weights=column, minlength=count) for column in sample.T], axis=1
        )
        norms = np.linalg.norm(sums, axis=1)
        empty = norms == 0
        sums[empty] = sample[rng.choice(len(sample), int(empty.sum()))]
        centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    return centroids.astype(np.float32)


def _assign(vectors: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """The nearest centroid (largest inner product) of each vector, in chunks: (n,) int64."""
    labels = np.empty(len(vectors), dtype=np.int64)
    chunk = max(1024, (1 << 21) // max(1, len(centroids)))  # similarities of ~8 MB: in cache
    for lo in range(0, len(vectors), chunk):
        labels[lo : lo + chunk] = np.argmax(vectors[lo : lo + chunk] @ centroids.T, axis=1)
    return labels


def _build_groups(distributions: np.ndarray, leaf: int, seed: int) -> _Groups:
    """Two-level spherical k-means over the square roots: coarse groups of about
    ``sqrt(n · leaf)`` tracks, each split into groups of about ``leaf`` tracks."""
    n = len(distributions)
    rng = np.random.default_rng(seed)
    roots = np.sqrt(np.clip(distributions, 0.0, 1.0))  # as CatalogueArrays.sqrt_columns
    if n == 0:
        level = _Level(
            *(np.zeros((0, 7)), np.zeros(0), np.zeros(0)), *(np.zeros((0, 7)),) * 2, np.zeros(0)
        )
        return _Groups(
            np.zeros((7, 0), np.float32),
            np.zeros(0, np.int32),
            np.zeros(1, np.int64),
            np.zeros(0, np.int64),
            np.zeros(1, np.int64),
            level,
            level,
        )
    top = int(np.clip(np.sqrt(n / leaf), 1, 1024))  # coarse groups: the cost n·(top + n/leaf/top)
    sample = roots[rng.choice(n, min(n, 256 * top), replace=False)]
    coarse = _assign(roots, _kmeans(sample, top, rng))
    by_coarse = np.argsort(coarse, kind="stable")
    bounds = np.searchsorted(coarse[by_coarse], np.arange(top + 1))
    labels = np.empty(n, dtype=np.int64)
    offset = 0
    parent = []
    for c in range(top):
        members = by_coarse[bounds[c] : bounds[c + 1]]
        if len(members) == 0:
            continue
        count = max(1, -(-len(members) // leaf))
        vectors = roots[members]
        if count > 1:
            pick = rng.choice(len(members), min(len(members), 40 * count), replace=False)
            fine = _assign(vectors, _kmeans(vectors[pick], count, rng))
        else:
            fine = np.zeros(len(members), dtype=np.int64)
        labels[members] = offset + fine
        offset += count
        parent.extend([len(parent) and parent[-1] + 1 if parent else 0] * 0)
        parent.extend([c] * count)
    del by_coarse, coarse
    order = np.argsort(labels, kind="stable")
    labels = labels[order]
    present, starts = np.unique(labels, return_index=True)  # drop empty groups
    starts = np.r_[starts, n].astype(np.int64)
    del labels
    columns = np.ascontiguousarray(roots[order].T)
    del roots
    owner = np.asarray(parent, dtype=np.int64)[present]  # coarse group of each group
    firsts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    nested = np.r_[firsts, len(present)].astype(np.int64)
    return _Groups(
        columns,
        order.astype(np.int32),
        starts,
        np.diff(starts),
        nested,
        _level(columns, starts),
        _level(columns, np.r_[starts[firsts], n].astype(np.int64)),
    )


def _level(columns: np.ndarray, starts: np.ndarray) -> _Level:
    """The bounds of the groups ``starts[g]:starts[g + 1]`` (all non-empty) of ``columns``."""
    heads = starts[:-1]
    dense = np.repeat(np.arange(len(heads)), np.diff(starts))
    sums = np.stack([np.add.reduceat(c.astype(np.float64), heads) for c in columns], axis=1)
    centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-300)
    cosine = np.zeros(columns.shape[1])
    squares = np.zeros(columns.shape[1])
    for j, column in enumerate(columns):
        values = column.astype(np.float64)
        cosine += values * centroids[dense, j]
        squares += values * values
    radius = np.minimum(np.arccos(np.clip(np.minimum.reduceat(cosine, heads), -1, 1)) + 1e-4, np.pi)
    return _Level(
        centroids,
        np.cos(radius),
        np.sin(radius),
        np.stack([np.maximum.reduceat(c, heads) for c in columns], axis=1).astype(np.float64),
        np.stack([np.minimum.reduceat(c, heads) for c in columns], axis=1).astype(np.float64),
        np.maximum.reduceat(squares, heads),
    )


def _build_grid(positions: np.ndarray, cell: int) -> _Grid:
    """A quantile grid of about ``cell`` tracks per cell (at most 2048 per axis)."""
    n = len(positions)
    size = int(np.clip(np.sqrt(max(n, 1) / cell), 1, 2048))
    inner = np.linspace(0.0, 1.0, size + 1)[1:-1]
    edges = []
    for axis in range(2):
        values = positions[:, axis].astype(np.float64)
        lines = np.quantile(values, inner) if n else np.zeros(len(inner))
        edges.append(np.r_[-np.inf, np.maximum.accumulate(lines), np.inf])
    x = np.searchsorted(edges[0][1:-1], positions[:, 0].astype(np.float64), side="right")
    y = np.searchsorted(edges[1][1:-1], positions[:, 1].astype(np.float64), side="right")
    cells = y * size + x
    order = np.argsort(cells, kind="stable")
    starts = np.searchsorted(cells[order], np.arange(size * size + 1)).astype(np.int64)
    table = np.zeros((size + 1, size + 1), dtype=np.int64)
    table[1:, 1:] = np.diff(starts).reshape(size, size).cumsum(axis=0).cumsum(axis=1)
    return _Grid(
        size,
        np.ascontiguousarray(positions[order]),
        order.astype(np.int32),
        starts,
        edges[0],
        edges[1],
        table,
    )


def _square(size: int, cx: int, cy: int, radius: int) -> tuple[int, int, int, int]:
    return (
        max(0, cx - radius),
        min(size - 1, cx + radius),
        max(0, cy - radius),
        min(size - 1, cy + radius),
    )


def _count(table: np.ndarray, box: tuple[int, int, int, int]) -> int:
    x0, x1, y0, y1 = box
    return int(table[y1 + 1, x1 + 1] - table[y0, x1 + 1] - table[y1 + 1, x0] + table[y0, x0])


def _safe(grid: _Grid, box: tuple[int, int, int, int], px: float, py: float) -> float:
    """Every track outside the cells of ``box`` is at least this far from (px, py)."""
    x0, x1, y0, y1 = box
    gaps = (
        px - grid.edges_x[x0],
        grid.edges_x[x1 + 1] - px,
        py - grid.edges_y[y0],
        grid.edges_y[y1 + 1] - py,
    )
    return max(0.0, float(min(gaps)))  # the outer edges are ±inf: never the minimum


def _covering(grid: _Grid, px: float, py: float, reach: float) -> tuple[int, int, int, int]:
    """The cells meeting the square of half-side ``reach`` around (px, py)."""
    inner_x, inner_y = grid.edges_x[1:-1], grid.edges_y[1:-1]
    return (
        int(np.searchsorted(inner_x, px - reach, side="right")),
        int(np.searchsorted(inner_x, px + reach, side="right")),
        int(np.searchsorted(inner_y, py - reach, side="right")),
        int(np.searchsorted(inner_y, py + reach, side="right")),
    )
