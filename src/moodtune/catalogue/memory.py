"""A catalogue held in memory: the protocols of :mod:`moodtune.catalogue.protocol` without
a file, for tests and for trying a recommender on a table.

It holds what importing a table into a new SQLite catalogue would store (the same records,
track ids and predictions, :func:`moodtune.catalogue.ingest.import_table`), so a seeded
recommender gives the same tracks on both. Plays, 👍/👎 and the mood journal are kept in
memory, listed and undone as the SQLite catalogue does it (:mod:`moodtune.catalogue.history`,
:mod:`moodtune.catalogue.journal`), and forgotten with the object.

Examples
--------
>>> from moodtune.audio.builtin import builtin_catalogue
>>> table, audio_paths, provenance = builtin_catalogue()
>>> catalogue = MemoryCatalogue.of(table, provenance=provenance, audio_paths=audio_paths)
>>> catalogue.count(), catalogue.arrays().size, catalogue.where
(28, 28, 'in memory')
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moodtune.catalogue.arrays import SIMILARITY_FEATURES, CatalogueArrays, build_arrays
from moodtune.catalogue.classification import Classified
from moodtune.catalogue.history import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    HistoryRow,
    parse_event_id,
    reason_for,
)
from moodtune.catalogue.ingest import _prepare, artist_key
from moodtune.catalogue.journal import MAX_ENTRIES, Asked, Entry, checked
from moodtune.catalogue.records import DisplayRow, TrackRecord
from moodtune.catalogue.schema import provenance_column
from moodtune.catalogue.snapshot import Snapshot
from moodtune.catalogue.taste import FeedbackState
from moodtune.data.features import FEATURE_NAMES
from moodtune.data.table import TrackTable
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel

__all__ = ["MemoryCatalogue"]

_TEXT = ("title", "artists", "album", "spotify_id", "audio_path", "audio_url", "preview_url")


class MemoryCatalogue:
    """Tracks, their predictions, plays and 👍/👎 in memory (thread-safe).

    Make one with :meth:`of`. ``records`` has one row per track (the columns
    :func:`moodtune.catalogue.ingest.import_table` stores, the id first), ``classified``
    their predictions by the model of version ``model_version``; tracks are keyed 1..n in
    the order of ``records``, as a new SQLite catalogue numbers them. ``clock`` gives the
    time of a play, a 👍/👎 or a request (ISO-8601 UTC; default: now).
    """

    def __init__(
        self,
        records: pd.DataFrame,
        classified: Classified,
        model_version: str,
        source: str,
        clock: Callable[[], str] | None = None,
    ) -> None:
        self._records = records.reset_index(drop=True)
        self._classified = classified
        self._version = model_version
        self._source = source
        self._lock = threading.Lock()
        self._positions = {str(i): at for at, i in enumerate(self._records["id"].tolist())}
        self._clock = clock or _now
        self._plays: list[tuple[int, int, str]] = []  # (number, key, at), oldest first
        self._given: list[tuple[int, int, bool, dict[str, Any] | None, str]] = []
        self._verdicts: dict[int, bool] = {}  # key → liked, oldest verdict first
        self._journal: list[Entry] = []
        self._numbers = itertools.count(1)  # of plays and 👍/👎
        self._asked = itertools.count(1)  # of the journal's requests
        self._arrays = self._build_arrays()
        shown = self._records[["id", "title", "artists", *_TEXT[3:]]].to_numpy(dtype=object)
        self._shown = [tuple(_none(v) for v in row) for row in shown.tolist()]
        self._feedback = FeedbackState(_EMPTY, _EMPTY)

    @classmethod
    def of(
        cls,
        table: TrackTable,
        model: EmotionModel | None = None,
        *,
        source: str = "memory",
        provenance: str | Mapping[str, str] = "provider",
        audio_paths: Sequence[str | Path | None] | None = None,
        preview_urls: Sequence[str | None] | None = None,
        clock: Callable[[], str] | None = None,
    ) -> MemoryCatalogue:
        """The tracks of ``table`` classified by ``model`` (default: the model shipped with
        moodtune), as :meth:`Catalogue.import_table
        <moodtune.catalogue.sqlite.Catalogue.import_table>` would store them."""
        model = EmotionModel.default() if model is None else model
        incoming = _prepare(model, table, source, provenance, audio_paths, preview_urls)
        return cls(incoming.records, incoming.classified, model.version, str(source), clock)

    def _build_arrays(self) -> CatalogueArrays:
        """The arrays, as :func:`~moodtune.catalogue.arrays.load_arrays` reads them from a
        file (artists coded in order of appearance: only which tracks share one counts)."""
        records = self._records
        codes: dict[str, int] = {}
        artists = [
            -1 if key is None else codes.setdefault(key, len(codes))
            for key in (artist_key(a) for a in records["artists"].tolist())
        ]
        features = records[list(SIMILARITY_FEATURES)].to_numpy(dtype=np.float64)
        return build_arrays(
            self.revision,
            keys=np.arange(1, len(records) + 1),
            artists=np.asarray(artists),
            probabilities=self._classified.probabilities,
            reading=self._classified.reading,
            valence=records["valence"].to_numpy(dtype=np.float64),
            energy=records["energy"].to_numpy(dtype=np.float64),
            similarity=features,
        )

    # --- what the recommender reads (CatalogueView) --------------------------------------

    @property
    def where(self) -> str:
        return "in memory"

    @property
    def revision(self) -> int:
        """Always 1: the tracks never change (plays and 👍/👎 do not count)."""
        return 1

    def arrays(self) -> CatalogueArrays:
        return self._arrays

    def snapshot(self, plays: int) -> Snapshot:
        """The arrays, the last ``plays`` plays' tracks (most recent first), likes, dislikes."""
        last = self._plays[-plays:] if plays > 0 else []
        recent = dict.fromkeys(key for _, key, _ in reversed(last))
        feedback = self._feedback
        keys = np.array(list(recent), dtype=np.int64)
        return Snapshot(self._arrays, keys, feedback.disliked, feedback.liked, feedback)

    def snapshot_in_memory(self, plays: int) -> Snapshot | None:
        """:meth:`snapshot`: all of it is in memory, read without the writers' lock (each
        write replaces the list or state it changes, so a reader sees one before or after)."""
        return self.snapshot(plays)

    def display_rows(
        self, arrays: CatalogueArrays, positions: Sequence[int] | None = None
    ) -> dict[int, DisplayRow]:
        """Position → ``(id, title, artists, spotify_id, audio_path, audio_url,
        preview_url)`` of the tracks at ``positions`` (None: every track)."""
        wanted = range(arrays.size) if positions is None else [int(at) for at in positions]
        return {at: self._shown[at] for at in wanted}

    # --- what listening writes (ListeningLog) ---------------------------------------------

    def track(self, track_id: str) -> TrackRecord | None:
        """The record of ``track_id``, or None."""
        at = self._positions.get(str(track_id))
        return None if at is None else self._record(at)

    def record_played(self, track_id: str) -> None:
        with self._lock:
            self._plays.append((next(self._numbers), self._key(track_id), self._clock()))

    def add_feedback(
        self, track_id: str, liked: bool, context: dict[str, Any] | None = None
    ) -> None:
        with self._lock:
            key = self._key(track_id)
            self._given.append((next(self._numbers), key, bool(liked), context, self._clock()))
            self._refresh_feedback()

    def _refresh_feedback(self) -> None:
        """The latest verdict of each track, from the 👍/👎 given (oldest first)."""
        self._verdicts = {}
        for _, key, liked, _, _ in self._given:
            self._verdicts.pop(key, None)
            self._verdicts[key] = liked
        newest = list(reversed(self._verdicts.items()))
        self._feedback = FeedbackState(
            _keys([k for k, v in newest if v]),
            _keys([k for k, v in newest if not v]),
            previous=self._feedback,
        )

    def verdict(self, track_id: str) -> bool | None:
        """The latest 👍 (True) or 👎 (False) of ``track_id``, None when it has none."""
        return self._verdicts.get(self._key(track_id))

    # --- the history and the mood journal (ListeningHistory) ------------------------------

    def events(self, limit: int = DEFAULT_LIMIT) -> list[HistoryRow]:
        """The last ``limit`` plays, likes and dislikes, newest first (as SQLite lists them)."""
        if not 1 <= limit <= MAX_LIMIT:
            raise MoodtuneError(f"limit {limit}: list from 1 to {MAX_LIMIT} history entries")
        with self._lock:
            listed = [("play", n, key, at, None) for n, key, at in self._plays]
            listed += [
                ("like" if liked else "dislike", n, key, at, context)
                for n, key, liked, context, at in self._given
            ]
        listed.sort(key=lambda e: (e[3], e[0] != "play", e[1]), reverse=True)
        return [
            HistoryRow(
                f"{'play' if kind == 'play' else 'feedback'}-{n}",
                kind,  # type: ignore[arg-type]
                self._record(key - 1),
                at,
                reason_for(kind, context),  # type: ignore[arg-type]
                context,
            )
            for kind, n, key, at, context in listed[:limit]
        ]

    def undo(self, event_id: str) -> bool:
        """Remove one entry of the history; False when there is none."""
        found = parse_event_id(event_id)
        if found is None:
            return False
        with self._lock:
            if found[0] == "play":
                kept = [p for p in self._plays if p[0] != found[1]]
                removed, self._plays = len(self._plays) - len(kept), kept
            else:
                given = [g for g in self._given if g[0] != found[1]]
                removed, self._given = len(self._given) - len(given), given
                self._refresh_feedback()
        return removed > 0

    def clear_history(self) -> int:
        """Remove every play, like, dislike and request; how many went."""
        with self._lock:
            removed = len(self._plays) + len(self._given) + len(self._journal)
            self._plays, self._given, self._journal = [], [], []
            self._refresh_feedback()
        return removed

    def keep_request(self, asked: Asked, at: str | None = None) -> int:
        """Write ``asked`` to the journal (checked as the SQLite journal checks it); its id."""
        asked = checked(asked, at)
        with self._lock:
            number, when = next(self._asked), at or self._clock()
            fields = (asked.source, asked.emotion, asked.confidence, asked.mode)
            self._journal.append(Entry(number, when, *fields, list(asked.tracks)))
        return number

    def requests(self, limit: int = 50) -> list[Entry]:
        """The last ``limit`` requests, newest first."""
        if not 1 <= limit <= MAX_ENTRIES:
            raise MoodtuneError(f"limit {limit}: list from 1 to {MAX_ENTRIES} requests")
        with self._lock:
            listed = sorted(self._journal, key=lambda e: (e.at, e.id), reverse=True)
        return listed[:limit]

    def request(self, number: int) -> Entry | None:
        """The request ``number`` of the journal, or None."""
        with self._lock:
            return next((e for e in self._journal if e.id == int(number)), None)

    # --- what the web shows besides (ServedCatalogue) -------------------------------------

    @property
    def model_version(self) -> str | None:
        return self._version if len(self._records) else None

    def count(self) -> int:
        return len(self._records)

    def audio_path(self, track_id: str) -> Path | None:
        record = self.track(track_id)
        path = None if record is None or not record.audio_path else Path(record.audio_path)
        return path if path is not None and path.is_file() else None

    def close(self) -> None:
        """Nothing to let go of."""

    def __enter__(self) -> MemoryCatalogue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _key(self, track_id: str) -> int:
        at = self._positions.get(str(track_id))
        if at is None:
            raise MoodtuneError(f"no track with id {track_id!r} in the catalogue {self.where}")
        return at + 1

    def _record(self, at: int) -> TrackRecord:
        row = self._records.iloc[at]
        known = [n for n in FEATURE_NAMES if pd.notna(row[n])]
        probabilities = self._classified.probabilities[at]
        return TrackRecord(
            track_id=str(row["id"]),
            **{name: _none(row[name]) for name in _TEXT[:3]},
            source=self._source,
            **{name: _none(row[name]) for name in _TEXT[3:]},
            features={n: float(row[n]) for n in known},
            provenance={n: row[provenance_column(n)] for n in known},
            probabilities={e: float(p) for e, p in zip(EMOTIONS, probabilities, strict=True)},
            model_version=self._version,
        )


def _now() -> str:
    """Now, as SQLite's catalogue writes times: ISO-8601 UTC to the millisecond."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _none(value: Any) -> Any:
    """None for pandas' missing values, else the value."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _keys(keys: list[int]) -> np.ndarray:
    array = np.array(keys, dtype=np.int64)
    array.flags.writeable = False
    return array


_EMPTY = _keys([])
