"""Tables as people have them: several id columns (--id-column), several labels per track
(--on-conflict) and messages that show values as people wrote them (never np.str_(...))."""

import numpy as np
import pandas as pd
import pytest

from moodtune.data.readers import _resolve_repeats, read_tracks, resolve_repeats, tidy
from moodtune.errors import InputError, MoodtuneError

TWO_IDS = (
    "msd_id,id,spotify_id,name,valence,energy\n"
    "TRA1,,4uLU6hMC,one,0.1,0.2\n"
    "TRA2,,5vMV7iND,two,0.3,0.4\n"
)


def _write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_several_id_columns_are_refused_with_a_pointer_to_id_column(tmp_path):
    with pytest.raises(InputError, match=r"two columns mean 'track_id'.*--id-column"):
        read_tracks(_write(tmp_path, TWO_IDS))


@pytest.mark.parametrize(
    ("column", "expected"), [("spotify_id", ["4uLU6hMC", "5vMV7iND"]), ("MSD ID", ["TRA1", "TRA2"])]
)
def test_id_column_chooses_the_track_id(tmp_path, column, expected):
    table = read_tracks(_write(tmp_path, TWO_IDS), id_column=column)
    assert table.frame["track_id"].tolist() == expected
    assert table.frame["title"].tolist() == ["one", "two"]
    assert any("not read as the id" in note for note in table.notes)


def test_an_unknown_id_column_is_named(tmp_path):
    with pytest.raises(InputError, match=r"no id column 'isrc' \(--id-column\)"):
        read_tracks(_write(tmp_path, TWO_IDS), id_column="isrc")


