"""``moodtune predict`` on a Parquet dataset, on a real ``distributed.LocalCluster`` of two
worker processes, gives what the in-process path gives for the same tracks."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed", reason="needs the 'dask' extra")

from moodtune.distributed import dask_client, predict_dataset  # noqa: E402
from moodtune.errors import MoodtuneError  # noqa: E402
from moodtune.model.artifact import EmotionModel  # noqa: E402

PARTS = 4  # the files of the ``songs`` dataset (conftest.py)


@pytest.fixture(scope="module")
def cluster():
    with dask_client(cluster="local:2") as client:
        yield client


def test_cluster_predictions_equal_the_in_process_ones(songs, cluster, tmp_path, run_cli):
    table, parts, rows = songs
    code, _, err = run_cli("predict", str(table), "--out", str(tmp_path / "here.parquet"))
    assert code == 0, err
    here = pd.read_parquet(tmp_path / "here.parquet")
    assert len(here) == rows  # one output row per input row, repeats included

    done = predict_dataset(EmotionModel.default(), parts, tmp_path / "out", cluster)
    assert (done.rows, done.partitions) == (rows, PARTS)
    files = sorted((tmp_path / "out").glob("*.parquet"), key=lambda p: int(p.stem.split(".")[1]))
    assert len(files) == PARTS
    there = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    assert list(there.columns) == list(here.columns)
    assert there["track_id"].tolist() == here["track_id"].tolist()
    assert there["emotion"].tolist() == here["emotion"].tolist()
    probabilities = [c for c in here.columns if c.startswith("p_")]
    np.testing.assert_array_equal(there[probabilities].to_numpy(), here[probabilities].to_numpy())
    assert done.counts == here["emotion"].value_counts().to_dict() | {
        label: 0 for label in done.counts if label not in set(here["emotion"])
    }


def test_the_cli_runs_a_local_cluster_and_names_a_bad_file(songs, tmp_path, run_cli):
    _, parts, rows = songs
    code, _, err = run_cli(
        "predict", str(parts), "--out", str(tmp_path / "o"), "--cluster", "local:2"
    )
    assert code == 0, err
    assert f"predicted {rows} tracks in {PARTS} partitions" in " ".join(err.split())

    broken = tmp_path / "broken"
    broken.mkdir()
    frame = pd.read_parquet(parts / "songs-0.parquet").head(50)
    frame.loc[7, "energy"] = 4.2
    frame.to_parquet(broken / "bad.parquet", index=False)
    code, _, err = run_cli(
        "predict", str(broken), "--out", str(tmp_path / "o2"), "--cluster", "local:1"
    )
    assert code == 2
    assert "bad.parquet" in err and "row 8" in err and "energy" in err

    (broken / "bad.parquet").write_bytes(b"PAR1 not a parquet file")  # fails on the worker
    code, _, err = run_cli(
        "predict", str(broken), "--out", str(tmp_path / "o3"), "--cluster", "local:1"
    )
    assert code == 2
    assert "bad.parquet" in err and "cannot be read as a parquet table" in " ".join(err.split())
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cluster", "local:0"), "expected local:N"),
        (("--cluster", "lokal:2"), "expected local:N"),
        (("--cluster", "local:2", "--scheduler", "tcp://127.0.0.1:1"), "not both"),
        (("--cluster", "local:1", "--skip-invalid"), "--skip-invalid is not available"),
    ],
)
def test_bad_cluster_options_are_one_line(songs, tmp_path, run_cli, args, message):
    code, _, err = run_cli("predict", str(songs[1]), "--out", str(tmp_path / "o"), *args)
    assert code == 2
    assert message in " ".join(err.split())


def test_an_occupied_output_folder_is_refused(songs, cluster, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(MoodtuneError, match="new or empty folder"):
        predict_dataset(EmotionModel.default(), songs[1], tmp_path / "out", cluster)
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forkserver is Linux's choice")
def test_local_workers_are_forked_with_the_environment_of_the_start(cluster, monkeypatch):
    """The module's ``cluster`` started this process's forkserver, whose environment is now
    older than the process's: the workers of a new cluster get the one of the moment it
    starts, and ignore SIGINT, as spawned ones would."""
    monkeypatch.setenv("MOODTUNE_TEST_CLUSTER_MARK", "set just now")
    with dask_client(cluster="local:1") as client:
        views = client.run(
            lambda: (
                Path(f"/proc/{os.getppid()}/cmdline").read_bytes(),
                os.environ.get("MOODTUNE_TEST_CLUSTER_MARK"),
                signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
            )
        )
    ((parent, mark, ignored),) = views.values()
    assert b"multiprocessing.forkserver" in parent
    assert mark == "set just now" and ignored
