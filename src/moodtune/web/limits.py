"""Bounds on the work, memory and input of one request, so that the server stays available.

- :class:`WorkGate`: at most ``running`` calls at once in worker threads and at most
  ``waiting`` more queued; the next one is refused at once with :class:`Overloaded` (HTTP 503
  with ``Retry-After``: how long the calls ahead take) instead of queueing without end. The
  app keeps one gate per kind of cost (see :mod:`moodtune.web.deps`), so cheap answers never
  queue behind expensive ones.
- :class:`PixelBudget`: decoded images held at once, counted in pixels, so that eight 40-
  megapixel photos are decoded one after another, not together (each takes ~0.5 GB while it
  is read), while small photos still go two at a time.
- :func:`parse_json`: a JSON body with limits on nesting depth and on the size of numbers
  (400 with a reason), parsed by orjson (no recursion in Python).
- :class:`Guard`: an ASGI middleware that turns a client that went away mid-body into one log
  line, and any unexpected exception into one logged traceback and a JSON 500.
- :func:`return_freed_memory`: give the pages freed after a large decode back to the system.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import math
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from moodtune.errors import MoodtuneError

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_NUMBER_DIGITS",
    "MAX_RETRY_AFTER",
    "RETRY_AFTER_SECONDS",
    "BadJSON",
    "Guard",
    "Overloaded",
    "PixelBudget",
    "WorkGate",
    "image_pixels",
    "keep_large_buffers_returnable",
    "parse_json",
    "return_freed_memory",
]

log = logging.getLogger("moodtune.web")
T = TypeVar("T")

#: Deepest nesting of arrays/objects accepted in a JSON body (the API's bodies are 3 deep).
MAX_JSON_DEPTH = 32
#: Most digits accepted in one JSON number (a float has 17 significant digits).
MAX_NUMBER_DIGITS = 40
#: Seconds a client is told to wait (``Retry-After``) when the server is busy: at least this,
#: at most MAX_RETRY_AFTER (see :meth:`WorkGate.retry_after`).
RETRY_AFTER_SECONDS = 1
MAX_RETRY_AFTER = 30


class Overloaded(MoodtuneError):
    """The server has as much work queued as it accepts (HTTP 503 with ``Retry-After``)."""

    status = 503

    def __init__(self, message: str, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadJSON(MoodtuneError):
    """A request body that is not acceptable JSON (HTTP 400)."""

    status = 400


class WorkGate:
    """Run blocking calls in worker threads, ``running`` at once and ``waiting`` queued at most.

    ``what`` names the work in the 503 message. Counting is done on the event loop (no lock
    needed): a call is refused, without waiting, when ``running + waiting`` calls are already
    in the gate. The refusal says how long to wait: the calls ahead of a new one, times the
    recent mean time of one call (an exponential average, clock ``clock``), over the threads,
    from 1 to :data:`MAX_RETRY_AFTER` seconds.
    """

    def __init__(
        self,
        running: int,
        waiting: int,
        what: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if running < 1 or waiting < 0:
            raise ValueError(f"running must be ≥ 1 and waiting ≥ 0; got {running}, {waiting}")
        self.limiter = anyio.CapacityLimiter(running)
        self.running = running
        self.capacity = running + waiting
        self.what = what
        self.inside = 0
        self.clock = clock
        #: Recent mean seconds of one call (exponential average over about 20 calls).
        self.mean_seconds = 0.0

    def retry_after(self) -> int:
        """Seconds a refused caller should wait before trying again."""
        estimate = self.mean_seconds * (self.inside + 1) / self.running
        return int(min(MAX_RETRY_AFTER, max(RETRY_AFTER_SECONDS, math.ceil(estimate))))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """A place in the gate for the block (:class:`Overloaded` at once when it is full)."""
        if self.inside >= self.capacity:
            wait = self.retry_after()
            raise Overloaded(
                f"the server is busy ({self.capacity} {self.what} in progress or queued); "
                f"retry in {wait} s",
                retry_after=wait,
            )
        self.inside += 1
        try:
            yield
        finally:
            self.inside -= 1

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` in a worker thread, or :class:`Overloaded` when the gate is full."""
        async with self.slot():
            return await anyio.to_thread.run_sync(self.timed, func, *args, limiter=self.limiter)

    async def timed_async(self, func: Callable[..., Awaitable[T]], *args: Any) -> T:
        """``await func(*args)``, its time counted in :attr:`mean_seconds` (work done
        elsewhere, e.g. in a worker process, while the caller holds :attr:`limiter`)."""
        started = self.clock()
        try:
            return await func(*args)
        finally:
            took = self.clock() - started
            self.mean_seconds += (took - self.mean_seconds) * 0.05

    def timed(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)``, its time counted in :attr:`mean_seconds` (in the worker thread)."""
        started = self.clock()
        try:
            return func(*args)
        finally:
            took = self.clock() - started
            self.mean_seconds += (took - self.mean_seconds) * 0.05


class PixelBudget:
    """A semaphore counted in pixels: images are decoded only while the pixels being decoded
    stay within ``budget`` (an image larger than the budget waits until it is alone).

    Used on the event loop only (anyio primitives, no thread lock).
    """

    def __init__(self, budget: int) -> None:
        if budget < 1:
            raise ValueError(f"budget must be ≥ 1; got {budget}")
        self.budget = int(budget)
        self.used = 0
        self._changed = anyio.Event()

    async def __call__(self, pixels: int) -> _Held:
        want = max(1, min(int(pixels), self.budget))
        while self.used + want > self.budget:
            event = self._changed
            await event.wait()
        self.used += want
        return _Held(self, want)

    def _release(self, pixels: int) -> None:
        self.used -= pixels
        event, self._changed = self._changed, anyio.Event()
        event.set()


class _Held:
    def __init__(self, budget: PixelBudget, pixels: int) -> None:
        self.budget, self.pixels = budget, pixels

    async def __aenter__(self) -> _Held:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.budget._release(self.pixels)


def image_pixels(data: bytes) -> int:
    """Width × height from an image's header (Pillow reads only the header), 0 if unknown."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as picture:
            width, height = picture.size
    except Exception:  # the reader gives the one-line reason for a bad image
        return 0
    return int(width) * int(height)


