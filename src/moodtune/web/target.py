"""What to recommend for: the one place where an emotion, a distribution, or the reading of
an image or of words becomes the target of a recommendation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from moodtune.emotions import EMOTIONS, distribution
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    from moodtune.vision.reading import EmotionReading

__all__ = ["GivenAs", "Target", "resolve_target"]

#: How a target was given.
GivenAs = Literal["image", "text", "emotion", "distribution"]


@dataclass
class Target:
    """The emotion distribution to recommend for and how it was given.

    ``probabilities`` maps the 7 emotions (in :data:`EMOTIONS` order) to weights summing to 1;
    ``given_as`` is image, text, emotion or distribution.
    """

    probabilities: dict[str, float]
    given_as: str

    @property
    def top(self) -> str:
        """The most probable emotion."""
        return max(self.probabilities, key=self.probabilities.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``top``, ``probabilities`` (4 decimals) and ``given_as``."""
        return {
            "top": self.top,
            "probabilities": {k: round(float(v), 4) for k, v in self.probabilities.items()},
            "given_as": self.given_as,
        }

    @classmethod
    def of(cls, target: str | Mapping[str, float] | Sequence[float], given_as: str) -> Target:
        """The target for an emotion name, a mapping emotion → weight or 7 weights."""
        vector = distribution(target)  # type: ignore[arg-type]
        return cls(dict(zip(EMOTIONS, map(float, vector), strict=True)), given_as)


def resolve_target(
    *,
    emotion: str | None = None,
    distribution: Mapping[str, float] | Sequence[float] | None = None,
    reading: EmotionReading | None = None,
    image: bool = False,
) -> Target:
    """The target for exactly one of ``emotion``, ``distribution`` or ``reading`` (the
    reading of an image, ``image=True``, or of words).

    Raises
    ------
    MoodtuneError
        When not exactly one is given, or the emotion or distribution is invalid.
    """
    given = [v is not None for v in (emotion, distribution, reading)]
    if sum(given) != 1:
        raise MoodtuneError("give exactly one of an emotion, a distribution or a reading")
    if emotion is not None:
        return Target.of(emotion, "emotion")
    if distribution is not None:
        return Target.of(distribution, "distribution")
    assert reading is not None
    return Target(dict(reading.probabilities), "image" if image else "text")
