"""Readers: CSV, TSV, Parquet and JSON track tables, and the seed data set, into a TrackTable.

Every reader validates at the boundary. A problem is reported as an :class:`InputError` that
names the file, the row (1-based, counting data rows, not the header) and the column. Rows are
never dropped silently: by default a bad row stops the read; with ``skip_invalid=True`` bad
rows are left out and counted, per reason, in ``TrackTable.notes``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moodtune import emotions
from moodtune.data.features import FEATURES, SEED_FEATURES, parse_key, parse_mode
from moodtune.data.spotify_ids import id_from_href
from moodtune.data.table import ID_COLUMNS, LABEL, TrackTable
from moodtune.errors import InputError

#: Column names (after lower-casing and folding spaces, dashes and dots to "_") that mean
#: an identity or label column.
COLUMN_ALIASES: dict[str, str] = {
    **{
        name: "track_id"
        for name in (
            "track_id",
            "id",
            "spotify_id",
            "trackid",
            "track_uri",
            "uri",
            "spotify_track_id",
            "spotify_uri",
        )
    },
    **{
        name: "title"
        for name in (
            "title",
            "name",
            "track_name",
            "track",
            "song",
            "song_name",
            "track_title",
            "song_title",
        )
    },
    **{
        name: "artist"
        for name in ("artist", "artists", "track_artist", "artist_name", "artist_names", "artist_s")
    },
    **{name: "album" for name in ("album", "album_name", "track_album_name")},
    **{name: LABEL for name in ("label", "emotion", "mood", "class")},
}

SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".json", ".jsonl")


def normalise_column(name: object) -> str:
    """``" Track Name "`` → ``"track_name"``; ``"Dance-ability"`` → ``"dance_ability"``."""
    return re.sub(r"[\s\-\.\(\)]+", "_", str(name).strip().lower()).strip("_")


def read_tracks(
    path: str | Path,
    *,
    skip_invalid: bool = False,
    label_column: str | None = None,
    columns: Sequence[str] = SEED_FEATURES,
) -> TrackTable:
    """Read a track table from ``path`` (by suffix: .csv, .tsv, .parquet, .json, .jsonl).

    Spotify column names are recognised in any case or spacing; extra columns are ignored.
    A JSON object of title → list of numbers is read as the seed format with ``columns`` as
    the column order. ``label_column`` names the label column when it is not called
    emotion, label or mood.
    """
    path = Path(path)
    frame = read_frame(path, columns=columns)
    return tidy(frame, source=str(path), skip_invalid=skip_invalid, label_column=label_column)


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
                f"title {titles[row]!r} does not match entry {row + 1} of "
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
) -> TrackTable:
    """Validate and normalise a raw frame into a :class:`TrackTable`.

    Renames columns to canonical names, parses text keys and modes, rescales 0–100 features,
    checks every value and resolves repeated track ids.
    """
    notes: list[str] = []
    frame = _canonical_columns(frame, source, label_column)
    if frame.empty:
        raise InputError("the table has no rows", path=source)
    if not any(c in frame.columns for c in ("track_id", "title")):
        raise InputError(
            "needs a track id or title column (e.g. 'id', 'track_id', 'name', 'title'); "
            f"found {', '.join(map(str, frame.columns))}",
            path=source,
        )
    frame = frame[[c for c in (*ID_COLUMNS, *FEATURES, LABEL) if c in frame.columns]].copy()
    frame = frame.reset_index(drop=True)
    invalid: dict[int, str] = {}
    _parse_key_and_mode(frame, source, skip_invalid, invalid)
    features = [name for name in FEATURES if name in frame.columns]
    if not features:
        raise InputError(
            f"has none of the audio feature columns ({', '.join(FEATURES)})", path=source
        )
    percent = _percent_scaled(frame, features)
    for name in features:
        _check_feature(frame, name, source, skip_invalid, invalid, notes, name in percent)
    for column in ("track_id", "title", "artist", "album"):
        if column in frame.columns:
            frame[column] = frame[column].map(_identity_text)
    if "track_id" in frame.columns:
        frame["track_id"] = frame["track_id"].map(bare_spotify_id)
        missing = frame["track_id"].isna() & ~frame.index.isin(list(invalid))
        for row in np.flatnonzero(missing):
            _fail_or_mark("empty track id", source, int(row), "track_id", skip_invalid, invalid)
    if LABEL in frame.columns:
        _normalise_labels(frame, source, skip_invalid, invalid, notes)

    if invalid:
        reasons: dict[str, int] = {}
        for reason in invalid.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        detail = "; ".join(f"{count} with {reason}" for reason, count in sorted(reasons.items()))
        notes.append(f"skipped {len(invalid)} invalid row(s) of {len(frame)}: {detail}")
        frame = frame.drop(index=list(invalid)).reset_index(drop=True)
        if frame.empty:
            raise InputError("every row is invalid", path=source)
    frame = _resolve_repeats(frame, source, notes)
    for name in features:
        frame[name] = frame[name].astype(np.float64)
    return TrackTable(frame, source, notes)


# --- loading -------------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise InputError(
                    f"the key {key!r} appears twice in one object; a second entry would "
                    "silently replace the first: keep one (or rename it)",
                    path=str(path),
                )
            result[key] = value
        return result

    try:
        return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=unique_keys)
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"not valid JSON ({error})", path=str(path)) from None
    except OSError as error:
        raise InputError(f"cannot be read ({error.strerror or error})", path=str(path)) from None


def _is_seed_format(data: Any) -> bool:
    """An object whose values are all lists of plain values (not of track objects)."""
    return (
        isinstance(data, dict)
        and bool(data)
        and all(
            isinstance(v, list) and (not v or not isinstance(v[0], dict)) for v in data.values()
        )
    )


def _read_frame(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if not path.is_file():
        raise InputError("is not a file", path=str(path))
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".jsonl":
            return pd.read_json(path, lines=True, dtype=False)
        separator = {".csv": ",", ".tsv": "\t"}.get(suffix)
        return pd.read_csv(
            path,
            sep=separator,
            engine="python" if separator is None else "c",
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
        )
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(
            f"cannot be read as a {suffix[1:]} table ({message})", path=str(path)
        ) from None


def _json_frame(data: Any, path: Path) -> pd.DataFrame:
    if isinstance(data, dict):
        for key in ("tracks", "items", "data", "rows"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise InputError(
            "expected a list of track objects, an object with a 'tracks' list, or the seed "
            "format (title → list of numbers)",
            path=str(path),
        )
    return pd.DataFrame.from_records(data)


def _seed_frame(data: Any, path: Path, columns: Sequence[str]) -> pd.DataFrame:
    if not isinstance(data, dict):
        raise InputError(
            "the seed format is a JSON object: title → list of numbers", path=str(path)
        )
    unknown = [c for c in columns if c not in FEATURES]
    if unknown:
        raise InputError(f"unknown feature name(s) in the column order: {', '.join(unknown)}")
    rows = []
    for number, (title, values) in enumerate(data.items(), start=1):
        if not isinstance(values, list) or len(values) != len(columns):
            raise InputError(
                f"entry {title!r} should be a list of {len(columns)} numbers "
                f"({', '.join(columns)})",
                path=str(path),
                row=number,
            )
        rows.append([title, *values])
    return pd.DataFrame(rows, columns=["title", *columns])


# --- validation ----------------------------------------------------------------------------


def _canonical_columns(frame: pd.DataFrame, source: str, label_column: str | None) -> pd.DataFrame:
    names = [normalise_column(c) for c in frame.columns]
    wanted_label = normalise_column(label_column) if label_column else None
    if wanted_label is not None and wanted_label not in names:
        raise InputError(f"no label column {label_column!r}; found {', '.join(names)}", path=source)
    renamed: list[str] = []
    for name in names:
        if wanted_label is not None:
            if name == wanted_label:
                renamed.append(LABEL)
                continue
            if COLUMN_ALIASES.get(name) == LABEL:
                renamed.append(name)
                continue
        renamed.append(COLUMN_ALIASES.get(name, name))
    frame = frame.copy()
    frame.columns = renamed
    seen: dict[str, int] = {}
    for original, name in zip(frame.columns, renamed, strict=True):
        if name in FEATURES or name in ID_COLUMNS or name == LABEL:
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                raise InputError(
                    f"two columns mean {name!r} (column names after case and spacing are "
                    f"folded); keep one of them ({original!r})",
                    path=source,
                )
    return frame


def _fail_or_mark(
    reason: str,
    source: str,
    row: int,
    column: str,
    skip_invalid: bool,
    invalid: dict[int, str],
    detail: str = "",
) -> None:
    if not skip_invalid:
        hint = " (or pass --skip-invalid to leave such rows out and count them)"
        raise InputError(f"{reason}{detail}{hint}", path=source, row=row + 1, column=column)
    invalid.setdefault(row, f"{reason} in {column!r}")


def _parse_key_and_mode(
    frame: pd.DataFrame, source: str, skip_invalid: bool, invalid: dict[int, str]
) -> None:
    if "key" in frame.columns and not pd.api.types.is_numeric_dtype(frame["key"]):
        keys = pd.to_numeric(frame["key"], errors="coerce").to_numpy(dtype=np.float64, copy=True)
        modes: dict[int, int] = {}
        for row in np.flatnonzero(np.isnan(keys)):
            value = frame["key"].iloc[row]
            if _is_blank(value):
                continue
            parsed = parse_key(value)
            if parsed is None:
                _fail_or_mark(
                    "unrecognised key",
                    source,
                    int(row),
                    "key",
                    skip_invalid,
                    invalid,
                    f" {value!r}: expected 0–11 or a name like 'F', 'C#', 'A min'",
                )
                continue
            keys[row] = parsed[0]
            if parsed[1] is not None:
                modes[int(row)] = parsed[1]
        blank = frame["key"].map(_is_blank).to_numpy()
        frame["key"] = np.where(blank, frame["key"], keys).tolist()
        if modes:
            if "mode" not in frame.columns:
                frame["mode"] = np.nan
            for row, mode in modes.items():
                if "mode" not in frame.columns or _is_blank(frame.at[row, "mode"]):
                    frame.at[row, "mode"] = mode
    if "mode" in frame.columns and not pd.api.types.is_numeric_dtype(frame["mode"]):
        values = []
        for value in frame["mode"]:
            parsed_mode = parse_mode(value) if isinstance(value, str) else None
            values.append(value if parsed_mode is None else parsed_mode)
        frame["mode"] = values


def _is_blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, float) and np.isnan(value))
        or (isinstance(value, str) and value.strip() in {"", "nan", "NaN", "null", "None", "NA"})
    )


def _percent_scaled(frame: pd.DataFrame, features: Sequence[str]) -> set[str]:
    """The 0–1 features that this table gives on a 0–100 scale.

    A column looks 0–100 when most of its non-zero values exceed 1 and none exceeds 100. The
    table is taken as 0–100 only when at least half of its 0–1 columns look so; otherwise a
    value above 1 is an out-of-range error, not a reason to rescale a whole column.
    """
    looks: set[str] = set()
    unit = [name for name in features if FEATURES[name].unit_interval]
    for name in unit:
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        nonzero = values[values > 0]
        if nonzero.size and np.mean(nonzero > 1.0) > 0.5 and values.max() <= 100.0:
            looks.add(name)
    return looks if unit and 2 * len(looks) >= len(unit) else set()


def _check_feature(
    frame: pd.DataFrame,
    name: str,
    source: str,
    skip_invalid: bool,
    invalid: dict[int, str],
    notes: list[str],
    percent: bool,
) -> None:
    spec = FEATURES[name]
    raw = frame[name]
    values = pd.to_numeric(raw, errors="coerce").astype(np.float64)
    blank = raw.map(_is_blank).to_numpy()
    bad_text = values.isna().to_numpy() & ~blank
    for row in np.flatnonzero(bad_text):
        _fail_or_mark(
            "non-numeric value",
            source,
            int(row),
            name,
            skip_invalid,
            invalid,
            f" {raw.iloc[row]!r}: expected a number ({spec.unit})",
        )
    for row in np.flatnonzero(blank):
        _fail_or_mark("missing value (NaN or empty)", source, int(row), name, skip_invalid, invalid)
    finite = values.to_numpy()
    if percent:
        values = values / 100.0
        finite = values.to_numpy()
        notes.append(f"{name}: values look like 0–100, divided by 100")
    with np.errstate(invalid="ignore"):
        out = np.isfinite(finite) & ((finite < spec.low) | (finite > spec.high))
        out |= np.isinf(finite)
        if spec.integer:
            out |= np.isfinite(finite) & (finite != np.round(finite))
    for row in np.flatnonzero(out):
        expected = f"{spec.low:g} to {spec.high:g} ({spec.unit})"
        if spec.integer:
            expected = f"a whole number from {spec.low:g} to {spec.high:g} ({spec.unit})"
        _fail_or_mark(
            "out-of-range value",
            source,
            int(row),
            name,
            skip_invalid,
            invalid,
            f" {finite[row]:g}: expected {expected}",
        )
    frame[name] = values


def _identity_text(value: object) -> object:
    # Only a truly empty cell is blank here: a song may be called "None" or a band "NA".
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def bare_spotify_id(value: object) -> object:
    """``spotify:track:ID`` and ``https://open.spotify.com/track/ID?si=…`` → ``ID``; any other
    value (a bare id, another provider's id) is returned as it is."""
    if not isinstance(value, str):
        return value
    return id_from_href(value) or value


def _normalise_labels(
    frame: pd.DataFrame,
    source: str,
    skip_invalid: bool,
    invalid: dict[int, str],
    notes: list[str],
) -> None:
    blank = frame[LABEL].map(_is_blank).to_numpy()
    for row in np.flatnonzero(blank):
        _fail_or_mark("missing label", source, int(row), LABEL, skip_invalid, invalid)
    words = frame[LABEL].astype(str).str.strip()
    present = words[~blank]
    if all(emotions.is_emotion(w) for w in present.unique()):
        frame[LABEL] = [
            None if b else emotions.canonical(w) for w, b in zip(words, blank, strict=True)
        ]
    else:
        frame[LABEL] = [None if b else w.lower() for w, b in zip(words, blank, strict=True)]
        classes = sorted(present.str.lower().unique())
        notes.append(
            f"labels are not all emotion names; kept as {len(classes)} classes: "
            f"{', '.join(classes)}"
        )


def _resolve_repeats(frame: pd.DataFrame, source: str, notes: list[str]) -> pd.DataFrame:
    if "track_id" not in frame.columns:
        return frame
    repeated = frame["track_id"].duplicated(keep=False) & frame["track_id"].notna()
    if not repeated.any():
        return frame
    compare = [c for c in frame.columns if c in FEATURES or c == LABEL]
    groups = frame[repeated].groupby("track_id", sort=False)
    conflicting = groups[compare].nunique(dropna=False).max(axis=1) > 1
    if conflicting.any():
        track_id = str(conflicting[conflicting].index[0])
        rows = (np.flatnonzero(frame["track_id"].to_numpy() == track_id) + 1).tolist()
        what = "labels or feature values"
        raise InputError(
            f"duplicate track id {track_id!r} on rows {', '.join(map(str, rows[:5]))} with "
            f"different {what}; keep one row per track ({int(conflicting.sum())} such id(s))",
            path=source,
            column="track_id",
        )
    before = len(frame)
    frame = frame[~(frame["track_id"].duplicated(keep="first") & repeated)]
    frame = frame.reset_index(drop=True)
    notes.append(
        f"merged {before - len(frame)} repeated row(s) of the same track id with identical "
        f"values ({len(frame)} unique tracks)"
    )
    return frame
