"""The recommender on a catalogue held in memory (moodtune.catalogue.memory): the same
answers as on the SQLite catalogue filled with the same rows, in every mode."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from moodtune.catalogue.memory import MemoryCatalogue
from moodtune.catalogue.protocol import CatalogueView, ListeningLog, ServedCatalogue
from moodtune.catalogue.sqlite import Catalogue
from moodtune.data.readers import tidy
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel
from moodtune.recommend.modes import MODES
from moodtune.recommend.recommender import MusicRecommender
from moodtune.recommend.simulation import simulate

TARGETS = (*EMOTIONS, "calm", "energetic", "nostalgic", {"sadness": 0.6, "fear": 0.4})
ARRAYS = ("rowids", "probabilities", "valence", "energy", "reading", "reading_z", "position")


def synthetic_table(size: int = 400):
    """``size`` tracks with every feature, 40 artists (some tracks without one), a few
    near-twins, and a few tracks whose valence is unknown."""
    rng = np.random.default_rng(23)
    frame = pd.DataFrame(
        {
            "track_id": [f"t{i:04d}" for i in range(size)],
            "title": [f"Song {i}" for i in range(size)],
            "artist": [None if i % 17 == 0 else f"Artist {i % 40}" for i in range(size)],
            "tempo": rng.uniform(60, 190, size),
            "danceability": rng.uniform(0, 1, size),
            "energy": rng.uniform(0, 1, size),
            "valence": rng.uniform(0, 1, size),
            "loudness": rng.uniform(-30, -2, size),
            "acousticness": rng.uniform(0, 1, size),
            "instrumentalness": rng.uniform(0, 1, size),
            "speechiness": rng.uniform(0, 0.5, size),
            "liveness": rng.uniform(0, 1, size),
        }
    )
    frame.loc[size - 10 :, ["tempo", "danceability", "energy"]] = frame.loc[
        size - 20 : size - 11, ["tempo", "danceability", "energy"]
    ].to_numpy()
    return tidy(frame, source="synthetic")


@pytest.fixture(scope="module")
def model() -> EmotionModel:
    return EmotionModel.default()


@pytest.fixture()
def pair(tmp_path, model):
    """The same rows in a SQLite catalogue and in memory."""
    table = synthetic_table()
    on_file = Catalogue.open(tmp_path / "c.sqlite", model=model)
    on_file.import_table(table, source="synthetic")
    in_memory = MemoryCatalogue.of(table, model, source="synthetic")
    yield on_file, in_memory
    on_file.close()


def answers(catalogue, **options) -> list:
    recommender = MusicRecommender(catalogue, seed=5, **options)
    return [
        [(r.track_id, r.score, r.reason, r.close, r.chip) for r in recommender.recommend(t, 8, m)]
        for t in TARGETS
        for m in MODES
    ]


def test_both_implement_the_protocols(pair):
    for catalogue in pair:
        assert isinstance(catalogue, CatalogueView)
        assert isinstance(catalogue, ListeningLog)
        assert isinstance(catalogue, ServedCatalogue)


def test_the_arrays_and_the_records_are_those_of_the_sqlite_catalogue(pair):
    on_file, in_memory = pair
    a, b = on_file.arrays(), in_memory.arrays()
    for name in ARRAYS:
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert np.array_equal(a.vectors, b.vectors)
    # artist codes may differ; which tracks share an artist may not (a one-to-one map)
    pairs = {(int(x), int(y)) for x, y in zip(a.artists, b.artists, strict=True)}
    assert len(pairs) == len(set(a.artists.tolist())) == len(set(b.artists.tolist())) > 30
    assert (a.artists < 0).tolist() == (b.artists < 0).tolist()
    assert on_file.display_rows(a, [0, 5]) == in_memory.display_rows(b, [0, 5])
    assert on_file.display_rows(a) == in_memory.display_rows(b)
    assert on_file.track("t0007") == in_memory.track("t0007")
    assert in_memory.track("nope") is None
    assert on_file.count() == in_memory.count() == 400
    assert on_file.model_version == in_memory.model_version


@pytest.mark.parametrize("whole", [True, False], ids=["read-whole", "read-by-position"])
def test_every_mode_gives_the_same_tracks_as_on_sqlite(pair, whole, monkeypatch):
    """Both ways the recommender reads display rows: every track at once (a small
    catalogue), or the tracks it ranks, by position (a large one)."""
    if not whole:
        monkeypatch.setattr("moodtune.recommend.supply.PRELOAD_TRACKS", 0)
    on_file, in_memory = pair
    found = answers(in_memory)
    assert found == answers(on_file)
    for listed in found:
        ids = [track for track, *_ in listed]
        assert len(ids) == 8 and len(set(ids)) == 8
        assert all(0.0 <= score <= 1.0 for _, score, *_ in listed)
    assert answers(in_memory, artist_cap=None) == answers(on_file, artist_cap=None)


def test_plays_and_feedback_change_both_alike(pair):
    on_file, in_memory = pair
    first = answers(in_memory)
    shown = [track for track, *_ in first[0]]
    for catalogue in pair:
        before = catalogue.revision
        for track in shown[:3]:
            catalogue.record_played(track)
        catalogue.add_feedback(shown[3], liked=False, context={"emotion": "anger"})
        catalogue.add_feedback(shown[4], liked=True)
        catalogue.add_feedback(shown[5], liked=False)
        catalogue.add_feedback(shown[5], liked=True)  # the latest verdict counts
        assert catalogue.revision == before  # the tracks did not change
    again = answers(in_memory)
    assert again == answers(on_file)
    assert not {track for track, *_ in again[0]} & set(shown[:4])  # played or disliked
    assert again != first


def test_the_synthetic_listener_learns_alike(pair):
    likes = lambda features: features.get("danceability", 0.0) > 0.6  # noqa: E731
    shares = [simulate(c, MusicRecommender(c, seed=1), likes, rounds=4, k=5, seed=2) for c in pair]
    assert shares[0] == shares[1]


def test_recommend_cached_answers_from_memory(pair):
    _, in_memory = pair
    recommender = MusicRecommender(in_memory, seed=3)
    recommender.warm()
    first = recommender.recommend("sadness", 5, "match")
    assert [r.track_id for r in recommender.recommend_cached("sadness", 5, "match")] == [
        r.track_id for r in first
    ]
    held, answered = threading.Event(), threading.Event()
    released: list[bool] = []

    def hold() -> None:  # a writer holding the catalogue's lock, as record_played does
        with in_memory._lock:
            held.set()
            released.append(answered.wait(60))

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(60)
        quick = recommender.recommend_cached("sadness", 5, "match")  # would wait for the lock
    finally:
        answered.set()
        thread.join()
    assert released == [True] and [r.track_id for r in quick] == [r.track_id for r in first]


def test_bad_track_ids_and_an_empty_catalogue_are_refused(pair):
    _, in_memory = pair
    with pytest.raises(MoodtuneError, match="no track with id 'nope'"):
        in_memory.record_played("nope")
    with pytest.raises(MoodtuneError, match="no track with id 'nope'"):
        in_memory.add_feedback("nope", liked=True)


def test_the_web_service_serves_a_memory_catalogue(pair):
    """The web's service reads the catalogue through the protocol only: recommendations,
    health, plays, 👍/👎 and playlists work on a catalogue in memory."""
    from moodtune.recommend.target import resolve_target
    from moodtune.web.service import MoodService, NotFoundError

    services = [MoodService(c, MusicRecommender(c, seed=4)) for c in pair]
    target = resolve_target(emotion="sad")
    given = [s.recommend(target, 5, "match").tracks() for s in services]
    assert given[0] == given[1] and len(given[1]) == 5
    health = [s.health_now() or s.health() for s in services]
    assert health[1]["tracks"] == 400 and health[1]["model_version"] == health[0]["model_version"]
    first = given[1][0]["track_id"]
    for service in services:
        service.played(first)
        service.feedback(given[1][1]["track_id"], False, {"emotion": "sadness"})
    again = [s.recommend(target, 5, "match").tracks() for s in services]
    assert again[0] == again[1]
    assert not {first, given[1][1]["track_id"]} & {t["track_id"] for t in again[1]}
    assert services[1].playlist([first], "csv", "mine") == services[0].playlist(
        [first], "csv", "mine"
    )
    with pytest.raises(NotFoundError):
        services[1].played("nope")


def test_the_history_and_the_journal_in_memory_are_those_of_sqlite(pair):
    """Through the web's service: the history lists, undoes and clears alike; the mood
    journal keeps, lists and gives back a request alike."""
    from moodtune.recommend.target import resolve_target
    from moodtune.web.journal import keep, past_list, the_journal
    from moodtune.web.service import MoodService, NotFoundError

    services = [MoodService(c, MusicRecommender(c, seed=6)) for c in pair]
    target = resolve_target(emotion="happy")
    given = services[0].recommend(target, 4, "uplift").tracks()
    first, second = given[0]["track_id"], given[1]["track_id"]
    shown = []
    for service in services:
        service.played(first)
        service.feedback(second, True, {"emotion": "happiness"})
        service.feedback(second, True, None)  # the same verdict again: one entry
        number = keep(service, None, target, "uplift", given)
        events = service.history(10)
        journal = the_journal(service, 10)
        shown.append(
            (
                [(e["kind"], e["track"]["track_id"], e["track"]["reason"]) for e in events],
                [
                    (r["source"], r["emotion"], r["mode"], [t["track_id"] for t in r["tracks"]])
                    for g in journal
                    for r in g["requests"]
                ],
                past_list(service, number),
            )
        )
        service.undo(events[0]["id"])  # the like
        assert service.catalogue.verdict(second) is None
        with pytest.raises(NotFoundError):
            service.undo(events[0]["id"])
        assert service.clear_history() == 2  # the play and the request
        assert service.history(10) == [] and the_journal(service, 10) == []
    assert shown[0] == shown[1]
    events, journal, tracks = shown[1]
    assert events == [("like", second, "liked for happiness"), ("play", first, "played")]
    assert journal == [("picked", "happiness", "uplift", [t["track_id"] for t in given])]
    assert [track for track, _, _ in tracks] == [t["track_id"] for t in given]
