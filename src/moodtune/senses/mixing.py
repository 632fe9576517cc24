"""Mixing the readings of several senses into one: the one place where they meet.

Each reading counts with its sense's weight (:meth:`SenseSpec.weight_of`): a confident face
(3) outweighs a few words (1), a colour-only scene guess (1) does not. A reading that held
nothing to read (``unreadable``) is left out, with a note.

Examples
--------
>>> from moodtune.reading import EmotionReading
>>> face = EmotionReading.from_vector([0, 0, 0, 1, 0, 0, 0], source="face", confidence="high")
>>> words = EmotionReading.from_vector([1, 0, 0, 0, 0, 0, 0], source="text")
>>> both = mix([("image", face), ("words", words)])
>>> both.source, both.top, both.probabilities["anger"], both.notes[-1]
('combined', 'happiness', 0.25, 'combined: 0.75 × face (happiness) + 0.25 × words (anger)')
>>> TEXT_WEIGHT
{'face-high': 0.25, 'face-low': 0.4, 'scene': 0.5}
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from moodtune.reading import EmotionReading
from moodtune.senses.registry import SENSES, SenseSpec

__all__ = ["TEXT_WEIGHT", "mix"]

#: The share of the words beside each kind of image reading, as the registry's weights give
#: it: combined = (1 - w) × image + w × words.
TEXT_WEIGHT: dict[str, float] = {
    kind: SENSES["words"].weight / (weight + SENSES["words"].weight)
    for kind, weight in SENSES["image"].weights.items()
}


def mix(readings: Sequence[tuple[str, EmotionReading]]) -> EmotionReading:
    """One reading of ``(sense name, reading)`` pairs, in the order given.

    One readable reading is returned as it is (with the others' notes); several are averaged
    with their senses' weights (source "combined"; faces and image size of the first that
    has them; the confidence of the heaviest). When nothing was readable the first reading
    stands (neutral, ``unreadable``).
    """
    if not readings:
        raise ValueError("mix needs at least one reading")
    parts = [(SENSES[name], reading) for name, reading in readings]
    notes = [note for _, reading in parts for note in reading.notes]
    readable = [(sense, reading) for sense, reading in parts if not reading.unreadable]
    notes += [f"the {_called(s, r)} were left out" for s, r in parts if r.unreadable and readable]
    if len(readable) <= 1:
        kept = readable[0][1] if readable else parts[0][1]
        return _with(kept, kept.vector(), kept.source, kept.confidence, notes)
    weights = np.array([sense.weight_of(reading) for sense, reading in readable])
    weights = weights / weights.sum()
    vector = sum(w * reading.vector() for w, (_, reading) in zip(weights, readable, strict=True))
    terms = [
        f"{w:.2f} × {_called(sense, reading)} ({reading.top})"
        for w, (sense, reading) in zip(weights, readable, strict=True)
    ]
    notes.append("combined: " + " + ".join(terms))
    heaviest = readable[int(np.argmax(weights))][1]
    return _with(
        _first_with_image(r for _, r in readable), vector, "combined", heaviest.confidence, notes
    )


def _called(sense: SenseSpec, reading: EmotionReading) -> str:
    return sense.called or reading.source


def _first_with_image(readings) -> EmotionReading:
    readings = list(readings)
    return next((r for r in readings if r.faces or r.image_size), readings[0])


def _with(
    base: EmotionReading, vector: np.ndarray, source: str, confidence: str, notes: list[str]
) -> EmotionReading:
    return EmotionReading.from_vector(
        vector,
        source=source,
        faces=base.faces,
        image_size=base.image_size,
        confidence=confidence,
        notes=notes,
        unreadable=base.unreadable,
    )
