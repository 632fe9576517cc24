"""Recommend at scale (issue 15): TrackIndex vs an exact brute-force top-k in numpy.

For each size N (default 1,000,000 and 10,000,000):

1. A child process makes a synthetic catalogue of N tracks: the 11 features of the shipped
   TidyTuesday songs resampled with noise, classified by the default model (distributions and
   the listeners' reading, hence plane positions exactly as the catalogue computes them),
   artists Zipf-distributed (one artist holds ~25 % of the tracks: the cap bites). Written as
   .npy files to a temporary folder.
2. A fresh child process loads them, builds :class:`~moodtune.index.TrackIndex`
   (build time), drops its inputs and reads its resident memory (VmRSS, and the peak VmHWM of
   the build) — the figure a server holding the index would show. It then reloads the inputs
   for the floor and runs the queries, ours and the floor interleaved (so both see the same
   machine load): per mode (``match``: k=10; ``uplift``/``calm``: a path of 10 plane steps),
   artist cap 2, 100 random tracks of history excluded, targets alternately a single emotion
   and a random Dirichlet(0.5) distribution. Ours runs ``--queries`` times per mode, the floor
   (``brute_force_*``: score every track, ``argpartition`` over all N, the same selection)
   ``--floor-queries`` times per mode, and every floor answer must equal ours.
   With ``--recommender`` (alias ``--today``), the recommender's own ranking step is timed
   too: ``ranking.by_distribution``/``by_plane`` on a ``CatalogueArrays`` over the same
   index (as the catalogue builds it; no SQLite), the pool sizes the recommender asks, and
   the same selection; printed beside the floor as the ratio floor/recommender. With
   ``--faiss`` (needs ``pip install faiss-cpu``, MIT; a peer for the benchmark only, never a
   dependency), faiss' exact ``IndexFlatIP`` and, up to
   2M tracks, its approximate HNSW answer the match queries with the same over-fetch and
   selection, 1 thread.

Prints the machine (CPU, cores, load average before and after each size), build time, memory,
p50/p95 per mode for ours and the floor and the ratio floor/ours.

Run: ``python benchmarks/bench_scale.py --sizes 1000000 10000000`` (add ``--recommender`` for
the recommender's ranking step; ``--sizes 200000 --queries 50`` for a quick look).
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

import numpy as np

import common

K = 10
CAP = 2
HISTORY = 100


def machine() -> str:
    model, _ = common.cpu()
    return (
        f"{model}, {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )


def load_average() -> str:
    return common.load_average()


def memory_mb() -> dict[str, float]:
    """Resident memory of this process in MB: now (VmRSS) and the peak (VmHWM)."""
    figures = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            figures[key] = round(int(value.split()[0]) / 1024.0, 1)
    return figures


def synthetic(n: int, seed: int = 0, chunk: int = 1_000_000):
    """Distributions (n, 7) float32, plane positions (n, 2) float32, artists (n,) int32."""
    from moodtune.catalogue.arrays import plane_position
    from moodtune.catalogue.songs import default_songs
    from moodtune.catalogue.sqlite import classify
    from moodtune.data.features import FEATURE_NAMES, FEATURES
    from moodtune.model.artifact import EmotionModel

    rng = np.random.default_rng(seed)
    frame = default_songs().frame
    source = np.stack(
        [frame[name].to_numpy(dtype=np.float64, na_value=np.nan) for name in FEATURE_NAMES],
        axis=1,
    )
    model = EmotionModel.default()
    distributions = np.empty((n, 7), np.float32)
    positions = np.empty((n, 2), np.float32)
    valence, energy = FEATURE_NAMES.index("valence"), FEATURE_NAMES.index("energy")
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        rows = source[rng.integers(0, len(source), m)]
        for j, name in enumerate(FEATURE_NAMES):
            spec = FEATURES[name]
            if not spec.integer:
                spread = {"tempo": 3.0, "loudness": 1.0}.get(name, 0.03)
                rows[:, j] = np.clip(rows[:, j] + rng.normal(0, spread, m), spec.low, spec.high)
        classified = classify(model, rows)
        probabilities = classified.probabilities.astype(np.float32)
        distributions[lo : lo + m] = probabilities
        positions[lo : lo + m] = plane_position(
            rows[:, valence].astype(np.float32),
            rows[:, energy].astype(np.float32),
            probabilities,
            classified.reading[:, 2:4].astype(np.float32),
        )
    artists = np.minimum(rng.zipf(1.3, n), n // 4).astype(np.int32)
    return distributions, positions, artists


def make(n: int, folder: Path) -> None:
    started = time.perf_counter()
    for name, values in zip(("distributions", "positions", "artists"), synthetic(n), strict=True):
        np.save(folder / f"{name}.npy", values)
    print(json.dumps({"generate_s": round(time.perf_counter() - started, 1)}))


def percentiles(values: list[float]) -> dict[str, float]:
    array = np.asarray(values)
    return {
        "p50_ms": round(float(np.percentile(array, 50)), 3),
        "p95_ms": round(float(np.percentile(array, 95)), 3),
        "n": len(array),
    }


def measure(
    folder: Path, queries: int, floor_queries: int, today: bool, seed: int, with_faiss: bool
) -> None:
    from moodtune.emotions import CIRCUMPLEX, coordinates
    from moodtune.index import (
        TrackIndex,
        brute_force_match,
        brute_force_path,
        path_points,
        select,
    )

    loaded = {name: np.load(folder / f"{name}.npy") for name in ("distributions", "positions")}
    artists = np.load(folder / "artists.npy")
    n = len(artists)
    started = time.perf_counter()
    index = TrackIndex(loaded["distributions"], loaded["positions"], artists)
    build = time.perf_counter() - started
    del loaded
    serving = memory_mb()
    result: dict[str, object] = {
        "tracks": n,
        "build_s": round(build, 2),
        "index_mb": round(index.nbytes / 2**20, 1),
        "rss_serving_mb": serving["VmRSS"],
        "rss_peak_build_mb": serving["VmHWM"],
    }
    # The floor's inputs, as the catalogue holds them (square roots precomputed, column-wise).
    distributions = np.load(folder / "distributions.npy")
    positions = np.load(folder / "positions.npy")
    columns = np.ascontiguousarray(np.sqrt(np.clip(distributions, 0.0, 1.0)).T)
    arrays = _today_arrays(distributions, positions, artists, index) if today else None
    del distributions

    rng = np.random.default_rng(seed)
    ends = {
        "uplift": np.array([CIRCUMPLEX["happiness"].valence, CIRCUMPLEX["happiness"].arousal]),
        "calm": np.array([CIRCUMPLEX["neutral"].valence, -0.6]),
    }
    times: dict[str, dict[str, list[float]]] = {}
    mismatches = 0
    warm = np.full(7, 1.0 / 7.0)
    index.match(warm, K, cap=CAP)  # first calls: imports and caches, not timed
    index.path(np.zeros(2), ends["calm"], K, cap=CAP)
    brute_force_match(None, artists, warm, K, cap=CAP, columns=columns)
    for mode in ("match", "uplift", "calm"):
        ours_t, floor_t, today_t, ours_cpu = [], [], [], []
        for number in range(queries):
            if number % 2:
                target = np.eye(7)[int(rng.integers(7))]
            else:
                target = rng.dirichlet(np.full(7, 0.5))
            history = rng.choice(n, HISTORY, replace=False)
            start = np.sum(target[:, None] * coordinates(), axis=0)
            tick, cpu = time.perf_counter(), time.thread_time()
            if mode == "match":
                ours = index.match(target, K, cap=CAP, excluded=history)
            else:
                ours = index.path(start, ends[mode], K, cap=CAP, excluded=history)
            ours_t.append((time.perf_counter() - tick) * 1e3)
            ours_cpu.append((time.thread_time() - cpu) * 1e3)
            assert len(ours[0]) == K
            if number < floor_queries:
                tick = time.perf_counter()
                if mode == "match":
                    floor = brute_force_match(
                        None, artists, target, K, cap=CAP, excluded=history, columns=columns
                    )
                else:
                    floor = brute_force_path(
                        positions, artists, start, ends[mode], K, cap=CAP, excluded=history
                    )
                floor_t.append((time.perf_counter() - tick) * 1e3)
                same = np.array_equal(ours[0], floor[0]) and np.array_equal(ours[1], floor[1])
                mismatches += not same
            if arrays is not None and number < floor_queries:
                tick = time.perf_counter()
                _today(
                    arrays,
                    mode,
                    target,
                    path_points(start, ends.get(mode, start), K),
                    history,
                    select,
                )
                today_t.append((time.perf_counter() - tick) * 1e3)
        times[mode] = {
            "ours": ours_t,
            "floor": floor_t,
            "recommender": today_t,
            "cpu": ours_cpu,
        }
    result["after"] = memory_mb()
    result["mismatches"] = mismatches
    if with_faiss:
        result["faiss"] = _faiss(index, columns, artists, floor_queries, seed)
    for mode, kinds in times.items():
        for kind, values in kinds.items():
            if values:
                result[f"{mode}_{kind}"] = percentiles(values)
    kinds = ("ours", "floor", "cpu", "recommender")
    every = {kind: [v for m in times.values() for v in m[kind]] for kind in kinds}
    for kind in kinds:
        if every[kind]:
            result[f"all_{kind}"] = percentiles(every[kind])
    print(json.dumps(result))


def _faiss(index, columns, artists, queries: int, seed: int) -> dict[str, object]:
    """faiss-cpu (1 thread) for match, k=10, cap 2, 100 tracks excluded: the exact
    ``IndexFlatIP`` (a BLAS brute force) and, up to 2M tracks, ``IndexHNSWFlat`` (M=32,
    efSearch=128; approximate): the pool is over-fetched as the recommender does (8k + 2 ×
    excluded + 32, ×4 while the rules reject too many) and the same selection applied."""
    import faiss

    from moodtune.index import match_weights, select

    faiss.omp_set_num_threads(1)
    vectors = np.ascontiguousarray(columns.T)
    n = len(vectors)
    kinds = {"flat": faiss.IndexFlatIP(7)}
    if n <= 2_000_000:
        kinds["hnsw"] = faiss.IndexHNSWFlat(7, 32, faiss.METRIC_INNER_PRODUCT)
        kinds["hnsw"].hnsw.efSearch = 128
    out: dict[str, object] = {}
    rng = np.random.default_rng(seed + 1)
    targets = [
        np.eye(7)[int(rng.integers(7))] if q % 2 else rng.dirichlet(np.full(7, 0.5))
        for q in range(queries)
    ]
    histories = [rng.choice(n, HISTORY, replace=False) for _ in range(queries)]
    for name, engine in kinds.items():
        tick = time.perf_counter()
        engine.add(vectors)
        build = time.perf_counter() - tick
        times, same = [], 0
        for target, history in zip(targets, histories, strict=True):
            weights = match_weights(target)[None, :]
            excluded = np.sort(history)
            tick = time.perf_counter()
            pool = 8 * K + 2 * HISTORY + 32
            while True:
                coefficient, found = engine.search(weights, pool)
                keep = found[0] >= 0
                ids, coefficient = found[0][keep], coefficient[0][keep]
                scores = 1.0 - np.sqrt(np.clip(1.0 - coefficient.astype(np.float64), 0.0, 1.0))
                chosen = select(ids, scores, artists, K, cap=CAP, excluded=excluded)
                if len(chosen) == K or pool >= n:
                    break
                pool = min(n, pool * 4)
            times.append((time.perf_counter() - tick) * 1e3)
            ours = index.match(target, K, cap=CAP, excluded=history)[0]
            same += np.array_equal(np.sort(ids[chosen]), np.sort(ours))
        out[name] = {
            "build_s": round(build, 1),
            **percentiles(times),
            "same_as_exact": f"{same} of {len(targets)}",
        }
        engine.reset()
    return out


def _today_arrays(distributions, positions, artists, index):
    """The recommender's CatalogueArrays (only the fields the ranking reads are real) over
    ``index``, the TrackIndex the catalogue would build from the same arrays."""
    from moodtune.catalogue.arrays import CatalogueArrays

    n = len(artists)
    blank = np.zeros(0, np.float32)
    return CatalogueArrays(
        0, np.arange(n), distributions, *(blank,) * 4, positions, blank, artists, index
    )


def _today(arrays, mode, target, points, history, select) -> None:
    """Today's ranking (by_distribution / by_plane) with the same selection, pool sizes as the
    recommender asks (8k + 2·excluded + 32; 32 + 2·(excluded + chosen) per step)."""
    from moodtune.recommend.ranking import by_distribution, by_plane

    excluded = np.sort(history)
    if mode == "match":
        pool = 8 * K + 2 * len(excluded) + 32
        while True:
            ranking = by_distribution(arrays, target, pool)
            chosen = select(
                ranking.indices[:pool],
                ranking.scores[:pool],
                arrays.artists,
                K,
                cap=CAP,
                excluded=excluded,
            )
            if len(chosen) == K or pool >= arrays.size:
                return
            pool *= 4
    used: dict[int, int] = {}
    for step, point in enumerate(points):
        want = 32 + 2 * (len(excluded) + step)
        while True:
            ranking = by_plane(arrays, point, want)
            chosen = select(
                ranking.indices[:want],
                ranking.scores[:want],
                arrays.artists,
                1,
                cap=CAP,
                excluded=excluded,
                used=used,
            )
            if len(chosen) or want >= arrays.size:
                break
            want *= 4
        pick = int(ranking.indices[chosen[0]])
        excluded = np.sort(np.r_[excluded, pick])
        artist = int(arrays.artists[pick])
        used[artist] = used.get(artist, 0) + 1


def run(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench_scale_") as folder:
            made = subprocess.run(
                [sys.executable, __file__, "--make", str(n), "--folder", folder],
                check=True,
                capture_output=True,
                text=True,
            )
            generated = json.loads(made.stdout.strip().splitlines()[-1])
            before = load_average()
            command = [
                sys.executable,
                __file__,
                "--measure",
                "--folder",
                folder,
                "--queries",
                str(args.queries),
                "--floor-queries",
                str(args.floor_queries),
            ]
            if args.recommender:
                command.append("--recommender")
            if args.faiss:
                command.append("--faiss")
            measured = subprocess.run(command, check=True, capture_output=True, text=True)
            after = load_average()
        figures = json.loads(measured.stdout.strip().splitlines()[-1])
        report(n, generated, figures, before, after)


def report(n: int, generated: dict, figures: dict, before: str, after: str) -> None:
    print(f"\n== {n:,} tracks (synthetic; generated in {generated['generate_s']} s) ==")
    print(f"load average before {before}, after {after}")
    print(
        f"build {figures['build_s']} s; index {figures['index_mb']} MB; RSS serving "
        f"{figures['rss_serving_mb']} MB (peak during build {figures['rss_peak_build_mb']} MB); "
        f"RSS at the end with the floor's arrays too {figures['after']['VmRSS']} MB"
    )
    print(f"answers differing from the floor: {figures['mismatches']}")
    for name, figure in figures.get("faiss", {}).items():
        print(
            f"faiss {name} (1 thread), match: build {figure['build_s']} s, p50 "
            f"{figure['p50_ms']:.2f} ms, p95 {figure['p95_ms']:.2f} ms, answers equal to the "
            f"exact top-k: {figure['same_as_exact']}"
        )
    header = f"{'mode':8} {'ours p50':>9} {'ours p95':>9} {'floor p50':>10} {'floor p95':>10}"
    today = any(key.endswith("_recommender") for key in figures)
    print(header + (f" {'rec. p50':>10} {'rec. p95':>10}" if today else "") + "  floor/ours")
    for mode in ("match", "uplift", "calm", "all"):
        ours, floor = figures[f"{mode}_ours"], figures[f"{mode}_floor"]
        line = (
            f"{mode:8} {ours['p50_ms']:9.2f} {ours['p95_ms']:9.2f} "
            f"{floor['p50_ms']:10.2f} {floor['p95_ms']:10.2f}"
        )
        if today:
            t = figures[f"{mode}_recommender"]
            line += f" {t['p50_ms']:10.2f} {t['p95_ms']:10.2f}"
        ratio = floor["p50_ms"] / ours["p50_ms"]
        line += f"  {ratio:.0f}× at p50, {floor['p95_ms'] / ours['p95_ms']:.0f}× at p95"
        if today:
            line += (
                f"; floor/recommender {floor['p50_ms'] / t['p50_ms']:.1f}× at p50, "
                f"{floor['p95_ms'] / t['p95_ms']:.1f}× at p95 (n={t['n']})"
            )
        cpu = figures[f"{mode}_cpu"]
        print(
            line + f"  (ours n={ours['n']}, floor n={floor['n']}; ours CPU time p50 "
            f"{cpu['p50_ms']:.2f}, p95 {cpu['p95_ms']:.2f} ms)"
        )


# --- the simulated 100M build (docs/scale.md) ----------------------------------------------------


def build_shard(shard: int, shard_size: int, folder: str) -> dict[str, float]:
    """One shard of a sharded catalogue, as a Dask task: its tracks (synthetic, seeded by the
    shard: the stand-in for reading its Parquet partition), its index, written to a file."""
    from moodtune.index import TrackIndex

    started = time.perf_counter()
    distributions, positions, artists = synthetic(shard_size, seed=1000 + shard)
    generated = time.perf_counter()
    index = TrackIndex(distributions, positions, artists)
    built = time.perf_counter()
    index.save(Path(folder) / f"shard{shard:05d}.npz")
    np.save(Path(folder) / f"shard{shard:05d}_artists.npy", artists)
    return {
        "shard": shard,
        "generate_s": generated - started,
        "build_s": built - generated,
        "save_s": time.perf_counter() - built,
        "index_bytes": index.nbytes,
        "peak_rss_mb": memory_mb()["VmHWM"],
    }


def simulate(total: int, shard_size: int, built: int, workers: int, queries: int) -> None:
    """Build ``built`` of the ``total / shard_size`` shards for real on a Dask LocalCluster,
    query them, and extrapolate to the whole catalogue (an estimate, labelled so)."""
    from dask.distributed import Client, LocalCluster

    from moodtune.index import TrackIndex, brute_force_match, merge

    shards = -(-total // shard_size)
    print(f"machine: {machine()}")
    print(
        f"simulated catalogue: {total:,} tracks in {shards} shards of {shard_size:,}; "
        f"{built} shards built for real ({100 * built / shards:.1f} %) on a Dask LocalCluster "
        f"of {workers} worker processes, 1 thread each"
    )
    print(f"load average before: {load_average()}")
    with tempfile.TemporaryDirectory(prefix="bench_scale_shards_") as folder:
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            started = time.perf_counter()
            futures = client.map(
                build_shard, range(built), shard_size=shard_size, folder=folder, pure=False
            )
            results = client.gather(futures)
            wall = time.perf_counter() - started
        print(f"load average after the build: {load_average()}")
        per_build = float(np.mean([r["build_s"] for r in results]))
        per_generate = float(np.mean([r["generate_s"] for r in results]))
        index_bytes = float(np.mean([r["index_bytes"] for r in results]))
        peak = float(np.max([r["peak_rss_mb"] for r in results]))
        print(
            f"built {built} shards in {wall:.1f} s wall: per shard build {per_build:.1f} s, "
            f"data {per_generate:.1f} s, index {index_bytes / 2**20:.1f} MB "
            f"({index_bytes / shard_size:.1f} B/track), worker peak RSS {peak:.0f} MB"
        )
        # Serve the built shards: each answers the query, the answers are merged.
        indexes = [TrackIndex.load(Path(folder) / f"shard{s:05d}.npz") for s in range(built)]
        artists = [np.load(Path(folder) / f"shard{s:05d}_artists.npy") for s in range(built)]
    rng = np.random.default_rng(7)
    per_shard, merging, mismatches = [], [], 0
    union_distributions = None
    for number in range(queries):
        target = np.eye(7)[number % 7] if number % 2 else rng.dirichlet(np.full(7, 0.5))
        parts = []
        for shard, index in enumerate(indexes):
            tick = time.perf_counter()
            found, scores = index.match(target, K, cap=CAP)
            per_shard.append((time.perf_counter() - tick) * 1e3)
            parts.append((found + shard * shard_size, scores, artists[shard][found]))
        tick = time.perf_counter()
        merged = merge(parts, K, cap=CAP)
        merging.append((time.perf_counter() - tick) * 1e3)
        if number < 20:  # the merge is exact: one brute force over the union of the shards
            if union_distributions is None:
                union_distributions = np.concatenate(
                    [synthetic(shard_size, seed=1000 + s)[0] for s in range(built)]
                )
            floor = brute_force_match(
                union_distributions, np.concatenate(artists), target, K, cap=CAP
            )
            mismatches += not np.array_equal(merged[0], floor[0])
    p50, p95, p99 = np.percentile(per_shard, [50, 95, 99])
    print(f"load average after the queries: {load_average()}")
    print(
        f"match k={K} cap={CAP} per shard of {shard_size:,}: p50 {p50:.2f} ms, p95 {p95:.2f} "
        f"ms, p99 {p99:.2f} ms ({len(per_shard)} shard queries); merge of {built} answers "
        f"p95 {np.percentile(merging, 95):.3f} ms; merged answers differing from brute force "
        f"over the {built} shards: {mismatches} of {min(queries, 20)}"
    )
    print(f"\nESTIMATE for {total:,} tracks ({shards} shards), extrapolated from the above:")
    print(f"  index memory: {shards * index_bytes / 2**30:.1f} GiB in all")
    for machines in (1, 10, shards):
        cores = 2 * machines
        print(
            f"  build on {machines} machine(s) of 2 cores: "
            f"{shards * (per_build + per_generate) / cores / 60:.1f} min "
            f"(index only: {shards * per_build / cores / 60:.1f} min)"
        )
    print(
        f"  query, every shard on its own core in parallel: ≈ the slowest of {shards} shards "
        f"≈ per-shard p99 {p99:.1f} ms + merge + network; all {shards} shards on one 2-core "
        f"machine: ≈ {shards / 2 * p50:.0f} ms at p50"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--queries", type=int, default=200, help="queries per mode (ours)")
    parser.add_argument(
        "--floor-queries", type=int, default=50, help="queries per mode for the floor"
    )
    parser.add_argument(
        "--recommender",
        "--today",
        action="store_true",
        help="also time the recommender's ranking step (by_distribution/by_plane)",
    )
    parser.add_argument(
        "--faiss", action="store_true", help="also time faiss-cpu for match (if installed)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--simulate", type=int, metavar="TRACKS", help="simulate a sharded build of TRACKS"
    )
    parser.add_argument("--shard-size", type=int, default=1_000_000)
    parser.add_argument("--build-shards", type=int, default=2, help="shards built for real")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--make", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.simulate:
        simulate(args.simulate, args.shard_size, args.build_shards, args.workers, args.queries)
    elif args.make:
        make(args.make, args.folder)
    elif args.measure:
        measure(
            args.folder, args.queries, args.floor_queries, args.recommender, args.seed, args.faiss
        )
    else:
        run(args)


if __name__ == "__main__":
    main()
