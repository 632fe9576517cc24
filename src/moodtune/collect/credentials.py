"""Spotify client credentials: read from the environment or a ``.env`` file, never shown.

The id and secret are held in a :class:`Credentials` object whose ``repr`` hides them, and a
logging filter scrubs them (and any ``Basic``/``Bearer`` authorization value) from the
records of the libraries that talk to Spotify, so a debug log cannot leak them either.
:func:`redact` does the same to any text a remote service sent back (an error message from a
server that echoes the request's headers would otherwise show ``Basic <base64 of
id:secret>``); every remote error message goes through it before it reaches a user.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from moodtune.errors import MissingExtraError, MoodtuneError

__all__ = [
    "ID_VARIABLE",
    "LOGGERS",
    "SECRET_VARIABLE",
    "Credentials",
    "RedactSecrets",
    "load_client_id",
    "load_credentials",
    "protect_logs",
    "redact",
]

ID_VARIABLE = "SPOTIPY_CLIENT_ID"
SECRET_VARIABLE = "SPOTIPY_CLIENT_SECRET"

#: Loggers of the HTTP stack that may see an Authorization header.
LOGGERS: tuple[str, ...] = (
    "spotipy",
    "spotipy.client",
    "spotipy.oauth2",
    "spotipy.util",
    "spotipy.cache_handler",
    "urllib3.connectionpool",
    "moodtune.collect",
    "moodtune.playlists",
)

#: Credential-looking text in a remote answer, whatever its shape (JSON, a form, a header
#: dump): an ``Authorization`` header's whole value, a ``Basic``/``Bearer`` token, and the
#: value of a field named like a token or a client credential.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,;}&]+", re.IGNORECASE
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"\b(basic|bearer)\s+[A-Za-z0-9+/=._~\-]+", re.IGNORECASE), r"\1 [redacted]"),
    (
        re.compile(
            r"\b((?:access|refresh|id)_?token|token|client_?secret|client_?id|password|api_?key)"
            r"([\"']?\s*[:=]\s*[\"']?)[^\"'\s,;}&]+",
            re.IGNORECASE,
        ),
        r"\1\2[redacted]",
    ),
)


@dataclass(frozen=True)
class Credentials:
    """A Spotify app's client id and secret. ``repr``/``str`` never show them."""

    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)

    def __str__(self) -> str:
        return "Credentials(hidden)"


def load_credentials(env_file: str | os.PathLike[str] | None = ".env") -> Credentials:
    """Read ``SPOTIPY_CLIENT_ID`` and ``SPOTIPY_CLIENT_SECRET``.

    Values already in the environment win; ``env_file`` (if it exists) fills in the rest
    without overriding anything. Raises :class:`MoodtuneError` saying which variable is
    missing and how to set it, without echoing any value.
    """
    found = _variables((ID_VARIABLE, SECRET_VARIABLE), env_file)
    credentials = Credentials(found[ID_VARIABLE], found[SECRET_VARIABLE])
    protect_logs(credentials)
    return credentials


def load_client_id(env_file: str | os.PathLike[str] | None = ".env") -> str:
    """Read ``SPOTIPY_CLIENT_ID`` alone, as the authorization code flow with PKCE needs (no
    secret), from the environment or ``env_file``."""
    return _variables((ID_VARIABLE,), env_file)[ID_VARIABLE]


def _variables(names: tuple[str, ...], env_file: str | os.PathLike[str] | None) -> dict[str, str]:
    if env_file is not None and Path(env_file).is_file():
        try:
            from dotenv import dotenv_values
        except ImportError as error:  # pragma: no cover - the extra installs it
            raise MissingExtraError("collect", "python-dotenv") from error
        values = dotenv_values(env_file)
    else:
        values = {}
    found: dict[str, str] = {}
    for name in names:
        value = os.environ.get(name) or values.get(name) or ""
        if value.strip():
            found[name] = value.strip()
    missing = [name for name in names if name not in found]
    if missing:
        where = f" or in {str(env_file)!r}" if env_file is not None else ""
        raise MoodtuneError(
            f"Spotify credentials missing: set {' and '.join(missing)} in the environment"
            f"{where} (create an app at https://developer.spotify.com/dashboard and copy its "
            "client id and secret; never put them on the command line)"
        )
    return found


class RedactSecrets(logging.Filter):
    """Replace known secrets and credential-looking text (see :func:`redact`) in log records
    by ``[redacted]``."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _redact(message, self.secrets)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


_FILTER = RedactSecrets()


def protect_logs(credentials: Credentials | None = None) -> None:
    """Attach the redacting filter to :data:`LOGGERS` (once), remembering ``credentials``."""
    if credentials is not None:
        _FILTER.secrets.update(_forms(credentials))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def redact(text: str) -> str:
    """``text`` from a remote service with every credential-looking part replaced.

    Replaced by ``[redacted]``: the client id and secret of every :class:`Credentials` loaded
    in this process and their ``id:secret`` base64 forms (wherever they appear), the value
    of an ``Authorization`` header, any ``Basic``/``Bearer`` token, and the value of fields
    such as ``access_token``, ``refresh_token``, ``client_secret``, ``client_id``.
    """
    return _redact(str(text), _FILTER.secrets)


def _redact(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _forms(credentials: Credentials) -> set[str]:
    """The id, the secret and the forms they take in a ``Basic`` header."""
    pair = f"{credentials.client_id}:{credentials.client_secret}".encode()
    forms = {credentials.client_id, credentials.client_secret}
    forms.add(base64.b64encode(pair).decode("ascii"))
    forms.add(base64.urlsafe_b64encode(pair).decode("ascii"))
    return {form for form in forms if form}
