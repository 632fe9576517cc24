"""Readers: CSV, TSV, Parquet and JSON track tables, and the seed data set, into a TrackTable.

Every reader validates at the boundary. A problem is reported as an :class:`InputError` that
names the file, the row (1-based, counting data rows, not the header) and the column. Rows are
never dropped silently: by default a bad row stops the read; with ``skip_invalid=True`` bad
rows are left out and counted, per reason, in ``TrackTable.notes``.

The work is done by the modules beside this one — :mod:`~moodtune.data.loading` (files),
:mod:`~moodtune.data.columns` (names), :mod:`~moodtune.data.cells` (values) and
:mod:`~moodtune.data.repeats` (rows of one track) — whose public names are importable from
here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from moodtune.data.cells import (
    _check_range,
    _fail_or_mark,
    _identity_text,
    _normalise_labels,
    _numbers,
    _parse_key_and_mode,
    _percent_rows,
    _scale_notes,
    _single_values,
    bare_spotify_id,
)
from moodtune.data.columns import (
    COLUMN_ALIASES,
    FEATURE_ALIASES,
    _canonical_columns,
    normalise_column,
)
from moodtune.data.features import FEATURES, SEED_FEATURES
from moodtune.data.loading import (
    MAX_INT_DIGITS,
    SUFFIXES,
    TEXT_DELIMITERS,
    _is_seed_format,
    _json_frame,
    _read_frame,
    _read_json,
    _seed_frame,
)
from moodtune.data.repeats import ON_CONFLICT, _resolve_repeats, resolve_repeats
from moodtune.data.table import ID_COLUMNS, LABEL, TrackTable, is_other_id
from moodtune.errors import InputError

__all__ = [
    "COLUMN_ALIASES",
    "FEATURE_ALIASES",
    "MAX_INT_DIGITS",
    "ON_CONFLICT",
    "SUFFIXES",
    "TEXT_DELIMITERS",
    "_resolve_repeats",
    "bare_spotify_id",
    "normalise_column",
    "read_frame",
    "read_seed",
    "read_tracks",
    "resolve_repeats",
    "tidy",
]


def read_tracks(
    path: str | Path,
    *,
    skip_invalid: bool = False,
    label_column: str | None = None,
    columns: Sequence[str] = SEED_FEATURES,
    merge_repeats: bool = True,
    id_column: str | None = None,
    on_conflict: str = "error",
) -> TrackTable:
    """Read a track table from ``path`` (by suffix: .csv, .tsv, .parquet, .json, .jsonl).

    Spotify column names are recognised in any case or spacing; extra columns are ignored.
    A JSON object of title → list of numbers is read as the seed format with ``columns`` as
    the column order. ``label_column`` names the label column when it is not called
    emotion, label or mood. ``merge_repeats=False`` keeps every row, in order, even when
    rows repeat a track with identical values (as ``predict`` does: one output row per input
    row). ``id_column`` names the track id column when the table has several (an MSD id
    beside a Spotify id); ``on_conflict`` says what to do with rows of one track that carry
    different labels (:data:`~moodtune.data.repeats.ON_CONFLICT`; by default they are
    refused).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mine.csv"
    >>> _ = path.write_text("msd_id,Spotify ID,valence,energy\\nTR1,4uLU6hMC,0.4,0.5\\n")
    >>> read_tracks(path, id_column="msd_id").frame["track_id"].tolist()
    ['TR1']
    """
    path = Path(path)
    frame = read_frame(path, columns=columns)
    return tidy(
        frame,
        source=str(path),
        skip_invalid=skip_invalid,
        label_column=label_column,
        merge_repeats=merge_repeats,
        id_column=id_column,
        on_conflict=on_conflict,
    )


def read_frame(path: str | Path, *, columns: Sequence[str] = SEED_FEATURES) -> pd.DataFrame:
    """The raw table in ``path`` before validation (values as read, column names as given).

    A seed-format JSON object (title → list of numbers) becomes a ``title`` column plus
    ``columns``. Use :func:`tidy` to validate the result into a :class:`TrackTable`.
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"unsupported file type {path.suffix or '(none)'!r}; use one of {', '.join(SUFFIXES)}",
            path=str(path),
        )
    if path.suffix.lower() != ".json":
        return _read_frame(path)
    data = _read_json(path)
    if _is_seed_format(data):
        return _seed_frame(data, path, columns)
    return _json_frame(data, path)


def read_seed(
    features_path: str | Path,
    labels_path: str | Path | None = None,
    *,
    columns: Sequence[str] = SEED_FEATURES,
    skip_invalid: bool = False,
) -> TrackTable:
    """Read the seed format: a JSON object title → list of values in ``columns`` order.

    ``labels_path`` is a CSV of ``title,emotion`` rows; they are matched to the JSON entries by
    position (as the seed did) and the titles must agree, so a shifted file is caught.
    """
    features_path = Path(features_path)
    frame = _seed_frame(_read_json(features_path), features_path, columns)
    if labels_path is not None:
        labels_path = Path(labels_path)
        labels = _read_frame(labels_path)
        labels.columns = [normalise_column(c) for c in labels.columns]
        labels = labels.rename(columns={c: COLUMN_ALIASES.get(c, c) for c in labels.columns})
        for needed in ("title", LABEL):
            if needed not in labels.columns:
                raise InputError(
                    f"needs columns 'title' and 'emotion'; found {', '.join(labels.columns)}",
                    path=str(labels_path),
                )
        if len(labels) != len(frame):
            raise InputError(
                f"has {len(labels)} labels for the {len(frame)} tracks of {features_path.name}",
                path=str(labels_path),
            )
        titles = labels["title"].astype(str).to_numpy()
        mismatch = np.flatnonzero(titles != frame["title"].to_numpy())
        if mismatch.size:
            row = int(mismatch[0])
            raise InputError(
                f"title {str(titles[row])!r} does not match entry {row + 1} of "
                f"{features_path.name} ({frame['title'].iloc[row]!r}); labels go by position",
                path=str(labels_path),
                row=row + 1,
                column="title",
            )
        frame[LABEL] = labels[LABEL].to_numpy()
    return tidy(frame, source=str(features_path), skip_invalid=skip_invalid)


