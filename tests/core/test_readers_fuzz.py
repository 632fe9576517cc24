"""Fuzzing the readers with hypothesis: every generated file is read into a correct table or
refused with one clear line (an InputError); never another exception, never a wrong value.

Examples are bounded and derandomised (the same cases on every machine and every run, no
example database written), so the module runs in a few seconds; set MOODTUNE_FUZZ_EXAMPLES to
run a longer randomised session.
"""

from __future__ import annotations

import json
import math
import os
import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moodtune.data.features import FEATURES
from moodtune.data.readers import read_tracks
from moodtune.data.table import TrackTable
from moodtune.errors import InputError

#: MOODTUNE_FUZZ_EXAMPLES=2000 runs a longer, randomised session (not part of `make test`).
LONG_RUN = os.environ.get("MOODTUNE_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(LONG_RUN) if LONG_RUN else 60,
    deadline=None,
    derandomize=not LONG_RUN,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
UNIT = [name for name, spec in FEATURES.items() if spec.unit_interval]
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
SUFFIXES = (*TEXT_SUFFIXES, ".json", ".jsonl", ".parquet")


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory(prefix="moodtune-fuzz-") as name:
        yield Path(name)


def read_or_refuse(path: Path) -> TrackTable | None:
    """The table, or None when refused with a one-line InputError naming the file."""
    try:
        table = read_tracks(path)
    except InputError as error:
        message = str(error)
        assert message.startswith(str(path)), message
        assert "\n" not in message and len(message) < 500, message
        return None
    check_invariants(table)
    return table


def check_invariants(table: TrackTable) -> None:
    """What every table a reader returns must satisfy, whatever the input was."""
    frame = table.frame
    assert len(frame) >= 1
    assert table.feature_names
    for name in table.feature_names:
        spec = FEATURES[name]
        values = frame[name].to_numpy()
        assert values.dtype == np.float64
        assert np.isfinite(values).all(), name
        assert ((values >= spec.low) & (values <= spec.high)).all(), name
        if spec.integer:
            assert (values == np.round(values)).all(), name
    for column in ("track_id", "title", "artist", "album", "label"):
        if column in frame.columns:
            assert all(v is None or isinstance(v, str) for v in frame[column]), column
    if "track_id" in frame.columns:
        assert frame["track_id"].notna().all() and frame["track_id"].is_unique


# --- valid tables, written in every format: read back exactly -------------------------------

unit_value = st.one_of(st.just(0.0), st.floats(0.02, 1.0, allow_nan=False))


@st.composite
def tables(draw):
    """(rows of true 0–1 values, which rows are written as 0–100, the feature names)."""
    names = draw(
        st.lists(st.sampled_from(list(FEATURES)), min_size=1, max_size=6, unique=True).filter(
            lambda names: any(name in UNIT for name in names)
        )
    )
    count = draw(st.integers(1, 6))
    rows = []
    for _ in range(count):
        row = {}
        for name in names:
            spec = FEATURES[name]
            if spec.unit_interval:
                row[name] = draw(unit_value)
            elif spec.integer:
                row[name] = float(draw(st.integers(int(spec.low), int(spec.high))))
            else:
                row[name] = draw(st.floats(spec.low, spec.high, allow_nan=False))
        rows.append(row)
    # A row written as 0–100 needs a non-zero 0–1 value to be told apart from a 0–1 row.
    percent = [draw(st.booleans()) and any(row[n] > 0 for n in names if n in UNIT) for row in rows]
    return rows, percent, names


def spelled(name: str, draw) -> str:
    """The column name as some table might spell it."""
    return draw(
        st.sampled_from([name, name.upper(), name.title(), f" {name} ", name.replace("e", "E")])
    )


@FUZZ
@given(table=tables(), suffix=st.sampled_from(SUFFIXES), bom=st.booleans(), data=st.data())
def test_valid_tables_read_back_exactly(folder, table, suffix, bom, data):
    rows, percent, names = table
    header = {"id": data.draw(st.sampled_from(["id", "Track ID", "track_id", "spotify_id"]))}
    header.update({name: spelled(name, data.draw) for name in names})
    extra = data.draw(st.booleans())
    records = []
    for number, (row, scaled) in enumerate(zip(rows, percent, strict=True)):
        record = {header["id"]: f"t{number}"}
        for name in names:
            value = row[name] * 100 if scaled and name in UNIT else row[name]
            record[header[name]] = value
        if extra:
            record["genre"] = data.draw(st.sampled_from(["pop", "a,b", 'say "hi"', ""]))
        records.append(record)
    order = data.draw(st.permutations(list(records[0])))
    frame = pd.DataFrame(records)[order]
    path = folder / f"valid{suffix}"
    write(frame, path, bom)

    table_read = read_tracks(path)  # a valid table: any error fails the test, with its message
    check_invariants(table_read)
    got = table_read.frame
    assert got["track_id"].tolist() == [f"t{i}" for i in range(len(rows))]
    for name in names:
        expected = [row[name] for row in rows]
        assert np.allclose(got[name].to_numpy(), expected, rtol=1e-12, atol=1e-15), name


def write(frame: pd.DataFrame, path: Path, bom: bool) -> None:
    suffix = path.suffix
    if suffix == ".parquet":
        frame.to_parquet(path)
        return
    if suffix == ".json":
        text = json.dumps(frame.to_dict(orient="records"))
    elif suffix == ".jsonl":
        text = "\n".join(json.dumps(r) for r in frame.to_dict(orient="records")) + "\n"
    else:
        text = frame.to_csv(
            index=False, sep="\t" if suffix == ".tsv" else ",", float_format=float_text
        )
    path.write_text(text, encoding="utf-8-sig" if bom else "utf-8")


# --- damaged files: read correctly or refused, nothing else ---------------------------------

SAMPLE = (
    "id,name,danceability,energy,key,mode,valence,tempo,emotion\n"
    "a1,Song A,0.5,0.8,5,1,0.7,120.0,happy\n"
    '"b2","Song, B",0.3,0.2,A min,,0.2,70.5,sad\n'
    "c3,Song C,55,80,F Maj,1,40,99,calm\n"
)
SAMPLES = {
    ".csv": SAMPLE,
    ".txt": SAMPLE,
    ".tsv": SAMPLE.replace(",", "\t").replace("g\tB", "g, B"),
}
SAMPLE_JSON = json.dumps(
    {
        "tracks": [
            {"id": "a1", "energy": 0.8, "valence": 0.7, "key": 5, "mood": "happy"},
            {"id": "b2", "energy": 20, "valence": 30, "key": "A min", "mood": "sad"},
        ]
    }
)
SAMPLES_JSON = {
    ".json": SAMPLE_JSON,
    ".jsonl": "\n".join(json.dumps(r) for r in json.loads(SAMPLE_JSON)["tracks"]) + "\n",
}
PIECES = [",", "\t", ";", '"', "\n", "\r\n", "\ufeff", "\x00", "[", "{", "}", "]", ":", "e9", "1"]


@st.composite
def damaged(draw, samples: dict[str, str]):
    """(suffix, a sample table of that type with one to three small edits)."""
    suffix = draw(st.sampled_from(sorted(samples)))
    text = samples[suffix]
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "repeat"]))
        piece = draw(st.one_of(st.sampled_from(PIECES), st.text(max_size=2)))
        if action == "insert":
            text = text[:at] + piece + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 3)) :]
        elif action == "replace":
            text = text[:at] + piece + text[at + len(piece) :]
        elif action == "truncate":
            text = text[:at]
        else:
            lines = text.split("\n")
            line = draw(st.integers(1, max(1, len(lines) - 1)))
            text = "\n".join([*lines[:line], lines[line - 1], *lines[line:]])
    return suffix, text


