"""Ctrl-C on ``moodtune predict DATASET --cluster local:2`` (a real subprocess on a real
LocalCluster): one line, the cluster stopped, the output folder marked unfinished with every
part in it whole, and the same command again finishes it with the rows of an uninterrupted run.

One input file is held (tests/distributed/held.py), so the interruption comes at a known
point; the Ctrl-C goes to the whole process group, as a terminal sends it.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed", reason="needs the 'dask' extra")

from held import DEADLINE, held_run, wait_for

from moodtune.distributed import INCOMPLETE

pytestmark = pytest.mark.slow


def parts_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("part.*.parquet"), key=lambda p: int(p.stem.split(".")[1]))


def test_ctrl_c_leaves_a_marked_folder_that_a_rerun_completes(
    songs, tmp_path: Path, group: list, run_cli
) -> None:
    _, parts, rows = songs
    files = sorted(parts.glob("*.parquet"))
    out = tmp_path / "out"
    command = ["predict", str(parts), "--out", str(out), "--cluster", "local:2"]
    process, reached = held_run(tmp_path, files[-1], command, log := tmp_path / "predict.log")
    group.append(process)
    wait_for(
        lambda: (reached.exists() and len(parts_in(out)) >= 1) or process.poll() is not None,
        "the held partition and a written part",
    )
    assert process.poll() is None, log.read_text()
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole group
    process.wait(DEADLINE)
    text = log.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert process.returncode == 130, text
    assert len(lines) == 1 and "interrupted" in lines[0] and INCOMPLETE in lines[0], text
    written = parts_in(out)
    assert (out / INCOMPLETE).is_file() and 1 <= len(written) < len(files)
    assert f"part.{len(files) - 1}.parquet" not in {p.name for p in written}
    for part in written:  # every part left is whole
        assert len(pd.read_parquet(part)) > 0
    # A killed writer's temporary part (its process is gone) is removed by the rerun.
    leftover = out / f".part.{len(files) - 1}.parquet.999999999-x.tmp"
    leftover.write_bytes(b"half a part")

    code, _, err = run_cli("predict", str(parts), "--out", str(out), "--cluster", "local:2")
    assert code == 0, err
    assert f"{len(written)} of them from the stopped run" in " ".join(err.split())
    assert sorted(p.name for p in out.iterdir()) == [f"part.{n}.parquet" for n in range(len(files))]
    resumed = pd.concat([pd.read_parquet(p) for p in parts_in(out)], ignore_index=True)
    code, _, err = run_cli("predict", str(parts), "--out", str(tmp_path / "whole.parquet"))
    assert code == 0, err
    whole = pd.read_parquet(tmp_path / "whole.parquet")
    assert len(resumed) == rows
    pd.testing.assert_frame_equal(resumed, whole)


def test_a_folder_of_another_unfinished_run_is_refused(songs, tmp_path, run_cli) -> None:
    _, parts, _ = songs
    out = tmp_path / "out"
    out.mkdir()
    (out / INCOMPLETE).write_text('{"files": ["elsewhere.parquet"], "model": "x"}')
    code, _, err = run_cli("predict", str(parts), "--out", str(out), "--cluster", "local:1")
    assert code == 2
    assert "unfinished run on other files" in " ".join(err.split())
    assert sorted(p.name for p in out.iterdir()) == [INCOMPLETE]


def test_a_killed_writers_temporary_file_is_removed_by_the_next_predict(songs, tmp_path, run_cli):
    """The in-process ``predict`` writes its table atomically; a temporary file left by a
    writer that no longer runs (SIGKILL) goes at the next write, a running writer's stays."""
    _, parts, _ = songs
    out = tmp_path / "emotions.parquet"
    dead = tmp_path / ".emotions.parquet.999999999-abc.tmp"  # no process has this id
    dead.write_bytes(b"half a table")
    running = tmp_path / f".emotions.parquet.{os.getpid()}-abc.tmp"
    running.write_bytes(b"being written")
    code, _, err = run_cli("predict", str(parts / "songs-0.parquet"), "--out", str(out))
    assert code == 0, err
    assert not dead.exists() and running.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, running.name])
