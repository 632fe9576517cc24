"""Playlists out: the recommended tracks as a file to download (M3U8, XSPF, JSPF, CSV): the
tracks named, or a list of the mood journal as it was given (its scores and reasons)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from moodtune.playlists import DEFAULT_FORMAT, format_names, media_type
from moodtune.recommend.modes import K_MAX
from moodtune.web import replies, schemas
from moodtune.web.bodies import read_json
from moodtune.web.deps import Service
from moodtune.web.journal import past_list
from moodtune.web.responses import FastJSONResponse, errors, json_body
from moodtune.web.service import MoodService
from moodtune.web.spotify import save_to_spotify

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

Tracks = Annotated[
    list[Annotated[str, Query(min_length=1, max_length=schemas.MAX_TRACK_ID)]],
    Query(min_length=1, max_length=K_MAX, description="Catalogue track ids, in playlist order."),
]
#: A playlist format's name, from the registry :data:`moodtune.playlists.FORMATS`.
Format = Annotated[
    Literal[format_names()],  # type: ignore[valid-type]
    Query(description=f"{', '.join(format_names())} (an m3u8 has local paths or Spotify links)"),
]
Title = Annotated[str, Query(min_length=1, max_length=100, description="The playlist's title.")]
RequestId = Annotated[int, PathParam(ge=1, le=2**62, description="A request's id in the journal.")]
_UNSAFE = re.compile(r"[^\w.-]+")
_FILE = {
    200: {
        "content": {media_type(kind): {} for kind in format_names()},
        "description": "The playlist file",
    },
    **errors(404, 422),
}


@router.get(
    "/playlist",
    response_class=Response,
    responses=_FILE,
)
async def playlist(
    service: Service, track: Tracks, format: Format = DEFAULT_FORMAT, title: Title = "moodtune"
) -> Response:
    """The tracks as a playlist file, sent as a download (``Content-Disposition:
    attachment``). An M3U8 needs every track playable somewhere (local file, Spotify or
    URL): 422 otherwise."""
    body = await run_in_threadpool(service.playlist, track, format, title)
    return _download(body, format, title)


@router.get("/journal/{request_id}/playlist", response_class=Response, responses=_FILE)
async def journal_playlist(
    service: Service,
    request_id: RequestId,
    format: Format = DEFAULT_FORMAT,
    title: Title = "moodtune",
) -> Response:
    """The list a request of the mood journal was given, as a playlist file (as
    `/api/playlist`), with the scores and reasons it was given with."""
    body = await run_in_threadpool(_past, service, request_id, format, title)
    return _download(body, format, title)


@router.post(
    "/spotify/playlist",
    status_code=201,
    response_model=replies.SpotifySavedOut,
    responses=errors(400, 404, 409, 413, 415, 422),
    openapi_extra=json_body(schemas.SpotifySaveRequest),
)
async def spotify_playlist(request: Request, service: Service) -> FastJSONResponse:
    """Save the list of a journal request as a private playlist in the listener's Spotify
    account, with the login `moodtune spotify login` stored (409 without one). The body
    must be JSON (`Content-Type: application/json`), which another site cannot send."""
    body = await read_json(request, schemas.SpotifySaveRequest, require_type=True)
    saved = await run_in_threadpool(save_to_spotify, service, body.request, body.name)
    return FastJSONResponse(saved, status_code=201)


def _past(service: MoodService, number: int, kind: str, title: str) -> bytes:
    return service.playlist(past_list(service, number), kind, title)


def _download(body: bytes, format: str, title: str) -> Response:
    """``body`` sent as the file ``title.format``."""
    name = _UNSAFE.sub("-", title).strip("-.") or "moodtune"
    return Response(
        body,
        media_type=media_type(format),
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )
