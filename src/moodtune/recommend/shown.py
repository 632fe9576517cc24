"""What a recommendation shows of a track: :class:`Recommendation`, and the text kept per track.

Examples
--------
>>> web_url("https://example.org/a.mp3"), web_url("javascript:alert(1)")
('https://example.org/a.mp3', None)
>>> import numpy as np
>>> describe(np.array([0, 0, 0, 0.4, 0, 0.6, 0]))
'sadness 0.60, happiness 0.40'
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from moodtune.catalogue.arrays import CatalogueArrays
from moodtune.catalogue.records import TrackRecord, display_row
from moodtune.emotions import EMOTIONS
from moodtune.recommend.matching import chip

__all__ = ["Recommendation", "TrackInfo", "describe", "summary", "web_url"]


@dataclass
class Recommendation:
    """One recommended track, its score (0–1, higher is better) and why it was chosen.

    ``probabilities`` are the track's predicted emotions; ``valence``/``energy`` its features
    (0–1) when known; ``reading`` its valence and arousal learned from listeners (−1..1, None
    without one). ``close`` says whether the track is a close match for the emotion asked
    for (see :mod:`moodtune.recommend.matching`; in ``match`` mode, else None). ``chip`` is
    the emotion to name on the track: the most probable one its reading allows
    (:func:`moodtune.recommend.matching.chip`; never one whose region the reading lies
    outside). ``reading_z`` is that reading standardised against a typical track of the
    catalogue (z per axis; what the words of :func:`moodtune.recommend.explain.feel` and the
    close flag go by; not part of :meth:`to_dict`).
    ``has_audio`` is True only when the track has a local audio file that exists (checked
    once per catalogue revision); ``audio_url`` is left None here, and the web layer fills it
    with its own URL for such tracks. ``remote_audio_url`` is the track's
    audio elsewhere (an http(s) URL given at import, never fetched by moodtune), or None.
    """

    track_id: str
    title: str | None
    artist: str | None
    score: float
    reason: str
    probabilities: dict[str, float]
    valence: float | None
    energy: float | None
    audio_url: str | None
    spotify_id: str | None
    preview_url: str | None
    has_audio: bool
    remote_audio_url: str | None = None
    reading: tuple[float, float] | None = None
    close: bool | None = None
    chip: str | None = None
    reading_z: tuple[float, float] | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields but ``reading_z`` (a shallow copy; ``dataclasses.asdict``
        deep-copies, slowly)."""
        data = {spec.name: getattr(self, spec.name) for spec in fields(self)}
        del data["reading_z"]
        data["probabilities"] = dict(self.probabilities)
        return data


class TrackInfo:
    """What a recommendation shows of a track, kept per catalogue revision.

    Built from a display row (text only; ``display_rows`` of the catalogue) and the arrays; the
    reason's first part and the rounded probabilities are computed the first time the track
    is recommended (most prefetched tracks never are), then kept. ``has_audio`` (the local
    audio file exists) is checked when the info is built, so once per revision and track: a
    file removed later shows until the catalogue changes (the audio endpoint then answers
    404).
    """

    __slots__ = (
        "_chip",
        "_probabilities",
        "_summary",
        "arrays",
        "artist",
        "has_audio",
        "index",
        "preview_url",
        "remote_audio_url",
        "spotify_id",
        "title",
        "track_id",
    )

    def __init__(self, arrays: CatalogueArrays, index: int, row: tuple[Any, ...]) -> None:
        track_id, title, artists, spotify_id, audio_path, audio_url, preview_url = row
        self.arrays, self.index = arrays, index
        self.track_id: str = track_id
        self.title: str | None = title
        self.artist: str | None = artists
        self.spotify_id: str | None = spotify_id
        self.preview_url: str | None = preview_url
        self.remote_audio_url = web_url(audio_url)
        self.has_audio = bool(audio_path) and Path(audio_path).is_file()
        self._summary: str | None = None
        self._probabilities: dict[str, float] | None = None
        self._chip: str | None = None

    @classmethod
    def of(cls, arrays: CatalogueArrays, index: int, record: TrackRecord) -> TrackInfo:
        """The info of a full :class:`TrackRecord` (as the catalogue's ``track`` gives)."""
        return cls(arrays, index, display_row(record))

    @property
    def summary(self) -> str:
        if self._summary is None:
            self._summary = summary(self.arrays, self.index)
        return self._summary

    @property
    def probabilities(self) -> dict[str, float]:
        if self._probabilities is None:
            self._probabilities = {
                e: round(float(p), 4)
                for e, p in zip(EMOTIONS, self.arrays.probabilities[self.index], strict=True)
            }
        return self._probabilities

    @property
    def chip(self) -> str:
        """The emotion the track's chip names (:func:`moodtune.recommend.matching.chip`)."""
        if self._chip is None:
            index = self.index
            self._chip = chip(self.arrays.probabilities[index], self.arrays.reading_z[index])
        return self._chip

    def recommendation(self, score: float, detail: str) -> Recommendation:
        valence, energy = self.arrays.valence[self.index], self.arrays.energy[self.index]
        reading = self.arrays.reading[self.index]
        z = self.arrays.reading_z[self.index]
        return Recommendation(
            track_id=self.track_id,
            title=self.title,
            artist=self.artist,
            score=round(float(score), 4),
            reason=f"{self.summary}; {detail}",
            probabilities=dict(self.probabilities),
            valence=float(valence) if np.isfinite(valence) else None,
            energy=float(energy) if np.isfinite(energy) else None,
            audio_url=None,
            spotify_id=self.spotify_id,
            preview_url=self.preview_url,
            has_audio=self.has_audio,
            remote_audio_url=self.remote_audio_url,
            reading=(
                (round(float(reading[0]), 4), round(float(reading[1]), 4))
                if np.isfinite(reading).all()
                else None
            ),
            chip=self.chip,
            reading_z=(float(z[0]), float(z[1])) if np.isfinite(z).all() else None,
        )


def web_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) URL with a host, else None.

    The catalogue stores as remote audio only what was given as http(s); this keeps any other
    scheme (``javascript:``, ``file:``, ``data:``) out of what is shown, should one be there.
    """
    if not value:
        return None
    parts = urlsplit(value)
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def describe(distribution: np.ndarray) -> str:
    """``"sadness 0.60, happiness 0.40"``: the target's weights above 0.05, largest first."""
    order = np.argsort(-distribution)
    parts = [f"{EMOTIONS[i]} {distribution[i]:.2f}" for i in order if distribution[i] >= 0.05]
    return ", ".join(parts[:3]) if len(parts) > 1 else EMOTIONS[int(order[0])]


def summary(arrays: CatalogueArrays, index: int) -> str:
    """``"valence 0.18, energy 0.91 → anger 0.74, fear 0.12"``: the first part of a reason."""
    features = [
        f"{name} {float(values[index]):.2f}"
        for name, values in (("valence", arrays.valence), ("energy", arrays.energy))
        if np.isfinite(values[index])
    ]
    probabilities = arrays.probabilities[index]
    top = np.argsort(-probabilities)[:2]
    named = [f"{EMOTIONS[top[0]]} {probabilities[top[0]]:.2f}"]
    if probabilities[top[1]] >= 0.15:
        named.append(f"{EMOTIONS[top[1]]} {probabilities[top[1]]:.2f}")
    return f"{', '.join(features)} → {', '.join(named)}" if features else ", ".join(named)
