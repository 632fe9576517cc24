"""The latest 👍/👎 of each track of a SQLite catalogue, kept up to date from new rows.

See :mod:`moodtune.catalogue.taste` for what the feedback does to the rankings, and for the
:class:`~moodtune.catalogue.taste.FeedbackState` this gives.

Examples
--------
>>> import tempfile, pathlib
>>> from moodtune.catalogue.builtin import open_catalogue
>>> with open_catalogue(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
...     ids = [catalogue.tracks_by_rowid([r])[r].track_id for r in (1, 2)]
...     for track, liked in ((ids[0], False), (ids[1], True), (ids[0], True)):
...         catalogue.add_feedback(track, liked)
...     state = FeedbackLog().refresh(catalogue)
>>> state.liked.tolist(), state.disliked.tolist()
([1, 2], [])
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np

from moodtune.catalogue import queries
from moodtune.catalogue.taste import FeedbackState

if TYPE_CHECKING:
    from moodtune.catalogue.store import Store

__all__ = ["FeedbackLog"]


class FeedbackLog:
    """The latest like or dislike of each track of one catalogue, kept up to date from the
    rows added to its ``feedback`` table (see the module's docstring). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._liked: dict[int, int] = {}  # row id → feedback id, oldest first
        self._disliked: dict[int, int] = {}
        self._last = 0  # highest feedback id read
        self._undone: int | None = None  # feedback rows deleted, as counted then
        self._state: FeedbackState | None = None
        self._prepared = False

    def prepare(self, store: Store) -> None:
        """Have ``store`` count its undone feedback (a write, once: before reading, so that
        what was read before it is not dropped as changed)."""
        if not self._prepared:
            queries.count_undone_feedback(store)
            self._prepared = True

    def refresh(self, store: Store) -> FeedbackState:
        """The state for the feedback table of ``store`` as it is now."""
        with self._lock:
            top, undone, new = queries.feedback_since(store, self._last)
            if undone is None or undone != self._undone or top < self._last:
                self._liked.clear()
                self._disliked.clear()
                new = queries.latest_feedback_rows(store)
            elif not new and self._state is not None:
                return self._state
            for number, track, liked in new:
                self._note(number, track, liked)
            self._last, self._undone = top, undone
            self._state = FeedbackState(
                _newest_first(self._liked), _newest_first(self._disliked), previous=self._state
            )
            return self._state

    def _note(self, number: int, track: int, liked: bool) -> None:
        self._liked.pop(track, None)
        self._disliked.pop(track, None)
        (self._liked if liked else self._disliked)[track] = number


def _newest_first(entries: dict[int, int]) -> np.ndarray:
    array = np.fromiter(reversed(entries), dtype=np.int64, count=len(entries))
    array.flags.writeable = False
    return array
