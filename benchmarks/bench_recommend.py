"""Benchmark the catalogue and the recommender.

1. Import and classify the tidytuesday table (32,833 rows, 28,356 unique tracks) into a new
   catalogue: read time, import+classify time.
2. Build a synthetic catalogue of N tracks (default 1,000,000; features resampled from
   tidytuesday with noise, artists Zipf-distributed so that some have thousands of tracks),
   in a child process.
3. In a fresh child process: open it, load the arrays, and time ``recommend`` (k=10, artist
   cap 2) for random emotions and distributions in every mode: p50, p95, max; resident memory
   (VmRSS, and the peak VmHWM) from /proc/self/status. Single emotions (7 × 3 modes) are
   answered from the recommender's ranking cache after their first request; random
   distributions are new targets every time (no cache hit): both are reported apart.

Run: ``.venv/bin/python benchmarks/bench_recommend.py`` (``--tracks 200000`` for a quick run;
``--workdir DIR --keep`` keeps the synthetic catalogue to rerun step 3 only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
TIDYTUESDAY = DATASETS / "tidytuesday" / "spotify_songs.csv"


def memory() -> dict[str, float]:
    """Resident memory of this process in MB: current (VmRSS) and peak (VmHWM)."""
    figures = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            figures[key] = int(value.split()[0]) / 1024.0
    return figures


def bench_tidytuesday(workdir: Path, model: Path | None) -> dict[str, float]:
    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.data.readers import read_tracks
    from moodtune.model.artifact import load_model

    path = workdir / "tidytuesday.sqlite"
    for stale in workdir.glob("tidytuesday.sqlite*"):
        stale.unlink()
    started = time.perf_counter()
    table = read_tracks(TIDYTUESDAY)
    read = time.perf_counter() - started
    catalogue = Catalogue.open(path, model=load_model(model), fill_builtin=False)
    imported = time.perf_counter()
    report = catalogue.import_table(table, source="tidytuesday")
    done = time.perf_counter()
    again = catalogue.import_table(table, source="tidytuesday")
    repeat = time.perf_counter() - done
    assert report.added == len(table) and not again.changed
    return {
        "rows_in_file": 32833,
        "unique_tracks": report.added,
        "read_s": round(read, 2),
        "import_and_classify_s": round(done - imported, 2),
        "total_s": round(done - started, 2),
        "repeat_import_s": round(repeat, 2),
    }


def build_synthetic(path: Path, tracks: int, model: Path | None, seed: int = 0) -> dict[str, float]:
    """Write a catalogue of ``tracks`` synthetic tracks at ``path`` (run in a child process)."""
    import numpy as np
    import pandas as pd

    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.data.features import FEATURES, SEED_FEATURES
    from moodtune.data.readers import read_tracks
    from moodtune.data.table import TrackTable
    from moodtune.model.artifact import load_model

    rng = np.random.default_rng(seed)
    source = read_tracks(TIDYTUESDAY).frame
    rows = rng.integers(0, len(source), tracks)
    frame = pd.DataFrame(
        {
            "track_id": [f"syn{i:019d}" for i in range(tracks)],
            "title": [f"synthetic track {i}" for i in range(tracks)],
            # Zipf-like: a few artists with thousands of tracks, a long tail of small ones.
            "artist": [f"artist {a}" for a in np.minimum(rng.zipf(1.3, tracks), tracks // 4)],
        }
    )
    for name in SEED_FEATURES:
        spec = FEATURES[name]
        values = source[name].to_numpy()[rows]
        spread = 3.0 if name == "tempo" else 0.03
        frame[name] = np.clip(values + rng.normal(0, spread, tracks), spec.low, spec.high)
    started = time.perf_counter()
    catalogue = Catalogue.open(path, model=load_model(model), fill_builtin=False)
    report = catalogue.import_table(TrackTable(frame, "synthetic"), source="synthetic")
    return {
        "tracks": report.added,
        "build_s": round(time.perf_counter() - started, 1),
        "file_mb": round(path.stat().st_size / 2**20, 1),
    }


def measure(path: Path, queries: int, model: Path | None, seed: int = 0) -> dict[str, object]:
    """Latency of ``recommend`` (k=10, artist cap 2) and resident memory (child process)."""
    import numpy as np

    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.emotions import EMOTIONS
    from moodtune.model.artifact import load_model
    from moodtune.recommend.modes import MODES
    from moodtune.recommend.recommender import MusicRecommender

    before = memory()
    catalogue = Catalogue.open(path, model=load_model(model), fill_builtin=False)
    started = time.perf_counter()
    arrays = catalogue.arrays()
    load = time.perf_counter() - started
    loaded = memory()
    recommender = MusicRecommender(catalogue, artist_cap=2)
    rng = np.random.default_rng(seed)
    latencies: dict[str, list[float]] = {mode: [] for mode in MODES}
    by_kind: dict[str, list[float]] = {"emotion": [], "distribution": []}
    for number in range(queries):
        mode = list(MODES)[number % len(MODES)]
        if number % 2:
            target: object = EMOTIONS[int(rng.integers(len(EMOTIONS)))]
        else:
            target = rng.dirichlet(np.full(len(EMOTIONS), 0.5)).tolist()
        tick = time.perf_counter()
        results = recommender.recommend(target, k=10, mode=mode)  # type: ignore[arg-type]
        latencies[mode].append((time.perf_counter() - tick) * 1000.0)
        by_kind["emotion" if number % 2 else "distribution"].append(latencies[mode][-1])
        assert len(results) == 10
    after = memory()
    every = np.concatenate([np.asarray(v) for v in latencies.values()])

    def summary(values: np.ndarray) -> dict[str, float]:
        return {
            "p50_ms": round(float(np.percentile(values, 50)), 2),
            "p95_ms": round(float(np.percentile(values, 95)), 2),
            "max_ms": round(float(values.max()), 2),
            "n": len(values),
        }

    return {
        "tracks": arrays.size,
        "arrays_mb": round(arrays.nbytes / 2**20, 1),
        "load_s": round(load, 2),
        "latency_all": summary(every),
        "latency_by_mode": {mode: summary(np.asarray(v)) for mode, v in latencies.items()},
        "latency_by_target": {kind: summary(np.asarray(v)) for kind, v in by_kind.items()},
        "rss_mb": {
            "start": round(before["VmRSS"], 1),
            "after_load": round(loaded["VmRSS"], 1),
            "after_queries": round(after["VmRSS"], 1),
            "peak": round(after["VmHWM"], 1),
        },
    }


def child(step: str, *args: str) -> dict[str, object]:
    output = subprocess.run(
        [sys.executable, __file__, f"--step={step}", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="a model folder (default: the model shipped with moodtune)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the synthetic catalogue")
    parser.add_argument("--step", choices=["build", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.step == "build":
        print(json.dumps(build_synthetic(options.path, options.tracks, options.model)))
        return
    if options.step == "measure":
        print(json.dumps(measure(options.path, options.queries, options.model)))
        return

    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="moodtune-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} (shared with other jobs)"
    )
    results: dict[str, object] = {"tidytuesday_import": bench_tidytuesday(workdir, options.model)}
    print("tidytuesday import:", json.dumps(results["tidytuesday_import"]))
    path = workdir / f"synthetic-{options.tracks}.sqlite"
    model = [f"--model={options.model}"] if options.model else []
    if not path.exists():
        results["synthetic_build"] = child(
            "build", f"--path={path}", f"--tracks={options.tracks}", *model
        )
        print("synthetic build:", json.dumps(results["synthetic_build"]))
    results["recommend"] = child(
        "measure", f"--path={path}", f"--queries={options.queries}", *model
    )
    print("recommend:", json.dumps(results["recommend"], indent=1))
    if not options.keep:
        for file in workdir.glob("*.sqlite*"):
            file.unlink()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
