"""The music catalogue: tracks, features with provenance, predicted emotions, history, feedback.

A :class:`Catalogue` is one SQLite file (see :mod:`moodtune.recommend.schema`). Importing a
table classifies its tracks with the emotion model in the same transaction, so every track in
the catalogue has probabilities from one model version; when that version changes (a new
default model, or another model given), the catalogue reclassifies itself before it is used.
The recommender reads the catalogue through :meth:`Catalogue.arrays`: numpy arrays loaded once
per catalogue revision.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np
import pandas as pd

from moodtune.data.features import FEATURE_NAMES
from moodtune.data.spotify_ids import is_spotify_id
from moodtune.data.table import TrackTable
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel
from moodtune.recommend.arrays import CatalogueArrays, fetch_matrix, load_arrays
from moodtune.recommend.schema import (
    PROBABILITY_COLUMNS,
    PROVENANCES,
    READING_COLUMNS,
    connect,
    provenance_column,
)

#: Environment variable that names the catalogue file when no path is given.
ENV_VAR = "MOODTUNE_CATALOGUE"
#: File name of the default catalogue inside the user's data directory.
DEFAULT_NAME = "catalogue.sqlite"

_ARTIST_SPLIT = re.compile(r"\s*[,;/]\s*|\s+(?:feat\.?|ft\.?|featuring|&|x)\s+", re.IGNORECASE)
_CHUNK = 65536
#: Arrays of recently used catalogue revisions, shared by the Catalogue objects of a process.
_SHARED: dict[tuple[str, str | None, int], CatalogueArrays] = {}
_SHARED_LOCK = threading.Lock()
_SHARED_SIZE = 2


def default_path() -> Path:
    """``$MOODTUNE_CATALOGUE``, else ``catalogue.sqlite`` in the user's data directory."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("moodtune", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / DEFAULT_NAME


def artist_key(artists: str | None) -> str | None:
    """The primary artist of an artist string, case-folded: ``"Ed Sheeran, X"`` → ``"ed sheeran"``.

    The artist cap of the recommender counts tracks per primary artist.
    """
    if artists is None or not str(artists).strip():
        return None
    first = _ARTIST_SPLIT.split(str(artists).strip(), maxsplit=1)[0]
    return " ".join(first.casefold().split()) or None


