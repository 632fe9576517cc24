"""Request and response shapes of the JSON API (pydantic models; they also make /docs).

Validation happens here, at the boundary: an unknown emotion, a bad distribution, a mode or
``k`` out of range become a 422 with a JSON reason naming the parameter.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

from moodtune.emotions import ALIASES, EMOTIONS, canonical, distribution
from moodtune.errors import MoodtuneError
from moodtune.recommend.modes import DEFAULT_MODE, K_DEFAULT, K_MAX, K_MIN, MODES
from moodtune.recommend.moods import MOODS, mood_named
from moodtune.senses import text_fields
from moodtune.web.inputs import (
    MAX_TEXT,
    NOT_BLANK,
    TEXT_SCHEMA,
    Text,
    emotion_request,
    given_phrase,
    one_of_senses,
    with_senses,
)

__all__ = [
    "ARTIST_CAP_SCHEMA",
    "DISTRIBUTION_SCHEMA",
    "EMOTION_NAMES",
    "EMOTION_SCHEMA",
    "JSON_BODIES",
    "K_SCHEMA",
    "MAX_TEXT",
    "MAX_TRACK_ID",
    "MODE_SCHEMA",
    "NOT_BLANK",
    "TEXT_SCHEMA",
    "WEIGHT_SCHEMA",
    "EmotionForm",
    "EmotionName",
    "EmotionRequest",
    "FeedbackContext",
    "FeedbackRequest",
    "FormOptions",
    "ModeName",
    "PlayedRequest",
    "RecommendRequest",
    "SpotifySaveRequest",
    "Text",
    "body_schema",
    "emotion_form",
    "form_options",
    "json_bodies",
    "recommend_request",
]

#: The name of a recommendation mode (from the registry :mod:`moodtune.recommend.modes`).
ModeName = Literal[tuple(MODES)]  # type: ignore[valid-type]
#: The JSON Schema of a mode name, with the registry's help for each.
MODE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "enum": list(MODES),
    "description": "; ".join(f"{m.name}: {m.help}" for m in MODES.values()),
}
#: Longest track id accepted, in characters.
MAX_TRACK_ID = 200


#: Emotion names accepted (canonical names and aliases, then the mood words of
#: moodtune.recommend.moods and their other words, lower case).
EMOTION_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys([*ALIASES, *(w for m in MOODS.values() for w in (m.name, *m.words))])
)


def _emotion(value: str | None) -> str | None:
    """The target a name, alias or mood word names ("calm" stays calm, "sad" is sadness); a
    ValueError (so a 422) for anything else."""
    if value is None:
        return None
    try:
        return mood_named(value).name
    except MoodtuneError as error:
        raise ValueError(str(error)) from None


def _distribution(value: Any) -> dict[str, float] | None:
    """{emotion: weight} of JSON numbers as given, checked (resolve_target normalises)."""
    if value is None:
        return None
    weights = value.values() if isinstance(value, dict) else value
    if not isinstance(value, dict | list) or not all(
        isinstance(w, int | float) and not isinstance(w, bool) for w in weights
    ):
        raise ValueError("give an object {emotion: weight} or a list of 7 weights, as numbers")
    try:
        distribution(value)
    except MoodtuneError as error:
        raise ValueError(str(error)) from None
    pairs = value.items() if isinstance(value, dict) else zip(EMOTIONS, value, strict=True)
    given = dict.fromkeys(EMOTIONS, 0.0)
    for name, weight in pairs:
        given[canonical(name)] += float(weight)
    return given


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("null is not accepted: leave the field out")
    return value


#: JSON Schemas of the request fields, exactly what the validators accept (a field left out
#: is not given; ``null`` is refused, so the documented types do not include it).
WEIGHT_SCHEMA: dict[str, Any] = {"type": "number", "minimum": 0}
EMOTION_SCHEMA: dict[str, Any] = {
    "type": "string",
    "enum": list(EMOTION_NAMES),
    "description": "An emotion, alias or mood word (calm, energetic, nostalgic, ...).",
}
DISTRIBUTION_SCHEMA: dict[str, Any] = {
    "description": "Emotion weights: {name: weight} or 7 numbers.",
    "anyOf": [
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: WEIGHT_SCHEMA for name in EMOTIONS},
            "anyOf": [
                {"required": [name], "properties": {name: {"exclusiveMinimum": 0}}}
                for name in EMOTIONS
            ],
        },
        {
            "type": "array",
            "items": WEIGHT_SCHEMA,
            "minItems": len(EMOTIONS),
            "maxItems": len(EMOTIONS),
            "contains": {"type": "number", "exclusiveMinimum": 0},
        },
    ],
}
K_SCHEMA: dict[str, Any] = {
    "type": "integer",
    "minimum": K_MIN,
    "maximum": K_MAX,
    "default": K_DEFAULT,
}
ARTIST_CAP_SCHEMA: dict[str, Any] = {
    "type": "integer",
    "minimum": 0,
    "maximum": K_MAX,
    "description": "At most this many tracks per artist; 0: no cap. Left out: the server's "
    "cap (2 unless `moodtune serve` was told otherwise).",
    "examples": [2],
}
JOURNAL_SCHEMA: dict[str, Any] = {
    "type": "boolean",
    "default": False,
    "description": "Keep this request in the mood journal (the page does): the mood read, "
    "the mode and the list given; the answer's `request_id` names it.",
}
ArtistCap = Annotated[
    Annotated[int, Field(ge=0, le=K_MAX, strict=True)] | None, WithJsonSchema(ARTIST_CAP_SCHEMA)
]

EmotionName = Annotated[str, Field(max_length=40, strict=True)]


class _BodySchema(GenerateJsonSchema):
    """JSON Schema of a request body: a field that may be left out has no ``default: null``
    (``null`` is refused, see :func:`_not_null`)."""

    def default_schema(self, schema: Any) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if "default" in json_schema and json_schema["default"] is None:
            del json_schema["default"]
        return json_schema


class _RecommendRequestBase(BaseModel):
    """What to recommend for, when no image is sent: an emotion, a distribution or words.

    Give exactly one of ``emotion``, ``distribution`` or ``text`` (or the field of another
    sense that reads text, see ``moodtune.senses``; a field left out is not given; ``null``
    is refused). ``distribution`` is an object emotion → weight or a list of
    7 weights in the order of ``moodtune.emotions``; weights are normalised to sum to 1, at
    least one must be above 0. Types are strict: ``k`` is a JSON integer (not ``"10"`` or
    ``true``), text is not blank.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"emotion": "happy", "mode": DEFAULT_MODE, "k": K_DEFAULT},
                {"text": "rainy Sunday, missing the sea", "mode": "uplift", "k": 5},
                {"distribution": {"sadness": 0.7, "neutral": 0.3}, "artist_cap": 0},
            ],
        },
    )

    emotion: Annotated[EmotionName | None, WithJsonSchema(EMOTION_SCHEMA)] = None
    distribution: Annotated[Any, WithJsonSchema(DISTRIBUTION_SCHEMA)] = None
    mode: Annotated[ModeName, WithJsonSchema(MODE_SCHEMA | {"default": DEFAULT_MODE})] = (
        DEFAULT_MODE
    )
    k: Annotated[int, Field(ge=K_MIN, le=K_MAX, strict=True), WithJsonSchema(K_SCHEMA)] = K_DEFAULT
    artist_cap: ArtistCap = None
    journal: Annotated[bool, Field(strict=True), WithJsonSchema(JOURNAL_SCHEMA)] = False

    _nulls = field_validator("*", mode="before")(_not_null)

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: Any) -> JsonSchemaValue:
        schema = handler(core)
        one_of_senses(handler.resolve_ref_schema(schema), cls)
        return schema

    @field_validator("k", "artist_cap", mode="before")
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
    def _one_target(self) -> _RecommendRequestBase:
        named = [name for name in ("emotion", "distribution") if getattr(self, name) is not None]
        sensed = [name for name in text_fields() if getattr(self, name, None) is not None]
        given = named + sensed
        if len(named) + bool(sensed) != 1:
            raise ValueError(
                f"give exactly one of {given_phrase()}"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


#: The JSON body of /api/recommend with the senses registered when the app was built;
#: :func:`recommend_request` follows the registry.
RecommendRequest = with_senses(_RecommendRequestBase)


def recommend_request() -> type[BaseModel]:
    """:data:`RecommendRequest` as the registry of senses is now."""
    return with_senses(_RecommendRequestBase)


class _EmotionFormBase(BaseModel):
    """The text fields that may come with an image to /api/emotion (form values are text)."""

    model_config = ConfigDict(extra="forbid")


class _FormOptionsBase(_EmotionFormBase):
    """The text fields that may come with an image to /api/recommend (``k``, ``artist_cap``
    and ``journal`` as text)."""

    mode: ModeName = DEFAULT_MODE
    k: int = Field(K_DEFAULT, ge=K_MIN, le=K_MAX)
    artist_cap: int | None = Field(None, ge=0, le=K_MAX)
    journal: bool = False


def emotion_form() -> type[BaseModel]:
    """The form fields of /api/emotion: one per sense that reads text (from the registry)."""
    return with_senses(_EmotionFormBase, form=True)


def form_options() -> type[BaseModel]:
    """The form fields of /api/recommend: the senses' texts, ``mode``, ``k``, …"""
    return with_senses(_FormOptionsBase, form=True)


EmotionForm = emotion_form()
FormOptions = form_options()


#: The JSON body of /api/emotion (its fields from the registry of senses, see
#: :func:`moodtune.web.inputs.emotion_request`).
EmotionRequest = emotion_request()


class PlayedRequest(BaseModel):
    """The JSON body of a play: an empty object (the body's type is what matters, see
    ``/api/tracks/{id}/played``)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"maxProperties": 0, "examples": [{}]}
    )


class FeedbackContext(BaseModel):
    """Where a thumbs-up or -down was given: the mood and mode of the recommendation."""

    model_config = ConfigDict(extra="forbid")

    emotion: Annotated[EmotionName | None, WithJsonSchema(EMOTION_SCHEMA)] = None
    mode: Annotated[ModeName | None, WithJsonSchema(MODE_SCHEMA)] = None
    source: Annotated[
        Annotated[str, Field(max_length=20, pattern=r"^[a-z]+$", strict=True)] | None,
        WithJsonSchema({"type": "string", "maxLength": 20, "pattern": "^[a-z]+$"}),
    ] = None

    _nulls = field_validator("emotion", "mode", "source", mode="before")(_not_null)

    @field_validator("emotion")
    @classmethod
    def _known_emotion(cls, value: str | None) -> str | None:
        return _emotion(value)


class FeedbackRequest(BaseModel):
    """A listener's verdict on one recommended track."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "track_id": "6dGnYIeXmHdcikdzNNDMm2",
                    "liked": True,
                    "context": {"emotion": "happiness", "mode": "match", "source": "face"},
                }
            ]
        },
    )

    track_id: str = Field(..., min_length=1, max_length=MAX_TRACK_ID, strict=True)
    liked: bool = Field(..., strict=True, description="true for 👍, false for 👎")
    context: Annotated[
        FeedbackContext | None,
        WithJsonSchema(FeedbackContext.model_json_schema(schema_generator=_BodySchema)),
    ] = None

    _nulls = field_validator("context", mode="before")(_not_null)


