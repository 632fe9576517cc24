"""What the recommender and the web read of a catalogue and write to it, whatever holds it.

Small protocols (:class:`typing.Protocol`: any class with these methods fits, no base
class needed):

- :class:`CatalogueView`, what a recommendation reads: the searchable arrays of the current
  revision, a :class:`~moodtune.catalogue.snapshot.Snapshot` (the arrays with the recent
  plays, likes and dislikes), the same only when it is in memory (never waiting for a
  writer: what an event loop may call), the display rows of the k tracks returned (by their
  positions in the arrays) and the revision (a counter that changes whenever the tracks do);
- :class:`ListeningLog`, what listening writes: plays and 👍/👎 (and reads back: a track's
  latest verdict, and its record, which the synthetic listener of
  :mod:`moodtune.recommend.simulation` looks at).

:class:`ServedCatalogue` is both, with :class:`ListeningHistory` (the history and the mood
journal) and what the web app shows besides (count, model version, local audio). The SQLite
:class:`~moodtune.catalogue.sqlite.Catalogue` implements them all (the catalogue the CLI and
the web open, :func:`moodtune.catalogue.builtin.open_catalogue`);
:class:`~moodtune.catalogue.memory.MemoryCatalogue` is one held in memory, for tests.

The recommender speaks only of positions in the arrays (0..n-1) and of track ids; the keys a
store gives its tracks (SQLite row ids) stay inside the store.

Examples
--------
>>> import tempfile, pathlib
>>> from moodtune.catalogue.builtin import open_catalogue
>>> from moodtune.catalogue.memory import MemoryCatalogue
>>> import pandas as pd
>>> from moodtune.data.readers import tidy
>>> with open_catalogue(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
...     on_file = isinstance(catalogue, ServedCatalogue)
>>> table = tidy(pd.DataFrame({"track_id": ["a"], "tempo": [90.0], "danceability": [0.3],
...     "energy": [0.2], "valence": [0.2], "loudness": [-12.0], "acousticness": [0.8],
...     "instrumentalness": [0.1], "speechiness": [0.05], "liveness": [0.1]}), source="one")
>>> on_file, isinstance(MemoryCatalogue.of(table), ServedCatalogue)
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from moodtune.catalogue.arrays import CatalogueArrays
    from moodtune.catalogue.history import HistoryRow
    from moodtune.catalogue.journal import Asked, Entry
    from moodtune.catalogue.records import DisplayRow, TrackRecord
    from moodtune.catalogue.snapshot import Snapshot

__all__ = ["CatalogueView", "ListeningHistory", "ListeningLog", "ServedCatalogue"]


@runtime_checkable
class CatalogueView(Protocol):
    """What :class:`~moodtune.recommend.recommender.MusicRecommender` reads of a catalogue."""

    @property
    def where(self) -> str:
        """Where the catalogue is, for messages (a file's path, "in memory")."""
        ...

    @property
    def revision(self) -> int:
        """A counter that changes whenever the tracks change (an import, a reclassification;
        not plays nor feedback): equal revisions, equal tracks."""
        ...

    def arrays(self) -> CatalogueArrays:
        """The searchable arrays of the current revision (the same object while the tracks
        do not change: the recommender keeps its rankings per arrays object)."""
        ...

    def snapshot(self, plays: int) -> Snapshot:
        """The arrays with the tracks among the last ``plays`` plays, the liked and the
        disliked tracks (read now when not in memory)."""
        ...

    def snapshot_in_memory(self, plays: int) -> Snapshot | None:
        """:meth:`snapshot` when it needs no reading, else None. Never waits: not for a
        reading, nor for another thread writing (a play, a 👍/👎: the snapshot is the
        catalogue as last committed), nor for another process; after a change committed
        through this object, the changed snapshot (not the one before it)."""
        ...

    def display_rows(
        self, arrays: CatalogueArrays, positions: Sequence[int] | None = None
    ) -> dict[int, DisplayRow]:
        """Position in ``arrays`` → the :data:`~moodtune.catalogue.records.DisplayRow` of the
        track there, for ``positions`` (None: every track)."""
        ...


@runtime_checkable
class ListeningLog(Protocol):
    """What listening writes to a catalogue (plays, 👍/👎), and a track's record."""

    def track(self, track_id: str) -> TrackRecord | None:
        """The track with this id, or None."""
        ...

    def record_played(self, track_id: str) -> None:
        """Add a play of ``track_id`` to the listening history."""
        ...

    def add_feedback(
        self, track_id: str, liked: bool, context: dict[str, Any] | None = None
    ) -> None:
        """Store a like (``liked``) or a dislike of ``track_id``, with where it was given."""
        ...

    def verdict(self, track_id: str) -> bool | None:
        """The latest like (True) or dislike (False) of ``track_id``, None when it has none."""
        ...


@runtime_checkable
class ListeningHistory(Protocol):
    """The listener's history (plays, likes, dislikes: list, undo one, clear all) and the
    mood journal (the requests for music and the lists they got), as the web app shows them."""

    def events(self, limit: int = 50) -> list[HistoryRow]:
        """The last ``limit`` plays, likes and dislikes, newest first
        (:class:`~moodtune.catalogue.history.HistoryRow`)."""
        ...

    def undo(self, event_id: str) -> bool:
        """Remove one entry of the history (its ``id``); False when there is none."""
        ...

    def clear_history(self) -> int:
        """Remove every play, like and dislike and the journal's requests; how many went."""
        ...

    def keep_request(self, asked: Asked, at: str | None = None) -> int:
        """Write a request and its list to the journal (``at``: ISO-8601 UTC, default now);
        its id (:class:`~moodtune.catalogue.journal.Asked`)."""
        ...

    def requests(self, limit: int = 50) -> list[Entry]:
        """The last ``limit`` requests of the journal, newest first."""
        ...

    def request(self, number: int) -> Entry | None:
        """The request ``number`` of the journal, or None."""
        ...


@runtime_checkable
class ServedCatalogue(CatalogueView, ListeningLog, ListeningHistory, Protocol):
    """A catalogue as the web app serves it: what the recommender reads, what listening
    writes, the history and the journal, and the track count, the model version and local
    audio files."""

    @property
    def model_version(self) -> str | None:
        """The version of the model that classified the tracks (None: no tracks)."""
        ...

    def count(self) -> int:
        """How many tracks the catalogue holds."""
        ...

    def audio_path(self, track_id: str) -> Path | None:
        """The local audio file of a track, when it has one that exists."""
        ...

    def close(self) -> None:
        """Let go of what the catalogue holds open."""
        ...
