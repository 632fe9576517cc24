"""One retry policy for every provider: 429 with Retry-After, 5xx with backoff, 401 refresh.

Providers turn their client's failures into :class:`HttpFailure` (status, Retry-After) and
call :meth:`RetryPolicy.call`; the policy decides whether to wait and try again, refresh the
token once, or give up with a :class:`MoodtuneError` that says what happened. The policy
waits through the ``sleep`` function it is given (``time.sleep`` by default), so a test can
record the waits it asked for without waiting; every remote message in its errors is passed
through :func:`moodtune.collect.credentials.redact`.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from moodtune.collect.credentials import redact
from moodtune.errors import MoodtuneError

__all__ = [
    "HttpFailure",
    "RateLimitError",
    "RequestError",
    "RetryPolicy",
    "ServiceError",
    "parse_retry_after",
]

T = TypeVar("T")


class HttpFailure(Exception):
    """A failed HTTP call: ``status`` (None for a connection error or time-out), the
    ``Retry-After`` header in seconds (None when absent) and a short message."""

    def __init__(self, status: int | None, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.message = message


class RateLimitError(MoodtuneError):
    """The service kept answering 429 longer than the policy's total wait allows."""


class ServiceError(MoodtuneError):
    """The service failed (5xx, connection errors) more times than the policy allows."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


class RequestError(MoodtuneError):
    """The service refused the request (a 4xx other than 429); not worth retrying."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


def parse_retry_after(value: object, now: Callable[[], float] = time.time) -> float | None:
    """A ``Retry-After`` header (seconds, or an HTTP date) → seconds to wait, or None.

    ``now`` gives the current time (Unix seconds) to count an HTTP date from.
    """
    if value is None:
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


@dataclass
class RetryPolicy:
    """How long to keep trying one request.

    - 429: wait ``Retry-After`` seconds (or the backoff when absent) while the waits for this
      request add up to at most ``max_total_wait`` seconds (and at most ``max_rate_limited``
      times), then :class:`RateLimitError`.
    - 5xx and connection errors: wait ``backoff``, ``2·backoff``, … (capped at
      ``max_backoff``), at most ``max_attempts`` attempts in all, then :class:`ServiceError`.
    - 401: call ``refresh`` once (a new token) and try again; a second 401 is an error.
    - any other 4xx: :class:`RequestError` at once.

    ``sleep`` is how the policy waits (seconds; ``time.sleep`` by default): the tests pass a
    function that records the waits asked for instead of waiting.
    ``notify`` (optional) is told about every wait, e.g. to show it beside a progress bar.
    """

    max_attempts: int = 5
    max_total_wait: float = 120.0
    max_rate_limited: int = 10
    backoff: float = 1.0
    max_backoff: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    notify: Callable[[str], None] | None = field(default=None, repr=False)
    waits: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise MoodtuneError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.max_total_wait < 0 or self.backoff < 0:
            raise MoodtuneError("retry waits must not be negative")

    def call(
        self,
        request: Callable[[], T],
        *,
        what: str,
        refresh: Callable[[], None] | None = None,
    ) -> T:
        """Run ``request`` under this policy; ``what`` names it in error messages."""
        waited = 0.0
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            try:
                return request()
            except HttpFailure as failure:
                status = failure.status
                if status == 401 and refresh is not None and not refreshed:
                    refreshed = True
                    refresh()
                    continue
                if status == 429:
                    wait = failure.retry_after
                    if wait is None:
                        wait = self._backoff(attempt)
                    if waited + wait > self.max_total_wait or attempt > self.max_rate_limited:
                        raise RateLimitError(
                            f"{what}: rate limited (HTTP 429); the service asks to wait "
                            f"{wait:g} s more after {waited:g} s, beyond the limit of "
                            f"{self.max_total_wait:g} s. Try again later: what was collected "
                            "is kept and a rerun resumes."
                        ) from None
                elif status is None or status >= 500:
                    if attempt >= self.max_attempts:
                        problem = "no answer" if status is None else f"HTTP {status}"
                        raise ServiceError(
                            f"{what}: {problem} after {attempt} attempts "
                            f"({redact(failure.message)})",
                            status,
                        ) from None
                    wait = self._backoff(attempt)
                else:
                    raise RequestError(
                        f"{what}: HTTP {status} ({redact(failure.message)})", status
                    ) from None
            self.waits.append(wait)
            if self.notify is not None:
                problem = "no answer" if status is None else f"HTTP {status}"
                self.notify(f"{what}: {problem}; retrying in {wait:g} s")
            self.sleep(wait)
            waited += wait

    def _backoff(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
