"""The listening history (issue 11): plays, likes and dislikes newest first, undo, clear.

Real SQLite (a private copy of the test catalogue) and the real app through TestClient.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from moodtune.catalogue.history import clear_history, undo
from moodtune.catalogue.sqlite import Catalogue
from moodtune.recommend.history import history
from moodtune.recommend.recommender import MusicRecommender

from .helpers import assert_error


@pytest.fixture
def private(catalogue_path: Path, tmp_path: Path) -> Iterator[Catalogue]:
    """A copy of the test catalogue, with an empty history, for one test."""
    copy = tmp_path / "catalogue.sqlite"
    with sqlite3.connect(catalogue_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with Catalogue.open(copy) as opened:
        clear_history(opened)
        yield opened


@pytest.fixture
def api(private: Catalogue, reader) -> Iterator:
    from fastapi.testclient import TestClient

    from moodtune.web import create_app

    with TestClient(create_app(catalogue=private, reader=reader)) as test_client:
        yield test_client


def recommended(catalogue: Catalogue, emotion: str = "sad") -> list[str]:
    """The ids a seeded recommender gives for ``emotion`` now (reproducible for the same
    catalogue, history and feedback)."""
    return [r.track_id for r in MusicRecommender(catalogue, seed=7).recommend(emotion, k=10)]


def test_history_lists_plays_likes_and_dislikes_newest_first(private):
    first, second = recommended(private)[:2]
    private.record_played(first)
    private.add_feedback(first, True, {"emotion": "sadness", "mode": "match"})
    private.add_feedback(second, False)
    events = history(private)
    assert [(e.kind, e.track.track_id) for e in events] == [
        ("dislike", second),
        ("like", first),
        ("play", first),
    ]
    assert events[1].track.reason == "liked for sadness" and events[2].track.reason == "played"
    assert events[1].context == {"emotion": "sadness", "mode": "match"}
    assert all(e.at.endswith("Z") and "T" in e.at for e in events)
    assert [e.kind for e in history(private, limit=1)] == ["dislike"]


def test_undoing_a_like_makes_later_rankings_forget_it(private):
    before = recommended(private)
    liked = before[-1]
    private.add_feedback(liked, True)
    with_like = recommended(private)
    assert with_like != before  # the like pulls tracks like it up
    (event,) = history(private)
    assert undo(private, event.id) is True
    assert recommended(private) == before
    assert len(private.liked_rowids()) == 0
    assert undo(private, event.id) is False  # already gone


def test_undoing_a_play_brings_the_track_back(private):
    before = recommended(private)
    private.record_played(before[0])
    assert before[0] not in recommended(private)  # recently played tracks are left out
    assert undo(private, history(private)[0].id)
    assert recommended(private) == before


def test_clear_removes_everything_and_says_how_much(private):
    ids = recommended(private)[:3]
    for track_id in ids:
        private.record_played(track_id)
    private.add_feedback(ids[0], False)
    assert clear_history(private) == 4
    assert history(private) == [] and private.stats().plays == 0
    assert private.feedback() == []


@pytest.mark.parametrize(
    "event_id", ["", "play", "play-x", "history-1", "play-1; DROP", "feedback--1"]
)
def test_malformed_ids_undo_nothing(private, event_id):
    private.record_played(recommended(private)[0])
    assert undo(private, event_id) is False
    assert len(history(private)) == 1


def test_history_api_lists_undoes_and_clears(api, private):
    ask = {"emotion": "sad", "mode": "match", "k": 5}
    tracks = api.post("/api/recommend", json=ask).json()["tracks"]
    played, liked = tracks[0]["track_id"], tracks[1]["track_id"]
    assert api.post(f"/api/tracks/{quote(played, safe='')}/played", json={}).is_success
    assert api.post("/api/feedback", json={"track_id": liked, "liked": True}).is_success

    events = api.get("/api/history").json()["events"]
    assert [(e["kind"], e["track"]["track_id"]) for e in events] == [
        ("like", liked),
        ("play", played),
    ]
    shown = events[0]["track"]
    assert set(tracks[1]) <= set(shown)  # the same track dict as recommendations
    assert shown["title"] == tracks[1]["title"] and shown["artist"] == tracks[1]["artist"]
    assert shown["audio_url"] == tracks[1]["audio_url"]
    assert api.get("/api/history", params={"limit": 1}).json()["events"] == events[:1]

    assert api.delete(f"/api/history/{events[0]['id']}").status_code == 204
    assert private.liked_rowids().size == 0
    assert_error(api.delete(f"/api/history/{events[0]['id']}"), 404, "no history entry")
    assert [e["kind"] for e in api.get("/api/history").json()["events"]] == ["play"]

    response = api.delete("/api/history")
    assert response.status_code == 200 and response.json() == {"removed": 1}
    assert api.get("/api/history").json() == {"events": []}
    assert api.delete("/api/history").json() == {"removed": 0}


@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/history?limit=0", "limit"), ("/api/history?limit=abc", "limit")],
)
def test_history_api_refuses_bad_limits(api, path, field):
    assert_error(api.get(path), 422, field)


def test_a_malformed_history_id_is_a_422(api):
    assert_error(api.delete("/api/history/not-an-id"), 422, "event_id")


def test_the_history_page_is_served_with_its_script(api):
    page = api.get("/history")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'id="history"' in page.text and "/static/history.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert api.get("/static/history.js").status_code == 200
    assert 'href="/history"' in api.get("/").text


# --- the mood journal and idempotent likes (issue 21) ------------------------------------------


def test_liking_a_track_twice_makes_one_entry(api, private):
    track = recommended(private)[0]
    for _ in range(3):
        assert api.post("/api/feedback", json={"track_id": track, "liked": True}).is_success
    assert [e["kind"] for e in api.get("/api/history").json()["events"]] == ["like"]
    # A change of mind is a new entry, and so is liking it again after that.
    api.post("/api/feedback", json={"track_id": track, "liked": False})
    api.post("/api/feedback", json={"track_id": track, "liked": True})
    kinds = [e["kind"] for e in api.get("/api/history").json()["events"]]
    assert kinds == ["like", "dislike", "like"]


def test_the_journal_keeps_each_request_and_its_list(api, private):
    asked = {"emotion": "sad", "mode": "uplift", "k": 4, "journal": True}
    first = api.post("/api/recommend", json=asked).json()
    words = api.post("/api/recommend", json={"text": "a quiet rainy day", "journal": True, "k": 3})
    unkept = api.post("/api/recommend", json={"emotion": "happy", "k": 3}).json()
    assert unkept["request_id"] is None  # only requests that ask to be kept

    [session] = api.get("/api/journal").json()["sessions"]  # asked within a minute
    later, earlier = session["requests"]
    assert earlier["id"] == first["request_id"] and later["id"] == words.json()["request_id"]
    assert (earlier["source"], earlier["emotion"], earlier["mode"]) == (
        "picked",
        "sadness",
        "uplift",
    )
    assert earlier["confidence"] == pytest.approx(1.0)
    assert [t["track_id"] for t in earlier["tracks"]] == [t["track_id"] for t in first["tracks"]]
    assert [t["reason"] for t in earlier["tracks"]] == [t["reason"] for t in first["tracks"]]
    assert later["source"] == "words" and 0 < later["confidence"] <= 1
    assert session["start"] == earlier["at"] and session["end"] == later["at"]

    # Exported again, the list keeps its real scores and reasons (not 0 and "chosen by").
    response = api.get(f"/api/journal/{first['request_id']}/playlist", params={"format": "csv"})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["reason"] for row in rows] == [t["reason"] for t in first["tracks"]]
    assert any(float(row["score"]) > 0 for row in rows)
    assert_error(api.get("/api/journal/999999/playlist"), 404, "journal")

    assert api.delete("/api/history").json()["removed"] == 2  # the journal goes with it
    assert api.get("/api/journal").json() == {"sessions": []}


def test_requests_hours_apart_are_separate_sessions(private):
    from moodtune.catalogue.journal import Asked, entries, record, sessions

    track = recommended(private)[0]
    for at in ["2026-12-01T08:00:00Z", "2026-12-01T08:10:00Z", "2026-12-01T20:00:00Z"]:
        record(private, Asked("words", "sadness", 0.8, "calm", [(track, 0.5, "step")]), at=at)
    groups = sessions(entries(private))
    assert [[e.at for e in group] for group in groups] == [
        ["2026-12-01T20:00:00Z"],
        ["2026-12-01T08:10:00Z", "2026-12-01T08:00:00Z"],
    ]


def test_an_older_catalogue_gets_the_journal_and_keeps_its_data(private):
    """A catalogue of schema 2 (no journal) opens with its history whole and an empty one."""
    from moodtune.catalogue.journal import entries

    private.record_played(recommended(private)[0])
    path = private.path
    private.close()
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TABLE requests")
        raw.execute("PRAGMA user_version=2")
    with Catalogue.open(path) as reopened:
        assert entries(reopened) == [] and len(history(reopened)) == 1
        assert reopened.stats().plays == 1


def test_a_writer_killed_mid_journal_leaves_the_file_whole(private):
    """kill -9 of a process writing the journal in a loop: the file passes SQLite's
    integrity check and every request kept reads back whole (each is one transaction)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from moodtune.catalogue.journal import entries

    track = recommended(private)[0]
    script = (
        "import sys\n"
        "from moodtune.catalogue.sqlite import Catalogue\n"
        "from moodtune.catalogue.journal import Asked, record\n"
        "with Catalogue.open(sys.argv[1]) as catalogue:\n"
        "    while True:\n"
        f"        listed = [({track!r}, 0.5, 'x')] * 50\n"
        "        record(catalogue, Asked('words', 'fear', 0.5, 'calm', listed))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writer = subprocess.Popen([sys.executable, "-c", script, str(private.path)], env=env)
    try:
        deadline = time.monotonic() + 60
        while len(entries(private, 1000)) < 30:  # polls the file until enough are written
            assert writer.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    with sqlite3.connect(private.path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = raw.execute("SELECT count(*) FROM requests").fetchone()[0]
    kept = entries(private, 1000)
    assert len(kept) == min(count, 1000) >= 30
    assert all(len(e.tracks) == 50 and e.emotion == "fear" for e in kept)
