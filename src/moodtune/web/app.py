"""The FastAPI app: the page at ``/``, the JSON API under ``/api`` and its docs at ``/docs``.

``create_app()`` builds the app; the catalogue, recommender and image reader are loaded once
when the server starts (the lifespan) and shared by every request; CPU-bound work runs in the
thread pool, except a recommendation answered from memory (cached, ~0.2 ms), which is cheaper
on the event loop than the hand-off to a thread. Errors reach the client as JSON
``{"detail": ..., "errors": [...]}`` with a 4xx status; an unexpected error is logged and
answered 500 without any detail of the code.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import anyio
import anyio.to_thread
import orjson
from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from moodtune import __version__
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.recommend.matching import summarise
from moodtune.web import schemas
from moodtune.web.docs import DocsPage, install_docs
from moodtune.web.limits import (
    Guard,
    Overloaded,
    PixelBudget,
    WorkGate,
    image_pixels,
    keep_large_buffers_returnable,
    parse_json,
    return_freed_memory,
)
from moodtune.web.security import SecurityHeaders, docs_policy
from moodtune.web.service import MoodService, Target
from moodtune.web.uploads import (
    FORM_OVERHEAD_BYTES,
    MAX_IMAGE_BYTES,
    MAX_JSON_BYTES,
    Form,
    UploadError,
    check_image,
    declared_length,
    media_type,
    parse_multipart,
    parse_urlencoded,
    read_capped,
)

log = logging.getLogger("moodtune.web")


class FastJSONResponse(JSONResponse):
    """JSON serialised by orjson: the same bytes as Starlette's ``JSONResponse`` (compact,
    UTF-8) in a tenth of the time (4 µs instead of 53 µs for 10 recommended tracks). numpy
    numbers are written as numbers; a NaN would be written as null."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


#: Threads that read images at once: decoding runs in parallel, inference one at a time.
READ_THREADS = 2
#: Image readings queued behind those at most; more are refused (503, ``Retry-After``).
READ_QUEUE = 16
#: Recommendations computed in worker threads at once (they hold the GIL and the catalogue's
#: lock most of the time: more threads only add switching), and queued behind them at most.
RECOMMEND_THREADS = 2
RECOMMEND_QUEUE = 30
#: How often (seconds) a thread running Python must let another take the GIL (Python's
#: default is 5 ms). The event loop gives the GIL up at every poll for the network and must
#: then wait for it behind a recommendation or an image in a worker thread: with 1 ms, a
#: request answered on the loop (``/api/health``, a cached recommendation) waits less.
SWITCH_INTERVAL = 0.001
#: Pixels decoded at once, over all requests: one 40-megapixel photo (~0.5 GB while it is
#: decoded) at a time, or several small ones.
DECODE_PIXELS = 40_000_000
#: Images of more pixels than this have the freed memory returned to the system afterwards.
LARGE_IMAGE_PIXELS = 4_000_000
HERE = Path(__file__).parent
#: Characters a track id may not contain (control characters, slashes).
TRACK_ID_PATTERN = r"^[^\x00-\x1f\x7f/\\]+$"
TrackId = Annotated[
    str,
    PathParam(
        min_length=1,
        max_length=schemas.MAX_TRACK_ID,
        pattern=TRACK_ID_PATTERN,
        description="A catalogue track id.",
    ),
]
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".webm": "audio/webm",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": schemas.ErrorOut, "description": text}
    for status, text in {
        400: "A malformed body (not JSON, JSON nested too deep or with too long a number, "
        "a malformed form), Content-Length or Range header",
        404: "Unknown track, or a track without local audio",
        413: "Upload over 20 MB, or a JSON body over 64 KB",
        415: "Not a JPEG, PNG, WebP, GIF, BMP or TIFF image (checked from its bytes), "
        "or a body of another type than the endpoint takes",
        416: "A Range past the end of the file (with Content-Range: bytes */size)",
        422: "Invalid parameters: the reason names the parameter",
        503: "Image reading could not be loaded on this server, or the server is busy "
        "(then with a Retry-After header, in seconds)",
    }.items()
}


