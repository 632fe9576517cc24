"""Which Dask cluster to run on: an existing scheduler, a local cluster, or none."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from moodtune.errors import MissingExtraError, MoodtuneError

__all__ = ["dask_client", "parse_cluster", "preload_forkserver", "start_method"]

_LOCAL = re.compile(r"local:(\d{1,3})")


def parse_cluster(spec: str) -> int:
    """``"local:N"`` → N worker processes (1–256)."""
    match = _LOCAL.fullmatch(spec.strip())
    if not match or not 1 <= int(match.group(1)) <= 256:
        raise MoodtuneError(f"--cluster: expected local:N with N from 1 to 256; got {spec!r}")
    return int(match.group(1))


def start_method() -> str:
    """How a local cluster's worker processes start: ``"forkserver"`` on Linux, else
    ``"spawn"`` (Dask's default).

    A spawned worker starts a new Python and imports Dask, NumPy and pandas itself (about
    1.5 s of CPU each); a forkserver imports them once per process and forks every worker
    from it, as Dask's own test suite does (Python 3.14 makes it the default on Linux).
    """
    return "forkserver" if sys.platform.startswith("linux") else "spawn"


#: Modules asked for by :func:`preload_forkserver` so far, in order (this process's forkserver
#: imports all of them when it starts).
_FORKSERVER_IMPORTS: list[str] = []


def preload_forkserver(modules: Sequence[str]) -> None:
    """Have the forkserver import Dask's own list (Dask, NumPy, pandas, …) and ``modules``
    before it forks a worker. Requests add up until the forkserver starts, with the
    process's first local cluster; after that they change nothing. A module that is not
    installed is skipped."""
    import dask
    from distributed.utils import get_mp_context
    from distributed.versions import optional_packages, required_packages

    _FORKSERVER_IMPORTS.extend(m for m in modules if m not in _FORKSERVER_IMPORTS)
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        context = get_mp_context()  # sets Dask's list, once: it leaves ours alone after this
    context.set_forkserver_preload(
        ["distributed", *required_packages, *optional_packages, *_FORKSERVER_IMPORTS]
    )


@contextmanager
def dask_client(
    scheduler: str | None = None,
    cluster: str | None = None,
    config: Mapping[str, Any] | None = None,
    imports: Sequence[str] = (),
) -> Iterator[Any]:
    """A ``distributed.Client`` for the duration of the block, or None when neither is given.

    ``scheduler`` is the address of a running Dask scheduler (``tcp://host:8786``); ``cluster``
    ``"local:N"`` starts a ``LocalCluster`` of N single-threaded worker processes on this
    machine (stopped at the end of the block, also after Ctrl-C). On Linux they are forked
    from a forkserver (:func:`start_method`), with this process's environment at the moment
    the cluster starts, as spawned ones would have. Its worker processes ignore
    SIGINT, so a Ctrl-C in the terminal is handled by this process alone, which stops the
    cluster, instead of each worker printing its own traceback (a Ctrl-C while the cluster
    starts, a few seconds, is ignored too). ``config`` (Dask settings such as
    ``{"distributed.scheduler.allowed-failures": 2}``, or another
    ``distributed.worker.multiprocessing-method``) applies to the local cluster; a running
    scheduler keeps its own. ``imports`` are modules the forkserver imports too, so that no
    forked worker imports them again (e.g. librosa for ``analyze``).
    """
    if scheduler and cluster:
        raise MoodtuneError("give --scheduler or --cluster, not both")
    if not scheduler and not cluster:
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise MissingExtraError("dask", "distributed") from None
    if cluster:
        import dask

        workers = parse_cluster(cluster)
        with ExitStack() as stack:
            method = {"distributed.worker.multiprocessing-method": start_method()}
            stack.enter_context(dask.config.set({**method, **dict(config or {})}))
            if dask.config.get("distributed.worker.multiprocessing-method") == "forkserver":
                preload_forkserver(imports)
            from moodtune.audio.batch import sigint_ignored

            with sigint_ignored():  # the cluster's processes inherit "ignore SIGINT"
                local = stack.enter_context(
                    LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",
                        # The command prints one line for an error or a Ctrl-C: a task's error
                        # reaches the client as its exception and a lost worker as
                        # KilledWorker, so the workers' own logs only repeat them (or, after a
                        # Ctrl-C, log a heartbeat to the scheduler that already stopped).
                        silence_logs=logging.CRITICAL,
                        # a forked worker starts with the forkserver's environment, which
                        # may be older than this process's (a long-lived process)
                        env=dict(os.environ),
                    )
                )
                client = stack.enter_context(Client(local))
            yield client
        return
    try:
        client = Client(scheduler, timeout=30)
    except OSError as error:
        raise MoodtuneError(f"--scheduler: cannot reach {scheduler!r} ({error})") from None
    with client:
        yield client
