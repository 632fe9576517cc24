"""Readers: CSV, TSV, Parquet and JSON track tables, and the seed data set, into a TrackTable.

Every reader validates at the boundary. A problem is reported as an :class:`InputError` that
names the file, the row (1-based, counting data rows, not the header) and the column. Rows are
never dropped silently: by default a bad row stops the read; with ``skip_invalid=True`` bad
rows are left out and counted, per reason, in ``TrackTable.notes``.
"""

from __future__ import annotations

import decimal
import io
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

#: Other names people give Spotify's features (Spotify's own app says "Positiveness"; many
#: tables say BPM); a table read through one of them gets a note saying so.
FEATURE_ALIASES: dict[str, str] = {
    "positiveness": "valence",
    "bpm": "tempo",
    "beats_per_minute": "tempo",
    "loudness_db": "loudness",
}

SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".json", ".jsonl")


def normalise_column(name: object) -> str:
    """``" Track Name "`` → ``"track_name"``; ``"Dance-ability"`` → ``"dance_ability"``.

    A byte-order mark inside a name (a Parquet or JSON file made from a CSV read without
    dropping it) is ignored like a space.
    """
    text = str(name).replace("\ufeff", " ").strip().lower()
    return re.sub(r"[\s\-\.\(\)]+", "_", text).strip("_")


def read_tracks(
    path: str | Path,
    *,
    skip_invalid: bool = False,
    label_column: str | None = None,
    columns: Sequence[str] = SEED_FEATURES,
    merge_repeats: bool = True,
) -> TrackTable:
    """Read a track table from ``path`` (by suffix: .csv, .tsv, .parquet, .json, .jsonl).

    Spotify column names are recognised in any case or spacing; extra columns are ignored.
    A JSON object of title → list of numbers is read as the seed format with ``columns`` as
    the column order. ``label_column`` names the label column when it is not called
    emotion, label or mood. ``merge_repeats=False`` keeps every row, in order, even when
    rows repeat a track with identical values (as ``predict`` does: one output row per input
    row).
    """
    path = Path(path)
    frame = read_frame(path, columns=columns)
    return tidy(
        frame,
        source=str(path),
        skip_invalid=skip_invalid,
        label_column=label_column,
        merge_repeats=merge_repeats,
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
    merge_repeats: bool = True,
) -> TrackTable:
    """Validate and normalise a raw frame into a :class:`TrackTable`.

    Renames columns to canonical names, refuses cells that are not one value, parses text keys
    and modes, rescales the 0–1 features of rows that give them as 0–100 (decided per row, see
    :func:`_percent_rows`), checks every value and resolves repeated track ids: repeats with
    different values are refused, identical ones merged (or, with ``merge_repeats=False``,
    kept: every valid row stays, in order).
    """
    notes: list[str] = []
    frame = _canonical_columns(frame, source, label_column, notes)
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
    frame = _resolve_repeats(frame, source, notes, merge=merge_repeats)
    for name in features:
        frame[name] = frame[name].astype(np.float64)
    return TrackTable(frame, source, notes)


# --- loading -------------------------------------------------------------------------------


#: Longest whole number accepted in JSON, in digits (Python refuses to convert more than 4,300
#: by default; no feature or id needs more than a few dozen).
MAX_INT_DIGITS = 100
#: Delimiters a .txt table may use; the one found most often in its header line wins.
TEXT_DELIMITERS = (",", "\t", ";", "|")


