"""Reading a catalogue: track records, listening history, feedback and statistics.

Rows are read by column name (``sqlite3.Row``), never by position. Every function takes the
:class:`~moodtune.catalogue.store.Store` to read; :class:`~moodtune.catalogue.sqlite.Catalogue`
offers them as methods.

Examples
--------
>>> import tempfile, pathlib
>>> from moodtune.catalogue.store import Store
>>> with Store.open(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as store:
...     (track_records(store, "t.id = ?", ["nope"]), stats(store).tracks)
([], 0)
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moodtune.catalogue.records import TrackRecord
from moodtune.catalogue.schema import PROBABILITY_COLUMNS, PROVENANCES, provenance_column
from moodtune.catalogue.store import Store
from moodtune.data.features import FEATURE_NAMES
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError

__all__ = [
    "DISPLAY_COLUMNS",
    "CatalogueStats",
    "Feedback",
    "TrackRecord",
    "add_feedback",
    "audio_path",
    "count_undone_feedback",
    "display_rows",
    "feedback",
    "feedback_since",
    "latest_feedback",
    "latest_feedback_rows",
    "recent_rowids",
    "record_played",
    "stats",
    "track_records",
    "verdict",
]

#: What a recommendation shows of a track, in the order :func:`display_rows` gives it.
DISPLAY_COLUMNS: tuple[str, ...] = (
    "id",
    "title",
    "artists",
    "spotify_id",
    "audio_path",
    "audio_url",
    "preview_url",
)
_TRACK_COLUMNS = ("id", "title", "artists", "album", "source", *DISPLAY_COLUMNS[3:])


@dataclass
class Feedback:
    """A like or dislike of a track, with the context it was given in (e.g. the reading)."""

    track_id: str
    liked: bool
    context: dict[str, Any] | None
    created_at: str


@dataclass
class CatalogueStats:
    """Counts per top emotion and per source, and feature coverage by provenance."""

    path: str
    tracks: int
    revision: int
    model_version: str | None
    by_emotion: dict[str, int]
    sources: dict[str, int]
    coverage: dict[str, dict[str, int]]
    plays: int
    feedback: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


# --- tracks ------------------------------------------------------------------------------------


def track_records(store: Store, where: str, parameters: Any) -> list[tuple[int, TrackRecord]]:
    """``(rowid, record)`` of the tracks matching the SQL condition ``where`` (on ``t``,
    the tracks table), with their features (``f``) and predictions (``p``)."""
    features = [c for n in FEATURE_NAMES for c in (n, provenance_column(n))]
    query = (
        f"SELECT t.rowid AS rowid, {', '.join('t.' + c for c in _TRACK_COLUMNS)}, "
        f"p.model_version AS model_version, {', '.join('p.' + c for c in PROBABILITY_COLUMNS)}, "
        f"{', '.join('f.' + c for c in features)} "
        "FROM tracks t LEFT JOIN predictions p ON p.track = t.rowid "
        f"LEFT JOIN features f ON f.track = t.rowid WHERE {where}"
    )
    return [(row["rowid"], _record(row)) for row in store.query(query, parameters)]


def _record(row: Any) -> TrackRecord:
    """A :class:`TrackRecord` of a row of :func:`track_records`' query (a ``sqlite3.Row``)."""
    known = [name for name in FEATURE_NAMES if row[name] is not None]
    version = row["model_version"]
    return TrackRecord(
        track_id=row["id"],
        **{name: row[name] for name in _TRACK_COLUMNS[1:]},
        features={name: float(row[name]) for name in known},
        provenance={name: row[provenance_column(name)] for name in known},
        probabilities=(
            {}
            if version is None
            else {e: float(row[c]) for e, c in zip(EMOTIONS, PROBABILITY_COLUMNS, strict=True)}
        ),
        model_version=version,
    )


def display_rows(store: Store, rowids: list[int] | None = None) -> dict[int, tuple[Any, ...]]:
    """rowid → the :data:`DISPLAY_COLUMNS` of the given row ids (None: of every track), from
    the ``tracks`` table only: one query without the joins of :func:`track_records`."""
    query = f"SELECT rowid, {', '.join(DISPLAY_COLUMNS)} FROM tracks"
    wanted: list[int] = []
    if rowids is not None:
        wanted = [int(r) for r in rowids]
        if not wanted:
            return {}
        query += f" WHERE rowid IN ({', '.join('?' * len(wanted))})"
    return {row[0]: row[1:] for row in store.fetch(query, wanted)}


