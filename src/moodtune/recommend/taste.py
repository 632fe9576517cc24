"""Feedback that changes later rankings: a listener's taste from their 👍 and 👎.

Each liked or disliked track is a point in the space of the tracks' feature vectors (the
seed's seven features, about 0..1; see :data:`moodtune.recommend.arrays.SIMILARITY_FEATURES`).
A candidate's *taste* is how close it lies to the nearest liked track minus how close it
lies to the nearest disliked one, each closeness a Gaussian of the distance
(``exp(-d² / 2h²)``, bandwidth h): +1 for a twin of a liked track, −1 for a twin of a disliked
one, 0 far from both. The recommender adds ``weight × taste`` to a candidate's score before
the random choice among near-equal tracks, so feedback reorders the tracks that fit the mood
without pulling in tracks that do not. A kernel over examples (rather than a model fitted
to them) needs no training, works from the first 👍, follows a taste with several separate
kinds of track, and each bonus can be explained by the track it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Gaussian bandwidth in the feature space (features about 0..1; 0.15 ≈ a clear neighbour).
BANDWIDTH = 0.15
#: At most this many of the most recent likes (and dislikes) count.
MAX_EXAMPLES = 200


@dataclass(frozen=True)
class Taste:
    """Liked and disliked feature vectors, shapes (p, f) and (q, f)."""

    liked: np.ndarray
    disliked: np.ndarray
    bandwidth: float = BANDWIDTH

    @classmethod
    def of(cls, vectors: np.ndarray, liked: np.ndarray, disliked: np.ndarray) -> Taste | None:
        """The taste of the tracks at array indices ``liked`` and ``disliked`` of ``vectors``
        (n, f); None without any feedback."""
        if len(liked) == 0 and len(disliked) == 0:
            return None
        return cls(
            np.ascontiguousarray(vectors[np.asarray(liked[:MAX_EXAMPLES], dtype=np.int64)]),
            np.ascontiguousarray(vectors[np.asarray(disliked[:MAX_EXAMPLES], dtype=np.int64)]),
        )

    def scores(self, candidates: np.ndarray) -> np.ndarray:
        """Taste of each candidate vector (m, f): shape (m,), −1..1."""
        return self._closeness(candidates, self.liked) - self._closeness(candidates, self.disliked)

    def _closeness(self, candidates: np.ndarray, examples: np.ndarray) -> np.ndarray:
        if len(examples) == 0:
            return np.zeros(len(candidates))
        gaps = candidates[:, None, :] - examples[None, :, :]
        nearest = np.einsum("mpf,mpf->mp", gaps, gaps).min(axis=1)
        return np.exp(-nearest / (2.0 * self.bandwidth**2))


__all__ = ["BANDWIDTH", "MAX_EXAMPLES", "Taste"]
