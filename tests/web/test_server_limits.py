"""``moodtune serve``'s protocol (moodtune.web.server): deadlines for the request head and body,
a limit on the head's size, and a JSON 503 at the connection limit. The protocol runs on a
recording loop and transport, so deadlines fire when the test says (no real waiting)."""

from __future__ import annotations

import json
import sys

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from moodtune.web import server
from moodtune.web.server import GuardedHttpToolsProtocol, uvicorn_options


class Timer:
    def __init__(self, delay: float, callback) -> None:
        self.delay, self.callback, self.cancelled = delay, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class Loop:
    """Records call_later; tasks (the app) are recorded, not run."""

    def __init__(self) -> None:
        self.timers: list[Timer] = []
        self.tasks: list = []

    def call_later(self, delay, callback, *args):
        self.timers.append(Timer(delay, callback))
        return self.timers[-1]

    def create_task(self, coroutine, **_):
        self.tasks.append(coroutine.cr_frame.f_locals.get("app"))  # the ASGI app it would run
        coroutine.close()

        class Task:
            def add_done_callback(self, callback) -> None:
                pass

        return Task()

    def pending(self) -> list[Timer]:
        return [t for t in self.timers if not t.cancelled]


class Transport:
    def __init__(self) -> None:
        self.written = b""
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def app(scope, receive, send) -> None:  # never run: the loop records tasks only
    raise AssertionError


def connect(limit: int | None = None):
    config = Config(app, limit_concurrency=limit, log_level="error")
    config.load()
    loop, transport = Loop(), Transport()
    protocol = GuardedHttpToolsProtocol(config, ServerState(), {}, _loop=loop)
    protocol.connection_made(transport)
    return protocol, loop, transport


def answer(transport: Transport) -> tuple[int, dict[str, str], dict]:
    head, _, body = transport.written.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


def test_a_slow_request_head_is_answered_408_and_closed():
    protocol, loop, transport = connect()
    protocol.data_received(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # and then nothing
    (deadline,) = loop.pending()
    assert deadline.delay == server.HEAD_TIMEOUT
    deadline.callback()
    status, headers, body = answer(transport)
    assert status == 408 and headers["content-type"] == "application/json"
    assert "head" in body["detail"] and transport.closed


def test_a_connection_that_sends_nothing_is_closed_too():
    _protocol, loop, transport = connect()
    loop.pending()[0].callback()
    assert transport.closed and answer(transport)[0] == 408


def test_a_huge_header_is_refused_431_before_it_is_all_read():
    protocol, _loop, transport = connect()
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
    chunk = b"a" * 16384
    sent = 0
    while not transport.closed and sent < 10 * server.MAX_HEAD_BYTES:
        protocol.data_received(chunk)
        sent += len(chunk)
    assert transport.closed and sent <= server.MAX_HEAD_BYTES + len(chunk)
    status, _, body = answer(transport)
    assert status == 431 and "64 KB" in body["detail"]


def test_a_complete_head_starts_the_app_and_a_stalled_body_is_dropped():
    protocol, loop, transport = connect()
    protocol.data_received(
        b"POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"emo'
    )
    assert len(loop.tasks) == 1 and not transport.closed  # the app got the request
    idle = [t for t in loop.pending() if t.delay == server.BODY_IDLE_TIMEOUT]
    whole = [t for t in loop.pending() if t.delay == server.BODY_TIMEOUT]
    assert len(idle) == 1 and len(whole) == 1
    protocol.data_received(b"tion")  # progress restarts the pause deadline
    assert idle[0].cancelled
    (idle,) = [t for t in loop.pending() if t.delay == server.BODY_IDLE_TIMEOUT]
    idle.callback()
    assert transport.closed
    protocol.connection_lost(None)  # what the event loop does after a close
    assert protocol.cycle.disconnected  # the app sees a client that went away
    assert loop.pending() == []


def test_a_complete_request_has_no_deadline_left():
    protocol, loop, _transport = connect()
    protocol.data_received(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert loop.tasks == [protocol.app]  # uvicorn's wrapper around the app
    assert loop.pending() == [], "no head/body deadline while the app answers"


def test_over_the_connection_limit_the_answer_is_a_json_503():
    protocol, loop, _transport = connect(limit=1)
    protocol.connections.add(object())  # another connection is open
    protocol.data_received(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert loop.tasks == [server._busy] and protocol.app is not server._busy  # only this once
    import asyncio

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    asyncio.run(server._busy({}, None, send))
    start = sent[0]
    assert start["status"] == 503 and (b"retry-after", b"1") in start["headers"]
    assert json.loads(sent[1]["body"])["detail"].startswith("the server has too many")


def test_serve_gives_uvicorn_the_limits(monkeypatch):
    options = uvicorn_options()
    assert options["http"] == "moodtune.web.server:GuardedHttpToolsProtocol"
    assert options["timeout_keep_alive"] == server.KEEP_ALIVE_TIMEOUT
    assert 16 <= options["limit_concurrency"] <= server.MAX_CONNECTIONS
    assert options["h11_max_incomplete_event_size"] == server.MAX_HEAD_BYTES
    config = Config(app, **options)
    config.load()
    assert config.http_protocol_class is GuardedHttpToolsProtocol


def test_serve_passes_the_options_to_uvicorn(monkeypatch, catalogue_path, tmp_path):
    import sqlite3

    import uvicorn

    from moodtune.cli.main import main

    copy = tmp_path / "catalogue.sqlite"
    with sqlite3.connect(catalogue_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    given: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: given.update(kwargs))
    monkeypatch.setattr(sys, "argv", ["moodtune", "serve", "--catalogue", str(copy)])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code in (0, None)
    assert given["http"] == "moodtune.web.server:GuardedHttpToolsProtocol"
    assert given["timeout_keep_alive"] == server.KEEP_ALIVE_TIMEOUT
    assert given["limit_concurrency"] >= 16 and given["server_header"] is False
    # moodtune's own log lines (a client that went away, ...) go through uvicorn's handler.
    assert given["log_config"]["loggers"]["moodtune"]["handlers"] == ["default"]


def test_a_request_the_parser_cannot_read_is_a_json_400():
    protocol, _loop, transport = connect()
    protocol.data_received(b"NOT AN HTTP REQUEST\r\n\r\n")
    status, headers, body = answer(transport)
    assert status == 400 and headers["content-type"] == "application/json"
    assert "not an HTTP/1.1 request" in body["detail"] and transport.closed
