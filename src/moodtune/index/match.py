"""The match query: the groups of best bound first, then every group whose bound reaches the
k-th score."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from moodtune.index.build import _Groups, _Level
from moodtune.index.common import (
    _BISECTIONS,
    _EMPTY,
    _SLACK,
    _check_query,
    _excluded_array,
    _match_scores,
    match_weights,
    select,
    weighted_sum,
)

__all__ = ["match_query"]


def match_query(
    groups: _Groups,
    artists: np.ndarray,
    distribution: np.ndarray,
    k: int,
    cap: int | None,
    excluded: Iterable[int] | np.ndarray | None,
    used: Mapping[int, int] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`TrackIndex.match` over ``groups``: indices (≤ k,) int64, scores (≤ k,) float64."""
    _check_query(k, cap)
    excluded = _excluded_array(excluded)
    weights = match_weights(distribution)
    if len(artists) == 0:
        return _EMPTY, np.zeros(0)
    search = _MatchSearch(groups, artists, weights, k, cap, excluded, used)
    need = search.first(4 * k + len(excluded) + 64)
    if len(search.chosen) == k and search.visited.sum() < len(groups.sizes):
        search.finish(need)
    return search.ids[search.chosen].astype(np.int64), search.scores[search.chosen]


class _MatchSearch:
    """The state of one match query: the groups' bounds as they become known, the groups
    scanned, the tracks scored and the current greedy picks (``chosen``, into ``ids``)."""

    def __init__(self, groups, artists, weights, k, cap, excluded, used) -> None:
        self.groups, self.artists, self.weights = groups, artists, weights
        self.rules = {"cap": cap, "excluded": excluded, "used": used}
        self.k = k
        self.coarse = _match_scores(_cheap(groups.coarse, weights))
        self.fine = np.full(len(groups.sizes), -np.inf)  # the groups' bounds, once known
        self.opened = np.zeros(len(self.coarse), dtype=bool)
        self.visited = np.zeros(len(groups.sizes), dtype=bool)
        self.coarse_sizes = np.add.reduceat(groups.sizes, groups.nested[:-1])
        self.ids_parts: list[np.ndarray] = []
        self.score_parts: list[np.ndarray] = []

    def open(self, chosen: np.ndarray) -> None:
        """Compute the bounds of the groups of the coarse groups ``chosen``."""
        groups = self.groups
        chosen = chosen[~self.opened[chosen]]
        self.opened[chosen] = True
        inside = _ranges(groups.nested[chosen], groups.nested[chosen + 1])
        self.fine[inside] = _match_scores(_cheap(groups.fine, self.weights, inside))

    def scan(self, chosen_groups: np.ndarray) -> None:
        """Score the members of ``chosen_groups`` (one gather, one weighted sum), then pick."""
        groups = self.groups
        if len(chosen_groups):
            rows = _ranges(groups.starts[chosen_groups], groups.starts[chosen_groups + 1])
            self.ids_parts.append(groups.ids[rows])
            self.score_parts.append(_match_scores(weighted_sum(groups.columns, self.weights, rows)))
            self.visited[chosen_groups] = True
        self.ids = np.concatenate(self.ids_parts)
        self.scores = np.concatenate(self.score_parts)
        self.chosen = select(self.ids, self.scores, self.artists, self.k, **self.rules)

    def first(self, need: int) -> int:
        """Scan the groups of best bound until ``k`` tracks are picked (or all are scanned):
        each round, the coarse groups of best bound holding 4 × ``need`` tracks, then their
        groups of best bound until they hold ``need`` tracks. Returns the last ``need``."""
        sizes, fine = self.groups.sizes, self.fine
        size = len(self.artists)
        while True:
            order = np.argsort(-self.coarse, kind="stable")
            upto = int(np.searchsorted(np.cumsum(self.coarse_sizes[order]), 4 * need)) + 1
            self.open(order[:upto])
            top = _largest_first(fine, min(len(fine), 8 + 2 * need * len(fine) // size))
            top = top[np.isfinite(fine[top])]
            upto = int(np.searchsorted(np.cumsum(sizes[top]), need)) + 1
            self.scan(top[:upto][~self.visited[top[:upto]]])
            if len(self.chosen) == self.k or self.visited.all():
                return need
            need *= 4

    def candidates(self) -> tuple[float, np.ndarray]:
        """The k-th score (less the slack) and the unscanned groups whose bound reaches it:
        in the coarse groups whose bound reaches it, those whose cheap bound does."""
        floor = self.scores[self.chosen[-1]] - _SLACK
        self.open(np.flatnonzero(self.coarse >= floor))
        return floor, np.flatnonzero((self.fine >= floor) & ~self.visited)

    def finish(self, need: int) -> None:
        """Scan every group that could hold a track scoring at least the k-th (ties
        included): the cheap bounds first, the tight bound for those they let through."""
        sizes = self.groups.sizes
        floor, rest = self.candidates()
        if sizes[rest].sum() > 4 * need:
            # Many candidates: scan the best of them first, for a higher k-th score.
            best = rest[np.argsort(-self.fine[rest], kind="stable")]
            self.scan(best[: int(np.searchsorted(np.cumsum(sizes[best]), need)) + 1])
            floor, rest = self.candidates()
        if len(rest):
            rest = rest[_match_scores(_ball(self.groups.fine, self.weights, rest)) >= floor]
        if len(rest):
            self.scan(rest)


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