def tidy(
    frame: pd.DataFrame,
    *,
    source: str,
    skip_invalid: bool = False,
    label_column: str | None = None,
    merge_repeats: bool = True,
    id_column: str | None = None,
    on_conflict: str = "error",
) -> TrackTable:
    """Validate and normalise a raw frame into a :class:`TrackTable`.

    Renames columns to canonical names, refuses cells that are not one value, parses text keys
    and modes, rescales the 0–1 features of rows that give them as 0–100 (decided per row, see
    :func:`~moodtune.data.cells._percent_rows`), checks every value and resolves repeated
    track ids (:func:`~moodtune.data.repeats.resolve_repeats`): repeats with different values
    are refused (or, for labels, resolved by ``on_conflict``), identical ones merged (or, with
    ``merge_repeats=False``, kept: every valid row stays, in order).

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"Track Name": ["a", "b"], "Positiveness": [40, 80],
    ...                     "Energy": [50, 70], "Mood": ["happy", "Sad"]})
    >>> table = tidy(raw, source="mine.csv")
    >>> table.frame[["title", "valence", "energy", "label"]].values.tolist()
    [['a', 0.4, 0.5, 'happiness'], ['b', 0.8, 0.7, 'sadness']]
    """
    notes: list[str] = []
    frame = _canonical_columns(frame, source, label_column, notes, id_column)
    frame = _known_columns(frame, source, keep_other_ids=id_column is not None)
    invalid: dict[int, str] = {}
    _single_values(frame, source, skip_invalid, invalid)
    _parse_key_and_mode(frame, source, skip_invalid, invalid)
    features = [name for name in FEATURES if name in frame.columns]
    if not features:
        raise InputError(
            f"has none of the audio feature columns ({', '.join(FEATURES)})", path=source
        )
    numbers = {name: _numbers(frame, name, source, skip_invalid, invalid) for name in features}
    percent = _percent_rows(numbers)
    notes.extend(_scale_notes(percent, [n for n in features if FEATURES[n].unit_interval]))
    for name in features:
        frame[name] = _check_range(numbers[name], name, percent, source, skip_invalid, invalid)
    _identity_columns(frame, source, skip_invalid, invalid)
    if LABEL in frame.columns:
        _normalise_labels(frame, source, skip_invalid, invalid, notes)
    frame = _drop_invalid(frame, invalid, source, notes)
    frame = resolve_repeats(frame, source, notes, merge=merge_repeats, on_conflict=on_conflict)
    for name in features:
        frame[name] = frame[name].astype(np.float64)
    return TrackTable(frame, source, notes)


def _known_columns(frame: pd.DataFrame, source: str, *, keep_other_ids: bool) -> pd.DataFrame:
    """Only the identity, feature and label columns, in that order (then, with
    ``keep_other_ids``, the id columns ``--id-column`` did not choose); refuses an empty table
    and one with neither a track id nor a title."""
    if frame.empty:
        raise InputError("the table has no rows", path=source)
    if not any(c in frame.columns for c in ("track_id", "title")):
        raise InputError(
            "needs a track id or title column (e.g. 'id', 'track_id', 'name', 'title'); "
            f"found {', '.join(map(str, frame.columns))}",
            path=source,
        )
    keep = [c for c in (*ID_COLUMNS, *FEATURES, LABEL) if c in frame.columns]
    keep += [c for c in frame.columns if isinstance(c, str) and is_other_id(c) and keep_other_ids]
    frame = frame[keep].copy()
    return frame.reset_index(drop=True)


def _identity_columns(
    frame: pd.DataFrame, source: str, skip_invalid: bool, invalid: dict[int, str]
) -> None:
    """Identity cells as trimmed text (None when empty); bare Spotify ids; an empty track id
    is a bad row."""
    for column in ("track_id", "title", "artist", "album"):
        if column in frame.columns:
            frame[column] = frame[column].map(_identity_text)
    if "track_id" in frame.columns:
        frame["track_id"] = frame["track_id"].map(bare_spotify_id)
        missing = frame["track_id"].isna() & ~frame.index.isin(list(invalid))
        for row in np.flatnonzero(missing):
            _fail_or_mark("empty track id", source, int(row), "track_id", skip_invalid, invalid)


def _drop_invalid(
    frame: pd.DataFrame, invalid: dict[int, str], source: str, notes: list[str]
) -> pd.DataFrame:
    """Leave out the rows marked invalid, counted per reason in a note."""
    if not invalid:
        return frame
    reasons: dict[str, int] = {}
    for reason in invalid.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    detail = "; ".join(f"{count} with {reason}" for reason, count in sorted(reasons.items()))
    notes.append(f"skipped {len(invalid)} invalid row(s) of {len(frame)}: {detail}")
    frame = frame.drop(index=list(invalid)).reset_index(drop=True)
    if frame.empty:
        raise InputError("every row is invalid", path=source)
    return frame
