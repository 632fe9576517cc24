"""Ranking time against the number of 👎 rows (issue 22, item 1): one process per version.

Run by ``bench_abuse.py`` (phase ``dislikes``) with ``PYTHONPATH`` set to the version's
``src``, on a copy of the benchmark catalogue; prints one JSON line. Dislike rows are added
in steps (0, 1,000, 3,000, 100,000 rows, each for a track drawn at random with repetition,
seeded, as a listener who turns tracks down again and again would), straight into the
``feedback`` table (as ``catalog``'s own connection would write them), each step in a copy
of its own. For each step a fresh ``MusicRecommender`` (seeded) answers every named emotion in
``match`` and ``uplift`` (k=10) once to warm its caches; then ``--rounds`` rounds each ask
every step in turn, so that a shared machine slowing down for a while slows every step alike
(the steps timed one after another gave ratios from 1.1 to 2.0x for the same code). The
median time of one answer is reported per step and mode, with the tracks the step leaves
eligible.

Usage: ``PYTHONPATH=src python benchmarks/abuse_dislikes.py CATALOGUE [--rounds N]`` (20)
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


def time_answers(paths: dict[str, Path], rounds: int) -> dict[str, dict[str, float]]:
    """The median time (ms) of one answer per step and mode, the steps asked in turn."""
    from contextlib import ExitStack

    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.recommend.recommender import MusicRecommender

    with ExitStack() as stack:
        catalogues = {s: stack.enter_context(Catalogue.open(p)) for s, p in paths.items()}
        recommenders = {s: MusicRecommender(c, seed=3) for s, c in catalogues.items()}
        times: dict[tuple[str, str], list[float]] = {}
        for mode in ("match", "uplift"):
            for recommender in recommenders.values():  # warm: arrays, rankings, the feedback
                for emotion in EMOTIONS:
                    recommender.recommend(emotion, k=10, mode=mode)
            for _ in range(rounds):
                for step, recommender in recommenders.items():
                    for emotion in EMOTIONS:
                        started = time.perf_counter()
                        recommender.recommend(emotion, k=10, mode=mode)
                        elapsed = time.perf_counter() - started
                        times.setdefault((step, mode), []).append(elapsed)
        return {
            step: {
                mode: statistics.median(times[step, mode]) * 1000 for mode in ("match", "uplift")
            }
            | {"disliked tracks": int(catalogues[step].disliked_rowids().size)}
            for step in paths
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("catalogue", type=Path)
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args()
    rng = np.random.default_rng(22)
    with tempfile.TemporaryDirectory(prefix="moodtune-dislikes-") as scratch:
        path = Path(scratch) / "catalogue.sqlite"
        shutil.copy(options.catalogue, path)
        with sqlite3.connect(path) as connection:
            rowids = np.array([r for (r,) in connection.execute("SELECT rowid FROM tracks")])
        paths, added = {}, 0
        for step in STEPS:
            add_dislikes(path, rng.choice(rowids, size=step - added))
            added = step
            paths[str(step)] = Path(scratch) / f"catalogue-{step}.sqlite"
            shutil.copy(path, paths[str(step)])
        results = time_answers(paths, options.rounds)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
