"""Security headers on every response (a plain ASGI middleware: no cost per request beyond it).

The page may load scripts, styles and media only from this server (and media from https:
for Spotify previews), frames only from open.spotify.com (the player a listener asks for),
and may not itself be framed. The API docs at /docs load Swagger UI from its CDN, so the
strict policy is applied to everything else.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=()"),
]
_DOCS = ("/docs", "/redoc")


class SecurityHeaders:
    """Add the headers above to every HTTP response of ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_COMMON)
        if not str(scope.get("path", "")).startswith(_DOCS):
            extra.append((b"content-security-policy", PAGE_POLICY.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
