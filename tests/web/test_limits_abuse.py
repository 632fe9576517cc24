"""The server under abuse (issue 12): bounded work per request, a concurrency limit answering
503 with Retry-After, /api/health on the event loop, JSON depth and number limits, one log
line for a client that went away, one traceback for an unexpected error, JSON range errors
and a pixel budget for decoding."""

from __future__ import annotations

import logging
import threading

import anyio
import anyio.lowlevel
import numpy as np
import pytest

from moodtune.recommend.recommender import MusicRecommender
from moodtune.web.limits import MAX_JSON_DEPTH, PixelBudget, WorkGate

from .helpers import assert_error

# --- bounded work ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["uplift", "calm"])
def test_a_new_target_in_a_path_mode_reads_no_track_row(catalogue, mode):
    """Before: each of the k steps read the shown data of ~30 tracks from SQLite (10–20 ms of
    CPU per request at 28,000 tracks); now a small catalogue is read once, at warm-up."""
    recommender = MusicRecommender(catalogue, seed=5)
    recommender.warm()
    statements: list[str] = []
    connections = (catalogue._connection, catalogue._remembered._watch)  # and its change check
    for connection in connections:
        connection.set_trace_callback(statements.append)
    try:
        for weights in np.random.default_rng(1).dirichlet(np.ones(7), size=3):
            picks = recommender.recommend(weights.tolist(), k=30, mode=mode)
            assert len(picks) == 30
    finally:
        for connection in connections:
            connection.set_trace_callback(None)
    assert statements, "the recommender checks the history and dislikes at least"
    assert not [s for s in statements if "FROM tracks" in s], statements


def test_a_full_gate_answers_503_with_retry_after(client):
    gate: WorkGate = client.app.state.recommend_gate
    saved = gate.inside
    gate.inside = gate.capacity  # every place taken, as under 200 clients
    try:
        # A distribution never asked for: not cached, so it needs the thread pool.
        body = {"distribution": [0.11, 0.13, 0.17, 0.19, 0.23, 0.07, 0.1], "mode": "calm", "k": 7}
        response = client.post("/api/recommend", json=body)
    finally:
        gate.inside = saved
    assert_error(response, 503, "busy")
    assert response.headers["retry-after"] == "1"
    assert client.post("/api/recommend", json=body).status_code == 200


def test_the_gate_refuses_without_waiting():
    async def main() -> None:
        gate = WorkGate(1, 1, "things")
        async with gate.slot(), gate.slot():
            with pytest.raises(Exception, match="busy") as refused:
                async with gate.slot():
                    pass
            assert getattr(refused.value, "status", None) == 503
        assert gate.inside == 0
        assert await gate.run(sum, [1, 2]) == 3

    anyio.run(main)


def test_health_answers_while_the_catalogue_is_busy(client, catalogue):
    """Before: /api/health queued in the thread pool and waited for the catalogue's lock."""
    service = client.app.state.service
    answers: list[int] = []
    with service.catalogue._lock:  # another thread holds the catalogue (a long import, say)
        asking = threading.Thread(target=lambda: answers.append(client.get("/api/health")))
        asking.start()
        asking.join(60)  # a safety net so a regression fails instead of hanging
        done = not asking.is_alive()
    asking.join()
    assert done, "/api/health waited for the catalogue"
    assert answers[0].status_code == 200 and answers[0].json()["tracks"] == catalogue.count()


# --- JSON limits -----------------------------------------------------------------------------


DEEP = b"[" * 10_000 + b"]" * 10_000
JSON_ENDPOINTS = ["/api/recommend", "/api/feedback", "/api/tracks/x/played"]


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "words"),
    [
        (DEEP, ["nested", str(MAX_JSON_DEPTH)]),
        (b'{"emotion": ' + DEEP + b"}", ["nested"]),
        (b'{"k": 1' + b"0" * 5000 + b"}", ["number"]),
        (b'{"k": ' + b"9" * 60 + b"}", ["digits"]),
        (b'{"k": 1e999}', ["too large"]),
    ],
)
def test_deep_or_huge_json_is_a_400_with_a_reason(client, path, body, words):
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 400, *words)


def test_json_within_the_limits_is_still_read(client):
    nested = {"emotion": "sad", "k": 3, "mode": "match"}
    assert client.post("/api/recommend", json=nested).status_code == 200
    text = {"text": "the numbers " + "1" * 100, "k": 2}  # digits in a string are words
    assert client.post("/api/recommend", json=text).status_code == 200


# --- one log line per problem --------------------------------------------------------------------


def test_a_client_that_goes_away_mid_body_is_one_log_line(client, caplog):
    app = client.app
    sent: list[dict] = []
    messages = iter(
        [
            {"type": "http.request", "body": b'{"emotion": "sa', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict:
        return next(messages)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/recommend",
        "raw_path": b"/api/recommend",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"40")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
        "app": app,
    }
    with caplog.at_level(logging.INFO):
        anyio.run(app, scope, receive, send)
    ours = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(ours) == 1 and ours[0].exc_info is None
    assert not [r for r in caplog.records if r.exc_info], "no traceback is logged"
    assert not sent  # nobody to answer


def test_an_unexpected_error_is_one_traceback_and_a_json_500(client, caplog, monkeypatch):
    service = client.app.state.service

    def broken() -> dict:
        raise RuntimeError("a bug")

    monkeypatch.setattr(service, "health_now", broken)
    with caplog.at_level(logging.INFO):
        response = client.get("/api/health")  # the TestClient raised it before
    assert_error(response, 500, "internal error")
    assert "a bug" not in response.text
    assert len([r for r in caplog.records if r.exc_info]) == 1


# --- every error is JSON -------------------------------------------------------------------


def test_bad_ranges_are_json_errors(client, playable_id):
    url = f"/api/tracks/{playable_id}/audio"
    size = int(client.head(url).headers["content-length"])
    beyond = client.get(url, headers={"Range": f"bytes={size + 10}-"})
    assert_error(beyond, 416, "range")
    assert beyond.headers["content-range"] == f"bytes */{size}"
    assert_error(client.get(url, headers={"Range": "pages=1-2"}), 400, "range")
    assert_error(client.get(url, headers={"Range": "bytes=9-3"}), 400, "range")
    assert client.get(url, headers={"Range": "bytes=0-9"}).status_code == 206


# --- decoding memory ---------------------------------------------------------------------------


def test_the_pixel_budget_decodes_large_images_one_at_a_time():
    async def main() -> None:
        budget = PixelBudget(40_000_000)
        order: list[str] = []
        first = await budget(39_900_000)

        async def second() -> None:
            async with await budget(39_900_000):
                order.append("second decodes")

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(second)
            for _ in range(5):  # let the second one run as far as it can
                await anyio.lowlevel.checkpoint()
            order.append("first done")
            async with first:
                pass
        assert order == ["first done", "second decodes"]
        small = [await budget(1_000_000) for _ in range(8)]  # small ones go together
        assert budget.used == 8_000_000
        for held in small:
            async with held:
                pass
        assert budget.used == 0

    anyio.run(main)
