"""Benchmark: `predict` on a Parquet dataset, in process and on Dask (1 and 2 workers).

Run: .venv/bin/python benchmarks/bench_dask.py [--rows 10000000] [--file-rows 250000]
Writes a synthetic dataset of ROWS tracks (the 11 features drawn from the shipped TidyTuesday
songs, ids made unique) in files of FILE_ROWS tracks, then times, in the same run:
- in process (the peer): one process predicts file after file with the function the workers
  run (read, validate, predict, write one Parquet part per file), in a child process so its
  peak RSS is its own;
- `predict_dataset` on a `LocalCluster` of 1 and of 2 single-threaded worker processes
  (cluster start-up timed apart);
- and `moodtune predict DIR --cluster local:2` itself, as a user runs it (the throughput it
  prints, and the peak RSS of the largest process of its tree).
Prints the machine and its load average (before and after: the machine may be shared), the
ratio 2 processes / 1 process of a pure-Python loop at the same moments (the ceiling of any
2-worker ratio then), tracks/s, the ratios 2 workers / 1 worker and Dask / in process, and
the peak RSS of every process: the in-process child, each worker, and this driver (client
and scheduler; it also wrote the dataset, one file at a time).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from moodtune.catalogue.songs import default_songs
from moodtune.data.features import FEATURE_NAMES
from moodtune.distributed import dask_client, predict_dataset
from moodtune.distributed._predict import predict_file
from moodtune.model.artifact import EmotionModel

MB = 2**20


def make_dataset(folder: Path, rows: int, file_rows: int) -> int:
    """Write ``rows`` tracks (rounded down to whole files) as Parquet files; returns rows."""
    real = default_songs().frame[list(FEATURE_NAMES)].to_numpy()
    rng = np.random.default_rng(0)
    files = max(1, rows // file_rows)
    for number in range(files):
        picked = real[rng.integers(0, len(real), file_rows)]
        frame = pd.DataFrame(picked, columns=list(FEATURE_NAMES))
        frame.insert(0, "track_id", [f"t{number}-{i}" for i in range(file_rows)])
        frame.to_parquet(folder / f"part-{number:04d}.parquet", index=False)
    return files * file_rows


def peak_rss() -> int:
    """This process's peak resident set size, bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _in_process(folder: str, out: str, queue: multiprocessing.Queue) -> None:
    model = EmotionModel.default()
    start = time.perf_counter()
    for number, path in enumerate(sorted(Path(folder).glob("*.parquet"))):
        predict_file(model, str(path), str(Path(out) / f"part.{number}.parquet"))
    queue.put((time.perf_counter() - start, peak_rss()))


def in_process(folder: Path, out: Path) -> tuple[float, int]:
    """Seconds and peak RSS of the in-process path, run in a fresh child process."""
    out.mkdir()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_in_process, args=(str(folder), str(out), queue))
    child.start()
    seconds, peak = queue.get(timeout=3600)
    child.join()
    return seconds, peak


def on_dask(folder: Path, out: Path, workers: int) -> tuple[float, float, list[int]]:
    """Seconds of predict_dataset, cluster start-up seconds, the workers' peak RSS."""
    model = EmotionModel.default()
    start = time.perf_counter()
    with dask_client(cluster=f"local:{workers}") as client:
        started = time.perf_counter() - start
        begin = time.perf_counter()
        predict_dataset(model, folder, out, client)
        seconds = time.perf_counter() - begin
        peaks = client.run(peak_rss)
    return seconds, started, sorted(peaks.values())


#: Runs a command and prints the peak RSS of the largest process in its tree (its waited-for
#: descendants included: the nanny reaps its worker), in KiB, on stderr's last line.
_TREE_PEAK = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def with_the_cli(folder: Path, out: Path, workers: int) -> tuple[float, str, int]:
    """``moodtune predict FOLDER --out OUT --cluster local:N`` as a user runs it: seconds
    (cluster start included), the line it prints, the peak RSS of any of its processes."""
    moodtune = [sys.executable, "-c", "from moodtune.cli.main import main; main()"]
    command = [*moodtune, "predict", str(folder), "--out", str(out), "--cluster"]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _TREE_PEAK, *command, f"local:{workers}"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
        check=True,
    )
    seconds = time.perf_counter() - start
    lines = done.stderr.strip().splitlines()
    said = " ".join(line.strip() for line in lines if "predicted" in line)
    return seconds, said, int(lines[-1]) * 1024


def _spin(loops: int) -> None:
    total = 0
    for i in range(loops):
        total += i


def parallel_ceiling(loops: int = 15_000_000) -> float:
    """How much faster 2 processes do 2 equal pure-Python chunks than 1 process does, now.

    On an idle 2-core machine about 2x; on a shared one less: the ceiling of any 2-worker
    ratio measured at the same moment.
    """
    context = multiprocessing.get_context("spawn")
    seconds = {}
    for processes in (1, 2):
        with context.Pool(processes) as pool:
            pool.map(_spin, [1000] * processes)  # started before timing
            start = time.perf_counter()
            pool.map(_spin, [loops, loops], chunksize=1)
            seconds[processes] = time.perf_counter() - start
    return seconds[1] / seconds[2]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--file-rows", type=int, default=250_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load average (1, 5, 15 min) before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        rows = make_dataset(folder, args.rows, args.file_rows)
        files = len(list(folder.glob("*.parquet")))
        print(f"dataset: {rows:,} tracks in {files} Parquet files of {args.file_rows:,}")

        before = parallel_ceiling()
        print(f"the machine's own 2-process / 1-process ratio (pure Python) now: {before:.2f}x")
        here, here_peak = in_process(folder, Path(tmp) / "here")
        shutil.rmtree(Path(tmp) / "here")
        print(
            f"in process:         {rows / here:>10,.0f} tracks/s ({here:.1f} s; "
            f"peak RSS {here_peak / MB:,.0f} MB)"
        )
        results = {}
        for workers in (1, 2):
            out = Path(tmp) / f"out{workers}"
            seconds, started, peaks = on_dask(folder, out, workers)
            shutil.rmtree(out)
            results[workers] = seconds
            peak = ", ".join(f"{p / MB:,.0f} MB" for p in peaks)
            print(
                f"dask, {workers} worker(s): {rows / seconds:>10,.0f} tracks/s ({seconds:.1f} s; "
                f"cluster start {started:.1f} s; worker peak RSS {peak})"
            )
        seconds, said, tree_peak = with_the_cli(folder, Path(tmp) / "cli", 2)
        print(f"the CLI, --cluster local:2: {seconds:.1f} s in all; it printed: {said}")
        print(f"  peak RSS of any of its processes: {tree_peak / MB:,.0f} MB")
    print(f"driver (client + scheduler) peak RSS: {peak_rss() / MB:,.0f} MB")
    print(f"load average (1, 5, 15 min) after: {load()}")
    after = parallel_ceiling()
    print(f"the machine's own 2-process / 1-process ratio (pure Python) after: {after:.2f}x")
    print(f"2 workers / 1 worker: {results[1] / results[2]:.2f}x")
    print(f"dask 1 worker / in process: {here / results[1]:.2f}x")
    print(f"dask 2 workers / in process: {here / results[2]:.2f}x")


if __name__ == "__main__":
    main()
