"""Importing a track table into a catalogue.

Importing classifies the tracks in the same transaction, so every track has probabilities
from one model version (:mod:`~moodtune.catalogue.classification`). Repeated rows of a track
are merged as the table readers merge them (``moodtune.data.readers``).

Examples
--------
>>> import tempfile, pathlib
>>> from moodtune.data.readers import tidy
>>> from moodtune.model.artifact import EmotionModel
>>> from moodtune.catalogue.store import Store
>>> table = tidy(pd.DataFrame({
...     "track_id": ["a", "b"], "tempo": [90.0, 150.0], "danceability": [0.3, 0.8],
...     "energy": [0.2, 0.9], "valence": [0.2, 0.9], "loudness": [-12.0, -4.0],
...     "acousticness": [0.8, 0.1], "instrumentalness": [0.1, 0.0],
...     "speechiness": [0.05, 0.05], "liveness": [0.1, 0.2]}), source="two")
>>> with Store.open(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite") as store:
...     report = import_table(store, EmotionModel.default(), table, source="two")
>>> (report.added, report.updated, report.unchanged)
(2, 0, 0)
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moodtune.catalogue.classification import Classified, classify, classify_all, write_predictions
from moodtune.catalogue.schema import PROVENANCES, provenance_column
from moodtune.catalogue.store import Store
from moodtune.data.features import FEATURE_NAMES
from moodtune.data.names import bound_records
from moodtune.data.repeats import resolve_repeats
from moodtune.data.spotify_ids import is_spotify_id
from moodtune.data.table import TrackTable
from moodtune.errors import InputError, MoodtuneError
from moodtune.model.artifact import EmotionModel

__all__ = ["ImportReport", "artist_key", "import_table"]

_ARTIST_SPLIT = re.compile(r"\s*[,;/]\s*|\s+(?:feat\.?|ft\.?|featuring|&|x)\s+", re.IGNORECASE)
#: Columns of ``tracks`` written from a record, in this order.
_TRACK_TEXT = ("title", "artists", "album", "spotify_id", "audio_path", "audio_url", "preview_url")


def artist_key(artists: str | None) -> str | None:
    """The primary artist of an artist string, case-folded.

    The artist cap of the recommender counts tracks per primary artist.

    Examples
    --------
    >>> artist_key("Ed  Sheeran, Justin Bieber")
    'ed sheeran'
    >>> artist_key("") is None
    True
    """
    if artists is None or not str(artists).strip():
        return None
    first = _ARTIST_SPLIT.split(str(artists).strip(), maxsplit=1)[0]
    return " ".join(first.casefold().split()) or None


@dataclass
class ImportReport:
    """What :func:`import_table` did: counts of rows added, updated and unchanged."""

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
        """Whether the import added or updated a track."""
        return bool(self.added or self.updated)

    def summary(self) -> str:
        """One line saying what changed."""
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
        """JSON-ready fields, with ``changed``."""
        return {**asdict(self), "changed": self.changed}


@dataclass
class _Incoming:
    """A table ready to write: one record per track (repeats merged) and its classes."""

    records: pd.DataFrame
    classified: Classified
    rows: int
    merged: int
    notes: list[str]


def import_table(
    store: Store,
    model: EmotionModel,
    table: TrackTable,
    *,
    source: str,
    provenance: str | Mapping[str, str] = "provider",
    audio_paths: Sequence[str | Path | None] | None = None,
    preview_urls: Sequence[str | None] | None = None,
) -> ImportReport:
    """Add or update the tracks of ``table`` and classify them with ``model``, in one
    transaction (see :meth:`moodtune.catalogue.sqlite.Catalogue.import_table` and the
    module's example)."""
    started = time.perf_counter()
    incoming = _prepare(model, table, source, provenance, audio_paths, preview_urls)
    records = incoming.records
    with store.transaction() as connection:
        classify_all(store, connection, model, force=False)
        existing = _existing(connection, records["id"].tolist())
        known = records["id"].map(lambda i: i in existing).to_numpy(dtype=bool)
        stored_hash = records["id"].map(lambda i: existing.get(i, (0, 0))[1]).to_numpy()
        same = known & (stored_hash == records["content_hash"].to_numpy())
        changed, fresh = known & ~same, ~known
        start = connection.execute("SELECT COALESCE(MAX(rowid), 0) FROM tracks").fetchone()[0]
        rowids = np.zeros(len(records), dtype=np.int64)
        rowids[fresh] = np.arange(int(start) + 1, int(start) + 1 + int(fresh.sum()))
        if changed.any():
            rowids[changed] = [existing[i][0] for i in records["id"][changed]]
        write = fresh | changed
        if write.any():
            artist_ids = _artist_ids(connection, records["artists"][write])
            _write(connection, records[write], rowids[write], artist_ids, fresh[write], source)
            write_predictions(
                connection, rowids[write], incoming.classified.rows(write), model.version
            )
            store.set_meta(connection, "model_version", model.version)
            store.bump(connection)
    return ImportReport(
        source=str(source),
        rows=incoming.rows,
        added=int(fresh.sum()),
        updated=int(changed.sum()),
        unchanged=int(same.sum()),
        merged=incoming.merged,
        model_version=model.version,
        seconds=round(time.perf_counter() - started, 3),
        notes=incoming.notes,
    )


def _prepare(
    model: EmotionModel,
    table: TrackTable,
    source: str,
    provenance: str | Mapping[str, str],
    audio_paths: Sequence[str | Path | None] | None,
    preview_urls: Sequence[str | None] | None,
) -> _Incoming:
    """Check ``table``, build its records, merge repeats and classify (no catalogue I/O)."""
    frame = table.frame.reset_index(drop=True)
    rows = len(frame)
    if rows == 0:
        raise MoodtuneError(f"{source}: the table has no tracks to import")
    if not str(source).strip():
        raise MoodtuneError("give the import a source name (e.g. the file name)")
    origin = _provenance(provenance, table.feature_names)
    audio = _per_row(audio_paths, rows, "audio_paths")
    previews = _per_row(preview_urls, rows, "preview_urls")
    records = _records_frame(frame, origin, audio, previews)
    notes = list(table.notes)
    notes += bound_records(records, source)
    features = table.matrix(model.feature_names)
    bad = ~np.isfinite(features).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise MoodtuneError(
            f"{source}: {int(bad.sum())} row(s) lack a value the model needs "
            f"({', '.join(model.feature_names)}), first row {row + 1}; fill them or read "
            "the file with --skip-invalid"
        )
    records["content_hash"] = (
        pd.util.hash_pandas_object(records, index=False).to_numpy(dtype=np.uint64).view(np.int64)
    )
    if table.has_labels:
        notes.append(
            "the label column was not stored: the catalogue keeps the emotions the model predicts"
        )
    kept = _merge_repeats(frame, records, source, notes)
    records = records.iloc[kept].reset_index(drop=True)
    every = _feature_matrix(table)[kept]
    audio = np.full(len(every), origin.get("valence") == "estimated")  # analysed audio files
    return _Incoming(records, classify(model, every, audio), rows, rows - len(kept), notes)


def _merge_repeats(
    frame: pd.DataFrame, records: pd.DataFrame, source: str, notes: list[str]
) -> np.ndarray:
    """Row numbers of ``frame`` to keep: the first of each track id (ids derived from the
    content for rows without one), by the readers' rule (repeats with other values are
    refused)."""
    probe = frame.drop(columns=["track_id"], errors="ignore").assign(
        track_id=records["id"].to_numpy(), _row=np.arange(len(frame))
    )
    try:
        merged = resolve_repeats(probe, source, notes)
    except InputError as error:
        raise MoodtuneError(
            f"{source}: a track id appears more than once with different values ({error})"
        ) from None
    return merged["_row"].to_numpy()


def _provenance(provenance: str | Mapping[str, str], names: Sequence[str]) -> dict[str, str]:
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


def _records_frame(
    frame: pd.DataFrame,
    origin: Mapping[str, str],
    audio: list[str | None],
    previews: list[str | None],
) -> pd.DataFrame:
    """One row per table row: every column stored in ``tracks`` and ``features``."""
    rows = len(frame)

    def text(column: str) -> pd.Series:
        if column not in frame.columns:
            return pd.Series([None] * rows, dtype=object)
        return frame[column].astype(object).where(frame[column].notna(), None)

    records = pd.DataFrame(
        {"title": text("title"), "artists": text("artist"), "album": text("album")}
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
    ids = text("track_id")
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


def _artist_ids(connection: sqlite3.Connection, artists: pd.Series) -> list[int | None]:
    keys = [artist_key(a) for a in artists]
    connection.executemany(
        "INSERT OR IGNORE INTO artists (key) VALUES (?)",
        ((k,) for k in {k for k in keys if k is not None}),
    )
    codes = dict((key, code) for code, key in connection.execute("SELECT id, key FROM artists"))
    return [None if k is None else codes[k] for k in keys]


def _write(
    connection: sqlite3.Connection,
    records: pd.DataFrame,
    rowids: np.ndarray,
    artist_ids: list[int | None],
    fresh: np.ndarray,
    source: str,
) -> None:
    """Insert the new tracks, update the changed ones, and write their features."""
    values = [_texts(records[c]) for c in _TRACK_TEXT]
    hashes = records["content_hash"].tolist()
    rows = list(
        zip(rowids.tolist(), records["id"].tolist(), *values, artist_ids, hashes, strict=True)
    )
    flags = fresh.tolist()
    connection.executemany(
        f"INSERT INTO tracks (rowid, id, {', '.join(_TRACK_TEXT)}, artist_id, content_hash, "
        "source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((*row, source) for row, new in zip(rows, flags, strict=True) if new),
    )
    assignments = ", ".join(f"{c} = ?" for c in (*_TRACK_TEXT, "artist_id", "content_hash"))
    connection.executemany(
        f"UPDATE tracks SET {assignments} WHERE rowid = ?",
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
    if len(values := list(values)) != rows:
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
