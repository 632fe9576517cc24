"""``analyze`` on a Dask cluster: one task per audio file, every result written by the driver.

The workers only analyse; this process (the driver) receives each result as it finishes and
checkpoints it into the output table exactly as the in-process path does
(:func:`moodtune.audio.output.analyse_to_table`), so a rerun resumes from the table and never
analyses a finished file again. A worker that dies mid-file (killed, out of memory) is
replaced by its nanny and Dask runs its files on another worker; a file on which workers die
more often than the scheduler allows (``distributed.scheduler.allowed-failures``) is reported
as failed, by name, like a file that cannot be decoded.

The work log (``<out>.worklog.jsonl``, appended to by the driver only) has one JSON line per
event: ``run`` (a run begins: how many files it analyses), ``started`` (a worker began a file:
sent by the worker to the scheduler, acknowledged, before it opens the file), ``finished`` (the
driver has the file's result and wrote it), ``failed`` (the file could not be analysed) and
``lost`` (workers died on it too often). Each line names the ``run``, the ``path``, and for
``started``/``finished``/``failed`` the ``worker`` address and its process id ``pid``.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodtune.errors import MissingExtraError

if TYPE_CHECKING:  # the audio part is imported only when analysing
    from moodtune.audio.batch import Outcome, Progress

__all__ = [
    "ANALYSE_CONFIG",
    "ANALYSE_IMPORTS",
    "DaskRunner",
    "WorkLog",
    "analyse_on_cluster",
    "read_work_log",
    "work_log_path",
]

#: Scheduler settings for a local cluster that analyses audio: a file on which a worker dies
#: is tried on up to 2 more workers (3 deaths: reported as failed, not retried forever), and
#: each worker thread holds one file at a time, so a death makes only that file suspect.
ANALYSE_CONFIG: dict[str, Any] = {
    "distributed.scheduler.allowed-failures": 2,
    "distributed.scheduler.worker-saturation": 1.0,
}

#: What a local cluster's forkserver imports for an analysis (``dask_client(imports=…)``):
#: :mod:`moodtune.audio.warmed`, which measures a tone, so librosa is imported and its
#: numba functions compiled (about 3 s of CPU) once, not in each worker and each
#: replacement of a worker that died.
ANALYSE_IMPORTS = ("moodtune.audio.warmed",)


def work_log_path(out: str | Path) -> Path:
    """Where the work log of the analysis table ``out`` is kept: ``<out>.worklog.jsonl``."""
    out = Path(out)
    return out.with_name(out.name + ".worklog.jsonl")


def read_work_log(path: str | Path) -> list[dict[str, Any]]:
    """The events of a work log, oldest first (a last line cut short by a kill is left out)."""
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


class WorkLog:
    """Appends events to a JSON-lines file; thread-safe (events arrive on two threads)."""

    def __init__(self, path: str | Path, run: str) -> None:
        self.path = Path(path)
        self.run = run
        self._lock = threading.Lock()

    def write(self, event: str, **fields: Any) -> None:
        """Append one event line (one ``write`` on an ``O_APPEND`` descriptor)."""
        line = json.dumps({"event": event, "run": self.run, **fields, "time": time.time()})
        data = (line + "\n").encode()
        with self._lock:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(descriptor, data)
            finally:
                os.close(descriptor)


class DaskRunner:
    """A :data:`moodtune.audio.batch.Runner` that analyses each file as a task on ``client``.

    Parameters
    ----------
    client
        A ``distributed.Client``; its workers must see the files at the same paths.
    log
        The work log to append to (None: no log).
    timeout
        Seconds to wait for the whole batch (None: no limit); past it the waiting ends with
        ``TimeoutError`` and the remaining tasks are cancelled.
    window
        Files submitted at a time (default: 4 per worker thread, at least 64), so a library
        of a million files is not a million futures at once.
    """

    def __init__(
        self,
        client: Any,
        log: WorkLog | None = None,
        timeout: float | None = None,
        window: int | None = None,
    ) -> None:
        self.client = client
        self.log = log
        self.timeout = timeout
        self.window = window

    def __call__(self, todo: list[Path], estimate: bool) -> Generator[Outcome, None, None]:
        try:
            from distributed import as_completed
        except ImportError:
            raise MissingExtraError("dask", "distributed") from None
        if not todo:
            return
        run = self.log.run if self.log else uuid.uuid4().hex[:12]
        topic = f"moodtune-analyse-{run}"
        if self.log is not None:
            self.log.write("run", files=len(todo))
            log = self.log

            def started(event: tuple[float, dict]) -> None:
                log.write("started", **event[1])

            self.client.subscribe_topic(topic, started)
        waiting = iter(enumerate(todo))
        futures: dict[Any, str] = {}
        finished = as_completed([], with_results=True, raise_errors=False, timeout=self.timeout)

        def submit() -> None:
            item = next(waiting, None)
            if item is not None:
                number, path = item
                future = self.client.submit(
                    _analyse_on_worker,
                    str(path),
                    estimate,
                    topic if self.log is not None else None,
                    key=f"analyse-{run}-{number}",
                    pure=False,
                )
                futures[future] = str(path)
                finished.add(future)

        try:
            for _ in range(self.window or max(64, 4 * sum(self.client.nthreads().values()))):
                submit()
            for future, value in finished:
                path = futures.pop(future)
                if future.status == "error":  # value: (type, exception, traceback)
                    outcome = _lost(path, value[1])
                    if self.log is not None:
                        self.log.write("lost", path=path, reason=outcome[2])
                else:
                    path, analysis, reason, worker, pid = value
                    outcome = (path, analysis, reason)
                    if self.log is not None:
                        event = "finished" if analysis is not None else "failed"
                        self.log.write(event, path=path, worker=worker, pid=pid)
                future.release()
                submit()
                yield outcome
        finally:  # interrupted, or done: nothing of this run stays on the cluster
            if futures:
                self.client.cancel(list(futures))
            if self.log is not None:
                self.client.unsubscribe_topic(topic)


def _lost(path: str, error: BaseException) -> Outcome:
    """The outcome of a task that did not return: its workers died, or the task failed."""
    from distributed import KilledWorker

    if isinstance(error, KilledWorker):
        reason = (
            f"the worker analysing it died {error.allowed_failures + 1} times (out of "
            "memory, or a crash in a decoder?); not retried again"
        )
    else:
        reason = f"the analysis task failed: {type(error).__name__}: {error}"
    return path, None, reason


def _analyse_on_worker(
    path: str, estimate: bool, topic: str | None
) -> tuple[str, Any, str | None, str, int]:
    """Run on a worker: say that ``path`` starts (acknowledged by the scheduler), analyse it.

    Returns the outcome with this worker's address and process id.
    """
    from distributed import get_client, get_worker
    from moodtune.audio.batch import analyse_one

    address = get_worker().address
    if topic is not None:
        # Client.log_event waits for the scheduler: the event is kept even if this
        # process dies an instant later.
        get_client().log_event(topic, {"path": path, "worker": address, "pid": os.getpid()})
    path, analysis, reason = analyse_one(path, estimate)
    return path, analysis, reason, address, os.getpid()


def analyse_on_cluster(
    paths: list[str | Path],
    out: str | Path,
    client: Any,
    *,
    estimate: bool = True,
    fresh: bool = False,
    progress: Progress | None = None,
    work_log: str | Path | None = None,
    timeout: float | None = None,
    window: int | None = None,
) -> tuple[Any, int, int]:
    """:func:`moodtune.audio.output.analyse_to_table` with the files analysed on ``client``.

    Same arguments and result (batch result, earlier rows kept, earlier rows left out);
    ``work_log`` is the work log to append to (default ``<out>.worklog.jsonl``, see
    :func:`work_log_path`); ``timeout`` bounds the wait in seconds and ``window`` the files
    submitted at a time (see :class:`DaskRunner`).
    """
    from moodtune.audio.output import analyse_to_table

    log = WorkLog(work_log or work_log_path(out), uuid.uuid4().hex[:12])
    return analyse_to_table(
        paths,
        out,
        estimate=estimate,
        fresh=fresh,
        progress=progress,
        runner=DaskRunner(client, log, timeout, window),
    )
