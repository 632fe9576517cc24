"""Response shapes of the JSON API (pydantic models: they document the answers in /docs)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from moodtune.catalogue.history import Kind
from moodtune.catalogue.journal import SOURCES as JOURNAL_SOURCES
from moodtune.reading import CONFIDENCES
from moodtune.recommend.target import GIVEN_AS
from moodtune.senses import reading_sources
from moodtune.web import examples
from moodtune.web.answer import PLAYBACK
from moodtune.web.schemas import ModeName

__all__ = [
    "AnswerOut",
    "AnswerTrackOut",
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
    "MatchesOut",
    "PointOut",
    "ReadingOut",
    "ReadingSource",
    "RecommendOut",
    "RemovedOut",
    "SpotifySavedOut",
    "TargetOut",
    "TrackOut",
    "answer_schema",
]


#: Where a reading came from, and how a target was given: from the registry of senses.
ReadingSource = Literal[reading_sources()]  # type: ignore[valid-type]
GivenAs = Literal[GIVEN_AS]  # type: ignore[valid-type]


def _example(value: object, **config: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]}, **config)


class PointOut(BaseModel):
    """A point on the valence/arousal plane, each −1..1."""

    model_config = _example({"valence": 0.62, "arousal": 0.35})

    valence: float
    arousal: float


class FaceOut(BaseModel):
    model_config = _example(examples.READING["faces"][0])  # type: ignore[index]

    box: list[int] = Field(..., description="x, y, width, height in pixels of the oriented image")
    confidence: float
    top: str
    probabilities: dict[str, float]


class ReadingOut(BaseModel):
    model_config = _example(examples.READING)

    top: str
    source: ReadingSource
    confidence: Literal[CONFIDENCES]  # type: ignore[valid-type]
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
    """What an answer was asked for (``ResolvedTarget.to_dict``)."""

    model_config = _example(examples.TARGET, extra="forbid")

    top: str = Field(..., description="the mood asked for by name, else the heaviest emotion")
    probabilities: dict[str, float] = Field(..., description="the 7 emotions, summing to 1")
    given_as: GivenAs
    point: list[float] = Field(
        ..., min_length=2, max_length=2, description="valence, arousal on the plane, -1..1"
    )
    notes: list[str] = Field(..., description="about the target, e.g. weights normalised")


class MatchesOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    close: int = Field(..., description="tracks that closely match the target")
    weaker: int = Field(..., description="the others: the nearest, weaker matches")


class AnswerTrackOut(BaseModel):
    """One track of an answer (``moodtune.recommend.answer.track_dict``)."""

    model_config = _example(examples.ANSWER_TRACK, extra="forbid")

    track_id: str
    title: str | None
    artist: str | None
    score: float
    reason: str = Field(..., description="why it was chosen, with the numbers")
    probabilities: dict[str, float]
    valence: float | None
    energy: float | None
    has_audio: bool = Field(..., description="the track has a local audio file on this server")
    remote_audio_url: str | None = Field(
        ..., description="the track's audio elsewhere (http(s); not fetched by this server)"
    )
    spotify_id: str | None
    preview_url: str | None
    reading: PointOut | None = Field(
        ..., description="valence and arousal learned from listeners, -1..1 (not Spotify's)"
    )
    close: bool | None = Field(
        ..., description="match mode: whether the track closely matches the emotion asked for"
    )
    chip: str | None = Field(
        ...,
        description="the emotion to name on the track: the most probable one its reading "
        "allows (never one whose valence/arousal region the reading lies outside)",
    )
    explanation: str | None = Field(
        ...,
        description="why it was chosen, in words (e.g. 'Bright and energetic, like the smile "
        "in your photo.'); `reason` has the numbers; null outside an answer (history)",
    )


class TrackOut(AnswerTrackOut):
    """A track as this API shows it: the answer's track with this server's URLs."""

    model_config = _example(examples.TRACK, extra="forbid")

    audio_url: str | None = Field(
        ..., description="this API's URL for the local audio (range requests), if has_audio"
    )
    spotify_url: str | None
    playback: Literal[PLAYBACK] = Field(  # type: ignore[valid-type]
        ...,
        description="how it plays: local (a file this server sends, offline too), spotify "
        "(Spotify's player or app, online), web (another web address, online) or none",
    )


class AnswerOut(BaseModel):
    """The answer to a recommendation request, version 1: what ``moodtune recommend --json``
    prints (``Answer.to_dict``); ``POST /api/recommend`` adds ``request_id`` and, per track,
    ``audio_url``, ``spotify_url`` and ``playback``."""

    model_config = _example(examples.ANSWER, extra="forbid", title="moodtune answer")

    version: Literal[1] = Field(..., description="the version of this shape")
    target: TargetOut
    reading: ReadingOut | None = Field(..., description="what was read from an image or words")
    mode: ModeName
    k: int = Field(..., description="how many tracks were asked for")
    summary: str = Field(
        ..., description="one line about the list, e.g. '3 close matches for happiness, 7 weaker'"
    )
    matches: MatchesOut | None = Field(
        ..., description="in a mode that matches the target (match), the close/weaker counts"
    )
    tracks: list[AnswerTrackOut]


class RecommendOut(AnswerOut):
    model_config = _example(
        examples.ANSWER | {"tracks": [examples.TRACK], "request_id": 12},
        extra="forbid",
        title="RecommendOut",
    )

    tracks: list[TrackOut]  # type: ignore[assignment]
    request_id: int | None = Field(
        ..., description="the request's id in the mood journal, when it was kept (`journal`)"
    )


def answer_schema() -> dict[str, Any]:
    """The JSON schema of an answer (:class:`AnswerOut`), as docs/answer.schema.json holds it.

    Write the file again after changing the answer's shape (tests/web/test_answer.py checks
    it is up to date)::

        python -c "import json; from moodtune.web.replies import answer_schema; \\
        print(json.dumps(answer_schema(), indent=2, ensure_ascii=False))" \\
        > docs/answer.schema.json
    """
    schema = AnswerOut.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


class FeedbackOut(BaseModel):
    model_config = _example({"stored": True, "track_id": examples.TRACK["track_id"], "liked": True})

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
        {
            "id": "feedback-5",
            "kind": "like",
            "track": examples.TRACK,
            "at": "2026-12-01T09:30:00.123Z",
        }
    )

    id: str = Field(..., description="names the entry for DELETE /api/history/{id}")
    kind: Kind
    track: TrackOut
    at: str = Field(..., description="when, ISO-8601 in UTC")


class HistoryOut(BaseModel):
    events: list[HistoryEventOut] = Field(..., description="newest first")


class JournalRequestOut(BaseModel):
    id: int = Field(..., description="names the request for /api/playlist?request=…")
    at: str = Field(..., description="when, ISO-8601 in UTC")
    source: Literal[JOURNAL_SOURCES]  # type: ignore[valid-type]
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
                            "tracks": [examples.TRACK],
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
