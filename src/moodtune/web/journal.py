"""The mood journal for the web app: keep a request, list the sessions, give a past list.

The storage is the catalogue's (``keep_request``, ``requests``, ``request``; in SQLite
:mod:`moodtune.catalogue.journal`); this module turns a request of the API
(its reading, target, mode and tracks) into a journal entry, and entries into JSON for the
history page, each track shown as a recommendation is (``MoodService.track_dict``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moodtune.catalogue import journal
from moodtune.web.service import MoodService, NotFoundError

if TYPE_CHECKING:
    from moodtune.recommend.target import ResolvedTarget
    from moodtune.vision.reading import EmotionReading

__all__ = ["keep", "past_list", "source_of", "the_journal"]

#: The journal's name for where a mood came from: a reading's source, else how the target
#: was given.
_SOURCES = {
    "face": "photo",
    "scene": "photo",
    "image": "photo",
    "text": "words",
    "combined": "photo+words",
    "emotion": "picked",
    "distribution": "described",
}


def source_of(reading: EmotionReading | None, target: ResolvedTarget) -> str:
    """Where the mood of a request came from, as the journal says it.

    Examples
    --------
    >>> from moodtune.recommend.target import resolve_target
    >>> source_of(None, resolve_target(emotion="sad"))
    'picked'
    """
    given = reading.source if reading is not None else target.given_as
    return _SOURCES.get(given, "described")


def keep(
    service: MoodService,
    reading: EmotionReading | None,
    target: ResolvedTarget,
    mode: str,
    tracks: list[dict[str, Any]],
) -> int:
    """Write a request and the list it got to the journal; its id."""
    probabilities = reading.probabilities if reading is not None else target.probabilities
    asked = journal.Asked(
        source=source_of(reading, target),
        emotion=target.top,
        confidence=float(probabilities.get(target.top, 0.0)),
        mode=mode,
        tracks=[(t["track_id"], t["score"], t["reason"]) for t in tracks],
    )
    return service.catalogue.keep_request(asked)


def the_journal(service: MoodService, limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` requests grouped into sessions, newest first, as JSON-ready dicts:
    ``{"start", "end", "requests": [{"id", "at", "source", "emotion", "confidence",
    "mode", "tracks"}]}``; each track as a recommendation shows it, with its score and
    reason as given then (tracks since removed from the catalogue are left out)."""
    listed = service.catalogue.requests(limit)
    ids = sorted({track_id for entry in listed for track_id, _, _ in entry.tracks})
    records = {i: r for i in ids if (r := service.catalogue.track(i)) is not None}
    return [
        {
            "start": group[-1].at,
            "end": group[0].at,
            "requests": [_request(service, entry, records) for entry in group],
        }
        for group in journal.sessions(listed)
    ]


def past_list(service: MoodService, number: int) -> list[tuple[str, float, str]]:
    """The tracks given to the journal's request ``number``, as ``(id, score, reason)``."""
    entry = service.catalogue.request(number)
    if entry is None:
        raise NotFoundError(f"no request {number} in the mood journal")
    return entry.tracks


def _request(service: MoodService, entry: journal.Entry, records: dict) -> dict[str, Any]:
    from moodtune.recommend.history import as_recommendation

    tracks = [
        service.track_dict(as_recommendation(records[track_id], reason, score))
        for track_id, score, reason in entry.tracks
        if track_id in records
    ]
    return {
        "id": entry.id,
        "at": entry.at,
        "source": entry.source,
        "emotion": entry.emotion,
        "confidence": entry.confidence,
        "mode": entry.mode,
        "tracks": tracks,
    }
