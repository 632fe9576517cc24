"""TrackIndex answers exactly what scoring every track answers, with the ranking's scores."""

from __future__ import annotations

import numpy as np
import pytest

from moodtune.catalogue.arrays import CatalogueArrays
from moodtune.errors import MoodtuneError
from moodtune.index import (
    TrackIndex,
    brute_force_match,
    brute_force_path,
    brute_force_plane,
    merge,
    path_points,
    path_steps,
)
from moodtune.recommend.ranking import by_distribution, by_plane

N = 20_000


@pytest.fixture(scope="module")
def catalogue():
    """Distributions (peaked, spread and exact duplicates), clustered plane positions (with
    duplicates too: ties), and artists of which one holds 40 % of the tracks (the cap bites)."""
    rng = np.random.default_rng(0)
    peaked = rng.dirichlet(np.full(7, 0.3), N // 2)
    spread = rng.dirichlet(np.full(7, 3.0), N // 2 - 500)
    distributions = np.concatenate([peaked, spread]).astype(np.float32)
    distributions = np.concatenate([distributions, distributions[:500]])  # 500 exact twins
    positions = np.clip(rng.normal(0.1, 0.35, (N, 2)), -1.2, 1.2).astype(np.float32)
    positions[-300:] = positions[:300]
    artists = rng.integers(1, 3000, N)
    artists[rng.random(N) < 0.4] = 0
    artists[rng.random(N) < 0.05] = -1  # unknown: never capped
    return distributions, positions, artists


@pytest.fixture(scope="module")
def arrays(catalogue) -> CatalogueArrays:
    """The recommender's CatalogueArrays of the same tracks (with an index of the default
    leaf and cell, unlike the ``index`` fixture): the rankings the recommender uses."""
    distributions, positions, artists = catalogue
    blank = np.zeros(0, np.float32)
    return CatalogueArrays(
        0,
        np.arange(N),
        distributions,
        blank,
        blank,
        blank,
        blank,
        positions,
        blank,
        artists,
        TrackIndex(distributions, positions, artists),
    )


@pytest.fixture(scope="module", params=[1024, 16], ids=["leaf1024", "leaf16"])
def index(request, catalogue) -> TrackIndex:
    distributions, positions, artists = catalogue
    return TrackIndex(distributions, positions, artists, leaf=request.param, cell=8)


def greedy(indices, scores, artists, k, cap, excluded, used=None):
    """The rules, one track at a time, over a complete ranking (best first, ties by index)."""
    excluded, counts = set(excluded), dict(used or {})
    found, kept = [], []
    for index, score in zip(indices.tolist(), scores.tolist(), strict=True):
        if len(found) == k:
            break
        artist = int(artists[index])
        if index in excluded or (cap is not None and artist >= 0 and counts.get(artist, 0) >= cap):
            continue
        counts[artist] = counts.get(artist, 0) + 1
        found.append(index)
        kept.append(score)
    return np.array(found, dtype=np.int64), np.array(kept)


def targets():
    rng = np.random.default_rng(3)
    return [*np.eye(7), np.full(7, 1 / 7), *rng.dirichlet(np.full(7, 0.5), 6)]


def exclusions():
    rng = np.random.default_rng(4)
    return {
        "none": np.zeros(0, dtype=np.int64),
        "history": rng.choice(N, 100, replace=False),
        "most": rng.choice(N, int(0.9 * N), replace=False),  # the pool must grow a lot
    }


@pytest.mark.parametrize("count", [1, 10, 137, 5000])
def test_rankings_are_exact_prefixes_of_the_brute_force_order(arrays, catalogue, count):
    """by_distribution / by_plane (the recommender's rankings, fed by the index) start with the
    brute-force order (ties by index) and leave out only tracks scoring strictly less."""
    distributions, positions, artists = catalogue
    cases = [
        (by_distribution, target, brute_force_match(distributions, artists, target, N))
        for target in targets()[::3]
    ]
    cases += [
        (by_plane, np.array(point), brute_force_plane(positions, artists, point, N))
        for point in [(0.0, 0.0), (0.9, -0.9), tuple(positions[7])]
    ]
    for rank, target, (order, scores) in cases:
        ranking = rank(arrays, target, count)
        m = len(ranking)
        assert m >= count and not ranking.complete
        np.testing.assert_array_equal(ranking.indices, order[:m])
        np.testing.assert_array_equal(ranking.scores, scores[:m])
        assert scores[m] < ranking.scores[-1]


def test_rankings_of_tiny_and_empty_catalogues(catalogue):
    for n in (0, 1, 5):
        distributions, positions, artists = (a[:n] for a in catalogue)
        blank = np.zeros(0, np.float32)
        index = TrackIndex(distributions, positions, artists)
        small = CatalogueArrays(
            0, np.arange(n), distributions, *(blank,) * 4, positions, blank, artists, index
        )
        for ranking in (by_distribution(small, np.eye(7)[2], 10), by_plane(small, (0, 0), 10)):
            assert ranking.complete and sorted(ranking.indices.tolist()) == list(range(n))


@pytest.mark.parametrize("cap", [None, 1, 2])
@pytest.mark.parametrize("excluded", ["none", "history", "most"])
def test_match_equals_the_complete_ranking(index, arrays, catalogue, cap, excluded):
    artists = catalogue[2]
    banned = exclusions()[excluded]
    for target in targets():
        ranking = by_distribution(arrays, target, N)
        assert ranking.complete
        want = greedy(ranking.indices, ranking.scores, artists, 10, cap, banned)
        found, scores = index.match(target, 10, cap=cap, excluded=banned)
        np.testing.assert_array_equal(found, want[0])
        np.testing.assert_array_equal(scores, want[1])  # the very same float64 scores
        floor = brute_force_match(catalogue[0], artists, target, 10, cap=cap, excluded=banned)
        np.testing.assert_array_equal(floor[0], want[0])
        np.testing.assert_array_equal(floor[1], want[1])


@pytest.mark.parametrize("cap", [None, 1, 2])
@pytest.mark.parametrize("excluded", ["none", "history", "most"])
def test_plane_equals_the_complete_ranking(index, arrays, catalogue, cap, excluded):
    positions, artists = catalogue[1], catalogue[2]
    banned = exclusions()[excluded]
    points = [(0.0, 0.0), (0.1, 0.1), (0.9, -0.9), (-1.0, 1.0), (1.5, 1.5), tuple(positions[7])]
    for point in points:
        ranking = by_plane(arrays, np.array(point), N)
        assert ranking.complete
        want = greedy(ranking.indices, ranking.scores, artists, 10, cap, banned)
        found, scores = index.plane(point, 10, cap=cap, excluded=banned)
        np.testing.assert_array_equal(found, want[0])
        np.testing.assert_array_equal(scores, want[1])
        floor = brute_force_plane(positions, artists, point, 10, cap=cap, excluded=banned)
        np.testing.assert_array_equal(floor[0], want[0])
        np.testing.assert_array_equal(floor[1], want[1])


def test_a_large_k_and_a_cap_that_forces_the_pool_to_grow(index, arrays, catalogue):
    # One artist holds 40 % of the tracks: with cap 1, hundreds of its tracks are passed over.
    artists = catalogue[2]
    for target in targets()[:3]:
        ranking = by_distribution(arrays, target, N)
        want = greedy(ranking.indices, ranking.scores, artists, 500, 1, [])
        found, _ = index.match(target, 500, cap=1)
        np.testing.assert_array_equal(found, want[0])
        assert np.sum(artists[found] == 0) == 1


def test_used_counts_toward_the_cap(index, arrays, catalogue):
    artists = catalogue[2]
    ranking = by_plane(arrays, np.zeros(2), N)
    want = greedy(ranking.indices, ranking.scores, artists, 10, 2, [], used={0: 2})
    found, _ = index.plane((0.0, 0.0), 10, cap=2, used={0: 2})
    np.testing.assert_array_equal(found, want[0])
    assert not np.any(artists[found] == 0)


@pytest.mark.parametrize("cap", [None, 1])
def test_path_steps_like_the_recommender(index, catalogue, cap):
    positions, artists = catalogue[1], catalogue[2]
    banned = exclusions()["history"]
    start, end = np.array([-0.6, 0.7]), np.array([0.8, 0.5])
    found, scores = index.path(start, end, 10, cap=cap, excluded=banned)
    floor = brute_force_path(positions, artists, start, end, 10, cap=cap, excluded=banned)
    np.testing.assert_array_equal(found, floor[0])
    np.testing.assert_array_equal(scores, floor[1])
    assert len(set(found.tolist())) == 10 and not set(found.tolist()) & set(banned.tolist())
    if cap is not None:
        known = artists[found][artists[found] >= 0]
        assert np.bincount(known).max() <= cap
    points = path_points(start, end, 10)
    np.testing.assert_allclose(points[[0, -1]], [start, end], atol=1e-6)


@pytest.mark.parametrize("k", [1, 2, 3, 6, 7, 10, 20, 50])
def test_a_path_stays_at_its_ends_and_walks_evenly_between(k):
    """The first and last 30 % of a path's steps (at least one each) sit at its start and
    end; the steps between are evenly spaced; up to 6 steps it is the plain even walk."""
    steps = path_steps(k)
    dwell = max(int(0.3 * k), 1) if k > 1 else 1
    assert len(steps) == k and steps[0] == 0.0 and np.all(np.diff(steps) >= 0)
    assert (steps == 0.0).sum() == dwell and (k == 1 or (steps == 1.0).sum() == dwell)
    middle = steps[dwell - 1 : k - dwell + 1]
    np.testing.assert_allclose(np.diff(middle), np.diff(middle)[0] if k > 2 else 1.0)
    if k <= 6:
        np.testing.assert_allclose(steps, np.linspace(0.0, 1.0, k) if k > 1 else [0.0])
    points = path_points((-1.0, -0.5), (1.0, 0.5), k)
    expected = np.outer(steps, [2.0, 1.0]) + np.array([-1.0, -0.5])
    np.testing.assert_allclose(points, expected, atol=1e-6)


def test_fewer_than_k_only_when_no_more_are_eligible(catalogue):
    distributions, positions, artists = (a[:50] for a in catalogue)
    index = TrackIndex(distributions, positions, artists, leaf=4, cell=2)
    found, _ = index.match(np.eye(7)[0], 10, excluded=range(45))
    assert sorted(found.tolist()) == [45, 46, 47, 48, 49]
    one_artist = np.zeros(50, dtype=np.int64)
    capped = TrackIndex(distributions, positions, one_artist, leaf=4, cell=2)
    assert len(capped.plane((0.0, 0.0), 10, cap=3)[0]) == 3
    assert len(capped.path((0.0, 0.0), (1.0, 1.0), 10, cap=3)[0]) == 3


def test_an_empty_index_answers_nothing():
    index = TrackIndex(np.zeros((0, 7)), np.zeros((0, 2)), np.zeros(0, dtype=np.int64))
    assert len(index.match(np.eye(7)[0], 5)[0]) == 0
    assert len(index.plane((0.0, 0.0), 5)[0]) == 0


def test_memory_is_48_bytes_a_track_plus_small_tables(index):
    assert 48 * N <= index.nbytes <= 48 * N + 2_000_000


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"distributions": np.zeros((3, 6))}, "shape \\(n, 7\\)"),
        ({"positions": np.zeros((3, 3))}, "positions must have shape \\(3, 2\\)"),
        ({"artists": np.zeros(3)}, "artists must be 3 integers"),
        ({"distributions": np.array([[np.nan] * 7] * 3)}, "distributions row 0 is not finite"),
    ],
)
def test_bad_arrays_are_named(arguments, message):
    given = {
        "distributions": np.full((3, 7), 1 / 7),
        "positions": np.zeros((3, 2)),
        "artists": np.zeros(3, dtype=np.int64),
        **arguments,
    }
    with pytest.raises(MoodtuneError, match=message):
        TrackIndex(given["distributions"], given["positions"], given["artists"])


