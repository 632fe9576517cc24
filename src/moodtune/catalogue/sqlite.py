"""The music catalogue: tracks, features with provenance, predicted emotions, history, feedback.

A :class:`Catalogue` implements the protocols of :mod:`moodtune.catalogue.protocol` (what
the recommender and the web read and write) on one SQLite file (see
:mod:`moodtune.catalogue.schema`). Its parts live in one module each: the file, its
transactions and change detection in :mod:`~moodtune.catalogue.store`, importing and
classifying in :mod:`~moodtune.catalogue.ingest`, reading tracks, history, feedback and
statistics in :mod:`~moodtune.catalogue.queries`, and what a recommendation reads in
:mod:`~moodtune.catalogue.snapshot`. The catalogue keeps every track classified by one model
version: when that version changes (a new default model, or another model given), it
reclassifies itself before it is used.

A catalogue opened here starts empty; :func:`moodtune.catalogue.builtin.open_catalogue`
opens one filled, when new, with the built-in tracks (what the CLI and the web app use).

Examples
--------
>>> import tempfile, pathlib
>>> with Catalogue.open(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
...     catalogue.count()
0
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from moodtune.catalogue import classification, history, ingest, journal, queries
from moodtune.catalogue.arrays import CatalogueArrays, load_arrays
from moodtune.catalogue.classification import Classified, classify
from moodtune.catalogue.feedback_log import FeedbackLog
from moodtune.catalogue.ingest import ImportReport, artist_key
from moodtune.catalogue.queries import CatalogueStats, Feedback
from moodtune.catalogue.records import DisplayRow, TrackRecord
from moodtune.catalogue.snapshot import SHARED_ARRAYS, Snapshot
from moodtune.catalogue.store import DEFAULT_NAME, ENV_VAR, Store, default_path
from moodtune.catalogue.taste import FeedbackState
from moodtune.data.table import TrackTable
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel

__all__ = [
    "DEFAULT_NAME",
    "ENV_VAR",
    "Catalogue",
    "CatalogueStats",
    "Classified",
    "Feedback",
    "ImportReport",
    "TrackRecord",
    "artist_key",
    "classify",
    "default_path",
]


class Catalogue(Store):
    """A music catalogue in one SQLite file. Open it with :meth:`open`.

    Safe to share between threads (one connection, guarded by a lock); several processes may
    open the same file (SQLite WAL mode).
    """

    def __init__(
        self, path: Path, connection: sqlite3.Connection, model: EmotionModel | None = None
    ) -> None:
        super().__init__(path, connection)
        self._model = model
        self._arrays: CatalogueArrays | None = None
        self._served: set[int] = set()  # the ``plays`` of the snapshots given (see _committed)

    @classmethod
    def open(  # type: ignore[override]
        cls,
        path: str | Path | None = None,
        *,
        model: EmotionModel | None = None,
        fill_builtin: bool = False,
    ) -> Catalogue:
        """Open the catalogue at ``path`` (created, empty, when missing).

        ``None`` means :func:`default_path`. ``model`` classifies the tracks (default: the
        model shipped with moodtune). ``fill_builtin`` is kept for old calls and must be
        False: a catalogue filled with the built-in tracks is opened by
        :func:`moodtune.catalogue.builtin.open_catalogue`.
        """
        if fill_builtin:
            raise MoodtuneError(
                "Catalogue.open no longer fills a catalogue: use "
                "moodtune.catalogue.builtin.open_catalogue"
            )
        return super().open(path, model=model)

    @property
    def where(self) -> str:
        """The catalogue's file, for messages."""
        return str(self.path)

    # --- classification --------------------------------------------------------------------

    @property
    def model(self) -> EmotionModel:
        """The model that classifies this catalogue's tracks (loaded on first use)."""
        if self._model is None:
            self._model = EmotionModel.default()
        return self._model

    def model_version_now(self) -> str:
        """``self.model.version``, hashed once per model object (a model is not changed in
        place; hashing its weights took ~0.7 ms, on every request)."""
        model = self.model
        kept = self.__dict__.get("_version_of")
        if kept is None or kept[0] is not model:
            kept = (model, model.version)
            self.__dict__["_version_of"] = kept
        return kept[1]

    def import_table(
        self,
        table: TrackTable,
        *,
        source: str,
        provenance: str | Mapping[str, str] = "provider",
        audio_paths: Sequence[str | Path | None] | None = None,
        preview_urls: Sequence[str | None] | None = None,
    ) -> ImportReport:
        """Add or update the tracks of ``table`` and classify them, in one transaction.

        A track is identified by the table's ``track_id`` (a Spotify id, say) or, without
        one, by a hash of its title, artist, album and feature values. A track already present
        with the same values is left alone, so importing the same table twice changes nothing.
        ``provenance`` says where the feature values came from: one of provider, measured,
        estimated, for all features or per feature name. ``audio_paths`` (local files or
        http(s) URLs) and ``preview_urls`` have one entry per row.
        """
        return ingest.import_table(
            self,
            self.model,
            table,
            source=source,
            provenance=provenance,
            audio_paths=audio_paths,
            preview_urls=preview_urls,
        )

    def reclassify(self, model: EmotionModel | None = None) -> int:
        """Classify every track again (with ``model``, which then becomes this catalogue's).

        Returns the number of tracks classified.
        """
        if model is not None:
            self._model = model
        with self.transaction() as connection:
            return classification.classify_all(self, connection, self.model, force=True)

    def ensure_classified(self) -> bool:
        """Reclassify when the stored probabilities come from another model version.

        Returns True when it reclassified.
        """
        stored = self.model_version  # None while the catalogue is empty
        if stored is None or stored == self.model_version_now():
            return False
        with self.transaction() as connection:
            return classification.classify_all(self, connection, self.model, force=False) > 0

    # --- what a recommendation reads --------------------------------------------------------

    def arrays(self) -> CatalogueArrays:
        """The numpy view of the catalogue used by the recommender, loaded once per revision.

        Reclassifies first when the model version changed. The arrays are shared by every
        :class:`Catalogue` of this process open on the same file (:data:`SHARED_ARRAYS
        <moodtune.catalogue.snapshot.SHARED_ARRAYS>`), so opening one per request does not
        reload them. While the file does not change, this costs one ``PRAGMA data_version``.
        """
        return self.remember(("arrays", self.model_version_now()), self._current_arrays)

    def _current_arrays(self) -> CatalogueArrays:
        self.ensure_classified()
        with self._lock:
            revision = self.revision
            if self._arrays is None or self._arrays.revision != revision:
                key = (str(self.path.resolve()), self.meta("uid"), revision)
                self._arrays = SHARED_ARRAYS.get_or_load(
                    key, lambda: load_arrays(self._connection, revision)
                )
            return self._arrays

    def snapshot(self, plays: int) -> Snapshot:
        """The arrays, the tracks among the last ``plays`` plays, the liked and the disliked
        tracks, read from the file where they are not in memory.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from moodtune.catalogue.builtin import open_catalogue
        >>> with open_catalogue(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as catalogue:
        ...     before = catalogue.snapshot_in_memory(100)
        ...     taken = catalogue.snapshot(100)
        ...     after = catalogue.snapshot_in_memory(100)
        >>> before is None, taken.arrays.size, after.arrays is taken.arrays
        (True, 28, True)
        """
        self._served.add(int(plays))
        feedback = self.feedback_state()
        arrays, recent = self.arrays(), self.recent_rowids(plays)
        return Snapshot(arrays, recent, feedback.disliked, feedback.liked, feedback)

    def snapshot_in_memory(self, plays: int) -> Snapshot | None:
        """:meth:`snapshot` when all of it is in memory for the file as it is now, else None.

        Runs one ``PRAGMA data_version`` (a few microseconds: it reads no page of the file)
        on a connection of its own and nothing else: no other query, no model loading, no
        reclassification, and no wait for another thread using the catalogue, a writer
        included (:meth:`~moodtune.catalogue.store.Store.recall`). After this catalogue's
        own commits (a play, a 👍/👎) the writer has read the changed parts again
        (:meth:`_committed`), so the answer is there at once; after another process's, it is
        None until :meth:`snapshot` reads the file again.
        """
        if self._model is None:
            return None
        plays = max(int(plays), 0)
        keys: list[object] = [("arrays", self.model_version_now()), "feedback"]
        found = self.recall(*keys, *([("recent", plays)] if plays > 0 else []))
        if found is None:
            return None
        arrays, feedback, *recent = found
        recent_keys = recent[0] if recent else _NONE
        return Snapshot(arrays, recent_keys, feedback.disliked, feedback.liked, feedback)

    def _committed(self) -> None:
        """After each commit of this catalogue (a play, a 👍/👎, an undo, an import), holding
        its lock: read again, in the writer's thread, what the snapshots given so far need
        (the recent plays, the latest 👍/👎, the arrays) and the mask and taste of the
        feedback over the arrays, so that :meth:`snapshot_in_memory` answers at once after
        it (a reader would otherwise read them itself, waiting for the writers): after
        :meth:`~moodtune.catalogue.store.Store.batch`, once for all its writes."""
        for plays in sorted(self._served):
            taken = self.snapshot(plays)
            if taken.feedback is not None:
                taken.feedback.for_arrays(taken.arrays)

    # --- tracks ----------------------------------------------------------------------------

    def track(self, track_id: str) -> TrackRecord | None:
        """The track with catalogue id ``track_id``, or None."""
        found = queries.track_records(self, "t.id = ?", (str(track_id),))
        return found[0][1] if found else None

    def tracks_by_rowid(self, rowids: Sequence[int]) -> dict[int, TrackRecord]:
        """Records of the given internal row ids (as in :attr:`CatalogueArrays.rowids`)."""
        wanted = [int(r) for r in rowids]
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        return dict(queries.track_records(self, f"t.rowid IN ({marks})", wanted))

    def display_rows(
        self, arrays: CatalogueArrays, positions: Sequence[int] | None = None
    ) -> dict[int, DisplayRow]:
        """What a recommendation shows of the tracks at ``positions`` of ``arrays`` (None:
        every track), by position: ``(id, title, artists, spotify_id, audio_path,
        audio_url, preview_url)`` (:data:`~moodtune.catalogue.queries.DISPLAY_COLUMNS`)."""
        if positions is None:
            rows = queries.display_rows(self, None)
            return {at: rows[key] for at, key in enumerate(arrays.rowids.tolist())}
        wanted = [int(at) for at in positions]
        keys = arrays.rowids[np.asarray(wanted, dtype=np.int64)].tolist()
        rows = queries.display_rows(self, keys)
        return {at: rows[key] for at, key in zip(wanted, keys, strict=True)}

    def audio_path(self, track_id: str) -> Path | None:
        """The local audio file of a catalogue track, when it has one that exists."""
        return queries.audio_path(self, track_id)

    # --- history and feedback --------------------------------------------------------------

    def record_played(self, track_id: str) -> None:
        """Add a play of ``track_id`` to the listening history."""
        queries.record_played(self, track_id)

    def recent_rowids(self, plays: int) -> np.ndarray:
        """Row ids of the tracks among the last ``plays`` plays, shape (m,), int64, the most
        recently played first; remembered while the file does not change."""
        if plays <= 0:
            return _NONE
        return self.remember(("recent", int(plays)), lambda: queries.recent_rowids(self, plays))

    def add_feedback(self, track_id: str, liked: bool, context: dict | None = None) -> None:
        """Store a like (``liked=True``) or dislike of a track; disliked tracks are not
        recommended again until liked."""
        queries.add_feedback(self, track_id, liked, context)

    def give_feedback(self, track_id: str, liked: bool, context: dict | None = None) -> bool:
        """:meth:`add_feedback` unless it is the track's latest verdict already; whether it
        was stored (:func:`moodtune.catalogue.history.give_feedback`, in one statement)."""
        return queries.add_feedback(self, track_id, liked, context, unless_same=True)

    def verdict(self, track_id: str) -> bool | None:
        """The latest 👍 (True) or 👎 (False) of ``track_id``, None when it has none."""
        return queries.verdict(self, track_id)

    def feedback(self) -> list[Feedback]:
        """All feedback, oldest first."""
        return queries.feedback(self)

    def disliked_rowids(self) -> np.ndarray:
        """Row ids of tracks whose latest feedback is a dislike, shape (m,), int64, the most
        recent first; remembered while the file does not change."""
        return self.feedback_state().disliked

    def liked_rowids(self) -> np.ndarray:
        """Row ids of tracks whose latest feedback is a like (as :meth:`disliked_rowids`)."""
        return self.feedback_state().liked

    def feedback_state(self) -> FeedbackState:
        """The latest 👍/👎 of each track (:class:`~moodtune.catalogue.taste.FeedbackState`),
        brought up to date from the rows added since it was last read (never the whole
        feedback table again, unless rows were undone)."""
        log = self.__dict__.get("_feedback_log") or self.__dict__.setdefault(
            "_feedback_log", FeedbackLog()
        )
        log.prepare(self)
        return self.remember("feedback", lambda: log.refresh(self))

    # --- the history and the mood journal (ListeningHistory) --------------------------------

    def events(self, limit: int = history.DEFAULT_LIMIT) -> list[history.HistoryRow]:
        """The last ``limit`` plays, likes and dislikes, newest first
        (:func:`moodtune.catalogue.history.rows`)."""
        return history.rows(self, limit)

    def undo(self, event_id: str) -> bool:
        """Remove one entry of the history (:func:`moodtune.catalogue.history.undo`)."""
        return history.undo(self, event_id)

    def clear_history(self) -> int:
        """Remove the history and the journal; how many entries went
        (:func:`moodtune.catalogue.history.clear_history`)."""
        return history.clear_history(self)

    def keep_request(self, asked: journal.Asked, at: str | None = None) -> int:
        """Write a request to the mood journal (:func:`moodtune.catalogue.journal.record`)."""
        return journal.record(self, asked, at)

    def requests(self, limit: int = 50) -> list[journal.Entry]:
        """The last ``limit`` requests of the journal, newest first
        (:func:`moodtune.catalogue.journal.entries`)."""
        return journal.entries(self, limit)

    def request(self, number: int) -> journal.Entry | None:
        """The request ``number`` of the journal, or None."""
        return journal.entry(self, number)

    def stats(self) -> CatalogueStats:
        """Counts per top emotion and source, feature coverage, history and feedback sizes."""
        self.ensure_classified()
        return queries.stats(self)


_NONE = np.zeros(0, dtype=np.int64)
_NONE.flags.writeable = False
