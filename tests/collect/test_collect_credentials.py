"""Credentials come only from the environment or a .env file and never leak anywhere."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys

import pytest
from collect_server import CLIENT_ID, CLIENT_SECRET, Answer, spotify_error
from typer.testing import CliRunner

from moodtune.cli.main import app
from moodtune.collect.credentials import load_credentials
from moodtune.errors import MoodtuneError

PLAYLIST = "37i9dQZF1DX1tyCD9QhIWF"
BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def secrets(server) -> list[str]:
    """Everything that must not appear: id, secret, their Basic form, issued tokens."""
    return [CLIENT_ID, CLIENT_SECRET, BASIC, *server.tokens]


def files_under(folder):
    return [p for p in folder.rglob("*") if p.is_file()]


def test_no_credential_in_output_logs_or_files(
    server, track_ids, service_env, tmp_path, monkeypatch, caplog
):
    """A full CLI run that meets 429, 401, 403 and falls back, with DEBUG logging on."""
    monkeypatch.chdir(tmp_path)
    for name, value in service_env.items():
        monkeypatch.setenv(name, value)
    server.playlists[PLAYLIST] = track_ids[:120]
    server.script["/v1/audio-features"].append(
        Answer(429, spotify_error(429, "API rate limit exceeded"), {"Retry-After": "0"})
    )
    server.script["/v1/audio-features"].append(Answer(401, spotify_error(401, "expired")))
    server.forbid_spotify_features = True
    caplog.set_level(logging.DEBUG)

    result = CliRunner().invoke(
        app,
        [
            "collect",
            "--playlist",
            PLAYLIST,
            "--emotion",
            "anger",
            "--out",
            "data.csv",
            "--provider",
            "auto",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Switching to ReccoBeats" in result.output
    assert len(server.tokens) == 2  # the 401 made one refresh
    messages = [record.getMessage() for record in caplog.records]
    assert any("Authorization" in m for m in messages)  # spotipy did log its headers …
    texts = {"output": result.output, "logs": "\n".join(messages)}
    for path in files_under(tmp_path):
        texts[str(path)] = path.read_text(errors="replace")
    assert set(texts) >= {"output", "logs", str(tmp_path / "data.csv")}
    for where, text in texts.items():
        for secret in secrets(server):
            assert secret not in text, f"a credential leaked into {where}"  # … redacted


def test_subprocess_reads_dotenv_and_prints_no_credential(server, track_ids, service_env, tmp_path):
    server.playlists[PLAYLIST] = track_ids[:5]
    env = {
        k: v
        for k, v in {**os.environ, **service_env}.items()
        if k not in ("SPOTIPY_CLIENT_ID", "SPOTIPY_CLIENT_SECRET")
    }
    (tmp_path / ".env").write_text(
        f"SPOTIPY_CLIENT_ID={CLIENT_ID}\nSPOTIPY_CLIENT_SECRET='{CLIENT_SECRET}'\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "moodtune",
            "collect",
            "-p",
            PLAYLIST,
            "-e",
            "sad",
            "-o",
            "data.csv",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "5 new tracks" in done.stderr
    written = [p for p in files_under(tmp_path) if p.name != ".env"]
    for text in [done.stdout, done.stderr, *(p.read_text() for p in written)]:
        for secret in secrets(server):
            assert secret not in text


def test_environment_wins_over_dotenv_and_is_not_modified(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("SPOTIPY_CLIENT_ID=from-file-id\nSPOTIPY_CLIENT_SECRET=from-file\n")
    monkeypatch.setenv("SPOTIPY_CLIENT_ID", "from-environment-id")
    monkeypatch.delenv("SPOTIPY_CLIENT_SECRET", raising=False)
    credentials = load_credentials(env_file)
    assert credentials.client_id == "from-environment-id"
    assert credentials.client_secret == "from-file"
    assert "SPOTIPY_CLIENT_SECRET" not in os.environ
    assert "from-file" not in repr(credentials) and "from-file" not in str(credentials)


def test_missing_credentials_name_the_variables_without_values(tmp_path, monkeypatch):
    monkeypatch.delenv("SPOTIPY_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("SPOTIPY_CLIENT_ID", "some-id-value")
    with pytest.raises(MoodtuneError, match="SPOTIPY_CLIENT_SECRET") as error:
        load_credentials(tmp_path / "absent.env")
    assert "SPOTIPY_CLIENT_ID" not in str(error.value)
    assert "some-id-value" not in str(error.value)


def test_cli_without_credentials_exits_2_with_a_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPOTIPY_CLIENT_ID", raising=False)
    monkeypatch.delenv("SPOTIPY_CLIENT_SECRET", raising=False)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "moodtune",
            "collect",
            "-p",
            PLAYLIST,
            "-e",
            "anger",
            "-o",
            "data.csv",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "SPOTIPY_CLIENT_ID and SPOTIPY_CLIENT_SECRET" in done.stderr
    assert "Traceback" not in done.stderr
