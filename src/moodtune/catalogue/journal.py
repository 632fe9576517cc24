"""The mood journal: each request for music, with the mood read and the list given.

One row of the catalogue's ``requests`` table (see :mod:`moodtune.catalogue.schema`) per
request: when, where the mood came from (a photo, words, a picked mood), the emotion read
and how sure the reading was, the mode, and the tracks given in order with their scores and
reasons, so that a past list can be played or exported again as it was. Each row is written
in one statement (one transaction): a killed process leaves the journal whole. Requests
close together in time form a session (:func:`sessions`).

These functions use a connection of their own to the catalogue's file, as
:mod:`moodtune.catalogue.history` does.

Examples
--------
>>> import tempfile, pathlib
>>> from moodtune.catalogue.builtin import open_catalogue
>>> with open_catalogue(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
...     some = [(row["id"], 0.9, "match") for row in catalogue.query("SELECT id FROM tracks")]
...     number = record(catalogue, Asked("picked", "sadness", 1.0, "uplift", some[:2]))
...     [(e.source, e.emotion, e.mode, len(e.tracks)) for e in entries(catalogue)]
[('picked', 'sadness', 'uplift', 2)]
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from moodtune.catalogue.history import connection_to
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    from moodtune.catalogue.sqlite import Catalogue

__all__ = [
    "MAX_ENTRIES",
    "SESSION_GAP",
    "SOURCES",
    "Asked",
    "Entry",
    "checked",
    "entries",
    "entry",
    "record",
    "sessions",
]

#: Where a mood can come from.
SOURCES: tuple[str, ...] = ("photo", "words", "photo+words", "picked", "described")
#: Requests listed at most by one call.
MAX_ENTRIES = 1000
#: Requests less than this apart belong to one session.
SESSION_GAP = timedelta(minutes=30)
_WHEN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


@dataclass(frozen=True)
class Asked:
    """What one request asked and got: ``source`` (one of :data:`SOURCES`), the ``emotion``
    read and its ``confidence`` (0..1, None when unknown), the ``mode``, and the ``tracks``
    given, in order, as ``(track id, score, reason)``."""

    source: str
    emotion: str
    confidence: float | None
    mode: str
    tracks: Sequence[tuple[str, float, str]]


@dataclass(frozen=True)
class Entry:
    """A request of the journal: its ``id``, when it was asked (``at``, ISO-8601 UTC) and
    what it asked and got (as :class:`Asked`)."""

    id: int
    at: str
    source: str
    emotion: str
    confidence: float | None
    mode: str
    tracks: list[tuple[str, float, str]]


def record(catalogue: Catalogue, asked: Asked, at: str | None = None) -> int:
    """Write ``asked`` to the journal (``at``: when, ISO-8601 UTC like
    ``2026-12-01T09:30:00.000Z``, default now); its id."""
    asked = checked(asked, at)
    tracks = json.dumps([list(track) for track in asked.tracks])
    values = (asked.source, asked.emotion, asked.confidence, asked.mode, tracks)
    with connection_to(catalogue.path) as connection:
        if at is None:
            cursor = connection.execute(
                "INSERT INTO requests (source, emotion, confidence, mode, tracks) "
                "VALUES (?, ?, ?, ?, ?)",
                values,
            )
        else:
            cursor = connection.execute(
                "INSERT INTO requests (source, emotion, confidence, mode, tracks, asked_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (*values, at),
            )
        return int(cursor.lastrowid or 0)


def checked(asked: Asked, at: str | None = None) -> Asked:
    """``asked`` as the journal keeps it: confidence and scores rounded to 4 places, ids and
    reasons as text. :class:`MoodtuneError` for a source not in :data:`SOURCES` or an ``at``
    that is not an ISO-8601 time in UTC."""
    if asked.source not in SOURCES:
        raise MoodtuneError(f"source {asked.source!r}: one of {', '.join(SOURCES)}")
    if at is not None and not _WHEN.match(at):
        raise MoodtuneError(f"at {at!r}: an ISO-8601 time in UTC, e.g. 2026-12-01T09:30:00Z")
    tracks = [(str(t), round(float(s), 4), str(r)) for t, s, r in asked.tracks]
    confidence = None if asked.confidence is None else round(float(asked.confidence), 4)
    return Asked(asked.source, asked.emotion, confidence, asked.mode, tracks)


def entries(catalogue: Catalogue, limit: int = 50) -> list[Entry]:
    """The last ``limit`` (1..:data:`MAX_ENTRIES`) requests, newest first."""
    if not 1 <= limit <= MAX_ENTRIES:
        raise MoodtuneError(f"limit {limit}: list from 1 to {MAX_ENTRIES} requests")
    with connection_to(catalogue.path) as connection:
        rows = connection.execute(
            "SELECT id, asked_at, source, emotion, confidence, mode, tracks FROM requests "
            "ORDER BY asked_at DESC, id DESC LIMIT ?",
            (int(limit),),
        ).fetchall()
    return [_entry(row) for row in rows]


def entry(catalogue: Catalogue, number: int) -> Entry | None:
    """The request ``number`` of the journal, or None."""
    with connection_to(catalogue.path) as connection:
        row = connection.execute(
            "SELECT id, asked_at, source, emotion, confidence, mode, tracks FROM requests "
            "WHERE id = ?",
            (int(number),),
        ).fetchone()
    return None if row is None else _entry(row)


def sessions(listed: Sequence[Entry], gap: timedelta = SESSION_GAP) -> list[list[Entry]]:
    """``listed`` (newest first) grouped into sessions: a request less than ``gap`` before
    the next one belongs to its session. Newest session first, each newest first.

    Examples
    --------
    >>> def at(when): return Entry(0, when, "picked", "sadness", 1.0, "match", [])
    >>> times = ["2026-12-01T10:20:00Z", "2026-12-01T10:00:00Z", "2026-12-01T08:00:00Z"]
    >>> [len(group) for group in sessions([at(t) for t in times])]
    [2, 1]
    """
    groups: list[list[Entry]] = []
    for item in listed:
        if groups and _time(groups[-1][-1].at) - _time(item.at) < gap:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _time(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _entry(row: tuple) -> Entry:
    number, at, source, emotion, confidence, mode, tracks = row
    try:
        listed = [(str(t), float(s), str(r)) for t, s, r in json.loads(tracks)]
    except (ValueError, TypeError):  # written by hand: shown as an empty list, not a crash
        listed = []
    return Entry(number, at, source, emotion, confidence, mode, listed)
