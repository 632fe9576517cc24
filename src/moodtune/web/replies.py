"""Response shapes of the JSON API (pydantic models: they document the answers in /docs)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from moodtune.web.schemas import ModeName

__all__ = [
    "ErrorItem",
    "ErrorOut",
    "FaceOut",
    "FeedbackOut",
    "HealthOut",
    "HistoryEventOut",
    "HistoryOut",
    "ReadingOut",
    "RecommendOut",
    "RemovedOut",
    "TargetOut",
    "TrackOut",
]


class FaceOut(BaseModel):
    box: list[int] = Field(..., description="x, y, width, height in pixels of the oriented image")
    confidence: float
    top: str
    probabilities: dict[str, float]


class ReadingOut(BaseModel):
    top: str
    source: Literal["face", "scene", "text", "combined"]
    confidence: Literal["high", "low"]
    probabilities: dict[str, float]
    valence: float
    arousal: float
    faces: list[FaceOut]
    image_size: list[int] | None = Field(None, description="width, height after EXIF rotation")
    notes: list[str]


class TargetOut(BaseModel):
    top: str
    probabilities: dict[str, float]
    given_as: Literal["image", "text", "emotion", "distribution"]


class TrackOut(BaseModel):
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
    reading: tuple[float, float] | None = Field(
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


class RecommendOut(BaseModel):
    reading: ReadingOut | None = Field(None, description="present when an image or text was read")
    target: TargetOut
    mode: ModeName
    k: int
    summary: str = Field(
        ..., description="one line about the list, e.g. '3 close matches for happiness, 7 weaker'"
    )
    tracks: list[TrackOut]


class FeedbackOut(BaseModel):
    stored: bool
    track_id: str
    liked: bool


class HealthOut(BaseModel):
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
    detail: str = Field(..., description="What was wrong, in one sentence")
    errors: list[ErrorItem] = Field(default_factory=list)


class HistoryEventOut(BaseModel):
    id: str = Field(..., description="names the entry for DELETE /api/history/{id}")
    kind: Literal["play", "like", "dislike"]
    track: TrackOut
    at: str = Field(..., description="when, ISO-8601 in UTC")


class HistoryOut(BaseModel):
    events: list[HistoryEventOut] = Field(..., description="newest first")


class RemovedOut(BaseModel):
    removed: int = Field(..., description="how many entries were removed")
