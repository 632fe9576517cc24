"""Save a list of the mood journal to the listener's Spotify account, from the page.

The same as ``moodtune recommend --save-to-spotify``: the login stored by ``moodtune spotify
login`` (the token file in the user's config folder, see :mod:`moodtune.playlists.spotify`),
the app's client id from the environment or ``.env``, a private playlist of the tracks that
have a Spotify id. Without a stored login the page hides its button and the API answers 409.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moodtune.errors import MoodtuneError
from moodtune.web.journal import past_list

if TYPE_CHECKING:
    from moodtune.playlists.spotify import UserAuth
    from moodtune.web.service import MoodService

__all__ = ["NotLoggedInError", "save_to_spotify", "spotify_login"]


class NotLoggedInError(MoodtuneError):
    """No Spotify login is stored on this computer (HTTP 409)."""

    status = 409


def spotify_login() -> UserAuth | None:
    """The stored Spotify login, or None when there is none (no client id, no ``collect``
    extra, or no token: run ``moodtune spotify login``). Opens no browser."""
    try:
        from moodtune.collect.credentials import load_client_id
        from moodtune.collect.settings import ServiceSettings
        from moodtune.playlists.spotify import UserAuth

        auth = UserAuth(load_client_id(), ServiceSettings.from_env())
    except (MoodtuneError, ImportError, OSError):
        return None
    return auth if auth.logged_in else None


def save_to_spotify(service: MoodService, number: int, name: str) -> dict[str, Any]:
    """Save the list the journal's request ``number`` was given as the private Spotify
    playlist ``name``; what was saved: ``{"playlist_id", "url", "added", "left_out"}``."""
    from moodtune.collect.spotify import SpotifyClient
    from moodtune.playlists.spotify import save_playlist

    listed = past_list(service, number)
    auth = spotify_login()
    if auth is None:
        raise NotLoggedInError(
            "not logged in to Spotify: run 'moodtune spotify login', then reload the page"
        )
    entries = service.playlist_entries(listed)
    saved = save_playlist(SpotifyClient(auth, auth.settings), name, entries, description="moodtune")
    return {
        "playlist_id": saved.playlist_id,
        "url": saved.url,
        "added": saved.added,
        "left_out": saved.left_out,
    }