def test_train_and_predict_take_id_column(run_main, tmp_path):
    rows = [
        f"TR{i},sp{i},{(i % 10) / 10},{((i * 3) % 10) / 10},{'happy' if i % 2 else 'sad'}"
        for i in range(30)
    ]
    path = _write(tmp_path, "msd_id,spotify_id,valence,energy,mood\n" + "\n".join(rows) + "\n")
    model, out = tmp_path / "m", tmp_path / "p.csv"
    result = run_main(
        "train", str(path), "--id-column", "msd_id", "--epochs", "5", "--no-cv",
        "--out", str(model),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = run_main(
        "predict", str(path), "--model", str(model), "--id-column", "msd_id", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["track_id"].tolist() == [f"TR{i}" for i in range(30)]
    result = run_main("predict", str(path), "--model", str(model), "--out", str(out))
    assert result.exit_code == 0, result.output  # msd_id is no id alias: spotify_id is the id
    assert pd.read_csv(out)["track_id"].tolist() == [f"sp{i}" for i in range(30)]


MULTI = (
    "id,valence,energy,mood\n"
    "a,0.1,0.2,sad\n"
    "b,0.8,0.9,happy\n"
    "a,0.1,0.2,calm\n"
    "c,0.5,0.5,calm\n"
    "a,0.1,0.2,calm\n"
    "d,0.3,0.3,sad\n"
    "d,0.3,0.3,happy\n"
)


def test_by_default_a_track_with_several_labels_is_refused_as_before(tmp_path):
    with pytest.raises(InputError, match=r"duplicate track id 'a' on rows 1, 3, 5 with different"):
        read_tracks(_write(tmp_path, MULTI))


@pytest.mark.parametrize(
    ("policy", "ids", "labels", "note"),
    [
        ("first", ["a", "b", "c", "d"], ["sad", "happy", "calm", "sad"], "kept the first"),
        ("drop", ["b", "c"], ["happy", "calm"], "left them out"),
        ("vote", ["a", "b", "c"], ["calm", "happy", "calm"], "left out 1 with a tie (d)"),
    ],
)
def test_on_conflict_resolves_several_labels_and_says_how_many(tmp_path, policy, ids, labels, note):
    table = read_tracks(_write(tmp_path, MULTI), on_conflict=policy)
    assert table.frame["track_id"].tolist() == ids
    canonical = {"sad": "sadness", "happy": "happiness", "calm": "neutral"}  # label aliases
    assert table.frame["label"].tolist() == [canonical[label] for label in labels]
    said = [n for n in table.notes if "carry several labels" in n]
    assert len(said) == 1 and said[0].startswith("2 track(s)") and note in said[0]
    assert f"--on-conflict {policy}" in said[0]


def test_on_conflict_never_merges_different_feature_values(tmp_path):
    text = "id,valence,energy,mood\na,0.1,0.2,sad\na,0.9,0.2,happy\nb,0.5,0.5,calm\n"
    for policy in ("first", "drop", "vote"):
        with pytest.raises(InputError, match="different feature values"):
            read_tracks(_write(tmp_path, text), on_conflict=policy)


def test_an_unknown_policy_is_named():
    frame = pd.DataFrame({"id": ["a"], "valence": [0.1], "mood": ["sad"]})
    with pytest.raises(InputError, match="unknown --on-conflict 'most'"):
        tidy(frame, source="t.csv", on_conflict="most")


def test_cli_on_conflict(run_main, tmp_path):
    rows = "".join(f"t{i},{(i % 10) / 10},{((i * 3) % 10) / 10},sad\n" for i in range(12))
    rows += "".join(f"u{i},{(i % 10) / 10},0.9,happy\n" for i in range(12))
    path = _write(tmp_path, "id,valence,energy,mood\n" + rows + "t0,0.0,0.0,happy\n")
    args = ("evaluate", str(path), "--models", "rule", "--folds", "2", "--repeats", "0")
    refused = run_main(*args)
    assert refused.exit_code == 2 and "--on-conflict" in refused.stderr
    kept = run_main(*args, "--on-conflict", "first")
    assert kept.exit_code == 0, kept.output
    assert "1 track(s) carry several labels" in " ".join(kept.stderr.split())


def test_resolve_repeats_is_public_and_the_old_name_stays():
    assert _resolve_repeats is resolve_repeats
    frame = pd.DataFrame({"track_id": ["a", "a"], "valence": [0.1, 0.1], "label": ["x", "x"]})
    notes: list[str] = []
    assert len(resolve_repeats(frame, "t", notes)) == 1 and "merged 1" in notes[0]


# --- messages never show numpy reprs ---------------------------------------------------------


def test_training_one_class_names_it_plainly():
    pytest.importorskip("torch")
    from moodtune.model.training import MLPClassifier, TrainConfig

    x = np.random.default_rng(0).random((6, 2))
    with pytest.raises(MoodtuneError) as caught:
        MLPClassifier(TrainConfig(epochs=2)).fit(x, np.array(["sad"] * 6))
    assert "every track is 'sad'" in str(caught.value) and "np." not in str(caught.value)
    with pytest.raises(MoodtuneError) as caught:
        MLPClassifier(TrainConfig(epochs=2), labels=("sad", "happy")).fit(
            x, np.array(["sad", "calm"] * 3)
        )
    assert "labels calm are not among sad, happy" in str(caught.value)


def test_cross_validation_messages_show_plain_labels():
    pytest.importorskip("sklearn")
    from moodtune.model.evaluation import cross_validate

    frame = pd.DataFrame({"id": [f"t{i}" for i in range(8)], "valence": 0.5, "energy": 0.5})
    frame["emotion"] = ["sad"] * 6 + ["happy"] * 2
    table = tidy(frame, source="t.csv")
    with pytest.raises(MoodtuneError) as caught:
        cross_validate(table, models=("rule",))
    assert "counts: happiness 2, sadness 6" in str(caught.value) and "np." not in str(caught.value)
    single = table.with_labels(["sadness"] * 8)
    with pytest.raises(MoodtuneError) as caught:
        cross_validate(single, models=("rule",))
    assert "every track is 'sadness'" in str(caught.value) and "np." not in str(caught.value)


def test_a_missing_listener_value_is_said_plainly(tmp_path):
    from moodtune.model.listeners import read_listener_table

    path = tmp_path / "l.json"
    path.write_text(
        '[{"id": "a", "valence": 0.1, "energy": 0.2, "valence_tags": null, "arousal_tags": 3},'
        ' {"id": "b", "valence": 0.1, "energy": 0.2, "valence_tags": 4, "arousal_tags": 3}]'
    )
    with pytest.raises(InputError) as caught:
        read_listener_table(path)
    assert "listeners' value is missing" in str(caught.value)
    assert "np." not in str(caught.value) and "row 1" in str(caught.value)


def test_predict_keeps_the_other_id_columns_in_input_order(run_main, tmp_path):
    header = "msd_id,spotify_id,danceability,energy,speechiness,acousticness,liveness,valence,tempo"
    rows = [
        f"TR{i},sp{i},0.5,{(i % 10) / 10},0.05,0.3,0.1,{((i * 3) % 10) / 10},120" for i in range(12)
    ]
    rows += [rows[3]]  # a repeated track keeps its own output row
    path = _write(tmp_path, header + "\n" + "\n".join(rows) + "\n")
    out = tmp_path / "p.csv"
    result = run_main("predict", str(path), "--id-column", "spotify_id", "--out", str(out))
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert written["track_id"].tolist() == [f"sp{i}" for i in range(12)] + ["sp3"]
    assert written["msd_id"].tolist() == [f"TR{i}" for i in range(12)] + ["TR3"]


def test_without_id_column_no_other_id_is_carried(tmp_path):
    table = read_tracks(_write(tmp_path, "msd_id,name,valence,energy\nTR1,one,0.1,0.2\n"))
    assert "msd_id" not in table.frame.columns
    assert table.identity().columns.tolist() == ["title"]
