"""Response shapes of the JSON API (pydantic models: they document the answers in /docs)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from moodtune.recommend.target import GIVEN_AS
from moodtune.senses import reading_sources
from moodtune.web.schemas import ModeName

__all__ = [
    "ErrorItem",
    "ErrorOut",
    "FaceOut",
    "FeedbackOut",
    "GivenAs",
    "HealthOut",
    "HistoryEventOut",
    "HistoryOut",
    "JournalOut",
    "JournalRequestOut",
    "JournalSessionOut",
    "PointOut",
    "ReadingOut",
    "ReadingSource",
    "RecommendOut",
    "RemovedOut",
    "SpotifySavedOut",
    "TargetOut",
    "TrackOut",
]


#: Example values for the schema (shown by /docs instead of "string" and "additionalProp1").
_PROBABILITIES = {
    "anger": 0.01,
    "disgust": 0.01,
    "fear": 0.02,
    "happiness": 0.81,
    "neutral": 0.1,
    "sadness": 0.02,
    "surprise": 0.03,
}
_TRACK = {
    "track_id": "1kPJ5BmYyMKqy5KPddm3bN",
    "title": "Here Comes the Sun",
    "artist": "The Beatles",
    "score": 0.91,
    "reason": "match 0.91 to happiness",
    "probabilities": _PROBABILITIES,
    "valence": 0.82,
    "energy": 0.77,
    "has_audio": True,
    "audio_url": "/api/tracks/1kPJ5BmYyMKqy5KPddm3bN/audio",
    "remote_audio_url": None,
    "spotify_id": "6dGnYIeXmHdcikdzNNDMm2",
    "spotify_url": "https://open.spotify.com/track/6dGnYIeXmHdcikdzNNDMm2",
    "preview_url": None,
    "reading": {"valence": 0.62, "arousal": 0.35},
    "close": True,
    "explanation": "Bright and energetic, like the happy mood you chose.",
    "playback": "local",
}
#: Where a reading came from, and how a target was given: from the registry of senses.
ReadingSource = Literal[reading_sources()]  # type: ignore[valid-type]
GivenAs = Literal[GIVEN_AS]  # type: ignore[valid-type]
_READING = {
    "top": "happiness",
    "source": "face",
    "confidence": "high",
    "probabilities": _PROBABILITIES,
    "valence": 0.71,
    "arousal": 0.42,
    "faces": [
        {
            "box": [182, 58, 130, 130],
            "confidence": 0.99,
            "top": "happiness",
            "probabilities": _PROBABILITIES,
        }
    ],
    "image_size": [512, 512],
    "notes": [],
    "unreadable": False,
}


def _example(value: object) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


class PointOut(BaseModel):
    """A point on the valence/arousal plane, each −1..1."""

    model_config = _example({"valence": 0.62, "arousal": 0.35})

    valence: float
    arousal: float


class FaceOut(BaseModel):
    model_config = _example(_READING["faces"][0])  # type: ignore[index]

    box: list[int] = Field(..., description="x, y, width, height in pixels of the oriented image")
    confidence: float
    top: str
    probabilities: dict[str, float]


class ReadingOut(BaseModel):
    model_config = _example(_READING)

    top: str
    source: ReadingSource
    confidence: Literal["high", "low"]
    probabilities: dict[str, float]
    valence: float
    arousal: float
    faces: list[FaceOut]
    image_size: list[int] | None = Field(None, description="width, height after EXIF rotation")
    notes: list[str]
    unreadable: bool = Field(
        False, description="the input held nothing to read (a neutral reading, left out of a mix)"
    )


class TargetOut(BaseModel):
    model_config = _example(
        {"top": "happiness", "probabilities": _PROBABILITIES, "given_as": "emotion"}
    )

    top: str
    probabilities: dict[str, float]
    given_as: GivenAs


class TrackOut(BaseModel):
    model_config = _example(_TRACK)

    track_id: str
    title: str | None
    artist: str | None
    score: float
    reason: str
    probabilities: dict[str, float]
    valence: float | None
    energy: float | None
    has_audio: bool = Field(..., description="the track has a local audio file on this server")
    audio_url: str | None = Field(
        None, description="this API's URL for the local audio (range requests), if has_audio"
    )
    remote_audio_url: str | None = Field(
        None, description="the track's audio elsewhere (http(s); not fetched by this server)"
    )
    spotify_id: str | None
    spotify_url: str | None
    preview_url: str | None
    reading: PointOut | None = Field(
        None, description="valence and arousal learned from listeners, -1..1 (not Spotify's)"
    )
    close: bool | None = Field(
        None, description="match mode: whether the track closely matches the emotion asked for"
    )
    chip: str | None = Field(
        None,
        description="the emotion to name on the track: the most probable one its reading "
        "allows (never one whose valence/arousal region the reading lies outside)",
    )
    explanation: str | None = Field(
        None,
        description="why it was chosen, in words (e.g. 'Bright and energetic, like the smile "
        "in your photo.'); `reason` has the numbers",
    )
    playback: Literal["local", "spotify", "web", "none"] = Field(
        ...,
        description="how it plays: local (a file this server sends, offline too), spotify "
        "(Spotify's player or app, online), web (another web address, online) or none",
    )


class RecommendOut(BaseModel):
    model_config = _example(
        {
            "reading": None,
            "target": {"top": "happiness", "probabilities": _PROBABILITIES, "given_as": "emotion"},
            "mode": "match",
            "k": 1,
            "summary": "1 close match for happiness",
            "tracks": [_TRACK],
            "request_id": 12,
        }
    )

    reading: ReadingOut | None = Field(None, description="present when an image or text was read")
    target: TargetOut
    mode: ModeName
    k: int
    summary: str = Field(
        ..., description="one line about the list, e.g. '3 close matches for happiness, 7 weaker'"
    )
    tracks: list[TrackOut]
    request_id: int | None = Field(
        None, description="the request's id in the mood journal, when it was kept (`journal`)"
    )


class FeedbackOut(BaseModel):
    model_config = _example({"stored": True, "track_id": _TRACK["track_id"], "liked": True})

    stored: bool
    track_id: str
    liked: bool


class HealthOut(BaseModel):
    model_config = _example(
        {
            "status": "ok",
            "version": "1.0.0",
            "tracks": 1050,
            "model_version": "mlp-3f2a9c",
            "image_reading": True,
            "image_reading_problem": None,
            "words_reading": True,
            "words_reading_problem": None,
        }
    )

    status: Literal["ok"]
    version: str
    tracks: int
    model_version: str | None
    image_reading: bool
    image_reading_problem: str | None
    words_reading: bool
    words_reading_problem: str | None


class ErrorItem(BaseModel):
    field: str | None
    message: str


class ErrorOut(BaseModel):
    model_config = _example(
        {
            "detail": "k: Input should be less than or equal to 50",
            "errors": [{"field": "k", "message": "Input should be less than or equal to 50"}],
        }
    )

    detail: str = Field(..., description="What was wrong, in one sentence")
    errors: list[ErrorItem] = Field(default_factory=list)


class HistoryEventOut(BaseModel):
    model_config = _example(
        {"id": "feedback-5", "kind": "like", "track": _TRACK, "at": "2026-12-01T09:30:00.123Z"}
    )

    id: str = Field(..., description="names the entry for DELETE /api/history/{id}")
    kind: Literal["play", "like", "dislike"]
    track: TrackOut
    at: str = Field(..., description="when, ISO-8601 in UTC")


class HistoryOut(BaseModel):
    events: list[HistoryEventOut] = Field(..., description="newest first")


class JournalRequestOut(BaseModel):
    id: int = Field(..., description="names the request for /api/playlist?request=…")
    at: str = Field(..., description="when, ISO-8601 in UTC")
    source: Literal["photo", "words", "photo+words", "picked", "described"]
    emotion: str = Field(..., description="the mood read (its top emotion)")
    confidence: float | None = Field(None, description="the mood's probability, 0..1")
    mode: str
    tracks: list[TrackOut] = Field(..., description="the list given, with its scores and reasons")


class JournalSessionOut(BaseModel):
    start: str = Field(..., description="the session's first request, ISO-8601 in UTC")
    end: str = Field(..., description="its last request")
    requests: list[JournalRequestOut] = Field(..., description="newest first")


class JournalOut(BaseModel):
    model_config = _example(
        {
            "sessions": [
                {
                    "start": "2026-12-01T09:30:00.123Z",
                    "end": "2026-12-01T09:30:00.123Z",
                    "requests": [
                        {
                            "id": 12,
                            "at": "2026-12-01T09:30:00.123Z",
                            "source": "picked",
                            "emotion": "happiness",
                            "confidence": 1.0,
                            "mode": "match",
                            "tracks": [_TRACK],
                        }
                    ],
                }
            ]
        }
    )

    sessions: list[JournalSessionOut] = Field(..., description="newest first")


class RemovedOut(BaseModel):
    removed: int = Field(..., description="how many entries were removed")


class SpotifySavedOut(BaseModel):
    model_config = _example(
        {
            "playlist_id": "3cEYpjA9oz9GiPac4AsH4n",
            "url": "https://open.spotify.com/playlist/3cEYpjA9oz9GiPac4AsH4n",
            "added": 6,
            "left_out": 4,
        }
    )

    playlist_id: str
    url: str | None = Field(None, description="the playlist on Spotify")
    added: int = Field(..., description="tracks added (those with a Spotify id)")
    left_out: int = Field(..., description="tracks without a Spotify id, not added")
