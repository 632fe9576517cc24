"""The default model shipped in the package is what its recorded command produces."""

import numpy as np
import pytest

from moodtune.data.readers import read_seed
from moodtune.model.artifact import EmotionModel

pytest.importorskip("torch", reason="retraining needs the 'train' extra")

from moodtune.model.evaluation import cross_validate
from moodtune.model.training import MLPClassifier, TrainConfig


@pytest.fixture(scope="module")
def default():
    return EmotionModel.default()


def test_default_model_metadata_records_how_it_was_made(default):
    meta = default.metadata
    assert meta["command"].startswith("moodtune train ")
    assert "audio_feature_scale.json" in meta["command"]
    assert meta["training_data"]["tracks"] == 342
    assert set(meta["cv"]["models"]) >= {"mlp", "seed_recipe", "logistic_regression"}
    assert default.feature_names == (
        "danceability",
        "energy",
        "speechiness",
        "acousticness",
        "liveness",
        "valence",
        "tempo",
    )


@pytest.mark.slow
def test_retraining_from_the_shared_data_reproduces_weights_and_metrics(datasets, default):
    table = read_seed(
        datasets / "seed/audio_feature_scale.json", datasets / "seed/labels_by_position.csv"
    )
    fields = set(TrainConfig.__dataclass_fields__)
    config = TrainConfig(**{k: v for k, v in default.metadata["training"].items() if k in fields})
    retrained = MLPClassifier(config).fit(table.matrix(default.feature_names), table.labels)
    for name, value in default.weights.items():
        np.testing.assert_allclose(retrained.state_[name], value, atol=1e-6, err_msg=name)
    report = cross_validate(
        table, models=("mlp",), feature_names=default.feature_names, config=config
    ).to_dict()
    recorded = default.metadata["cv"]["models"]["mlp"]
    assert report["models"]["mlp"]["macro_f1"] == recorded["macro_f1"]
    assert report["models"]["mlp"]["accuracy"] == recorded["accuracy"]
