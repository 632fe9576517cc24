"""Fixtures of the cluster tests: TidyTuesday as a CSV and as a Parquet dataset, and the
synthetic audio of tests/audio (``audio_synth``) for ``analyze``."""

from __future__ import annotations

import itertools
import sys
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
    """TidyTuesday (32,833 rows, repeats included) as one CSV and as 4 Parquet files."""
    folder = tmp_path_factory.mktemp("dataset")
    frame = pd.read_csv(datasets / "tidytuesday/spotify_songs.csv")
    table = folder / "songs.csv"
    frame.to_csv(table, index=False)
    parts = folder / "parts"
    parts.mkdir()
    bounds = np.linspace(0, len(frame), PARTS + 1).astype(int)
    for number, (start, stop) in enumerate(itertools.pairwise(bounds)):
        frame.iloc[start:stop].to_parquet(parts / f"songs-{number}.parquet", index=False)
    return table, parts, len(frame)