def _read_text(path: Path) -> str:
    """The whole file as text: UTF-8, with a leading byte-order mark dropped (in every format)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("cannot be read: a folder, not a file", path=str(path)) from None
    except UnicodeDecodeError as error:
        raise InputError(
            f"is not UTF-8 text (byte {error.start}: {error.reason}); save it as UTF-8",
            path=str(path),
        ) from None
    except OSError as error:
        raise InputError(f"cannot be read ({error.strerror or error})", path=str(path)) from None


def _unique_keys(path: Path, row: int | None = None):
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise InputError(
                    f"the key {_short(key)} appears twice in one object; a second entry would "
                    "silently replace the first: keep one (or rename it)",
                    path=str(path),
                    row=row,
                )
            result[key] = value
        return result

    return hook


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise ValueError(f"a number with {digits} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _json_value(text: str, path: Path, row: int | None = None) -> Any:
    """Parse one JSON document: unique keys, whole numbers of at most MAX_INT_DIGITS digits,
    and nesting within the interpreter's recursion limit (deeper is refused, not a crash)."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys(path, row), parse_int=_parse_int)
    except ValueError as error:  # json.JSONDecodeError is a ValueError, so is _parse_int's
        raise InputError(
            f"not valid JSON ({_first_line(error)})", path=str(path), row=row
        ) from None
    except RecursionError:
        raise InputError(
            "not a track table: the JSON is nested too deeply (a track table needs 3 levels)",
            path=str(path),
            row=row,
        ) from None


def _read_json(path: Path) -> Any:
    return _json_value(_read_text(path), path)


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
    try:
        exists, is_file = path.exists(), path.is_file()
    except OSError as error:  # e.g. a name longer than the file system allows
        raise InputError(f"cannot be read ({error.strerror or error})", path=str(path)) from None
    if not exists:
        raise InputError("file not found", path=str(path))
    if not is_file:
        raise InputError("is not a file", path=str(path))
    if suffix == ".parquet":
        frame = _parquet_frame(path)
    elif suffix == ".jsonl":
        frame = _jsonl_frame(path)
    else:
        frame = _delimited_frame(path, {".csv": ",", ".tsv": "\t"}.get(suffix))
    _check_repeated_columns([str(c) for c in frame.columns], str(path))
    return frame


def _parquet_frame(path: Path) -> pd.DataFrame:
    import pyarrow as pa

    try:
        frame = pd.read_parquet(path)
    except (pa.ArrowException, ValueError, TypeError, OSError, NotImplementedError) as error:
        raise InputError(
            f"cannot be read as a parquet table ({_first_line(error)})", path=str(path)
        ) from None
    if isinstance(frame.columns, pd.MultiIndex):
        raise InputError("has multi-level column names; flatten them", path=str(path))
    return frame


