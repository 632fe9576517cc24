"""Ctrl-C on ``moodtune catalog import DATASET --cluster local:2`` (a real subprocess on a real
LocalCluster): exactly one line (not Click's "Aborted!"), exit status 130, the cluster
stopped, the catalogue whole with the files imported before the Ctrl-C, and the same command
again imports the rest: the catalogue then holds the rows of an uninterrupted import.

The interruption comes at a known point (tests/distributed/held.py): reading
the last file of the dataset blocks on a FIFO nobody writes to, so the first files are in the
catalogue and the last never arrives. The Ctrl-C goes to the whole process group, as a
terminal sends it. Waiting polls with a deadline; nothing asserts a duration.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="needs the 'dask' extra")

from held import held_run, wait_for
from test_import_dataset import catalogue_rows

from moodtune.catalogue.sqlite import Catalogue
from moodtune.distributed import import_dataset

pytestmark = pytest.mark.slow


def tracks_in(path: Path) -> int:
    """Tracks in the catalogue at ``path`` (0 while it does not exist yet)."""
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as connection:
            return int(connection.execute("SELECT count(*) FROM tracks").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is being made
        return 0


def test_ctrl_c_of_a_cluster_import_prints_one_line_and_a_rerun_finishes(
    songs, tmp_path: Path, group: list, run_cli
) -> None:
    _, parts, _ = songs
    files = sorted(parts.glob("*.parquet"))
    target = tmp_path / "catalogue.sqlite"
    command = [
        "catalog", "import", str(parts), "--source", "songs", "--no-builtin",
        "--catalogue", str(target), "--cluster", "local:2",
    ]  # fmt: skip
    process, reached = held_run(tmp_path, files[-1], command, tmp_path / "import.log")
    log = tmp_path / "import.log"
    group.append(process)
    wait_for(
        lambda: (reached.exists() and tracks_in(target) > 0) or process.poll() is not None,
        "the held file and a first file in the catalogue",
    )
    assert process.poll() is None, log.read_text()
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole group
    process.wait(300)
    text = log.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert process.returncode == 130, text
    assert len(lines) == 1 and "interrupted" in lines[0], text
    assert "again" in lines[0] and "Aborted" not in text, text
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    before = tracks_in(target)
    assert before > 0

    code, _, err = run_cli(*command)  # the same command again finishes it
    assert code == 0, err
    whole = tmp_path / "whole.sqlite"
    with Catalogue.open(whole, fill_builtin=False) as opened:
        import_dataset(opened, parts, source="songs")
    expected = catalogue_rows(whole)
    got = catalogue_rows(target)
    assert len(got) > before
    assert len(got) == len(expected)
    # The same tracks with the same values (rowids and the order of the first files match).
    assert sorted(got["id"]) == sorted(expected["id"])