def audio_path(store: Store, track_id: str) -> Path | None:
    """The local audio file of a catalogue track, when it has one that exists."""
    path = store.query_one("SELECT audio_path FROM tracks WHERE id = ?", (str(track_id),))
    if path is None:
        return None
    file = Path(path)
    return file if file.is_file() else None


# --- history and feedback ----------------------------------------------------------------------


def record_played(store: Store, track_id: str) -> None:
    """Add a play of ``track_id`` to the listening history (one statement: the track's row
    id is looked up by it); :class:`MoodtuneError` when there is no such track."""
    with store.transaction() as connection:
        added = connection.execute(
            "INSERT INTO history (track) SELECT rowid FROM tracks WHERE id = ?", (str(track_id),)
        ).rowcount
    if not added:  # nothing written (raised outside: no error of a batch, Store.batch)
        raise _no_track(store, track_id)


def _no_track(store: Store, track_id: str) -> MoodtuneError:
    return MoodtuneError(f"no track with id {track_id!r} in the catalogue {store.path}")


def recent_rowids(store: Store, plays: int) -> np.ndarray:
    """Row ids of the tracks among the last ``plays`` plays, shape (m,), int64, the most
    recently played first (read-only)."""
    rows = store.query(
        "SELECT track FROM (SELECT id, track FROM history ORDER BY id DESC LIMIT ?) "
        "GROUP BY track ORDER BY MAX(id) DESC",
        (int(plays),),
    )
    return _read_only(np.array([row["track"] for row in rows], dtype=np.int64))


#: A 👍/👎 of the track whose id is the third parameter; with :data:`_UNLESS_SAME`, only when
#: the track's latest one is not the same (the fourth parameter).
_ADD_FEEDBACK = (
    "INSERT INTO feedback (track, liked, context) SELECT t.rowid, ?, ? FROM tracks t WHERE t.id = ?"
)
_KNOWN = "SELECT 1 FROM tracks WHERE id = ?"
_UNLESS_SAME = (
    " AND COALESCE((SELECT f.liked FROM feedback f WHERE f.track = t.rowid "
    "ORDER BY f.id DESC LIMIT 1), -1) != ?"
)


def add_feedback(
    store: Store,
    track_id: str,
    liked: bool,
    context: dict | None = None,
    *,
    unless_same: bool = False,
) -> bool:
    """Store a like (``liked=True``) or dislike of a track; with ``unless_same``, only when
    it is not the track's latest verdict already. Whether it was stored; one statement
    (the track's row id and latest verdict are looked up by it); :class:`MoodtuneError`
    when there is no such track."""
    try:
        encoded = None if context is None else json.dumps(context, sort_keys=True)
    except (TypeError, ValueError) as error:
        raise MoodtuneError(f"feedback context must be JSON data: {error}") from None
    parameters: tuple = (int(bool(liked)), encoded, str(track_id))
    query = _ADD_FEEDBACK + (_UNLESS_SAME if unless_same else "")
    with store.transaction() as connection:
        stored = connection.execute(query, parameters + parameters[:1] * unless_same).rowcount
        known = stored or connection.execute(_KNOWN, (str(track_id),)).fetchone() is not None
    if not known:  # nothing written (raised outside: no error of a batch, Store.batch)
        raise _no_track(store, track_id)
    return bool(stored)


def verdict(store: Store, track_id: str) -> bool | None:
    """The latest feedback of ``track_id``: True (a like), False (a dislike), None (none)."""
    latest = store.query_one(
        "SELECT f.liked FROM feedback f JOIN tracks t ON t.rowid = f.track "
        "WHERE t.id = ? ORDER BY f.id DESC LIMIT 1",
        (str(track_id),),
    )
    return None if latest is None else bool(latest)


def feedback(store: Store) -> list[Feedback]:
    """All feedback, oldest first."""
    rows = store.query(
        "SELECT t.id AS track_id, f.liked AS liked, f.context AS context, "
        "f.created_at AS created_at FROM feedback f JOIN tracks t ON t.rowid = f.track "
        "ORDER BY f.id"
    )
    return [
        Feedback(
            track_id=row["track_id"],
            liked=bool(row["liked"]),
            context=None if row["context"] is None else json.loads(row["context"]),
            created_at=row["created_at"],
        )
        for row in rows
    ]


def latest_feedback(store: Store, liked: bool) -> np.ndarray:
    """Row ids of tracks whose latest feedback is a like (``liked``) or a dislike, shape
    (m,), int64, the most recent first (read-only)."""
    rows = store.query(
        "SELECT track FROM feedback f WHERE id = (SELECT MAX(id) FROM feedback g "
        "WHERE g.track = f.track) AND liked = ? ORDER BY id DESC",
        (int(liked),),
    )
    return _read_only(np.array([row["track"] for row in rows], dtype=np.int64))


