"""Save a playlist to the user's Spotify account: the authorization code flow with PKCE.

``moodtune spotify login`` opens Spotify's authorize page in the browser; Spotify sends the
browser back to ``MOODTUNE_SPOTIFY_REDIRECT_URI`` (default ``http://127.0.0.1:8765/callback``,
to be registered in the app's settings), where spotipy's one-request local server takes the
code. Only the app's client id is needed (``SPOTIPY_CLIENT_ID``, from the environment or
``.env``): PKCE replaces the secret. The token (with its refresh token) is kept in the user's
config folder, ``spotify-token.json``, written atomically with permissions 0600, never logged.
The scope asked for is ``playlist-modify-private``: moodtune can create private playlists and
add tracks to them, nothing else.

Saving creates a private playlist and adds its tracks 100 at a time under the client's retry
policy (429 Retry-After, 5xx backoff, one token refresh after a 401). A 5xx on a request
Spotify did carry out could make a retry add a batch twice: Spotify gives no way to tell.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moodtune.collect.credentials import protect_logs, redact
from moodtune.collect.settings import ServiceSettings
from moodtune.collect.spotify import SpotifyClient
from moodtune.errors import MissingExtraError, MoodtuneError
from moodtune.files import write_atomic
from moodtune.playlists._entries import PlaylistEntry

try:
    from spotipy.cache_handler import CacheHandler
except ImportError:  # the 'collect' extra is missing: UserAuth says so when it is used
    CacheHandler = object  # type: ignore[assignment,misc]

SCOPE = "playlist-modify-private"
TOKEN_FILE = "spotify-token.json"
BATCH = 100  # Spotify adds at most 100 items per request


def token_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$MOODTUNE_CONFIG/spotify-token.json``, by default in the user's config folder."""
    env = os.environ if environ is None else environ
    folder = env.get("MOODTUNE_CONFIG")
    if not folder:
        import platformdirs

        folder = platformdirs.user_config_dir("moodtune")
    return Path(folder).expanduser() / TOKEN_FILE


class TokenFile(CacheHandler):
    """spotipy's cache handler over a JSON file that only its owner can read."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get_cached_token(self) -> dict[str, Any] | None:
        try:
            token = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            raise MoodtuneError(
                f"the Spotify token file {self.path} is damaged: run 'moodtune spotify logout' "
                "and 'moodtune spotify login'"
            ) from None
        return token if isinstance(token, dict) else None

    def save_token_to_cache(self, token_info: dict[str, Any]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(token_info).encode(), mode=0o600)

    def remove(self) -> bool:
        """Forget the token; True when there was one."""
        existed = self.path.exists()
        self.path.unlink(missing_ok=True)
        return existed


class UserAuth:
    """A user's authorization of this app (see the module's docstring): a
    :class:`~moodtune.collect.spotify.SpotifyAuth` for :class:`SpotifyClient`."""

    what = "your Spotify authorization"
    refused = "run 'moodtune spotify login' again"

    def __init__(
        self, client_id: str, settings: ServiceSettings, token_file: Path | None = None
    ) -> None:
        try:
            from spotipy.oauth2 import SpotifyPKCE
        except ImportError as error:
            raise MissingExtraError("collect", error.name or "spotipy") from error
        protect_logs()  # spotipy logs requests with their tokens at debug level
        self.settings = settings
        self.tokens = TokenFile(token_file or token_path())
        self.manager = SpotifyPKCE(
            client_id=client_id,
            redirect_uri=settings.spotify_redirect_uri,
            scope=SCOPE,
            state=secrets.token_urlsafe(16),  # the redirect must carry it back (no CSRF)
            cache_handler=self.tokens,
            requests_timeout=settings.timeout,
            open_browser=True,
        )
        self.manager.OAUTH_AUTHORIZE_URL = settings.spotify_authorize_url
        self.manager.OAUTH_TOKEN_URL = settings.spotify_token_url

    @property
    def logged_in(self) -> bool:
        token = self.tokens.get_cached_token()
        return bool(token and token.get("refresh_token"))

    def require_login(self) -> None:
        """Raise a clear error when no token is stored (rather than open a browser)."""
        if not self.logged_in:
            raise MoodtuneError("not logged in to Spotify: run 'moodtune spotify login' first")

    def login(self) -> None:
        """Run the browser flow and store the token (replacing any stored one)."""
        from spotipy.oauth2 import SpotifyOauthError, SpotifyStateError

        try:
            self.manager.get_access_token(check_cache=False)
        except SpotifyStateError:
            raise MoodtuneError(
                "the answer from Spotify's authorize page did not carry this login's state "
                "(another login in parallel?): run 'moodtune spotify login' again"
            ) from None
        except SpotifyOauthError as error:
            raise MoodtuneError(
                f"Spotify did not authorise moodtune ({redact(str(error.error))}: "
                f"{redact(str(error.error_description))})"
            ) from None
        except OSError as error:  # the redirect URI's port is taken, or no network
            raise MoodtuneError(
                f"cannot wait for Spotify's answer at {self.manager.redirect_uri} "
                f"({error.strerror or error}); free that port or set "
                "MOODTUNE_SPOTIFY_REDIRECT_URI to another registered loopback URI"
            ) from None

    def renew(self) -> None:
        self.require_login()
        self.manager.refresh_access_token(self.tokens.get_cached_token()["refresh_token"])


@dataclass(frozen=True)
class SavedPlaylist:
    """A playlist created in the user's account: its id and link, tracks added and left out
    (those without a Spotify id)."""

    playlist_id: str
    url: str | None
    added: int
    left_out: int


def save_playlist(
    client: SpotifyClient,
    name: str,
    entries: Sequence[PlaylistEntry],
    *,
    description: str = "",
) -> SavedPlaylist:
    """Create the private playlist ``name`` in the user's account with the tracks of
    ``entries`` that have a Spotify id, in order."""
    if isinstance(client.auth, UserAuth):
        client.auth.require_login()
    uris = [entry.spotify_uri for entry in entries if entry.spotify_uri]
    if not uris:
        raise MoodtuneError(
            f"none of the {len(entries)} tracks has a Spotify id, so there is nothing to save"
        )
    created = client.call(
        lambda sp: sp.current_user_playlist_create(name, public=False, description=description),
        what=f"create the Spotify playlist {name!r}",
    )
    for start in range(0, len(uris), BATCH):
        batch = uris[start : start + BATCH]
        client.call(
            lambda sp, batch=batch: sp.playlist_add_items(created["id"], batch),
            what=f"add tracks {start + 1}–{start + len(batch)} to {name!r}",
        )
    return SavedPlaylist(
        playlist_id=created["id"],
        url=(created.get("external_urls") or {}).get("spotify"),
        added=len(uris),
        left_out=len(entries) - len(uris),
    )


__all__ = ["SCOPE", "SavedPlaylist", "TokenFile", "UserAuth", "save_playlist", "token_path"]
