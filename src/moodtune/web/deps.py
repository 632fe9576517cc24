"""The typed dependencies of the routes: the loaded service and the gates its work goes
through, set up once when the server starts (:func:`start`) and shared by every request."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import anyio.to_thread
from fastapi import Depends, Request

from moodtune.recommend.target import ResolvedTarget as Target
from moodtune.web.audio import AudioFiles
from moodtune.web.batches import Batcher
from moodtune.web.limits import (
    PixelBudget,
    WorkGate,
    image_pixels,
    keep_large_buffers_returnable,
    return_freed_memory,
)
from moodtune.web.service import MoodService
from moodtune.web.workers import ReadingPool

if TYPE_CHECKING:
    from fastapi import FastAPI

    from moodtune.reading import EmotionReading
    from moodtune.recommend.answer import Answer

__all__ = ["Audio", "Service", "Work", "Workshop", "start", "warm_emotions"]

#: Threads that read images at once: decoding runs in parallel, inference one at a time.
READ_THREADS = 2
#: Image readings queued behind those at most; more are refused (503, ``Retry-After``).
READ_QUEUE = 16
#: Recommendations for a new distribution (a ranking of the whole catalogue to compute),
#: computed in worker threads at once (they hold the GIL most of the time: a second thread
#: took the GIL from the event loop's cheap answers, p95 1.6 s → 0.9 s with one under the
#: mixed load of bench_abuse.py), and queued behind them at most: the expensive kind.
RECOMMEND_THREADS = 1
RECOMMEND_QUEUE = 30
#: Recommendations for a named emotion that memory could not answer at once (another process
#: changed the catalogue and its history must be read again, or a new k's ranking; their
#: rankings are few and kept): the cheap kind, well under a millisecond each
#: once the history is read, run in batches by one thread of their own
#: (:class:`~moodtune.web.batches.Batcher`), so they never wait behind readings or new
#: distributions; at most this many wait.
CHEAP_QUEUE = 512
#: A named emotion's recommendation that memory could not answer at once is tried again on
#: the event loop this many times, NOW_PAUSE seconds apart, before it goes to :attr:`cheap`
#: (a catalogue whose change check answered "busy" for a moment, say). The loop no longer
#: waits for the catalogue's lock at all, nor finds memory empty while a play or a 👍/👎 is
#: written: ``snapshot_in_memory`` checks the file on a connection of its own, and gives the
#: catalogue as last committed until the writer has read the change (issue 22, where 4 in 10
#: of them went to the batch thread behind writers).
NOW_TRIES = 4
NOW_PAUSE = 0.002
#: The k whose rankings :func:`warm_emotions` computes at start-up (the page's default).
WARM_K = 10
#: How often (seconds) a thread running Python must let another take the GIL (Python's
#: default is 5 ms). The event loop gives the GIL up at every poll for the network and must
#: then wait for it behind a recommendation or an image in a worker thread: with 1 ms, a
#: request answered on the loop (``/api/health``, a cached recommendation) waits less.
SWITCH_INTERVAL = 0.001
#: Pixels decoded at once, over all requests: one 40-megapixel photo (~0.5 GB while it is
#: decoded) at a time, or several small ones.
DECODE_PIXELS = 40_000_000
#: Images of more pixels than this have the freed memory returned to the system afterwards.
LARGE_IMAGE_PIXELS = 4_000_000


@dataclass
class Workshop:
    """The service and the gates its CPU-bound work waits in, one per kind of cost.

    Expensive: image and words readings wait in ``read_gate``, not in the shared thread pool
    (the reader runs one inference at a time, and 40 queued photos must not hold every thread
    of the pool, which the catalogue calls of other requests need); recommendations for a new
    distribution in ``recommend_gate``. Cheap: recommendations for a named emotion that
    memory could not answer at once are run in batches by ``cheap``. A full gate refuses (503
    with ``Retry-After``) only its own kind. ``pixels`` bounds the decoded pixels held at once.
    """

    service: MoodService
    read_gate: WorkGate
    recommend_gate: WorkGate
    pixels: PixelBudget
    cheap: Batcher
    #: Worker processes the readings run in (``moodtune serve``), None: worker threads.
    pool: ReadingPool | None = None

    @classmethod
    def around(cls, service: MoodService, reading_processes: int = 0) -> Workshop:
        """A workshop with the default gates around ``service``; readings in
        ``reading_processes`` worker processes (:class:`~moodtune.web.workers.ReadingPool`),
        or in worker threads when 0."""
        running = reading_processes or READ_THREADS
        return cls(
            service,
            WorkGate(running, READ_QUEUE, "image readings"),
            WorkGate(RECOMMEND_THREADS, RECOMMEND_QUEUE, "recommendations"),
            PixelBudget(DECODE_PIXELS),
            Batcher(CHEAP_QUEUE, "recommendations for an emotion"),
            ReadingPool(service, reading_processes) if reading_processes else None,
        )

    def close(self) -> None:
        """Stop the reading processes, if any were started."""
        if self.pool is not None:
            self.pool.close()

    async def read(
        self, image: bytes | None = None, text: str | None = None, **inputs: Any
    ) -> EmotionReading:
        """The reading of ``image``/``text`` (and other senses' ``inputs``, by field),
        computed in a worker thread, or in a reading process when the workshop has a
        :attr:`pool` (image and words only; another sense reads in a thread).

        Refused (503) when :data:`READ_QUEUE` readings already wait; an image waits until its
        pixels fit in :data:`DECODE_PIXELS`, so that large photos are decoded one at a time.
        """
        pixels = image_pixels(image) if image is not None else 0

        def read() -> EmotionReading:
            try:
                return self.service.read(image, text, **inputs)
            finally:
                if pixels > LARGE_IMAGE_PIXELS:
                    return_freed_memory()

        async with self.read_gate.slot(), await self.pixels(pixels):
            if self.pool is None or inputs:
                return await anyio.to_thread.run_sync(read, limiter=self.read_gate.limiter)
            # --- the hand-off to the reading processes (moodtune.web.workers) ---
            async with self.read_gate.limiter:
                return await self.read_gate.timed_async(self.pool.read, image, text, pixels)

    async def recommend(
        self, target: Target, k: int, mode: str, artist_cap: int | None = None
    ) -> Answer:
        """``k`` tracks for ``target`` (the library's answer): answered on the event loop
        when everything is cached (~0.2 ms, less than a hand-over to the thread pool costs
        under load), else in :attr:`cheap` for a named emotion, :attr:`recommend_gate` for
        the rest.
        ``artist_cap``: see ``MoodService.recommender_for``."""
        answer = self.service.recommend_now(target, k, mode, artist_cap)
        tries = NOW_TRIES if target.given_as == "emotion" else 0
        while answer is None and tries:  # another thread may hold the catalogue a moment
            tries -= 1
            await asyncio.sleep(NOW_PAUSE)
            answer = self.service.recommend_now(target, k, mode, artist_cap)
        if answer is None:
            gate = self.cheap if target.given_as == "emotion" else self.recommend_gate
            answer = await gate.run(self.service.recommend, target, k, mode, artist_cap)
        return answer


def warm_emotions(service: MoodService, k: int = WARM_K) -> None:
    """Recommend once for every named emotion in every mode (``k`` tracks), so that their
    rankings are in memory before the first requests (a few milliseconds each; the server
    calls this at start-up, in a worker thread). Problems are left to the requests."""
    from moodtune.emotions import EMOTIONS
    from moodtune.errors import MoodtuneError
    from moodtune.recommend.modes import MODES
    from moodtune.recommend.target import resolve_target

    for emotion in EMOTIONS:
        for mode in MODES:
            try:
                service.recommend(resolve_target(emotion=emotion), k, mode)
            except MoodtuneError:
                return


def start(app: FastAPI, service: MoodService, reading_processes: int = 0) -> None:
    """Make ``service`` the one the routes of ``app`` use (see :data:`Service`, :data:`Work`),
    with its readings in ``reading_processes`` worker processes (0: threads), and tune this
    process for serving."""
    workshop = Workshop.around(service, reading_processes)
    app.state.service = service
    app.state.workshop = workshop
    # The gates by name too, for a look from outside (tests, a debugger).
    app.state.read_gate = workshop.read_gate
    app.state.recommend_gate = workshop.recommend_gate
    app.state.cheap = workshop.cheap
    path = getattr(service.catalogue, "path", None)
    app.state.audio = AudioFiles(path) if path is not None else None
    if sys.getswitchinterval() > SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)  # process-wide: this process serves the app
    keep_large_buffers_returnable()


async def _service(request: Request) -> MoodService:
    service: MoodService = request.app.state.service
    return service


async def _workshop(request: Request) -> Workshop:
    workshop: Workshop = request.app.state.workshop
    return workshop


#: The loaded service (catalogue, recommender, readers), for a route parameter.
Service = Annotated[MoodService, Depends(_service)]
#: The service with its work gates, for routes that read images or recommend.
Work = Annotated[Workshop, Depends(_workshop)]


async def _audio(request: Request) -> AudioFiles | None:
    audio: AudioFiles | None = getattr(request.app.state, "audio", None)
    return audio


#: The audio files of the catalogue (None when the catalogue has no file).
Audio = Annotated[AudioFiles | None, Depends(_audio)]
