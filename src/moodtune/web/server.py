"""uvicorn as ``moodtune serve`` runs it: timeouts, a limit on the request head, a connection
limit, all answered in JSON.

uvicorn (0.29–0.54 read) has ``timeout_keep_alive`` (idle time between two requests of a
connection) and ``limit_concurrency`` (answer 503 once that many connections or tasks
exist), and, for its h11 parser only, ``h11_max_incomplete_event_size`` (the largest request
head). It has no limit on the time a client may take to send its request head or body, and
its httptools parser has no limit on the size of the head: 2,000 clients sending a request
one byte at a time stayed connected indefinitely, and a 136 MB header was read whole.
:class:`GuardedHttpToolsProtocol` adds these to uvicorn's httptools protocol:

- the request head (request line and headers) must arrive within :data:`HEAD_TIMEOUT`
  seconds of the connection (or of the first byte of the next request on a kept-alive
  connection), else ``408`` and the connection is closed;
- the head may be at most :data:`MAX_HEAD_BYTES`, else ``431`` and close;
- the body may pause at most :data:`BODY_IDLE_TIMEOUT` seconds between two chunks and must
  be complete within :data:`BODY_TIMEOUT` seconds, else the connection is closed (the app sees
  a client that went away: one log line);
- ``limit_concurrency`` is answered with a JSON 503 and ``Retry-After`` (uvicorn's own is
  plain text).
"""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = [
    "BODY_IDLE_TIMEOUT",
    "BODY_TIMEOUT",
    "HEAD_TIMEOUT",
    "KEEP_ALIVE_TIMEOUT",
    "MAX_CONNECTIONS",
    "MAX_HEAD_BYTES",
    "RESERVED_FILES",
    "GuardedHttpToolsProtocol",
    "connection_limit",
    "log_config",
    "uvicorn_options",
]

log = logging.getLogger("moodtune.web")

#: Seconds a client has to send a request's line and headers.
HEAD_TIMEOUT = 10.0
#: Largest request head accepted, in bytes (request line and headers together).
MAX_HEAD_BYTES = 64 * 1024
#: Longest pause, in seconds, between two chunks of a request body.
BODY_IDLE_TIMEOUT = 15.0
#: Seconds a whole request body may take (a 20 MB photo at 2 Mbit/s takes 80 s).
BODY_TIMEOUT = 120.0
#: Seconds an idle kept-alive connection stays open (uvicorn's ``timeout_keep_alive``).
KEEP_ALIVE_TIMEOUT = 5
#: Open connections above which requests are answered 503 (uvicorn's ``limit_concurrency``);
#: also capped by the open-file limit, see :func:`connection_limit`.
MAX_CONNECTIONS = 4096
#: File descriptors kept for everything but connections (the catalogue, models, logs).
RESERVED_FILES = 128


def _json_answer(status: int, detail: str, extra: list[tuple[bytes, bytes]] = ()) -> bytes:
    """A complete HTTP/1.1 response with a JSON error body that closes the connection."""
    from http import HTTPStatus

    body = orjson.dumps({"detail": detail, "errors": []})
    head = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode(),
        b"content-type: application/json",
        b"content-length: " + str(len(body)).encode(),
        b"connection: close",
        *(name + b": " + value for name, value in extra),
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


