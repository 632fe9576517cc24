"""Benchmark: a full analysis pass over a 3-minute track on one core, as × real time.

The track is real music: a built-in immich-memories-music clip looped to 3 minutes and
written as Opus (48 kHz stereo, as the built-in clips are), then analysed as
``moodtune analyze`` does: decode, measure (tempo, key, mode, loudness) and, when VibeNet is
installed, estimate the 7 other features. The process is pinned to one core.

    .venv/bin/python benchmarks/bench_audio.py [--repeats 3] [--seconds 180]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=180.0)
    arguments = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    import immich_memories_music
    import numpy as np
    import soundfile

    from moodtune.audio.decode import decode
    from moodtune.audio.estimate import VibeNetEstimator, vibenet_available
    from moodtune.audio.measure import measure

    clip = immich_memories_music.tracks_dir() / "happy" / "happy_acoustic_1.opus"
    samples, rate = soundfile.read(str(clip), dtype="float32", always_2d=True)
    repeats = int(np.ceil(arguments.seconds * rate / samples.shape[0]))
    track = np.tile(samples, (repeats, 1))[: int(arguments.seconds * rate)]
    estimator = VibeNetEstimator() if vibenet_available() else None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "three_minutes.opus"
        soundfile.write(str(path), track, rate, format="OGG", subtype="OPUS")
        measure(track[: rate * 5], rate)  # warm up (numba caches, lazy imports)
        timings: dict[str, list[float]] = {"decode": [], "measure": [], "estimate": []}
        for _ in range(arguments.repeats):
            started = time.perf_counter()
            decoded = decode(path)
            timings["decode"].append(time.perf_counter() - started)
            started = time.perf_counter()
            result = measure(decoded.samples, decoded.rate)
            timings["measure"].append(time.perf_counter() - started)
            if estimator is not None:
                started = time.perf_counter()
                estimator.estimate(decoded.mono(), decoded.rate)
                timings["estimate"].append(time.perf_counter() - started)
    duration = arguments.seconds
    print(
        f"track: {duration:.0f} s of {clip.name} looped, Opus 48 kHz stereo; "
        f"{arguments.repeats} passes on 1 core (median); tempo {result.tempo:.1f} BPM"
    )
    total = 0.0
    for stage, values in timings.items():
        if not values:
            print(f"  {stage:9s} skipped (VibeNet not installed)")
            continue
        median = statistics.median(values)
        total += median
        print(f"  {stage:9s} {median:6.2f} s")
    measured_only = statistics.median(timings["decode"]) + statistics.median(timings["measure"])
    print(
        f"full pass  {total:6.2f} s = {duration / total:5.1f}× real time"
        f"{' (with VibeNet)' if timings['estimate'] else ''}"
    )
    print(
        f"measured   {measured_only:6.2f} s = {duration / measured_only:5.1f}× real time "
        "(decode + tempo, key, loudness)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