@FUZZ
@given(case=damaged(SAMPLES))
def test_damaged_text_tables_are_read_or_refused(folder, case):
    suffix, text = case
    path = folder / f"damaged{suffix}"
    path.write_text(text, encoding="utf-8")
    read_or_refuse(path)


@FUZZ
@given(case=damaged(SAMPLES_JSON))
def test_damaged_json_is_read_or_refused(folder, case):
    suffix, text = case
    path = folder / f"damaged{suffix}"
    path.write_text(text, encoding="utf-8")
    read_or_refuse(path)


@FUZZ
@given(raw=st.binary(max_size=300), suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_bytes_are_read_or_refused(folder, raw, suffix):
    path = folder / f"bytes{suffix}"
    path.write_bytes(raw)
    read_or_refuse(path)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(string.printable, max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "energy", "tracks", "x"]), children, max_size=3)
    ),
    max_leaves=10,
)
# A feature cell: usually a plausible number (0–1, 0–100, as text too), sometimes anything.
feature_cells = st.one_of(
    st.floats(0, 1),
    st.floats(0.02, 1).map(lambda v: v * 100),
    st.integers(0, 100),
    st.floats(0, 1).map(repr),
    st.sampled_from(["", "NaN", None, "x", "1e999", "-0", " 0.5 ", True, 1.5, -0.1, 101]),
    json_values,
)


