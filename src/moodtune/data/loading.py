"""Loading a track table from a file, before validation: CSV, TSV, delimited text, Parquet,
JSON (a list of track objects, or the seed format title → list of numbers) and JSON lines.

Every problem is an :class:`~moodtune.errors.InputError` naming the file (and the row where
known): unreadable text, a ragged line, a repeated column, a repeated JSON key, a number with
thousands of digits, nesting deeper than the interpreter allows.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moodtune.data.columns import _check_repeated_columns
from moodtune.data.features import FEATURES
from moodtune.errors import InputError

__all__ = ["MAX_INT_DIGITS", "SUFFIXES", "TEXT_DELIMITERS"]


SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".json", ".jsonl")

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
