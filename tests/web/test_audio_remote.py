"""Remote audio (moodtune.web.audio) kept apart from local audio: never has_audio, never served."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from .helpers import assert_error

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