@st.composite
def track_records(draw):
    """Track objects with unique ids and fuzzed feature cells."""
    records = []
    for number in range(draw(st.integers(1, 5))):
        record = {"id": f"t{number}"}
        for name in draw(st.lists(st.sampled_from(["energy", "valence", "Energy "]), max_size=3)):
            record[name] = draw(feature_cells)
        if draw(st.booleans()):
            record["tempo"] = draw(st.one_of(st.floats(0, 300), feature_cells))
        if draw(st.booleans()):
            record["key"] = draw(st.one_of(st.integers(-1, 11), st.just("F Maj"), feature_cells))
        if draw(st.booleans()):
            record["mood"] = draw(st.one_of(st.sampled_from(["happy", "sad", ""]), json_values))
        records.append(record)
    return records


@FUZZ
@given(records=track_records(), suffix=st.sampled_from([".json", ".jsonl"]), wrap=st.booleans())
def test_fuzzed_track_objects_are_read_exactly_or_refused(folder, records, suffix, wrap):
    path = folder / f"records{suffix}"
    if suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    else:
        path.write_text(json.dumps({"tracks": records} if wrap else records))
    table = read_or_refuse(path)
    if table is None:
        return
    # Never a silently wrong value: each one read is its cell's number, or a hundredth of it.
    given_by_id = {r["id"]: r for r in records}
    for row in table.frame.to_dict(orient="records"):
        record = {normalise(k): v for k, v in given_by_id[row["track_id"]].items()}
        for name in ("energy", "valence", "tempo"):
            if name in row:
                cell = float(str(record[name]).strip())
                assert row[name] == cell or math.isclose(row[name] * 100, cell), (name, record)


def normalise(name: str) -> str:
    return name.strip().lower()


@FUZZ
@given(value=json_values, depth=st.integers(0, 3000), digits=st.integers(1, 6000))
def test_arbitrary_json_is_read_or_refused(folder, value, depth, digits):
    path = folder / "value.json"
    text = json.dumps({"tracks": [{"id": "a", "energy": value, "tempo": 1}]})
    text = text.replace('"tempo": 1', '"tempo": ' + "1" * digits)
    path.write_text("[" * depth + text + "]" * depth)
    read_or_refuse(path)


parquet_columns = st.sampled_from(
    [
        ("energy", [0.5, 0.25]),
        ("energy", [50.0, 25.0]),
        ("energy", [True, False]),
        ("energy", ["0.5", "x"]),
        ("energy", [[0.5], [0.1]]),
        ("energy", [None, 0.2]),
        ("energy", pd.array([1, None], dtype="Int64")),
        ("energy", pd.to_datetime(["2020-01-01", "2021-01-01"])),
        ("valence", [0.1, 0.9]),
        ("valence", [1e308, -1.0]),
        ("mode", [True, False]),
        ("key", ["F Maj", "C#"]),
        ("key", [3, 12]),
        ("id", ["a", "b"]),
        ("id", ["a", "a"]),
        ("id", [1, 2]),
        ("name", [b"bytes", b"more"]),
        ("mood", ["happy", None]),
        ("extra", [{"a": 1}, {"a": 2}]),
    ]
)


@FUZZ
@given(columns=st.lists(parquet_columns, min_size=1, max_size=5))
def test_parquet_columns_of_any_type_are_read_or_refused(folder, columns):
    data = {}
    for name, values in columns:
        data.setdefault(name, values)
    path = folder / "typed.parquet"
    pd.DataFrame(data).to_parquet(path)
    read_or_refuse(path)


def float_text(value: float) -> str:
    """The shortest text that reads back as exactly ``value``."""
    return repr(float(value))
