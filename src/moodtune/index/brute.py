"""The brute-force floor: exact answers by scoring every track (what an index is measured
against), and the path walk shared with :meth:`TrackIndex.path`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from moodtune.index.common import (
    PLANE_DIAMETER,
    _check_query,
    _excluded_array,
    _match_scores,
    match_weights,
    select,
    weighted_sum,
)

__all__ = [
    "DWELL",
    "brute_force_match",
    "brute_force_path",
    "brute_force_plane",
    "path_points",
    "path_steps",
]


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
        ``sqrt(distributions).T`` float32, precomputed.

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
    metric: str = "euclidean",
) -> tuple[np.ndarray, np.ndarray]:
    """The exact plane top-k by measuring every track's distance to ``point`` (2,).

    ``positions`` (n, 2) float32; the rest as :func:`brute_force_match`. The squared
    distances (float32) of every track are partitioned; only the pool gets square roots.
    ``metric="chebyshev"`` ranks by the larger axis gap instead (as ``TrackIndex.plane``).
    """
    _check_query(k, cap)
    point = np.asarray(point, dtype=np.float32).reshape(2)
    offset = positions - point
    if metric == "chebyshev":
        gap = np.abs(offset).max(axis=1)

        def by_gap(key: np.ndarray) -> np.ndarray:
            return 1.0 - (-key).astype(np.float64) / PLANE_DIAMETER

        np.negative(gap, out=gap)
        return _brute_top(gap, by_gap, artists, k, cap, excluded, used)
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


#: The share of a path's ``k`` steps that stay at each end (rounded down; at least the
#: first and the last): a path first stays with the mood read, then walks, then stays at its end
#: (:func:`path_points`).
DWELL = 0.3


def path_steps(k: int) -> np.ndarray:
    """Where each of a path's ``k`` steps lies between its start (0) and its end (1), (k,):
    ``int(DWELL * k)`` steps at each end and the others evenly between them.

    A path meets the mood read for a few tracks before it moves, and stays a few at its end
    (the ISO principle of music therapy: match the mood first, then lead it gradually). It is
    also what makes a path felt: the reading places a track only roughly where listeners do
    (a Spearman ρ of about 0.3 per track), so the tracks of the walk's middle steps lie about
    as high for listeners as their neighbours; its ends lie far apart (docs/recommend.md).

    >>> path_steps(10).round(2).tolist()
    [0.0, 0.0, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0]
    >>> path_steps(3).tolist(), path_steps(1).tolist()
    ([0.0, 0.5, 1.0], [0.0])
    """
    if k <= 1:
        return np.zeros(max(k, 0))
    dwell = max(int(DWELL * k), 1)  # one at each end is the plain walk
    middle = np.linspace(0.0, 1.0, k - 2 * dwell + 2)[1:-1]
    return np.concatenate([np.zeros(dwell), middle, np.ones(dwell)])


def path_points(start: np.ndarray, end: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` waypoints (k, 2) float32 from ``start`` to ``end`` on the plane, as the
    recommender's ``uplift``/``calm`` modes step (:func:`path_steps`: the first at ``start``,
    the last at ``end``)."""
    start = np.asarray(start, dtype=np.float64).reshape(2)
    end = np.asarray(end, dtype=np.float64).reshape(2)
    return (start + path_steps(k)[:, None] * (end - start)).astype(np.float32)


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
