"""Where the services live and how patient to be: defaults, overridable from the environment.

The base URLs exist so that tests (and mirrors or proxies) can point the real clients at
another server; the limits bound how long a collection waits on a rate limit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from moodtune.collect.retry import RetryPolicy
from moodtune.errors import MoodtuneError

__all__ = [
    "RECCOBEATS_API",
    "SPOTIFY_API",
    "SPOTIFY_AUTHORIZE_URL",
    "SPOTIFY_REDIRECT_URI",
    "SPOTIFY_TOKEN_URL",
    "ServiceSettings",
]

SPOTIFY_API = "https://api.spotify.com/v1"
SPOTIFY_TOKEN_URL = "https://accounts.spotify.com/api/token"
SPOTIFY_AUTHORIZE_URL = "https://accounts.spotify.com/authorize"
#: Where Spotify sends the browser back after a user authorises moodtune: a loopback address
#: (Spotify accepts http only there) that must be registered in the app's settings.
SPOTIFY_REDIRECT_URI = "http://127.0.0.1:8765/callback"
RECCOBEATS_API = "https://api.reccobeats.com/v1"


@dataclass(frozen=True)
class ServiceSettings:
    """Base URLs (no trailing slash), request time-out (s) and retry limits.

    ``sleep`` is how retry waits are spent (seconds; ``time.sleep`` by default); a test
    passes a function that records the waits instead.
    """

    spotify_api: str = SPOTIFY_API
    spotify_token_url: str = SPOTIFY_TOKEN_URL
    spotify_authorize_url: str = SPOTIFY_AUTHORIZE_URL
    spotify_redirect_uri: str = SPOTIFY_REDIRECT_URI
    reccobeats_api: str = RECCOBEATS_API
    timeout: float = 20.0
    max_attempts: int = 5
    max_total_wait: float = 120.0
    backoff: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServiceSettings:
        """Read ``MOODTUNE_SPOTIFY_API``, ``MOODTUNE_SPOTIFY_TOKEN_URL``,
        ``MOODTUNE_SPOTIFY_AUTHORIZE_URL``, ``MOODTUNE_SPOTIFY_REDIRECT_URI``,
        ``MOODTUNE_RECCOBEATS_API``, ``MOODTUNE_HTTP_TIMEOUT``, ``MOODTUNE_RETRY_ATTEMPTS``,
        ``MOODTUNE_RETRY_MAX_WAIT`` and ``MOODTUNE_RETRY_BACKOFF`` where set."""
        env = os.environ if environ is None else environ
        base = cls()

        def number(name: str, default: float) -> float:
            text = env.get(name)
            if text is None or not text.strip():
                return default
            try:
                value = float(text)
            except ValueError:
                raise MoodtuneError(f"{name} must be a number, got {text!r}") from None
            if value < 0:
                raise MoodtuneError(f"{name} must not be negative, got {text!r}")
            return value

        return cls(
            spotify_api=env.get("MOODTUNE_SPOTIFY_API", base.spotify_api).rstrip("/"),
            spotify_token_url=env.get("MOODTUNE_SPOTIFY_TOKEN_URL", base.spotify_token_url),
            spotify_authorize_url=env.get(
                "MOODTUNE_SPOTIFY_AUTHORIZE_URL", base.spotify_authorize_url
            ),
            spotify_redirect_uri=env.get(
                "MOODTUNE_SPOTIFY_REDIRECT_URI", base.spotify_redirect_uri
            ),
            reccobeats_api=env.get("MOODTUNE_RECCOBEATS_API", base.reccobeats_api).rstrip("/"),
            timeout=number("MOODTUNE_HTTP_TIMEOUT", base.timeout),
            max_attempts=max(1, int(number("MOODTUNE_RETRY_ATTEMPTS", base.max_attempts))),
            max_total_wait=number("MOODTUNE_RETRY_MAX_WAIT", base.max_total_wait),
            backoff=number("MOODTUNE_RETRY_BACKOFF", base.backoff),
        )

    def retry_policy(self, notify: Callable[[str], None] | None = None) -> RetryPolicy:
        """A fresh :class:`RetryPolicy` with these limits (``notify`` is told of waits)."""
        return RetryPolicy(
            max_attempts=self.max_attempts,
            max_total_wait=self.max_total_wait,
            backoff=self.backoff,
            sleep=self.sleep,
            notify=notify,
        )
