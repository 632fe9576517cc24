"""The web app and JSON API (FastAPI): a photo in, its emotion and playable music out.

Importing this package is light; :func:`create_app` imports FastAPI when called.

>>> from moodtune.web import create_app      # doctest: +SKIP
>>> app = create_app()                       # serve with: uvicorn, or ``moodtune serve``
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app"]


def create_app(*args: Any, **kwargs: Any) -> FastAPI:
    """Build the app; see :func:`moodtune.web.app.create_app` for the parameters."""
    try:
        from moodtune.web.app import create_app as build
    except ImportError as error:
        from moodtune.errors import MissingExtraError

        raise MissingExtraError("web", error.name or "fastapi") from None
    return build(*args, **kwargs)
