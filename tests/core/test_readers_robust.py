"""Readers under bad or unusual input: per-row 0–100 scale, repeated headers, byte-order marks,
hostile JSON, malformed text tables. Every case is a correct table or one clear InputError."""

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from moodtune.data.readers import read_frame, read_tracks
from moodtune.errors import InputError

UNIT = "danceability,energy,speechiness,acousticness,instrumentalness,liveness,valence"
HEADER = f"id,{UNIT},tempo"
# One track, first as Spotify gives it (0–1), then the same track as a 0–100 table gives it.
ROW_01 = [0.55, 0.80, 0.045, 0.30, 0.00421, 0.11, 0.40]
ROW_100 = [55, 80, 4.5, 30, 0.421, 11, 40]


def line(track_id, values, tempo=120.0):
    return ",".join([track_id, *map(str, values), str(tempo)])


def write(tmp_path, text, name="tracks.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


# --- 0–100 or 0–1, row by row --------------------------------------------------------------


def test_mixed_scales_are_decided_per_row_and_the_rows_are_named(tmp_path):
    rows = [line(f"p{i}", ROW_100) for i in range(8)] + [line("u1", ROW_01), line("u2", ROW_01)]
    table = read_tracks(write(tmp_path, "\n".join([HEADER, *rows]) + "\n"))
    unit = UNIT.split(",")
    # Every row, 0–100 or 0–1, ends up with the same 0–1 values: none is divided twice.
    assert np.allclose(table.matrix(unit), np.tile(ROW_01, (10, 1)))
    assert table.frame["tempo"].tolist() == [120.0] * 10
    (note,) = [n for n in table.notes if "divided by 100" in n]
    assert "8 of 10 rows" in note and "rows 9, 10: these are the 0–1 rows" in note


def test_a_genuine_percent_table_rescales_every_unit_feature_even_when_small(tmp_path):
    instrumental = [20, 60, 3.1, 90, 87.5, 9, 15]
    rows = [line("a", ROW_100), line("b", instrumental), line("c", [50, 50, 5, 5, 0, 10, 50])]
    table = read_tracks(write(tmp_path, "\n".join([HEADER, *rows]) + "\n"))
    # 0.421 % is 0.00421, not 0.421; one instrumental track (87.5 %) is not refused.
    assert table.frame["instrumentalness"].tolist() == pytest.approx([0.00421, 0.875, 0.0])
    assert table.frame["speechiness"].tolist() == pytest.approx([0.045, 0.031, 0.05])
    assert any(note.startswith("every row gives its 0–1 features") for note in table.notes)


def test_a_slip_in_a_unit_table_is_an_error_not_a_reason_to_rescale_the_row(tmp_path):
    slip = [0.55, 1.5, 0.045, 0.30, 0.0, 0.11, 0.40]
    path = write(tmp_path, "\n".join([HEADER, line("a", ROW_01), line("b", slip)]) + "\n")
    with pytest.raises(InputError, match=r"row 2, column 'energy': out-of-range value 1\.5"):
        read_tracks(path)


def test_a_percent_row_above_100_is_out_of_range(tmp_path):
    over = [55, 180, 4.5, 30, 0.4, 11, 40]
    path = write(tmp_path, "\n".join([HEADER, line("a", over)]) + "\n")
    with pytest.raises(
        InputError, match=r"row 1, column 'energy': out-of-range value 180: .*0 to 100"
    ):
        read_tracks(path)


def test_unit_tables_from_the_shared_data_are_not_rescaled(datasets):
    table = read_tracks(datasets / "tidytuesday/spotify_songs.csv")
    assert not any("divided by 100" in note for note in table.notes)
    assert table.frame["energy"].max() <= 1.0


# --- repeated headers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("t.csv", "id,energy,valence,energy\na,0.5,0.1,0.9\n"),
        ("t.tsv", "id\tenergy\tvalence\tenergy\na\t0.5\t0.1\t0.9\n"),
        ("t.txt", "id;energy;valence;energy\na;0.5;0.1;0.9\n"),
        ("t.csv", "id,Energy,valence, ENERGY \na,0.5,0.1,0.9\n"),
    ],
)
def test_a_feature_named_twice_is_refused_naming_it(tmp_path, name, text):
    with pytest.raises(InputError, match=r"column '.*(?i:energy).*': columns 2 and 4"):
        read_tracks(write(tmp_path, text, name))


def test_a_feature_named_twice_in_parquet_is_refused(tmp_path):
    table = pa.table([["a"], [0.5], [0.9]], names=["id", "energy", "energy"])
    pq.write_table(table, tmp_path / "t.parquet")
    with pytest.raises(InputError, match=r"t\.parquet"):
        read_tracks(tmp_path / "t.parquet")


