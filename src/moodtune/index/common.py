"""The exact parts every query shares: checks, scores, the weighted sum and the greedy
selection under the variety rules (artist cap, excluded set)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from moodtune.errors import MoodtuneError

__all__ = ["CELL", "LEAF", "PLANE_DIAMETER", "match_weights", "select", "weighted_sum"]

#: Length of the valence/arousal plane's diagonal: plane scores are ``1 - distance / this``.
PLANE_DIAMETER = 2.0 * np.sqrt(2.0)

#: Tracks per group of the match index, and per cell of the plane grid (on average).
LEAF = 128
CELL = 64
#: Slack added to bounds and distances for float32 rounding (scores are ~1e-7 apart at most
#: from their real value; the slack only makes the search visit a little more).
_SLACK = 1e-6
#: Bisection steps of the box-and-sphere bound (each halves the bound's looseness in λ).
_BISECTIONS = 20
_EMPTY = np.zeros(0, dtype=np.int64)


def weighted_sum(
    columns: np.ndarray, weights: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """``weights @ columns[:, rows]``: shape (len(rows),), or (n,) for all rows.

    Column by column instead of a BLAS call: with 7 columns a multi-threaded BLAS spends more
    time waking threads than computing (16 ms instead of 0.5 ms for 200,000 rows on a busy
    2-core machine), and zero weights are skipped.
    """
    size = columns.shape[1] if rows is None else len(rows)
    out = np.zeros(size, dtype=columns.dtype)
    term = np.empty(size, dtype=columns.dtype)
    for j in np.flatnonzero(weights).tolist():
        np.multiply(columns[j] if rows is None else columns[j, rows], weights[j], out=term)
        out += term
    return out


def match_weights(distribution: np.ndarray) -> np.ndarray:
    """The query vector of a target ``distribution`` (7,): ``sqrt(max(t, 0))`` as float32,
    computed as the catalogue's square roots are (in float64, then rounded)."""
    values = np.asarray(distribution, dtype=np.float64).reshape(-1)
    if values.shape != (7,) or not np.isfinite(values).all():
        raise MoodtuneError(f"the target distribution must be 7 finite weights; got {values!r}")
    return np.sqrt(np.clip(values, 0.0, None)).astype(np.float32)


def _match_scores(coefficients: np.ndarray) -> np.ndarray:
    """``1 - Hellinger distance`` from Bhattacharyya coefficients, as ``by_distribution``."""
    return 1.0 - np.sqrt(np.clip(1.0 - coefficients.astype(np.float64), 0.0, 1.0))


def _plane_distances(
    positions: np.ndarray, point: np.ndarray, metric: str = "euclidean"
) -> np.ndarray:
    """Distances (float64) of ``positions`` (m, 2) float32 to ``point`` (2,) float32, as
    ``by_plane`` computes them (``metric="chebyshev"``: the larger axis gap, as ``by_point``
    does)."""
    offset = positions - point
    if metric == "chebyshev":
        return np.abs(offset).max(axis=1).astype(np.float64)
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
