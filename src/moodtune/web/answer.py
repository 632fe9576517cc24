"""The answer as this API gives it: the library's answer with this server's URLs.

``POST /api/recommend`` answers :meth:`moodtune.recommend.answer.Answer.to_dict` (the shape of
docs/answer.schema.json, the one ``moodtune recommend --json`` prints) with ``request_id`` and,
per track, ``audio_url``, ``spotify_url`` and ``playback`` (:func:`with_urls`); the history
and the journal show their tracks the same way (``MoodService.track_dict``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from moodtune.recommend.answer import Answer

__all__ = ["PLAYBACK", "audio_url", "playback", "reply", "with_urls"]


def reply(answer: Answer, request_id: int | None = None) -> dict[str, Any]:
    """``POST /api/recommend``'s reply: ``answer.to_dict()`` (docs/answer.schema.json) with
    ``request_id`` (the mood journal's id, or None) and each track :func:`with_urls`."""
    data = answer.to_dict()
    for track in data["tracks"]:
        with_urls(track)
    data["request_id"] = request_id
    return data


def with_urls(track: dict[str, Any]) -> dict[str, Any]:
    """Add this API's URLs to a track of an answer (in place; returned): ``audio_url``,
    this API's URL for the local file, only when ``has_audio`` (the file exists);
    ``spotify_url``; and ``playback``. ``remote_audio_url`` is passed on as the recommender
    gives it (only http(s) URLs, see ``moodtune.recommend.shown.web_url``; the server never
    fetches or proxies it).
    """
    track["audio_url"] = audio_url(track["track_id"]) if track["has_audio"] else None
    spotify = track.get("spotify_id")
    track["spotify_url"] = f"https://open.spotify.com/track/{spotify}" if spotify else None
    track["playback"] = playback(track)
    return track


#: How a track plays: here (a local file this server sends), on Spotify (the embed or the
#: app, online), from another web address (online), or not at all.
PLAYBACK = ("local", "spotify", "web", "none")


def playback(track: dict[str, Any]) -> str:
    """How a track (as :func:`with_urls` shows it) plays, one of
    :data:`PLAYBACK`.

    Examples
    --------
    >>> playback({"has_audio": False, "spotify_id": "4uLU6hMCjMI75M1A2tKUQC"})
    'spotify'
    >>> playback({"has_audio": False, "spotify_id": None, "remote_audio_url": None})
    'none'
    """
    if track.get("has_audio"):
        return "local"
    if track.get("spotify_id"):
        return "spotify"
    if track.get("remote_audio_url") or track.get("preview_url"):
        return "web"
    return "none"


def audio_url(track_id: str) -> str:
    """This API's URL for the audio of a track (the id is percent-encoded)."""
    return f"/api/tracks/{quote(track_id, safe='')}/audio"