@dataclass
class ImportReport:
    """What :meth:`Catalogue.import_table` did: counts of rows added, updated and unchanged."""

    source: str
    rows: int
    added: int
    updated: int
    unchanged: int
    merged: int
    model_version: str
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def summary(self) -> str:
        if not self.changed:
            return (
                f"no change: all {self.unchanged} tracks of {self.source} are already in the "
                "catalogue with the same values"
            )
        merged = f", {self.merged} repeated rows merged" if self.merged else ""
        return (
            f"{self.source}: {self.added} added, {self.updated} updated, {self.unchanged} "
            f"unchanged{merged}; classified with model {self.model_version} "
            f"({self.seconds:.1f} s)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "changed": self.changed}


@dataclass
class TrackRecord:
    """One catalogue track with its features (and where each came from) and its emotions."""

    track_id: str
    title: str | None
    artists: str | None
    album: str | None
    source: str
    spotify_id: str | None
    audio_path: str | None
    audio_url: str | None
    preview_url: str | None
    features: dict[str, float]
    provenance: dict[str, str]
    probabilities: dict[str, float]
    model_version: str | None

    @property
    def top_emotion(self) -> str | None:
        if not self.probabilities:
            return None
        return max(self.probabilities, key=self.probabilities.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "top_emotion": self.top_emotion}


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
        return asdict(self)


class Catalogue:
    """A music catalogue in one SQLite file. Open it with :meth:`open`.

    Safe to share between threads (one connection, guarded by a lock); several processes may
    open the same file (SQLite WAL mode).
    """

    def __init__(
        self, path: Path, connection: sqlite3.Connection, model: EmotionModel | None = None
    ) -> None:
        self.path = path
        self._connection = connection
        self._model = model
        self._lock = threading.RLock()
        self._arrays: CatalogueArrays | None = None
        self._stamp: tuple[int, int] | None = None
        self._state: dict[Any, Any] = {}

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        model: EmotionModel | None = None,
        fill_builtin: bool = True,
        songs: bool | None = None,
    ) -> Catalogue:
        """Open the catalogue at ``path`` (created when missing).

        ``None`` means :func:`default_path`. ``model`` classifies the tracks (default: the
        model shipped with moodtune). A new, empty catalogue is filled, when ``fill_builtin``
        is true, with the built-in playable clips (when ``moodtune.audio.builtin`` is
        installed) and, when ``songs`` is true, with TidyTuesday's 28,356 Spotify songs
        (:mod:`moodtune.recommend.songs`); by default the songs go into the user's default
        catalogue (``path`` None) only, so ``moodtune serve`` recommends real songs at once.
        """
        target = Path(path).expanduser() if path is not None else default_path()
        with_songs = path is None if songs is None else songs
        catalogue = cls(target, connect(target), model)
        try:
            if fill_builtin and catalogue.count() == 0:
                catalogue.fill_builtin(songs=with_songs)
        except BaseException:
            catalogue.close()  # nothing is left open when opening fails
            raise
        return catalogue

    def fill_builtin(self, *, songs: bool = False) -> ImportReport | None:
        """Import the built-in clips, when their module is installed (their report; None when
        it is not), and, with ``songs``, the shipped TidyTuesday songs first."""
        if songs:
            from moodtune.recommend.songs import SOURCE, default_songs

            self.import_table(default_songs(), source=SOURCE)
        if importlib.util.find_spec("moodtune.audio.builtin") is None:
            return None
        from moodtune.audio.builtin import builtin_catalogue

        table, audio_paths, provenance = builtin_catalogue()
        return self.import_table(
            table, source="builtin", provenance=provenance, audio_paths=audio_paths
        )

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Catalogue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Catalogue({str(self.path)!r})"

    # --- state -----------------------------------------------------------------------------

    @property
    def model(self) -> EmotionModel:
        """The model that classifies this catalogue's tracks (loaded on first use)."""
        if self._model is None:
            self._model = EmotionModel.default()
        return self._model

    def count(self) -> int:
        """Number of tracks."""
        return int(self._query_one("SELECT COUNT(*) FROM tracks"))

    @property
    def revision(self) -> int:
        """A counter bumped by every change to tracks, features or predictions."""
        return self._unchanged(
            "revision",
            lambda: int(self._query_one("SELECT value FROM meta WHERE key = 'revision'")),
        )

    @property
    def model_version(self) -> str | None:
        """Version of the model whose probabilities are stored (None when empty)."""
        return self._unchanged("model_version", lambda: self._meta("model_version"))

    def _unchanged(self, key: Any, compute: Callable[[], Any], *, load: bool = True) -> Any:
        """``compute()``, remembered until the catalogue file changes (see :meth:`_state_now`).

        ``load=False`` returns the remembered value or None, never calling ``compute``.
        """
        with self._lock:
            state = self._state_now()
            if state is None:
                return compute() if load else None
            if key not in state:
                if not load:
                    return None
                state[key] = compute()
            return state[key]

    def _state_now(self) -> dict[Any, Any] | None:
        """The values remembered for the catalogue file as it is now (the caller holds the lock).

        The file has not changed when neither this connection wrote to it (its
        ``total_changes``) nor another connection or process committed to it (``PRAGMA
        data_version``): one cheap query instead of the queries behind every value. When it
        changed, the remembered values are dropped. None inside a transaction (nothing is
        remembered then). Remembered values must not be modified by callers.
        """
        connection = self._connection
        if connection.in_transaction:
            return None
        stamp = (
            connection.execute("PRAGMA data_version").fetchone()[0],
            connection.total_changes,
        )
        if stamp != self._stamp:
            self._state.clear()
            self._stamp = stamp
        return self._state

    @contextmanager
    def unless_busy(self) -> Iterator[bool]:
        """Hold the catalogue for a ``with`` block if no other thread is using it.

        Yields True when held (the catalogue's methods called in the block do not wait for
        other threads), False when another thread is using the catalogue (nothing is held).
        """
        held = self._lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                self._lock.release()

    # --- import ----------------------------------------------------------------------------

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
        started = time.perf_counter()
        frame = table.frame.reset_index(drop=True)
        rows = len(frame)
        if rows == 0:
            raise MoodtuneError(f"{source}: the table has no tracks to import")
        if not str(source).strip():
            raise MoodtuneError("give the import a source name (e.g. the file name)")
        origin = self._provenance(provenance, table.feature_names)
        audio = _per_row(audio_paths, rows, "audio_paths")
        previews = _per_row(preview_urls, rows, "preview_urls")
        records = self._records_frame(frame, origin, audio, previews)
        model = self.model
        features = table.matrix(model.feature_names)
        every = _feature_matrix(table)
        bad = ~np.isfinite(features).all(axis=1)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise MoodtuneError(
                f"{source}: {int(bad.sum())} row(s) lack a value the model needs "
                f"({', '.join(model.feature_names)}), first row {row + 1}; fill them or read "
                "the file with --skip-invalid"
            )
        records["content_hash"] = (
            pd.util.hash_pandas_object(records, index=False)
            .to_numpy(dtype=np.uint64)
            .view(np.int64)
        )
        notes = list(table.notes)
        if table.has_labels:
            notes.append(
                "the label column was not stored: the catalogue keeps the emotions the "
                "model predicts"
            )
        repeated = records["id"].duplicated().to_numpy()
        merged = int(repeated.sum())
        if merged:
            variants = records.groupby("id")["content_hash"].nunique()
            if (variants > 1).any():
                raise MoodtuneError(
                    f"{source}: track id {variants[variants > 1].index[0]!r} appears more than "
                    "once with different values; keep one row per track"
                )
            records, every = records[~repeated], every[~repeated]
            notes.append(f"merged {merged} repeated row(s) of the same track")
        classified = classify(model, every)

        with self._lock, self._transaction() as connection:
            self._classify_locked(connection, model, force=False)
            existing = self._existing(connection, records["id"].tolist())
            known = records["id"].map(lambda i: i in existing).to_numpy(dtype=bool)
            stored_hash = records["id"].map(lambda i: existing.get(i, (0, 0))[1]).to_numpy()
            same = known & (stored_hash == records["content_hash"].to_numpy())
            changed = known & ~same
            fresh = ~known
            start = (
                int(connection.execute("SELECT COALESCE(MAX(rowid), 0) FROM tracks").fetchone()[0])
                + 1
            )
            rowids = np.zeros(len(records), dtype=np.int64)
            rowids[fresh] = np.arange(start, start + int(fresh.sum()))
            if changed.any():
                rowids[changed] = [existing[i][0] for i in records["id"][changed]]
            write = fresh | changed
            if write.any():
                artist_ids = self._artist_ids(connection, records["artists"][write])
                self._write(
                    connection, records[write], rowids[write], artist_ids, fresh[write], source
                )
                self._write_predictions(
                    connection, rowids[write], classified.rows(write), model.version
                )
                self._set_meta(connection, "model_version", model.version)
                self._bump(connection)
        return ImportReport(
            source=str(source),
            rows=rows,
            added=int(fresh.sum()),
            updated=int(changed.sum()),
            unchanged=int(same.sum()),
            merged=merged,
            model_version=model.version,
            seconds=round(time.perf_counter() - started, 3),
            notes=notes,
        )

    def _provenance(
        self, provenance: str | Mapping[str, str], names: Sequence[str]
    ) -> dict[str, str]:
        if isinstance(provenance, str):
            provenance = dict.fromkeys(names, provenance)
        origin = {}
        for name in names:
            value = provenance.get(name, "provider")
            if value not in PROVENANCES:
                raise MoodtuneError(
                    f"provenance of {name!r} is {value!r}; expected one of {', '.join(PROVENANCES)}"
                )
            origin[name] = value
        unknown = sorted(set(provenance) - set(FEATURE_NAMES))
        if unknown:
            raise MoodtuneError(f"provenance given for unknown feature(s) {', '.join(unknown)}")
        return origin

    @staticmethod
    def _records_frame(
        frame: pd.DataFrame,
        origin: Mapping[str, str],
        audio: list[str | None],
        previews: list[str | None],
    ) -> pd.DataFrame:
        """One row per track: every column stored in ``tracks`` and ``features``."""
        rows = len(frame)

        def text(column: str) -> pd.Series:
            if column not in frame.columns:
                return pd.Series([None] * rows, dtype=object)
            return frame[column].astype(object).where(frame[column].notna(), None)

        records = pd.DataFrame(
            {
                "title": text("title"),
                "artists": text("artist"),
                "album": text("album"),
            }
        )
        for name in FEATURE_NAMES:
            if name in frame.columns:
                values = frame[name].to_numpy(dtype=np.float64)
                records[name] = values
                records[provenance_column(name)] = np.where(
                    np.isnan(values), None, origin.get(name, "provider")
                )
            else:
                records[name] = np.nan
                records[provenance_column(name)] = None
        if "track_id" in frame.columns:
            ids = text("track_id")
        else:
            ids = pd.Series([None] * rows, dtype=object)
        missing = ids.isna().to_numpy()
        if missing.any():
            # No id: derive one from what the track is, so re-importing finds it again.
            content = pd.util.hash_pandas_object(records[missing], index=False).to_numpy()
            ids[missing] = [f"t:{int(h):016x}" for h in content]
        records.insert(0, "id", ids.astype(str).to_numpy())
        records["spotify_id"] = [i if is_spotify_id(i) else None for i in records["id"]]
        records["audio_path"] = [
            None if a is None or _is_url(a) else str(Path(a).expanduser().resolve()) for a in audio
        ]
        records["audio_url"] = [a if a is not None and _is_url(a) else None for a in audio]
        records["preview_url"] = previews
        return records.reset_index(drop=True)

    @staticmethod
    def _existing(connection: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[int, int]]:
        """id → (rowid, content hash) of the given ids already in the catalogue."""
        connection.execute("CREATE TEMP TABLE IF NOT EXISTS incoming (id TEXT PRIMARY KEY)")
        connection.execute("DELETE FROM incoming")
        connection.executemany("INSERT OR IGNORE INTO incoming VALUES (?)", ((i,) for i in ids))
        found = connection.execute(
            "SELECT t.id, t.rowid, t.content_hash FROM incoming i JOIN tracks t ON t.id = i.id"
        ).fetchall()
        connection.execute("DELETE FROM incoming")
        return {track_id: (rowid, digest) for track_id, rowid, digest in found}

    @staticmethod
    def _artist_ids(connection: sqlite3.Connection, artists: pd.Series) -> list[int | None]:
        keys = [artist_key(a) for a in artists]
        connection.executemany(
            "INSERT OR IGNORE INTO artists (key) VALUES (?)",
            ((k,) for k in {k for k in keys if k is not None}),
        )
        codes = dict((key, code) for code, key in connection.execute("SELECT id, key FROM artists"))
        return [None if k is None else codes[k] for k in keys]

    @staticmethod
    def _write(
        connection: sqlite3.Connection,
        records: pd.DataFrame,
        rowids: np.ndarray,
        artist_ids: list[int | None],
        fresh: np.ndarray,
        source: str,
    ) -> None:
        columns = (
            "title",
            "artists",
            "album",
            "spotify_id",
            "audio_path",
            "audio_url",
            "preview_url",
        )
        values = [_texts(records[c]) for c in columns]
        hashes = records["content_hash"].tolist()
        rows = list(
            zip(rowids.tolist(), records["id"].tolist(), *values, artist_ids, hashes, strict=True)
        )
        flags = fresh.tolist()
        connection.executemany(
            "INSERT INTO tracks (rowid, id, title, artists, album, spotify_id, audio_path, "
            "audio_url, preview_url, artist_id, content_hash, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((*row, source) for row, new in zip(rows, flags, strict=True) if new),
        )
        connection.executemany(
            "UPDATE tracks SET title = ?, artists = ?, album = ?, spotify_id = ?, "
            "audio_path = ?, audio_url = ?, preview_url = ?, artist_id = ?, content_hash = ? "
            "WHERE rowid = ?",
            ((*row[2:], row[0]) for row, new in zip(rows, flags, strict=True) if not new),
        )
        feature_columns = [c for name in FEATURE_NAMES for c in (name, provenance_column(name))]
        feature_values = [
            _nullable(records[name].to_numpy(dtype=np.float64))
            if name in FEATURE_NAMES
            else _texts(records[name])
            for name in feature_columns
        ]
        placeholders = ", ".join("?" * (len(feature_columns) + 1))
        connection.executemany(
            f"INSERT OR REPLACE INTO features (track, {', '.join(feature_columns)}) "
            f"VALUES ({placeholders})",
            zip(rowids.tolist(), *feature_values, strict=True),
        )

    @staticmethod
    def _write_predictions(
        connection: sqlite3.Connection,
        rowids: np.ndarray,
        classified: Classified,
        version: str,
    ) -> None:
        probabilities = classified.probabilities
        tops = np.asarray(EMOTIONS)[probabilities.argmax(axis=1)].tolist()
        columns = ", ".join((*PROBABILITY_COLUMNS, *READING_COLUMNS))
        placeholders = ", ".join("?" * (len(PROBABILITY_COLUMNS) + len(READING_COLUMNS) + 3))
        values = np.concatenate([probabilities, classified.reading], axis=1).astype(np.float64)
        connection.executemany(
            f"INSERT OR REPLACE INTO predictions (track, model_version, top_emotion, {columns}) "
            f"VALUES ({placeholders})",
            (
                (rowid, version, top, *[None if v != v else v for v in row])  # NaN → NULL
                for rowid, top, row in zip(rowids.tolist(), tops, values.tolist(), strict=True)
            ),
        )

    # --- classification --------------------------------------------------------------------

    def reclassify(self, model: EmotionModel | None = None) -> int:
        """Classify every track again (with ``model``, which then becomes this catalogue's).

        Returns the number of tracks classified.
        """
        if model is not None:
            self._model = model
        with self._lock, self._transaction() as connection:
            return self._classify_locked(connection, self.model, force=True)

    def ensure_classified(self) -> bool:
        """Reclassify when the stored probabilities come from another model version.

        Returns True when it reclassified.
        """
        stored = self.model_version  # None while the catalogue is empty
        if stored is None or stored == self.model.version:
            return False
        with self._lock, self._transaction() as connection:
            return self._classify_locked(connection, self.model, force=False) > 0

    def _classify_locked(
        self, connection: sqlite3.Connection, model: EmotionModel, *, force: bool
    ) -> int:
        stored = self._meta("model_version", connection)
        total = connection.execute("SELECT COUNT(*) FROM tracks").fetchone()[0]
        if total == 0 or (not force and stored == model.version):
            return 0
        names = model.feature_names
        unknown = [name for name in names if name not in FEATURE_NAMES]
        if unknown:
            raise MoodtuneError(f"the model needs unknown feature(s) {', '.join(unknown)}")
        cursor = connection.execute(
            f"SELECT t.rowid, {', '.join('f.' + n for n in FEATURE_NAMES)} FROM tracks t "
            "LEFT JOIN features f ON f.track = t.rowid ORDER BY t.rowid"
        )
        table = fetch_matrix(cursor, total, 1 + len(FEATURE_NAMES))
        rowids = table[:, 0].astype(np.int64)
        every = table[:, 1:]
        features = every[:, [FEATURE_NAMES.index(n) for n in names]]
        lacking = ~np.isfinite(features).all(axis=1)
        if lacking.any():
            raise MoodtuneError(
                f"{int(lacking.sum())} track(s) lack a feature the model {model.version} needs "
                f"({', '.join(names)}); nothing was reclassified"
            )
        for start in range(0, len(rowids), _CHUNK):
            part = slice(start, start + _CHUNK)
            self._write_predictions(
                connection, rowids[part], classify(model, every[part]), model.version
            )
        self._set_meta(connection, "model_version", model.version)
        self._bump(connection)
        return len(rowids)

    # --- reading ---------------------------------------------------------------------------

    @overload
    def arrays(self) -> CatalogueArrays: ...
    @overload
    def arrays(self, *, load: bool) -> CatalogueArrays | None: ...

    def arrays(self, *, load: bool = True) -> CatalogueArrays | None:
        """The numpy view of the catalogue used by the recommender, loaded once per revision.

        Reclassifies first when the model version changed. The arrays are shared by every
        :class:`Catalogue` of this process open on the same file (keyed by path, uid and
        revision), so opening one per request does not reload them. While the file does not
        change, this costs one ``PRAGMA data_version``. ``load=False`` (for a caller that must
        not wait) returns None unless the arrays are remembered for the file as it is now: it
        runs no other query, loads no model and reclassifies nothing.
        """
        if load:
            return self._unchanged(("arrays", self.model.version), self._current_arrays)
        model = self._model
        if model is None:
            return None
        return self._unchanged(("arrays", model.version), self._current_arrays, load=False)

    def _current_arrays(self) -> CatalogueArrays:
        self.ensure_classified()
        with self._lock:
            revision = self.revision
            if self._arrays is None or self._arrays.revision != revision:
                key = (str(self.path.resolve()), self._meta("uid"), revision)
                with _SHARED_LOCK:
                    arrays = _SHARED.get(key)
                if arrays is None:
                    arrays = load_arrays(self._connection, revision)
                    with _SHARED_LOCK:
                        _SHARED[key] = arrays
                        while len(_SHARED) > _SHARED_SIZE:
                            _SHARED.pop(next(iter(_SHARED)))
                self._arrays = arrays
            return self._arrays

    def track(self, track_id: str) -> TrackRecord | None:
        """The track with catalogue id ``track_id``, or None."""
        found = self._track_records("t.id = ?", (str(track_id),))
        return found[0] if found else None

    def tracks_by_rowid(self, rowids: Sequence[int]) -> dict[int, TrackRecord]:
        """Records of the given internal row ids (as in :attr:`CatalogueArrays.rowids`)."""
        wanted = [int(r) for r in rowids]
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        records = self._track_records(f"t.rowid IN ({marks})", wanted, with_rowid=True)
        return dict(records)  # type: ignore[arg-type]

    def display_rows(self, rowids: Sequence[int] | None = None) -> dict[int, tuple[Any, ...]]:
        """What a recommendation shows of the given row ids (None: of every track), from the
        ``tracks`` table only.

        Returns rowid → ``(id, title, artists, spotify_id, audio_path, audio_url,
        preview_url)``. One query without the joins of :meth:`tracks_by_rowid` (the
        recommender has the probabilities and features in its arrays): about a third of
        its cost per track.
        """
        query = (
            "SELECT rowid, id, title, artists, spotify_id, audio_path, audio_url, preview_url "
            "FROM tracks"
        )
        wanted: list[int] = []
        if rowids is not None:
            wanted = [int(r) for r in rowids]
            if not wanted:
                return {}
            query += f" WHERE rowid IN ({', '.join('?' * len(wanted))})"
        with self._lock:
            rows = self._connection.execute(query, wanted).fetchall()
        return {row[0]: row[1:] for row in rows}

    def audio_path(self, track_id: str) -> Path | None:
        """The local audio file of a catalogue track, when it has one that exists."""
        path = self._query_one("SELECT audio_path FROM tracks WHERE id = ?", (str(track_id),))
        if path is None:
            return None
        file = Path(path)
        return file if file.is_file() else None

    def _track_records(
        self, where: str, parameters: Sequence[Any], *, with_rowid: bool = False
    ) -> list[Any]:
        feature_columns = [c for n in FEATURE_NAMES for c in (f"f.{n}", f"f.{n}_from")]
        query = (
            "SELECT t.rowid, t.id, t.title, t.artists, t.album, t.source, t.spotify_id, "
            "t.audio_path, t.audio_url, t.preview_url, p.model_version, "
            f"{', '.join('p.' + c for c in PROBABILITY_COLUMNS)}, {', '.join(feature_columns)} "
            "FROM tracks t LEFT JOIN predictions p ON p.track = t.rowid "
            f"LEFT JOIN features f ON f.track = t.rowid WHERE {where}"
        )
        with self._lock:
            rows = self._connection.execute(query, tuple(parameters)).fetchall()
        out: list[Any] = []
        for row in rows:
            probabilities = row[11 : 11 + len(EMOTIONS)]
            values = row[11 + len(EMOTIONS) :]
            features, provenance = {}, {}
            for number, name in enumerate(FEATURE_NAMES):
                value, origin = values[2 * number], values[2 * number + 1]
                if value is not None:
                    features[name] = float(value)
                    provenance[name] = origin
            record = TrackRecord(
                track_id=row[1],
                title=row[2],
                artists=row[3],
                album=row[4],
                source=row[5],
                spotify_id=row[6],
                audio_path=row[7],
                audio_url=row[8],
                preview_url=row[9],
                features=features,
                provenance=provenance,
                probabilities=(
                    {}
                    if row[10] is None
                    else {e: float(p) for e, p in zip(EMOTIONS, probabilities, strict=True)}
                ),
                model_version=row[10],
            )
            out.append((row[0], record) if with_rowid else record)
        return out

    # --- history and feedback --------------------------------------------------------------

    def record_played(self, track_id: str) -> None:
        """Add a play of ``track_id`` to the listening history."""
        rowid = self._rowid(track_id)
        with self._lock, self._transaction() as connection:
            connection.execute("INSERT INTO history (track) VALUES (?)", (rowid,))

    @overload
    def recent_rowids(self, plays: int) -> np.ndarray: ...
    @overload
    def recent_rowids(self, plays: int, *, load: bool) -> np.ndarray | None: ...

    def recent_rowids(self, plays: int, *, load: bool = True) -> np.ndarray | None:
        """Row ids of the tracks among the last ``plays`` plays, shape (m,), int64, the most
        recently played first.

        Remembered while the file does not change; ``load=False`` returns None rather than
        query the history when it is not remembered.
        """
        if plays <= 0:
            return np.zeros(0, dtype=np.int64)

        def query() -> np.ndarray:
            rows = self._connection.execute(
                "SELECT track FROM (SELECT id, track FROM history ORDER BY id DESC LIMIT ?) "
                "GROUP BY track ORDER BY MAX(id) DESC",
                (int(plays),),
            ).fetchall()
            return _read_only(np.array([r[0] for r in rows], dtype=np.int64))

        return self._unchanged(("recent", int(plays)), query, load=load)

    def add_feedback(self, track_id: str, liked: bool, context: dict | None = None) -> None:
        """Store a like (``liked=True``) or dislike of a track; disliked tracks are not
        recommended again until liked."""
        rowid = self._rowid(track_id)
        try:
            encoded = None if context is None else json.dumps(context, sort_keys=True)
        except (TypeError, ValueError) as error:
            raise MoodtuneError(f"feedback context must be JSON data: {error}") from None
        with self._lock, self._transaction() as connection:
            connection.execute(
                "INSERT INTO feedback (track, liked, context) VALUES (?, ?, ?)",
                (rowid, int(bool(liked)), encoded),
            )

    def feedback(self) -> list[Feedback]:
        """All feedback, oldest first."""
        with self._lock:
            rows = self._connection.execute(
                "SELECT t.id, f.liked, f.context, f.created_at FROM feedback f "
                "JOIN tracks t ON t.rowid = f.track ORDER BY f.id"
            ).fetchall()
        return [
            Feedback(
                track_id=i,
                liked=bool(liked),
                context=None if context is None else json.loads(context),
                created_at=at,
            )
            for i, liked, context, at in rows
        ]

    @overload
    def disliked_rowids(self) -> np.ndarray: ...
    @overload
    def disliked_rowids(self, *, load: bool) -> np.ndarray | None: ...

    def disliked_rowids(self, *, load: bool = True) -> np.ndarray | None:
        """Row ids of tracks whose latest feedback is a dislike, shape (m,), int64, the most
        recent first.

        Remembered while the file does not change; ``load=False`` returns None rather than
        query the feedback when it is not remembered.
        """
        return self._latest_feedback(False, load)

    def liked_rowids(self, *, load: bool = True) -> np.ndarray | None:
        """Row ids of tracks whose latest feedback is a like, the most recent first (as
        :meth:`disliked_rowids`)."""
        return self._latest_feedback(True, load)

    def _latest_feedback(self, liked: bool, load: bool) -> np.ndarray | None:
        def query() -> np.ndarray:
            rows = self._connection.execute(
                "SELECT track FROM feedback f WHERE id = (SELECT MAX(id) FROM feedback g "
                "WHERE g.track = f.track) AND liked = ? ORDER BY id DESC",
                (int(liked),),
            ).fetchall()
            return _read_only(np.array([r[0] for r in rows], dtype=np.int64))

        return self._unchanged(("liked" if liked else "disliked"), query, load=load)

    # --- stats -----------------------------------------------------------------------------

    def stats(self) -> CatalogueStats:
        """Counts per top emotion and source, feature coverage, history and feedback sizes."""
        self.ensure_classified()
        coverage_columns = ", ".join(
            f"COUNT({n}), " + ", ".join(f"SUM({n}_from = '{p}')" for p in PROVENANCES)
            for n in FEATURE_NAMES
        )
        with self._lock:
            connection = self._connection
            by_emotion = dict(
                connection.execute(
                    "SELECT top_emotion, COUNT(*) FROM predictions GROUP BY top_emotion"
                ).fetchall()
            )
            sources = dict(
                connection.execute(
                    "SELECT source, COUNT(*) FROM tracks GROUP BY source ORDER BY source"
                ).fetchall()
            )
            counts = connection.execute(f"SELECT {coverage_columns} FROM features").fetchone()
            plays = connection.execute("SELECT COUNT(*) FROM history").fetchone()[0]
            feedback = connection.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
        step = 1 + len(PROVENANCES)
        coverage = {
            name: {
                "tracks": int(counts[step * i] or 0),
                **{p: int(counts[step * i + 1 + j] or 0) for j, p in enumerate(PROVENANCES)},
            }
            for i, name in enumerate(FEATURE_NAMES)
        }
        return CatalogueStats(
            path=str(self.path),
            tracks=self.count(),
            revision=self.revision,
            model_version=self.model_version,
            by_emotion={e: int(by_emotion.get(e, 0)) for e in EMOTIONS},
            sources={str(k): int(v) for k, v in sources.items()},
            coverage=coverage,
            plays=int(plays),
            feedback=int(feedback),
        )

    # --- helpers ---------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _query_one(self, query: str, parameters: Sequence[Any] = ()) -> Any:
        with self._lock:
            row = self._connection.execute(query, tuple(parameters)).fetchone()
        return None if row is None else row[0]

    def _meta(self, key: str, connection: sqlite3.Connection | None = None) -> str | None:
        if connection is not None:
            row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return None if row is None else row[0]
        return self._query_one("SELECT value FROM meta WHERE key = ?", (key,))

    @staticmethod
    def _set_meta(connection: sqlite3.Connection, key: str, value: str) -> None:
        connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @staticmethod
    def _bump(connection: sqlite3.Connection) -> None:
        connection.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'"
        )

    def _rowid(self, track_id: str) -> int:
        rowid = self._query_one("SELECT rowid FROM tracks WHERE id = ?", (str(track_id),))
        if rowid is None:
            raise MoodtuneError(f"no track with id {track_id!r} in the catalogue {self.path}")
        return int(rowid)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Classified:
    """What the catalogue stores per track: ``probabilities`` (n, 7) in EMOTIONS order (the
    model's distribution, combined with its reading where it has one) and ``reading`` (n, 4):
    valence, arousal (−1..1) and the same standardised against a typical track, NaN where
    the model has no reading for the track's features."""

    probabilities: np.ndarray
    reading: np.ndarray

    def rows(self, keep: np.ndarray) -> Classified:
        return Classified(self.probabilities[keep], self.reading[keep])


