"""The retry policy's decisions (moodtune.collect.retry): Retry-After, back-off, give up."""

from __future__ import annotations

import email.utils

import pytest

from moodtune.collect.retry import (
    HttpFailure,
    RateLimitError,
    RequestError,
    RetryPolicy,
    ServiceError,
    parse_retry_after,
)


class Script:
    """Raises the given failures in order, then returns "ok"."""

    def __init__(self, *failures):
        self.failures = list(failures)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def policy(**kwargs):
    waits = []
    return RetryPolicy(sleep=waits.append, **kwargs), waits


def test_retry_after_is_honoured_within_the_total_wait():
    retry, waits = policy(max_total_wait=10)
    script = Script(HttpFailure(429, "slow down", 4), HttpFailure(429, "slow down", 5))
    assert retry.call(script, what="x") == "ok"
    assert waits == [4, 5] and script.calls == 3


def test_retry_after_beyond_the_total_wait_stops():
    retry, waits = policy(max_total_wait=10)
    with pytest.raises(RateLimitError, match="wait 7 s more after 4 s"):
        retry.call(Script(HttpFailure(429, "", 4), HttpFailure(429, "", 7)), what="x")
    assert waits == [4]


def test_429_without_retry_after_backs_off_and_is_bounded_in_count():
    retry, waits = policy(backoff=0, max_rate_limited=3)
    with pytest.raises(RateLimitError):
        retry.call(Script(*[HttpFailure(429, "")] * 10), what="x")
    assert len(waits) == 3


def test_server_errors_back_off_exponentially_then_give_up():
    retry, waits = policy(max_attempts=4, backoff=0.5, max_backoff=1.5)
    with pytest.raises(ServiceError, match="HTTP 503 after 4 attempts"):
        retry.call(Script(*[HttpFailure(503, "down")] * 4), what="x")
    assert waits == [0.5, 1.0, 1.5]


def test_connection_errors_are_retried():
    retry, waits = policy()
    assert retry.call(Script(HttpFailure(None, "ConnectionError")), what="x") == "ok"
    assert len(waits) == 1


def test_401_refreshes_once():
    retry, _ = policy()
    refreshed = []
    assert (
        retry.call(Script(HttpFailure(401, "")), what="x", refresh=lambda: refreshed.append(1))
        == "ok"
    )
    with pytest.raises(RequestError, match="HTTP 401"):
        retry.call(
            Script(HttpFailure(401, ""), HttpFailure(401, "")),
            what="x",
            refresh=lambda: refreshed.append(1),
        )
    assert len(refreshed) == 2  # once per request


def test_other_4xx_are_not_retried():
    retry, waits = policy()
    script = Script(HttpFailure(404, "Resource not found"))
    with pytest.raises(RequestError, match=r"playlist: HTTP 404 .Resource not found"):
        retry.call(script, what="playlist")
    assert script.calls == 1 and waits == []


def test_parse_retry_after():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = 1_800_000_000.0  # a fixed clock: the answer is exact, whatever the real time
    later = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(later, now=lambda: now) == 30.0
    assert parse_retry_after(email.utils.formatdate(now - 5, usegmt=True), now=lambda: now) == 0
