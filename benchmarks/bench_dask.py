"""Benchmark: `predict` on a Parquet dataset, in process and on Dask (1 and 2 workers).

Run: .venv/bin/python benchmarks/bench_dask.py [--rows 2000000] [--files 8]
Writes a synthetic dataset of ROWS tracks (the 11 features drawn from the shipped TidyTuesday
songs, ids made unique) in FILES Parquet files, then times, in the same run:
the in-process path (every file read, validated, predicted and written as one Parquet file),
and `predict_dataset` on a `LocalCluster` of 1 and of 2 worker processes (cluster start-up
timed apart). Prints tracks/s, the ratios 2 workers / 1 worker and Dask / in-process, and
the peak RSS of each worker (bounded by the file size, not the dataset).
"""

from __future__ import annotations

import argparse
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from moodtune.data.features import FEATURE_NAMES
from moodtune.data.readers import read_tracks
from moodtune.distributed import dask_client, predict_dataset
from moodtune.model.artifact import EmotionModel
from moodtune.recommend.songs import default_songs


def make_dataset(folder: Path, rows: int, files: int) -> Path:
    real = default_songs().frame[list(FEATURE_NAMES)].to_numpy()
    rng = np.random.default_rng(0)
    per_file = rows // files
    for number in range(files):
        picked = real[rng.integers(0, len(real), per_file)]
        frame = pd.DataFrame(picked, columns=list(FEATURE_NAMES))
        frame.insert(0, "track_id", [f"t{number}-{i}" for i in range(per_file)])
        frame.to_parquet(folder / f"part-{number:03d}.parquet", index=False)
    return folder


def in_process(model: EmotionModel, folder: Path, out: Path) -> float:
    start = time.perf_counter()
    parts = [
        model.predict_table(read_tracks(path, merge_repeats=False))
        for path in sorted(folder.glob("*.parquet"))
    ]
    pd.concat(parts, ignore_index=True).to_parquet(out, index=False)
    return time.perf_counter() - start


def on_dask(
    model: EmotionModel, folder: Path, out: Path, workers: int
) -> tuple[float, float, list]:
    start = time.perf_counter()
    with dask_client(cluster=f"local:{workers}") as client:
        started = time.perf_counter() - start
        begin = time.perf_counter()
        predict_dataset(model, folder, out, client)
        seconds = time.perf_counter() - begin
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    return seconds, started, sorted(peaks.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--files", type=int, default=8)
    args = parser.parse_args()
    model = EmotionModel.default()
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        make_dataset(folder, args.rows, args.files)
        rows = args.rows // args.files * args.files
        here = in_process(model, folder, Path(tmp) / "here.parquet")
        print(f"in process:        {rows / here:>12,.0f} tracks/s ({here:.1f} s for {rows:,})")
        results = {}
        for workers in (1, 2):
            seconds, started, peaks = on_dask(model, folder, Path(tmp) / f"out{workers}", workers)
            results[workers] = seconds
            peak = ", ".join(f"{p / 2**20:,.0f} MB" for p in peaks)
            print(
                f"dask, {workers} worker(s):  {rows / seconds:>12,.0f} tracks/s ({seconds:.1f} s; "
                f"cluster start {started:.1f} s; worker peak RSS {peak})"
            )
        print(f"2 workers / 1 worker: {results[1] / results[2]:.2f}x")
        print(f"dask 2 workers / in process: {here / results[2]:.2f}x")


if __name__ == "__main__":
    main()
