"""``moodtune analyze`` on a real ``distributed.LocalCluster`` of two worker processes.

The cluster gives the table the in-process path gives; a worker killed mid-file is replaced
and the file finished on another worker; an interrupted run resumes; and the file-level work
log (``<out>.worklog.jsonl``) proves that no finished file was analysed twice.

To kill a worker at a known point rather than at a guessed moment, every worker process runs
a hook as it starts (a Dask worker preload, so the replacement of a killed worker runs it
too, however the processes start): when a worker opens the file named in a small JSON
control file (after decoding and measuring it, when it hashes the bytes for the track id), it
creates a marker file with its process id and sends itself SIGKILL; once, or, with
``always``, every time. Nothing waits on a clock: the runs
end when their futures do (bounded by a timeout).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed", reason="needs the 'dask' extra")
pytest.importorskip("librosa", reason="needs the 'audio' extra")

from audio_synth import clicks, write

import moodtune
from moodtune.audio.output import analyse_to_table
from moodtune.distributed import (
    ANALYSE_CONFIG,
    ANALYSE_IMPORTS,
    analyse_on_cluster,
    dask_client,
    read_work_log,
    work_log_path,
)

if not sys.platform.startswith("linux"):  # pragma: no cover
    pytest.skip("the kill hook relies on POSIX signals", allow_module_level=True)

#: Upper bound for a whole batch on a loaded 2-core machine (a bound, not an expectation).
TIMEOUT = 300.0
TEMPI = (80, 96, 110, 132, 150)

HOOK = """
import builtins, io, json, os, signal

_CONTROL = CONTROL_PATH
_open = io.open  # builtins.open, left as it is when Dask runs this file a second time


def _killing_open(file, *args, **kwargs):
    try:
        with _open(_CONTROL, encoding="utf-8") as stream:
            control = json.load(stream)
    except (OSError, ValueError):
        control = {}
    if control.get("target") and str(file) == control["target"]:
        flags = os.O_CREAT | os.O_WRONLY | (0 if control.get("always") else os.O_EXCL)
        try:
            marker = os.open(control["marker"], flags | os.O_APPEND)
        except FileExistsError:
            pass
        else:
            os.write(marker, f"{os.getpid()}\\n".encode())
            os.close(marker)
            os.kill(os.getpid(), signal.SIGKILL)
    return _open(file, *args, **kwargs)


builtins.open = _killing_open
"""


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The kill hook's control file (absent: the hook does nothing)."""
    return tmp_path_factory.mktemp("hook") / "control.json"


@pytest.fixture(scope="module")
def cluster(control: Path, tmp_path_factory: pytest.TempPathFactory):
    """Two worker processes with the kill hook, and the scheduler settings of analyze."""
    hook = tmp_path_factory.mktemp("preload") / "kill_hook.py"
    hook.write_text(HOOK.replace("CONTROL_PATH", repr(str(control))))
    config = {**ANALYSE_CONFIG, "distributed.worker.preload": [str(hook)]}
    with dask_client(cluster="local:2", config=config, imports=ANALYSE_IMPORTS) as client:
        yield client


@pytest.fixture
def kill_on(control: Path, tmp_path: Path):
    """``kill_on(path)``: the worker that opens ``path`` kills itself (once, or ``always``);
    returns the marker file that collects the killed process ids."""
    marker = tmp_path / "killed.txt"

    def arm(path: Path, always: bool = False) -> Path:
        settings = {"target": str(path), "marker": str(marker), "always": always}
        control.write_text(json.dumps(settings))
        return marker

    yield arm
    control.unlink(missing_ok=True)


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, list[Path], Path]:
    """Five short click tracks, one corrupt .wav and one text file, in a fresh folder."""
    folder = tmp_path / "library"
    folder.mkdir()
    songs = [write(folder / f"{bpm}.wav", clicks(bpm, seconds=4.0)).resolve() for bpm in TEMPI]
    broken = folder / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio")
    (folder / "notes.txt").write_text("not audio")
    return folder, songs, broken.resolve()


def events(out: Path, kind: str, run: str | None = None) -> list[dict]:
    return [
        e
        for e in read_work_log(work_log_path(out))
        if e["event"] == kind and (run is None or e["run"] == run)
    ]


