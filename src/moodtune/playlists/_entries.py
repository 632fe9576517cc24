"""What a playlist holds: one entry per recommended track, with where it can be played."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from moodtune.recommend.recommender import Recommendation

__all__ = ["PlaylistEntry", "entries_from"]

_SPOTIFY_PAGE = "https://open.spotify.com/track/"
_SPOTIFY_ADDRESSES = ("spotify:", _SPOTIFY_PAGE)


@dataclass(frozen=True)
class PlaylistEntry:
    """One track of a playlist.

    ``location`` is where a player finds it: the path of a local audio file, else its remote
    audio URL (or preview), else its ``spotify:track:ID`` URI, else None (such a track can only
    be listed, not played: formats that need a location say so, see ``write_playlist``).
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
        """Where a player fetches the audio, as a URI (``file://`` for a local file), as XSPF
        and JSPF ``location`` want it; None for a track only Spotify plays (its address goes
        in ``identifier``, see :attr:`identifiers`)."""
        if self.local_path is not None:
            return self.local_path.as_uri()
        if self.location and not self.location.startswith(_SPOTIFY_ADDRESSES):
            return self.location
        return None

    @property
    def line(self) -> str | None:
        """The M3U8 line: the local file, else the ``spotify:track:ID`` URI (which Spotify's
        and other players open), else the remote audio URL."""
        if self.local_path is not None:
            return self.location or str(self.local_path)
        return self.spotify_uri or self.location

    @property
    def identifiers(self) -> list[str]:
        """The track's Spotify URI and link (``https://open.spotify.com/track/ID``), if any."""
        if not self.spotify_uri:
            return []
        return [self.spotify_uri, _SPOTIFY_PAGE + self.spotify_uri.rsplit(":", 1)[-1]]


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
        spotify = f"spotify:track:{item.spotify_id}" if item.spotify_id else None
        remote = item.remote_audio_url or item.preview_url
        entries.append(
            PlaylistEntry(
                title=item.title or item.track_id,
                artist=item.artist,
                location=str(local) if local else remote or spotify,
                local_path=local,
                spotify_uri=spotify,
                score=float(item.score),
                reason=item.reason,
            )
        )
    return entries
