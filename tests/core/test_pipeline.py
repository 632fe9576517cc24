"""The library layer under ``train`` and ``evaluate``: the same artifact from Python as from the
CLI, progress through moodtune.progress, notes through logging (never printed)."""

import json
import logging

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from moodtune.data.readers import tidy
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel
from moodtune.model.pipeline import (
    evaluate_model,
    read_labelled,
    train_model,
)
from moodtune.model.training import TrainConfig


@pytest.fixture
def seed_paths(datasets):
    return (
        datasets / "seed/audio_feature_scale.json",
        datasets / "seed/labels_by_position.csv",
    )


def _tiny(n: int = 40) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": [f"t{i}" for i in range(n)],
            "valence": [(i % 10) / 10 for i in range(n)],
            "energy": [((i * 3) % 10) / 10 for i in range(n)],
        }
    )
    frame["emotion"] = np.where(frame["valence"] > 0.45, "happiness", "sadness")
    return frame


def test_train_model_gives_the_cli_artifact(run_main, seed_paths, tmp_path):
    features, labels = seed_paths
    result = run_main(
        "train", str(features), "--labels", str(labels), "--epochs", "20", "--no-cv",
        "--out", str(tmp_path / "cli"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    from_cli = EmotionModel.load(tmp_path / "cli")
    trained = train_model(read_labelled(features, labels), config=TrainConfig(epochs=20), cv=False)
    assert trained.model.version == from_cli.version
    assert trained.model.metadata["training_data"] == from_cli.metadata["training_data"]
    assert trained.model.metadata["training"] == from_cli.metadata["training"]
    assert trained.steps == from_cli.metadata["training"]["iterations_run"]
    assert "trained for" in result.stderr


def test_train_model_with_cv_records_the_summary_and_reports_progress():
    """What the CV records and reports, on 40 tracks (the seed's scores: test_evaluation.py)."""
    seen = []
    trained = train_model(
        tidy(_tiny(), source="tiny.csv"),
        config=TrainConfig(epochs=15),
        progress=lambda done, total, what: seen.append((done, total, what)),
    )
    cv = trained.model.metadata["cv"]
    assert set(cv["models"]) == {"mlp", "seed_recipe", "logistic_regression"}
    assert set(cv["models"]["mlp"]) == {"accuracy", "macro_f1"}
    assert trained.report is not None
    total = 3 * 3 * 5  # models × repeats × folds
    assert [done for done, _, _ in seen] == list(range(1, total + 1))
    assert {t for _, t, _ in seen} == {total}
    assert seen[-1][2].endswith("fold 5/5")


def test_evaluate_model_reports_progress_and_logs_instead_of_printing(caplog, capsys):
    seen = []
    table = tidy(_tiny(), source="tiny.csv")
    with caplog.at_level(logging.INFO, logger="moodtune"):
        report = evaluate_model(
            table,
            models=["rule", "logistic_regression"],
            folds=2,
            repeats=[0],
            progress=lambda done, total, what: seen.append((done, total)),
        )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert set(report.to_dict()["models"]) == {"rule", "logistic_regression"}
    printed = capsys.readouterr()
    assert printed.out == "" and printed.err == ""


def test_left_out_mlp_reading_is_a_logged_note(caplog, capsys):
    table = tidy(_tiny(), source="tiny.csv")  # valence and energy only: no reading fits
    with caplog.at_level(logging.INFO, logger="moodtune"):
        report = evaluate_model(table, folds=2, repeats=[0], models=None)
    assert "mlp_reading" not in report.to_dict()["models"]
    assert any("mlp_reading left out" in r.getMessage() for r in caplog.records)
    printed = capsys.readouterr()
    assert printed.out == "" and printed.err == ""
    with pytest.raises(MoodtuneError, match=r"mlp_reading .* needs a model with a reading"):
        evaluate_model(table, folds=2, repeats=[0], models=["mlp_reading"])


def test_read_labelled_logs_the_readers_notes(tmp_path, caplog, capsys):
    path = tmp_path / "t.csv"
    frame = _tiny(12)
    frame[["valence", "energy"]] *= 100  # 0–100: rescaled, with a note
    frame.to_csv(path, index=False)
    with caplog.at_level(logging.INFO, logger="moodtune"):
        read_labelled(path)
    assert any("divided by 100" in r.getMessage() for r in caplog.records)
    assert capsys.readouterr().err == ""


def test_model_info_is_a_table_and_json_with_the_flag(run_main):
    table = run_main("model", "info")
    assert table.exit_code == 0, table.output
    assert "happiness" in table.stdout and "training data" in table.stdout
    assert not table.stdout.lstrip().startswith("{")
    as_json = run_main("model", "info", "--json")
    data = json.loads(as_json.stdout)
    assert data["labels"][3] == "happiness" and len(data["readings"]) == 2


def test_evaluate_shows_the_same_scores_through_the_cli(run_main, tmp_path):
    path = tmp_path / "t.csv"
    _tiny().to_csv(path, index=False)
    result = run_main(
        "evaluate", str(path), "--models", "rule", "--folds", "2", "--repeats", "0",
        "--json", str(tmp_path / "r.json"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    cli = json.loads((tmp_path / "r.json").read_text())["models"]["rule"]["accuracy"]
    library = evaluate_model(tidy(_tiny(), source=str(path)), models=["rule"], folds=2, repeats=[0])
    assert cli == library.to_dict()["models"]["rule"]["accuracy"]


def test_a_baseline_reading_needs_no_classifier_features(tmp_path):
    """Scoring Spotify's own valence/energy on a table that has only those two features
    (it used to fail asking for the classifier's seven)."""
    from moodtune.model.listeners import read_listener_table
    from moodtune.model.pipeline import evaluate_reading

    rows = [(f"t{i}", i / 40, (i * 7 % 40) / 40, 1 + 8 * i / 40, 5.0 + i % 3) for i in range(40)]
    path = tmp_path / "listeners.csv"
    columns = ["id", "valence", "energy", "valence_tags", "arousal_tags"]
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    report = evaluate_reading(read_listener_table(path), models=["raw_features"], repeats=[0])
    scores = report.to_dict()["models"]["raw_features"]
    assert scores["valence_rho"]["mean"] == pytest.approx(1.0)
