"""Simulation: does feedback change what a listener gets? (issue 11)

Run: .venv/bin/python benchmarks/bench_feedback.py
A synthetic listener who likes acoustic tracks (acousticness ≥ 0.5) asks 20 times for music
for an emotion drawn at random (seeded), rates every track of the top 10 (👍 acoustic, 👎 the
rest) and plays the liked ones. The same 20 requests run on two catalogues of the TidyTuesday
songs shipped in the package: with the taste learned from the 👍/👎 (moodtune's default) and
without it (dislikes still exclude, as before), side by side. Prints the share of liked
tracks in the top 10 over the first and the last five rounds, for each, and the ratio.
"""

from __future__ import annotations

import platform
import tempfile
from pathlib import Path

import numpy as np

from moodtune.catalogue.songs import default_songs
from moodtune.catalogue.sqlite import Catalogue
from moodtune.recommend.recommender import MusicRecommender
from moodtune.recommend.simulation import simulate


def acoustic(features) -> bool:
    return (features.get("acousticness") or 0.0) >= 0.5


def run(folder: Path, name: str, taste_weight: float) -> list[float]:
    with Catalogue.open(folder / f"{name}.sqlite", fill_builtin=False) as catalogue:
        catalogue.import_table(default_songs(), source="tidytuesday")
        recommender = MusicRecommender(catalogue, seed=4, taste_weight=taste_weight)
        return simulate(catalogue, recommender, acoustic, rounds=20, seed=0)


def main() -> None:
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        learned = run(Path(tmp), "taste", 0.3)
        blind = run(Path(tmp), "blind", 0.0)
    for name, shares in (("with the taste", learned), ("dislikes only", blind)):
        print(
            f"{name:15} first 5 rounds {np.mean(shares[:5]):.2f}, last 5 {np.mean(shares[-5:]):.2f}"
            f", all 20 {np.mean(shares):.2f}  ({' '.join(f'{s:.1f}' for s in shares)})"
        )
    print(
        f"liked share over all 20 rounds, taste / dislikes only: "
        f"{np.mean(learned) / max(np.mean(blind), 1e-9):.2f}x"
    )


if __name__ == "__main__":
    main()
