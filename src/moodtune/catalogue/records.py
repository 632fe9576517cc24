"""Plain data a catalogue gives, whatever holds it: a track's record and its display row.

Examples
--------
>>> record = TrackRecord("t1", "Song", "Band", None, "demo", None, None, None, None,
...                      {"valence": 0.2}, {"valence": "provider"},
...                      {"sadness": 0.7, "happiness": 0.3}, "v1")
>>> record.top_emotion, display_row(record)[:3]
('sadness', ('t1', 'Song', 'Band'))
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["DisplayRow", "TrackRecord", "display_row"]

#: What a recommendation shows of a track: ``(id, title, artists, spotify_id, audio_path,
#: audio_url, preview_url)`` (text only; None where unknown).
DisplayRow = tuple[Any, ...]


@dataclass
class TrackRecord:
    """One catalogue track with its features (and where each came from) and its emotions."""

    track_id: str
    title: str | None
    artists: str | None
    album: str | None
    source: str
    spotify_id: str | None
    audio_path: str | None
    audio_url: str | None
    preview_url: str | None
    features: dict[str, float]
    provenance: dict[str, str]
    probabilities: dict[str, float]
    model_version: str | None

    @property
    def top_emotion(self) -> str | None:
        """The most probable emotion (None without predictions)."""
        if not self.probabilities:
            return None
        return max(self.probabilities, key=self.probabilities.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, with ``top_emotion``."""
        return {**asdict(self), "top_emotion": self.top_emotion}


def display_row(record: TrackRecord) -> DisplayRow:
    """The :data:`DisplayRow` of a full record."""
    return (
        record.track_id,
        record.title,
        record.artists,
        record.spotify_id,
        record.audio_path,
        record.audio_url,
        record.preview_url,
    )
