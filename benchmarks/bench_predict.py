"""Benchmark: the torch-free forward pass, and `moodtune predict` on 32,833 real tracks.

Run: .venv/bin/python benchmarks/bench_predict.py
Prints tracks/s of EmotionModel.predict_proba on 1,000,000 synthetic tracks (best of 5) and
the wall time of the whole `moodtune predict` command (start-up, read, validate, predict,
write) on ../shared/datasets/tidytuesday/spotify_songs.csv (median of 3).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from moodtune.model.artifact import EmotionModel

ROOT = Path(__file__).resolve().parents[1]
TIDYTUESDAY = ROOT.parent / "shared/datasets/tidytuesday/spotify_songs.csv"


def forward_pass(n: int = 1_000_000, repeats: int = 5) -> float:
    model = EmotionModel.default()
    rng = np.random.default_rng(0)
    x = rng.uniform(model.scale_min, model.scale_max, size=(n, len(model.feature_names)))
    x = x.astype(np.float32)
    model.predict_proba(x[:1000])  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_proba(x)
        best = min(best, time.perf_counter() - start)
    return n / best


def predict_command(repeats: int = 3) -> float:
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "moodtune",
                    "predict",
                    str(TIDYTUESDAY),
                    "--out",
                    str(Path(folder) / "out.csv"),
                ],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )
    print(f"forward pass (1,000,000 tracks, best of 5): {forward_pass():,.0f} tracks/s")
    print(f"moodtune predict tidytuesday (32,833 rows, median of 3): {predict_command():.2f} s")


if __name__ == "__main__":
    main()
