"""ReccoBeats (https://reccobeats.com, free, no key) as a feature provider.

Two endpoints, shapes as documented at reccobeats.com/docs:

- ``GET /v1/audio-features?ids=a,b,c`` (1–40 ids, Spotify ids accepted) answers
  ``{"content": [{"id": <ReccoBeats UUID>, "href": "https://open.spotify.com/track/<id>",
  "acousticness": …, "danceability": …, "energy": …, "instrumentalness": …, "key": …,
  "liveness": …, "loudness": …, "mode": …, "speechiness": …, "tempo": …, "valence": …}]}``.
  Items carry ReccoBeats' own id, not the Spotify id asked for, and unknown ids are simply
  absent, so results are matched back through ``href``, never by position.
- ``GET /v1/track?ids=a,b,c`` (1–40 Spotify ids) answers ``{"content": [{"id": …,
  "trackTitle": …, "artists": [{"name": …}], "durationMs": …, "href":
  "https://open.spotify.com/track/<id>"}]}``: titles and artists without Spotify credentials
  (:class:`ReccoBeatsSource`, for ``collect --provider reccobeats --track …``).
- ``POST /v1/analysis/audio-features`` with a multipart field ``audioFile`` (MP3, OGG,
  WAV, AIFF; at most 5 MB) answers the nine features without ``key`` and ``mode``.

Both go through the shared :class:`~moodtune.collect.retry.RetryPolicy`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from moodtune.collect.base import FeatureBatch, Skipped, Track, parse_features
from moodtune.collect.credentials import redact
from moodtune.collect.retry import HttpFailure, RetryPolicy, parse_retry_after
from moodtune.collect.settings import ServiceSettings
from moodtune.data.spotify_ids import id_from_href, spotify_id
from moodtune.errors import InputError, MissingExtraError, MoodtuneError

__all__ = ["MAX_UPLOAD", "ReccoBeatsFeatures", "ReccoBeatsSource", "sniff_audio"]

#: Largest upload ReccoBeats accepts, in bytes.
MAX_UPLOAD = 5 * 1024 * 1024

#: Audio types ReccoBeats analyses: name → (MIME type, test on the first 12 bytes).
_AUDIO_TYPES: dict[str, tuple[str, Any]] = {
    "mp3": ("audio/mpeg", lambda h: h[:3] == b"ID3" or (h[0] == 0xFF and h[1] & 0xE0 == 0xE0)),
    "ogg": ("audio/ogg", lambda h: h[:4] == b"OggS"),
    "wav": ("audio/wav", lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE"),
    "aiff": ("audio/aiff", lambda h: h[:4] == b"FORM" and h[8:12] in (b"AIFF", b"AIFC")),
}


def sniff_audio(head: bytes) -> tuple[str, str] | None:
    """``(type name, MIME type)`` of audio whose file starts with ``head``, or None."""
    if len(head) < 12:
        return None
    for name, (mime, test) in _AUDIO_TYPES.items():
        if test(head):
            return name, mime
    return None


class ReccoBeatsFeatures:
    """Audio features from ReccoBeats by Spotify track id, 40 ids per request."""

    name = "reccobeats"
    batch_size = 40

    def __init__(
        self,
        settings: ServiceSettings | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        try:
            import requests
        except ImportError as error:  # pragma: no cover - a dependency of the extra
            raise MissingExtraError("collect", "requests") from error
        self.settings = settings or ServiceSettings()
        self.policy = policy or self.settings.retry_policy()
        self._session = requests.Session()

    def features(self, track_ids: Sequence[str]) -> FeatureBatch:
        ids = list(track_ids)
        if not 1 <= len(ids) <= self.batch_size:
            raise MoodtuneError(f"ReccoBeats takes 1–{self.batch_size} ids, got {len(ids)}")
        answer = self._request(
            "GET",
            "/audio-features",
            what="ReccoBeats audio-features",
            params={"ids": ",".join(ids)},
        )
        content = answer.get("content") if isinstance(answer, dict) else None
        if not isinstance(content, list):
            raise MoodtuneError("ReccoBeats answered audio-features without a 'content' list")
        wanted = set(ids)
        batch = FeatureBatch()
        for item in content:
            if not isinstance(item, dict):
                continue
            track_id = id_from_href(item.get("href"))
            if track_id not in wanted or track_id in batch.found:
                continue
            batch.add(track_id, parse_features(track_id, item, self.name))
        for track_id in ids:
            if track_id not in batch.found and track_id not in batch.missing:
                batch.missing[track_id] = "no audio features (ReccoBeats does not know the track)"
        return batch

    def analyze_file(self, path: str | Path) -> dict[str, float]:
        """Upload an audio file for analysis; returns the features ReccoBeats measured.

        The file must be MP3, OGG, WAV or AIFF (checked from its first bytes, not its name)
        and at most :data:`MAX_UPLOAD` bytes. The result has the nine features ReccoBeats
        extracts (no ``key``/``mode``), as floats in schema units.
        """
        path = Path(path)
        if not path.is_file():
            raise InputError("file not found", path=str(path))
        size = path.stat().st_size
        if size > MAX_UPLOAD:
            raise InputError(
                f"is {size / 1024 / 1024:.1f} MB; ReccoBeats analyses files of at most 5 MB "
                "(cut a 30 s excerpt, or use 'moodtune analyze' locally)",
                path=str(path),
            )
        data = path.read_bytes()
        kind = sniff_audio(data[:12])
        if kind is None:
            raise InputError(
                "is not MP3, OGG, WAV or AIFF audio (checked from its content)", path=str(path)
            )
        answer = self._request(
            "POST",
            "/analysis/audio-features",
            what=f"ReccoBeats analysis of {path.name}",
            files={"audioFile": (path.name, data, kind[1])},
        )
        if not isinstance(answer, dict):
            raise MoodtuneError("ReccoBeats answered the analysis with no JSON object")
        return {
            key: float(value)
            for key, value in answer.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }

    def _request(self, method: str, path: str, *, what: str, **kwargs: Any) -> Any:
        import requests

        url = self.settings.reccobeats_api + path

        def attempt() -> Any:
            try:
                response = self._session.request(
                    method, url, timeout=self.settings.timeout, **kwargs
                )
            except requests.RequestException as error:
                raise HttpFailure(None, type(error).__name__) from None
            if response.status_code >= 400:
                raise HttpFailure(
                    response.status_code,
                    _reason(response),
                    parse_retry_after(response.headers.get("Retry-After")),
                )
            try:
                return response.json()
            except ValueError:
                raise HttpFailure(
                    502, f"not JSON ({response.headers.get('Content-Type')})"
                ) from None

        return self.policy.call(attempt, what=what)


def _reason(response: Any) -> str:
    """The error text of a failed answer, credential-looking parts redacted, ≤ 200 chars."""
    return redact(_raw_reason(response))[:200]


def _raw_reason(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", ""))
        for key in ("message", "error"):
            if body.get(key):
                return str(body[key])
    return str(body)


class ReccoBeatsSource:
    """Tracks named by Spotify id, with titles and artists from ReccoBeats (no Spotify
    credentials needed); playlists cannot be listed this way (only Spotify lists them)."""

    batch_size = 40

    def __init__(self, features: ReccoBeatsFeatures) -> None:
        self.features = features

    def playlist_tracks(self, reference: str) -> Iterator[Track | Skipped]:
        raise MoodtuneError(
            f"listing the playlist {reference!r} needs Spotify credentials "
            "(SPOTIPY_CLIENT_ID and SPOTIPY_CLIENT_SECRET, see docs/collect.md); without them "
            "--provider reccobeats collects tracks named with --track"
        )

    def tracks(self, references: Sequence[str]) -> Iterator[Track | Skipped]:
        ids = [spotify_id(reference, "track") for reference in references]
        for start in range(0, len(ids), self.batch_size):
            chunk = ids[start : start + self.batch_size]
            answer = self.features._request(
                "GET", "/track", what="ReccoBeats tracks", params={"ids": ",".join(chunk)}
            )
            content = answer.get("content") if isinstance(answer, dict) else None
            if not isinstance(content, list):
                raise MoodtuneError("ReccoBeats answered tracks without a 'content' list")
            by_id = {
                id_from_href(item.get("href")): item for item in content if isinstance(item, dict)
            }
            for track_id in chunk:
                item = by_id.get(track_id)
                if item is None:
                    yield Skipped(track_id, "", "ReccoBeats does not know the track")
                    continue
                duration = item.get("durationMs")
                yield Track(
                    id=track_id,
                    title=str(item.get("trackTitle") or ""),
                    artists=tuple(
                        str(a.get("name", ""))
                        for a in item.get("artists") or []
                        if isinstance(a, dict)
                    ),
                    duration_ms=int(duration) if isinstance(duration, int | float) else None,
                )