def assert_nothing_finished_ran_again(out: Path) -> None:
    """Per file: at most one ``finished``, and no ``started`` after it."""
    log = read_work_log(work_log_path(out))
    finished: set[str] = set()
    for event in log:
        if event["event"] == "started":
            assert event["path"] not in finished, f"{event['path']} ran again after finishing"
        if event["event"] == "finished":
            assert event["path"] not in finished, f"{event['path']} finished twice"
            finished.add(event["path"])


def test_the_cluster_writes_the_table_of_the_in_process_path(cluster, library, tmp_path):
    folder, songs, broken = library
    here, _, _ = analyse_to_table([folder], tmp_path / "here.csv", estimate=False)
    there, kept, dropped = analyse_on_cluster(  # 2 files at a time: refilled as they end
        [folder], tmp_path / "there.csv", cluster, estimate=False, timeout=TIMEOUT, window=2
    )
    assert (kept, dropped) == (0, 0)
    expected = pd.read_csv(tmp_path / "here.csv")
    got = pd.read_csv(tmp_path / "there.csv")
    assert len(expected) == len(songs)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)
    assert there.failures == here.failures  # the same names and reasons, in the same order
    assert {f.path for f in there.failures} == {str(broken), str(folder / "notes.txt")}
    sidecars = [json.loads(p.read_text()) for p in tmp_path.glob("*.provenance.json")]
    assert [s["complete"] for s in sidecars] == [True, True]

    log = read_work_log(work_log_path(tmp_path / "there.csv"))
    finished = Counter(e["path"] for e in log if e["event"] == "finished")
    assert finished == Counter(str(s) for s in songs)
    assert Counter(e["path"] for e in log if e["event"] == "failed") == Counter([str(broken)])
    assert len({e["pid"] for e in log if e["event"] == "started"}) == 2  # both workers worked
    assert [e["files"] for e in log if e["event"] == "run"] == [len(songs) + 1]


def test_a_worker_killed_mid_file_is_replaced_and_nothing_runs_twice(
    cluster, library, kill_on, tmp_path
):
    folder, songs, broken = library
    out = tmp_path / "features.csv"
    victim = songs[2]
    marker = kill_on(victim)
    result, _, _ = analyse_on_cluster([folder], out, cluster, estimate=False, timeout=TIMEOUT)

    killed = [int(line) for line in marker.read_text().split()]
    assert len(killed) == 1  # the hook fired, once
    table = pd.read_csv(out)
    assert sorted(table["path"]) == sorted(str(s) for s in songs)
    assert result.reused == 0

    started = [e for e in events(out, "started") if e["path"] == str(victim)]
    finished = [e for e in events(out, "finished") if e["path"] == str(victim)]
    assert started[0]["pid"] == killed[0]  # it began on the worker that died
    assert len(finished) == 1 and finished[0]["pid"] != killed[0]  # and ended on another
    assert finished[0]["pid"] in {e["pid"] for e in started[1:]}
    assert Counter(e["path"] for e in events(out, "finished")) == Counter(str(s) for s in songs)
    assert_nothing_finished_ran_again(out)

    # A rerun finds every song done: only the file that failed is tried again.
    again, _, _ = analyse_on_cluster([folder], out, cluster, estimate=False, timeout=TIMEOUT)
    assert again.reused == len(songs)
    rerun = events(out, "run")[-1]["run"]
    assert [e["path"] for e in events(out, "started", rerun)] == [str(broken)]
    assert_nothing_finished_ran_again(out)


def test_an_interrupted_run_resumes_without_analysing_a_finished_file_again(
    cluster, library, tmp_path
):
    folder, songs, _ = library
    out = tmp_path / "features.csv"

    def stop_after_two(done: int, total: int, path: str) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        analyse_on_cluster(
            [folder], out, cluster, estimate=False, progress=stop_after_two, timeout=TIMEOUT
        )
    first = {e["path"] for e in events(out, "finished")}
    saved = set(pd.read_csv(out)["path"])
    assert saved == first and 1 <= len(first) <= 2  # what the driver had is on disk

    result, _, _ = analyse_on_cluster([folder], out, cluster, estimate=False, timeout=TIMEOUT)
    assert result.reused == len(first)
    assert sorted(pd.read_csv(out)["path"]) == sorted(str(s) for s in songs)
    second_run = events(out, "run")[-1]["run"]
    assert {e["path"] for e in events(out, "started", second_run)}.isdisjoint(first)
    assert_nothing_finished_ran_again(out)


