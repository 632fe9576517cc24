"""Request and response shapes of the JSON API (pydantic models; they also make /docs).

Validation happens here, at the boundary: an unknown emotion, a bad distribution, a mode or
``k`` out of range become a 422 with a JSON reason naming the parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from moodtune.emotions import ALIASES, EMOTIONS, canonical, distribution
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


#: What counts as a letter of words, the same in JSON Schema (ECMA 262), pydantic (Rust regex)
#: and Python: a character that none of them calls white space. Text without one is blank.
NOT_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"
#: Emotion names accepted (canonical names and aliases, lower case).
EMOTION_NAMES: tuple[str, ...] = tuple(ALIASES)


def _emotion(value: str | None) -> str | None:
    """The canonical emotion for a name or alias; a ValueError (so a 422) for anything else."""
    if value is None:
        return None
    try:
        return canonical(value)
    except MoodtuneError as error:
        raise ValueError(str(error)) from None


def _distribution(value: Any) -> dict[str, float] | None:
    """A normalised {emotion: weight} from a mapping or 7 weights; ValueError when invalid.

    Weights must be JSON numbers (not true/false or text)."""
    if value is None:
        return None
    weights = value.values() if isinstance(value, dict) else value
    if not isinstance(value, dict | list) or not all(
        isinstance(w, int | float) and not isinstance(w, bool) for w in weights
    ):
        raise ValueError("give an object {emotion: weight} or a list of 7 weights, as numbers")
    try:
        vector = distribution(value)
    except MoodtuneError as error:
        raise ValueError(str(error)) from None
    return {name: float(weight) for name, weight in zip(EMOTIONS, vector, strict=True)}


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("null is not accepted: leave the field out")
    return value


Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT, pattern=NOT_BLANK, strict=True)]


class RecommendRequest(BaseModel):
    """What to recommend for, when no image is sent: an emotion, a distribution or words.

    Give exactly one of ``emotion``, ``distribution`` or ``text`` (a field left out is not
    given; ``null`` is refused). ``distribution`` is an object emotion → weight or a list of
    7 weights in the order of ``moodtune.emotions``; weights are normalised to sum to 1, at
    least one must be above 0. Types are strict: ``k`` is a JSON integer (not ``"10"`` or
    ``true``), text is not blank.
    """

    model_config = ConfigDict(extra="forbid")

    emotion: Annotated[str, Field(max_length=40, strict=True)] | None = None
    distribution: Annotated[
        Any, WithJsonSchema({"anyOf": [{"type": "object"}, {"type": "array"}]})
    ] = None  # checked by _valid_distribution (one clear message)
    text: Text | None = None
    mode: Mode = "match"
    k: int = Field(10, ge=1, le=MAX_K, strict=True)

    _nulls = field_validator("emotion", "distribution", "text", "mode", "k", mode="before")(
        _not_null
    )

    @field_validator("k", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        # JSON Schema counts 10.0 as an integer; true and "10" stay refused (strict).
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

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
            name for name in ("emotion", "distribution", "text") if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of image, emotion, distribution or text"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class EmotionForm(BaseModel):
    """The text field that may come with an image to /api/emotion (form values are text)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, max_length=MAX_TEXT)


class FormOptions(EmotionForm):
    """The text fields that may come with an image to /api/recommend (``k`` as text)."""

    mode: Mode = "match"
    k: int = Field(10, ge=1, le=MAX_K)


class PlayedRequest(BaseModel):
    """The JSON body of a play: an empty object (the body's type is what matters, see
    ``/api/tracks/{id}/played``)."""

    model_config = ConfigDict(extra="forbid")


class FeedbackContext(BaseModel):
    """Where a thumbs-up or -down was given: the mood and mode of the recommendation."""

    model_config = ConfigDict(extra="forbid")

    emotion: Annotated[str, Field(max_length=40, strict=True)] | None = None
    mode: Mode | None = None
    source: Annotated[str, Field(max_length=20, pattern=r"^[a-z]+$", strict=True)] | None = None

    _nulls = field_validator("emotion", "mode", "source", mode="before")(_not_null)

    @field_validator("emotion")
    @classmethod
    def _known_emotion(cls, value: str | None) -> str | None:
        return _emotion(value)


