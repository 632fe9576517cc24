"""What a playlist holds: one entry per recommended track, with where it can be played."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from moodtune.recommend.recommender import Recommendation

__all__ = ["PlaylistEntry", "entries_from"]


@dataclass(frozen=True)
class PlaylistEntry:
    """One track of a playlist.

    ``location`` is where a player finds it: the absolute path of a local audio file, else the
    track's page on Spotify, else its remote audio URL, else None (such a track can only be
    listed, not played: formats that need a location say so, see ``write_playlist``).
    ``spotify_uri`` is ``spotify:track:ID`` when the track has a Spotify id.
    """

    title: str
    artist: str | None
    location: str | None
    local_path: Path | None
    spotify_uri: str | None
    score: float
    reason: str

    @property
    def uri(self) -> str | None:
        """``location`` as a URI (``file://`` for a local file), as XSPF and JSPF want it."""
        return self.local_path.as_uri() if self.local_path is not None else self.location


def entries_from(
    recommendations: Iterable[Recommendation],
    audio_path: Callable[[str], Path | None] = lambda track_id: None,
) -> list[PlaylistEntry]:
    """Playlist entries for recommended tracks, in their order.

    ``audio_path`` gives a track's local audio file (e.g. ``Catalogue.audio_path``); it is
    asked only for tracks whose ``has_audio`` is true.
    """
    entries = []
    for item in recommendations:
        local = audio_path(item.track_id) if item.has_audio else None
        local = local.resolve() if local is not None else None
        page = f"https://open.spotify.com/track/{item.spotify_id}" if item.spotify_id else None
        location = str(local) if local else page or item.remote_audio_url or item.preview_url
        entries.append(
            PlaylistEntry(
                title=item.title or item.track_id,
                artist=item.artist,
                location=location,
                local_path=local,
                spotify_uri=f"spotify:track:{item.spotify_id}" if item.spotify_id else None,
                score=float(item.score),
                reason=item.reason,
            )
        )
    return entries
