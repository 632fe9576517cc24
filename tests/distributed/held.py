"""The harness of the Ctrl-C tests of cluster commands: hold one input file, start the command
in a process group of its own, wait for conditions with a deadline.

To interrupt at a known point, not a guessed moment, one input file is *held*: a
``sitecustomize`` module on the subprocess's PYTHONPATH (the cluster's worker processes,
forked from a forkserver that started with it, have it too) makes reading that file first
open a FIFO that nobody writes to, so its partition never finishes while the others do.
Waiting polls with a deadline on a monotonic clock; nothing asserts a duration.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

import moodtune

#: Upper bound for any wait: a bound on a hang, not a timing assertion.
DEADLINE = 300.0

HOOK = """
import os

_GATE = os.environ.get("MOODTUNE_TEST_GATE")
_HELD = os.environ.get("MOODTUNE_TEST_HELD")

if _GATE and _HELD:
    import pandas

    _read = pandas.read_parquet

    def _held_read(path, *args, **kwargs):
        if str(path) == _HELD:
            open(_GATE + ".reached", "w").close()
            with open(_GATE, "rb"):  # a FIFO nobody writes to: blocks here
                pass
        return _read(path, *args, **kwargs)

    pandas.read_parquet = _held_read
"""


def wait_for(condition: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what} after {DEADLINE:g} s")
        time.sleep(0.05)


def held_run(
    tmp_path: Path, held: Path, command: Sequence[str], log: Path
) -> tuple[subprocess.Popen, Path]:
    """``python -m moodtune COMMAND`` started in a new session (its own process group), with
    reading ``held`` blocked; output to ``log``. Returns the process and the file that appears
    when the held file is reached."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK)
    gate = tmp_path / "gate.fifo"
    os.mkfifo(gate)
    source = str(Path(moodtune.__file__).parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(hook), source, os.environ.get("PYTHONPATH", "")]),
        "MOODTUNE_TEST_GATE": str(gate),
        "MOODTUNE_TEST_HELD": str(held),
    }
    with log.open("wb") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "moodtune", *command],
            env=env, stdout=stream, stderr=subprocess.STDOUT, cwd=tmp_path,
            start_new_session=True,
        )  # fmt: skip
    return process, Path(f"{gate}.reached")
