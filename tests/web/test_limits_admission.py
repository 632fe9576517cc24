"""Admission by cost (issue 22, item 2): cheap answers never wait behind expensive work.

A reader injected into a real server (uvicorn on 127.0.0.1, real SQLite catalogue) blocks
until the test releases it, so the expensive pool is full for as long as the test needs,
without any sleep; meanwhile the cheap requests must be answered.
"""

from __future__ import annotations

import threading

import httpx
import pytest

from moodtune.web import create_app
from moodtune.web.limits import WorkGate

from .live import QuickReader, serving, small_catalogue

#: A safety net only: a regression fails the test instead of hanging it.
NET = 120


class HeldReader(QuickReader):
    """Reads like :class:`QuickReader` once the test releases it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def read(self, image, text):
        self.entered.set()
        assert self.release.wait(NET)
        return super().read(image, text)


@pytest.fixture
def held(tmp_path):
    catalogue = small_catalogue(tmp_path)
    reader = HeldReader()
    app = create_app(catalogue=catalogue, reader=reader)
    with serving(app) as url:
        yield url, app, reader, catalogue
        reader.release.set()
    catalogue.close()


def audio_track(catalogue) -> str:
    for record in catalogue.tracks_by_rowid(range(1, 29)).values():
        if catalogue.audio_path(record.track_id) is not None:
            return record.track_id
    raise AssertionError("the built-in catalogue has no local audio")


def test_cheap_requests_are_answered_while_the_expensive_pool_is_full(held):
    url, app, reader, catalogue = held
    workshop = app.state.workshop
    workshop.read_gate = WorkGate(1, 0, "readings")  # one reading at a time, none queued
    answers: list[httpx.Response] = []
    reading = threading.Thread(
        target=lambda: answers.append(
            httpx.post(f"{url}/api/emotion", data={"text": "so tired"}, timeout=NET)
        )
    )
    reading.start()
    try:
        assert reader.entered.wait(NET), "the reading did not start"
        # The expensive pool is full: another reading is refused at once, saying how long.
        refused = httpx.post(f"{url}/api/emotion", data={"text": "again"}, timeout=NET)
        assert refused.status_code == 503 and "busy" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) >= 1
        # The cheap ones are answered meanwhile.
        track = audio_track(catalogue)
        with httpx.Client(base_url=url, timeout=NET) as client:
            assert client.get("/api/health").status_code == 200
            body = {"emotion": "sadness", "mode": "calm", "k": 5}
            assert client.post("/api/recommend", json=body).status_code == 200
            played = client.post(f"/api/tracks/{track}/played", json={})
            assert played.status_code == 204  # the catalogue changed: memory must read again
            assert client.post("/api/recommend", json=body).status_code == 200
            part = client.get(f"/api/tracks/{track}/audio", headers={"Range": "bytes=0-65535"})
            assert part.status_code == 206 and len(part.content) == 65536
            assert part.headers["content-range"].startswith("bytes 0-65535/")
            assert client.get("/static/app.css").status_code == 200
        assert not answers, "the held reading finished early: the test proved nothing"
    finally:
        reader.release.set()
        reading.join(NET)
    assert answers[0].status_code == 200


def test_a_named_emotion_is_answered_while_new_distributions_are_refused(held):
    url, app, _, catalogue = held
    workshop = app.state.workshop
    gate = workshop.recommend_gate
    with httpx.Client(base_url=url, timeout=NET) as client:
        track = catalogue.tracks_by_rowid([3])[3].track_id
        gate.inside = gate.capacity  # every place of the expensive kind taken
        try:
            client.post("/api/feedback", json={"track_id": track, "liked": False})
            new = {"distribution": [0.1, 0.2, 0.1, 0.3, 0.1, 0.1, 0.1], "mode": "uplift", "k": 6}
            assert client.post("/api/recommend", json=new).status_code == 503
            named = client.post("/api/recommend", json={"emotion": "fear", "k": 6})
        finally:
            gate.inside = 0
    assert named.status_code == 200
    assert track not in {t["track_id"] for t in named.json()["tracks"]}  # the 👎 counted


def test_a_named_emotion_and_health_never_wait_for_a_writer(held):
    """The catalogue held by a writer (a 👎 not yet committed, as a worker thread holds it
    while writing): a warm named emotion and health are still answered, from memory on the
    event loop; once committed, the next answer leaves the disliked track out, at once."""
    from moodtune.recommend.target import resolve_target

    url, app, _, catalogue = held
    ask = {"emotion": "fear", "mode": "match", "k": 6}
    with httpx.Client(base_url=url, timeout=NET) as client:
        first = client.post("/api/recommend", json=ask).json()["tracks"]
        disliked = first[0]["track_id"]
        rowid = catalogue.rowid(disliked)
        writing, answered = threading.Event(), threading.Event()
        released: list[bool] = []

        def write() -> None:  # the 👎 is committed only once the answers below came
            with catalogue.transaction() as connection:
                connection.execute(
                    "INSERT INTO feedback (track, liked, context) VALUES (?, 0, NULL)", (rowid,)
                )
                writing.set()
                released.append(answered.wait(NET))

        writer = threading.Thread(target=write)
        writer.start()
        try:
            assert writing.wait(NET)
            during = client.post("/api/recommend", json=ask)  # a thread would wait for the lock
            health = client.get("/api/health")
        finally:
            answered.set()
            writer.join(NET)
        assert released == [True], "an answer waited for the writer"
        assert during.status_code == 200 and health.status_code == 200
        assert health.json()["tracks"] == catalogue.count()
        assert app.state.service.recommend_now(resolve_target(emotion="fear"), 6, "match")
        after = client.post("/api/recommend", json=ask).json()["tracks"]
    assert disliked not in {t["track_id"] for t in after}