def _jsonl_frame(path: Path) -> pd.DataFrame:
    records = []
    # Split on "\n" only: a JSON string may hold U+2028 and other characters that
    # str.splitlines() would also break at.
    for number, line in enumerate(_read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        record = _json_value(line, path, row=len(records) + 1)
        if not isinstance(record, dict):
            raise InputError(
                f"line {number} is not a JSON object (one track per line)",
                path=str(path),
                row=len(records) + 1,
            )
        records.append(record)
    return pd.DataFrame.from_records(records)


def _delimited_frame(path: Path, delimiter: str | None) -> pd.DataFrame:
    """A CSV, TSV or delimited .txt table, every cell kept as text ("" when empty).

    Blank lines are skipped; a row with fewer cells than the header is padded with empty cells
    (reported later as missing values); a row with more cells is refused, since no one can tell
    which of its cells belong where. (Parsed by pandas' C reader: 2–3 times faster than the
    csv module here.)
    """
    text = _read_text(path)
    kind = path.suffix.lower()[1:]
    if not text.strip():
        raise InputError(f"is empty: a {kind} table needs a header line", path=str(path))
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(
            f"cannot be read as a {kind} table (line {line} holds a NUL character: a binary or "
            "UTF-16 file?); save it as UTF-8 text",
            path=str(path),
        )
    if delimiter is None:
        header_line = text.lstrip("\r\n").split("\n", 1)[0]
        counts = [header_line.count(candidate) for candidate in TEXT_DELIMITERS]
        delimiter = TEXT_DELIMITERS[int(np.argmax(counts))] if max(counts) else ","
    try:
        rows = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=object,
            na_filter=False,
            skipinitialspace=True,
            skip_blank_lines=True,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as error:
        message = _first_line(error).removeprefix("Error tokenizing data. C error: ")
        ragged = _RAGGED.match(message)
        if ragged:
            width, line, count = ragged.groups()
            message = (
                f"line {line} has {count} cells where the header has {width} (delimiter "
                f"{delimiter!r}); quote cells that contain it"
            )
        raise InputError(f"cannot be read as a {kind} table ({message})", path=str(path)) from None
    header = [str(name).strip() for name in rows.iloc[0]]
    _check_repeated_columns(header, str(path))
    frame = rows.iloc[1:].reset_index(drop=True)
    frame.columns = header
    return frame


_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _check_repeated_columns(names: Sequence[str], source: str) -> None:
    """Refuse a header that names the same column twice (exactly, or after folding case and
    spacing) when moodtune reads that column: which of the two is meant cannot be guessed."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        folded = normalise_column(name)
        meaning = COLUMN_ALIASES.get(folded, folded)
        if meaning not in FEATURES and meaning not in ID_COLUMNS and meaning != LABEL:
            continue
        if folded in seen:
            first = seen[folded]
            same = "the same name" if names[first - 1] == name else "names that mean the same"
            raise InputError(
                f"columns {first} and {position} have {same} ({names[first - 1]!r}, {name!r}): "
                "keep one of them",
                path=source,
                column=name,
            )
        seen[folded] = position


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


def _short(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: error messages stay one short line."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


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


def _canonical_columns(
    frame: pd.DataFrame, source: str, label_column: str | None, notes: list[str]
) -> pd.DataFrame:
    names = [normalise_column(c) for c in frame.columns]
    for column, name in zip(list(frame.columns), names, strict=True):
        if name in FEATURE_ALIASES and FEATURE_ALIASES[name] not in names:
            notes.append(f"read column {str(column)!r} as {FEATURE_ALIASES[name]}")
    names = [
        FEATURE_ALIASES[n] if n in FEATURE_ALIASES and FEATURE_ALIASES[n] not in names else n
        for n in names
    ]
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
        if pd.api.types.infer_dtype(frame["key"], skipna=False) == "string":
            keys = pd.to_numeric(frame["key"].astype(object), errors="coerce").to_numpy(
                dtype=np.float64, copy=True
            )
        else:
            keys = np.array([_cell_number(v) for v in frame["key"]], dtype=np.float64)
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


#: Text that means "no value" in a cell.
_BLANK_WORDS = frozenset({"", "nan", "NaN", "null", "None", "NA"})


def _is_blank(value: object) -> bool:
    if isinstance(value, str):
        return value.strip() in _BLANK_WORDS
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


#: Cell types that hold one value; anything else (a JSON list or object, a Parquet list or
#: struct, bytes, a date) is refused rather than turned into text or a number.
_SCALARS = (str, int, float, np.integer, np.floating, np.bool_, decimal.Decimal)


#: What ``pandas.api.types.infer_dtype`` calls a column of only such scalars.
_SCALAR_KINDS = frozenset(
    {"string", "empty", "integer", "floating", "mixed-integer-float", "decimal", "boolean"}
)


def _describe(value: object) -> str:
    """A short description of a cell for an error message (never a full repr of a nest)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple | np.ndarray):
        return "a list"
    if isinstance(value, np.generic):
        return _short(value.item())
    if isinstance(value, _SCALARS) or value is None:
        return _short(value)
    return f"a {type(value).__name__}"


