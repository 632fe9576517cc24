"""The plays and 👍/👎 of the web app, written by one thread of their own, a batch at a time.

Issue 22: under 200 mixed clients a 👍 took 0.9 s although writing it costs under a
millisecond. Each write ran in a thread of the shared pool, looked its track up, took the
catalogue's lock, committed, and read the changed catalogue again (the recent plays, the
latest 👍/👎, their mask and taste) before letting the next writer in; every SQLite call
gives the GIL up, and taking it back from the event loop and dozens of other threads cost
about a millisecond each time. :class:`Writes` hands every write to one thread: it takes all
the writes waiting when it wakes, runs them in one transaction of the catalogue's
(``Store.batch``: one commit, one reading again of what changed, for the whole batch),
then wakes each request on its own event loop. A write is answered once its batch is
committed and read again, so the recommendations asked after it follow it.

Examples
--------
>>> import asyncio
>>> writes = Writes()
>>> asyncio.run(writes.run(sum, [1, 2]))
3
>>> writes.close()
"""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from typing import Any, TypeVar

from moodtune.web.limits import MAX_RETRY_AFTER, RETRY_AFTER_SECONDS, Overloaded

__all__ = ["MAX_BATCH", "WRITE_QUEUE", "Writes"]

log = logging.getLogger("moodtune.web")

T = TypeVar("T")
#: Writes waiting for the writer thread, at most (then 503 with ``Retry-After``).
WRITE_QUEUE = 1024
#: Writes in one batch (one transaction) at most: the catalogue's lock is held that long.
MAX_BATCH = 64
#: An item of the queue: the call, its arguments, the loop and the future of its request.
_Item = tuple[Callable[..., Any], tuple, asyncio.AbstractEventLoop, asyncio.Future]


class Writes:
    """A queue of writes run by one thread of its own, a batch at a time (see the module).

    ``writing`` gives the context a batch runs in (``Store.batch``: one transaction;
    when it fails, every write of the batch fails with its error); ``after`` is called after
    each batch (the service reads what the recommendations need of the changed catalogue);
    at most ``capacity`` writes wait (then :class:`~moodtune.web.limits.Overloaded`).
    """

    def __init__(
        self,
        writing: Callable[[], AbstractContextManager[Any]] | None = None,
        after: Callable[[], None] | None = None,
        capacity: int = WRITE_QUEUE,
    ) -> None:
        self.writing = writing or nullcontext
        self.after = after
        self.capacity = capacity
        self.mean_seconds = 0.0  # per write, an exponential average
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._waiting = 0
        self._thread: threading.Thread | None = None

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` in the writer thread, in a batch; :class:`Overloaded` when
        :attr:`capacity` writes already wait."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        with self._lock:
            if self._waiting >= self.capacity:
                wait = int(min(MAX_RETRY_AFTER, max(RETRY_AFTER_SECONDS, self._estimate())))
                raise Overloaded(
                    f"the server is busy ({self.capacity} plays and 👍/👎 queued); "
                    f"retry in {wait} s",
                    retry_after=wait,
                )
            self._waiting += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="moodtune-writes")
                self._thread.daemon = True
                self._thread.start()
        self._queue.put((func, args, loop, future))
        return await future

    def _estimate(self) -> float:
        return math.ceil(self.mean_seconds * (self._waiting + 1))

    def close(self) -> None:
        """Stop the writer thread once the writes queued are done."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=30)

    def _serve(self) -> None:
        """The writer thread: a batch of every write waiting, until :meth:`close`."""
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = [first], False
            while len(batch) < MAX_BATCH and not stop:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                else:
                    batch.append(item)
            outcomes = self._write(batch)
            with self._lock:
                self._waiting -= len(batch)
            for (_, _, loop, future), outcome in zip(batch, outcomes, strict=True):
                with suppress(RuntimeError):  # unless that request's event loop is closed
                    loop.call_soon_threadsafe(_settle, future, outcome)
            if stop:
                return

    def _write(self, batch: list[_Item]) -> list[tuple[bool, Any]]:
        """Every write of ``batch`` in :attr:`writing`, then :attr:`after`."""
        outcomes: list[tuple[bool, Any]] = []
        try:
            with self.writing():
                for func, args, _, _ in batch:
                    started = time.perf_counter()
                    try:
                        outcomes.append((True, func(*args)))
                    except Exception as error:  # handed to its own request
                        outcomes.append((False, error))
                    self.mean_seconds += (time.perf_counter() - started - self.mean_seconds) / 20
        except Exception as error:  # rolled back: none of them was written
            outcomes = [(False, error if done else value) for done, value in outcomes]
            outcomes += [(False, error)] * (len(batch) - len(outcomes))
        if self.after is not None:
            try:
                self.after()
            except Exception as error:  # written: the next recommendation reads it again
                log.warning("could not read the catalogue again after writing: %s", error)
        return outcomes


def _settle(future: asyncio.Future, outcome: tuple[bool, Any]) -> None:
    """Give a request its write's outcome (on its event loop), unless it went away."""
    if future.done():
        return
    done, value = outcome
    if done:
        future.set_result(value)
    else:
        future.set_exception(value)
