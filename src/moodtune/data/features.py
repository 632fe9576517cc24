"""The audio-feature schema: the 11 Spotify-style features, their units, ranges and meaning."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FEATURES",
    "FEATURE_NAMES",
    "PITCH_CLASSES",
    "SEED_FEATURES",
    "Feature",
    "parse_key",
    "parse_mode",
]


@dataclass(frozen=True)
class Feature:
    """One audio feature.

    ``low``/``high`` bound the valid values (inclusive); ``unit_interval`` marks the features
    that Spotify gives in 0–1 and some tables give in 0–100.
    """

    name: str
    unit: str
    low: float
    high: float
    meaning: str
    unit_interval: bool = False
    integer: bool = False


FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature(
            "danceability",
            "0–1",
            0.0,
            1.0,
            "how suitable for dancing (tempo, rhythm stability, beat strength, regularity)",
            unit_interval=True,
        ),
        Feature(
            "energy",
            "0–1",
            0.0,
            1.0,
            "perceived intensity and activity (dynamic range, loudness, timbre, onset rate)",
            unit_interval=True,
        ),
        Feature(
            "key",
            "pitch class",
            -1,
            11,
            "estimated key, 0 = C, 1 = C♯/D♭, … 11 = B; -1 = no key detected",
            integer=True,
        ),
        Feature(
            "loudness",
            "dB",
            -60.0,
            5.0,
            "overall loudness averaged across the track, "
            "in decibels relative to full scale (typically -60 to 0)",
        ),
        Feature("mode", "0/1", 0, 1, "modality: 1 = major, 0 = minor", integer=True),
        Feature(
            "speechiness",
            "0–1",
            0.0,
            1.0,
            "presence of spoken words (above 0.66: probably speech only)",
            unit_interval=True,
        ),
        Feature(
            "acousticness", "0–1", 0.0, 1.0, "confidence the track is acoustic", unit_interval=True
        ),
        Feature(
            "instrumentalness",
            "0–1",
            0.0,
            1.0,
            "likelihood the track has no vocals",
            unit_interval=True,
        ),
        Feature(
            "liveness", "0–1", 0.0, 1.0, "probability an audience is present", unit_interval=True
        ),
        Feature(
            "valence",
            "0–1",
            0.0,
            1.0,
            "musical positiveness (high = happy, cheerful; low = sad, angry)",
            unit_interval=True,
        ),
        Feature(
            "tempo", "BPM", 0.0, 300.0, "estimated tempo in beats per minute (0 = no beat detected)"
        ),
    )
}

#: All 11 features, in schema order.
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)

#: The 7 features of the seed data set, in the column order of its JSON file.
SEED_FEATURES: tuple[str, ...] = (
    "tempo",
    "valence",
    "energy",
    "danceability",
    "acousticness",
    "speechiness",
    "liveness",
)

PITCH_CLASSES: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = {
    "DB": "C#",
    "EB": "D#",
    "FB": "E",
    "GB": "F#",
    "AB": "G#",
    "BB": "A#",
    "CB": "B",
    "E#": "F",
    "B#": "C",
}


def parse_key(text: str) -> tuple[int, int | None] | None:
    """Parse a key written as text, such as ``"F Maj"``, ``"A min"``, ``"C#"`` or ``"Bb minor"``.

    Returns ``(pitch class 0–11, mode or None)``, or ``None`` when the text is not a key.
    """
    parts = str(text).strip().replace("♯", "#").replace("♭", "b").split()
    if not parts or len(parts) > 2:
        return None
    note = parts[0][:1].upper() + parts[0][1:].lower().replace("b", "B")
    note = _FLATS.get(note.upper(), note)
    if note not in PITCH_CLASSES:
        return None
    mode: int | None = None
    if len(parts) == 2:
        mode = parse_mode(parts[1])
        if mode is None:
            return None
    return PITCH_CLASSES.index(note), mode


def parse_mode(text: str) -> int | None:
    """``"major"``/``"maj"``/``"1"`` → 1, ``"minor"``/``"min"``/``"0"`` → 0, else ``None``."""
    word = str(text).strip().lower()
    if word in {"major", "maj", "1", "1.0"}:
        return 1
    if word in {"minor", "min", "0", "0.0"}:
        return 0
    return None
