"""What to recommend for: one emotion, a distribution, a picture or a few words, resolved once.

:func:`resolve_target` turns whatever a person gave (the command line's ``--emotion``,
``--distribution``, ``--image``/``--text`` or another sense's input; the API's ``emotion``,
``distribution``, ``image``/``text``) into the emotion distribution the recommender takes, with
what was read from a picture, words or another sense (:mod:`moodtune.senses`).

Examples
--------
>>> resolve_target(emotion="sad").probabilities["sadness"]
1.0
>>> calm = resolve_target(emotion="Relaxed")  # a mood word: a target of its own
>>> calm.top, calm.point.tolist()
('relaxed', [0.65, -0.55])
>>> mixed = resolve_target(distribution="happiness=3, sadness=1")
>>> mixed.describe(), mixed.given_as, mixed.notes
('happiness 0.75, sadness 0.25', 'distribution', ['the weights sum to 4; normalised to 1'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from moodtune import emotions
from moodtune.emotions import EMOTIONS, canonical
from moodtune.errors import MoodtuneError
from moodtune.recommend.moods import mood_named
from moodtune.recommend.shown import describe
from moodtune.senses.registry import FIELDS, SENSES

if TYPE_CHECKING:
    from moodtune.reading import EmotionReading

__all__ = ["GIVEN_AS", "Reader", "ResolvedTarget", "parse_distribution", "resolve_target"]

#: How a target can be given: by name, by weights, or by the input of a sense (the fields
#: of :data:`moodtune.senses.SENSES`, the one with the first given when several are).
GIVEN_AS: tuple[str, ...] = ("emotion", "distribution", *FIELDS)


class Reader(Protocol):
    """Reads the inputs of the senses, by field (``image=…``, ``text=…``; None: not given),
    into one :class:`~moodtune.reading.EmotionReading` (default:
    :func:`moodtune.senses.read_emotion`; the web app passes its :class:`moodtune.senses.Senses`'
    ``read``)."""

    def __call__(self, **inputs: Any) -> EmotionReading: ...


@dataclass(frozen=True)
class ResolvedTarget:
    """The emotion distribution to recommend for, how it was given and what was read.

    Attributes
    ----------
    probabilities : dict of str to float
        The 7 emotions, in :data:`~moodtune.emotions.EMOTIONS` order, to weights summing to 1.
    given_as : str
        One of :data:`GIVEN_AS`.
    reading : EmotionReading or None
        What was read from the picture and/or words (None for an emotion or distribution).
    notes : list of str
        Things worth telling the person about the target (e.g. that the weights were
        normalised); the reading's own notes are in ``reading.notes``.
    mood : str or None
        The name of the :data:`~moodtune.recommend.moods.MOODS` entry asked for (an emotion
        or a mood word such as "calm"), None for a distribution or what was read.

    Examples
    --------
    >>> found = resolve_target(distribution={"sad": 1, "angry": 1})
    >>> found.top, found.to_dict()["probabilities"]["anger"], found.vector.shape
    ('anger', 0.5, (7,))
    """

    probabilities: dict[str, float]
    given_as: str
    reading: EmotionReading | None = None
    notes: list[str] = field(default_factory=list)
    mood: str | None = None

    @property
    def vector(self) -> np.ndarray:
        """The probabilities, shape (7,) float64 in EMOTIONS order."""
        return np.array([self.probabilities[e] for e in EMOTIONS])

    @property
    def top(self) -> str:
        """The mood asked for by name (an emotion or a mood word), else the emotion with the
        largest weight."""
        return self.mood or EMOTIONS[int(np.argmax(self.vector))]

    @property
    def point(self) -> np.ndarray:
        """Where the target lies on the valence/arousal plane, (2,) float64: the mood's own
        point, or the expected valence/arousal of the distribution (faces, words, weights)."""
        if self.mood is not None:
            return mood_named(self.mood).point
        return np.asarray(emotions.valence_arousal(self.vector), dtype=np.float64)

    def describe(self) -> str:
        """``"sadness"``, ``"happiness 0.75, sadness 0.25"`` or, for what was read,
        ``"happiness (face, high confidence)"``."""
        if self.reading is not None:
            reading = self.reading
            return f"{reading.top} ({reading.source}, {reading.confidence} confidence)"
        return self.mood or describe(self.vector)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``top``, the rounded ``probabilities``, ``given_as``, ``point`` (on the
        valence/arousal plane) and ``notes``."""
        return {
            "top": self.top,
            "probabilities": {k: round(float(v), 4) for k, v in self.probabilities.items()},
            "given_as": self.given_as,
            "point": [round(float(v), 4) for v in self.point],
            "notes": list(self.notes),
        }


