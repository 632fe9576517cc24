"""The recommender's caches: exact rankings, the same answers warm or cold, and nothing stale
after the catalogue changes (new tracks, plays, dislikes, writes from another connection)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from moodtune.catalogue.sqlite import Catalogue
from moodtune.data.readers import tidy
from moodtune.emotions import coordinates
from moodtune.errors import MoodtuneError
from moodtune.recommend.ranking import PLANE_DIAMETER, RevisionCache, by_distribution, by_plane
from moodtune.recommend.recommender import MODES, MusicRecommender


@pytest.fixture(scope="module")
def catalogue(tidy_catalogue):
    return tidy_catalogue[0]


def ids(results):
    return [r.track_id for r in results]


def canonical(scores: np.ndarray) -> np.ndarray:
    """Brute-force order: best score first, ties by index."""
    return np.lexsort((np.arange(len(scores)), -scores))


@pytest.mark.parametrize("count", [1, 40, 500])
def test_distribution_rankings_are_the_exact_top_in_a_fixed_order(catalogue, count):
    arrays = catalogue.arrays()
    rng = np.random.default_rng(0)
    for target in [np.eye(7)[3], np.full(7, 1 / 7), rng.dirichlet(np.full(7, 0.5))]:
        ranking = by_distribution(arrays, target, count)
        assert len(ranking) >= count and not ranking.complete
        roots = np.sqrt(arrays.probabilities.astype(np.float64))
        brute = roots @ np.sqrt(target)  # Bhattacharyya coefficients, higher is closer
        found = 1 - (1 - ranking.scores) ** 2
        np.testing.assert_allclose(found, brute[ranking.indices], atol=1e-5)
        # The same tracks as brute force, in the same order (up to float32 rounding).
        np.testing.assert_allclose(found, np.sort(brute)[::-1][: len(ranking)], atol=1e-5)
        # Asking for more only appends: the prefix never depends on how much was asked.
        longer = by_distribution(arrays, target, 4 * count + 50)
        assert longer.indices[: len(ranking)].tolist() == ranking.indices.tolist()


@pytest.mark.parametrize("count", [1, 32, 300])
def test_plane_rankings_are_the_exact_nearest_in_a_fixed_order(catalogue, count):
    arrays = catalogue.arrays()
    points = [*coordinates().astype(np.float32), np.array([0.0, -0.6], np.float32)]
    for point in points:
        ranking = by_plane(arrays, point, count)
        assert len(ranking) >= count
        distance = np.linalg.norm(arrays.position.astype(np.float64) - point, axis=1)
        brute = 1 - distance / PLANE_DIAMETER
        order = canonical(brute)[: len(ranking)]
        np.testing.assert_allclose(ranking.scores, brute[order], atol=1e-6)
        longer = by_plane(arrays, point, 4 * count + 50)
        assert longer.indices[: len(ranking)].tolist() == ranking.indices.tolist()


def test_tiny_catalogue_rankings_are_complete(tmp_path, emotion_model, make_table):
    small = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    small.import_table(make_table(5), source="small")
    arrays = small.arrays()
    for ranking in (by_distribution(arrays, np.eye(7)[0], 50), by_plane(arrays, [0, 0], 50)):
        assert ranking.complete and sorted(ranking.indices.tolist()) == list(range(5))


@pytest.mark.parametrize("mode", MODES)
def test_warm_and_cold_caches_give_the_same_seeded_answer(catalogue, mode):
    warm = MusicRecommender(catalogue, seed=11)
    for target in ["sadness", {"anger": 0.6, "fear": 0.4}]:
        first = ids(warm.recommend(target, k=12, mode=mode))
        assert len(warm._rankings) > 0  # the rankings were kept
        again = ids(warm.recommend(target, k=12, mode=mode))
        cold = ids(MusicRecommender(catalogue, seed=11).recommend(target, k=12, mode=mode))
        assert first == again == cold
        quick = warm.recommend_cached(target, k=12, mode=mode)
        assert quick is not None and ids(quick) == first
        assert [r.reason for r in quick] == [
            r.reason for r in MusicRecommender(catalogue, seed=11).recommend(target, 12, mode)
        ]


@pytest.mark.parametrize("mode", MODES)
def test_cached_answers_stay_fresh_without_a_seed(catalogue, mode, monkeypatch):
    # Without a seed every answer draws a generator of its own. The draws are made
    # deterministic here (seeds 0, 1, 2, ... in turn), so the assertion cannot pass by chance.
    seeds = iter(range(1000))
    fresh = np.random.default_rng

    def numbered(seed=None):
        return fresh(next(seeds) if seed is None else seed)

    monkeypatch.setattr(np.random, "default_rng", numbered)
    recommender = MusicRecommender(catalogue)
    recommender.recommend("happiness", k=10, mode=mode)
    lists = {tuple(ids(recommender.recommend_cached("happiness", 10, mode))) for _ in range(6)}
    assert len(lists) > 1


def test_recommend_cached_needs_the_rankings(catalogue):
    recommender = MusicRecommender(catalogue, seed=2)
    assert recommender.recommend_cached("surprise", k=5, mode="uplift") is None  # cold
    recommender.recommend("surprise", k=5, mode="uplift")
    assert recommender.recommend_cached("surprise", k=5, mode="uplift") is not None
    assert recommender.recommend_cached("surprise", k=5, mode="match") is None  # other mode
    recommender.clear_cache()
    assert recommender.recommend_cached("surprise", k=5, mode="uplift") is None


def test_recommend_cached_validates_like_recommend(catalogue):
    recommender = MusicRecommender(catalogue)
    with pytest.raises(MoodtuneError, match="k must be a whole number"):
        recommender.recommend_cached("sadness", k=0)
    with pytest.raises(MoodtuneError, match="unknown mode"):
        recommender.recommend_cached("sadness", mode="loud")


def test_recommend_cached_does_not_wait_for_a_writer(copy_catalogue):
    catalogue = copy_catalogue()
    recommender = MusicRecommender(catalogue, seed=4)
    first = recommender.recommend("neutral", k=5)
    played = catalogue.rowid(first[0].track_id)
    writing, answered = threading.Event(), threading.Event()
    released: list[bool] = []

    def write() -> None:  # a play, held uncommitted (with the catalogue's lock) until answered
        with catalogue.transaction() as connection:
            connection.execute("INSERT INTO history (track) VALUES (?)", (played,))
            writing.set()
            released.append(answered.wait(60))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert writing.wait(60)
        quick = recommender.recommend_cached("neutral", k=5)  # would wait here for the lock
    finally:
        answered.set()
        writer.join()
    assert released == [True]  # answered while the writer held the catalogue
    assert quick is not None and ids(quick) == ids(first)  # the catalogue as last committed
    # Committed: the writer read the history again, the next answer has the play at once.
    assert catalogue.snapshot_in_memory(100).recent.tolist() == [played]
    assert first[0].track_id not in ids(recommender.recommend("neutral", k=5))


@pytest.mark.parametrize("mode", MODES)
def test_plays_and_dislikes_apply_to_cached_rankings(copy_catalogue, mode):
    catalogue = copy_catalogue()
    recommender = MusicRecommender(catalogue, seed=5)
    first = recommender.recommend("fear", k=12, mode=mode)
    assert recommender.recommend_cached("fear", k=12, mode=mode) is not None  # warm
    played = ids(first[:6])
    for track_id in played:
        catalogue.record_played(track_id)
    catalogue.add_feedback(first[6].track_id, liked=False)
    # The writes read the history and 👍/👎 again (in the writing thread): both paths see them.
    for answer in (
        recommender.recommend("fear", k=12, mode=mode),
        recommender.recommend_cached("fear", k=12, mode=mode),
    ):
        assert answer is not None and len(answer) == 12
        assert not set(ids(answer)) & {*played, first[6].track_id}
    # Liked again: no longer excluded.
    catalogue.add_feedback(first[6].track_id, liked=True)
    assert catalogue.disliked_rowids().size == 0


def test_writes_from_another_connection_are_seen(copy_catalogue):
    catalogue = copy_catalogue()
    other = Catalogue.open(catalogue.path, model=catalogue.model, fill_builtin=False)
    recommender = MusicRecommender(catalogue, seed=8)
    first = recommender.recommend("anger", k=8)
    assert catalogue.recent_rowids(100).size == 0 and catalogue.disliked_rowids().size == 0
    other.record_played(first[0].track_id)  # another connection (as another process would)
    other.add_feedback(first[1].track_id, liked=False)
    assert catalogue.recent_rowids(100).size == 1 and catalogue.disliked_rowids().size == 1
    assert recommender.recommend_cached("anger", k=8) is None  # arrays not yet re-checked
    for again in (recommender.recommend("anger", k=8), recommender.recommend_cached("anger", k=8)):
        assert again is not None and not set(ids(again)) & {first[0].track_id, first[1].track_id}
    remembered = catalogue.recent_rowids(100)
    with pytest.raises(ValueError):
        remembered[0] = 0  # shared between calls: read-only


def test_new_tracks_and_changed_tracks_drop_the_caches(tmp_path, emotion_model, make_table):
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    catalogue.import_table(make_table(6), source="small")
    recommender = MusicRecommender(catalogue, artist_cap=None, duplicate_distance=0, seed=1)
    for mode in MODES:
        assert len(recommender.recommend("sadness", 20, mode)) == 6
        assert len(recommender.recommend_cached("sadness", 20, mode)) == 6
    # Three more tracks (new ids): every mode must see nine, at once.
    more = make_table(9, seed=1).frame.iloc[6:].reset_index(drop=True)
    catalogue.import_table(tidy(more, source="more"), source="more")
    for mode in MODES:
        assert recommender.recommend_cached("sadness", 20, mode) is None  # arrays not loaded
        assert len(recommender.recommend("sadness", 20, mode)) == 9
        assert len(recommender.recommend_cached("sadness", 20, mode)) == 9
    # A track re-imported with a new title: the new title is shown.
    renamed = make_table(6).frame.iloc[:1].copy()
    renamed["title"] = "a new title"
    catalogue.import_table(tidy(renamed, source="small"), source="small")
    titles = {r.track_id: r.title for r in recommender.recommend("sadness", 20)}
    assert titles[str(renamed["track_id"].iloc[0])] == "a new title"


def test_revision_cache_is_bounded_and_follows_the_arrays():
    cache = RevisionCache(capacity=2)
    first, second = object(), object()
    cache.put(first, "a", 1)
    cache.put(first, "b", 2)
    assert cache.get(first, "a") == 1  # "a" is now the most recent
    cache.put(first, "c", 3)
    assert cache.get(first, "b") is None and cache.get(first, "a") == 1 and len(cache) == 2
    assert cache.get(second, "a") is None and len(cache) == 0  # other arrays: emptied
    with pytest.raises(ValueError):
        RevisionCache(0)
