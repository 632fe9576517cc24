"""Fixtures of the cluster tests: TidyTuesday as a CSV and as a Parquet dataset, and the
synthetic audio of tests/audio (``audio_synth``) for ``analyze``."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

#: Files of the Parquet dataset made from TidyTuesday.
PARTS = 4

AUDIO_TESTS = Path(__file__).resolve().parents[1] / "audio"
if str(AUDIO_TESTS) not in sys.path:
    sys.path.insert(0, str(AUDIO_TESTS))


@pytest.fixture(scope="module")
def songs(datasets, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """TidyTuesday's first 8,000 rows (470 of them repeat a track id) as one CSV and as 4
    Parquet files: a dataset of several files, a quarter of the whole table's import time."""
    folder = tmp_path_factory.mktemp("dataset")
    frame = pd.read_csv(datasets / "tidytuesday/spotify_songs.csv").head(8_000)
    table = folder / "songs.csv"
    frame.to_csv(table, index=False)
    parts = folder / "parts"
    parts.mkdir()
    bounds = np.linspace(0, len(frame), PARTS + 1).astype(int)
    for number, (start, stop) in enumerate(itertools.pairwise(bounds)):
        frame.iloc[start:stop].to_parquet(parts / f"songs-{number}.parquet", index=False)
    return table, parts, len(frame)


@pytest.fixture
def group() -> Iterator[list[subprocess.Popen]]:
    """The process groups a test starts; any still running at the end is killed (by id)."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(60)
