"""The arrays' helpers agree with numpy (the rankings' exactness: tests/recommend/test_index.py)."""

from __future__ import annotations

import numpy as np

from moodtune.catalogue.arrays import weighted_sum


def test_weighted_sum_matches_numpy():
    rng = np.random.default_rng(2)
    columns = rng.random((7, 300_000), dtype=np.float32)
    weights = np.array([0.2, 0, 0.5, 0, 0, 0.3, 0], dtype=np.float32)
    np.testing.assert_allclose(weighted_sum(columns, weights), weights @ columns, rtol=1e-5)
    rows = np.array([5, 7, 299_999])
    np.testing.assert_allclose(
        weighted_sum(columns, weights, rows), (weights @ columns)[rows], rtol=1e-5
    )
