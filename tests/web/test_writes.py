"""The writer thread of the web app (web/writes.py): the plays and 👍/👎 waiting are written a
batch at a time, each request gets its own outcome, a failed batch fails all its writes, and
a full queue answers 503 at once."""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager

import pytest

from moodtune.web.limits import Overloaded
from moodtune.web.writes import Writes


class Recorder:
    """A ``writing`` context and an ``after`` hook that note what happens, in order."""

    def __init__(self, fail_at_end: bool = False) -> None:
        self.events: list[str] = []
        self.fail_at_end = fail_at_end

    @contextmanager
    def writing(self):
        self.events.append("begin")
        yield
        if self.fail_at_end:
            raise OSError("disk full")
        self.events.append("commit")

    def after(self) -> None:
        self.events.append("read again")


async def _all(writes: Writes, gate: threading.Event, calls: list) -> list:
    """``calls`` queued while a first write, in a batch of its own, waits for ``gate`` (so
    that they make the next batch), and the outcomes (a value or the exception)."""
    started = threading.Event()

    def first() -> bool:
        started.set()
        return gate.wait()

    held = asyncio.ensure_future(writes.run(first))
    await asyncio.to_thread(started.wait)  # the writer thread is in the first batch
    rest = [asyncio.ensure_future(writes.run(*call)) for call in calls]
    await asyncio.sleep(0)  # every one queued
    gate.set()
    return await asyncio.gather(held, *rest, return_exceptions=True)


def test_the_writes_waiting_make_one_batch_each_with_its_outcome():
    recorder, gate = Recorder(), threading.Event()
    writes = Writes(recorder.writing, recorder.after)

    def fail() -> None:
        raise ValueError("this one")

    try:
        outcomes = asyncio.run(_all(writes, gate, [(recorder.events.append, "a"), (fail,)]))
    finally:
        writes.close()
    assert outcomes[0] is True and outcomes[1] is None
    assert isinstance(outcomes[2], ValueError)  # its own error, the others written
    # The first batch: the write that waited; the second: every write queued meanwhile.
    first, second = ["begin", "commit", "read again"], ["begin", "a", "commit", "read again"]
    assert recorder.events == first + second


def test_a_batch_that_cannot_be_committed_fails_every_write():
    recorder, gate = Recorder(fail_at_end=True), threading.Event()
    writes = Writes(recorder.writing, recorder.after)
    try:
        outcomes = asyncio.run(_all(writes, gate, [(len, "ab"), (len, "abc")]))
    finally:
        writes.close()
    assert all(isinstance(outcome, OSError) for outcome in outcomes)
    assert recorder.events.count("read again") == 2  # the catalogue is read again anyway


def test_a_full_queue_refuses_at_once_with_retry_after():
    gate = threading.Event()
    writes = Writes(capacity=1)

    async def main() -> tuple[int, object]:
        held = asyncio.ensure_future(writes.run(gate.wait))
        await asyncio.sleep(0)
        try:
            await writes.run(len, "x")
        except Overloaded as refused:
            gate.set()
            return refused.retry_after, await held
        raise AssertionError("not refused")

    try:
        retry_after, held = asyncio.run(main())
    finally:
        gate.set()
        writes.close()
    assert retry_after >= 1 and held is True


def test_close_stops_the_thread_after_the_writes_queued():
    writes = Writes()
    assert asyncio.run(writes.run(sum, [1, 2, 3])) == 6
    thread = writes._thread
    writes.close()
    assert thread is not None and not thread.is_alive()
    assert asyncio.run(writes.run(max, [1, 2])) == 2  # a write after it starts one again
    writes.close()


@pytest.mark.parametrize("capacity", [1, 3])
def test_the_count_of_waiting_writes_goes_back_to_zero(capacity):
    writes = Writes(capacity=capacity)

    async def main() -> list:
        return [await writes.run(abs, -n) for n in range(5)]

    try:
        assert asyncio.run(main()) == [0, 1, 2, 3, 4]
    finally:
        writes.close()
    assert writes._waiting == 0