@pytest.mark.slow
def test_a_file_that_kills_every_worker_is_reported_by_name(cluster, library, kill_on, tmp_path):
    folder, songs, broken = library
    out = tmp_path / "features.csv"
    poison = songs[0]
    marker = kill_on(poison, always=True)
    result, _, _ = analyse_on_cluster([folder], out, cluster, estimate=False, timeout=TIMEOUT)
    tries = 1 + ANALYSE_CONFIG["distributed.scheduler.allowed-failures"]
    assert len(marker.read_text().split()) == tries
    reasons = {f.path: f.reason for f in result.failures}
    assert "died 3 times" in reasons[str(poison)]
    assert str(broken) in reasons
    assert sorted(pd.read_csv(out)["path"]) == sorted(str(s) for s in songs[1:])
    assert [e["path"] for e in events(out, "lost")] == [str(poison)]


@pytest.mark.slow
def test_the_cli_reports_bad_files_as_the_in_process_path_does(library, tmp_path, run_cli):
    folder, songs, broken = library
    code, _, here = run_cli(
        "analyze", str(folder), "--out", str(tmp_path / "a.csv"), "--no-estimate"
    )
    assert code == 0, here
    code, _, there = run_cli(
        "analyze",
        str(folder),
        "--out",
        str(tmp_path / "b.csv"),
        "--no-estimate",
        "--cluster",
        "local:2",
    )
    assert code == 0, there

    def skipped(err: str) -> list[str]:
        return [line for line in err.splitlines() if "skipped" in line and "→" not in line]

    assert skipped(there) == skipped(here) and str(broken.name) in " ".join(skipped(here))
    assert f"{len(songs)} track(s)" in there
    assert work_log_path(tmp_path / "b.csv").is_file()

    code, _, err = run_cli(
        "analyze",
        str(folder),
        "--out",
        str(tmp_path / "c.csv"),
        "--cluster",
        "local:2",
        "--jobs",
        "2",
    )
    assert code == 2 and "--jobs" in err


def test_the_cli_runs_on_a_running_scheduler(cluster, library, tmp_path, run_cli):
    folder, songs, broken = library
    out = tmp_path / "features.parquet"
    code, _, err = run_cli(
        "analyze", str(folder), "--out", str(out), "--no-estimate",
        "--scheduler", cluster.scheduler.address,
    )  # fmt: skip
    assert code == 0, err
    assert sorted(pd.read_parquet(out)["path"]) == sorted(str(s) for s in songs)
    assert f"skipped {broken}" in " ".join(err.split())
    assert Counter(e["path"] for e in events(out, "finished")) == Counter(str(s) for s in songs)


WARMED = """
import sys
from moodtune.distributed import ANALYSE_IMPORTS, dask_client, preload_forkserver

def warmed():
    from moodtune.audio import measure
    return measure._warmed.is_set()

if __name__ == "__main__":
    if sys.argv[1] == "asked before":  # as tests/conftest.py does; then a cluster asking none
        preload_forkserver(ANALYSE_IMPORTS)
    imports = ANALYSE_IMPORTS if sys.argv[1] == "asked by the cluster" else ()
    with dask_client(cluster="local:1", imports=imports) as client:
        print(list(client.run(warmed).values()))
"""


@pytest.mark.parametrize("how", ["asked by the cluster", "asked before"])
def test_an_analysis_clusters_workers_start_warmed_up(tmp_path, how):
    """In a process of its own, whose first cluster analyses (or after the analysis was asked
    for, as tests/conftest.py does, by a cluster that asks for nothing: requests add up), the
    forkserver warms the analysis up, so the workers forked from it start with librosa
    imported and compiled."""
    script = tmp_path / "warmed.py"
    script.write_text(WARMED)
    source = str(Path(moodtune.__file__).parents[1])
    done = subprocess.run(
        [sys.executable, str(script), how],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": source},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[True]"]
