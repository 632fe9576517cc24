"""The one result type for image, scene and text readings (no heavy imports here).

It sits below both :mod:`moodtune.text` and :mod:`moodtune.vision` (each returns an
:class:`EmotionReading`), so neither imports the other for it; ``moodtune.vision.reading``
still names the same objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moodtune.emotions import EMOTIONS, valence_arousal

__all__ = ["CONFIDENCES", "SOURCES", "EmotionReading", "Face", "as_mapping", "as_vector"]

#: The sources of the built-in senses' readings (a registered sense may add its own, see
#: :mod:`moodtune.senses`): any lower-case name is accepted.
SOURCES = ("face", "scene", "text", "combined")
CONFIDENCES = ("high", "low")


def as_mapping(probabilities: Sequence[float] | np.ndarray) -> dict[str, float]:
    """7 probabilities in :data:`EMOTIONS` order → ``{emotion: probability}`` (floats)."""
    values = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if values.shape != (len(EMOTIONS),):
        raise ValueError(f"expected {len(EMOTIONS)} probabilities, got {values.size}")
    return {name: float(value) for name, value in zip(EMOTIONS, values, strict=True)}


def as_vector(probabilities: dict[str, float]) -> np.ndarray:
    """``{emotion: probability}`` → shape (7,) float64 in :data:`EMOTIONS` order."""
    return np.array([probabilities[name] for name in EMOTIONS], dtype=np.float64)


@dataclass
class Face:
    """One detected face and its expression.

    ``box`` is (x, y, width, height) in pixels of the EXIF-oriented image; ``confidence`` is
    the detector score in [0, 1]; ``probabilities`` maps the 7 emotions to probabilities.
    """

    box: tuple[int, int, int, int]
    confidence: float
    probabilities: dict[str, float]

    @property
    def top(self) -> str:
        return max(self.probabilities, key=self.probabilities.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": list(self.box),
            "confidence": round(float(self.confidence), 4),
            "top": self.top,
            "probabilities": {k: round(float(v), 4) for k, v in self.probabilities.items()},
        }


@dataclass
class EmotionReading:
    """The emotion read from an image and/or words.

    ``probabilities`` maps the 7 emotions (in :data:`moodtune.emotions.EMOTIONS` order) to
    probabilities that sum to 1; ``source`` is one of face, scene, text, combined;
    ``image_size`` is (width, height) after EXIF orientation, None without an image;
    ``confidence`` is "high" or "low" (scene estimates are always "low"); ``unreadable`` is
    True when the input held nothing to read (e.g. words of only symbols): the reading is
    then neutral, and a mix of readings leaves it out (:func:`moodtune.senses.mix`).
    """

    probabilities: dict[str, float]
    top: str
    source: str
    faces: list[Face] = field(default_factory=list)
    image_size: tuple[int, int] | None = None
    confidence: str = "low"
    notes: list[str] = field(default_factory=list)
    unreadable: bool = False

    @classmethod
    def from_vector(
        cls,
        vector: Sequence[float] | np.ndarray,
        *,
        source: str,
        faces: list[Face] | None = None,
        image_size: tuple[int, int] | None = None,
        confidence: str = "low",
        notes: list[str] | None = None,
        unreadable: bool = False,
    ) -> EmotionReading:
        """Build a reading from a (7,) vector of non-negative weights (normalised here).

        Examples
        --------
        >>> reading = EmotionReading.from_vector([0, 0, 0, 3, 1, 0, 0], source="text")
        >>> reading.top, reading.probabilities["happiness"], reading.confidence
        ('happiness', 0.75, 'low')
        """
        values = np.asarray(vector, dtype=np.float64).reshape(-1)
        if values.shape != (len(EMOTIONS),) or not np.all(np.isfinite(values)):
            raise ValueError(f"expected {len(EMOTIONS)} finite weights, got {values!r}")
        values = np.clip(values, 0.0, None)
        values = values / values.sum()
        if not isinstance(source, str) or not source.isidentifier() or source != source.lower():
            raise ValueError(f"source must be a lower-case name such as {SOURCES}, got {source!r}")
        if confidence not in CONFIDENCES:
            raise ValueError(f"confidence must be one of {CONFIDENCES}, got {confidence!r}")
        return cls(
            probabilities=as_mapping(values),
            top=EMOTIONS[int(np.argmax(values))],
            source=source,
            faces=list(faces or []),
            image_size=image_size,
            confidence=confidence,
            notes=list(notes or []),
            unreadable=unreadable,
        )

    def vector(self) -> np.ndarray:
        """The probabilities as shape (7,) float64 in :data:`EMOTIONS` order."""
        return as_vector(self.probabilities)

    def valence_arousal(self) -> tuple[float, float]:
        """Expected (valence, arousal) of the distribution, each in [-1, 1]."""
        valence, arousal = valence_arousal(self.vector())
        return float(valence), float(arousal)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (probabilities rounded to 4 decimals)."""
        valence, arousal = self.valence_arousal()
        return {
            "top": self.top,
            "source": self.source,
            "confidence": self.confidence,
            "probabilities": {k: round(float(v), 4) for k, v in self.probabilities.items()},
            "valence": round(valence, 4),
            "arousal": round(arousal, 4),
            "faces": [face.to_dict() for face in self.faces],
            "image_size": list(self.image_size) if self.image_size else None,
            "notes": list(self.notes),
            "unreadable": self.unreadable,
        }