def parse_json(body: bytes) -> Any:
    """Parse a JSON body with limits: at most :data:`MAX_JSON_DEPTH` levels of nesting and
    :data:`MAX_NUMBER_DIGITS` digits per number; NaN/Infinity and numbers that overflow a
    double are refused. Raises :class:`BadJSON` (400) naming what was wrong."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        reason = str(error)
        if "depth" in reason or "recursion" in reason:
            raise BadJSON(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels") from None
        if "infinity" in reason:
            raise BadJSON("a number in the JSON body is too large") from None
        raise BadJSON(f"the body is not valid JSON ({reason})") from None
    _check_tree(data)
    if _LONG_DIGITS.search(body):  # maybe a long number (orjson rounds it to a float)
        json.loads(body, parse_int=_number, parse_float=_number)
    return data


_LONG_DIGITS = re.compile(rb"\d{%d}" % (MAX_NUMBER_DIGITS + 1))


def _number(text: str) -> float:
    if sum(c.isdigit() for c in text) > MAX_NUMBER_DIGITS:
        raise BadJSON(f"a number in the JSON body has more than {MAX_NUMBER_DIGITS} digits")
    return float(text)


def _check_tree(data: Any) -> None:
    """Depth and number checks on a parsed body (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadJSON(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(value, float) and not math.isfinite(value):
            raise BadJSON("a number in the JSON body is too large")


# --- errors and disconnects -------------------------------------------------------------------


class Guard:
    """Outermost handling of what the route handlers did not answer.

    A client that disconnects while sending its body ends the request with one log line
    (``Starlette``'s ``ClientDisconnect``; nothing can be sent to it). Any other exception is
    logged once, with its traceback, and answered ``500 {"detail": ...}`` when no answer has
    started; it is not raised further (the server would log it a second time).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        from starlette.requests import ClientDisconnect

        try:
            await self.app(scope, receive, tracked)
        except ClientDisconnect:
            log.info(
                "client %s went away while sending the body of %s %s",
                _client(scope),
                scope.get("method"),
                scope.get("path"),
            )
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                body = orjson.dumps(
                    {
                        "detail": "internal error: the server could not answer this request",
                        "errors": [],
                    }
                )
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "unknown"


# --- memory -------------------------------------------------------------------------------------

_M_MMAP_THRESHOLD = -3
_LIBC: Any = None


def _libc() -> Any:
    global _LIBC
    if _LIBC is None:
        name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
        try:
            _LIBC = ctypes.CDLL(name) if name else False
            _LIBC.malloc_trim  # noqa: B018  (glibc only; musl has no malloc_trim)
        except (OSError, AttributeError):
            _LIBC = False
    return _LIBC


def keep_large_buffers_returnable(threshold: int = 4 * 1024 * 1024) -> bool:
    """Make glibc serve every allocation of ``threshold`` bytes or more with its own mmap,
    returned to the system when freed (glibc otherwise raises this threshold after large
    frees, up to 32 MB, and keeps such buffers in its heaps: 1.7 GB stayed held after eight
    40-megapixel photos). Returns False where it does not apply (not glibc)."""
    libc = _libc()
    if not libc:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, int(threshold)))


def return_freed_memory() -> None:
    """Give free heap pages back to the system (glibc ``malloc_trim``; nothing elsewhere)."""
    libc = _libc()
    if libc:
        libc.malloc_trim(0)