def _form_schema(with_target: bool) -> dict[str, Any]:
    """OpenAPI description of the multipart form (the body is parsed by hand, in memory)."""
    content: dict[str, Any] = {"multipart/form-data": {"schema": schemas.form_schema(with_target)}}
    if with_target:
        content["application/json"] = {"schema": {"$ref": "#/components/schemas/RecommendRequest"}}
    return {"requestBody": {"required": True, "content": content}}


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers ``statuses`` (each a JSON :class:`schemas.ErrorOut`)."""
    return {status: ERROR_RESPONSES[status] for status in statuses}


def create_app(
    catalogue: Any | None = None,
    reader: Any | None = None,
    recommender: Any | None = None,
    *,
    catalogue_path: str | Path | None = None,
    cors_origins: Sequence[str] = (),
    owns_catalogue: bool = False,
) -> FastAPI:
    """Build the moodtune web app.

    ``catalogue`` (a :class:`~moodtune.recommend.catalogue.Catalogue`), ``reader`` (an
    :class:`~moodtune.vision.EmotionReader`) and ``recommender`` are used as given; whatever is
    None is loaded at start-up: the catalogue from ``catalogue_path`` (default: the user's
    catalogue, see ``Catalogue.open``). ``cors_origins`` lists the origins allowed to call the
    API from a browser; it is empty (CORS off) by default. With ``owns_catalogue`` the given
    catalogue is handed to the app, which closes it when the server stops (a catalogue the
    app opens itself is always closed then).

    Every request that changes something (``played``, ``feedback``) must carry a JSON body
    (``Content-Type: application/json``): a page on another site cannot send that without a
    CORS preflight, which this server refuses unless ``cors_origins`` allows the site, so
    it cannot write to the listener's history or feedback (cross-site request forgery).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = await run_in_threadpool(
            partial(
                MoodService.load,
                catalogue,
                reader,
                recommender,
                catalogue_path=catalogue_path,
                owns_catalogue=owns_catalogue,
            )
        )
        app.state.service = service
        # Image readings wait here, not in the shared thread pool: the reader runs one
        # inference at a time, and 40 queued photos must not hold every thread of the pool
        # (which the catalogue calls of other requests need).
        app.state.read_gate = WorkGate(READ_THREADS, READ_QUEUE, "image readings")
        app.state.recommend_gate = WorkGate(RECOMMEND_THREADS, RECOMMEND_QUEUE, "recommendations")
        app.state.pixels = PixelBudget(DECODE_PIXELS)
        if sys.getswitchinterval() > SWITCH_INTERVAL:
            sys.setswitchinterval(SWITCH_INTERVAL)  # process-wide: this process serves the app
        keep_large_buffers_returnable()
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="moodtune",
        version=__version__,
        summary="A photo in, its emotion and music for it out.",
        description=(
            "Read the emotion of a photo (faces, else the scene) and/or words, and recommend "
            "music that matches, lifts or calms it. Errors are JSON: "
            '`{"detail": "...", "errors": [{"field": ..., "message": ...}]}`.'
        ),
        lifespan=lifespan,
        default_response_class=FastJSONResponse,
        # FastAPI's own docs load Swagger UI from a CDN; /docs is served locally instead.
        docs_url=None,
        redoc_url=None,
    )
    templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    docs_page = DocsPage.build(app.title, app.openapi_url or "/openapi.json")
    install_docs(app, docs_page)
    app.add_middleware(Guard)  # inside the headers middleware: its 500 gets them too
    app.add_middleware(SecurityHeaders, docs_policy=docs_policy(docs_page.script_hashes))
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Range"],
        )
    _install_error_handlers(app)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page(request: Request) -> HTMLResponse:
        service: MoodService = request.app.state.service
        return templates.TemplateResponse(
            request,
            "index.html",
            {
                "emotions": EMOTIONS,
                "modes": schemas.MODE_LABELS,
                "max_k": schemas.MAX_K,
                "max_mb": MAX_IMAGE_BYTES // (1024 * 1024),
                "max_bytes": MAX_IMAGE_BYTES,
                "max_text": schemas.MAX_TEXT,
                "version": __version__,
                "image_reading": service.reader is not None,
            },
        )

    @app.get(
        "/api/health", response_model=schemas.HealthOut, responses=_responses(503), tags=["api"]
    )
    async def health(request: Request) -> FastJSONResponse:
        """Whether the server is up, how many tracks it has and whether it can read images.

        Answered on the event loop from memory (never queued behind other requests)."""
        service: MoodService = request.app.state.service
        return FastJSONResponse(service.health_now())

    @app.post(
        "/api/emotion",
        response_model=schemas.ReadingOut,
        responses=_responses(400, 413, 415, 422, 503),
        openapi_extra=_form_schema(with_target=False),
        tags=["api"],
    )
    async def emotion(request: Request) -> FastJSONResponse:
        """Read the emotion of a photo (multipart field `image`) and/or words (`text`)."""
        form = await _read_form(request)
        image = _image(form)
        options = _validate(schemas.EmotionForm, _filled(form))
        if image is None and not options.text:
            raise UploadError("send an image (field 'image') or words (field 'text')", status=422)
        reading = await _read(request, image, options.text)
        return FastJSONResponse(reading.to_dict())

    @app.post(
        "/api/recommend",
        response_model=schemas.RecommendOut,
        responses=_responses(400, 413, 415, 422, 503),
        openapi_extra=_form_schema(with_target=True),
        tags=["api"],
    )
    async def recommend(request: Request) -> FastJSONResponse:
        """Music for a photo (multipart) or for an emotion, distribution or words (JSON).

        Multipart: `image` and/or `text`, with `mode` and `k`. JSON: exactly one of
        `emotion`, `distribution` or `text`, with `mode` and `k`.
        """
        service: MoodService = request.app.state.service
        kind = media_type(request.headers.get("content-type"))
        reading = None
        if kind == "application/json":
            query = await _read_json(request, schemas.RecommendRequest)
            mode, k = query.mode, query.k
            if query.text:
                reading = await _read(request, None, query.text)
                target = Target(reading.probabilities, "text")
            elif query.emotion:
                target = Target.of(query.emotion, "emotion")
            else:
                target = Target(query.distribution, "distribution")
        else:
            form = await _read_form(request)
            image = _image(form)
            options = _validate(schemas.FormOptions, _filled(form))
            if image is None and not options.text:
                raise UploadError(
                    "send an image (field 'image') or words (field 'text'); to recommend for "
                    'an emotion, send JSON {"emotion": ...}',
                    status=422,
                )
            mode, k = options.mode, options.k
            reading = await _read(request, image, options.text)
            target = Target(reading.probabilities, "image" if image is not None else "text")
        # Answered on the event loop when it is quick (everything cached: ~0.2 ms, less than
        # a hand-over to the thread pool costs under load), else in the thread pool.
        tracks = service.recommend_now(target, k, mode)
        if tracks is None:
            gate: WorkGate = request.app.state.recommend_gate
            tracks = await gate.run(service.recommend, target, k, mode)
        return FastJSONResponse(
            {
                "reading": reading.to_dict() if reading is not None else None,
                "target": target.to_dict(),
                "mode": mode,
                "k": k,
                "summary": summarise(tracks, target.top, mode),
                "tracks": tracks,
            }
        )

    @app.get(
        "/api/tracks/{track_id}/audio",
        responses={
            200: {"content": {"audio/*": {}}, "description": "The whole file"},
            206: {"content": {"audio/*": {}}, "description": "The byte range asked for"},
            **_responses(400, 404, 416, 422, 503),
        },
        response_class=FileResponse,
        tags=["api"],
    )
    async def audio(request: Request, track_id: TrackId) -> FileResponse:
        """The local audio of a catalogue track, with HTTP range requests (206)."""
        service: MoodService = request.app.state.service
        path = await run_in_threadpool(service.audio_file, track_id)
        if request.headers.get("range") is not None:
            await run_in_threadpool(_check_range, request.headers["range"], path)
        return FileResponse(
            path,
            media_type=AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream"),
            headers={"Cache-Control": "private, max-age=3600"},
            content_disposition_type="inline",
        )

    # HEAD answers like GET without the body (players probe the size this way).
    app.add_api_route(
        "/api/tracks/{track_id}/audio", audio, methods=["HEAD"], include_in_schema=False
    )

    @app.post(
        "/api/tracks/{track_id}/played",
        status_code=204,
        responses=_responses(400, 404, 413, 415, 422, 503),
        tags=["api"],
    )
    async def played(request: Request, track_id: TrackId) -> None:
        """Record that a track was played (listening history in the catalogue).

        The body must be the JSON object `{}` (`Content-Type: application/json`), so that
        another website cannot record plays from the listener's browser.
        """
        service: MoodService = request.app.state.service
        await _read_json(request, schemas.PlayedRequest, require_type=True)
        await run_in_threadpool(service.played, track_id)

    @app.post(
        "/api/feedback",
        status_code=201,
        response_model=schemas.FeedbackOut,
        responses=_responses(400, 404, 413, 415, 422, 503),
        tags=["api"],
    )
    async def feedback(request: Request) -> FastJSONResponse:
        """Store a 👍 or 👎 for a track, with the mood it was recommended for."""
        service: MoodService = request.app.state.service
        body = await _read_json(request, schemas.FeedbackRequest, require_type=True)
        context = body.context.model_dump(exclude_none=True) if body.context else None
        await run_in_threadpool(service.feedback, body.track_id, body.liked, context)
        return FastJSONResponse(
            {"stored": True, "track_id": body.track_id, "liked": body.liked}, status_code=201
        )

    # Document the JSON bodies of /api/recommend, /api/feedback and .../played (read by hand).
    _original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = _original_openapi()
            components = spec.setdefault("components", {}).setdefault("schemas", {})
            components.update(schemas.request_schemas())
            for path, model in (
                ("/api/feedback", schemas.FeedbackRequest),
                ("/api/tracks/{track_id}/played", schemas.PlayedRequest),
            ):
                reference = {"$ref": f"#/components/schemas/{model.__name__}"}
                spec["paths"][path]["post"]["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": reference}},
                }
            # Every 422 is the app's own error body, not FastAPI's default shape.
            error = {"$ref": "#/components/schemas/ErrorOut"}
            for operations in spec["paths"].values():
                for operation in operations.values():
                    for status, answer in operation.get("responses", {}).items():
                        if status.startswith(("4", "5")):
                            answer["content"] = {"application/json": {"schema": error}}
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_environment() -> FastAPI:
    """App factory for ``uvicorn --factory`` (used by ``moodtune serve --workers N``).

    Reads ``MOODTUNE_CATALOGUE`` (through ``Catalogue.open``) and ``MOODTUNE_CORS_ORIGINS``
    (comma-separated origins; empty means CORS off).
    """
    origins = [o.strip() for o in os.environ.get("MOODTUNE_CORS_ORIGINS", "").split(",")]
    return create_app(cors_origins=[o for o in origins if o])


