"""The catalogue file: its connection, transactions, revision and change detection.

A :class:`Store` is one open SQLite catalogue (see :mod:`moodtune.catalogue.schema`) shared
by the threads of a process: one connection guarded by a lock. It knows whether the file
changed since a value was read from it (:class:`Remembered`), so that what the catalogue
derives from the file (the revision, the arrays, the history) is read again only after a
change, by this or by another process.

Examples
--------
>>> import tempfile, pathlib
>>> folder = tempfile.mkdtemp()
>>> with Store.open(pathlib.Path(folder) / "c.sqlite") as store:
...     (store.count(), store.revision)
(0, 0)
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from moodtune.catalogue.schema import connect
from moodtune.errors import MoodtuneError

__all__ = ["DEFAULT_NAME", "ENV_VAR", "DiskFullError", "Remembered", "Store", "default_path"]

#: Environment variable that names the catalogue file when no path is given.
ENV_VAR = "MOODTUNE_CATALOGUE"
#: File name of the default catalogue inside the user's data directory.
DEFAULT_NAME = "catalogue.sqlite"


class DiskFullError(MoodtuneError):
    """The disk (or SQLite's page limit) could not take a change: nothing of it was written."""


def _is_full(error: BaseException) -> bool:
    """Whether ``error`` says the disk or the database is full (SQLITE_FULL or ENOSPC)."""
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF == sqlite3.SQLITE_FULL
    return isinstance(error, OSError) and error.errno == errno.ENOSPC


def default_path() -> Path:
    """``$MOODTUNE_CATALOGUE``, else ``catalogue.sqlite`` in the user's data directory.

    Examples
    --------
    >>> import os
    >>> os.environ[ENV_VAR] = "/tmp/mine.sqlite"
    >>> str(default_path())
    '/tmp/mine.sqlite'
    >>> del os.environ[ENV_VAR]
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("moodtune", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / DEFAULT_NAME


class Remembered:
    """Values derived from the catalogue file, kept until the file changes.

    The file has not changed while ``PRAGMA data_version`` on ``watch``, a connection of its
    own that never writes, gives the same number: it changes whenever any other connection
    commits to the file, the store's own (``connection``) as well as another process's. That
    check reads no page of the file and takes only this object's small lock, never the
    store's: a reader finds out whether what is remembered is still true without waiting for
    a writer (the values are those of the last commit; a write not yet committed is seen by
    nobody else). Nothing is remembered inside a transaction of ``connection`` (its own
    uncommitted changes). While the store writes (:meth:`holding`), :meth:`peek` gives the
    values as they were when it began, until the writer has read the changed file again.
    Callers must not modify the values they get.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.sqlite"
    >>> writer = sqlite3.connect(path, isolation_level=None)
    >>> memory = Remembered(writer, sqlite3.connect(path, check_same_thread=False))
    >>> memory.get("answer", lambda: 42), memory.peek("answer"), memory.peek("other")
    (42, 42, None)
    >>> _ = writer.execute("CREATE TABLE t (x)")  # a commit: what was remembered is gone
    >>> memory.peek("answer") is None
    True
    """

    def __init__(self, connection: sqlite3.Connection, watch: sqlite3.Connection) -> None:
        self._connection = connection
        self._watch = watch
        self._lock = threading.Lock()  # held for one PRAGMA or a dictionary look, no more
        self._values: dict[Hashable, Any] = {}
        self._stamp: int | None = None
        self._held: dict[Hashable, Any] | None = None  # what peek gives while a write lasts
        self._holds = 0

    def _observe(self) -> int | None:
        """The file's ``data_version`` now (what was remembered for another is dropped);
        None when the watch cannot tell at once (the file locked a moment, or closed).
        Called holding ``self._lock``."""
        try:
            stamp = int(self._watch.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None
        if stamp != self._stamp:
            self._values.clear()
            self._stamp = stamp
        return stamp

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value remembered for ``key``, else ``compute()`` (then remembered).

        ``compute`` runs after the check, so what it reads is at least as new as the file
        the value is remembered for (a commit in between only drops it at the next look)."""
        if self._connection.in_transaction:
            return compute()
        with self._lock:
            stamp = self._observe()
            if stamp is not None and key in self._values:
                return self._values[key]
        value = compute()
        with self._lock:
            if stamp is not None and self._stamp == stamp:
                self._values[key] = value
        return value

    def peek(self, *keys: Hashable) -> Any | None:
        """The value remembered for ``key`` (or, for several keys, the list of their values)
        for the file as it is now, or None when one is not remembered: never computes, runs
        only the one ``PRAGMA data_version`` that tells whether the file changed."""
        with self._lock:
            held = self._held
            if held is None:
                if self._observe() is None:
                    return None
                held = self._values
            found = [held.get(key) for key in keys]
        if any(value is None for value in found):
            return None
        return found[0] if len(keys) == 1 else found

    @contextmanager
    def holding(self) -> Iterator[None]:
        """While a write of the store's connection lasts: from after its ``BEGIN IMMEDIATE``
        (no other connection can commit until its ``COMMIT``) until the writer has read the
        changed file again after it, :meth:`peek` gives what was remembered when it began —
        the file as last committed, for every reader but the writer, whose answer waits for
        the end of this — instead of None in between. Nested holds are one hold."""
        with self._lock:
            if not self._holds:
                self._held = dict(self._values) if self._observe() is not None else {}
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
                if not self._holds:
                    self._held = None

    def close(self) -> None:
        """Close the watch connection and forget what is remembered."""
        with self._lock:
            self._watch.close()
            self._values.clear()
            self._stamp = None


class Store:
    """One open catalogue file. Open it with :meth:`open`; safe to share between threads.

    Several processes may open the same file (SQLite WAL mode).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with Store.open(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as store:
    ...     with store.transaction() as connection:
    ...         store.set_meta(connection, "note", "hello")
    ...     store.meta("note"), [tuple(row) for row in store.query("SELECT 1 AS one")]
    ('hello', [(1,)])
    """

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._connection = connection
        self._lock = threading.RLock()
        try:
            watch = _watch_connection(path)
        except BaseException:
            connection.close()
            raise
        self._remembered = Remembered(connection, watch)
        self._renewing = False
        #: Whether this store created its file (see :meth:`__exit__`).
        self.created = False

    @classmethod
    def open(cls, path: str | Path | None = None, **options: Any) -> Any:
        """Open the catalogue at ``path`` (created when missing; None: :func:`default_path`).

        ``options`` go to the constructor of the class it is called on.
        """
        target = Path(path).expanduser() if path is not None else default_path()
        created = not target.exists()
        try:
            store = cls(target, connect(target), **options)
        except sqlite3.Error as error:
            if created:
                _remove_catalogue(target)
            if _is_full(error):
                raise DiskFullError(
                    f"cannot create the catalogue {str(target)!r}: the disk is full"
                ) from None
            raise
        store.created = created
        return store

    def close(self) -> None:
        """Close the connection (closing twice is harmless)."""
        self._remembered.close()
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        """Close; a catalogue this store created, left by a :class:`DiskFullError`, is removed
        with its WAL files (a full disk leaves no half-filled new catalogue)."""
        self.close()
        if isinstance(error, DiskFullError) and self.created:
            _remove_catalogue(self.path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    # --- state -----------------------------------------------------------------------------

    def count(self) -> int:
        """Number of tracks."""
        return int(self.query_one("SELECT COUNT(*) FROM tracks"))

    @property
    def revision(self) -> int:
        """A counter bumped by every change to tracks, features or predictions."""
        return self.remember(
            "revision",
            lambda: int(self.query_one("SELECT value FROM meta WHERE key = 'revision'")),
        )

    @property
    def model_version(self) -> str | None:
        """Version of the model whose probabilities are stored (None when empty)."""
        return self.remember("model_version", lambda: self.meta("model_version"))

    def remember(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, remembered until the catalogue file changes (:class:`Remembered`)."""
        with self._lock:
            return self._remembered.get(key, compute)

    def recall(self, *keys: Hashable) -> Any | None:
        """What :meth:`remember` keeps for ``key`` (for several keys: the list of what it
        keeps for each) for the file as it is now, or None when one is not kept.

        Never waits for another thread using the catalogue, writing included: it takes only
        the small lock of one ``PRAGMA data_version`` on a connection of its own
        (:class:`Remembered`)."""
        return self._remembered.peek(*keys)

    def _committed(self) -> None:
        """Called after each commit of this store, holding its lock: a subclass reads again
        what its readers will want of the changed file (see ``Catalogue``). Nothing here."""

    def _after_commit(self) -> None:
        """:meth:`_committed`, once at a time (what it reads may commit too), its errors
        dropped: the change is committed, and a reader reads again what is missing."""
        if self._renewing:
            return
        self._renewing = True
        try:
            self._committed()
        except (sqlite3.Error, MoodtuneError):
            pass
        finally:
            self._renewing = False

    # --- statements ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside ``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on error),
        holding the lock."""
        with self._lock:
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            with self._remembered.holding():  # readers: the file as last committed meanwhile
                try:
                    yield connection
                    connection.execute("COMMIT")
                except BaseException as error:
                    if connection.in_transaction:  # SQLite may have rolled back already
                        connection.execute("ROLLBACK")
                    if _is_full(error):
                        raise self._disk_full() from None
                    raise
                self._after_commit()

    def _disk_full(self) -> DiskFullError:
        """After a change a full disk stopped (rolled back): give the WAL's space back and
        say so in one line."""
        with suppress(sqlite3.Error):
            self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        gone = " (the new catalogue is removed)" if self.created else ""
        return DiskFullError(
            f"the disk holding the catalogue {str(self.path)!r} is full: nothing of this change "
            f"was written{gone}; free some space and run it again"
        )

    def query(self, query: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Every row of ``query`` (rows read by column name: ``row["title"]``)."""
        with self._lock:
            cursor = self._connection.execute(query, tuple(parameters))
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()

    def fetch(self, query: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of ``query`` as a plain tuple (for many rows whose columns the query
        names in a known order: cheaper than :meth:`query`'s rows)."""
        with self._lock:
            return self._connection.execute(query, tuple(parameters)).fetchall()

    def query_one(self, query: str, parameters: Sequence[Any] = ()) -> Any:
        """The first column of the first row of ``query``, or None."""
        with self._lock:
            row = self._connection.execute(query, tuple(parameters)).fetchone()
        return None if row is None else row[0]

    def meta(self, key: str, connection: sqlite3.Connection | None = None) -> str | None:
        """A value of the ``meta`` table (read on ``connection`` inside a transaction)."""
        if connection is not None:
            row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return None if row is None else row[0]
        return self.query_one("SELECT value FROM meta WHERE key = ?", (key,))

    @staticmethod
    def set_meta(connection: sqlite3.Connection, key: str, value: str) -> None:
        """Set a value of the ``meta`` table (inside a transaction)."""
        connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @staticmethod
    def bump(connection: sqlite3.Connection) -> None:
        """Increase the revision (inside the transaction that changed the tracks)."""
        connection.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'"
        )

    def rowid(self, track_id: str) -> int:
        """The internal row id of a track; :class:`MoodtuneError` when there is none."""
        rowid = self.query_one("SELECT rowid FROM tracks WHERE id = ?", (str(track_id),))
        if rowid is None:
            raise MoodtuneError(f"no track with id {track_id!r} in the catalogue {self.path}")
        return int(rowid)


def _watch_connection(path: Path) -> sqlite3.Connection:
    """A connection to the catalogue at ``path`` that only asks ``PRAGMA data_version``
    (:class:`Remembered`): read-only, shared by threads (under the caller's lock), and
    answering "busy" after 50 ms rather than the usual 5 s (the caller then reads the file
    the slow way)."""
    options: dict[str, Any] = {"check_same_thread": False, "isolation_level": None}
    try:
        return sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.05, **options
        )
    except sqlite3.Error:  # e.g. no -shm file beside a read-only WAL file: not read-only then
        return sqlite3.connect(path, timeout=0.05, **options)


def _remove_catalogue(path: Path) -> None:
    """Remove a catalogue file and its ``-wal`` and ``-shm`` files, where they exist."""
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)
