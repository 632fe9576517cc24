import json

import numpy as np
import pytest

from moodtune.data.readers import read_seed, read_tracks
from moodtune.errors import InputError

HEADER = (
    "id,name,artist,danceability,energy,key,loudness,mode,speechiness,acousticness,"
    "instrumentalness,liveness,valence,tempo,emotion"
)
ROW_A = "a1,Song A,Artist,0.5,0.8,5,-6.0,1,0.05,0.1,0.0,0.1,0.7,120.0,happy"
ROW_B = "b2,Song B,Other,0.3,0.2,9,-12.5,0,0.04,0.9,0.5,0.1,0.2,70.0,sad"


def write(tmp_path, text, name="tracks.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_seed_format_with_positional_labels(datasets):
    table = read_seed(
        datasets / "seed/audio_feature_scale.json", datasets / "seed/labels_by_position.csv"
    )
    assert len(table) == 342
    assert set(table.feature_names) == {
        "tempo",
        "valence",
        "energy",
        "danceability",
        "acousticness",
        "speechiness",
        "liveness",
    }
    counts = table.frame["label"].value_counts().to_dict()
    assert counts == {
        "anger": 50,
        "disgust": 50,
        "happiness": 50,
        "neutral": 50,
        "sadness": 50,
        "fear": 48,
        "surprise": 44,
    }
    first = table.frame.iloc[0]
    assert first["title"] == "Can't Stop" and first["tempo"] == pytest.approx(91.455)


def test_seed_labels_that_do_not_line_up_are_refused(tmp_path, datasets):
    lines = (datasets / "seed/labels_by_position.csv").read_text().splitlines()
    shifted = write(tmp_path, "\n".join([lines[0], *lines[2:], lines[1]]) + "\n", "labels.csv")
    with pytest.raises(InputError, match=r"labels\.csv, row 1, column 'title'"):
        read_seed(datasets / "seed/audio_feature_scale.json", shifted)


def test_spotify_tables_in_any_case_with_extra_columns(datasets):
    table = read_tracks(datasets / "data_moods/data_moods.csv")
    assert len(table) == 686
    assert "mode" not in table.feature_names and "tempo" in table.feature_names
    assert set(table.labels) == {"sad", "calm", "energetic", "happy"}
    assert {"track_id", "title", "artist", "album"} <= set(table.frame.columns)
    assert "popularity" not in table.frame.columns


def test_repeated_identical_rows_are_merged_and_reported(datasets):
    table = read_tracks(datasets / "tidytuesday/spotify_songs.csv")
    assert len(table) == 28356
    assert any("merged 4477 repeated row(s)" in note for note in table.notes)
    assert len(table.feature_names) == 11


def test_column_names_case_and_spacing_percent_scale_and_text_keys(tmp_path):
    path = write(
        tmp_path,
        "Track ID,Track Name,Danceability,ENERGY,Key,Valence,  Tempo \n"
        "x1,One,55,80,F Maj,70,120\n"
        "x2,Two,30,20,A min,10,90\n",
    )
    table = read_tracks(path)
    frame = table.frame
    assert frame["danceability"].tolist() == pytest.approx([0.55, 0.30])
    assert frame["energy"].tolist() == pytest.approx([0.8, 0.2])
    assert frame["key"].tolist() == [5, 9]
    assert frame["mode"].tolist() == [1, 0]
    assert any("divided by 100" in note for note in table.notes)


def test_parquet_and_json_tables(tmp_path):
    csv = write(tmp_path, f"{HEADER}\n{ROW_A}\n{ROW_B}\n")
    table = read_tracks(csv)
    table.frame.to_parquet(tmp_path / "t.parquet")
    assert read_tracks(tmp_path / "t.parquet").frame.equals(table.frame)
    records = table.frame.rename(columns={"label": "mood"}).to_dict(orient="records")
    (tmp_path / "t.json").write_text(json.dumps({"tracks": records}))
    assert np.allclose(
        read_tracks(tmp_path / "t.json").matrix(["tempo", "valence"]),
        table.matrix(["tempo", "valence"]),
    )
    assert list(read_tracks(tmp_path / "t.json").labels) == ["happiness", "sadness"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,name,popularity\na,A,5\n", r"tracks\.csv: has none of the audio feature columns"),
        (
            f"{HEADER}\n{ROW_A}\n{ROW_B.replace('0.2,70.0', 'high,70.0')}\n",
            r"tracks\.csv, row 2, column 'valence': non-numeric value 'high'",
        ),
        (
            f"{HEADER}\n{ROW_A}\n{ROW_B.replace('0.2,70.0', ',70.0')}\n",
            r"tracks\.csv, row 2, column 'valence': missing value",
        ),
        (
            f"{HEADER}\n{ROW_A}\n{ROW_B.replace('0.2,70.0', 'NaN,70.0')}\n",
            r"row 2, column 'valence': missing value",
        ),
        (
            f"{HEADER}\n{ROW_A.replace('120.0', '-5')}\n{ROW_B}\n",
            r"row 1, column 'tempo': out-of-range value -5: expected 0 to 300",
        ),
        (
            f"{HEADER}\n{ROW_A}\n{ROW_B.replace('b2', 'a1')}\n",
            r"duplicate track id 'a1' on rows 1, 2",
        ),
        (
            f"{HEADER}\n{ROW_A.replace(',5,', ',H,')}\n",
            r"row 1, column 'key': unrecognised key 'H'",
        ),
        ("name,energy\n", r"no rows"),
    ],
)
def test_bad_input_names_file_row_and_column(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=message):
        read_tracks(path)


