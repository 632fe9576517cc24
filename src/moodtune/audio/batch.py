"""Analyse many files: find them, skip those already done, run N processes, keep going past
bad files (each reported by name).

Worker processes end with the process that started them. Each worker asks Linux to send it
SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``; elsewhere a thread watches
``os.getppid()``), so a parent killed with SIGKILL leaves no worker behind, and then no
multiprocessing resource tracker either (it exits when the last process holding its pipe
does). Workers ignore SIGINT: an interruption reaches the parent, which terminates them
at once instead of waiting for the files in progress.

Ctrl-C while the pool runs is handled at known points only. A KeyboardInterrupt raised at an
arbitrary bytecode of the parent can land inside ``concurrent.futures`` between taking a
future's lock and entering its ``with`` block, leaving the lock held: the pool's manager
thread then blocks on it forever and ``shutdown`` waits for that thread, so the process never
answers (seen once in CI under load). So while the pool runs, SIGINT only sets a flag, which
the loop waiting for results checks at least every :data:`_POLL` seconds, then raises as the
handler it replaced would (SIGTERM likewise); and worker processes start with SIGINT ignored
(the parent ignores it for the moment it starts them), so a Ctrl-C in the terminal never
reaches a worker that is still starting up.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from moodtune.audio.analysis import TrackAnalysis, analyse_file
from moodtune.audio.decode import AUDIO_SUFFIXES
from moodtune.audio.estimate import VibeNetEstimator, vibenet_available, vibenet_version
from moodtune.errors import MoodtuneError

__all__ = [
    "BatchResult",
    "Failure",
    "Outcome",
    "Progress",
    "Runner",
    "analyse_batch",
    "analyse_one",
    "default_jobs",
    "find_audio",
    "sigint_ignored",
]


@dataclass(frozen=True)
class Failure:
    """A file that was not analysed, and why."""

    path: str
    reason: str


@dataclass
class BatchResult:
    """What a batch produced: ``analyses`` (new and reused, in input order), ``failures``
    (one per file that could not be analysed), how many were ``reused`` from an earlier run,
    and the model of the estimates (``estimated_by``, "" for none)."""

    analyses: list[TrackAnalysis] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    reused: int = 0
    estimated_by: str = ""


#: Called after each file: (files finished, files to analyse, path of the file just done).
Progress = Callable[[int, int, str], None]

#: One file's outcome: (path, its analysis or None, the reason it failed or None).
Outcome = tuple[str, TrackAnalysis | None, str | None]

#: Analyses the given files (with VibeNet's estimates when the flag is True) somewhere and
#: yields one :data:`Outcome` per file as each finishes, in any order; a generator, so that
#: closing it stops the work (e.g. :class:`moodtune.distributed.DaskRunner`).
Runner = Callable[[list[Path], bool], Generator[Outcome, None, None]]


def find_audio(paths: Iterable[str | Path]) -> tuple[list[Path], list[Failure]]:
    """Expand files and folders (recursively, sorted) into audio files to analyse.

    Returns ``(audio files, unsupported files)``; every file inside a folder that is not audio
    (by name ending) is returned as a :class:`Failure` so it can be reported by name. A path
    that does not exist is a user mistake: :class:`MoodtuneError`.
    """
    found: list[Path] = []
    unsupported: list[Failure] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise MoodtuneError(f"{str(path)!r} does not exist (give audio files or folders)")
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for candidate in candidates:
            resolved = candidate.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            if candidate.suffix.lower() in AUDIO_SUFFIXES:
                found.append(resolved)
            else:
                unsupported.append(
                    Failure(
                        str(candidate),
                        f"unsupported file type "
                        f"{candidate.suffix or '(none)'!r} (not {', '.join(AUDIO_SUFFIXES)})",
                    )
                )
    return found, unsupported


def analyse_batch(
    paths: Iterable[str | Path],
    *,
    jobs: int = 1,
    estimate: bool = True,
    previous: Sequence[TrackAnalysis] = (),
    progress: Progress | None = None,
    on_result: Callable[[TrackAnalysis], None] | None = None,
    runner: Runner | None = None,
) -> BatchResult:
    """Analyse every audio file under ``paths`` with ``jobs`` processes (or ``runner``).

    ``estimate`` asks for VibeNet's estimated features when VibeNet is installed (without it
    the result says so through an empty ``estimated_by``). An entry of ``previous`` whose file
    has the same path, size and modification time, analysed with the same estimator, is
    reused instead of analysed again. A file that cannot be read becomes a :class:`Failure`;
    the batch goes on. ``on_result`` sees each new analysis as it finishes (to checkpoint).
    """
    if jobs < 1:
        raise MoodtuneError(f"--jobs must be at least 1 (got {jobs})")
    files, failures = find_audio(paths)
    use_estimator = estimate and vibenet_available()
    estimated_by = vibenet_version() if use_estimator else ""
    earlier = {item.path: item for item in previous}
    done: dict[str, TrackAnalysis] = {}
    todo: list[Path] = []
    for path in files:
        item = earlier.get(str(path))
        if item is not None and _unchanged(item, path, estimated_by):
            done[str(path)] = item
        else:
            todo.append(path)
    reused = len(done)
    bad: dict[str, str] = {}
    # closing(): an interruption in a callback shuts the worker pool down at once.
    work = (
        runner(todo, use_estimator)
        if runner is not None
        else _run(todo, jobs=jobs, estimate=use_estimator)
    )
    with closing(work) as results:
        for count, (path, analysis, reason) in enumerate(results, start=1):
            if analysis is not None:
                done[path] = analysis
                if on_result is not None:
                    on_result(analysis)
            else:
                bad[path] = reason or "unknown error"
            if progress is not None:
                progress(count, len(todo), path)
    ordered = [done[str(path)] for path in files if str(path) in done]
    failures += [Failure(str(path), bad[str(path)]) for path in files if str(path) in bad]
    return BatchResult(ordered, failures, reused, estimated_by)


def _unchanged(item: TrackAnalysis, path: Path, estimated_by: str) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return False
    return (item.size, item.mtime_ns, item.estimated_by) == (
        stat.st_size,
        stat.st_mtime_ns,
        estimated_by,
    )


def _run(todo: list[Path], *, jobs: int, estimate: bool) -> Generator[Outcome, None, None]:
    if not todo:
        return
    if jobs == 1 or len(todo) == 1:
        for path in todo:
            yield analyse_one(str(path), estimate)
        return
    import multiprocessing

    # No warm-up here: each worker compiles into numba's cache only holding jit_lock (its
    # first measure, and loading VibeNet), so the pool starts at once.
    # "spawn": a forked child would inherit the thread pools of numba and onnxruntime.
    context = multiprocessing.get_context("spawn")
    # The workers are started from this thread (ProcessPoolExecutor.submit starts them on
    # demand with "spawn"), which PR_SET_PDEATHSIG ties them to; it lives as long as the pool.
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(todo)),
        mp_context=context,
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
    try:
        with _interrupts_deferred() as check_signals:
            with sigint_ignored():  # the workers start here, ignoring SIGINT
                futures = {pool.submit(analyse_one, str(path), estimate): path for path in todo}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
                check_signals()
                for future in done:
                    yield _outcome(future, futures[future])
    except BaseException:  # interrupted (Ctrl-C, SIGTERM, a callback): end the workers now
        _terminate_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


#: How often (seconds) the parent looks for a Ctrl-C while it waits for results.
_POLL = 0.1


def _outcome(future: Future[Outcome], path: Path) -> Outcome:
    try:
        return future.result()
    except Exception as error:  # the worker process died (e.g. out of memory)
        return str(path), None, f"the analysis process failed ({error})"


@contextmanager
def _interrupts_deferred() -> Iterator[Callable[[], None]]:
    """While the block runs (in the main thread), SIGINT and SIGTERM only note that they
    came; yields ``check()``, which hands a signal that came to the handler it would have
    had (raising KeyboardInterrupt for Ctrl-C, or the CLI's SIGTERM handler's exception), at
    a point the caller chooses. Elsewhere than the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    came: list[int] = []
    kinds = (signal.SIGINT, signal.SIGTERM)
    previous = {kind: signal.signal(kind, lambda signum, _: came.append(signum)) for kind in kinds}

    def restore() -> None:
        for kind, handler in previous.items():
            signal.signal(kind, handler)

    def check() -> None:
        if came:
            restore()
            handler = previous[came[0]]
            if callable(handler):
                handler(came[0], None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(came[0])

    try:
        yield check
    finally:
        restore()
    check()


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """SIGINT ignored by this process for the block (main thread only), so that worker
    processes started meanwhile inherit "ignore" from their first instruction (a handler or,
    with "spawn", the signal mask is not inherited). A Ctrl-C in these milliseconds is lost."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _terminate_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's worker processes (files in progress are abandoned)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    processes = getattr(pool, "_processes", None) or {}  # 3.11–3.13: no public way
    for process in list(processes.values()):
        if process.is_alive():
            process.terminate()


#: ``prctl`` option: the signal a process gets when its parent thread dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1


def _start_worker(parent: int) -> None:
    """Initialise a worker process: end with ``parent``, leave SIGINT to it (it already
    ignores SIGINT from its start, see :func:`sigint_ignored`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _die_with_parent():
        threading.Thread(
            target=_watch_parent, args=(parent,), name="parent-watch", daemon=True
        ).start()
    if os.getppid() != parent:  # the parent died before the watch was in place
        os._exit(1)


def _die_with_parent() -> bool:
    """Ask Linux for SIGKILL when the parent dies; False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return False


def _watch_parent(parent: int, interval: float = 1.0) -> None:  # pragma: no cover - not Linux
    """Exit this process once its parent is gone (reparented: another parent id)."""
    import time

    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


_ESTIMATOR: VibeNetEstimator | None = None


def analyse_one(path: str, estimate: bool) -> Outcome:
    """Analyse one file; any error becomes a reason string (run in a worker process)."""
    global _ESTIMATOR
    try:
        if estimate and _ESTIMATOR is None:
            _ESTIMATOR = _load_estimator()
        return path, analyse_file(path, _ESTIMATOR if estimate else None), None
    except MoodtuneError as error:
        message = str(error)
        prefix = f"{path}: "
        return path, None, message[len(prefix) :] if message.startswith(prefix) else message
    except Exception as error:  # a decoder or analysis crash on this file must not stop the batch
        return path, None, f"analysis failed: {type(error).__name__}: {error}"


def _load_estimator() -> VibeNetEstimator:
    """VibeNet, loaded holding :func:`~moodtune.audio.measure.jit_lock`: importing it imports
    librosa, whose numba functions compile into the cache when it is not complete yet."""
    from moodtune.audio.measure import jit_lock

    with jit_lock():
        return VibeNetEstimator()


def default_jobs() -> int:
    """One process per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)
