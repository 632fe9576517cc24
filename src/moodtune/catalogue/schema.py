"""The SQLite schema of the catalogue, its version, and opening a connection to it.

One file holds everything: tracks, their features (each value with its provenance), the
predicted emotion probabilities with the model version that produced them, listening history
and feedback. ``PRAGMA user_version`` holds the schema version; ``meta`` holds the revision
counter (bumped by every change to tracks, features or predictions), the model version and a
random uid that tells catalogues apart.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from moodtune.data.features import FEATURE_NAMES
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError

__all__ = [
    "PROBABILITY_COLUMNS",
    "PROVENANCES",
    "READING_COLUMNS",
    "SCHEMA_VERSION",
    "connect",
    "provenance_column",
]

#: Version of the schema below; a catalogue written by a newer moodtune is refused, an older
#: one is migrated (2: the valence/arousal reading beside the probabilities; 3: the mood
#: journal, table ``requests``, created empty beside the data already there).
SCHEMA_VERSION = 3

#: Where a feature value came from.
PROVENANCES: tuple[str, ...] = ("provider", "measured", "estimated")

#: Column of the probability of each emotion in ``predictions``.
PROBABILITY_COLUMNS: tuple[str, ...] = tuple(f"p_{name}" for name in EMOTIONS)
#: The reading learned from listeners (−1..1) and the same standardised against a typical
#: track (z), in ``predictions``; NULL when the model has no reading for the track's features.
READING_COLUMNS: tuple[str, ...] = (
    "reading_valence",
    "reading_arousal",
    "reading_z_valence",
    "reading_z_arousal",
)


def provenance_column(feature: str) -> str:
    """``"valence"`` → ``"valence_from"``: the column holding where that value came from."""
    return f"{feature}_from"


#: The mood journal (schema 3, see :mod:`moodtune.catalogue.journal`).
_JOURNAL = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,           -- the mood journal: one row per request for music
    asked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    source TEXT NOT NULL,             -- photo, words, photo+words, picked, described
    emotion TEXT NOT NULL,            -- the mood read (its top emotion)
    confidence REAL,                  -- its probability, 0..1
    mode TEXT NOT NULL,
    tracks TEXT NOT NULL              -- JSON list of [track id, score, reason], in order
);
"""


def _schema() -> str:
    allowed = ", ".join(f"'{p}'" for p in PROVENANCES)
    feature_columns = ",\n    ".join(
        f"{name} REAL, {provenance_column(name)} TEXT CHECK ({provenance_column(name)} "
        f"IN ({allowed}))"
        for name in FEATURE_NAMES
    )
    probability_columns = ",\n    ".join(
        [f"{c} REAL NOT NULL" for c in PROBABILITY_COLUMNS] + [f"{c} REAL" for c in READING_COLUMNS]
    )
    return (
        f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS artists (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE          -- primary artist, case-folded
);
CREATE TABLE IF NOT EXISTS tracks (
    rowid INTEGER PRIMARY KEY,        -- dense code used by the in-memory arrays
    id TEXT NOT NULL UNIQUE,          -- catalogue id (the table's track id, or derived)
    title TEXT,
    artists TEXT,                     -- as given, e.g. "A, B"
    artist_id INTEGER REFERENCES artists(id),
    album TEXT,
    source TEXT NOT NULL,             -- where the track was imported from
    spotify_id TEXT,
    audio_path TEXT,                  -- local audio file, absolute path
    audio_url TEXT,                   -- remote audio
    preview_url TEXT,
    content_hash INTEGER NOT NULL,    -- hash of everything imported, for idempotent import
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS features (
    track INTEGER PRIMARY KEY REFERENCES tracks(rowid) ON DELETE CASCADE,
    {feature_columns}
);
CREATE TABLE IF NOT EXISTS predictions (
    track INTEGER PRIMARY KEY REFERENCES tracks(rowid) ON DELETE CASCADE,
    model_version TEXT NOT NULL,
    top_emotion TEXT NOT NULL,
    {probability_columns}
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY,
    track INTEGER NOT NULL REFERENCES tracks(rowid) ON DELETE CASCADE,
    played_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    track INTEGER NOT NULL REFERENCES tracks(rowid) ON DELETE CASCADE,
    liked INTEGER NOT NULL CHECK (liked IN (0, 1)),
    context TEXT,                     -- JSON object, e.g. the emotion reading
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS feedback_track ON feedback(track);
"""
        + _JOURNAL
    )


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the catalogue at ``path``, in WAL mode, schema up to date.

    On any error the connection is closed before the error is raised (nothing is left open).
    """
    if not path.parent.is_dir():
        raise MoodtuneError(f"cannot create the catalogue {str(path)!r}: its folder does not exist")
    try:
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    except sqlite3.DatabaseError as error:
        raise MoodtuneError(f"{str(path)!r} is not a moodtune catalogue ({error})") from None
    try:
        _prepare(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


def _prepare(connection: sqlite3.Connection, path: Path) -> None:
    """Check the schema version of a new connection, set its pragmas, create the schema."""
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise MoodtuneError(f"{str(path)!r} is not a moodtune catalogue ({error})") from None
    if version > SCHEMA_VERSION:
        raise MoodtuneError(
            f"the catalogue {str(path)!r} has schema version {version}, newer than this "
            f"moodtune understands ({SCHEMA_VERSION}); upgrade moodtune"
        )
    if version == 0:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if names:
            raise MoodtuneError(
                f"{str(path)!r} is an SQLite file but not a moodtune catalogue "
                f"(it has tables {', '.join(sorted(names))})"
            )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    if version < SCHEMA_VERSION:
        connection.execute("BEGIN")
        try:
            _migrate(connection, version)
            _create(connection)
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            connection.execute("INSERT OR IGNORE INTO meta VALUES ('revision', '0')")
            connection.execute(
                "INSERT OR IGNORE INTO meta VALUES ('uid', lower(hex(randomblob(16))))"
            )
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


def _migrate(connection: sqlite3.Connection, version: int) -> None:
    """Bring a catalogue of an older schema up to date, in the open transaction."""
    if version == 1:  # 1 → 3; 2 → 3 needs only the new table (created by _create)
        for column in READING_COLUMNS:
            connection.execute(f"ALTER TABLE predictions ADD COLUMN {column} REAL")
        # The stored probabilities predate the reading: classify again on next use.
        connection.execute("UPDATE meta SET value = '' WHERE key = 'model_version'")


def _create(connection: sqlite3.Connection) -> None:
    # executescript() would commit the open transaction; run the statements one by one.
    for statement in _schema().split(";"):
        if statement.strip():
            connection.execute(statement)