def test_other_columns_may_repeat(tmp_path):
    table = read_tracks(write(tmp_path, "id,genre,energy,genre\na,pop,0.5,rock\n"))
    assert table.frame["energy"].tolist() == [0.5]


# --- byte-order marks -----------------------------------------------------------------------

CSV = "id,valence,energy\na,0.5,0.25\nb,0.75,1\n"
RECORDS = [{"id": "a", "valence": 0.5, "energy": 0.25}, {"id": "b", "valence": 0.75, "energy": 1}]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("t.csv", CSV),
        ("t.txt", CSV),
        ("t.txt", CSV.replace(",", "\t")),
        ("t.tsv", CSV.replace(",", "\t")),
        ("t.json", json.dumps(RECORDS)),
        ("t.json", json.dumps({"tracks": RECORDS})),
        ("t.jsonl", "\n".join(map(json.dumps, RECORDS)) + "\n"),
    ],
)
def test_a_byte_order_mark_changes_nothing_in_any_format(tmp_path, name, text):
    plain = read_tracks(write(tmp_path, text, name)).frame
    marked = read_tracks(write(tmp_path, text, name, encoding="utf-8-sig")).frame
    assert (tmp_path / name).read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(marked["track_id"]) == ["a", "b"]
    pd.testing.assert_frame_equal(plain, marked)


def test_a_byte_order_mark_in_seed_json(tmp_path, datasets):
    text = (datasets / "seed/audio_feature_scale.json").read_text(encoding="utf-8")
    plain = read_tracks(write(tmp_path, text, "seed.json")).frame
    marked = read_tracks(write(tmp_path, text, "seed.json", encoding="utf-8-sig")).frame
    pd.testing.assert_frame_equal(plain, marked)


# --- hostile or malformed input: one clear error --------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.json", "[" * 100_000 + "]" * 100_000, r"t\.json: not a track table: .*nested too deep"),
        ("t.json", '[{"id": "a", "energy": ' + "9" * 5000 + "}]", r"a number with 5000 digits"),
        ("t.txt", "", r"t\.txt: is empty"),
        ("t.csv", "\n\n", r"t\.csv: is empty"),
        ("t.tsv", "", r"t\.tsv: is empty"),
        ("t.jsonl", '{"id": "a", "energy": 0.5}\n[1, 2]\n', r"t\.jsonl, row 2: line 2 is not"),
        ("t.jsonl", '{"id": "a", "energy": 0.5}\n{"id": \n', r"t\.jsonl, row 2: not valid JSON"),
        ("t.csv", "id,energy\na,0.5,0.7\n", r"\(line 2 has 3 cells where the header has 2"),
        ("t.csv", 'id,energy\n"a,0.5\n', r"t\.csv: cannot be read as a csv table \(EOF"),
        (
            "t.csv",
            "id,energy\na\x00,0.5\n",
            r"t\.csv: cannot be read as a csv table \(line 2 holds a NUL",
        ),
        ("t.csv", b"id,energy\n\xe9t\xe9,0.5\n", r"t\.csv: is not UTF-8 text \(byte 10"),
        ("t.json", b"\xff\xfe[]", r"t\.json: is not UTF-8 text"),
        ("t.json", '[{"id": "a", "energy": [0.5]}]', r"row 1, column 'energy': not a single"),
        ("t.json", '[{"id": {"x": 1}, "energy": 0.5}]', r"column 'track_id': not a single value"),
        ("t.json", '[{"id": "a", "energy": true}]', r"'energy': non-numeric value True"),
        ("t.json", '[{"id": "a", "energy": 1e999}]', r"'energy': out-of-range value inf"),
        ("t.json", '[{"id": "a", "energy": ' + "9" * 99 + "}]", r"'energy': out-of-range value"),
        ("t.csv", "id,energy\na,-nan\n", r"'energy': non-numeric value '-nan'"),
        (
            "t.csv",
            "id,energy\na," + "9" * 5000 + "\n",
            r"'energy': non-numeric value '9999.*…: expected a number",
        ),
        ("t.parquet", b"PAR1 this is not parquet PAR1", r"t\.parquet: cannot be read as a parquet"),
    ],
)
def test_malformed_input_is_one_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        read_tracks(path)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 400


def test_short_rows_are_missing_values_and_can_be_skipped(tmp_path):
    path = write(tmp_path, "id,valence,energy\na,0.5,0.5\nb,0.5\n")
    with pytest.raises(InputError, match=r"row 2, column 'energy': missing value"):
        read_tracks(path)
    table = read_tracks(path, skip_invalid=True)
    assert table.frame["track_id"].tolist() == ["a"]


