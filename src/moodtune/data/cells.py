"""Validating the cells of a track table: one value per cell, numbers where numbers belong,
keys and modes as names or numbers, 0–100 rows rescaled, values in range, labels read as the
seven emotions where they are.

A bad cell either stops the read with an :class:`~moodtune.errors.InputError` naming file,
row and column, or (with ``skip_invalid``) marks its row to be left out and counted.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from moodtune import emotions
from moodtune.data.features import FEATURES, parse_key, parse_mode
from moodtune.data.loading import _short
from moodtune.data.spotify_ids import id_from_href
from moodtune.data.table import LABEL
from moodtune.errors import InputError

__all__ = ["bare_spotify_id", "describe_cell", "is_blank"]


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
            if is_blank(value):
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
                    f" {describe_cell(value)}: expected 0–11 or a name like 'F', 'C#', 'A min'",
                )
                continue
            keys[row] = parsed[0]
            if parsed[1] is not None:
                modes[int(row)] = parsed[1]
        blank = frame["key"].map(is_blank).to_numpy()
        frame["key"] = np.where(blank, frame["key"], keys).tolist()
        if modes:
            if "mode" not in frame.columns:
                frame["mode"] = np.nan
            for row, mode in modes.items():
                if "mode" not in frame.columns or is_blank(frame.at[row, "mode"]):
                    frame.at[row, "mode"] = mode
    if "mode" in frame.columns and not pd.api.types.is_numeric_dtype(frame["mode"]):
        values = []
        for value in frame["mode"]:
            parsed_mode = parse_mode(value) if isinstance(value, str) else None
            values.append(value if parsed_mode is None else parsed_mode)
        frame["mode"] = values


#: Text that means "no value" in a cell.
_BLANK_WORDS = frozenset({"", "nan", "NaN", "null", "None", "NA"})


def is_blank(value: object) -> bool:
    """True for an empty cell: None, NaN, or a text such as ``""``, ``"nan"``, ``"NA"``."""
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


def describe_cell(value: object) -> str:
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
                f": found {describe_cell(cells[row])}; expected a number or text",
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
        blank = np.fromiter((is_blank(v) for v in cells), dtype=bool, count=len(cells))
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
            f" {describe_cell(raw.iloc[row])}: expected a number ({spec.unit})",
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
    blank = frame[LABEL].map(is_blank).to_numpy()
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
