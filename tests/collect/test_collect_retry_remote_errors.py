"""Errors from the token endpoint and the APIs: retried when worth it, never showing a secret.

The server echoes the request's headers into its error text, as some proxies do, so without
redaction the message would carry ``Basic <base64 of id:secret>`` or ``Bearer <token>``.
"""

from __future__ import annotations

import base64

import pytest
from collect_server import CLIENT_ID, CLIENT_SECRET, Answer

from moodtune.collect import Collector, Job
from moodtune.collect.credentials import Credentials, protect_logs, redact
from moodtune.collect.providers import build
from moodtune.collect.retry import RequestError, ServiceError
from moodtune.collect.spotify import SpotifyClient, SpotifySource
from moodtune.errors import MoodtuneError

PLAYLIST = "37i9dQZF1DX1tyCD9QhIWF"
BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def assert_no_secret(text: str, server) -> None:
    for secret in (CLIENT_ID, CLIENT_SECRET, BASIC, *server.tokens):
        assert secret not in text
    assert "[redacted]" in text  # the echoed header was there, and was cleaned


def collect(settings, credentials, tmp_path):
    source, features = build("spotify", credentials, settings)
    return Collector(source, features).run([Job("anger", playlist=PLAYLIST)], tmp_path / "d.csv")


@pytest.mark.parametrize("text", [False, True], ids=["json", "plain-text"])
def test_a_token_endpoint_500_is_retried_with_back_off(
    server, settings, credentials, track_ids, tmp_path, slept, text
):
    server.playlists[PLAYLIST] = track_ids[:5]
    server.script["/api/token"].append(Answer(500, "server_error", echo_headers=True, text=text))
    report = collect(settings, credentials, tmp_path)
    assert report.written == 5 and report.complete
    assert server.statuses("/api/token") == [500, 200]
    assert slept == [0.05]


@pytest.mark.parametrize("text", [False, True], ids=["json", "plain-text"])
def test_a_persistent_token_endpoint_500_is_a_service_error_without_secrets(
    server, settings, credentials, track_ids, tmp_path, slept, text
):
    server.playlists[PLAYLIST] = track_ids[:5]
    for _ in range(3):
        server.script["/api/token"].append(
            Answer(500, "server_error", echo_headers=True, text=text)
        )
    with pytest.raises(ServiceError) as caught:
        collect(settings, credentials, tmp_path)
    message = str(caught.value)
    assert "HTTP 500 after 3 attempts" in message and "token endpoint" in message
    assert "refused the client credentials" not in message
    assert_no_secret(message, server)
    assert server.statuses("/api/token") == [500, 500, 500] and slept == [0.05, 0.1]


def test_a_token_endpoint_429_waits_as_asked(
    server, settings, credentials, track_ids, tmp_path, slept
):
    server.playlists[PLAYLIST] = track_ids[:5]
    server.script["/api/token"].append(
        Answer(429, {"error": "too_many_requests"}, {"Retry-After": "2"})
    )
    assert collect(settings, credentials, tmp_path).written == 5
    assert slept == [2.0]


@pytest.mark.parametrize("text", [False, True], ids=["json", "plain-text"])
def test_refused_credentials_are_reported_once_without_secrets(
    server, settings, credentials, tmp_path, slept, text
):
    server.playlists[PLAYLIST] = ["x"]
    server.script["/api/token"].append(Answer(400, "invalid_client", echo_headers=True, text=text))
    with pytest.raises(MoodtuneError, match="refused the client credentials") as caught:
        collect(settings, credentials, tmp_path)
    assert "HTTP 400" in str(caught.value)
    assert_no_secret(str(caught.value), server)
    assert server.statuses("/api/token") == [400] and slept == []  # a 4xx is not retried


def test_a_failing_token_refresh_is_retried(
    server, settings, credentials, track_ids, tmp_path, slept
):
    server.playlists[PLAYLIST] = track_ids[:5]
    source, features = build("spotify", credentials, settings)
    original = features.features

    def revoke_then_fetch(ids):
        server.revoke_tokens()  # the next call answers 401: a refresh, which first meets 503
        server.script["/api/token"].append(Answer(503, "temporarily_unavailable"))
        return original(ids)

    features.features = revoke_then_fetch
    report = Collector(source, features).run([Job("anger", playlist=PLAYLIST)], tmp_path / "d.csv")
    assert report.written == 5
    assert server.statuses("/api/token") == [200, 503, 200] and slept == [0.05]


def test_an_api_error_echoing_the_bearer_token_is_redacted(server, settings, credentials, tmp_path):
    server.script["/v1/tracks"].append(Answer(400, "Bad request", echo_headers=True, text=True))
    source = SpotifySource(SpotifyClient(credentials, settings))
    with pytest.raises(RequestError) as caught:
        list(source.tracks(["0" * 22]))
    assert server.tokens  # a token was issued and sent, and the server echoed it
    assert_no_secret(str(caught.value), server)


def test_a_reccobeats_error_echoing_credentials_is_redacted(
    server, settings, credentials, track_ids, tmp_path
):
    protect_logs(credentials)
    server.script["/reccobeats/v1/audio-features"].append(
        Answer(
            400,
            f"bad ids; Authorization: Basic {BASIC}; access_token=abc.def; {CLIENT_SECRET}",
            text=True,
        )
    )
    _, features = build("reccobeats", credentials, settings)
    with pytest.raises(RequestError) as caught:
        features.features(track_ids[:3])
    message = str(caught.value)
    assert "bad ids" in message and "abc.def" not in message
    assert_no_secret(message, server)


def test_the_cli_prints_a_token_endpoint_failure_in_one_line_without_secrets(
    server, track_ids, service_env, monkeypatch, tmp_path, run_main
):
    monkeypatch.chdir(tmp_path)
    for name, value in service_env.items():
        monkeypatch.setenv(name, value)
    server.playlists[PLAYLIST] = track_ids[:5]
    for _ in range(5):  # MOODTUNE_RETRY_ATTEMPTS defaults to 5
        server.script["/api/token"].append(Answer(502, "bad_gateway", echo_headers=True, text=True))
    result = run_main("collect", "-p", PLAYLIST, "-e", "anger", "-o", "d.csv")
    assert result.exit_code != 0
    assert "HTTP 502 after 5 attempts" in result.stderr and "token endpoint" in result.stderr
    assert "Traceback" not in result.stderr
    for secret in (CLIENT_ID, CLIENT_SECRET, BASIC):
        assert secret not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ('{"access_token": "tok123", "token_type": "Bearer"}', '"token_type": "Bearer"'),
        ("Authorization: Bearer abc.def-ghi, Host: x", "Host: x"),
        ("grant_type=client_credentials&client_secret=s3cr3t&x=1", "&x=1"),
        ("proxy said: basic dXNlcjpwYXNz", "proxy said:"),
        ("The access token expired", "The access token expired"),
    ],
)
def test_redact_removes_credential_looking_text_only(text, kept):
    cleaned = redact(text)
    assert kept in cleaned
    for secret in ("tok123", "abc.def-ghi", "s3cr3t", "dXNlcjpwYXNz"):
        assert secret not in cleaned


def test_redact_removes_loaded_credentials_in_any_position():
    credentials = Credentials("anIdOfThisApp0001", "aSecretOfThisApp0002")
    protect_logs(credentials)
    pair = base64.b64encode(b"anIdOfThisApp0001:aSecretOfThisApp0002").decode()
    cleaned = redact(f"echo: anIdOfThisApp0001 / aSecretOfThisApp0002 / {pair}")
    assert cleaned == "echo: [redacted] / [redacted] / [redacted]"