# --- request bodies -------------------------------------------------------------------------


async def _read_form(request: Request) -> Form:
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


async def _read_json(
    request: Request, model: type[schemas.BaseModel], *, require_type: bool = False
) -> Any:
    """The JSON body of ``request`` validated as ``model`` (413 over 64 KB, 422 when invalid).

    ``require_type``: refuse (415) a body not sent as ``application/json``. Endpoints that
    change something require it: a form on another site can send any body as text/plain,
    URL-encoded or multipart without a CORS preflight, but not as application/json.
    """
    if require_type:
        kind = media_type(request.headers.get("content-type"))
        if kind != "application/json":
            raise UploadError(
                f"send a JSON body (Content-Type: application/json; got {kind or 'no type'!r})",
                status=415,
            )
    declared_length(request.headers.get("content-length"), MAX_JSON_BYTES, "the JSON body")
    body = await read_capped(request.stream(), MAX_JSON_BYTES, "the JSON body")
    data = parse_json(body)  # 400 for bad JSON, too deep, too long a number
    if not isinstance(data, dict):
        raise UploadError("the JSON body must be an object", status=422)
    return _validate(model, data)


def _validate(model: type[schemas.BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False, include_input=False)) from None


async def _read(request: Request, image: bytes | None, text: str | None) -> Any:
    """The reading of ``image``/``text``, computed in a worker thread (see READ_THREADS).

    Refused (503) when :data:`READ_QUEUE` readings already wait; an image waits until its
    pixels fit in :data:`DECODE_PIXELS`, so that large photos are decoded one at a time.
    """
    service: MoodService = request.app.state.service
    gate: WorkGate = request.app.state.read_gate
    pixels = image_pixels(image) if image is not None else 0

    def read() -> Any:
        try:
            return service.read(image, text)
        finally:
            if pixels > LARGE_IMAGE_PIXELS:
                return_freed_memory()

    async with gate.slot(), await request.app.state.pixels(pixels):
        return await anyio.to_thread.run_sync(read, limiter=gate.limiter)