def test_missing_file_and_unsupported_type(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_tracks(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="unsupported file type"):
        read_tracks(write(tmp_path, "x", "tracks.xlsx"))


def test_skip_invalid_counts_every_skipped_row(tmp_path):
    bad = ROW_B.replace("0.2,70.0", "high,70.0")
    path = write(tmp_path, f"{HEADER}\n{ROW_A}\n{bad}\n{bad.replace('b2', 'c3')}\n")
    table = read_tracks(path, skip_invalid=True)
    assert len(table) == 1
    assert table.notes == [
        "labels read as the seven emotions: happy → happiness, sad → sadness",
        "skipped 2 invalid row(s) of 3: 2 with non-numeric value in 'valence'",
    ]


def test_every_row_with_an_empty_track_id_is_counted_not_merged(tmp_path):
    path = write(
        tmp_path, "id,name,valence,energy\n,A,0.1,0.2\n,B,0.3,0.4\n,C,0.5,0.6\nd,D,0.7,0.8\n"
    )
    with pytest.raises(InputError, match="row 1, column 'track_id': empty track id"):
        read_tracks(path)
    table = read_tracks(path, skip_invalid=True)
    assert list(table.frame["track_id"]) == ["d"]
    assert table.notes == ["skipped 3 invalid row(s) of 4: 3 with empty track id in 'track_id'"]


def test_a_title_repeated_in_seed_json_is_refused_not_overwritten(tmp_path):
    path = write(
        tmp_path,
        '{"Song": [1, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1], "Song": [2, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1]}',
        "seed.json",
    )
    with pytest.raises(InputError, match="the key 'Song' appears twice"):
        read_tracks(path)


def test_titles_that_look_like_missing_values_are_kept(tmp_path):
    path = write(tmp_path, "id,name,artist,valence,energy\na,None,NA,0.1,0.2\n")
    frame = read_tracks(path).frame
    assert frame.loc[0, "title"] == "None" and frame.loc[0, "artist"] == "NA"


def test_a_folder_is_not_a_table(tmp_path):
    (tmp_path / "dir.json").mkdir()
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputError, match="cannot be read"):
        read_tracks(tmp_path / "dir.json")
    with pytest.raises(InputError, match="is not a file"):
        read_tracks(tmp_path / "dir.csv")