def _single_values(
    frame: pd.DataFrame, source: str, skip_invalid: bool, invalid: dict[int, str]
) -> None:
    """Refuse cells that are not one value: a list, an object, bytes, a date, … (the cell is
    emptied, so a row left out with ``skip_invalid`` cannot disturb later steps)."""
    for column in frame.columns:
        if frame[column].dtype != object:
            if pd.api.types.is_datetime64_any_dtype(frame[column]) or isinstance(
                frame[column].dtype, pd.PeriodDtype | pd.IntervalDtype
            ):
                for row in range(len(frame)):
                    _fail_or_mark(
                        "not a single value",
                        source,
                        row,
                        column,
                        skip_invalid,
                        invalid,
                        f": a {frame[column].dtype} column; expected numbers or text",
                    )
                frame[column] = pd.Series([None] * len(frame), dtype=object)
            continue
        if pd.api.types.infer_dtype(frame[column], skipna=True) in _SCALAR_KINDS:
            continue  # all text or all numbers (the common case, checked in C)
        cells = frame[column].to_numpy()
        odd = [
            row
            for row, value in enumerate(cells)
            if value is not None and not _is_blank_scalar(value) and not isinstance(value, _SCALARS)
        ]
        for row in odd:
            _fail_or_mark(
                "not a single value",
                source,
                row,
                column,
                skip_invalid,
                invalid,
                f": found {_describe(cells[row])}; expected a number or text",
            )
            frame.at[row, column] = None


def _is_blank_scalar(value: object) -> bool:
    return value is pd.NA or value is pd.NaT


def _numbers(
    frame: pd.DataFrame, name: str, source: str, skip_invalid: bool, invalid: dict[int, str]
) -> np.ndarray:
    """The feature column ``name`` as float64, shape (n,): NaN where the cell is missing or not
    a number (each such row reported). ``true``/``false`` count as numbers only for ``mode``."""
    spec = FEATURES[name]
    raw = frame[name]
    if pd.api.types.is_bool_dtype(raw) and name == "mode":
        return raw.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        blank = np.isnan(values)
        bad = np.zeros(len(values), dtype=bool)
    elif pd.api.types.infer_dtype(raw, skipna=False) == "string":  # CSV cells: vectorised
        text = raw.astype(object)
        blank = text.str.strip().isin(_BLANK_WORDS).to_numpy()
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, copy=True)
        values[blank] = np.nan
        bad = np.isnan(values) & ~blank
    else:
        cells = raw.to_numpy(dtype=object)
        blank = np.fromiter((_is_blank(v) for v in cells), dtype=bool, count=len(cells))
        values = np.full(len(cells), np.nan)
        for row, value in enumerate(cells):
            if not blank[row]:
                values[row] = _cell_number(value, boolean_ok=name == "mode")
        bad = np.isnan(values) & ~blank
    for row in np.flatnonzero(bad):
        _fail_or_mark(
            "non-numeric value",
            source,
            int(row),
            name,
            skip_invalid,
            invalid,
            f" {_describe(raw.iloc[row])}: expected a number ({spec.unit})",
        )
    for row in np.flatnonzero(blank):
        _fail_or_mark("missing value (NaN or empty)", source, int(row), name, skip_invalid, invalid)
    return values


def _cell_number(value: object, *, boolean_ok: bool = False) -> float:
    """One cell as a float; NaN when it is not a number (text that is not one, true/false)."""
    if isinstance(value, bool | np.bool_):
        return float(value) if boolean_ok else np.nan
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER.match(text):
            return np.nan
        return float(text)
    if isinstance(value, int | np.integer | decimal.Decimal):
        try:
            return float(value)
        except OverflowError:
            return float("inf") if value > 0 else float("-inf")
    if isinstance(value, float | np.floating):
        return float(value)
    return np.nan


#: A decimal number as text (what ``float`` accepts without underscores, hex or blanks inside),
#: including ``inf``; ``nan`` is a missing value, handled before.
_NUMBER = re.compile(r"^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?)$", re.I)


def _percent_rows(numbers: dict[str, np.ndarray]) -> np.ndarray:
    """Which rows give their 0–1 features on a 0–100 scale, shape (n,) bool.

    Decided per row from all its 0–1 features together: a row is 0–100 when more than half of
    its non-zero 0–1 values exceed 1. A row of 0–1 values with one slip (an energy of 1.5) is
    therefore not rescaled (the slip is reported as out of range), and a 0–100 row keeps all its
    features together, including the ones below 1 (an instrumentalness of 0.4 %).
    """
    unit = [name for name in numbers if FEATURES[name].unit_interval]
    if not unit:
        return np.zeros(len(next(iter(numbers.values()))), dtype=bool)
    block = np.column_stack([numbers[name] for name in unit])
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(block)
        nonzero = (finite & (block != 0)).sum(axis=1)
        above = (finite & (block > 1)).sum(axis=1)
    return 2 * above > nonzero


