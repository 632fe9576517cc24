"""A catalogue held in memory: the protocols of :mod:`moodtune.catalogue.protocol` without
a file, for tests and for trying a recommender on a table.

It holds what importing a table into a new SQLite catalogue would store (the same records,
track ids and predictions, :func:`moodtune.catalogue.ingest.import_table`), so a seeded
recommender gives the same tracks on both. Plays and 👍/👎 are kept in memory and forgotten
with the object; the listening history and the mood journal of the web app
(:mod:`moodtune.catalogue.history`, :mod:`moodtune.catalogue.journal`) need the SQLite file.

Examples
--------
>>> from moodtune.audio.builtin import builtin_catalogue
>>> table, audio_paths, provenance = builtin_catalogue()
>>> catalogue = MemoryCatalogue.of(table, provenance=provenance, audio_paths=audio_paths)
>>> catalogue.count(), catalogue.arrays().size, catalogue.where
(28, 28, 'in memory')
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moodtune.catalogue.arrays import SIMILARITY_FEATURES, CatalogueArrays, build_arrays
from moodtune.catalogue.classification import Classified
from moodtune.catalogue.ingest import _prepare, artist_key
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
    the order of ``records``, as a new SQLite catalogue numbers them.
    """

    def __init__(
        self, records: pd.DataFrame, classified: Classified, model_version: str, source: str
    ) -> None:
        self._records = records.reset_index(drop=True)
        self._classified = classified
        self._version = model_version
        self._source = source
        self._lock = threading.Lock()
        self._positions = {str(i): at for at, i in enumerate(self._records["id"].tolist())}
        self._plays: list[int] = []  # keys, oldest first
        self._verdicts: dict[int, bool] = {}  # key → liked, oldest verdict first
        self._arrays = self._build_arrays()
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
    ) -> MemoryCatalogue:
        """The tracks of ``table`` classified by ``model`` (default: the model shipped with
        moodtune), as :meth:`Catalogue.import_table
        <moodtune.catalogue.sqlite.Catalogue.import_table>` would store them."""
        model = EmotionModel.default() if model is None else model
        incoming = _prepare(model, table, source, provenance, audio_paths, preview_urls)
        return cls(incoming.records, incoming.classified, model.version, str(source))

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
            0,
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

    @contextmanager
    def unless_busy(self) -> Iterator[bool]:
        """True (held) unless another thread is writing to the catalogue."""
        held = self._lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                self._lock.release()

    def arrays(self) -> CatalogueArrays:
        return self._arrays

    def snapshot(self, plays: int) -> Snapshot:
        """The arrays, the last ``plays`` plays' tracks (most recent first), likes, dislikes."""
        recent = dict.fromkeys(reversed(self._plays[-plays:] if plays > 0 else []))
        feedback = self._feedback
        keys = np.array(list(recent), dtype=np.int64)
        return Snapshot(self._arrays, keys, feedback.disliked, feedback.liked, feedback)

    def snapshot_in_memory(self, plays: int) -> Snapshot | None:
        return self.snapshot(plays)

    def display_rows(
        self, arrays: CatalogueArrays, positions: Sequence[int] | None = None
    ) -> dict[int, DisplayRow]:
        """Position → ``(id, title, artists, spotify_id, audio_path, audio_url,
        preview_url)`` of the tracks at ``positions`` (None: every track)."""
        wanted = range(arrays.size) if positions is None else [int(at) for at in positions]
        shown = self._records[["id", "title", "artists", *_TEXT[3:]]]
        return {at: tuple(_none(v) for v in shown.iloc[at].tolist()) for at in wanted}

    # --- what listening writes (ListeningLog) ---------------------------------------------

    def track(self, track_id: str) -> TrackRecord | None:
        """The record of ``track_id``, or None."""
        at = self._positions.get(str(track_id))
        return None if at is None else self._record(at)

    def record_played(self, track_id: str) -> None:
        with self._lock:
            self._plays.append(self._key(track_id))

    def add_feedback(
        self, track_id: str, liked: bool, context: dict[str, Any] | None = None
    ) -> None:
        with self._lock:
            key = self._key(track_id)
            self._verdicts.pop(key, None)
            self._verdicts[key] = bool(liked)
            newest = list(reversed(self._verdicts.items()))
            self._feedback = FeedbackState(
                _keys([k for k, v in newest if v]), _keys([k for k, v in newest if not v])
            )

    def verdict(self, track_id: str) -> bool | None:
        """The latest 👍 (True) or 👎 (False) of ``track_id``, None when it has none."""
        return self._verdicts.get(self._key(track_id))

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


def _none(value: Any) -> Any:
    """None for pandas' missing values, else the value."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _keys(keys: list[int]) -> np.ndarray:
    array = np.array(keys, dtype=np.int64)
    array.flags.writeable = False
    return array


_EMPTY = _keys([])
