"""The catalogue as numpy arrays: what the recommender searches, loaded once per revision.

At a million tracks the arrays take about 100 MB (float32 throughout) and a search touches
only them; titles and other text are read from SQLite for the k tracks that are returned.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np

from moodtune.data.features import SEED_FEATURES
from moodtune.emotions import to_plane, valence_arousal
from moodtune.recommend.index.common import weighted_sum
from moodtune.recommend.schema import PROBABILITY_COLUMNS, READING_COLUMNS

#: Features compared to tell near-duplicate tracks apart (tempo divided by :data:`TEMPO_SCALE`).
SIMILARITY_FEATURES: tuple[str, ...] = SEED_FEATURES
TEMPO_SCALE = 250.0
_CHUNK = 65536

__all__ = [
    "SIMILARITY_FEATURES",
    "TEMPO_SCALE",
    "CatalogueArrays",
    "PlaneGrid",
    "SphereIndex",
    "fetch_matrix",
    "largest",
    "load_arrays",
    "plane_position",
    "weighted_sum",
]


def fetch_matrix(cursor: sqlite3.Cursor, rows: int, columns: int) -> np.ndarray:
    """All rows of ``cursor`` as float64 (NULL → NaN), shape (≤ rows, columns), in chunks.

    Reading in chunks keeps the peak memory near the size of the result.
    """
    out = np.empty((rows, columns), dtype=np.float64)
    filled = 0
    while True:
        chunk = cursor.fetchmany(_CHUNK)
        if not chunk:
            break
        block = np.array(chunk, dtype=np.float64)
        if filled + len(block) > rows:  # rows were added meanwhile; grow
            out = np.concatenate([out[:filled], np.empty_like(block)])
            rows = filled + len(block)
        out[filled : filled + len(block)] = block
        filled += len(block)
    return out[:filled]


def largest(values: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` largest of ``values`` (n,), unordered.

    For large n, a threshold estimated from an evenly spaced sample keeps about 4 × count
    candidates in one pass, and only those are partitioned (exact: when fewer than ``count``
    pass the threshold, it partitions everything).
    """
    n = len(values)
    if count >= n:
        return np.arange(n)
    if n > 100_000:
        sample = values[:: max(1, n // 8192)]
        threshold = np.quantile(sample, max(0.0, 1.0 - 4.0 * count / n))
        passed = np.flatnonzero(values >= threshold)
        if len(passed) >= count:
            return passed[np.argpartition(-values[passed], count - 1)[:count]]
    return np.argpartition(-values, count - 1)[:count]


def plane_position(
    valence: np.ndarray,
    energy: np.ndarray,
    probabilities: np.ndarray,
    reading_z: np.ndarray | None = None,
) -> np.ndarray:
    """Where tracks sit on the valence/arousal plane, shape (n, 2), both axes -1..1.

    Tracks with a reading learned from listeners sit where it puts them: the reading
    standardised against a typical track (``reading_z``, (n, 2)), halved and clipped, so that
    a typical track is at the centre and two standard deviations reach the edge. Others (a
    model without a reading) sit at the mean of two estimates: the features (valence, energy
    mapped from 0..1 to -1..1 by :func:`moodtune.emotions.to_plane`) and the expected
    valence/arousal of the predicted emotion distribution
    (:func:`moodtune.emotions.valence_arousal`), or the second alone when valence or energy
    is unknown.
    """
    predicted = valence_arousal(np.asarray(probabilities, dtype=np.float32))
    measured = to_plane(np.stack([valence, energy], axis=1)).astype(np.float32)
    blended = 0.5 * (measured + predicted)
    position = np.where(np.isnan(measured), predicted, blended)
    if reading_z is not None:
        listened = np.clip(0.5 * reading_z, -1.0, 1.0)
        position = np.where(np.isfinite(reading_z).all(axis=1)[:, None], listened, position)
    return position.astype(np.float32)


@dataclass(frozen=True)
class PlaneGrid:
    """A bucket grid over the valence/arousal plane for nearest-track queries.

    ``order`` lists track indices sorted by cell; the tracks of cell ``c`` (``c = y * size +
    x``) are ``order[starts[c] : starts[c + 1]]``. ``table`` is the summed-area table of the
    per-cell counts, shape (size + 1, size + 1), so that any square of cells is counted in
    constant time.
    """

    size: int
    order: np.ndarray
    starts: np.ndarray
    table: np.ndarray

    @classmethod
    def build(cls, position: np.ndarray, size: int | None = None) -> PlaneGrid:
        """``size`` cells per axis; by default about 16 tracks per cell, 16 to 256 cells."""
        n = len(position)
        if size is None:
            size = int(np.clip(np.sqrt(n / 16.0), 16, 256))
        cells = cls._cells(position, size)
        order = np.argsort(cells, kind="stable").astype(np.int64)
        starts = np.searchsorted(cells[order], np.arange(size * size + 1)).astype(np.int64)
        counts = np.diff(starts).reshape(size, size)
        table = np.zeros((size + 1, size + 1), dtype=np.int64)
        table[1:, 1:] = counts.cumsum(axis=0).cumsum(axis=1)
        return cls(size=size, order=order, starts=starts, table=table)

    @staticmethod
    def _cells(position: np.ndarray, size: int) -> np.ndarray:
        xy = np.clip(((np.asarray(position) + 1.0) * 0.5 * size).astype(np.int64), 0, size - 1)
        return xy[:, 1] * size + xy[:, 0]

    def near(self, point: np.ndarray, count: int) -> np.ndarray:
        """Indices of at least ``count`` tracks (or all), including the nearest to ``point``.

        Grows a square of cells around ``point`` until it holds ``count`` tracks, then one
        ring more, so that no nearer track lies outside it.
        """
        return self.around(point, count)[0]

    def around(self, point: np.ndarray, count: int) -> tuple[np.ndarray, float]:
        """:meth:`near`, and how far from ``point`` the answer is complete.

        Returns the indices and a distance ``safe``: every track nearer to ``point`` than
        ``safe`` is among the indices (``inf`` when the indices are the whole catalogue).
        """
        size = self.size
        cx, cy = (
            int(v)
            for v in np.clip(((np.asarray(point) + 1.0) * 0.5 * size).astype(int), 0, size - 1)
        )
        radius = 0
        while True:
            x0, x1 = max(0, cx - radius), min(size - 1, cx + radius)
            y0, y1 = max(0, cy - radius), min(size - 1, cy + radius)
            covers = x0 == 0 and y0 == 0 and x1 == size - 1 and y1 == size - 1
            t = self.table
            inside = t[y1 + 1, x1 + 1] - t[y0, x1 + 1] - t[y1 + 1, x0] + t[y0, x0]
            if covers or inside >= count:
                break
            radius += 1
        if not covers:
            radius += 1
        x0, x1 = max(0, cx - radius), min(size - 1, cx + radius)
        y0, y1 = max(0, cy - radius), min(size - 1, cy + radius)
        parts = []
        for y in range(y0, y1 + 1):
            lo, hi = int(self.starts[y * size + x0]), int(self.starts[y * size + x1 + 1])
            if hi > lo:
                parts.append(self.order[lo:hi])
        found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        # A track outside the square lies beyond one of its inner sides (the cells on the
        # plane's border also hold the tracks beyond it): it is at least that far away.
        width = 2.0 / size
        px, py = (float(v) for v in np.asarray(point, dtype=np.float64)[:2])
        sides = [
            gap
            for gap, inner in (
                (px - (-1.0 + x0 * width), x0 > 0),
                ((-1.0 + (x1 + 1) * width) - px, x1 < size - 1),
                (py - (-1.0 + y0 * width), y0 > 0),
                ((-1.0 + (y1 + 1) * width) - py, y1 < size - 1),
            )
            if inner
        ]
        safe = max(0.0, min(sides) - 1e-6) if sides else float("inf")  # 1e-6: rounding slack
        return found, safe


@dataclass(frozen=True)
class SphereIndex:
    """An exact index for the largest inner products with unit vectors (an inverted file).

    The square roots of distributions are unit vectors, and the Bhattacharyya coefficient of
    two distributions is the inner product of theirs. The vectors are grouped around
    ``centroids`` (C, d) by k-means (seeded: the same data give the same index);
    ``order[starts[c] : starts[c + 1]]`` are the members of group ``c`` and ``radius[c]``
    the largest angle (radians) of a member from its centroid. No member of a group at angle
    θ from the query can have an inner product above ``cos(max(0, θ - radius))``, so a search
    visits only the groups whose bound beats the best tracks found so far; when those hold
    more than a twentieth of the tracks, it scans them all instead (still exact).
    """

    centroids: np.ndarray
    order: np.ndarray
    starts: np.ndarray
    radius: np.ndarray

    @classmethod
    def build(cls, vectors: np.ndarray, groups: int | None = None, seed: int = 0) -> SphereIndex:
        """Index ``vectors`` (n, d) float32 of unit length; ``groups`` ≈ sqrt(n) / 4 by default."""
        n = len(vectors)
        if n == 0:
            return cls(
                np.zeros((0, vectors.shape[1]), np.float32),
                np.zeros(0, np.int64),
                np.zeros(1, np.int64),
                np.zeros(0, np.float32),
            )
        groups = groups or int(np.clip(np.sqrt(n) / 4.0, 1, 512))
        rng = np.random.default_rng(seed)
        sample = vectors[rng.choice(n, min(n, 40 * groups), replace=False)]
        centroids = sample[rng.choice(len(sample), groups, replace=False)].copy()
        for _ in range(10):  # spherical k-means on the sample
            labels = np.argmax(sample @ centroids.T, axis=1)
            sums = np.stack(
                [np.bincount(labels, weights=column, minlength=groups) for column in sample.T],
                axis=1,
            )
            norms = np.linalg.norm(sums, axis=1)
            empty = norms == 0
            sums[empty] = sample[rng.choice(len(sample), int(empty.sum()))]
            centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
        centroids = centroids.astype(np.float32)
        labels = np.empty(n, dtype=np.int64)
        cosine = np.empty(n, dtype=np.float32)
        for start in range(0, n, _CHUNK):
            similarity = vectors[start : start + _CHUNK] @ centroids.T
            labels[start : start + _CHUNK] = np.argmax(similarity, axis=1)
            cosine[start : start + _CHUNK] = similarity.max(axis=1)
        order = np.argsort(labels, kind="stable")
        starts = np.searchsorted(labels[order], np.arange(groups + 1))
        radius = np.zeros(groups, dtype=np.float32)
        sizes = np.diff(starts)
        filled = np.flatnonzero(sizes)
        lowest = np.minimum.reduceat(cosine[order], starts[filled])
        radius[filled] = np.arccos(np.clip(lowest, -1.0, 1.0)) + 1e-3  # slack for rounding
        return cls(centroids, order, starts, radius)

    def search(
        self, columns: np.ndarray, query: np.ndarray, count: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` indexed vectors with the largest inner product with ``query`` (d,).

        ``columns`` (d, n) holds the indexed vectors as columns. Returns indices and inner
        products, shapes (count,), unordered.
        """
        count = min(count, len(self.order))
        if count <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # Element-wise products, not BLAS (``@``): see :func:`weighted_sum`.
        length = float(np.sqrt(np.sum(query * query))) or 1.0
        cosine = np.sum(self.centroids * query, axis=1) / length
        angle = np.arccos(np.clip(cosine, -1.0, 1.0))
        bound = np.cos(np.maximum(0.0, angle - self.radius)) * length
        ranked = np.argsort(-bound)
        sizes = np.diff(self.starts)[ranked]
        # First the best groups by bound until they hold ``count`` tracks: their count-th
        # best product is a floor for the answer's. Only groups whose bound is above that
        # floor can hold a better track: visit them all, or scan everything when they are
        # more than a twentieth of the tracks (a spread-out target, loose bounds).
        first = int(np.searchsorted(np.cumsum(sizes), count)) + 1
        members = self._members(ranked[:first])
        products = weighted_sum(columns, query, members)
        floor = float(np.partition(products, len(products) - count)[len(products) - count])
        rest = ranked[first:][bound[ranked[first:]] > floor]
        if len(members) + int(np.diff(self.starts)[rest].sum()) > len(self.order) // 20:
            products = weighted_sum(columns, query)
            top = largest(products, count)
            return top, products[top]
        if len(rest):
            extra = self._members(rest)
            members = np.concatenate([members, extra])
            products = np.concatenate([products, weighted_sum(columns, query, extra)])
        top = largest(products, count)
        return members[top], products[top]

    def _members(self, groups: np.ndarray) -> np.ndarray:
        parts = [self.order[self.starts[g] : self.starts[g + 1]] for g in groups.tolist()]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class CatalogueArrays:
    """The searchable part of a catalogue revision, row ``i`` being one track.

    Shapes for n tracks:

    - ``rowids`` (n,) int64, ascending: the SQLite row ids;
    - ``probabilities`` (n, 7) float32 in :data:`moodtune.emotions.EMOTIONS` order;
    - ``sqrt_columns`` (7, n) float32: their square roots, one row per emotion;
    - ``valence``, ``energy`` (n,) float32 in 0..1, NaN when unknown;
    - ``reading`` (n, 2) float32: the valence/arousal reading learned from listeners (−1..1),
      and ``reading_z`` (n, 2) the same standardised against a typical track; NaN without one;
    - ``position`` (n, 2) float32 on the valence/arousal plane (:func:`plane_position`);
    - ``vectors`` (n, 7) float32: the :data:`SIMILARITY_FEATURES` scaled to about 0..1;
    - ``artists`` (n,) int32 primary-artist codes, -1 when unknown;
    - ``grid`` and ``index``: the plane grid and the distribution index.
    """

    revision: int
    rowids: np.ndarray
    probabilities: np.ndarray
    sqrt_columns: np.ndarray
    valence: np.ndarray
    energy: np.ndarray
    reading: np.ndarray
    reading_z: np.ndarray
    position: np.ndarray
    vectors: np.ndarray
    artists: np.ndarray
    grid: PlaneGrid
    index: SphereIndex

    @property
    def size(self) -> int:
        return int(self.rowids.shape[0])

    def indices(self, rowids: np.ndarray) -> np.ndarray:
        """Array indices of the given row ids; ids not in this revision are left out."""
        rowids = np.asarray(rowids, dtype=np.int64)
        at = np.searchsorted(self.rowids, rowids)
        at = np.clip(at, 0, max(self.size - 1, 0))
        found = self.size > 0
        return at[(self.rowids[at] == rowids)] if found else np.zeros(0, dtype=np.int64)

    def closest(self, distribution: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` tracks whose distributions are closest to ``distribution`` (7,).

        Closest means the largest Bhattacharyya coefficient ``Σ sqrt(p·t)``, i.e. the
        smallest Hellinger distance ``sqrt(1 - coefficient)``; exact (see
        :class:`SphereIndex`). Returns indices and coefficients, shapes (count,), unordered.
        """
        weights = np.sqrt(np.clip(distribution, 0.0, None)).astype(np.float32)
        return self.index.search(self.sqrt_columns, weights, min(count, self.size))

    @property
    def nbytes(self) -> int:
        arrays = (
            self.rowids,
            self.probabilities,
            self.sqrt_columns,
            self.valence,
            self.energy,
            self.reading,
            self.reading_z,
            self.position,
            self.vectors,
            self.artists,
            self.grid.order,
            self.grid.starts,
            self.grid.table,
            self.index.centroids,
            self.index.order,
            self.index.starts,
            self.index.radius,
        )
        return int(sum(a.nbytes for a in arrays))


def load_arrays(connection: sqlite3.Connection, revision: int) -> CatalogueArrays:
    """Read every classified track of the catalogue into :class:`CatalogueArrays`."""
    similarity = ", ".join(f"f.{name}" for name in SIMILARITY_FEATURES)
    total = connection.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
    cursor = connection.execute(
        "SELECT p.track, COALESCE(t.artist_id, -1), "
        f"{', '.join('p.' + c for c in (*PROBABILITY_COLUMNS, *READING_COLUMNS))}, "
        f"f.valence, f.energy, {similarity} "
        "FROM predictions p JOIN tracks t ON t.rowid = p.track "
        "LEFT JOIN features f ON f.track = p.track ORDER BY p.track"
    )
    k, r = len(PROBABILITY_COLUMNS), len(READING_COLUMNS)
    table = fetch_matrix(cursor, total, 2 + k + r + 2 + len(SIMILARITY_FEATURES))
    probabilities = np.ascontiguousarray(table[:, 2 : 2 + k], dtype=np.float32)
    reading = np.ascontiguousarray(table[:, 2 + k : 4 + k], dtype=np.float32)
    reading_z = np.ascontiguousarray(table[:, 4 + k : 6 + k], dtype=np.float32)
    valence = table[:, 2 + k + r].astype(np.float32)
    energy = table[:, 3 + k + r].astype(np.float32)
    vectors = table[:, 4 + k + r :].astype(np.float32)
    tempo = SIMILARITY_FEATURES.index("tempo") if "tempo" in SIMILARITY_FEATURES else None
    if tempo is not None:
        vectors[:, tempo] = np.clip(vectors[:, tempo] / TEMPO_SCALE, 0.0, 1.0)
    vectors = np.nan_to_num(vectors, nan=0.5)
    position = plane_position(valence, energy, probabilities, reading_z)
    sqrt_probabilities = np.sqrt(np.clip(probabilities, 0.0, 1.0))
    arrays = CatalogueArrays(
        revision=revision,
        rowids=table[:, 0].astype(np.int64),
        probabilities=probabilities,
        sqrt_columns=np.ascontiguousarray(sqrt_probabilities.T),
        valence=valence,
        energy=energy,
        reading=reading,
        reading_z=reading_z,
        position=position,
        vectors=np.ascontiguousarray(vectors),
        artists=table[:, 1].astype(np.int32),
        grid=PlaneGrid.build(position),
        index=SphereIndex.build(sqrt_probabilities),
    )
    del table
    return arrays
