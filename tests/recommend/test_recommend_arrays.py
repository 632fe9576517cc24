"""The search structures are exact: the index and the plane grid agree with brute force."""

from __future__ import annotations

import numpy as np
import pytest

from moodtune.recommend.arrays import PlaneGrid, SphereIndex, largest, weighted_sum


@pytest.fixture(scope="module")
def distributions() -> np.ndarray:
    """150,000 distributions over 7 classes, some peaked and some spread, float32."""
    rng = np.random.default_rng(0)
    peaked = rng.dirichlet(np.full(7, 0.3), 100_000)
    spread = rng.dirichlet(np.full(7, 3.0), 50_000)
    return np.concatenate([peaked, spread]).astype(np.float32)


@pytest.mark.parametrize("count", [1, 10, 112])
def test_sphere_index_finds_the_exact_top(distributions, count):
    roots = np.sqrt(distributions)
    columns = np.ascontiguousarray(roots.T)
    index = SphereIndex.build(roots)
    rng = np.random.default_rng(1)
    targets = [*np.eye(7), np.full(7, 1 / 7), *rng.dirichlet(np.full(7, 0.5), 12)]
    for target in targets:
        query = np.sqrt(target).astype(np.float32)
        found, products = index.search(columns, query, count)
        brute = roots @ query
        assert len(set(found.tolist())) == count
        np.testing.assert_allclose(products, brute[found], rtol=1e-5)
        assert products.min() >= np.sort(brute)[-count] - 1e-6


def test_sphere_index_on_tiny_and_empty_catalogues():
    one = np.sqrt(np.array([[0.5, 0.5, 0, 0, 0, 0, 0]], dtype=np.float32))
    index = SphereIndex.build(one)
    found, _ = index.search(np.ascontiguousarray(one.T), one[0], 5)
    assert found.tolist() == [0]
    empty = SphereIndex.build(np.zeros((0, 7), dtype=np.float32))
    assert len(empty.search(np.zeros((7, 0), np.float32), one[0], 3)[0]) == 0


def test_weighted_sum_and_largest_match_numpy():
    rng = np.random.default_rng(2)
    columns = rng.random((7, 300_000), dtype=np.float32)
    weights = np.array([0.2, 0, 0.5, 0, 0, 0.3, 0], dtype=np.float32)
    np.testing.assert_allclose(weighted_sum(columns, weights), weights @ columns, rtol=1e-5)
    rows = np.array([5, 7, 299_999])
    np.testing.assert_allclose(
        weighted_sum(columns, weights, rows), (weights @ columns)[rows], rtol=1e-5
    )
    values = rng.random(300_000)
    assert set(largest(values, 50).tolist()) == set(np.argsort(values)[-50:].tolist())
    assert sorted(largest(values[:10], 20).tolist()) == list(range(10))


def test_plane_grid_always_includes_the_nearest_track():
    rng = np.random.default_rng(3)
    # Dense in one corner, sparse elsewhere, as real catalogues are.
    position = np.concatenate(
        [
            rng.normal([0.4, 0.5], 0.1, (20_000, 2)),
            rng.uniform(-1, 1, (500, 2)),
        ]
    ).clip(-1, 1)
    grid = PlaneGrid.build(position)
    for point in rng.uniform(-1, 1, (40, 2)):
        near = grid.near(point, 16)
        distances = np.linalg.norm(position - point, axis=1)
        assert len(near) >= 16
        assert np.argmin(distances) in set(near.tolist())
        nearest16 = np.sort(distances)[:16]
        assert np.allclose(np.sort(distances[near])[:16], nearest16)
