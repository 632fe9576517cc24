"""Review fixes in the web part: remote audio kept apart from local audio, state changes only
from JSON requests (no cross-site forms), one text limit, and the catalogue of ``moodtune
serve`` closed when the server stops."""

from __future__ import annotations

import socket
import sqlite3
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from .test_api import assert_error

# --- remote audio: never "has_audio", never this server's audio URL ---------------------------


@pytest.fixture(scope="module")
def remote_client(datasets: Path, reader, tmp_path_factory: pytest.TempPathFactory):
    """An app over a small catalogue: tracks with an https URL, a local WAV, or nothing."""
    from fastapi.testclient import TestClient

    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.data.readers import read_tracks
    from moodtune.data.table import TrackTable
    from moodtune.web import create_app

    from .helpers import write_tone

    folder = tmp_path_factory.mktemp("remote-audio")
    table = read_tracks(datasets / "tidytuesday" / "spotify_songs.csv")
    rows = TrackTable(table.frame.iloc[:30].reset_index(drop=True), table.source)
    tone = str(write_tone(folder / "tone.wav", 1, 330))
    audio = [[f"https://music.example.org/{i}.mp3", tone, None][i % 3] for i in range(len(rows))]
    catalogue = Catalogue.open(folder / "c.sqlite", fill_builtin=False)
    catalogue.import_table(rows, source="tidytuesday", audio_paths=audio)
    kinds = {str(track_id): i % 3 for i, track_id in enumerate(rows.frame["track_id"])}
    with TestClient(create_app(catalogue=catalogue, reader=reader)) as client:
        yield client, kinds
    catalogue.close()


def test_remote_audio_is_shown_apart_and_never_served(remote_client):
    client, kinds = remote_client
    response = client.post("/api/recommend", json={"emotion": "happy", "k": 30})
    assert response.status_code == 200, response.text
    tracks = response.json()["tracks"]
    assert {kinds[t["track_id"]] for t in tracks} == {0, 1, 2}  # every kind came back
    for track in tracks:
        kind = kinds[track["track_id"]]
        local = f"/api/tracks/{quote(track['track_id'], safe='')}/audio"
        if kind == 0:  # an https URL: linked for the browser, not this server's audio
            assert track["has_audio"] is False and track["audio_url"] is None
            assert track["remote_audio_url"].startswith("https://music.example.org/")
            assert_error(client.get(local), 404, "no local audio")
        elif kind == 1:  # a local file: played from this server
            assert track["has_audio"] is True and track["audio_url"] == local
            assert track["remote_audio_url"] is None
            assert client.get(local).status_code == 200
        else:
            assert track["has_audio"] is False and track["audio_url"] is None
            assert track["remote_audio_url"] is None


def test_remote_audio_url_is_documented(client):
    properties = client.get("/openapi.json").json()["components"]["schemas"]["TrackOut"]
    assert "remote_audio_url" in properties["properties"]


# --- state changes need JSON: no cross-site "simple" requests -----------------------------------

#: What a form or a no-cors fetch on another site can send without a CORS preflight.
SIMPLE_BODIES = [
    {},  # no body, no type
    {"content": b"{}", "headers": {"Content-Type": "text/plain"}},
    {"content": b"liked=1", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    {"files": {"x": ("x.txt", b"{}", "text/plain")}},  # multipart/form-data
]


@pytest.mark.parametrize("request_options", SIMPLE_BODIES)
def test_played_refuses_requests_another_site_could_send(
    client, catalogue, playable_id, request_options
):
    before = catalogue.stats().plays
    response = client.post(f"/api/tracks/{quote(playable_id, safe='')}/played", **request_options)
    assert_error(response, 415, "application/json")
    assert catalogue.stats().plays == before  # nothing recorded


def test_played_takes_an_empty_json_object(client, catalogue, playable_id):
    path = f"/api/tracks/{quote(playable_id, safe='')}/played"
    before = catalogue.stats().plays
    assert client.post(path, json={}).status_code == 204
    assert catalogue.stats().plays == before + 1
    assert_error(client.post(path, json={"when": "now"}), 422, "when")
    assert_error(client.post(path, json=[]), 422, "object")
    assert catalogue.stats().plays == before + 1


def _feedback_forms(track_id: str) -> list[dict]:
    """The feedback sent in ways a page on another site can send without a preflight."""
    text = f'{{"track_id": "{track_id}", "liked": false}}'.encode()
    return [
        {"content": text, "headers": {"Content-Type": "text/plain"}},
        {"content": text},  # no type at all
        {"data": {"track_id": track_id, "liked": "false"}},  # URL-encoded form
        {"files": {"track_id": (None, track_id.encode()), "liked": (None, b"false")}},
    ]


@pytest.mark.parametrize("form", range(4))
def test_feedback_refuses_requests_another_site_could_send(client, catalogue, playable_id, form):
    before = len(catalogue.feedback())
    options = _feedback_forms(playable_id)[form]
    assert_error(client.post("/api/feedback", **options), 415, "application/json")
    assert len(catalogue.feedback()) == before


def test_the_page_sends_plays_as_json(client):
    script = client.get("/static/tracks.js").text  # the track cards (a module of app.js)
    assert "./tracks.js" in client.get("/static/app.js").text
    call = script[script.index("/played`") :][:200]
    assert '"Content-Type": "application/json"' in call and 'body: "{}"' in call


# --- one text limit ---------------------------------------------------------------------------


def test_the_api_and_the_reader_share_one_text_limit(client):
    from moodtune.vision.reader import MAX_TEXT
    from moodtune.web import schemas

    assert schemas.MAX_TEXT == MAX_TEXT
    words = ("a bright happy sunny morning with friends " * 60)[: MAX_TEXT - 1]
    assert len(words) > 1000  # over the API's old limit, within the reader's
    response = client.post("/api/recommend", json={"text": words, "k": 3})
    assert response.status_code == 200, response.text
    assert response.json()["reading"]["source"] == "text"
    too_long = words + "xx"
    assert_error(client.post("/api/recommend", json={"text": too_long}), 422, "text")
    assert_error(client.post("/api/emotion", data={"text": too_long}), 422, "text")
    assert f'maxlength="{MAX_TEXT}"' in client.get("/").text


# --- moodtune serve closes its catalogue --------------------------------------------------------


def test_serve_closes_its_catalogue_when_the_server_stops(
    catalogue_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    """A real uvicorn that cannot bind its port (taken here) stops after start-up; the
    catalogue ``serve`` opened must be closed then. (``serve`` checks the port itself before
    opening anything; this is the port taken between that check and uvicorn's bind.)"""
    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.cli import web_commands
    from moodtune.cli.main import main

    monkeypatch.setattr(web_commands, "_check_port_free", lambda host, port: None)

    copy = tmp_path / "catalogue.sqlite"
    with sqlite3.connect(catalogue_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    opened: list[Catalogue] = []
    real_open = Catalogue.open.__func__

    def spy(cls, *args, **kwargs):  # the real open, remembering what it returned
        opened.append(real_open(cls, *args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(Catalogue, "open", classmethod(spy))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setattr(
            sys,
            "argv",
            ["moodtune", "serve", "--catalogue", str(copy), "--port", str(port),
             "--log-level", "error"],
        )  # fmt: skip
        with pytest.raises(SystemExit) as stopped:
            main()
    captured = capsys.readouterr()
    assert stopped.value.code != 0 and "already in use" in captured.err, captured.err
    assert opened, "serve did not open the catalogue"
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0]._connection.execute("SELECT 1")
