"""The API docs at ``/docs``: Swagger UI served by this server, so they work offline.

FastAPI's own ``/docs`` page loads Swagger UI from a CDN and stays blank without a network.
Here the same page (``fastapi.openapi.docs.get_swagger_ui_html``) points at the Swagger UI
5.x files shipped in the ``swagger-ui-py`` package (Apache-2.0, the licence file is in the
package beside the files), served from ``/docs/assets/``: only the three files the page needs,
each by its own fixed route (no ``.map`` files, no directory listing, no path from the
client). The page's one inline script is allowed by the Content-Security-Policy through its
sha256 hash (:func:`inline_script_hashes`), computed from the page itself.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from moodtune.errors import MissingExtraError

__all__ = [
    "ASSETS",
    "ASSETS_PREFIX",
    "PACKAGE",
    "PACKAGE_FOLDER",
    "UI_PARAMETERS",
    "DocsPage",
    "asset_folder",
    "inline_script_hashes",
    "install_docs",
]

#: The package that ships Swagger UI's files, and the folder inside it that holds them.
PACKAGE = "swagger_ui"
PACKAGE_FOLDER = "static"
ASSETS_PREFIX = "/docs/assets"
#: The files the page loads: URL name → media type (the same name in the package folder).
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
#: Swagger UI options: no online validator badge (it would load an image from another site).
UI_PARAMETERS = {"validatorUrl": None}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def asset_folder() -> Path:
    """The folder of Swagger UI's files inside the installed ``swagger-ui-py`` package.

    Found without importing the package (its import loads handlers for other frameworks).
    Raises :class:`MissingExtraError` when it is not installed or lacks a file.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("web", "swagger-ui-py")
    folder = Path(next(iter(spec.submodule_search_locations))) / PACKAGE_FOLDER
    if not all((folder / name).is_file() for name in ASSETS):
        raise MissingExtraError("web", "swagger-ui-py")
    return folder


def inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions (``'sha256-<base64>'``) of the inline scripts of ``html``."""
    digests = (hashlib.sha256(body.encode()).digest() for body in _INLINE_SCRIPT.findall(html))
    return [f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests]


@dataclass(frozen=True)
class DocsPage:
    """The /docs page of an app: its HTML (bytes) and the hashes its CSP must allow."""

    html: bytes
    script_hashes: list[str]

    @classmethod
    def build(cls, title: str, openapi_url: str) -> DocsPage:
        """The Swagger UI page for the OpenAPI document at ``openapi_url``, with the assets
        from :data:`ASSETS_PREFIX`. Built once: the page is the same for every request."""
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} – API docs",
            swagger_js_url=f"{ASSETS_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PREFIX}/favicon-32x32.png",
            oauth2_redirect_url=None,  # the API has no OAuth2 login
            swagger_ui_parameters=UI_PARAMETERS,
        )
        html = bytes(page.body)
        return cls(html=html, script_hashes=inline_script_hashes(html.decode()))


def install_docs(app: FastAPI, page: DocsPage) -> None:
    """Add ``GET /docs`` (the page) and one ``GET`` route per file of :data:`ASSETS` to
    ``app``, which must be built with ``docs_url=None`` and ``redoc_url=None``.

    A missing ``swagger-ui-py`` is found here (:class:`MissingExtraError`), when the app is
    built, not by a blank page later.
    """
    folder = asset_folder()

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page.html)

    for name, media in ASSETS.items():
        app.add_api_route(
            f"{ASSETS_PREFIX}/{name}",
            _asset_endpoint(folder / name, media),
            methods=["GET"],
            include_in_schema=False,
        )


def _asset_endpoint(path: Path, media: str) -> Callable[[], Awaitable[FileResponse]]:
    """The endpoint that sends the file ``path`` (fixed when the app is built)."""

    async def asset() -> FileResponse:
        return FileResponse(
            path, media_type=media, headers={"Cache-Control": "public, max-age=86400"}
        )

    return asset
