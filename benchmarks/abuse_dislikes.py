"""Ranking time against the number of 👎 rows (issue 22, item 1): one process per version.

Run by ``bench_abuse.py`` (phase ``dislikes``) with ``PYTHONPATH`` set to the version's
``src``, on a copy of the benchmark catalogue; prints one JSON line. Dislike rows are added
in steps (0, 1,000, 3,000, 100,000 rows, each for a track drawn at random with repetition,
seeded, as a listener who turns tracks down again and again would), straight into the
``feedback`` table (as ``catalog``'s own connection would write them). At each step a fresh
``MusicRecommender`` (seeded) answers every named emotion in ``match`` and ``uplift`` (k=10)
once to warm its caches, then ``--rounds`` more times; the median time of one answer is
reported per mode, with the tracks the step leaves eligible.

Usage: ``PYTHONPATH=src python benchmarks/abuse_dislikes.py CATALOGUE [--rounds N]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

STEPS = (0, 1_000, 3_000, 100_000)
EMOTIONS = ("anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")


def add_dislikes(path: Path, rowids: np.ndarray) -> None:
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO feedback (track, liked, context) VALUES (?, 0, ?)",
            [(int(r), '{"emotion": "sadness", "mode": "match"}') for r in rowids],
        )


def time_answers(path: Path, rounds: int) -> dict[str, float]:
    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.recommend.recommender import MusicRecommender

    with Catalogue.open(path, fill_builtin=False) as catalogue:
        recommender = MusicRecommender(catalogue, seed=3)
        figures: dict[str, float] = {}
        for mode in ("match", "uplift"):
            for emotion in EMOTIONS:  # warm: arrays, track data, rankings, the feedback read
                recommender.recommend(emotion, k=10, mode=mode)
            times = []
            for _ in range(rounds):
                for emotion in EMOTIONS:
                    started = time.perf_counter()
                    recommender.recommend(emotion, k=10, mode=mode)
                    times.append(time.perf_counter() - started)
            figures[mode] = statistics.median(times) * 1000
        figures["disliked tracks"] = int(catalogue.disliked_rowids().size)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    rng = np.random.default_rng(22)
    with tempfile.TemporaryDirectory(prefix="moodtune-dislikes-") as scratch:
        path = Path(scratch) / "catalogue.sqlite"
        shutil.copy(options.catalogue, path)
        with sqlite3.connect(path) as connection:
            rowids = np.array([r for (r,) in connection.execute("SELECT rowid FROM tracks")])
        results, added = {}, 0
        for step in STEPS:
            add_dislikes(path, rng.choice(rowids, size=step - added))
            added = step
            results[str(step)] = time_answers(path, options.rounds)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
