"""How the API answers, declared once for every route: the JSON response class, the
documented error answers and the documented request bodies.

The routes read their bodies by hand (with the app's size, depth and type limits, see
:mod:`moodtune.web.bodies`), so FastAPI cannot see them; each route declares its body here
instead (:func:`json_body`, :func:`form_body`) by reference to the models of
:mod:`moodtune.web.schemas`, and :class:`MoodtuneAPI` lists those models among the OpenAPI
components.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from moodtune.senses import revision
from moodtune.web import replies, schemas

__all__ = [
    "ERROR_TEXTS",
    "FastJSONResponse",
    "MoodtuneAPI",
    "errors",
    "form_body",
    "json_body",
]

#: Where the components of the OpenAPI document live.
COMPONENTS = "#/components/schemas/"


class FastJSONResponse(JSONResponse):
    """JSON serialised by orjson: the same bytes as Starlette's ``JSONResponse`` (compact,
    UTF-8), several times faster. numpy numbers are written as numbers; a NaN would be
    written as null."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


#: What each error status means in this API (each answered as a JSON ``ErrorOut``).
ERROR_TEXTS: dict[int, str] = {
    400: "A malformed body (not JSON, JSON nested too deep or with too long a number, "
    "a malformed form), Content-Length or Range header",
    404: "Unknown track or history entry, or a track without local audio",
    409: "Not logged in to Spotify on this computer (run 'moodtune spotify login')",
    413: "Upload over 20 MB, or a JSON body over 64 KB",
    415: "Not a JPEG, PNG, WebP, GIF, BMP or TIFF image (checked from its bytes), "
    "or a body of another type than the endpoint takes",
    416: "A Range past the end of the file (with Content-Range: bytes */size)",
    422: "Invalid parameters: the reason names the parameter",
    503: "Image reading could not be loaded on this server, or the server is busy "
    "(then with a Retry-After header, in seconds)",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route answering ``statuses`` (each a JSON ``ErrorOut``, also
    for a route whose success is a file)."""
    error = {"application/json": {"schema": {"$ref": f"{COMPONENTS}ErrorOut"}}}
    return {
        status: {"model": replies.ErrorOut, "description": ERROR_TEXTS[status], "content": error}
        for status in statuses
    }


def json_body(model: type[BaseModel], *, form: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``openapi_extra=`` of a route whose JSON body is ``model`` (one of
    :data:`schemas.JSON_BODIES`), and, with ``form``, also a multipart form of that schema."""
    content: dict[str, Any] = {}
    if form is not None:
        content["multipart/form-data"] = {"schema": form}
    content["application/json"] = {"schema": {"$ref": f"{COMPONENTS}{model.__name__}"}}
    return {"requestBody": {"required": True, "content": content}}


def form_body(form: dict[str, Any]) -> dict[str, Any]:
    """The ``openapi_extra=`` of a route whose body is a multipart form of schema ``form``."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": form}}}}


#: Per path, the ``openapi_extra`` of its POST route as the registry of senses is now: the
#: bodies of ``/api/emotion`` and ``/api/recommend`` have a field per sense (added by their
#: module).
SENSED_BODIES: dict[str, Callable[[], dict[str, Any]]] = {}


class MoodtuneAPI(FastAPI):
    """FastAPI whose OpenAPI components also hold the request models the routes read by hand
    (:func:`schemas.json_bodies`), each described by its own model, and whose schema follows
    the registry of senses: built again when a sense was registered or removed since (the
    routes' bodies as :data:`SENSED_BODIES` gives them now, not as they were when the routes'
    module was imported)."""

    _senses_revision: int | None = None

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None or self._senses_revision != revision():
            self._senses_revision = revision()
            self.openapi_schema = None
            spec = super().openapi()
            for path, body in SENSED_BODIES.items():
                operation = spec.get("paths", {}).get(path, {}).get("post")
                if operation is not None:
                    operation.update(body())
            components = spec.setdefault("components", {}).setdefault("schemas", {})
            for model in schemas.json_bodies():
                components[model.__name__] = schemas.body_schema(model, COMPONENTS + "{model}")
            self.openapi_schema = spec
        return self.openapi_schema