def classify(model: EmotionModel, every: np.ndarray) -> Classified:
    """Classify tracks given all :data:`FEATURE_NAMES` (n, 11; NaN where unknown)."""
    if sorted(model.labels) != sorted(EMOTIONS):
        raise MoodtuneError(
            f"the model {model.version} predicts {', '.join(model.labels)}; the catalogue needs "
            f"the {len(EMOTIONS)} emotions ({', '.join(EMOTIONS)})"
        )
    prediction = model.predict_columns(every, FEATURE_NAMES)
    order = [model.labels.index(name) for name in EMOTIONS]
    reading = np.concatenate([prediction.reading, prediction.standardised], axis=1)
    return Classified(prediction.probabilities[:, order], reading.astype(np.float64))


def _feature_matrix(table: TrackTable) -> np.ndarray:
    """All :data:`FEATURE_NAMES` of a table, (n, 11), NaN for the columns it lacks."""
    matrix = np.full((len(table.frame), len(FEATURE_NAMES)), np.nan)
    for column, name in enumerate(FEATURE_NAMES):
        if name in table.frame.columns:
            matrix[:, column] = table.frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
    return matrix


def _per_row(values: Sequence[Any] | None, rows: int, name: str) -> list[Any]:
    if values is None:
        return [None] * rows
    values = list(values)
    if len(values) != rows:
        raise MoodtuneError(f"{name} has {len(values)} entries for {rows} tracks")
    return [None if v is None or not str(v).strip() else str(v) for v in values]


def _is_url(value: str) -> bool:
    """An http(s) URL (stored as remote audio, never fetched), as opposed to a local path."""
    return value[:8].lower().startswith(("http://", "https://"))


def _texts(series: pd.Series) -> list[str | None]:
    """Strings, with None for missing values (pandas may hold them as NaN or NA)."""
    return [v if isinstance(v, str) else None for v in series.tolist()]


def _nullable(values: np.ndarray) -> list[float | None]:
    """Floats, with None where the value is NaN (SQL NULL)."""
    out: list[float | None] = values.tolist()
    for index in np.flatnonzero(np.isnan(values)).tolist():
        out[index] = None
    return out
