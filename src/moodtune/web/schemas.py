"""Request and response shapes of the JSON API (pydantic models; they also make /docs).

Validation happens here, at the boundary: an unknown emotion, a bad distribution, a mode or
``k`` out of range become a 422 with a JSON reason naming the parameter.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from moodtune.emotions import EMOTIONS, canonical, distribution
from moodtune.errors import MoodtuneError
from moodtune.vision.reader import MAX_TEXT as READER_MAX_TEXT

Mode = Literal["match", "uplift", "calm"]
MODES: tuple[str, ...] = ("match", "uplift", "calm")
#: How the page names each mode ("the music should …").
MODE_LABELS: dict[str, str] = {
    "match": "match the mood",
    "uplift": "lift it up",
    "calm": "calm it down",
}
#: Most tracks one request may ask for.
MAX_K = 50
#: Longest text accepted, in characters: the image/words reader's own limit, so the API's
#: 422 and the reader agree.
MAX_TEXT = READER_MAX_TEXT
#: Longest track id accepted, in characters.
MAX_TRACK_ID = 200


def _emotion(value: str | None) -> str | None:
    """The canonical emotion for a name or alias; a ValueError (so a 422) for anything else."""
    if value is None or not value.strip():
        return None
    try:
        return canonical(value)
    except MoodtuneError as error:
        raise ValueError(str(error)) from None


def _distribution(value: Any) -> dict[str, float] | None:
    """A normalised {emotion: weight} from a mapping or 7 weights; ValueError when invalid."""
    if value is None:
        return None
    try:
        vector = distribution(value)
    except MoodtuneError as error:
        raise ValueError(str(error)) from None
    return {name: float(weight) for name, weight in zip(EMOTIONS, vector, strict=True)}


class RecommendRequest(BaseModel):
    """What to recommend for, when no image is sent: an emotion, a distribution or words.

    Give exactly one of ``emotion``, ``distribution`` or ``text``. ``distribution`` is an
    object emotion → weight or a list of 7 weights in the order of ``moodtune.emotions``;
    weights are normalised to sum to 1.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"emotion": "happy", "mode": "match", "k": 10}]},
    )

    emotion: str | None = Field(None, max_length=40, description="An emotion or alias.")
    distribution: dict[str, float] | list[float] | None = Field(
        None, description="Emotion weights: {name: weight} or 7 numbers."
    )
    text: str | None = Field(None, max_length=MAX_TEXT, description="Words to read a mood from.")
    mode: Mode = Field("match", description="match the mood, uplift it or calm it.")
    k: int = Field(10, ge=1, le=MAX_K, description="How many tracks.")

    @field_validator("emotion")
    @classmethod
    def _known_emotion(cls, value: str | None) -> str | None:
        return _emotion(value)

    @field_validator("distribution")
    @classmethod
    def _valid_distribution(cls, value: Any) -> dict[str, float] | None:
        return _distribution(value)

    @model_validator(mode="after")
    def _one_target(self) -> RecommendRequest:
        given = [
            name
            for name in ("emotion", "distribution", "text")
            if getattr(self, name) not in (None, "")
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of image, emotion, distribution or text"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class EmotionForm(BaseModel):
    """The text field that may come with an image to /api/emotion."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, max_length=MAX_TEXT)


class FormOptions(EmotionForm):
    """The text fields that may come with an image to /api/recommend."""

    mode: Mode = "match"
    k: int = Field(10, ge=1, le=MAX_K)


class PlayedRequest(BaseModel):
    """The JSON body of a play: an empty object (the body's type is what matters, see
    ``/api/tracks/{id}/played``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})


class FeedbackContext(BaseModel):
    """Where a thumbs-up or -down was given: the mood and mode of the recommendation."""

    model_config = ConfigDict(extra="forbid")

    emotion: str | None = Field(None, max_length=40)
    mode: Mode | None = None
    source: str | None = Field(None, max_length=20, pattern=r"^[a-z]+$")

    @field_validator("emotion")
    @classmethod
    def _known_emotion(cls, value: str | None) -> str | None:
        return _emotion(value)


class FeedbackRequest(BaseModel):
    """A listener's verdict on one recommended track."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"track_id": "…", "liked": True, "context": {"emotion": "happiness"}}]
        },
    )

    track_id: str = Field(..., min_length=1, max_length=MAX_TRACK_ID)
    liked: bool = Field(..., description="true for 👍, false for 👎")
    context: FeedbackContext | None = None


# --- response shapes (documentation of what the endpoints return) ---------------------------


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


class RecommendOut(BaseModel):
    reading: ReadingOut | None = Field(None, description="present when an image or text was read")
    target: TargetOut
    mode: Mode
    k: int
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
