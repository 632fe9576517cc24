"""Spotify references: playlist and track URLs, URIs and bare ids → bare base-62 ids."""

from __future__ import annotations

import re

from moodtune.errors import MoodtuneError

__all__ = ["id_from_href", "is_spotify_id", "spotify_id"]

_BASE62 = re.compile(r"^[0-9A-Za-z]{22}$")
_URI = re.compile(r"^spotify:(?:user:[^:]+:)?(?P<kind>[a-z]+):(?P<id>[0-9A-Za-z]+)$")
_URL = re.compile(
    r"^(?:https?://)?open\.spotify\.com/(?:intl-[\w-]+/)?(?:user/[^/]+/)?"
    r"(?P<kind>[a-z]+)/(?P<id>[0-9A-Za-z]+)/?(?:\?.*)?$"
)


def is_spotify_id(text: object) -> bool:
    """True for a bare 22-character base-62 Spotify id."""
    return isinstance(text, str) and bool(_BASE62.match(text))


def spotify_id(reference: str, kind: str) -> str:
    """The bare 22-character id in ``reference``, which must point at a ``kind`` object.

    ``reference`` is a URL (``https://open.spotify.com/playlist/ID?si=…``), a URI
    (``spotify:playlist:ID``) or a bare id. ``kind`` is ``"playlist"`` or ``"track"``.
    Raises :class:`MoodtuneError` naming the reference and what was expected.
    """
    text = str(reference).strip()
    match = _URI.match(text) or _URL.match(text)
    if match:
        if match.group("kind") != kind:
            raise MoodtuneError(
                f"{reference!r} is a Spotify {match.group('kind')}, not a {kind}; "
                f"give a {kind} URL, URI or id"
            )
        text = match.group("id")
    if not _BASE62.match(text):
        raise MoodtuneError(
            f"{reference!r} is not a Spotify {kind}: expected a URL like "
            f"https://open.spotify.com/{kind}/<22-character id>, a URI like "
            f"spotify:{kind}:<id>, or the bare id"
        )
    return text


def id_from_href(href: object) -> str | None:
    """``https://open.spotify.com/track/ID`` (as ReccoBeats returns it) → ``ID``; else None."""
    if not isinstance(href, str):
        return None
    match = _URL.match(href.strip()) or _URI.match(href.strip())
    if not match or match.group("kind") != "track":
        return None
    return match.group("id") if _BASE62.match(match.group("id")) else None
