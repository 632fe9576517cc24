"""Playlists out: the recommended tracks as a file to download (M3U8, XSPF, JSPF, CSV)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from moodtune.errors import MoodtuneError
from moodtune.playlists import media_type
from moodtune.recommend.modes import K_MAX
from moodtune.web import schemas
from moodtune.web.deps import Service
from moodtune.web.journal import past_list
from moodtune.web.responses import errors
from moodtune.web.service import MoodService

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

Tracks = Annotated[
    list[Annotated[str, Query(min_length=1, max_length=schemas.MAX_TRACK_ID)]] | None,
    Query(
        min_length=1,
        max_length=K_MAX,
        description="Catalogue track ids, in playlist order (or give `request`).",
    ),
]
Request = Annotated[
    int | None,
    Query(
        ge=1,
        le=2**62,
        description="A request of the mood journal: its list, with the scores and reasons "
        "it was given with (instead of `track`).",
    ),
]
Format = Annotated[
    Literal["m3u8", "xspf", "jspf", "csv"],
    Query(description="m3u8 (local paths or Spotify links), xspf, jspf or csv"),
]
Title = Annotated[str, Query(min_length=1, max_length=100, description="The playlist's title.")]
_UNSAFE = re.compile(r"[^\w.-]+")


@router.get(
    "/playlist",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The playlist file"},
        **errors(404, 422),
    },
)
async def playlist(
    service: Service,
    track: Tracks = None,
    request: Request = None,
    format: Format = "xspf",
    title: Title = "moodtune",
) -> Response:
    """The tracks as a playlist file, sent as a download (``Content-Disposition:
    attachment``): the tracks named by `track`, or the list the mood journal's `request`
    was given (with its scores and reasons). An M3U8 needs every track playable somewhere
    (local file, Spotify or URL): 422 otherwise."""
    if (track is None) == (request is None):
        raise MoodtuneError("give the tracks ('track', repeated) or a journal 'request', one")
    body = await run_in_threadpool(_render, service, track, request, format, title)
    name = _UNSAFE.sub("-", title).strip("-.") or "moodtune"
    return Response(
        body,
        media_type=media_type(format),
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )


def _render(
    service: MoodService, track: list[str] | None, request: int | None, kind: str, title: str
) -> bytes:
    """The playlist file of the tracks given, or of the journal's request."""
    listed = past_list(service, request) if request is not None else track
    return service.playlist(listed or [], kind, title)
