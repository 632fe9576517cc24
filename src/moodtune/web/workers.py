"""Image and words readings in worker processes of their own, at a lower CPU priority.

Why (issue 22, measured with ``benchmarks/bench_abuse.py --phases mixed``): in threads of the
server process, a reading's CPU work (decoding, face detection, the expression and words
models) competed for the server's two cores and its GIL with the event loop that answers the
cheap requests (a named emotion's recommendation, health, audio). In worker processes
started with a lower priority (``os.nice``, :data:`NICENESS`), the server process keeps the
CPU for the cheap answers and the readings take what is left.

:class:`ReadingPool` starts its processes lazily, at the first reading (a server that never
reads a photo starts none), each loading the registry's readers once
(:class:`moodtune.senses.Senses`; the server's unavailable senses stay unavailable: a reader
cannot be sent to another process); the processes ignore
SIGINT from their first instruction (a Ctrl-C in the terminal reaches the whole process
group: the server stops them, they print nothing), and :meth:`ReadingPool.close` stops them
when the server stops. Admission is unchanged: the caller's gate bounds the readings running
and queued (``moodtune.web.limits.WorkGate``), a full gate answers 503 with ``Retry-After``.
A worker that dies (killed, out of memory) answers that reading 503 and the pool is started
again at the next one.

Nothing here analyses audio, so ``moodtune.audio.measure.jit_lock`` (the numba cache race of
audio pools) is not involved.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from moodtune.senses import SENSES
from moodtune.web.service import UnavailableError

if TYPE_CHECKING:
    from moodtune.vision.reading import EmotionReading
    from moodtune.web.service import MoodService

__all__ = ["NICENESS", "READ_PROCESSES", "ReadingPool"]

log = logging.getLogger("moodtune.web")

#: Worker processes that read images and words (``moodtune serve``): two, as the threads
#: that read before them (decoding in parallel; the server's two cores).
READ_PROCESSES = 2
#: How much lower the workers' CPU priority is than the server's (``os.nice`` increment).
NICENESS = 10
#: Images of more pixels than this have the freed memory returned to the system afterwards.
LARGE_IMAGE_PIXELS = 4_000_000

#: The worker process's own reading service (set by :func:`_load_readers`).
_SERVICE: Any = None


class ReadingPool:
    """``processes`` worker processes that read like ``service`` does (see the module).

    The pool is made at the first :meth:`read`, on the event loop; :meth:`close` stops it.
    """

    def __init__(self, service: MoodService, processes: int = READ_PROCESSES) -> None:
        if processes < 1:
            raise ValueError(f"processes must be ≥ 1; got {processes}")
        self.processes = processes
        self.recipe = _recipe(service)
        self._executor: ProcessPoolExecutor | None = None

    async def read(self, image: bytes | None, text: str | None, pixels: int) -> EmotionReading:
        """The reading of ``image``/``text`` in a worker process (``pixels``: the image's, to
        give large images' memory back afterwards); errors as the server's own reader raises
        them."""
        executor = self._executor or self._start()
        try:
            future = executor.submit(_read, image, text, pixels)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._drop(executor)
            raise UnavailableError(
                "image and words reading stopped unexpectedly; retry in a moment"
            ) from None

    def close(self) -> None:
        """Stop the worker processes (readings still queued are cancelled)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _start(self) -> ProcessPoolExecutor:
        """The pool, with all its processes started now (with "spawn" a pool starts them one
        per submit while none is idle) while SIGINT is ignored, so that they ignore it from
        their first instruction; later submits start none (a Ctrl-C then is never lost)."""
        from moodtune.audio.batch import sigint_ignored

        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(
            self.processes, mp_context=context, initializer=_load_readers, initargs=self.recipe
        )
        with sigint_ignored():
            for _ in range(self.processes):
                executor.submit(_started)
        self._executor = executor
        log.info("reading in %d worker processes", self.processes)
        return executor

    def _drop(self, executor: ProcessPoolExecutor) -> None:
        if self._executor is executor:
            self._executor = None
        log.warning("a reading worker process stopped; the pool starts again at the next reading")
        executor.shutdown(wait=False, cancel_futures=True)


def _recipe(service: MoodService) -> tuple[Any, ...]:
    """What a worker needs to read as ``service`` does: the senses that must not be read (by
    name: why), and where the readers' model files are (``offline``, ``cache``)."""
    senses = service.senses
    problems = {name: senses.problem(name) for name in SENSES if senses.problem(name)}
    return problems, senses.offline, senses.cache


def _load_readers(problems: dict[str, str], offline: bool, cache: Any) -> None:
    """Worker initializer: a lower priority, SIGINT ignored, the readers loaded once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with suppress(OSError):  # not allowed here: the same priority as the server
        os.nice(NICENESS)
    from moodtune.senses import Senses
    from moodtune.web.service import MoodService

    senses = Senses(offline=offline, cache=cache, problems=problems).load_all()
    global _SERVICE
    _SERVICE = MoodService(
        None,  # type: ignore[arg-type]  (reading needs neither catalogue nor recommender)
        None,  # type: ignore[arg-type]
        senses=senses,
    )


def _started() -> None:
    """Nothing: a first task, so that the pool starts a process for it."""


def _read(image: bytes | None, text: str | None, pixels: int) -> EmotionReading:
    """In a worker: the reading, as the server's service gives it."""
    from moodtune.web.limits import return_freed_memory

    try:
        return _SERVICE.read(image, text)
    finally:
        if pixels > LARGE_IMAGE_PIXELS:
            return_freed_memory()