#: A counter of deleted feedback rows, kept by a trigger, so that a reader notices an undone
#: 👍/👎 without counting the table (see :func:`feedback_since`). Created on first use by this
#: module (additive: the catalogue schema itself does not need it).
_UNDONE_COUNTER = (
    "CREATE TABLE IF NOT EXISTS feedback_undone (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER)",
    "INSERT OR IGNORE INTO feedback_undone (id, n) VALUES (1, 0)",
    "CREATE TRIGGER IF NOT EXISTS feedback_undone_count AFTER DELETE ON feedback "
    "BEGIN UPDATE feedback_undone SET n = n + 1 WHERE id = 1; END",
)


def feedback_since(store: Store, last: int) -> tuple[int, int | None, list[tuple[int, int, bool]]]:
    """``(highest id, rows deleted so far, (id, track row id, liked) of the rows after
    ``last``)`` of the feedback table: an indexed look at the rows added since, whatever the
    size of the table. The count of deleted rows is None when it cannot be kept (a catalogue
    that cannot be written to): the caller then reads :func:`latest_feedback_rows`."""
    undone = _undone(store)
    top = int(store.query_one("SELECT COALESCE(MAX(id), 0) FROM feedback"))
    rows = store.fetch(
        "SELECT id, track, liked FROM feedback WHERE id > ? ORDER BY id", (int(last),)
    )
    return top, undone, [(int(n), int(t), bool(liked)) for n, t, liked in rows]


def _undone(store: Store) -> int | None:
    """The count of deleted feedback rows, or None when it is not being kept (no counter, or
    its trigger gone: a migration that rebuilt the feedback table drops its triggers)."""
    try:
        row = store.fetch(
            "SELECT n, (SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name = 'feedback_undone_count') FROM feedback_undone WHERE id = 1"
        )
    except sqlite3.OperationalError:  # no counter
        return None
    return int(row[0][0]) if row and row[0][1] else None


def count_undone_feedback(store: Store) -> bool:
    """Make the catalogue count its deleted feedback rows (for :func:`feedback_since`);
    False when it cannot (a catalogue that cannot be written to)."""
    if _undone(store) is not None:
        return True
    try:
        with store.transaction() as connection:
            for statement in _UNDONE_COUNTER:
                connection.execute(statement)
    except sqlite3.OperationalError:
        return False
    return True


def latest_feedback_rows(store: Store) -> list[tuple[int, int, bool]]:
    """``(id, track row id, liked)`` of the latest feedback of each track, oldest first."""
    rows = store.fetch(
        "SELECT f.id, f.track, f.liked FROM feedback f JOIN (SELECT track, MAX(id) AS id "
        "FROM feedback GROUP BY track) l ON l.id = f.id ORDER BY f.id"
    )
    return [(int(n), int(t), bool(liked)) for n, t, liked in rows]


# --- statistics --------------------------------------------------------------------------------


def stats(store: Store) -> CatalogueStats:
    """Counts per top emotion and source, feature coverage, history and feedback sizes."""
    coverage_columns = ", ".join(
        f"COUNT({n}) AS {n}, " + ", ".join(f"SUM({n}_from = '{p}') AS {n}_{p}" for p in PROVENANCES)
        for n in FEATURE_NAMES
    )
    with store._lock:
        by_emotion = {
            row["top_emotion"]: row["n"]
            for row in store.query(
                "SELECT top_emotion, COUNT(*) AS n FROM predictions GROUP BY top_emotion"
            )
        }
        sources = {
            str(row["source"]): int(row["n"])
            for row in store.query(
                "SELECT source, COUNT(*) AS n FROM tracks GROUP BY source ORDER BY source"
            )
        }
        counts = store.query(f"SELECT {coverage_columns} FROM features")[0]
        plays = store.query_one("SELECT COUNT(*) FROM history")
        given = store.query_one("SELECT COUNT(*) FROM feedback")
        tracks, revision, version = store.count(), store.revision, store.model_version
    coverage = {
        name: {
            "tracks": int(counts[name] or 0),
            **{p: int(counts[f"{name}_{p}"] or 0) for p in PROVENANCES},
        }
        for name in FEATURE_NAMES
    }
    return CatalogueStats(
        path=str(store.path),
        tracks=tracks,
        revision=revision,
        model_version=version,
        by_emotion={e: int(by_emotion.get(e, 0)) for e in EMOTIONS},
        sources=sources,
        coverage=coverage,
        plays=int(plays),
        feedback=int(given),
    )


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array
