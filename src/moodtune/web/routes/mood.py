"""Reading a mood and recommending music for it: ``/api/health``, ``/api/emotion`` and
``/api/recommend``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from moodtune.recommend.modes import DEFAULT_MODE
from moodtune.recommend.target import ResolvedTarget, resolve_target
from moodtune.senses import text_fields
from moodtune.web import replies, schemas
from moodtune.web.answer import reply
from moodtune.web.bodies import read_form, read_json, validate
from moodtune.web.deps import Service, Work
from moodtune.web.inputs import files_of, filled, form_schema
from moodtune.web.journal import keep
from moodtune.web.responses import SENSED_BODIES, FastJSONResponse, errors, json_body
from moodtune.web.uploads import UploadError, media_type

if TYPE_CHECKING:
    from moodtune.reading import EmotionReading

__all__ = ["router"]

M = TypeVar("M", bound=BaseModel)
#: The multipart fields of /api/recommend besides the senses' inputs.
TARGET_FIELDS = {
    "mode": schemas.MODE_SCHEMA | {"default": DEFAULT_MODE},
    "k": schemas.K_SCHEMA,
    "artist_cap": schemas.ARTIST_CAP_SCHEMA,
    "journal": schemas.JOURNAL_SCHEMA,
}


@dataclass(frozen=True)
class Query:
    """What a recommendation request asks for: the reading (of an image or words, if
    sent), the target, the mode, k, the artist cap and whether to keep it in the journal."""

    reading: EmotionReading | None
    target: ResolvedTarget
    mode: str
    k: int
    artist_cap: int | None
    journal: bool


router = APIRouter(prefix="/api", tags=["api"])


@router.get("/health", response_model=replies.HealthOut, responses=errors(503))
async def health(service: Service) -> FastJSONResponse:
    """Whether the server is up, how many tracks it has and whether it can read images.

    Answered on the event loop from memory (never queued behind other requests), in a
    thread when the catalogue changed since it was last counted."""
    health = service.health_now()
    if health is None:
        health = await run_in_threadpool(service.health)
    return FastJSONResponse(health)


def _emotion_body() -> dict[str, Any]:
    """The bodies of /api/emotion in the OpenAPI schema, as the registry of senses is now."""
    return json_body(schemas.emotion_request(), form=form_schema())


def _recommend_body() -> dict[str, Any]:
    """The bodies of /api/recommend in the OpenAPI schema, as the registry of senses is now."""
    return json_body(schemas.recommend_request(), form=form_schema(TARGET_FIELDS))


@router.post(
    "/emotion",
    response_model=replies.ReadingOut,
    responses=errors(400, 413, 415, 422, 503),
    openapi_extra=_emotion_body(),
)
async def emotion(request: Request, work: Work) -> FastJSONResponse:
    """Read the emotion of a photo (multipart field `image`) and/or words (`text`), or of
    words sent as JSON `{"text": ...}`."""
    if media_type(request.headers.get("content-type")) == "application/json":
        body = await read_json(request, schemas.emotion_request())
        words = {name: getattr(body, name) for name in text_fields() if getattr(body, name, None)}
        return FastJSONResponse((await work.read(**words)).to_dict())
    sensed, _ = await _form_inputs(request, schemas.emotion_form())
    if not sensed:
        raise UploadError("send an image (field 'image') or words (field 'text')", status=422)
    reading = await work.read(**sensed)
    return FastJSONResponse(reading.to_dict())


@router.post(
    "/recommend",
    response_model=replies.RecommendOut,
    responses=errors(400, 413, 415, 422, 503),
    openapi_extra=_recommend_body(),
)
async def recommend(request: Request, work: Work) -> FastJSONResponse:
    """Music for a photo (multipart) or for an emotion, distribution or words (JSON).

    Multipart: `image` and/or `text`, with `mode` and `k`. JSON: exactly one of
    `emotion`, `distribution` or `text`, with `mode` and `k`. The reply is the answer
    `moodtune recommend --json` prints (docs/answer.schema.json) with `request_id` and, per
    track, `audio_url`, `spotify_url` and `playback`.
    """
    if media_type(request.headers.get("content-type")) == "application/json":
        query = await _json_query(request, work)
    else:
        query = await _form_query(request, work)
    answer = await work.recommend(query.target, query.k, query.mode, query.artist_cap)
    data = reply(answer)  # the library's answer (docs/answer.schema.json) with URLs
    if query.journal:
        data["request_id"] = await run_in_threadpool(
            keep, work.service, query.reading, query.target, query.mode, data["tracks"]
        )
    return FastJSONResponse(data)


async def _json_query(request: Request, work: Work) -> Query:
    """The reading (of words, if sent), target, mode and k of a JSON request."""
    body = await read_json(request, schemas.recommend_request())
    options = (body.mode, body.k, body.artist_cap, body.journal)
    sensed = {name: getattr(body, name) for name in text_fields() if getattr(body, name, None)}
    if not sensed:
        target = resolve_target(emotion=body.emotion, distribution=body.distribution)
        return Query(None, target, *options)
    reading = await work.read(**sensed)
    return Query(reading, resolve_target(inputs=sensed, read=lambda **_: reading), *options)


async def _form_query(request: Request, work: Work) -> Query:
    """The reading, target, mode and k of a multipart request (an image and/or words)."""
    sensed, options = await _form_inputs(request, schemas.form_options())
    if not sensed:
        raise UploadError(
            "send an image (field 'image') or words (field 'text'); to recommend for "
            'an emotion, send JSON {"emotion": ...}',
            status=422,
        )
    reading = await work.read(**sensed)
    return Query(
        reading,
        resolve_target(inputs=sensed, read=lambda **_: reading),
        options.mode,
        options.k,
        options.artist_cap,
        options.journal,
    )


async def _form_inputs(request: Request, model: type[M]) -> tuple[dict[str, Any], M]:
    """The senses' inputs of a form (files and text fields, by field; those given) and its
    fields as ``model``."""
    form = await read_form(request)
    files = files_of(form)
    options = validate(model, filled(form))
    texts = {name: getattr(options, name, None) for name in text_fields()}
    return files | {name: value for name, value in texts.items() if value}, options


SENSED_BODIES.update({"/api/emotion": _emotion_body, "/api/recommend": _recommend_body})