def test_bad_queries_are_named(index):
    with pytest.raises(MoodtuneError, match="k must be a whole number"):
        index.match(np.eye(7)[0], 0)
    with pytest.raises(MoodtuneError, match="cap must be"):
        index.plane((0.0, 0.0), 5, cap=0)
    with pytest.raises(MoodtuneError, match="7 finite weights"):
        index.match(np.ones(6), 5)
    with pytest.raises(MoodtuneError, match="2 finite numbers"):
        index.plane((np.nan, 0.0), 5)


@pytest.mark.parametrize("cap", [None, 1, 2])
def test_shards_merged_answer_as_one_index(index, catalogue, cap):
    distributions, positions, artists = catalogue
    shards = [np.flatnonzero(np.arange(N) % 3 == s) for s in range(3)]  # global ids per shard
    served = [TrackIndex(distributions[g], positions[g], artists[g], cell=8) for g in shards]
    banned = exclusions()["history"]
    for target in targets()[:5]:
        parts = []
        for members, shard in zip(shards, served, strict=True):
            local = np.flatnonzero(np.isin(members, banned))
            found, scores = shard.match(target, 10, cap=cap, excluded=local)
            parts.append((members[found], scores, artists[members[found]]))
        merged = merge(parts, 10, cap=cap)
        whole = index.match(target, 10, cap=cap, excluded=banned)
        np.testing.assert_array_equal(merged[0], whole[0])
        np.testing.assert_array_equal(merged[1], whole[1])


def test_saved_index_answers_the_same(index, tmp_path):
    path = tmp_path / "shard.npz"
    index.save(path)
    loaded = TrackIndex.load(path)
    assert loaded.nbytes == index.nbytes
    for target in targets()[:4]:
        again, first = loaded.match(target, 10, cap=2), index.match(target, 10, cap=2)
        np.testing.assert_array_equal(again[0], first[0])
        np.testing.assert_array_equal(again[1], first[1])
    again, first = loaded.path((0.0, 0.0), (1.0, 1.0), 5), index.path((0.0, 0.0), (1.0, 1.0), 5)
    np.testing.assert_array_equal(again[0], first[0])
    np.testing.assert_array_equal(again[1], first[1])


def test_a_file_that_is_not_an_index_is_named(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("not an index")
    with pytest.raises(MoodtuneError, match=r"notes\.npz: not a readable index file"):
        TrackIndex.load(text)
    other = tmp_path / "other.npz"
    np.savez(other, something=np.zeros(3))
    with pytest.raises(MoodtuneError, match=r"other\.npz: not an index file"):
        TrackIndex.load(other)
