"""Security headers on every response (a plain ASGI middleware: no cost per request beyond it).

The page may load scripts, styles and media only from this server (and media from https:
for Spotify previews), frames only from open.spotify.com (the player a listener asks for),
and may not itself be framed. The API docs at /docs (Swagger UI, served by this server from
the ``swagger-ui-py`` package, see :mod:`moodtune.web.docs`) get a policy of their own that is
as strict: scripts and styles from this server only, plus the one inline script that starts
Swagger UI, allowed by its sha256 hash (no 'unsafe-inline'); nothing from another origin.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DOCS_PREFIX", "PAGE_POLICY", "AllowedMethods", "SecurityHeaders", "docs_policy"]

PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob: https:",
        "frame-src https://open.spotify.com",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def docs_policy(script_hashes: Sequence[str]) -> str:
    """The Content-Security-Policy of the /docs pages.

    ``script_hashes``: CSP source expressions (``'sha256-…'``) of the inline scripts the page
    runs. Swagger UI's CSS draws its icons as ``data:`` SVG images; it fetches the OpenAPI
    document and sends "Try it out" requests to this server only.
    """
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *script_hashes]),
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=()"),
]
DOCS_PREFIX = "/docs"
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class SecurityHeaders:
    """Add the headers above to every HTTP response of ``app``.

    Responses under ``/docs`` get ``docs_policy`` (see :func:`docs_policy`) instead of
    :data:`PAGE_POLICY`; with ``docs_policy=None`` they get :data:`PAGE_POLICY` too.
    """

    def __init__(self, app: ASGIApp, docs_policy: str | None = None) -> None:
        self.app = app
        self.page_header = (b"content-security-policy", PAGE_POLICY.encode())
        self.docs_header = (b"content-security-policy", (docs_policy or PAGE_POLICY).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        docs = path == DOCS_PREFIX or path.startswith(DOCS_PREFIX + "/")
        extra = [*_COMMON, self.docs_header if docs else self.page_header]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AllowedMethods:
    """Answer ``OPTIONS`` and fix ``Allow`` on a 405 with every method of every route of the
    path (Starlette lists only the first route's: ``OPTIONS /api/history`` said ``GET``).

    ``routes``: the app's routes (read when a request needs them, so routes added later
    count). A CORS preflight is left to the CORS middleware.
    """

    def __init__(self, app: ASGIApp, routes: Sequence[object]) -> None:
        self.app = app
        self.routes = routes

    def methods(self, path: str) -> list[str]:
        """The methods of ``path`` (and OPTIONS), empty when no route has it."""
        from starlette.routing import Match, Mount

        found: set[str] = set()
        for route in self.routes:
            for method in _METHODS:
                scope = {"type": "http", "path": path, "method": method, "root_path": ""}
                scope["headers"] = []
                if route.matches(scope)[0] == Match.FULL:  # type: ignore[attr-defined]
                    found |= {"GET", "HEAD"} if isinstance(route, Mount) else {method}
        return sorted(found | {"OPTIONS"}) if found else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        names = {name for name, _ in scope.get("headers") or []}
        if scope.get("method") == "OPTIONS" and b"access-control-request-method" not in names:
            allowed = self.methods(path)
            if allowed:
                headers = [(b"allow", ", ".join(allowed).encode()), (b"content-length", b"0")]
                await send({"type": "http.response.start", "status": 204, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return

        async def fixed(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allow = ", ".join(self.methods(path)).encode()
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message["headers"] = [*kept, (b"allow", allow)]
            await send(message)

        await self.app(scope, receive, fixed)