def _scale_notes(percent: np.ndarray, unit: Sequence[str]) -> list[str]:
    count, total = int(percent.sum()), len(percent)
    if count == 0:
        return []
    names = ", ".join(unit)
    if count == total:
        return [f"every row gives its 0–1 features ({names}) as 0–100: divided by 100"]
    minority = np.flatnonzero(percent if 2 * count <= total else ~percent) + 1
    shown = ", ".join(map(str, minority[:10])) + (", …" if len(minority) > 10 else "")
    which = "these are the 0–100 rows" if 2 * count <= total else "these are the 0–1 rows"
    return [
        f"{count} of {total} rows give their 0–1 features ({names}) as 0–100 (most of a row's "
        f"values above 1) and were divided by 100; the other {total - count} are read as 0–1 "
        f"(rows {shown}: {which})"
    ]


def _check_range(
    values: np.ndarray,
    name: str,
    percent: np.ndarray,
    source: str,
    skip_invalid: bool,
    invalid: dict[int, str],
) -> np.ndarray:
    """Rescale a 0–1 feature on 0–100 rows and report values out of the feature's range."""
    spec = FEATURES[name]
    scaled = np.where(percent, values / 100.0, values) if spec.unit_interval else values
    with np.errstate(invalid="ignore"):
        out = ~np.isnan(scaled) & ((scaled < spec.low) | (scaled > spec.high) | np.isinf(scaled))
        if spec.integer:
            out |= np.isfinite(scaled) & (scaled != np.round(scaled))
    for row in np.flatnonzero(out):
        expected = f"{spec.low:g} to {spec.high:g} ({spec.unit})"
        if spec.integer:
            expected = f"a whole number from {spec.low:g} to {spec.high:g} ({spec.unit})"
        elif spec.unit_interval and percent[row]:
            expected = "0 to 100 (this row gives its 0–1 features as 0–100)"
        elif spec.unit_interval:
            expected = (
                f"{expected}; a row may give all its 0–1 features as 0–100 instead, but most "
                "of this row's are at most 1"
            )
        _fail_or_mark(
            "out-of-range value",
            source,
            int(row),
            name,
            skip_invalid,
            invalid,
            f" {values[row]:g}: expected {expected}",
        )
    return scaled


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
        merged = sorted(
            {
                f"{w} → {emotions.canonical(w)}"
                for w in present.unique()
                if w.lower() != emotions.canonical(w)
            }
        )
        if merged:
            notes.append(f"labels read as the seven emotions: {', '.join(merged)}")
    else:
        frame[LABEL] = [None if b else w.lower() for w, b in zip(words, blank, strict=True)]
        classes = sorted(present.str.lower().unique())
        notes.append(
            f"labels are not all emotion names; kept as {len(classes)} classes: "
            f"{', '.join(classes)}"
        )


def _resolve_repeats(
    frame: pd.DataFrame, source: str, notes: list[str], *, merge: bool = True
) -> pd.DataFrame:
    """Refuse repeats of a track id with different values; merge identical ones (or, with
    ``merge=False``, keep them and say how many there are)."""
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
    if not merge:
        copies = int((frame["track_id"].duplicated(keep="first") & repeated).sum())
        notes.append(f"{copies} row(s) repeat an earlier track id with identical values; kept")
        return frame
    before = len(frame)
    frame = frame[~(frame["track_id"].duplicated(keep="first") & repeated)]
    frame = frame.reset_index(drop=True)
    notes.append(
        f"merged {before - len(frame)} repeated row(s) of the same track id with identical "
        f"values ({len(frame)} unique tracks)"
    )
    return frame
