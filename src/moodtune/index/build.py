"""Building the index: the two-level spherical k-means of the match groups, their bounds, and
the quantile grid of the plane."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

__all__ = []


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


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """BLAS limited to one thread while k-means assigns tracks (with threadpoolctl, when
    installed: scikit-learn brings it). The products have 7 columns: on a busy 2-core machine
    a threaded BLAS made the build 4× slower (18 s instead of 4.2 s at 1M tracks)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - the build is only slower without it
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


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
    if n == 0:
        return _empty_groups()
    roots = np.sqrt(np.clip(distributions, 0.0, 1.0))  # as the catalogue takes them
    labels, parent = _labels(roots, leaf, np.random.default_rng(seed))
    order = np.argsort(labels, kind="stable")
    present, starts = np.unique(labels[order], return_index=True)  # drop empty groups
    starts = np.r_[starts, n].astype(np.int64)
    del labels
    columns = np.ascontiguousarray(roots[order].T)
    del roots
    owner = parent[present]  # coarse group of each group
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


def _empty_groups() -> _Groups:
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


def _labels(
    roots: np.ndarray, leaf: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The group of each track (n,) int64, coarse group by coarse group, and the coarse group
    of each group (G,) int64."""
    n = len(roots)
    top = int(np.clip(np.sqrt(n / leaf), 1, 1024))  # coarse groups: the cost n·(top + n/leaf/top)
    sample = roots[rng.choice(n, min(n, 256 * top), replace=False)]
    coarse = _assign(roots, _kmeans(sample, top, rng))
    by_coarse = np.argsort(coarse, kind="stable")
    bounds = np.searchsorted(coarse[by_coarse], np.arange(top + 1))
    labels = np.empty(n, dtype=np.int64)
    offset = 0
    parent: list[int] = []
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
        parent.extend([c] * count)
    return labels, np.asarray(parent, dtype=np.int64)


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
