"""Pure logic: Spotify references and the retry policy's decisions."""

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
from moodtune.collect.settings import ServiceSettings
from moodtune.data.spotify_ids import id_from_href, spotify_id
from moodtune.errors import MoodtuneError

ID = "37i9dQZF1DX1tyCD9QhIWF"


@pytest.mark.parametrize(
    "reference",
    [
        ID,
        f"spotify:playlist:{ID}",
        f"https://open.spotify.com/playlist/{ID}",
        f"https://open.spotify.com/playlist/{ID}?si=0123abcd",
        f"open.spotify.com/playlist/{ID}/",
        f"https://open.spotify.com/intl-de/playlist/{ID}",
        f"spotify:user:someone:playlist:{ID}",
        f"  {ID}  ",
    ],
)
def test_playlist_references(reference):
    assert spotify_id(reference, "playlist") == ID


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (f"spotify:track:{ID}", "is a Spotify track, not a playlist"),
        ("https://example.com/playlist/x", "is not a Spotify playlist"),
        (ID[:-1], "is not a Spotify playlist"),
        ("", "is not a Spotify playlist"),
    ],
)
def test_bad_references(reference, message):
    with pytest.raises(MoodtuneError, match=message):
        spotify_id(reference, "playlist")


def test_id_from_href():
    assert id_from_href(f"https://open.spotify.com/track/{ID}") == ID
    assert id_from_href(f"https://open.spotify.com/album/{ID}") is None
    assert id_from_href(None) is None


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


def test_settings_from_env():
    settings = ServiceSettings.from_env(
        {"MOODTUNE_SPOTIFY_API": "http://h:1/v1/", "MOODTUNE_RETRY_MAX_WAIT": "7"}
    )
    assert settings.spotify_api == "http://h:1/v1" and settings.max_total_wait == 7
    assert settings.reccobeats_api == "https://api.reccobeats.com/v1"
    with pytest.raises(MoodtuneError, match="MOODTUNE_HTTP_TIMEOUT must be a number"):
        ServiceSettings.from_env({"MOODTUNE_HTTP_TIMEOUT": "fast"})