class FeedbackRequest(BaseModel):
    """A listener's verdict on one recommended track."""

    model_config = ConfigDict(extra="forbid")

    track_id: str = Field(..., min_length=1, max_length=MAX_TRACK_ID, strict=True)
    liked: bool = Field(..., strict=True, description="true for 👍, false for 👎")
    context: FeedbackContext | None = None

    _nulls = field_validator("context", mode="before")(_not_null)


# --- the request bodies as the OpenAPI schema documents them (read by hand, not by FastAPI) --


def _one_positive(names: Sequence[str]) -> list[dict[str, Any]]:
    return [{"required": [name], "properties": {name: {"exclusiveMinimum": 0}}} for name in names]


def request_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of the JSON request bodies, exactly what the models above accept."""
    weight = {"type": "number", "minimum": 0}
    text = {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_TEXT,
        "pattern": NOT_BLANK,
        "description": "Words to read a mood from (not blank).",
    }
    emotion = {
        "type": "string",
        "enum": list(EMOTION_NAMES),
        "description": "An emotion or alias.",
    }
    mode = {"type": "string", "enum": list(MODES), "default": "match"}
    return {
        "RecommendRequest": {
            "title": "RecommendRequest",
            "description": (RecommendRequest.__doc__ or "").strip(),
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "emotion": emotion,
                "distribution": {
                    "description": "Emotion weights: {name: weight} or 7 numbers.",
                    "anyOf": [
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {name: weight for name in EMOTIONS},
                            "anyOf": _one_positive(EMOTIONS),
                        },
                        {
                            "type": "array",
                            "items": weight,
                            "minItems": len(EMOTIONS),
                            "maxItems": len(EMOTIONS),
                            "contains": {"type": "number", "exclusiveMinimum": 0},
                        },
                    ],
                },
                "text": text,
                "mode": mode,
                "k": {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": 10},
            },
            "oneOf": [
                {"required": ["emotion"]},
                {"required": ["distribution"]},
                {"required": ["text"]},
            ],
            "examples": [{"emotion": "happy", "mode": "match", "k": 10}],
        },
        "FeedbackRequest": {
            "title": "FeedbackRequest",
            "description": (FeedbackRequest.__doc__ or "").strip(),
            "type": "object",
            "additionalProperties": False,
            "required": ["track_id", "liked"],
            "properties": {
                "track_id": {"type": "string", "minLength": 1, "maxLength": MAX_TRACK_ID},
                "liked": {"type": "boolean", "description": "true for 👍, false for 👎"},
                "context": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "emotion": emotion,
                        "mode": {"type": "string", "enum": list(MODES)},
                        "source": {"type": "string", "maxLength": 20, "pattern": "^[a-z]+$"},
                    },
                },
            },
            "examples": [{"track_id": "…", "liked": True, "context": {"emotion": "happiness"}}],
        },
        "PlayedRequest": {
            "title": "PlayedRequest",
            "description": (PlayedRequest.__doc__ or "").strip(),
            "type": "object",
            "additionalProperties": False,
            "maxProperties": 0,
            "examples": [{}],
        },
    }


def form_schema(with_target: bool) -> dict[str, Any]:
    """JSON Schema of the multipart form of /api/emotion (and, ``with_target``, of
    /api/recommend): an image and/or words that are not blank."""
    properties: dict[str, Any] = {
        "image": {
            "type": "string",
            "format": "binary",
            "description": "A photo: JPEG, PNG, WebP, GIF, BMP or TIFF, at most 20 MB.",
        },
        "text": {
            "type": "string",
            "maxLength": MAX_TEXT,
            "description": "Words (blank counts as none when an image is sent).",
        },
    }
    if with_target:
        properties |= {
            "mode": {"type": "string", "enum": list(MODES), "default": "match"},
            "k": {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": 10},
        }
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "anyOf": [
            {"required": ["image"]},
            {"required": ["text"], "properties": {"text": {"pattern": NOT_BLANK}}},
        ],
    }


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
    reading: tuple[float, float] | None = Field(
        None, description="valence and arousal learned from listeners, -1..1 (not Spotify's)"
    )
    close: bool | None = Field(
        None, description="match mode: whether the track closely matches the emotion asked for"
    )


class RecommendOut(BaseModel):
    reading: ReadingOut | None = Field(None, description="present when an image or text was read")
    target: TargetOut
    mode: Mode
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
