"""Saving a playlist to a user's Spotify account: the real spotipy (authorization code flow
with PKCE) against the local Spotify server of ``collect_server``.

The user's browser is the one part that cannot run here: ``webbrowser.open`` is replaced by
a client that follows Spotify's authorize page back to spotipy's local redirect server, as a
browser would after the user agrees.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from collect_server import CLIENT_ID, CollectServer

from moodtune.collect.settings import ServiceSettings
from moodtune.collect.spotify import SpotifyClient
from moodtune.errors import MoodtuneError
from moodtune.playlists import PlaylistEntry
from moodtune.playlists.spotify import UserAuth, save_playlist


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def user_settings(settings: ServiceSettings, server: CollectServer) -> ServiceSettings:
    return dataclasses.replace(
        settings,
        spotify_authorize_url=f"{server.url}/authorize",
        spotify_redirect_uri=f"http://127.0.0.1:{free_port()}/callback",
    )


@pytest.fixture
def auth(user_settings: ServiceSettings, tmp_path: Path, browser: list[str]) -> UserAuth:
    logged_in = UserAuth(CLIENT_ID, user_settings, tmp_path / "config" / "spotify-token.json")
    logged_in.login()
    return logged_in


def entries(track_ids: list[str], count: int) -> list[PlaylistEntry]:
    return [
        PlaylistEntry(f"t{n}", "a", None, None, f"spotify:track:{track_id}", 0.5, "why")
        for n, track_id in enumerate(track_ids[:count])
    ]


def test_login_uses_pkce_and_keeps_the_token_private(auth, browser, server, tmp_path):
    (asked,) = browser
    query = {k: v[0] for k, v in parse_qs(urlsplit(asked).query).items()}
    assert query["code_challenge_method"] == "S256" and query["state"]
    assert query["scope"] == "playlist-modify-private"
    assert "client_secret" not in asked  # PKCE: the app's secret is not needed
    token_file = tmp_path / "config" / "spotify-token.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    stored = json.loads(token_file.read_text())
    assert stored["access_token"] in server.valid_tokens
    assert stored["refresh_token"] in server.refresh_tokens
    assert auth.logged_in


def test_a_private_playlist_gets_every_track_in_batches_of_100(auth, server, track_ids):
    client = SpotifyClient(auth, auth.settings)
    saved = save_playlist(client, "calm evening", entries(track_ids, 230), description="d")
    assert (saved.added, saved.left_out) == (230, 0)
    assert server.user_playlists[saved.playlist_id] == {
        "name": "calm evening",
        "public": False,
        "collaborative": False,
        "description": "d",
    }
    batches = server.added[saved.playlist_id]
    assert [len(b) for b in batches] == [100, 100, 30]
    assert [u for b in batches for u in b] == [f"spotify:track:{t}" for t in track_ids[:230]]
    assert saved.url == f"https://open.spotify.com/playlist/{saved.playlist_id}"


def test_an_expired_token_is_refreshed_once_and_kept(auth, server, track_ids, tmp_path):
    client = SpotifyClient(auth, auth.settings)
    server.revoke_tokens()
    saved = save_playlist(client, "after expiry", entries(track_ids, 120))
    assert [len(b) for b in server.added[saved.playlist_id]] == [100, 20]
    assert server.statuses("/v1/me/playlists") == [401, 201]
    stored = json.loads((tmp_path / "config" / "spotify-token.json").read_text())
    assert stored["access_token"] in server.valid_tokens  # the refreshed token was saved


def test_a_rate_limit_is_waited_out_as_spotify_asks(auth, server, track_ids, slept):
    from collect_server import Answer, spotify_error

    server.script["/items"].append(
        Answer(429, spotify_error(429, "API rate limit exceeded"), {"Retry-After": "2"})
    )
    saved = save_playlist(SpotifyClient(auth, auth.settings), "slow", entries(track_ids, 150))
    assert slept == [2.0]  # recorded by the injected sleep; nothing really waited
    assert [len(b) for b in server.added[saved.playlist_id]] == [100, 50]


def test_tracks_without_a_spotify_id_are_counted_not_sent(auth, server, track_ids):
    mixed = [*entries(track_ids, 3), PlaylistEntry("local", None, "/m/a.ogg", None, None, 1, "")]
    saved = save_playlist(SpotifyClient(auth, auth.settings), "mixed", mixed)
    assert (saved.added, saved.left_out) == (3, 1)


def test_without_login_it_says_so_and_opens_no_browser(user_settings, tmp_path, browser):
    auth = UserAuth(CLIENT_ID, user_settings, tmp_path / "none" / "spotify-token.json")
    with pytest.raises(MoodtuneError, match="run 'moodtune spotify login'"):
        save_playlist(SpotifyClient(auth, user_settings), "x", entries(["a" * 22], 1))
    assert browser == []


def test_no_token_reaches_the_logs(auth, server, track_ids, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    server.revoke_tokens()  # a refresh too, whose request carries the refresh token
    save_playlist(SpotifyClient(auth, auth.settings), "quiet", entries(track_ids, 5))
    seen = caplog.text + "".join(capsys.readouterr())
    assert any(t for t in server.tokens if t.startswith("token-"))
    for secret in [*server.tokens, *server.refresh_tokens]:
        assert secret not in seen


def test_cli_saves_recommendations_to_spotify(
    auth, server, service_env, user_settings, tmp_path, run_cli, monkeypatch, datasets
):
    import pandas as pd

    table = tmp_path / "songs.csv"
    songs = pd.read_csv(datasets / "tidytuesday/spotify_songs.csv", nrows=200)
    songs.to_csv(table, index=False)
    catalogue = tmp_path / "songs.sqlite"
    code, _, err = run_cli(
        "catalog", "import", str(table), "--no-builtin", "--catalogue", str(catalogue)
    )
    assert code == 0, err
    for name, value in {
        **service_env,
        "MOODTUNE_SPOTIFY_AUTHORIZE_URL": user_settings.spotify_authorize_url,
        "MOODTUNE_CONFIG": str(tmp_path / "config"),
    }.items():
        monkeypatch.setenv(name, value)
    code, out, err = run_cli(
        "recommend", "--emotion", "happy", "--k", "7", "--catalogue", str(catalogue),
        "--save-to-spotify", "happy mix", "--json",
    )  # fmt: skip
    assert code == 0, err
    (playlist_id,) = server.user_playlists
    ids = [r["spotify_id"] for r in json.loads(out)["tracks"]]
    assert server.added[playlist_id] == [[f"spotify:track:{i}" for i in ids]]
    assert "saved 7 tracks to Spotify as 'happy mix'" in err
