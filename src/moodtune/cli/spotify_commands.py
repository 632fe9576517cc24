"""``moodtune spotify login|logout|status``: the user's authorization to save playlists."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from moodtune.cli import console

if TYPE_CHECKING:
    from moodtune.playlists.spotify import UserAuth

__all__ = ["login", "logout", "register", "spotify_app", "status", "user_auth"]

spotify_app = typer.Typer(
    help="Let moodtune save playlists to your Spotify account (authorization code + PKCE).",
    no_args_is_help=True,
)


def user_auth() -> UserAuth:
    """The user's authorization, with the client id and endpoints from the environment."""
    from moodtune.collect.credentials import load_client_id
    from moodtune.collect.settings import ServiceSettings
    from moodtune.playlists.spotify import UserAuth

    return UserAuth(load_client_id(), ServiceSettings.from_env())


@spotify_app.command("login")
def login() -> None:
    """Open Spotify's authorize page; the token is kept in your config folder (0600)."""
    auth = user_auth()
    console.note(
        "opening Spotify's authorize page in your browser; after you agree, Spotify sends it "
        f"back to {auth.manager.redirect_uri}"
    )
    auth.login()
    console.done(f"logged in to Spotify; token kept in {auth.tokens.path}")


@spotify_app.command("logout")
def logout() -> None:
    """Forget the stored Spotify token."""
    from moodtune.playlists.spotify import TokenFile, token_path

    tokens = TokenFile(token_path())
    removed = tokens.remove()
    console.done(f"removed {tokens.path}" if removed else "not logged in: nothing to remove")


@spotify_app.command("status")
def status() -> None:
    """Say whether a Spotify token is stored."""
    from moodtune.playlists.spotify import TokenFile, token_path

    tokens = TokenFile(token_path())
    token = tokens.get_cached_token()
    if token and token.get("refresh_token"):
        console.out.print(f"logged in (token in {tokens.path}, scope {token.get('scope', '?')})")
    else:
        console.out.print("not logged in: run 'moodtune spotify login'")


def register(app: typer.Typer) -> None:
    app.add_typer(spotify_app, name="spotify")
