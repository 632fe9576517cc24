"""Who may talk to the server: its own host names, same-origin writes, and a login when asked.

:class:`AccessGuard` is a plain ASGI middleware, the outermost of the app:

- **Host**: a request is answered only when its ``Host`` names this server (see
  :class:`AccessPolicy`); any other gets ``421`` with a JSON reason. A page of another site
  whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends its own name as Host, so
  it can neither read nor change anything here. (A request without Host, HTTP/1.0 from a
  script, is not a browser's and passes.)
- **Origin**: a request that changes something (``POST``, ``PUT``, ``PATCH``, ``DELETE``) is
  refused (``403``) when its ``Origin`` is another site's (a browser always sends it on such
  requests; non-browser clients send none and pass). Origins given with ``--cors-origin``
  are allowed.
- **Login** (``--auth``): every request but the static files and the login form needs the
  token, as ``Authorization: Bearer TOKEN`` (scripts) or as the cookie the login form at
  ``/login`` sets (people: one password typed once per browser, also from a phone). Without
  it: ``401``, JSON for the API, the login form for the page. The token is compared in
  constant time and never logged; the cookie holds an HMAC of it, not the token. After
  :data:`MAX_FAILURES` wrong passwords within :data:`FAILURE_WINDOW` seconds the form answers
  ``429`` for the rest of that window.

Examples
--------
>>> policy = AccessPolicy.for_host("127.0.0.1", token=None)
>>> policy.host_allowed("localhost:8000"), policy.host_allowed("rebind.evil.example")
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "COOKIE",
    "FAILURE_WINDOW",
    "LOOPBACK_NAMES",
    "MAX_FAILURES",
    "MIN_TOKEN_LENGTH",
    "AccessGuard",
    "AccessPolicy",
    "is_loopback",
    "is_wildcard",
]

#: Host names every server answers to.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
#: The login cookie's name, and how long it lasts (seconds).
COOKIE = "moodtune_auth"
COOKIE_SECONDS = 30 * 24 * 3600
#: Shortest token accepted by ``--auth``.
MIN_TOKEN_LENGTH = 8
#: Wrong passwords accepted within FAILURE_WINDOW seconds before the form answers 429.
MAX_FAILURES, FAILURE_WINDOW = 10, 60.0
#: Methods that change something: their Origin is checked.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Paths served without a login: the page's static files and the login form itself.
PUBLIC_PREFIXES = ("/static/",)
LOGIN_PATH = "/login"
_COOKIE_MESSAGE = b"moodtune login cookie v1"
_MAX_FORM = 4096


def is_wildcard(host: str) -> bool:
    """Whether ``host`` listens on every address (``0.0.0.0``, ``::``)."""
    return host in ("0.0.0.0", "::", "")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    """The name of a Host header value, lower-case, without port or trailing dot."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class AccessPolicy:
    """The host names a server answers to, the origins allowed to write, and its token.

    ``any_ip``: also answer to a Host that is an IP address (a server on every address is
    reached by the machine's LAN address; an IP literal cannot be a rebinding attack, which
    needs a name the attacker controls).
    """

    names: frozenset[str] = LOOPBACK_NAMES
    origins: frozenset[str] = frozenset()
    token: str | None = None
    any_ip: bool = False
    failures: deque = field(default_factory=deque, compare=False, repr=False)

    @classmethod
    def for_host(
        cls,
        host: str,
        token: str | None,
        allow: Iterable[str] = (),
        origins: Iterable[str] = (),
    ) -> AccessPolicy:
        """The policy of a server listening on ``host``: the loopback names, ``host`` itself,
        the names in ``allow`` and, on every address, any IP and this machine's names."""
        names = set(LOOPBACK_NAMES) | {_host_name(n) for n in allow if n.strip()}
        wildcard = is_wildcard(host)
        if wildcard:
            hostname = socket.gethostname().lower()
            names |= {hostname, f"{hostname}.local"}
        else:
            names.add(_host_name(host if ":" not in host else f"[{host}]"))
        allowed_origins = frozenset(o.rstrip("/").lower() for o in origins)
        return cls(frozenset(names), allowed_origins, token or None, any_ip=wildcard)

    def host_allowed(self, value: str) -> bool:
        """Whether a Host header value names this server."""
        name = _host_name(value)
        return name in self.names or (self.any_ip and _is_ip(name))

    def origin_allowed(self, origin: str, host: str) -> bool:
        """Whether a write from ``origin`` may reach a server addressed as ``host``: the same
        scheme-less host and port as the Host header, or an origin given with
        ``--cors-origin``."""
        if origin.rstrip("/").lower() in self.origins:
            return True
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        if parts.scheme not in ("http", "https"):  # "null" (a sandboxed or file: page)
            return False
        return parts.netloc.lower() == host.strip().lower()

    def cookie_value(self) -> str:
        """What the login cookie holds: an HMAC of the token (not the token)."""
        assert self.token is not None
        return hmac.new(self.token.encode(), _COOKIE_MESSAGE, hashlib.sha256).hexdigest()

    def authorised(self, headers: dict[bytes, bytes]) -> bool:
        """Whether a request carries the token (Bearer header or login cookie)."""
        if self.token is None:
            return True
        given = headers.get(b"authorization", b"").decode("latin-1")
        if given[:7].lower() == "bearer " and hmac.compare_digest(
            given[7:].strip().encode(), self.token.encode()
        ):
            return True
        for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and hmac.compare_digest(value.encode(), self.cookie_value().encode()):
                return True
        return False

    def too_many_failures(self, now: float) -> bool:
        """Whether :data:`MAX_FAILURES` wrong passwords came within the last window."""
        while self.failures and now - self.failures[0] > FAILURE_WINDOW:
            self.failures.popleft()
        return len(self.failures) >= MAX_FAILURES


