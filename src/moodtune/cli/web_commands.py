"""``moodtune serve``: the web app and JSON API on uvicorn."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from moodtune.cli import console
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    from moodtune.catalogue.sqlite import Catalogue

__all__ = ["LOG_LEVELS", "register", "serve"]

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


#: ``--auth``: the token every request must carry (see :mod:`moodtune.web.access`).
AuthOption = Annotated[
    str | None,
    typer.Option(
        "--auth",
        help="A token (password) every request must carry: needed with a --host other "
        "than loopback. Better given as $MOODTUNE_AUTH or in .env (a command line is "
        "visible to other users of the machine).",
        show_default=False,
    ),
]
#: ``--allow-host``: more host names the server answers to.
AllowHostOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-host",
        help="Another host name the server answers to (repeatable), e.g. a name on the "
        "LAN; loopback names and --host are always allowed.",
    ),
]


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port (1–65535).")] = 8000,
    catalogue: Annotated[
        Path | None,
        typer.Option(
            "--catalogue",
            help="The catalogue file (default: $MOODTUNE_CATALOGUE, else the user's catalogue, "
            "filled with the built-in tracks when new).",
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes (1–32).")] = 1,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="An origin allowed to call the API from another site (repeatable; CORS is "
            "off unless given).",
        ),
    ] = None,
    log_level: Annotated[
        str, typer.Option("--log-level", help="uvicorn log level: error, warning, info, debug.")
    ] = "info",
    auth: AuthOption = None,
    allow_host: AllowHostOption = None,
) -> None:
    """Serve the page and the JSON API (docs at /docs) until interrupted."""
    _check_options(port, workers, log_level)
    uvicorn, uvicorn_options = _server_modules()
    token = _check_access(host, auth, allow_host or [])
    _check_port_free(host, port)
    catalogue = _export_settings(catalogue, cors_origin)
    if token:
        console.note(f"listening on {host}: a login is needed (the --auth token; see docs/web.md)")
    opened = None
    if workers == 1:
        # Open the catalogue here, so that a bad file is a clear message, not a traceback
        # from the server's start-up; the image models load when the server starts.
        from moodtune.catalogue.builtin import open_catalogue

        opened = open_catalogue(catalogue)
    try:
        shown = f"[{host}]" if ":" in host else host
        console.note(f"moodtune on http://{shown}:{port}/  (API docs: /docs; stop with Ctrl+C)")
        uvicorn.run(
            _application(opened),  # type: ignore[arg-type]
            factory=workers > 1,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level.lower(),
            # Timeouts for slow clients, a limit on the request head, a connection limit
            # (JSON 503): see moodtune.web.server.
            **uvicorn_options(log_level.lower()),
        )
    finally:
        if opened is not None:
            opened.close()


def _check_options(port: int, workers: int, log_level: str) -> None:
    """One-line errors for a port, worker count or log level out of range."""
    if not 1 <= port <= 65535:
        raise MoodtuneError(f"--port {port}: use a port from 1 to 65535")
    if not 1 <= workers <= 32:
        raise MoodtuneError(f"--workers {workers}: use from 1 to 32 worker processes")
    if log_level.lower() not in LOG_LEVELS:
        raise MoodtuneError(f"--log-level {log_level!r}: use one of {', '.join(LOG_LEVELS)}")


def _check_access(host: str, auth: str | None, allow_host: list[str]) -> str | None:
    """The token (``--auth``, else ``$MOODTUNE_AUTH``, else ``MOODTUNE_AUTH`` in ./.env), put
    in the environment with the host names for the app; one-line errors when a host beyond
    loopback has no token or the token is too short."""
    from moodtune.web.access import MIN_TOKEN_LENGTH, is_loopback

    token = auth or os.environ.get("MOODTUNE_AUTH") or _dotenv_token()
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise MoodtuneError(f"--auth: use a token of at least {MIN_TOKEN_LENGTH} characters")
    if token is None and not is_loopback(host):
        raise MoodtuneError(
            f"--host {host} serves other machines: give --auth TOKEN (or set MOODTUNE_AUTH) "
            "so that only people with the token can use it"
        )
    os.environ["MOODTUNE_HOST"] = host
    os.environ["MOODTUNE_ALLOWED_HOSTS"] = ",".join(h.strip() for h in allow_host if h.strip())
    os.environ["MOODTUNE_AUTH"] = token or ""
    return token


def _dotenv_token(path: Path = Path(".env")) -> str | None:
    """``MOODTUNE_AUTH`` from a ``.env`` file in the working folder (python-dotenv, when
    installed), else None."""
    if not path.is_file():
        return None
    try:
        from dotenv import dotenv_values
    except ImportError:
        return None
    return dotenv_values(path).get("MOODTUNE_AUTH") or None


def _check_port_free(host: str, port: int) -> None:
    """One clear error, before anything is loaded or shown, when ``host:port`` cannot be
    listened on (uvicorn would say it only after the models loaded)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise MoodtuneError(
                f"cannot listen on {shown}: the port is already in use (another server?); "
                "choose another --port"
            ) from None
        raise MoodtuneError(f"cannot listen on {shown}: {error.strerror or error}") from None


def _server_modules() -> tuple[Any, Callable[[str], dict[str, Any]]]:
    """uvicorn and moodtune's server options, or :class:`MissingExtraError` for the extra."""
    try:
        import uvicorn

        import moodtune.web.app  # noqa: F401  (FastAPI and friends)
        from moodtune.web.server import uvicorn_options
    except ImportError as error:
        from moodtune.errors import MissingExtraError

        raise MissingExtraError("web", error.name or "fastapi") from None
    return uvicorn, uvicorn_options


def _export_settings(catalogue: Path | None, cors_origin: list[str] | None) -> Path | None:
    """Check ``--catalogue`` and put it and the CORS origins in the environment, where the
    app (and every worker process) reads them; the catalogue's resolved path (None: the
    default catalogue)."""
    if catalogue is not None:
        catalogue = catalogue.expanduser().resolve()
        if not catalogue.parent.is_dir():
            raise MoodtuneError(
                f"--catalogue {str(catalogue)!r}: the folder {str(catalogue.parent)!r} "
                "does not exist"
            )
        if not catalogue.exists():  # a typo would otherwise serve a new, nearly empty one
            raise MoodtuneError(
                f"--catalogue {str(catalogue)!r}: no such file (a catalogue is made by "
                "'moodtune catalog import' or 'moodtune library add')"
            )
        if not catalogue.is_file():
            raise MoodtuneError(f"--catalogue {str(catalogue)!r} is not a file")
        os.environ["MOODTUNE_CATALOGUE"] = str(catalogue)  # for worker processes
    origins = [o.strip() for o in cors_origin or [] if o.strip()]
    os.environ["MOODTUNE_CORS_ORIGINS"] = ",".join(origins)
    return catalogue


def _application(opened: Catalogue | None) -> object:
    """What uvicorn serves: with one worker, the app over the catalogue opened here (the app
    owns it and closes it at shutdown; the caller closes it too when the server stops before
    or without its lifespan, closing twice is harmless); else the factory each worker calls."""
    if opened is None:
        return "moodtune.web.app:app_from_environment"
    from moodtune.web.app import access_from_environment, create_app
    from moodtune.web.workers import READ_PROCESSES

    origins = [o for o in os.environ.get("MOODTUNE_CORS_ORIGINS", "").split(",") if o]
    return create_app(
        catalogue=opened,
        cors_origins=origins,
        owns_catalogue=True,
        access=access_from_environment(origins),
        reading_processes=READ_PROCESSES,
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the command line ``app``."""
    app.command()(serve)
