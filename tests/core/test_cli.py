"""The CLI as a user meets it: exit codes, messages, files, through the console script's entry
point (``run_main``, in this process: a subprocess would add a second or so of imports to each
command; tests/cli/test_cli_main_usage_errors.py runs ``python -m moodtune`` for real)."""

import pandas as pd
import pytest

HEADER = "id,name,danceability,energy,loudness,speechiness,acousticness,liveness,valence,tempo"


@pytest.fixture
def moodtune(run_main):
    """``moodtune ARGS`` (any argument turned into text), giving a CliRun."""
    return lambda *args: run_main(*map(str, args))


def test_predict_writes_top_emotion_and_all_probabilities(tmp_path, datasets, moodtune):
    out = tmp_path / "moods.csv"
    result = moodtune("predict", datasets / "data_moods/data_moods.csv", "--out", out)
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(out)
    assert len(frame) == 686
    probabilities = frame[[c for c in frame.columns if c.startswith("p_")]]
    assert list(probabilities.columns) == [
        "p_anger",
        "p_disgust",
        "p_fear",
        "p_happiness",
        "p_neutral",
        "p_sadness",
        "p_surprise",
    ]
    assert (probabilities.sum(axis=1) - 1).abs().max() < 1e-3
    assert set(frame["emotion"]) <= {c[2:] for c in probabilities.columns}
    assert "predicted 686 tracks" in result.stderr


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("a,A,0.5,0.5,-5,0.1,0.1,0.1,oops,100", "row 1, column 'valence': non-numeric"),
        ("a,A,0.5,0.5,-5,0.1,0.1,0.1,,100", "row 1, column 'valence': missing value"),
        ("a,A,0.5,0.5,-5,0.1,0.1,0.1,1.7,100", "row 1, column 'valence': out-of-range"),
        (
            "a,A,0.5,0.5,-5,0.1,0.1,0.1,0.5,100\na,A,0.5,0.5,-5,0.1,0.1,0.1,0.6,100",
            "duplicate track id 'a'",
        ),
    ],
)
def test_bad_input_exits_non_zero_with_a_message_and_writes_nothing(
    tmp_path, rows, expected, moodtune
):
    table = tmp_path / "in.csv"
    table.write_text(f"{HEADER}\n{rows}\n")
    out = tmp_path / "out.csv"
    result = moodtune("predict", table, "--out", out)
    assert result.exit_code == 2
    assert expected in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_missing_feature_column_names_what_the_model_needs(tmp_path, moodtune):
    table = tmp_path / "in.csv"
    table.write_text("id,valence,energy\na,0.5,0.5\n")
    result = moodtune("predict", table, "--out", tmp_path / "out.csv")
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "missing feature column(s)" in message and "tempo" in message
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_train_then_predict_with_the_trained_model(tmp_path, datasets, moodtune):
    model = tmp_path / "model"
    result = moodtune(
        "train", datasets / "data_moods/data_moods.csv", "--out", model, "--epochs", "20", "--no-cv"
    )
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "pred.json"
    result = moodtune(
        "predict", datasets / "data_moods/data_moods.csv", "--model", model, "--out", out
    )
    assert result.exit_code == 0, result.stderr
    frame = pd.read_json(out)
    assert set(frame["emotion"]) <= {"calm", "energetic", "happy", "sad"}


def test_evaluate_writes_json_and_markdown(tmp_path, datasets, moodtune):
    result = moodtune(
        "evaluate",
        datasets / "data_moods/data_moods.csv",
        "--group-by-artist",
        "--models",
        "logistic_regression,rule",
        "--repeats",
        "0",
        "--json",
        tmp_path / "r.json",
        "--report",
        tmp_path / "r.md",
    )
    assert result.exit_code == 0, result.stderr
    assert "logistic_regression" in result.stdout
    assert (tmp_path / "r.json").is_file() and (tmp_path / "r-rule-confusion.png").is_file()


def test_unlabelled_table_cannot_train(tmp_path, datasets, moodtune):
    result = moodtune("train", datasets / "tidytuesday/spotify_songs.csv", "--out", tmp_path / "m")
    assert result.exit_code == 2
    assert "has no labels" in result.stderr
    assert not (tmp_path / "m").exists()


def test_evaluate_refuses_a_report_path_before_doing_any_work(tmp_path, datasets, moodtune):
    result = moodtune(
        "evaluate", datasets / "data_moods/data_moods.csv", "--json", tmp_path / "missing/r.json"
    )
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_evaluate_grouped_by_artist_needs_enough_artists(tmp_path, moodtune):
    rows = [
        f"t{i},A{i % 2},{0.1 + i / 30:.2f},{0.9 - i / 30:.2f},{'sad' if i % 2 else 'happy'}"
        for i in range(20)
    ]
    table = tmp_path / "t.csv"
    table.write_text("id,artist,valence,energy,emotion\n" + "\n".join(rows) + "\n")
    result = moodtune("evaluate", table, "--group-by-artist", "--models", "rule")
    assert result.exit_code == 2
    assert "needs at least 5 different artists" in " ".join(result.stderr.split())


def test_a_single_class_cannot_be_trained_or_evaluated(tmp_path, moodtune):
    table = tmp_path / "t.csv"
    table.write_text(
        "id,valence,energy,emotion\n" + "".join(f"t{i},0.{i},0.5,sad\n" for i in range(10))
    )
    for command in (
        ("train", table, "--out", tmp_path / "m", "--no-cv"),
        ("evaluate", table, "--models", "rule"),
    ):
        result = moodtune(*command)
        assert result.exit_code == 2, result.stderr
        assert "at least 2 classes" in result.stderr
    assert not (tmp_path / "m").exists()


def test_model_destinations_are_checked_before_training(tmp_path, datasets, moodtune):
    occupied = tmp_path / "notes.txt"
    occupied.write_text("mine")
    result = moodtune("train", datasets / "data_moods/data_moods.csv", "--out", occupied)
    assert result.exit_code == 2 and "is not a folder" in result.stderr
    assert occupied.read_text() == "mine"
    result = moodtune("model", "export-pth", "--out", tmp_path / "missing/m.pth")
    assert result.exit_code == 2 and "does not exist" in result.stderr
