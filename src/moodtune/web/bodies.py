"""Reading request bodies by hand, in memory, within the app's limits.

A form (multipart or URL-encoded) is read with the 20 MB cap enforced while it streams; a JSON
body with the 64 KB cap, a limit on nesting and number length (400) and validation against a
model of :mod:`moodtune.web.schemas` (422 naming the field). FastAPI's own body parsing would
read without these limits, so the routes use these functions and declare their bodies for
the docs in :mod:`moodtune.web.responses`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import BaseModel, ValidationError

from moodtune.web.limits import parse_json
from moodtune.web.uploads import (
    FORM_OVERHEAD_BYTES,
    MAX_IMAGE_BYTES,
    MAX_JSON_BYTES,
    Form,
    UploadError,
    declared_length,
    media_type,
    parse_multipart,
    parse_urlencoded,
    read_capped,
)

__all__ = [
    "RangeError",
    "check_range",
    "read_form",
    "read_json",
    "require_json",
    "validate",
]

M = TypeVar("M", bound=BaseModel)


async def read_form(request: Request) -> Form:
    """The form of ``request`` (multipart, or URL-encoded when it has no file), read into
    memory with the 20 MB cap enforced."""
    content_type = request.headers.get("content-type", "")
    kind = media_type(content_type)
    if kind == "application/x-www-form-urlencoded":
        declared_length(request.headers.get("content-length"), MAX_JSON_BYTES, "the form")
        return parse_urlencoded(await read_capped(request.stream(), MAX_JSON_BYTES, "the form"))
    if kind != "multipart/form-data":
        raise UploadError(
            f"send a multipart/form-data form (got {kind or 'no type'!r})", status=415
        )
    limit = MAX_IMAGE_BYTES + FORM_OVERHEAD_BYTES
    length = request.headers.get("content-length")
    declared_length(length, limit, "the upload", shown=MAX_IMAGE_BYTES)
    body = await read_capped(request.stream(), limit, "the upload", shown=MAX_IMAGE_BYTES)
    return parse_multipart(body, content_type)


def require_json(request: Request) -> None:
    """Refuse (415) a body not sent as ``application/json``.

    Endpoints that change something require it: a form on another site can send any body as
    text/plain, URL-encoded or multipart without a CORS preflight, but not as
    application/json (cross-site request forgery).
    """
    kind = media_type(request.headers.get("content-type"))
    if kind != "application/json":
        raise UploadError(
            f"send a JSON body (Content-Type: application/json; got {kind or 'no type'!r})",
            status=415,
        )


async def read_json(request: Request, model: type[M], *, require_type: bool = False) -> M:
    """The JSON body of ``request`` validated as ``model`` (413 over 64 KB, 422 when invalid;
    with ``require_type``, 415 unless sent as ``application/json``, see :func:`require_json`)."""
    if require_type:
        require_json(request)
    declared_length(request.headers.get("content-length"), MAX_JSON_BYTES, "the JSON body")
    body = await read_capped(request.stream(), MAX_JSON_BYTES, "the JSON body")
    data = parse_json(body)  # 400 for bad JSON, too deep, too long a number
    if not isinstance(data, dict):
        raise UploadError("the JSON body must be an object", status=422)
    return validate(model, data)


def validate(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``; a :class:`RequestValidationError` (422 naming the field) if not."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False, include_input=False)) from None


class RangeError(UploadError):
    """A range past the end of the file: 416 with ``Content-Range: bytes */size``."""

    def __init__(self, message: str, *, size: int) -> None:
        super().__init__(message, status=416, field="Range")
        self.headers = {"Content-Range": f"bytes */{size}"}


def check_range(header: str, path: Path) -> None:
    """Refuse a Range header the file cannot answer, as JSON: 400 when malformed, 416 when
    it asks for bytes past the end (Starlette would answer these in plain text)."""
    from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable

    try:
        FileResponse._parse_range_header(header, path.stat().st_size)
    except MalformedRangeHeader as error:
        message = f"the Range header {header[:60]!r}: {error.content}"
        raise UploadError(message, status=400, field="Range") from None
    except RangeNotSatisfiable as error:
        raise RangeError(
            f"the Range header {header[:60]!r} asks for bytes past the end of the file "
            f"({error.max_size} bytes)",
            size=error.max_size,
        ) from None
