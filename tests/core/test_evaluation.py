"""Cross-validated scores on the real data sets, with the protocol of shared/datasets/README.md.

These are the project's accuracy claims; each runs the full 3 × 5-fold protocol. The
classifier combined with the reading (``mlp_reading``, the shipped model's reading) is scored
in the same runs, on the same folds, as the plain ``mlp``.
"""

import json

import numpy as np
import pytest

from moodtune.data.readers import read_seed, read_tracks
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel

pytest.importorskip("torch", reason="evaluation needs the 'train' extra")

from moodtune.model.evaluation import cross_validate, fold_indices
from moodtune.model.report import write_document, write_json


@pytest.fixture(scope="module")
def default():
    return EmotionModel.default()


@pytest.fixture(scope="module")
def seed_report(datasets, default):
    table = read_seed(
        datasets / "seed/audio_feature_scale.json", datasets / "seed/labels_by_position.csv"
    )
    models = ("seed_recipe", "mlp", "mlp_reading", "logistic_regression", "random_forest", "rule")
    return cross_validate(table, models=models, reading=default)


@pytest.mark.slow
def test_seed_mlp_beats_the_original_recipe_on_the_same_folds(seed_report):
    scores = seed_report.to_dict()["models"]
    assert scores["mlp"]["macro_f1"]["mean"] >= 0.46
    assert scores["mlp"]["macro_f1"]["mean"] > scores["seed_recipe"]["macro_f1"]["mean"]
    # every model is far above chance (about 0.15 for 7 classes)
    for name in ("seed_recipe", "mlp", "logistic_regression", "random_forest"):
        assert scores[name]["accuracy"]["mean"] > 0.35, name
    assert len(scores["mlp"]["per_repeat"]["macro_f1"]) == 3


#: How far a retrained model's CV means may lie from the ones recorded in the shipped model:
#: one standard deviation over the three repeats is about 0.015, so 0.03 is two of them
#: (training is deterministic on one machine, not bit-exact across CPUs; see
#: tests/core/test_artifact_default.py).
METRIC_TOLERANCE = 0.03


@pytest.mark.slow
def test_retrained_cv_scores_match_the_ones_the_shipped_model_records(seed_report, default):
    """The seed CV's mlp is the shipped classifier's recipe (its features and training
    parameters, as its metadata records them), so its scores are the ones recorded there."""
    from moodtune.model.training import TrainConfig

    fields = set(TrainConfig.__dataclass_fields__)
    recorded_config = {k: v for k, v in default.metadata["training"].items() if k in fields}
    assert TrainConfig(**recorded_config) == TrainConfig()
    assert seed_report.to_dict()["features"] == list(default.feature_names)
    recorded = default.metadata["cv"]["models"]["mlp"]
    for metric in ("macro_f1", "accuracy"):
        measured = seed_report.to_dict()["models"]["mlp"][metric]["mean"]
        expected = recorded[metric]["mean"]
        assert abs(measured - expected) <= METRIC_TOLERANCE, (metric, measured, expected)


@pytest.mark.slow
def test_combining_with_the_reading_does_not_lower_the_7_class_scores(seed_report):
    scores = seed_report.to_dict()
    combined, plain = scores["models"]["mlp_reading"], scores["models"]["mlp"]
    # measured 0.467 against 0.463 (docs/model.md); a little slack for other machines
    assert combined["macro_f1"]["mean"] >= plain["macro_f1"]["mean"] - 0.005
    assert combined["accuracy"]["mean"] >= plain["accuracy"]["mean"] - 0.005


@pytest.mark.slow
def test_data_moods_mlp_and_the_reading_with_folds_grouped_by_artist(datasets, default):
    table = read_tracks(datasets / "data_moods/data_moods.csv")
    report = cross_validate(
        table, models=("mlp", "mlp_reading"), group_by_artist=True, reading=default
    )
    scores = report.to_dict()["models"]
    assert scores["mlp"]["accuracy"]["mean"] >= 0.80
    assert scores["mlp_reading"]["accuracy"]["mean"] >= 0.79


def test_grouped_folds_never_split_an_artist(datasets):
    table = read_tracks(datasets / "data_moods/data_moods.csv")
    artists = table.frame["artist"].to_numpy(dtype=str)
    for train, test in fold_indices(table.labels, folds=5, seed=0, groups=artists):
        assert not set(artists[train]) & set(artists[test])


def test_reports_json_markdown_and_confusion_png(tmp_path, seed_report):
    write_json(seed_report, tmp_path / "report.json")
    data = json.loads((tmp_path / "report.json").read_text())
    for name in ("seed_recipe", "mlp", "logistic_regression", "random_forest", "rule"):
        assert set(data["models"][name]["accuracy"]) == {"mean", "std"}
        assert set(data["models"][name]["macro_f1"]) == {"mean", "std"}
    matrix = data["models"]["mlp"]["confusion_matrix"]
    assert sum(map(sum, matrix)) == 3 * 342  # every track predicted once per repeat
    write_document(seed_report, tmp_path / "report.md")
    assert "| mlp |" in (tmp_path / "report.md").read_text()
    assert (tmp_path / "report-mlp-confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_too_few_tracks_per_class_is_refused(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("name,valence,energy,emotion\na,0.1,0.2,sad\nb,0.9,0.8,happy\nc,0.2,0.1,sad\n")
    with pytest.raises(MoodtuneError, match="at least 5 tracks"):
        cross_validate(read_tracks(path))


def test_reading_folds_grouped_by_artist_never_split_an_artist(datasets):
    from moodtune.model.evaluation import reading_folds
    from moodtune.model.listeners import read_listener_table

    listeners = read_listener_table(datasets / "muse/muse_dev.csv")
    artists = listeners.artists
    seen = np.zeros(len(artists), dtype=int)
    for train, test in reading_folds(len(artists), folds=5, seed=0, groups=artists):
        assert not set(artists[train]) & set(artists[test])
        seen[test] += 1
    assert (seen == 1).all()  # every track is tested exactly once per repeat


def test_mlp_and_mlp_reading_share_each_folds_fit_and_score_as_when_run_alone(
    datasets, default, monkeypatch
):
    from moodtune.model.mlp import MLPClassifier

    table = read_seed(
        datasets / "seed/audio_feature_scale.json", datasets / "seed/labels_by_position.csv"
    )
    fitted = []
    real_fit = MLPClassifier.fit

    def counted(self, features, labels):
        fitted.append(self.config.seed)
        return real_fit(self, features, labels)

    monkeypatch.setattr(MLPClassifier, "fit", counted)
    options = {"folds": 2, "repeats": (0, 1), "reading": default}
    together = cross_validate(table, models=("mlp", "mlp_reading"), **options).to_dict()
    assert fitted == [0, 0, 1, 1]  # one fit per fold of each repeat, not two
    alone = cross_validate(table, models=("mlp_reading",), **options).to_dict()["models"]
    assert len(fitted) == 4 + 4
    assert together["models"]["mlp_reading"] == alone["mlp_reading"]
