"""The listener's history as stored: plays, likes and dislikes, newest first, each one
undoable, and all of it clearable.

Plays are in the catalogue's ``history`` table, likes and dislikes in ``feedback`` (see
:mod:`moodtune.catalogue.schema`). Undoing an entry deletes its row, so what the recommender
reads from them (the recently played tracks it leaves out, the taste it learns from 👍/👎)
forgets it at once: undoing the only like of a track removes its pull on later rankings.

These functions use a connection of their own to the catalogue's file (SQLite in WAL mode
lets it sit beside the catalogue's); the catalogue sees the change at its next read. They
give plain data (:class:`HistoryRow`, each with the track's
:class:`~moodtune.catalogue.records.TrackRecord`); :func:`moodtune.recommend.history.history`
shows each track as a recommendation.

Examples
--------
>>> import tempfile, pathlib
>>> from moodtune.catalogue.builtin import open_catalogue
>>> with open_catalogue(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
...     first = catalogue.tracks_by_rowid([1])[1].track_id
...     catalogue.record_played(first)
...     stored = give_feedback(catalogue, first, True, {"emotion": "sadness"})
...     listed = [(e.kind, e.reason) for e in rows(catalogue)]
...     gone = undo(catalogue, rows(catalogue)[0].id), clear_history(catalogue)
>>> stored, listed, gone
(True, [('like', 'liked for sadness'), ('play', 'played')], (True, 1))
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from moodtune.catalogue.schema import connect
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    from moodtune.catalogue.protocol import ListeningLog
    from moodtune.catalogue.records import TrackRecord
    from moodtune.catalogue.sqlite import Catalogue

__all__ = [
    "DEFAULT_LIMIT",
    "EVENT_ID_PATTERN",
    "MAX_LIMIT",
    "HistoryRow",
    "Kind",
    "clear_history",
    "connection_to",
    "give_feedback",
    "parse_event_id",
    "reason_for",
    "rows",
    "undo",
]

#: What an entry records.
Kind = Literal["play", "like", "dislike"]
#: Entries listed when no limit is given, and the most one call lists.
DEFAULT_LIMIT, MAX_LIMIT = 50, 1000
#: An entry's id: its table (``play`` or ``feedback``) and its row there, e.g. ``play-12``.
EVENT_ID_PATTERN = r"^(play|feedback)-[0-9]{1,18}$"
_EVENT_ID = re.compile(EVENT_ID_PATTERN)
_TABLES = {"play": "history", "feedback": "feedback"}
#: What "clear history" empties: plays, likes and dislikes, and the mood journal.
_CLEARED = (*_TABLES.values(), "requests")
_EVENTS = (
    "SELECT * FROM (SELECT 'play' AS kind, id, track, played_at AS at, NULL AS context "
    "FROM history "
    "UNION ALL SELECT CASE liked WHEN 1 THEN 'like' ELSE 'dislike' END, id, track, "
    "created_at, context FROM feedback) ORDER BY at DESC, kind = 'play', id DESC LIMIT ?"
)  # within one millisecond: 👍/👎 (which follow a play) first, then the later row first


@dataclass(frozen=True)
class HistoryRow:
    """One entry of the history as stored.

    ``id`` names it for :func:`undo` (``play-12``, ``feedback-5``); ``at`` is when it happened
    (ISO-8601, UTC, e.g. ``2026-12-01T09:30:00.123Z``); ``track`` is the track's record;
    ``reason`` says what happened (``"played"``, ``"liked for sadness"``); ``context`` is
    what a like or dislike was given for (the mood and mode), when known.
    """

    id: str
    kind: Kind
    track: TrackRecord
    at: str
    reason: str
    context: dict[str, Any] | None = None


def rows(catalogue: Catalogue, limit: int = DEFAULT_LIMIT) -> list[HistoryRow]:
    """The last ``limit`` (1..:data:`MAX_LIMIT`) plays, likes and dislikes, newest first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise MoodtuneError(f"limit {limit}: list from 1 to {MAX_LIMIT} history entries")
    with connection_to(catalogue.path) as connection:
        found = connection.execute(_EVENTS, (int(limit),)).fetchall()
    records = catalogue.tracks_by_rowid(sorted({row[2] for row in found}))
    return [
        HistoryRow(
            id=f"{'play' if kind == 'play' else 'feedback'}-{number}",
            kind=kind,
            track=records[track],
            at=at,
            reason=reason_for(kind, _context(context)),
            context=_context(context),
        )
        for kind, number, track, at, context in found
        if track in records
    ]


def undo(catalogue: Catalogue, event_id: str) -> bool:
    """Remove the entry ``event_id`` (see :attr:`HistoryEvent.id`); False when there is none."""
    found = parse_event_id(event_id)
    if found is None:
        return False
    table, number = _TABLES[found[0]], found[1]
    with connection_to(catalogue.path) as connection:
        removed = connection.execute(f"DELETE FROM {table} WHERE id = ?", (number,)).rowcount
    return removed > 0


def parse_event_id(event_id: str) -> tuple[str, int] | None:
    """``("play" or "feedback", number)`` of an entry's id (``play-12``), None for another
    text."""
    match = _EVENT_ID.fullmatch(event_id)
    return None if match is None else (match.group(1), int(event_id.rsplit("-", 1)[1]))


def clear_history(catalogue: Catalogue) -> int:
    """Remove every play, like and dislike and the mood journal's requests (in one
    transaction); how many entries went."""
    with connection_to(catalogue.path) as connection:
        connection.execute("BEGIN IMMEDIATE")
        try:
            removed = sum(connection.execute(f"DELETE FROM {table}").rowcount for table in _CLEARED)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    return removed


@contextmanager
def connection_to(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection of its own to the catalogue at ``path``, closed afterwards."""
    with closing(connect(path)) as connection:
        yield connection


def _context(text: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def reason_for(kind: Kind, context: dict[str, Any] | None) -> str:
    """What happened: ``"played"``, ``"liked for sadness"``, ``"turned down"``."""
    mood = f" for {context['emotion']}" if context and context.get("emotion") else ""
    return {"play": "played", "like": f"liked{mood}", "dislike": f"turned down{mood}"}[kind]


def give_feedback(
    catalogue: ListeningLog, track_id: str, liked: bool, context: dict[str, Any] | None
) -> bool:
    """Store a like or dislike of ``track_id`` unless it is already the track's latest
    verdict (liking a track twice makes one entry); whether it was stored. Callers that may
    run at once for one catalogue serialise the calls (the web service holds a lock). Any
    :class:`~moodtune.catalogue.protocol.ListeningLog` will do (not only SQLite's); one
    with a ``give_feedback`` method of its own (SQLite's: one statement) does it."""
    once = getattr(catalogue, "give_feedback", None)
    if once is not None:
        return bool(once(track_id, liked, context))
    latest = catalogue.verdict(track_id)
    if latest is not None and latest == bool(liked):
        return False
    catalogue.add_feedback(track_id, liked, context)
    return True