def test_list_and_date_cells_in_parquet_are_refused(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b"], "energy": [[0.5], [0.2]]})
    frame.to_parquet(tmp_path / "lists.parquet")
    with pytest.raises(
        InputError, match=r"row 1, column 'energy': not a single value: found a list"
    ):
        read_tracks(tmp_path / "lists.parquet")
    dates = pd.DataFrame({"id": ["a"], "energy": pd.to_datetime(["2020-01-01"])})
    dates.to_parquet(tmp_path / "dates.parquet")
    with pytest.raises(InputError, match=r"column 'energy': not a single value"):
        read_tracks(tmp_path / "dates.parquet")


def test_true_and_false_are_a_mode_and_nullable_parquet_columns_are_missing_values(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "mode": [True, False],
            "energy": pd.array([0.5, None], dtype="Float64"),
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    with pytest.raises(InputError, match=r"row 2, column 'energy': missing value"):
        read_tracks(tmp_path / "t.parquet")
    table = read_tracks(tmp_path / "t.parquet", skip_invalid=True)
    assert table.frame["mode"].tolist() == [1.0] and table.frame["energy"].tolist() == [0.5]


def test_read_frame_keeps_cells_as_text(tmp_path):
    frame = read_frame(write(tmp_path, "id, name ,energy\n007,  Bond,0.50\n"))
    assert list(frame.columns) == ["id", "name", "energy"]
    assert frame.iloc[0].tolist() == ["007", "Bond", "0.50"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("long.json", '[{"id": "a", "energy": ' + "9" * 5000 + "}]", "a number with 5000 digits"),
        ("empty.txt", "", "is empty"),
    ],
)
def test_predict_on_hostile_files_is_one_line_and_status_2(
    tmp_path, run_cli, name, content, message
):
    (tmp_path / name).write_text(content)
    code, stdout, stderr = run_cli(
        "predict", str(tmp_path / name), "--out", str(tmp_path / "p.csv")
    )
    assert code == 2 and message in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr + stdout
    assert not (tmp_path / "p.csv").exists()


def test_impossible_paths_are_one_line_errors(tmp_path, run_cli):
    too_long = "m" * 300  # longer than any Linux file name may be
    with pytest.raises(InputError, match="cannot be read"):
        read_tracks(tmp_path / f"{too_long}.csv")
    with pytest.raises(InputError, match="cannot be read"):
        read_tracks(tmp_path / f"{too_long}.json")
    table = write(tmp_path, f"{HEADER}\n{line('a', ROW_01)}\n")
    (tmp_path / "folder.csv").mkdir()
    for out, message in [
        (tmp_path / f"{too_long}.csv", "cannot write"),
        (tmp_path / "folder.csv", "it is a folder"),
        (table / "x.csv", "is a file, not a folder"),
    ]:
        code, _, err = run_cli("predict", str(table), "--out", str(out))
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.csv", "tracks.csv"]


def test_catalog_import_of_a_percent_table_stores_every_0_1_feature_rescaled(tmp_path, run_cli):
    """The symptom as reported: `catalog import` stored 0.421 for an instrumentalness of
    0.421 %, and refused the whole table for one instrumental track (87.5)."""
    import sqlite3

    header = f"id,name,{UNIT},tempo,loudness"
    rows = [
        ",".join(["a", "A", *map(str, ROW_100), "120", "-6"]),
        ",".join(["b", "B", "20", "60", "3.1", "90", "87.5", "9", "15", "90", "-9"]),
    ]
    table = write(tmp_path, "\n".join([header, *rows]) + "\n")
    database = tmp_path / "catalogue.sqlite"
    code, _, err = run_cli(
        "catalog", "import", str(table), "--no-builtin", "--catalogue", str(database)
    )
    assert code == 0, err
    with sqlite3.connect(database) as connection:
        stored = dict(
            connection.execute(
                "SELECT t.id, f.instrumentalness FROM tracks t JOIN features f ON f.track = t.rowid"
            ).fetchall()
        )
    assert stored == pytest.approx({"a": 0.00421, "b": 0.875})


def test_a_byte_order_mark_left_inside_a_column_name_is_ignored(tmp_path):
    pd.DataFrame({"\ufeffid": ["a"], "energy": [0.5]}).to_parquet(tmp_path / "t.parquet")
    assert read_tracks(tmp_path / "t.parquet").frame["track_id"].tolist() == ["a"]
    (tmp_path / "t.json").write_text(json.dumps([{"\ufeffid": "a", "energy": 0.5}]))
    assert read_tracks(tmp_path / "t.json").frame["track_id"].tolist() == ["a"]


def test_jsonl_lines_are_split_at_newlines_only(tmp_path):
    title = "one\u2028two\x85three"  # characters str.splitlines() would break at
    records = [{"id": "a", "name": title, "energy": 0.5}, {"id": "b", "energy": 1}]
    path = tmp_path / "t.jsonl"
    path.write_text("\r\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\r\n")
    frame = read_tracks(path).frame
    assert frame["title"].iloc[0] == title and pd.isna(frame["title"].iloc[1])
    assert frame["energy"].tolist() == [0.5, 1.0]
