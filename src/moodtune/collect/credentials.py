"""Spotify client credentials: read from the environment or a ``.env`` file, never shown.

The id and secret are held in a :class:`Credentials` object whose ``repr`` hides them, and a
logging filter scrubs them (and any ``Basic``/``Bearer`` authorization value) from the
records of the libraries that talk to Spotify, so a debug log cannot leak them either.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from moodtune.errors import MissingExtraError, MoodtuneError

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
)

_AUTHORIZATION = re.compile(r"(Basic|Bearer)\s+[A-Za-z0-9+/=._\-]+")


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
    if env_file is not None and Path(env_file).is_file():
        try:
            from dotenv import dotenv_values
        except ImportError as error:  # pragma: no cover - the extra installs it
            raise MissingExtraError("collect", "python-dotenv") from error
        values = dotenv_values(env_file)
    else:
        values = {}
    found: dict[str, str] = {}
    for name in (ID_VARIABLE, SECRET_VARIABLE):
        value = os.environ.get(name) or values.get(name) or ""
        if value.strip():
            found[name] = value.strip()
    missing = [name for name in (ID_VARIABLE, SECRET_VARIABLE) if name not in found]
    if missing:
        where = f" or in {str(env_file)!r}" if env_file is not None else ""
        raise MoodtuneError(
            f"Spotify credentials missing: set {' and '.join(missing)} in the environment"
            f"{where} (create an app at https://developer.spotify.com/dashboard and copy its "
            "client id and secret; never put them on the command line)"
        )
    credentials = Credentials(found[ID_VARIABLE], found[SECRET_VARIABLE])
    protect_logs(credentials)
    return credentials


class RedactSecrets(logging.Filter):
    """Replace known secrets and any Basic/Bearer authorization value by ``[redacted]``."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _AUTHORIZATION.sub(r"\1 [redacted]", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


_FILTER = RedactSecrets()


def protect_logs(credentials: Credentials | None = None) -> None:
    """Attach the redacting filter to :data:`LOGGERS` (once), remembering ``credentials``."""
    if credentials is not None:
        _FILTER.secrets.update({credentials.client_id, credentials.client_secret})
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