async def _busy(scope: Any, receive: Any, send: Any) -> None:
    """The ASGI answer when ``limit_concurrency`` is reached: JSON 503 with Retry-After."""
    body = orjson.dumps(
        {"detail": "the server has too many open connections; retry in 1 s", "errors": []}
    )
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines for the request head and body, a limit on
    the head's size, and a JSON 503 for ``limit_concurrency`` (see the module's docstring).

    ``clock``: the event loop's ``call_later`` schedules the deadlines (tests drive them by
    calling the handlers).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connection_limit = self.limit_concurrency
        self.limit_concurrency = None  # checked here, to answer in JSON
        self._head_bytes = 0
        self._in_head = True
        self._timer: asyncio.TimerHandle | None = None
        self._body_deadline: asyncio.TimerHandle | None = None

    # --- deadlines ---------------------------------------------------------------------------

    def _arm(self, seconds: float, handler: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, handler)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._body_deadline is not None:
            self._body_deadline.cancel()
        super().connection_lost(exc)

    def _start_head(self) -> None:
        self._in_head, self._head_bytes = True, 0
        self._arm(HEAD_TIMEOUT, self.head_too_slow)

    def head_too_slow(self) -> None:
        """The head did not arrive in time: 408 and close."""
        if self.transport.is_closing():
            return
        log.info("%s: request head not received within %g s; closed", self._who(), HEAD_TIMEOUT)
        self._refuse(408, f"the request head was not received within {HEAD_TIMEOUT:g} s")

    def body_too_slow(self) -> None:
        """The body stalled or took too long: close (the app sees a client that went away)."""
        if self.transport.is_closing():
            return
        log.info("%s: request body too slow; closed", self._who())
        self._disarm()
        self.transport.close()

    def _refuse(self, status: int, detail: str) -> None:
        self._disarm()
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_json_answer(status, detail))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """A request the parser cannot read: 400 with a JSON body (uvicorn's is plain text)."""
        self._disarm()
        self.transport.write(_json_answer(400, f"not an HTTP/1.1 request: {msg}"))
        self.transport.close()

    def _who(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else "a client"

    # --- parser events ---------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        elif self.cycle is not None and not self.cycle.response_complete and self._timer:
            self._arm(BODY_IDLE_TIMEOUT, self.body_too_slow)  # body data: pause restarts
        super().data_received(data)
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            log.info("%s: request head over %d bytes; refused", self._who(), MAX_HEAD_BYTES)
            self._refuse(431, f"the request head is larger than {MAX_HEAD_BYTES // 1024} KB")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_head:  # the next request on a kept-alive connection
            self._start_head()
        elif self._timer is None:
            self._arm(HEAD_TIMEOUT, self.head_too_slow)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._arm(BODY_IDLE_TIMEOUT, self.body_too_slow)
        if self._body_deadline is not None:
            self._body_deadline.cancel()
        self._body_deadline = self.loop.call_later(BODY_TIMEOUT, self.body_too_slow)
        limit = self._connection_limit
        busy = limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit)
        app = self.app
        if busy:
            log.warning("%s: over %d connections; answered 503", self._who(), limit)
            self.app = _busy
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def on_message_complete(self) -> None:
        self._disarm()
        if self._body_deadline is not None:
            self._body_deadline.cancel()
            self._body_deadline = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._in_head, self._head_bytes = True, 0  # the keep-alive timer runs meanwhile


def connection_limit() -> int:
    """Connections served at once: :data:`MAX_CONNECTIONS`, or fewer when the process may open
    fewer files (after raising the soft open-file limit as far as allowed)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_CONNECTIONS + RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, soft - RESERVED_FILES))


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging configuration, with moodtune's own messages (``moodtune.*``: a
    client that went away, a slow client dropped, an unexpected error) through the same
    handler, at ``level``."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    numeric = logging.getLevelName(level.upper())
    config["loggers"]["moodtune"] = {
        "handlers": ["default"],
        "level": level.upper() if isinstance(numeric, int) else "DEBUG",  # trace
        "propagate": False,
    }
    return config


def uvicorn_options(level: str = "info") -> dict[str, Any]:
    """The options ``moodtune serve`` gives ``uvicorn.run`` besides the app, host and port."""
    return {
        "log_config": log_config(level),
        "http": "moodtune.web.server:GuardedHttpToolsProtocol",
        "timeout_keep_alive": KEEP_ALIVE_TIMEOUT,
        "limit_concurrency": connection_limit(),
        # Used only if the h11 parser were chosen; the protocol above limits httptools.
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        "server_header": False,
    }
