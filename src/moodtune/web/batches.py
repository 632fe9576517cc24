"""A queue of short calls run in batches by one worker thread of its own.

Examples
--------
>>> import asyncio
>>> async def main():
...     batcher = Batcher(capacity=4, what="sums")
...     return await asyncio.gather(batcher.run(sum, [1, 2]), batcher.run(max, [3, 4]))
>>> asyncio.run(main())
[3, 4]
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from moodtune.web.limits import MAX_RETRY_AFTER, RETRY_AFTER_SECONDS, Overloaded

__all__ = ["Batcher"]

T = TypeVar("T")


class Batcher:
    """Run calls queued on the event loop one after another in one worker thread, a batch at
    a time, at most ``capacity`` waiting (then :class:`Overloaded`, with ``Retry-After``).

    For many short calls that share what they read (recommendations for a named emotion after
    the catalogue changed: the first call reads the changed history, the others find it in
    memory): one thread hop and one turn of the catalogue's lock per batch instead of one per
    call, so they do not queue behind each other's hand-overs and lock waits.
    """

    def __init__(self, capacity: int, what: str, clock: Callable[[], float] = time.monotonic):
        if capacity < 1:
            raise ValueError(f"capacity must be ≥ 1; got {capacity}")
        self.capacity = capacity
        self.what = what
        self.clock = clock
        self.pending: list[tuple[Callable[..., Any], tuple, asyncio.Future]] = []
        self.limiter = anyio.CapacityLimiter(1)
        self.mean_seconds = 0.0  # per call, an exponential average
        self._draining = False
        self._task: asyncio.Future | None = None

    def retry_after(self) -> int:
        """Seconds a refused caller should wait: the calls ahead times the mean call."""
        estimate = self.mean_seconds * (len(self.pending) + 1)
        return int(min(MAX_RETRY_AFTER, max(RETRY_AFTER_SECONDS, math.ceil(estimate))))

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` in the batch thread, or :class:`Overloaded` when too many wait."""
        if len(self.pending) >= self.capacity:
            wait = self.retry_after()
            raise Overloaded(
                f"the server is busy ({self.capacity} {self.what} queued); retry in {wait} s",
                retry_after=wait,
            )
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self.pending.append((func, args, future))
        if not self._draining:
            self._draining = True
            self._task = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                outcomes = await anyio.to_thread.run_sync(
                    self._run_all, batch, limiter=self.limiter
                )
                for (_, _, future), (done, value) in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue  # the client went away
                    if done:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            self._draining = False

    def _run_all(self, batch: list) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        for func, args, _ in batch:
            started = self.clock()
            try:
                outcomes.append((True, func(*args)))
            except Exception as error:  # handed to its own request
                outcomes.append((False, error))
            self.mean_seconds += (self.clock() - started - self.mean_seconds) * 0.05
        return outcomes