class AccessGuard:
    """The ASGI middleware applying an :class:`AccessPolicy` (see the module's docstring).

    ``clock`` gives the time for counting wrong passwords (tests pass their own).
    """

    def __init__(
        self, app: ASGIApp, policy: AccessPolicy, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.app, self.policy, self.clock = app, policy, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _in_process(scope):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        method, path = scope.get("method", "GET"), str(scope.get("path", "/"))
        if host and not self.policy.host_allowed(host):  # no Host: not a browser
            await _json(send, 421, f"this server does not answer to the host name {host[:100]!r}")
            return
        origin = headers.get(b"origin")
        if (
            method in UNSAFE_METHODS
            and origin is not None
            and not self.policy.origin_allowed(origin.decode("latin-1"), host)
        ):
            await _json(send, 403, "a request from another site may not change anything here")
            return
        if self.policy.token is None or path.startswith(PUBLIC_PREFIXES) or _preflight(scope):
            await self.app(scope, receive, send)
        elif path == LOGIN_PATH:
            await self._login(scope, receive, send)
        elif self.policy.authorised(headers):
            await self.app(scope, receive, send)
        elif path.startswith("/api/") or path.startswith("/openapi") or method != "GET":
            await _json(
                send,
                401,
                "this server needs its token: send 'Authorization: Bearer TOKEN', or log in "
                "at /login",
                [(b"www-authenticate", b'Bearer realm="moodtune"')],
            )
        else:
            await _page(send, 401, "This moodtune server needs its password.")

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``GET /login``: the form; ``POST /login``: check the password, set the cookie."""
        if scope.get("method") != "POST":
            await _page(send, 200, "This moodtune server needs its password.")
            return
        now = self.clock()
        if self.policy.too_many_failures(now):
            await _page(send, 429, "Too many wrong passwords: wait a minute and try again.")
            return
        body = await _read_body(receive, _MAX_FORM)
        given = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0]
        if not hmac.compare_digest(given.encode(), (self.policy.token or "").encode()):
            self.policy.failures.append(now)
            await _page(send, 401, "That password is not this server's. Try again.")
            return
        cookie = (
            f"{COOKIE}={self.policy.cookie_value()}; Path=/; Max-Age={COOKIE_SECONDS}; "
            "HttpOnly; SameSite=Strict"
        )
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", b"/"),
                    (b"set-cookie", cookie.encode()),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _in_process(scope: Scope) -> bool:
    """A request from Starlette's TestClient (in-process: no socket, so no network peer)."""
    client = scope.get("client")
    return bool(client) and client[0] == "testclient"


def _preflight(scope: Scope) -> bool:
    """A CORS preflight (it carries no credentials; the CORS middleware answers it)."""
    names = {name for name, _ in scope.get("headers") or []}
    return scope.get("method") == "OPTIONS" and b"access-control-request-method" in names


async def _read_body(receive: Receive, limit: int) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > limit or not message.get("more_body", False):
            return body[:limit]


async def _json(
    send: Send, status: int, detail: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = orjson.dumps({"detail": detail, "errors": []})
    await _answer(send, status, b"application/json", body, extra or [])


async def _page(send: Send, status: int, message: str) -> None:
    await _answer(send, status, b"text/html; charset=utf-8", _LOGIN_PAGE % message.encode(), [])


async def _answer(
    send: Send, status: int, kind: bytes, body: bytes, extra: list[tuple[bytes, bytes]]
) -> None:
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), *extra]
    headers.append((b"cache-control", b"no-store"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_LOGIN_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>moodtune: log in</title></head>
<body><main><h1>moodtune</h1><p>%s</p>
<form method="post" action="/login">
<label>Password <input type="password" name="token" autocomplete="current-password"
required autofocus></label> <button type="submit">Log in</button>
</form></main></body></html>
"""
