"""A real ``moodtune analyze`` process killed (SIGKILL) or stopped (SIGTERM) mid-run.

Every result is saved as it finishes, so the output is whole after a kill at any moment and
a rerun analyses only the files not in it; the worker processes and multiprocessing's
resource tracker end with the parent.

To kill at a known point rather than a guessed moment, one audio file is *held*: a
``sitecustomize`` module put on the subprocess's PYTHONPATH (it reaches the spawned workers
too) makes opening that file first open a FIFO for reading, which blocks until someone
writes to it, and these tests never do. So "every other file is done, one is in progress"
is a state the tests wait for. Waiting polls with a deadline on a monotonic clock; nothing
asserts a duration.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("librosa")

from audio_synth import clicks, write

import moodtune
from moodtune.audio import output
from moodtune.data.readers import read_tracks

if not sys.platform.startswith("linux"):  # pragma: no cover
    pytest.skip("the process checks read /proc (Linux)", allow_module_level=True)

#: Upper bound for any wait: a bound on a hang, not a timing assertion. A quiet 2-core machine
#: starts librosa in a few seconds; one loaded by a parallel test run (pytest -n 2) or other
#: jobs can take a minute, so the bound is generous.
DEADLINE = 300.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what} after {timeout:g} s")
        time.sleep(0.02)


@pytest.fixture
def songs(tmp_path: Path) -> list[Path]:
    """Four short click tracks with different tempi (so different contents and track ids)."""
    folder = tmp_path / "songs"
    folder.mkdir()
    return [write(folder / f"{bpm}.wav", clicks(bpm, seconds=4.0)) for bpm in (80, 96, 110, 132)]


HOOK = """
import builtins, os

_GATE = os.environ.get("MOODTUNE_TEST_GATE")
_HELD = os.environ.get("MOODTUNE_TEST_HELD")
_open = builtins.open


def _held_open(file, *args, **kwargs):
    if str(file) == _HELD:
        _open(_GATE + ".reached", "w").close()  # tells the test the analysis got here
        with _open(_GATE, "rb"):  # a FIFO nobody writes to: blocks here
            pass
    return _open(file, *args, **kwargs)


if _GATE and _HELD:
    builtins.open = _held_open
"""


@pytest.fixture
def held(tmp_path: Path) -> Path:
    """A real audio file whose analysis never finishes in the subprocesses (see above)."""
    path = write(tmp_path / "zz_held.wav", clicks(150, seconds=4.0)).resolve()
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK)
    os.mkfifo(tmp_path / "gate.fifo")
    return path


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    """The processes a test starts, and every process below them seen during the test; any
    still alive at the end is killed (by its id) so a failing test leaves nothing behind."""
    processes: list[subprocess.Popen] = []
    yield processes
    for process in processes:
        below = SEEN.pop(process.pid, set())
        if process.poll() is None:
            below |= descendants(process.pid)
            process.kill()
        process.wait(30)
        for pid in below:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


SEEN: dict[int, set[int]] = {}


def analyze(started: list, tmp_path: Path, *args: str) -> subprocess.Popen:
    """``python -m moodtune analyze ARGS --no-estimate`` with this checkout's moodtune."""
    source = str(Path(moodtune.__file__).parents[1])
    paths = [str(tmp_path / "hook"), source, os.environ.get("PYTHONPATH", "")]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(paths),
        "MOODTUNE_TEST_GATE": str(tmp_path / "gate.fifo"),
        "MOODTUNE_TEST_HELD": str((tmp_path / "zz_held.wav").resolve()),
    }
    log = open(tmp_path / f"analyze-{len(started)}.log", "wb")  # noqa: SIM115 - closed below
    with log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moodtune", "analyze", *args, "--no-estimate"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    started.append(process)
    return process


def rows(out: Path) -> list[str]:
    """The paths in the output table (empty before it exists); it must always parse."""
    if not out.exists():
        return []
    return list(pd.read_csv(out)["path"])


def tracks_in_sidecar(out: Path) -> int | None:
    """The track count the sidecar gives (None before it exists); it must always parse."""
    sidecar = output.sidecar_path(out)
    return json.loads(sidecar.read_text())["tracks"] if sidecar.exists() else None


def temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``, read from /proc."""
    parent_of: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # it ended meanwhile
                continue
            parent_of[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parent_of.items() if parent in frontier} - found
        found |= frontier
    return {p for p in found if alive(p)}


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped, counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def run_until_held(started, tmp_path, songs, held, out, jobs: int) -> subprocess.Popen:
    """Start analyze on the songs and the held file; return once every song is in ``out``."""
    process = analyze(started, tmp_path, *map(str, songs), str(held), "--out", str(out),
                      "--jobs", str(jobs))  # fmt: skip
    wait_for(
        lambda: (
            (len(rows(out)) == len(songs) and tracks_in_sidecar(out) == len(songs))
            or process.poll() is not None
        ),
        f"{len(songs)} rows in {out.name} and its sidecar",
    )
    assert process.poll() is None, (tmp_path / "analyze-0.log").read_text()
    return process


def test_killed_run_keeps_every_finished_file_and_resumes_without_redoing_one(
    tmp_path: Path, songs: list[Path], held: Path, started: list
) -> None:
    out = tmp_path / "features.csv"
    process = run_until_held(started, tmp_path, songs, held, out, jobs=1)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    # Whole and readable by the core reader, one row per finished file, with its sidecar.
    table = read_tracks(out, columns=())
    assert sorted(rows(out)) == sorted(str(p.resolve()) for p in songs) and len(table) == 4
    assert output.sidecar_path(out).is_file()
    assert temporary_files(tmp_path) == []  # killed while idle: nothing half-written
    # A rerun (without the held file) analyses no finished file again.
    analysed: list[str] = []
    result, _, _ = output.analyse_to_table(
        [p.parent for p in songs], out, estimate=False, progress=lambda d, t, p: analysed.append(p)
    )
    assert analysed == [] and result.reused == 4


def test_kills_at_any_moment_leave_a_whole_table_and_lose_no_finished_file(
    tmp_path: Path, started: list
) -> None:
    """Kill as soon as anything moves (a temporary file appears or a row is added), again and
    again: whatever the moment, the table reads back whole and only grows."""
    folder = tmp_path / "many"
    folder.mkdir()
    for bpm in range(70, 160, 10):
        write(folder / f"{bpm}.wav", clicks(bpm, seconds=3.0))
    out = tmp_path / "features.csv"
    before: list[str] = []
    recorded = 0  # what the sidecar said after the previous kill
    for _ in range(4):
        process = analyze(started, tmp_path, str(folder), "--out", str(out), "--jobs", "1")
        wait_for(
            lambda process=process, before=before: (
                process.poll() is not None
                or len(rows(out)) > len(before)
                or any(p.name.startswith(".features.csv.") for p in tmp_path.iterdir())
            ),
            "the run to write something",
        )
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        now = rows(out)  # parses: never a torn file
        assert set(before) <= set(now) and len(now) == len(set(now))
        # The sidecar parses too. It is written after the table, so a kill between the two
        # leaves it one step behind (as it may stay through a kill that changes nothing): it
        # never counts more tracks than the table holds, and never goes back.
        count = tracks_in_sidecar(out) or 0
        assert recorded <= count <= len(now)
        recorded, before = count, now
    analysed: list[str] = []
    result, _, _ = output.analyse_to_table(
        [folder], out, estimate=False, progress=lambda d, t, p: analysed.append(p)
    )
    assert not set(analysed) & set(before) and result.reused == len(before)
    assert len(result.analyses) == 9 and len(rows(out)) == 9
    assert temporary_files(tmp_path) == []  # a kill's leftover temporary files are removed


@pytest.mark.parametrize(
    "how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["SIGKILL", "SIGTERM", "SIGINT"]
)
@pytest.mark.slow
def test_workers_and_the_resource_tracker_end_with_the_parent(
    tmp_path: Path, songs: list[Path], held: Path, started: list, how: signal.Signals
) -> None:
    out = tmp_path / "features.csv"
    process = run_until_held(started, tmp_path, songs, held, out, jobs=2)
    below = descendants(process.pid)
    SEEN[process.pid] = below
    names = [command_line(pid) for pid in below]
    assert sum("resource_tracker" in name for name in names) == 1, names
    assert sum("spawn_main" in name for name in names) == 2, names  # the two workers
    process.send_signal(how)
    process.wait(DEADLINE)
    wait_for(lambda: not any(alive(pid) for pid in below), "the worker processes to end", 30)
    assert len(rows(out)) == 4  # still whole, with every finished file
    log = (tmp_path / "analyze-0.log").read_text()
    if how == signal.SIGTERM:
        assert process.returncode == 143
        assert "stopped by SIGTERM" in log and "Traceback" not in log
    elif how == signal.SIGINT:  # Ctrl-C, sent to the parent alone: it must not wait for the
        # file in progress (that would be forever here) but end its workers and stop
        assert process.returncode == 130 and "Traceback" not in log
        assert "interrupted: every file analysed so far is saved" in log


def test_an_interruption_before_any_file_is_done_says_nothing_was_saved(
    tmp_path: Path, held: Path, started: list
) -> None:
    out = tmp_path / "features.csv"
    process = analyze(started, tmp_path, str(held), "--out", str(out))
    reached = tmp_path / "gate.fifo.reached"
    wait_for(lambda: reached.exists() or process.poll() is not None, "the held file's analysis")
    process.send_signal(signal.SIGINT)
    process.wait(DEADLINE)
    log = (tmp_path / "analyze-0.log").read_text()
    assert process.returncode == 130 and "Traceback" not in log, log
    assert "interrupted: no file was analysed yet" in log and "saved in" not in log
    assert not out.exists()
