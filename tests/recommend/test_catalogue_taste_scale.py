"""Feedback at scale (issue 22, item 1): the taste kept up to date from the rows added gives
the same answers as the definition read from the whole table, at 100,000 feedback rows, with
rows undone on the way (correctness only: the timing is benchmarks/abuse_dislikes.py)."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from moodtune.catalogue import queries
from moodtune.catalogue.sqlite import Catalogue
from moodtune.catalogue.taste import Taste
from moodtune.recommend.moods import aim
from moodtune.recommend.ranking import by_point
from moodtune.recommend.recommender import MusicRecommender, Request

WEIGHT = 0.3


def add_rows(path, rng: np.random.Generator, rowids: np.ndarray, count: int) -> None:
    """``count`` 👍/👎 rows for random tracks (a 👎 two times in three), written by another
    connection, as another process would."""
    tracks = rng.choice(rowids, size=count)
    liked = rng.random(count) < 1 / 3
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO feedback (track, liked) VALUES (?, ?)",
            zip(tracks.tolist(), liked.astype(int).tolist(), strict=True),
        )


def undo_rows(path, rng: np.random.Generator, count: int) -> None:
    """Delete ``count`` random feedback rows (the history's undo), from another connection."""
    with sqlite3.connect(path) as connection:
        ids = [row[0] for row in connection.execute("SELECT id FROM feedback")]
        gone = rng.choice(ids, size=count, replace=False).tolist()
        connection.executemany("DELETE FROM feedback WHERE id = ?", [(i,) for i in gone])


def brute_force(catalogue: Catalogue, target: str, k: int) -> list[str]:
    """The definition, from the whole table: rank every track for ``target`` (as ``match``
    ranks: :func:`by_point` at the target's aim), leave out those
    whose latest feedback is a 👎, order by score + weight × taste (the nearest of the 200
    most recent 👍 and 👎), keep the first k, shown by score."""
    liked = queries.latest_feedback(catalogue, True)
    disliked = queries.latest_feedback(catalogue, False)
    arrays = catalogue.arrays()
    request = Request.of(target, k, "match")
    ranking = by_point(arrays, aim(request.point), request.distribution, arrays.size)
    taste = Taste.of(arrays.vectors, arrays.indices(liked), arrays.indices(disliked))
    bonus = taste.scores(arrays.vectors[ranking.indices]).astype(np.float32).astype(float)
    total = ranking.scores + WEIGHT * bonus
    banned = set(arrays.indices(disliked).tolist())
    order = [i for i in np.argsort(-total, kind="stable") if ranking.indices[i] not in banned]
    chosen = sorted(order[:k], key=lambda i: -ranking.scores[i])  # shown best score first
    rows = arrays.rowids[ranking.indices[chosen]]
    records = catalogue.tracks_by_rowid(rows.tolist())
    return [records[int(r)].track_id for r in rows]


@pytest.mark.parametrize("target", ["sadness", "happiness"])
def test_100000_feedback_rows_give_the_answers_of_the_definition(
    tmp_path, emotion_model, make_table, target
):
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    catalogue.import_table(make_table(60, seed=4), source="small")
    recommender = MusicRecommender(
        catalogue,
        artist_cap=None,
        duplicate_distance=0,
        tolerance=0.0,
        exclude_recent=0,
        taste_weight=WEIGHT,
        seed=0,
    )
    rowids = catalogue.arrays().rowids
    rng = np.random.default_rng(22)
    steps = [("add", 40_000), ("add", 60_000), ("undo", 500), ("add", 7), ("undo", 3)]
    for what, count in steps:
        (add_rows if what == "add" else undo_rows)(
            catalogue.path, rng, *((rowids, count) if what == "add" else (count,))
        )
        assert (
            catalogue.disliked_rowids().tolist()
            == queries.latest_feedback(catalogue, False).tolist()
        )
        assert (
            catalogue.liked_rowids().tolist() == queries.latest_feedback(catalogue, True).tolist()
        )
        answer = [t.track_id for t in recommender.recommend(target, k=10)]
        assert answer == brute_force(catalogue, target, 10)
        again = recommender.recommend_cached(target, k=10)
        assert again is not None and [t.track_id for t in again] == answer
        disliked = catalogue.tracks_by_rowid(catalogue.disliked_rowids().tolist())
        banned = {record.track_id for record in disliked.values()}
        for mode in ("uplift", "calm"):
            assert not {t.track_id for t in recommender.recommend(target, 10, mode)} & banned
    catalogue.close()


def test_a_disliked_track_never_comes_back_however_deep_it_is(tmp_path, emotion_model, make_table):
    """Every track but three disliked: the search goes past all of them."""
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    catalogue.import_table(make_table(200, seed=5), source="small")
    recommender = MusicRecommender(catalogue, artist_cap=None, duplicate_distance=0, seed=1)
    first = recommender.recommend("anger", k=50)
    keep = {t.track_id for t in first[:3]}
    records = catalogue.tracks_by_rowid(catalogue.arrays().rowids.tolist()).values()
    for record in records:
        if record.track_id not in keep:
            catalogue.add_feedback(record.track_id, liked=False)
    for mode in ("match", "uplift", "calm"):
        assert {t.track_id for t in recommender.recommend("anger", 10, mode)} == keep
    catalogue.close()


def test_undone_rows_are_seen_even_when_the_counter_lost_its_trigger(
    tmp_path, emotion_model, make_table
):
    """A migration that rebuilds the feedback table drops its triggers: the catalogue then
    reads the whole table again rather than miss an undo."""
    catalogue = Catalogue.open(tmp_path / "c.sqlite", model=emotion_model, fill_builtin=False)
    catalogue.import_table(make_table(30, seed=6), source="small")
    rowids = catalogue.arrays().rowids
    add_rows(catalogue.path, np.random.default_rng(1), rowids, 300)
    assert catalogue.disliked_rowids().size > 0  # read once: the counter is in place
    with sqlite3.connect(catalogue.path) as connection:
        connection.execute("DROP TRIGGER feedback_undone_count")
        connection.execute("DELETE FROM feedback WHERE liked = 0")
    assert catalogue.disliked_rowids().size == 0
    assert catalogue.liked_rowids().tolist() == queries.latest_feedback(catalogue, True).tolist()
    catalogue.close()
