"""The emotion taxonomy used everywhere in moodtune.

Seven canonical emotions, the words people use for them, and a point for each on the
valence/arousal plane (Russell's circumplex), which is how music features, colours of a
scene and recommendation paths are related to one another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from moodtune.errors import MoodtuneError

__all__ = [
    "ALIASES",
    "CIRCUMPLEX",
    "CIRCUMPLEX_SOURCE",
    "EMOTIONS",
    "Circumplex",
    "UnknownEmotionError",
    "canonical",
    "coordinates",
    "distribution",
    "index",
    "is_emotion",
    "to_plane",
    "valence_arousal",
    "valid_names",
]

#: The canonical emotions, in the fixed order every probability vector uses.
EMOTIONS: tuple[str, ...] = (
    "anger",
    "disgust",
    "fear",
    "happiness",
    "neutral",
    "sadness",
    "surprise",
)

#: Other words for the canonical emotions (lower case). Each canonical name maps to itself.
ALIASES: dict[str, str] = {
    **{name: name for name in EMOTIONS},
    # anger
    "angry": "anger",
    "mad": "anger",
    "rage": "anger",
    "furious": "anger",
    "aggressive": "anger",
    # disgust
    "disgusted": "disgust",
    "disgusting": "disgust",
    "gross": "disgust",
    # fear
    "fearful": "fear",
    "scared": "fear",
    "afraid": "fear",
    "anxious": "fear",
    "scary": "fear",
    # happiness
    "happy": "happiness",
    "joy": "happiness",
    "joyful": "happiness",
    "glad": "happiness",
    "cheerful": "happiness",
    # neutral
    "calm": "neutral",
    "relaxed": "neutral",
    "peaceful": "neutral",
    "chill": "neutral",
    # sadness
    "sad": "sadness",
    "unhappy": "sadness",
    "sorrow": "sadness",
    "melancholy": "sadness",
    "melancholic": "sadness",
    # surprise
    "surprised": "surprise",
    "amazed": "surprise",
    "astonished": "surprise",
}


@dataclass(frozen=True)
class Circumplex:
    """A point on the valence/arousal plane; both axes run from -1 to 1."""

    valence: float
    arousal: float


#: Valence/arousal of each emotion. Pleasure and arousal ratings of the emotion terms
#: (angry, disgusted, afraid, happy, sad, surprised) from Russell & Mehrabian (1977),
#: "Evidence for a three-factor theory of emotions", J. Research in Personality 11,
#: as tabulated in affective-computing work that uses their PAD space (e.g. the ALMA
#: model, Gebhard 2005); values are approximate. Neutral is the origin by definition.
CIRCUMPLEX: dict[str, Circumplex] = {
    "anger": Circumplex(valence=-0.51, arousal=0.59),
    "disgust": Circumplex(valence=-0.60, arousal=0.35),
    "fear": Circumplex(valence=-0.64, arousal=0.60),
    "happiness": Circumplex(valence=0.81, arousal=0.51),
    "neutral": Circumplex(valence=0.0, arousal=0.0),
    "sadness": Circumplex(valence=-0.63, arousal=-0.27),
    "surprise": Circumplex(valence=0.40, arousal=0.67),
}
CIRCUMPLEX_SOURCE = (
    "Russell & Mehrabian (1977) pleasure/arousal ratings of emotion terms (approximate); "
    "neutral at the origin"
)


class UnknownEmotionError(MoodtuneError):
    """Raised for a word that names none of the seven emotions."""


def valid_names() -> str:
    """A human-readable list of the accepted names and aliases, for error messages."""
    aliases = sorted(a for a in ALIASES if a not in EMOTIONS)
    return f"emotions: {', '.join(EMOTIONS)}; aliases: {', '.join(aliases)}"


def canonical(word: str) -> str:
    """Return the canonical emotion for ``word`` (any case and spacing).

    >>> canonical(" Happy ")
    'happiness'
    """
    key = str(word).strip().lower()
    try:
        return ALIASES[key]
    except KeyError:
        raise UnknownEmotionError(f"unknown emotion {word!r}; valid {valid_names()}") from None


def is_emotion(word: str) -> bool:
    """True when ``word`` is a canonical emotion or one of its aliases."""
    return str(word).strip().lower() in ALIASES


def index(word: str) -> int:
    """Position of an emotion (or alias) in :data:`EMOTIONS`."""
    return EMOTIONS.index(canonical(word))


def coordinates() -> np.ndarray:
    """Valence/arousal of the seven emotions, shape (7, 2), in :data:`EMOTIONS` order."""
    return np.array([[CIRCUMPLEX[e].valence, CIRCUMPLEX[e].arousal] for e in EMOTIONS])


def distribution(target: str | Mapping[str, float] | Iterable[float]) -> np.ndarray:
    """Turn an emotion, a mapping emotion → weight, or 7 weights into a distribution.

    Returns shape (7,), non-negative, summing to 1, in :data:`EMOTIONS` order. Weights that
    do not sum to 1 are normalised; negative, non-finite or all-zero weights are refused.
    """
    if isinstance(target, str):
        vector = np.zeros(len(EMOTIONS))
        vector[index(target)] = 1.0
        return vector
    if isinstance(target, Mapping):
        vector = np.zeros(len(EMOTIONS))
        for name, weight in target.items():
            vector[index(name)] += float(weight)
    else:
        vector = np.asarray(list(target), dtype=float)
        if vector.shape != (len(EMOTIONS),):
            raise MoodtuneError(
                f"an emotion distribution needs {len(EMOTIONS)} weights in the order "
                f"{', '.join(EMOTIONS)}; got {vector.size}"
            )
    if not np.all(np.isfinite(vector)) or np.any(vector < 0):
        raise MoodtuneError("emotion weights must be finite and non-negative")
    largest = vector.max()
    if largest > 0:
        vector = vector / largest  # keeps the sum finite for very large weights
    total = vector.sum()
    if total <= 0:
        raise MoodtuneError("emotion weights are all zero: name at least one emotion")
    return vector / total


def valence_arousal(probabilities: np.ndarray) -> np.ndarray:
    """Expected valence/arousal of distributions over the 7 emotions: the one place where
    an emotion distribution is put on the plane.

    ``probabilities`` has shape (7,) or (n, 7); the result has shape (2,) or (n, 2), float32
    for float32 input, else float64. Element-wise sums, not BLAS: with 7 columns a
    multi-threaded BLAS call costs more than it computes.

    >>> valence_arousal(np.eye(7)[EMOTIONS.index("happiness")]).tolist()
    [0.81, 0.51]
    """
    values = np.asarray(probabilities)
    dtype = np.float32 if values.dtype == np.float32 else np.float64
    points = coordinates().astype(dtype)
    return np.einsum("...e,ec->...c", values.astype(dtype, copy=False), points)


def to_plane(values: np.ndarray | float) -> np.ndarray:
    """A 0..1 feature (valence, energy) on the plane's −1..1 axis: ``2 · value − 1``.

    >>> to_plane(np.array([0.0, 0.25, 1.0])).tolist()
    [-1.0, -0.5, 1.0]
    """
    return 2.0 * np.asarray(values) - 1.0
