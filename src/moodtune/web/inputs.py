"""The API's inputs of the senses, from the registry :data:`moodtune.senses.SENSES`.

A sense that reads ``text`` is a JSON field of ``/api/recommend`` and ``/api/emotion`` and a
form field; a sense that reads a ``file`` is a multipart file field. The request models are
built from the registry as it is when they are asked for (:func:`with_senses`, kept until a
sense is registered or removed), so a sense registered at run time is accepted at once.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model, model_validator
from pydantic.json_schema import JsonSchemaValue

from moodtune.senses import SENSES, SenseSpec, file_fields, revision, text_fields
from moodtune.text.reader import MAX_TEXT as READER_MAX_TEXT
from moodtune.web.uploads import Form, UploadError, check_image

__all__ = [
    "MAX_TEXT",
    "NOT_BLANK",
    "TEXT_SCHEMA",
    "Text",
    "emotion_request",
    "files_of",
    "filled",
    "form_schema",
    "given_phrase",
    "one_of_senses",
    "text_schema",
    "with_senses",
]

#: Longest text accepted, in characters: the words reader's own limit, so the API's 422 and
#: the reader agree.
MAX_TEXT = READER_MAX_TEXT
#: What counts as a letter of words, the same in JSON Schema (ECMA 262), pydantic (Rust regex)
#: and Python: a character that none of them calls white space. Text without one is blank.
NOT_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"
_NOT_BLANK = re.compile(NOT_BLANK)
TEXT_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_TEXT,
    "pattern": NOT_BLANK,
    "description": "Words to read a mood from (not blank).",
}
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT, pattern=NOT_BLANK, strict=True)]
_built: dict[tuple[type[BaseModel], int], type[BaseModel]] = {}


def text_schema(sense: SenseSpec) -> dict[str, Any]:
    """The JSON Schema of a text sense's field (the words' as it always was)."""
    return TEXT_SCHEMA if sense.field == "text" else TEXT_SCHEMA | {"description": sense.help}


def with_senses(base: type[BaseModel], *, form: bool = False) -> type[BaseModel]:
    """``base`` with an optional field per text sense (JSON: not blank, strict; ``form``: as
    a form sends it), named as ``base`` and built again only when the registry changes."""
    key = (base, revision() * 2 + form)
    if key not in _built:
        fields: dict[str, Any] = {}
        for sense in SENSES.values():
            if sense.kind != "text":
                continue
            if form:
                fields[sense.field] = (str | None, Field(None, max_length=MAX_TEXT))
            else:
                kind = Annotated[Text | None, WithJsonSchema(text_schema(sense))]
                fields[sense.field] = (kind, None)
        name = base.__name__.lstrip("_").removesuffix("Base")
        _built[key] = create_model(name, __base__=base, __doc__=base.__doc__, **fields)
    return _built[key]


class _EmotionRequestBase(BaseModel):
    """Words to read a mood from, as JSON (``/api/emotion``; a photo goes as multipart): the
    field of each sense that reads text, at least one given."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "rainy Sunday, missing the sea"}]},
    )

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: Any) -> JsonSchemaValue:
        schema = handler(core)
        fields = [field for field in text_fields() if field in cls.model_fields]
        handler.resolve_ref_schema(schema)["anyOf"] = [{"required": [f]} for f in fields]
        return schema

    @model_validator(mode="after")
    def _some_words(self) -> _EmotionRequestBase:
        fields = [field for field in text_fields() if field in type(self).model_fields]
        if all(getattr(self, field) is None for field in fields):
            raise ValueError(f"give {' or '.join(fields)}: words to read a mood from")
        return self


def emotion_request() -> type[BaseModel]:
    """The JSON body of /api/emotion as the registry of senses is now."""
    return with_senses(_EmotionRequestBase)


def given_phrase() -> str:
    """``"image, emotion, distribution or text"``: the ways of giving a target."""
    names = [*file_fields(), "emotion", "distribution", *text_fields()]
    return f"{', '.join(names[:-1])} or {names[-1]}"


def one_of_senses(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The ``oneOf`` of a target request's JSON Schema: an emotion, a distribution, or the
    text senses (one or several)."""
    senses = [{"required": [field]} for field in text_fields() if field in model.model_fields]
    words = senses if len(senses) == 1 else [{"anyOf": senses}]
    schema["oneOf"] = [{"required": ["emotion"]}, {"required": ["distribution"]}, *words]


def filled(form: Form) -> dict[str, str]:
    """The text fields of a form, stripped; a blank text sense's field (see
    :data:`NOT_BLANK`) counts as not given. Other blank fields stay, and are refused as
    invalid (422)."""
    texts = set(text_fields())
    return {
        name: value.strip()
        for name, value in form.fields.items()
        if name not in texts or _NOT_BLANK.search(value)
    }


def files_of(form: Form) -> dict[str, bytes]:
    """The file senses' uploads of a form, by field (an image checked as an image)."""
    fields = file_fields()
    unknown = set(form.files) - set(fields)
    if unknown:
        raise UploadError(
            f"unexpected file field(s) {', '.join(sorted(unknown))}; send the photo as 'image'",
            status=422,
        )
    found: dict[str, bytes] = {}
    for field in fields:
        part = form.files.get(field)
        if part is None:
            if form.fields.get(field):
                raise UploadError(
                    f"the field {field!r} must be a file upload", status=422, field=field
                )
            continue
        if field == "image":
            check_image(part.data, part.content_type)
        found[field] = part.data
    return found


def form_schema(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """JSON Schema of the multipart form of /api/emotion (and, with the ``extra`` fields of
    /api/recommend, of that): the senses' inputs, at least one given (text not blank)."""
    properties: dict[str, Any] = {}
    for sense in SENSES.values():
        if sense.kind == "file":
            about = "A photo: JPEG, PNG, WebP, GIF, BMP or TIFF, at most 20 MB."
            properties[sense.field] = {
                "type": "string",
                "format": "binary",
                "description": about if sense.field == "image" else sense.help,
            }
        else:
            about = "Words (blank counts as none when an image is sent)."
            properties[sense.field] = {
                "type": "string",
                "maxLength": MAX_TEXT,
                "description": about if sense.field == "text" else sense.help,
            }
    properties |= extra or {}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "anyOf": [
            {"required": [s.field]}
            if s.kind == "file"
            else {"required": [s.field], "properties": {s.field: {"pattern": NOT_BLANK}}}
            for s in SENSES.values()
        ],
    }
