"""The listener's history shown as the recommender shows tracks: each play, like and dislike
with its track as a :class:`~moodtune.recommend.shown.Recommendation`.

The history is stored by the catalogue (``events``, ``undo``, ``clear_history`` of
:class:`~moodtune.catalogue.protocol.ListeningHistory`; in SQLite by
:mod:`moodtune.catalogue.history`); this module only turns its rows into what the CLI and
the web show.

Examples
--------
>>> from moodtune.catalogue import Catalogue
>>> from moodtune.recommend.history import history
>>> catalogue = Catalogue.open("catalogue.sqlite")           # doctest: +SKIP
>>> [(e.kind, e.track.title) for e in history(catalogue, limit=2)]  # doctest: +SKIP
[('like', 'Clair de lune'), ('play', 'Clair de lune')]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodtune.catalogue.history import DEFAULT_LIMIT, Kind
from moodtune.recommend.shown import Recommendation, web_url

if TYPE_CHECKING:
    from moodtune.catalogue.protocol import ListeningHistory
    from moodtune.catalogue.records import TrackRecord

__all__ = ["HistoryEvent", "as_recommendation", "history"]


@dataclass(frozen=True)
class HistoryEvent:
    """One entry of the history.

    ``id`` names it for :func:`moodtune.catalogue.history.undo` (``play-12``,
    ``feedback-5``); ``at`` is when it happened (ISO-8601, UTC, e.g.
    ``2026-12-01T09:30:00.123Z``); ``track`` shows the track as a recommendation does (score
    0, the reason says what happened); ``context`` is what a like or dislike was given for
    (the mood and mode), when known.
    """

    id: str
    kind: Kind
    track: Recommendation
    at: str
    context: dict[str, Any] | None = None


def history(catalogue: ListeningHistory, limit: int = DEFAULT_LIMIT) -> list[HistoryEvent]:
    """The last ``limit`` (1..:data:`~moodtune.catalogue.history.MAX_LIMIT`) plays, likes
    and dislikes, newest first."""
    return [
        HistoryEvent(e.id, e.kind, as_recommendation(e.track, e.reason), e.at, e.context)
        for e in catalogue.events(limit)
    ]


def as_recommendation(record: TrackRecord, reason: str, score: float = 0.0) -> Recommendation:
    """A catalogue track shown as a recommendation shows one (by default score 0, the given
    reason), e.g. for the history or a playlist of chosen tracks."""
    audio = record.audio_path
    return Recommendation(
        track_id=record.track_id,
        title=record.title,
        artist=record.artists,
        score=float(score),
        reason=reason,
        probabilities={e: round(p, 4) for e, p in record.probabilities.items()},
        valence=record.features.get("valence"),
        energy=record.features.get("energy"),
        audio_url=None,
        spotify_id=record.spotify_id,
        preview_url=record.preview_url,
        has_audio=bool(audio) and Path(audio).is_file(),
        remote_audio_url=web_url(record.audio_url),
    )
