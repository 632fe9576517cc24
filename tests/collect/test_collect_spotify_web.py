"""Save to Spotify from the page (issue 21): the web API's ``POST /api/spotify/playlist``
over the login ``moodtune spotify login`` stored, against the local Spotify server of
``collect_server`` (real spotipy, real HTTP on 127.0.0.1), with a real catalogue and app.

The login is made as in ``test_collect_spotify_save`` (the user's browser is the one part
that cannot run here); the app finds it where the CLI does (``MOODTUNE_CONFIG``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from test_collect_spotify_save import auth, user_settings  # noqa: F401 (fixtures)

from moodtune.data.readers import read_tracks


@pytest.fixture
def app_catalogue(songs: pd.DataFrame, tmp_path: Path, datasets: Path):
    """A moodtune catalogue of the built-in clips and 60 real Spotify tracks."""
    from moodtune.catalogue.builtin import open_catalogue

    table = tmp_path / "songs.csv"
    source = pd.read_csv(datasets / "tidytuesday/spotify_songs.csv", nrows=60)
    source.to_csv(table, index=False)
    with open_catalogue(tmp_path / "songs.sqlite") as catalogue:
        catalogue.import_table(read_tracks(table), source="tidytuesday")
        yield catalogue


@pytest.fixture
def api(app_catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    from fastapi.testclient import TestClient

    from moodtune.web import create_app

    monkeypatch.chdir(tmp_path)  # no .env of the developer's is read
    with TestClient(create_app(catalogue=app_catalogue)) as client:
        yield client


def point_at(server_env: dict[str, str], user_settings, tmp_path, monkeypatch) -> None:  # noqa: F811
    for name, value in {
        **server_env,
        "MOODTUNE_SPOTIFY_AUTHORIZE_URL": user_settings.spotify_authorize_url,
        "MOODTUNE_CONFIG": str(tmp_path / "config"),
    }.items():
        monkeypatch.setenv(name, value)


def test_the_page_saves_a_journal_list_to_spotify(
    api,
    auth,  # noqa: F811
    server,
    service_env,
    user_settings,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    point_at(service_env, user_settings, tmp_path, monkeypatch)
    assert 'id="spotify-save"' in api.get("/").text  # logged in: the button shows
    asked = {"emotion": "happy", "k": 8, "journal": True, "artist_cap": 0}
    given = api.post("/api/recommend", json=asked).json()
    body = {"request": given["request_id"], "name": "happy from the page"}
    response = api.post("/api/spotify/playlist", json=body)
    assert response.status_code == 201, response.text
    saved = response.json()
    (playlist_id,) = server.user_playlists
    assert saved["playlist_id"] == playlist_id
    assert server.user_playlists[playlist_id]["name"] == "happy from the page"
    assert server.user_playlists[playlist_id]["public"] is False
    ids = [t["spotify_id"] for t in given["tracks"] if t["spotify_id"]]
    assert server.added[playlist_id] == [[f"spotify:track:{i}" for i in ids]]
    assert (saved["added"], saved["left_out"]) == (len(ids), len(given["tracks"]) - len(ids))
    # A form post (which another site could send) is refused.
    assert api.post("/api/spotify/playlist", data={"request": "1"}).status_code == 415


def test_without_a_login_the_button_is_hidden_and_the_api_says_why(
    api,
    server,
    service_env,
    user_settings,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    point_at(service_env, user_settings, tmp_path, monkeypatch)  # no token stored there
    assert 'id="spotify-save"' not in api.get("/").text
    given = api.post("/api/recommend", json={"emotion": "sad", "k": 3, "journal": True}).json()
    body = {"request": given["request_id"], "name": "x"}
    response = api.post("/api/spotify/playlist", json=body)
    assert response.status_code == 409 and "moodtune spotify login" in response.json()["detail"]
    assert server.user_playlists == {}
    missing = api.post("/api/spotify/playlist", json={"request": 10**9, "name": "x"})
    assert missing.status_code == 404