def _check_range(header: str, path: Path) -> None:
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


class RangeError(UploadError):
    """A range past the end of the file: 416 with ``Content-Range: bytes */size``."""

    def __init__(self, message: str, *, size: int) -> None:
        super().__init__(message, status=416, field="Range")
        self.headers = {"Content-Range": f"bytes */{size}"}


def _filled(form: Form) -> dict[str, str]:
    """The text fields of a form, stripped; a blank ``text`` (see ``schemas.NOT_BLANK``)
    counts as no words. Other blank fields stay, and are refused as invalid (422)."""
    return {
        name: value.strip()
        for name, value in form.fields.items()
        if name != "text" or _NOT_BLANK.search(value)
    }


_NOT_BLANK = re.compile(schemas.NOT_BLANK)


def _image(form: Form) -> bytes | None:
    """The checked image of a form (field ``image``), or None when there is none."""
    unknown = set(form.files) - {"image"}
    if unknown:
        raise UploadError(
            f"unexpected file field(s) {', '.join(sorted(unknown))}; send the photo as 'image'",
            status=422,
        )
    part = form.files.get("image")
    if part is None:
        if form.fields.get("image"):
            raise UploadError("the field 'image' must be a file upload", status=422, field="image")
        return None
    check_image(part.data, part.content_type)
    return part.data


# --- errors ---------------------------------------------------------------------------------


def _error(
    status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> FastJSONResponse:
    return FastJSONResponse({"detail": detail, "errors": errors or []}, status_code=status)


def _field(location: Sequence[Any]) -> str | None:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def _message(text: str) -> str:
    return text.removeprefix("Value error, ")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> FastJSONResponse:
        items = [
            {"field": _field(e.get("loc", ())), "message": _message(str(e.get("msg", "")))}
            for e in error.errors()
        ]
        detail = "; ".join(
            f"{item['field']}: {item['message']}" if item["field"] else item["message"]
            for item in items
        )
        return _error(422, detail or "invalid request", items)

    @app.exception_handler(MoodtuneError)
    async def refused(request: Request, error: MoodtuneError) -> FastJSONResponse:
        status = int(getattr(error, "status", 422))
        field = getattr(error, "field", None)
        response = _error(status, str(error), [{"field": field, "message": str(error)}])
        for name, value in getattr(error, "headers", {}).items():
            response.headers[name] = value
        if isinstance(error, Overloaded):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> FastJSONResponse:
        response = _error(error.status_code, str(error.detail))
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> FastJSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, "internal error: the server could not answer this request")
