"""The listening history: plays, likes and dislikes, newest first; undo one, or clear all;
and the mood journal: the requests for music, grouped into sessions.

The two ``DELETE`` requests cannot be sent by a page on another site without a CORS
preflight (``DELETE`` is not a "simple" method), which this server refuses unless
``--cors-origin`` allows the site: another site cannot wipe the listener's history.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from moodtune.catalogue.history import DEFAULT_LIMIT, EVENT_ID_PATTERN, MAX_LIMIT
from moodtune.catalogue.journal import MAX_ENTRIES
from moodtune.web import replies
from moodtune.web.deps import Service
from moodtune.web.journal import the_journal
from moodtune.web.responses import FastJSONResponse, errors

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["history"])

Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description="How many entries to list, newest first.")
]
Requests = Annotated[
    int, Query(ge=1, le=MAX_ENTRIES, description="How many requests to list, newest first.")
]
EventId = Annotated[
    str,
    PathParam(max_length=30, pattern=EVENT_ID_PATTERN, description="A history entry's id."),
]


@router.get("/history", response_model=replies.HistoryOut, responses=errors(422))
async def history(service: Service, limit: Limit = DEFAULT_LIMIT) -> FastJSONResponse:
    """The listener's plays, likes and dislikes, newest first."""
    events = await run_in_threadpool(service.history, limit)
    return FastJSONResponse({"events": events})


@router.get("/journal", response_model=replies.JournalOut, responses=errors(422))
async def journal(service: Service, limit: Requests = DEFAULT_LIMIT) -> FastJSONResponse:
    """The mood journal: the requests kept (`journal: true`), each with the mood read, the
    mode and the list given, grouped into sessions, newest first."""
    sessions = await run_in_threadpool(the_journal, service, limit)
    return FastJSONResponse({"sessions": sessions})


@router.delete("/history/{event_id}", status_code=204, responses=errors(404, 422))
async def undo(event_id: EventId, service: Service) -> None:
    """Undo one entry: a play leaves the recent plays, a like or dislike stops counting in
    later rankings."""
    await run_in_threadpool(service.undo, event_id)


@router.delete("/history", response_model=replies.RemovedOut)
async def clear(service: Service) -> FastJSONResponse:
    """Clear the whole history: every play, like and dislike, and the mood journal."""
    removed = await run_in_threadpool(service.clear_history)
    return FastJSONResponse({"removed": removed})
