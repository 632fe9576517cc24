"""The plane query: a square of cells grown around the point, then the disc of the k-th
distance covered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from moodtune.errors import MoodtuneError
from moodtune.index.build import _Grid
from moodtune.index.common import (
    _EMPTY,
    _SLACK,
    PLANE_DIAMETER,
    _check_query,
    _excluded_array,
    _plane_distances,
    select,
)

__all__ = ["plane_query"]


def plane_query(
    grid: _Grid,
    artists: np.ndarray,
    point: np.ndarray,
    k: int,
    cap: int | None,
    excluded: Iterable[int] | np.ndarray | None,
    used: Mapping[int, int] | None,
    metric: str = "euclidean",
) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`TrackIndex.plane` over ``grid``: indices (≤ k,) int64 and scores (≤ k,) float64.

    Both metrics prune alike: a track outside a square of cells is at least the square's
    nearest edge away on one axis, so at least that far by either metric."""
    _check_query(k, cap)
    excluded = _excluded_array(excluded)
    point = np.asarray(point, dtype=np.float32).reshape(2)
    if not np.isfinite(point).all():
        raise MoodtuneError(f"the point must be 2 finite numbers; got {point!r}")
    if len(artists) == 0:
        return _EMPTY, np.zeros(0)

    def pick(box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ids, distance = _cells(grid, box, point, metric)
        scores = 1.0 - distance / PLANE_DIAMETER
        chosen = select(ids, scores, artists, k, cap=cap, excluded=excluded, used=used)
        return ids, distance, chosen

    px, py = float(point[0]), float(point[1])
    box, whole, (ids, distance, chosen) = _grow(grid, px, py, 4 * k + len(excluded) + 16, k, pick)
    if len(chosen) == k and not whole:
        reach = distance[chosen[-1]] + _SLACK
        if reach >= _safe(grid, box, px, py):
            ids, distance, chosen = pick(_covering(grid, px, py, reach))
    return ids[chosen].astype(np.int64), (1.0 - distance / PLANE_DIAMETER)[chosen]


def _grow(grid: _Grid, px: float, py: float, need: int, k: int, pick):
    """Grow a square of cells around (px, py) until it holds ``need`` tracks and ``pick``
    finds ``k`` acceptable ones in it (or it covers the grid). Returns the square, whether it
    is the whole grid, and what ``pick`` found in it."""
    cx = int(np.searchsorted(grid.edges_x[1:-1], px, side="right"))
    cy = int(np.searchsorted(grid.edges_y[1:-1], py, side="right"))
    radius = 0
    while True:
        box = _square(grid.size, cx, cy, radius)
        whole = box == (0, grid.size - 1, 0, grid.size - 1)
        if _count(grid.table, box) >= need or whole:
            found = pick(box)
            if len(found[2]) == k or whole:
                return box, whole, found
            need *= 4
        radius += 1


def _cells(
    grid: _Grid, box: tuple[int, int, int, int], point: np.ndarray, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """Ids and distances to ``point`` of the tracks in the cells of ``box``."""
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
    return ids, _plane_distances(positions, point, metric)


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