def resolve_target(
    *,
    emotion: str | None = None,
    distribution: str | Mapping[str, float] | Sequence[float] | None = None,
    image: bytes | str | Path | None = None,
    text: str | None = None,
    read: Reader | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> ResolvedTarget:
    """Resolve exactly one way of saying what to recommend for.

    Parameters
    ----------
    emotion : str or None
        An emotion, alias or mood word of :data:`~moodtune.recommend.moods.MOODS` ("sad",
        "happiness", "calm", "nostalgic").
    distribution : str or mapping or sequence or None
        Weights over the emotions: a mapping, 7 weights in EMOTIONS order, or text like
        ``"happiness=0.7,sadness=0.3"`` (:func:`parse_distribution`); normalised to sum to 1.
    image : bytes or str or Path or None
        A picture (its bytes or its path), read with ``read``; ``text`` may go with it.
    text : str or None
        A few words, read with ``read`` (with the picture, or alone).
    read : callable or None
        ``read(image=…, text=…, …) -> EmotionReading`` (every sense's field, None when not
        given); default :func:`moodtune.senses.read_emotion` (the web app passes its own
        loaded :class:`moodtune.senses.Senses`).
    inputs : mapping or None
        The inputs of other senses, by field (``{"hum": …}``), read with ``read`` as
        ``image`` and ``text`` are (together with them, or alone).

    Returns
    -------
    ResolvedTarget

    Raises
    ------
    MoodtuneError
        When none or more than one way is given, or what is given is not valid (the message
        names it).

    Examples
    --------
    >>> from moodtune.reading import EmotionReading
    >>> def smiling(image, text):  # stands for the image reader (a model download)
    ...     return EmotionReading.from_vector(np.eye(7)[3], source="face", confidence="high")
    >>> found = resolve_target(image=b"...", read=smiling)
    >>> found.top, found.given_as, found.describe()
    ('happiness', 'image', 'happiness (face, high confidence)')
    """
    named = {"image": image, "text": text}
    sensed = _sensed(**(dict(inputs or {}) | {k: v for k, v in named.items() if v is not None}))
    _exactly_one(emotion=emotion, distribution=distribution, sensed=bool(sensed))
    if emotion:
        mood = mood_named(emotion)
        weights = dict(zip(EMOTIONS, map(float, mood.distribution), strict=True))
        return ResolvedTarget(weights, "emotion", mood=mood.name)
    if distribution:
        return _weighted(distribution)
    if read is None:
        from moodtune.senses import read_emotion as read
    fields = {sense.field: None for sense in SENSES.values()}
    reading = read(**(fields | sensed))
    return ResolvedTarget(_mapping(reading.probabilities), next(iter(sensed)), reading)


def _sensed(**inputs: Any) -> dict[str, Any]:
    """The senses' inputs that were given, by field in the registry's order (empty text
    counts as not given)."""
    known = [sense.field for sense in SENSES.values()]
    unknown = sorted(set(inputs) - set(known))
    if unknown:
        raise MoodtuneError(f"unknown input {unknown[0]!r}; use one of {', '.join(known)}")
    return {
        sense.field: inputs[sense.field]
        for sense in SENSES.values()
        if inputs.get(sense.field) is not None and inputs[sense.field] != ""
    }


def _exactly_one(*, emotion: object, distribution: object, sensed: bool) -> None:
    """Refuse none or more than one way of giving a target, naming those given."""
    fields = [sense.field for sense in SENSES.values()]
    given = [
        name
        for name, value in (
            ("emotion", emotion),
            ("distribution", distribution),
            ("/".join(fields), sensed),
        )
        if value
    ]
    if len(given) != 1:
        got = f"; got {', '.join(given)}" if given else ""
        rest = f" (optionally with {', '.join(fields[1:])})" if len(fields) > 1 else ""
        raise MoodtuneError(f"give exactly one of emotion, distribution, or {fields[0]}{rest}{got}")


def _weighted(distribution: str | Mapping[str, float] | Sequence[float]) -> ResolvedTarget:
    """The target of weights given as text, a mapping or 7 weights in EMOTIONS order, noting
    when they were normalised."""
    if isinstance(distribution, str):
        weights = parse_distribution(distribution)
    elif isinstance(distribution, Mapping):
        weights = {}
        for name, value in distribution.items():
            weights[canonical(name)] = weights.get(canonical(name), 0.0) + float(value)
    else:
        weights = dict(zip(EMOTIONS, map(float, emotions.distribution(distribution)), strict=True))
    total = sum(weights.values())
    notes = []
    if total > 0 and abs(total - 1.0) > 1e-6:
        notes.append(f"the weights sum to {total:g}; normalised to 1")
    return ResolvedTarget(_mapping(weights), "distribution", notes=notes)


def parse_distribution(text: str) -> dict[str, float]:
    """Weights over emotions written as text; aliases are allowed and summed.

    Examples
    --------
    >>> parse_distribution("happy=0.6, sad = 0.4")
    {'happiness': 0.6, 'sadness': 0.4}
    """
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, equals, value = part.partition("=")
        if not equals:
            raise MoodtuneError(
                f"distribution: {part!r} should be emotion=weight, e.g. 'happiness=0.6'"
            )
        try:
            weight = float(value)
        except ValueError:
            raise MoodtuneError(
                f"distribution: the weight of {name.strip()!r} is {value.strip()!r}, not a number"
            ) from None
        emotion = canonical(name)
        weights[emotion] = weights.get(emotion, 0.0) + weight
    if not weights:
        raise MoodtuneError("the distribution is empty: give e.g. 'happiness=0.6,sadness=0.4'")
    return weights


def _mapping(target: str | Mapping[str, float]) -> dict[str, float]:
    """The normalised distribution of ``target`` as emotion → weight, in EMOTIONS order."""
    return dict(zip(EMOTIONS, map(float, emotions.distribution(target)), strict=True))
