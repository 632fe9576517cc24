"""A catalogue track's audio, and what the listener does with it: plays and 👍/👎.

Every request that changes something must carry a JSON body (``Content-Type:
application/json``): a page on another site cannot send that without a CORS preflight, which
this server refuses unless ``--cors-origin`` allows the site, so it cannot write to the
listener's history or feedback (cross-site request forgery).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from moodtune.web import replies, schemas
from moodtune.web.audio import Fetched
from moodtune.web.bodies import check_range, read_json
from moodtune.web.deps import Audio, Service
from moodtune.web.responses import FastJSONResponse, errors, json_body

__all__ = ["AUDIO_TYPES", "TrackId", "router"]

router = APIRouter(prefix="/api", tags=["api"])

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


@router.get(
    "/tracks/{track_id}/audio",
    responses={
        200: {"content": {"audio/*": {}}, "description": "The whole file"},
        206: {"content": {"audio/*": {}}, "description": "The byte range asked for"},
        **errors(400, 404, 416, 422, 503),
    },
    response_class=FileResponse,
)
async def audio(request: Request, track_id: TrackId, service: Service, files: Audio) -> Response:
    """The local audio of a catalogue track, with HTTP range requests (206)."""
    header = request.headers.get("range")
    if files is not None:
        fetched = await files.fetch(track_id, header)
    else:  # a catalogue without a file (tests): through the service
        path = await run_in_threadpool(service.audio_file, track_id)
        if header is not None:
            await run_in_threadpool(check_range, header, path)
        fetched = Fetched(path, path.stat())
    media_type = AUDIO_TYPES.get(fetched.path.suffix.lower(), "application/octet-stream")
    headers = {"Cache-Control": "private, max-age=3600"}
    if fetched.part is not None and request.method == "GET" and "if-range" not in request.headers:
        start, end, data = fetched.part
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{fetched.stat.st_size}"
        headers["Accept-Ranges"] = "bytes"
        return Response(data, status_code=206, media_type=media_type, headers=headers)
    return FileResponse(
        fetched.path,
        media_type=media_type,
        headers=headers,
        content_disposition_type="inline",
        stat_result=fetched.stat,
    )


# HEAD answers like GET without the body (players probe the size this way).
router.add_api_route("/tracks/{track_id}/audio", audio, methods=["HEAD"], include_in_schema=False)


@router.post(
    "/tracks/{track_id}/played",
    status_code=204,
    responses=errors(400, 404, 413, 415, 422, 503),
    openapi_extra=json_body(schemas.PlayedRequest),
)
async def played(request: Request, track_id: TrackId, service: Service) -> None:
    """Record that a track was played (listening history in the catalogue).

    The body must be the JSON object `{}` (`Content-Type: application/json`), so that
    another website cannot record plays from the listener's browser.
    """
    await read_json(request, schemas.PlayedRequest, require_type=True)
    await service.writes.run(service.played, track_id)


@router.post(
    "/feedback",
    status_code=201,
    response_model=replies.FeedbackOut,
    responses=errors(400, 404, 413, 415, 422, 503),
    openapi_extra=json_body(schemas.FeedbackRequest),
)
async def feedback(request: Request, service: Service) -> FastJSONResponse:
    """Store a 👍 or 👎 for a track, with the mood it was recommended for."""
    body = await read_json(request, schemas.FeedbackRequest, require_type=True)
    context = body.context.model_dump(exclude_none=True) if body.context else None
    await service.writes.run(service.feedback, body.track_id, body.liked, context)
    return FastJSONResponse(
        {"stored": True, "track_id": body.track_id, "liked": body.liked}, status_code=201
    )
