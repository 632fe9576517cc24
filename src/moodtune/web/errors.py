"""Every error reaches the client as JSON ``{"detail": ..., "errors": [...]}``.

A 4xx names what was wrong (the field, when there is one); an unexpected error is logged
with its traceback and answered 500 without any detail of the code.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from moodtune.errors import MoodtuneError
from moodtune.web.limits import Overloaded
from moodtune.web.responses import FastJSONResponse

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger("moodtune.web")


def error_response(
    status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> FastJSONResponse:
    """The JSON error answer: ``detail`` in one sentence, ``errors`` one per field."""
    return FastJSONResponse({"detail": detail, "errors": errors or []}, status_code=status)


def _field(location: Sequence[Any]) -> str | None:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def _message(text: str) -> str:
    return text.removeprefix("Value error, ")


async def _invalid(request: Request, error: Exception) -> FastJSONResponse:
    assert isinstance(error, RequestValidationError)
    items = [
        {"field": _field(e.get("loc", ())), "message": _message(str(e.get("msg", "")))}
        for e in error.errors()
    ]
    detail = "; ".join(
        f"{item['field']}: {item['message']}" if item["field"] else item["message"]
        for item in items
    )
    return error_response(422, detail or "invalid request", items)


async def _refused(request: Request, error: Exception) -> FastJSONResponse:
    status = int(getattr(error, "status", 422))
    field = getattr(error, "field", None)
    response = error_response(status, str(error), [{"field": field, "message": str(error)}])
    for name, value in getattr(error, "headers", {}).items():
        response.headers[name] = value
    if isinstance(error, Overloaded):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


async def _http_error(request: Request, error: Exception) -> FastJSONResponse:
    assert isinstance(error, StarletteHTTPException)
    response = error_response(error.status_code, str(error.detail))
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


async def _unexpected(request: Request, error: Exception) -> FastJSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal error: the server could not answer this request")


def install_error_handlers(app: FastAPI) -> None:
    """Answer validation errors (422), moodtune's errors (their ``status``), HTTP errors and
    unexpected errors (500) of ``app`` as JSON."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(MoodtuneError, _refused)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
