"""The provider interface: where tracks come from and who supplies their audio features.

A :class:`TrackSource` turns a playlist or a list of track references into :class:`Track`
records (and :class:`Skipped` records for what cannot be used, with the reason). A
:class:`FeatureProvider` turns Spotify track ids into :class:`AudioFeatures`. Callers depend
only on these two protocols, so a new provider is one new class.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from moodtune.data.features import FEATURE_NAMES
from moodtune.errors import MoodtuneError

__all__ = [
    "AudioFeatures",
    "FeatureBatch",
    "FeatureProvider",
    "FeaturesForbiddenError",
    "Skipped",
    "Track",
    "TrackSource",
    "parse_features",
]


@dataclass(frozen=True)
class Track:
    """One track: Spotify id, title, artists, album, duration (ms) and 30 s preview URL."""

    id: str
    title: str
    artists: tuple[str, ...] = ()
    album: str = ""
    duration_ms: int | None = None
    preview_url: str | None = None

    @property
    def artist(self) -> str:
        """The artists joined with ``", "``."""
        return ", ".join(self.artists)


@dataclass(frozen=True)
class Skipped:
    """Something that was not collected, and why.

    ``key`` identifies it (a track id, or a ``spotify:local:…`` URI for a local file, or
    ``spotify:episode:…``); ``reason`` is a short sentence for the report.
    """

    key: str
    title: str
    reason: str
    artist: str = ""


@dataclass(frozen=True)
class AudioFeatures:
    """The 11 schema features of one track, plus ``time_signature`` when the provider has it.

    ``values`` maps every name of :data:`moodtune.data.features.FEATURE_NAMES` to a float
    (units as in the schema: 0–1, dB, BPM, pitch class, 0/1). ``provider`` names the source.
    """

    track_id: str
    values: Mapping[str, float]
    provider: str
    time_signature: int | None = None

    def __post_init__(self) -> None:
        missing = [name for name in FEATURE_NAMES if name not in self.values]
        if missing:
            raise ValueError(f"features for {self.track_id} lack {', '.join(missing)}")


@dataclass
class FeatureBatch:
    """What a provider answered for one batch of ids.

    ``found`` maps id → features; ``missing`` maps id → reason for ids it has nothing for.
    Every requested id is in exactly one of them.
    """

    found: dict[str, AudioFeatures] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def add(self, track_id: str, parsed: AudioFeatures | str) -> None:
        """Record what :func:`parse_features` gave for ``track_id``: the features, or the
        reason (a string) there are none."""
        if isinstance(parsed, str):
            self.missing[track_id] = parsed
        else:
            self.found[track_id] = parsed


@runtime_checkable
class TrackSource(Protocol):
    """Lists tracks. Yields :class:`Track` or :class:`Skipped`, in playlist order."""

    name: str

    def playlist_tracks(self, reference: str) -> Iterator[Track | Skipped]:
        """Every item of the playlist ``reference`` (URL, URI or id), all pages."""
        ...

    def tracks(self, references: Sequence[str]) -> Iterator[Track | Skipped]:
        """The tracks ``references`` (URLs, URIs or ids), in the order given."""
        ...


@runtime_checkable
class FeatureProvider(Protocol):
    """Supplies audio features for Spotify track ids, ``batch_size`` ids per call at most."""

    name: str
    batch_size: int

    def features(self, track_ids: Sequence[str]) -> FeatureBatch:
        """Features for ``track_ids`` (at most ``batch_size`` of them)."""
        ...


def parse_features(
    track_id: str, payload: Mapping[str, object], provider: str
) -> AudioFeatures | str:
    """Build :class:`AudioFeatures` from a provider's JSON object, or return why it cannot.

    Missing or non-numeric values give a reason such as ``"incomplete features (no key,
    mode)"`` instead of a row with holes.
    """
    values: dict[str, float] = {}
    absent = []
    for name in FEATURE_NAMES:
        value = payload.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            absent.append(name)
        else:
            values[name] = float(value)
    if absent:
        return f"incomplete features from {provider} (no {', '.join(absent)})"
    signature = payload.get("time_signature")
    return AudioFeatures(
        track_id,
        values,
        provider,
        int(signature)
        if isinstance(signature, int | float) and not isinstance(signature, bool)
        else None,
    )


class FeaturesForbiddenError(MoodtuneError):
    """A provider refuses audio features to this app (Spotify's 403 since 27 Nov 2024)."""
