"""Values derived from a catalogue file, kept until the file changes (:class:`Remembered`).

The :class:`~moodtune.catalogue.store.Store` of a catalogue keeps what it reads of its file
here (the revision, the arrays, the history), so that a reader finds out whether it is still
true without reading the file, nor waiting for a writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Remembered"]


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
