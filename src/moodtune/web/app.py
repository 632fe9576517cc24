"""The FastAPI app: the page at ``/``, the JSON API under ``/api`` and its docs at ``/docs``.

:func:`create_app` only assembles the app: the routes live in :mod:`moodtune.web.routes`
(one router per concern, with typed dependencies from :mod:`moodtune.web.deps`), how they
answer in :mod:`moodtune.web.responses` and :mod:`moodtune.web.errors`. The catalogue,
recommender and image reader are loaded once when the server starts (the lifespan) and shared
by every request; CPU-bound work runs in worker threads. Errors reach the client as JSON
``{"detail": ..., "errors": [...]}`` with a 4xx status; an unexpected error is logged and
answered 500 without any detail of the code.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from moodtune import __version__
from moodtune.web.access import AccessGuard, AccessPolicy
from moodtune.web.deps import start, warm_emotions
from moodtune.web.docs import DocsPage, install_docs
from moodtune.web.errors import install_error_handlers
from moodtune.web.limits import Guard
from moodtune.web.responses import FastJSONResponse, MoodtuneAPI
from moodtune.web.routes import ROUTERS
from moodtune.web.security import AllowedMethods, SecurityHeaders, docs_policy
from moodtune.web.service import MoodService

if TYPE_CHECKING:
    from moodtune.catalogue.protocol import ServedCatalogue
    from moodtune.recommend.recommender import MusicRecommender
    from moodtune.senses import Senses
    from moodtune.vision import EmotionReader

__all__ = ["access_from_environment", "app_from_environment", "create_app"]

HERE = Path(__file__).parent
DESCRIPTION = (
    "Read the emotion of a photo (faces, else the scene) and/or words, and recommend "
    "music that matches, lifts or calms it. Errors are JSON: "
    '`{"detail": "...", "errors": [{"field": ..., "message": ...}]}`.'
)


def create_app(
    catalogue: ServedCatalogue | None = None,
    reader: Senses | EmotionReader | None = None,
    recommender: MusicRecommender | None = None,
    *,
    catalogue_path: str | Path | None = None,
    cors_origins: Sequence[str] = (),
    owns_catalogue: bool = False,
    access: AccessPolicy | None = None,
    reading_processes: int = 0,
) -> FastAPI:
    """Build the moodtune web app.

    ``catalogue`` (a :class:`~moodtune.catalogue.sqlite.Catalogue`), ``reader`` (a
    :class:`~moodtune.senses.Senses`, or an :class:`~moodtune.vision.EmotionReader` for the
    image sense) and ``recommender`` are used as given; whatever is
    None is loaded at start-up: the catalogue from ``catalogue_path`` (default: the user's
    catalogue, see ``Catalogue.open``). ``cors_origins`` lists the origins allowed to call the
    API from a browser; it is empty (CORS off) by default. With ``owns_catalogue`` the given
    catalogue is handed to the app, which closes it when the server stops (a catalogue the
    app opens itself is always closed then). ``access`` says which host names the server
    answers to, which origins may write and whether a token is needed
    (:class:`~moodtune.web.access.AccessPolicy`; default: the loopback names, no token).
    ``reading_processes``: image and words readings run in that many worker processes
    (``moodtune serve``: :data:`~moodtune.web.workers.READ_PROCESSES`), started at the first
    reading with the reader classes the app loaded; 0 (default): in worker threads, with
    the readers as given.
    """
    load = partial(
        MoodService.load,
        catalogue,
        reader,
        recommender,
        catalogue_path=catalogue_path,
        owns_catalogue=owns_catalogue,
    )
    app = MoodtuneAPI(
        title="moodtune",
        version=__version__,
        summary="A photo in, its emotion and music for it out.",
        description=DESCRIPTION,
        lifespan=_lifespan(load, reading_processes),
        default_response_class=FastJSONResponse,
        # FastAPI's own docs load Swagger UI from a CDN; /docs is served locally instead.
        docs_url=None,
        redoc_url=None,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    docs_page = DocsPage.build(app.title, app.openapi_url or "/openapi.json")
    install_docs(app, docs_page)
    for router in ROUTERS:
        app.include_router(router)
    if access is None:
        access = AccessPolicy.for_host("127.0.0.1", None, origins=cors_origins)
    _add_middleware(app, docs_page, cors_origins, access)
    install_error_handlers(app)
    return app


def _lifespan(
    load: Callable[[], MoodService], reading_processes: int = 0
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: load the service and warm the named emotions' rankings in a worker
    thread, stop the reading processes and close the service at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = await run_in_threadpool(load)
        start(app, service, reading_processes)
        try:
            await run_in_threadpool(warm_emotions, service)
            yield
        finally:
            try:
                app.state.workshop.close()
            finally:
                service.close()

    return lifespan


def _add_middleware(
    app: FastAPI, docs_page: DocsPage, cors_origins: Sequence[str], access: AccessPolicy
) -> None:
    """From the inside out: the guard (one JSON 500 for anything unexpected), the ``Allow``
    headers, CORS when origins are given, the host/origin/login checks, and the security
    headers (on every answer, the checks' too)."""
    app.add_middleware(Guard)
    app.add_middleware(AllowedMethods, routes=app.router.routes)
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "Range", "Authorization"],
        )
    app.add_middleware(AccessGuard, policy=access)
    app.add_middleware(SecurityHeaders, docs_policy=docs_policy(docs_page.script_hashes))


def app_from_environment() -> FastAPI:
    """App factory for ``uvicorn --factory`` (used by ``moodtune serve --workers N``).

    Reads ``MOODTUNE_CATALOGUE`` (through ``Catalogue.open``), ``MOODTUNE_CORS_ORIGINS``
    (comma-separated origins; empty means CORS off), and what :func:`access_from_environment`
    reads.
    """
    origins = [o.strip() for o in os.environ.get("MOODTUNE_CORS_ORIGINS", "").split(",")]
    origins = [o for o in origins if o]
    return create_app(cors_origins=origins, access=access_from_environment(origins))


def access_from_environment(origins: Sequence[str] = ()) -> AccessPolicy:
    """The access policy ``moodtune serve`` hands its workers: ``MOODTUNE_HOST`` (the address
    listened on), ``MOODTUNE_ALLOWED_HOSTS`` (comma-separated extra host names) and
    ``MOODTUNE_AUTH`` (the token; none when empty)."""
    allowed = os.environ.get("MOODTUNE_ALLOWED_HOSTS", "").split(",")
    return AccessPolicy.for_host(
        os.environ.get("MOODTUNE_HOST", "127.0.0.1"),
        os.environ.get("MOODTUNE_AUTH") or None,
        allow=[a for a in allowed if a.strip()],
        origins=origins,
    )
