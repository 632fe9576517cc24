"""Why a track was chosen, in words a listener understands.

The recommender's reason is exact and numeric ("valence 0.82, energy 0.77 → happiness
0.71; ..."); every answer (:class:`moodtune.recommend.answer.Answer`) also says this sentence
("Bright and energetic, like the smile in your photo"): the page shows it and keeps the
numbers behind a details toggle, ``moodtune recommend`` prints it under each track.

Examples
--------
>>> track = {"valence": 0.82, "energy": 0.77, "probabilities": {"happiness": 0.7}}
>>> explain(track, mood="happiness", given_as="image", mode="match", step=1, steps=10)
'Bright and energetic, like the smile in your photo.'
>>> explain({"valence": 0.2, "energy": 0.2}, mood="sadness", given_as="text", mode="uplift",
...         step=1, steps=10)
'Dark and gentle: a first step from the sadness in your words toward happier music.'

The words never contradict the chip the page shows (the track's top emotion) or its reading
(valence and arousal learned from listeners, which the words use when the track has one;
standardised against a typical track of the catalogue when the answer knows it, ``reading_z``,
since the reading's own scale is narrow: most tracks lie within ±0.2 of it):

>>> metal = {"reading": {"valence": 0.0, "arousal": 0.09}, "reading_z": (-1.1, 1.6),
...          "close": False}
>>> explain(metal, mood="anger", given_as="emotion", mode="match", step=1, steps=10)
'Dark and energetic, like the angry mood you chose (a looser match).'

>>> neutral = {"reading": {"valence": 0.1, "arousal": -0.4},
...            "probabilities": {"happiness": 0.3, "neutral": 0.6}}
>>> explain(neutral, mood="happiness", given_as="emotion", mode="match", step=1, steps=10)
'Warm and gentle: it sounds calm rather than happy, the nearest here to the happy mood you chose.'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from moodtune.emotions import EMOTIONS
from moodtune.recommend.modes import MODES

__all__ = ["chip", "explain", "feel"]

#: How an emotion shows in a face, in a photo's colours, in words or in a chosen mood.
_SIGN = {
    "happiness": "smile",
    "sadness": "sadness",
    "anger": "anger",
    "fear": "fear",
    "surprise": "surprise",
    "disgust": "disgust",
    "neutral": "calm",
}
_WHERE = {
    "image": "in your photo",
    "face": "in your photo",
    "scene": "in the colours of your photo",
    "combined": "in your photo and words",
    "text": "in your words",
    "emotion": "you chose",
    "distribution": "you described",
}
_ADJECTIVE = {
    "happiness": "happy",
    "sadness": "sad",
    "anger": "angry",
    "fear": "fearful",
    "surprise": "surprised",
    "disgust": "disgusted",
    "neutral": "calm",
}
#: Words for the tracks' valence (0..1: dark to bright) and energy (gentle to energetic).
_VALENCE = ((0.35, "dark"), (0.65, "warm"), (1.01, "bright"))
_ENERGY = ((0.35, "gentle"), (0.65, "steady"), (1.01, "energetic"))


def _word(value: float, scale: tuple[tuple[float, str], ...]) -> str:
    return next(word for limit, word in scale if value < limit)


#: The listeners' reading (−1..1) in words: below the first limit dark/gentle, and so on.
_READING_VALENCE = ((-0.2, "dark"), (0.2, "warm"), (1.01, "bright"))
_READING_AROUSAL = ((-0.2, "gentle"), (0.2, "steady"), (1.01, "energetic"))
#: The same for the reading standardised against a typical track (z): the middle third of a
#: normal spread (|z| < 0.43) is warm / steady.
_Z_VALENCE = ((-0.43, "dark"), (0.43, "warm"), (np.inf, "bright"))
_Z_AROUSAL = ((-0.43, "gentle"), (0.43, "steady"), (np.inf, "energetic"))


def chip(track: Mapping[str, Any]) -> str | None:
    """The emotion the page's chip shows for a track: the recommender's ``chip`` (the most
    likely emotion its reading allows), else its most likely one (None without)."""
    if track.get("chip"):
        return track["chip"]
    probabilities = track.get("probabilities") or {}
    return max(probabilities, key=probabilities.__getitem__) if probabilities else None


def feel(track: Mapping[str, Any]) -> str:
    """``"bright and energetic"`` from a track's reading (valence and arousal learned from
    listeners, the facts its emotions come from) or else its valence and energy (0..1);
    from its most likely emotion (``"happy-sounding"``) when neither is known. The reading
    standardised against a typical track (``reading_z``) goes first."""
    z = track.get("reading_z")
    if z is not None and len(z) == 2 and np.isfinite(z).all():
        return f"{_word(z[0], _Z_VALENCE)} and {_word(z[1], _Z_AROUSAL)}"
    reading = track.get("reading")
    if isinstance(reading, Mapping) and reading.get("valence") is not None:
        valence, arousal = reading["valence"], reading.get("arousal", 0.0)
        return f"{_word(valence, _READING_VALENCE)} and {_word(arousal, _READING_AROUSAL)}"
    if isinstance(reading, tuple | list) and len(reading) == 2:
        return f"{_word(reading[0], _READING_VALENCE)} and {_word(reading[1], _READING_AROUSAL)}"
    valence, energy = track.get("valence"), track.get("energy")
    if valence is not None and energy is not None:
        return f"{_word(valence, _VALENCE)} and {_word(energy, _ENERGY)}"
    probabilities = track.get("probabilities") or {}
    if probabilities:
        top = max(probabilities, key=probabilities.__getitem__)
        return f"{_SIGN.get(top, top)}-sounding" if top != "happiness" else "happy-sounding"
    return "a fitting track"


def explain(
    track: Mapping[str, Any], *, mood: str, given_as: str, mode: str, step: int, steps: int
) -> str:
    """One sentence: how ``track`` sounds and how it fits the ``mood`` read (top emotion) from
    where it was given (``given_as``: image, face, scene, combined, text, emotion or
    distribution) in ``mode``; ``step`` of ``steps`` is its place in a path mode's walk."""
    sound = feel(track)
    where = _WHERE.get(given_as, "")
    the_mood = f"the {_SIGN.get(mood, mood)} {where}".strip()
    if given_as in ("emotion", "distribution"):
        the_mood = f"the {_ADJECTIVE.get(mood, mood)} mood {where}".strip()
    definition = MODES.get(mode)
    if definition is None or definition.end is None:
        shown = chip(track)
        if shown is not None and shown != mood and mood in EMOTIONS:
            return (
                f"{sound.capitalize()}: it sounds {_ADJECTIVE.get(shown, shown)} rather than "
                f"{_ADJECTIVE.get(mood, mood)}, the nearest here to {the_mood}."
            )
        looser = " (a looser match)" if track.get("close") is False else ""
        return f"{sound.capitalize()}, like {the_mood}{looser}."
    goal = "happier music" if definition.goal == "happiness" else f"{definition.goal} music"
    if step <= 1:
        stage = f"a first step from {the_mood} toward {goal}"
    elif step >= steps:
        stage = f"the last step of the way toward {goal}"
    else:
        stage = f"on the way from {the_mood} toward {goal}"
    return f"{sound.capitalize()}: {stage}."
