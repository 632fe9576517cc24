"""The catalogue file: its connection, transactions, revision and change detection.

A :class:`Store` is one open SQLite catalogue (see :mod:`moodtune.catalogue.schema`) shared
by the threads of a process: one connection guarded by a lock. It knows whether the file
changed since a value was read from it (:class:`Remembered`), so that what the catalogue
derives from the file (the revision, the arrays, the history) is read again only after a
change, by this or by another process (:class:`Remembered`, in
:mod:`~moodtune.catalogue.remembered`).

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

from moodtune.catalogue.remembered import Remembered
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
        self._failed: list[BaseException] | None = None  # in a batch: its error, if any
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
        holding the lock. Inside :meth:`batch`, the batch's transaction: an error in it
        rolls every write of the batch back."""
        with self._lock:
            connection = self._connection
            if self._failed is not None:  # in a batch: part of its one transaction
                if self._failed:
                    raise self._failed[0]
                try:
                    yield connection
                except BaseException as error:
                    self._failed.append(error)
                    raise
                return
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

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Every :meth:`transaction` of this thread inside it is part of one transaction,
        committed at its end (one commit, one :meth:`_committed`), holding the lock; the
        first error in one of them rolls all back, raised again at the end (a write refused
        before its transaction, such as a 👍 of an unknown track, is no error of the batch).
        The web app writes its queued plays and 👍/👎 so (``moodtune.web.writes``); until
        the end, readers get the catalogue as last committed (:meth:`recall`).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with Store.open(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as store:
        ...     with store.batch():
        ...         for key in ("a", "b"):
        ...             with store.transaction() as connection:
        ...                 store.set_meta(connection, key, key.upper())
        ...         inside = store._connection.in_transaction  # not committed yet
        ...     store.meta("a"), store.meta("b"), inside, store._connection.in_transaction
        ('A', 'B', True, False)
        """
        with self.transaction():
            self._failed = []
            try:
                yield
            finally:
                failed, self._failed = self._failed, None
            if failed:
                raise failed[0]

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
