"""A synthetic listener who likes one kind of track, for measuring what feedback changes.

Used by ``benchmarks/bench_feedback.py`` and the tests: each round the listener asks for
music for an emotion, rates every track of the top ``k`` (👍 when ``likes(features)``, else
👎) and plays the liked ones; the share of liked tracks in each round's top ``k`` is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from moodtune.catalogue.protocol import ListeningLog
from moodtune.emotions import EMOTIONS
from moodtune.recommend.recommender import MusicRecommender


def simulate(
    catalogue: ListeningLog,
    recommender: MusicRecommender,
    likes: Callable[[Mapping[str, float | None]], bool],
    *,
    rounds: int = 20,
    k: int = 10,
    seed: int = 0,
    emotions: Sequence[str] = EMOTIONS,
) -> list[float]:
    """The share of liked tracks in the top ``k`` of each round, shape (rounds,)."""
    rng = np.random.default_rng(seed)
    shares = []
    for _ in range(rounds):
        emotion = str(rng.choice(list(emotions)))
        results = recommender.recommend(emotion, k=k)
        liked = 0
        for item in results:
            record = catalogue.track(item.track_id)
            fits = record is not None and likes(record.features)
            liked += fits
            catalogue.add_feedback(item.track_id, liked=fits, context={"emotion": emotion})
            if fits:
                catalogue.record_played(item.track_id)
        shares.append(liked / max(len(results), 1))
    return shares


__all__ = ["simulate"]