class SpotifySaveRequest(BaseModel):
    """A list of the mood journal to save to the listener's Spotify account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"request": 12, "name": "moodtune sadness uplift"}]},
    )

    request: int = Field(..., ge=1, le=2**62, strict=True, description="the journal's request")
    name: str = Field(..., min_length=1, max_length=100, pattern=NOT_BLANK, strict=True)

    _whole = field_validator("request", mode="before")(RecommendRequest._whole_number.__func__)


#: The JSON request bodies read by hand (with the app's size and depth limits): the routes
#: document them by reference (:func:`moodtune.web.responses.json_body`).
JSON_BODIES: tuple[type[BaseModel], ...] = (
    RecommendRequest,
    EmotionRequest,
    SpotifySaveRequest,
    FeedbackRequest,
    PlayedRequest,
)


def json_bodies() -> tuple[type[BaseModel], ...]:
    """:data:`JSON_BODIES` with the bodies that have a field per sense as the registry of
    senses is now."""
    return (recommend_request(), emotion_request(), *JSON_BODIES[2:])


def body_schema(model: type[BaseModel], ref_template: str) -> dict[str, Any]:
    """The JSON Schema of a request body of :data:`JSON_BODIES`, exactly what it accepts."""
    return model.model_json_schema(ref_template=ref_template, schema_generator=_BodySchema)
