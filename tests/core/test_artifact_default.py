"""The default model shipped in the package is what its recorded command produces.

Reproducibility, stated honestly (see docs/model.md): on one machine, training is
deterministic (the same seed gives identical weights). Across machines it is not bit-exact:
BLAS kernels differ between CPUs (AVX-512 or not), and a full-batch L-BFGS run amplifies the
last-bit differences over hundreds of iterations (234 iterations on one machine, 424 on
another). What must hold everywhere is checked instead: the retrained model agrees with the
shipped one on the tracks' top emotion, and its cross-validated scores match the recorded ones
within a stated tolerance (tests/core/test_evaluation.py, on the claimed CV's own folds).
"""

import numpy as np
import pytest

from moodtune.data.readers import read_seed, read_tracks
from moodtune.model.artifact import EmotionModel

pytest.importorskip("torch", reason="retraining needs the 'train' extra")

from moodtune.model.training import MLPClassifier, TrainConfig

#: Share of tracks whose top emotion the retrained and the shipped model must agree on
#: (measured: 100 % on the machine that trained it, 97.7 % of TidyTuesday on an AVX-512 Xeon).
AGREEMENT = 0.95


@pytest.fixture(scope="module")
def default():
    return EmotionModel.default()


@pytest.fixture(scope="module")
def seed_table(datasets):
    return read_seed(
        datasets / "seed/audio_feature_scale.json", datasets / "seed/labels_by_position.csv"
    )


@pytest.fixture(scope="module")
def config(default) -> TrainConfig:
    fields = set(TrainConfig.__dataclass_fields__)
    return TrainConfig(**{k: v for k, v in default.metadata["training"].items() if k in fields})


@pytest.fixture(scope="module")
def retrained(default, seed_table, config) -> MLPClassifier:
    return MLPClassifier(config).fit(seed_table.matrix(default.feature_names), seed_table.labels)


def test_default_model_metadata_records_how_it_was_made(default):
    meta = default.metadata
    assert meta["command"].startswith("moodtune train ")
    assert "audio_feature_scale.json" in meta["command"]
    assert "--reading-data ../shared/datasets/muse/muse_dev.csv" in meta["command"]
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
def test_training_is_deterministic_on_one_machine(default, seed_table, config, retrained):
    again = MLPClassifier(config).fit(seed_table.matrix(default.feature_names), seed_table.labels)
    for name, value in retrained.state_.items():
        np.testing.assert_array_equal(again.state_[name], value, err_msg=name)


@pytest.mark.slow
def test_retrained_classifier_agrees_with_the_shipped_one(datasets, default, seed_table, retrained):
    # The classifier alone: the readings (learned from MuSe, see test_reading_acceptance.py)
    # are combined with it only in the shipped model's predict_proba.
    model = retrained.to_model(default.feature_names)
    labels = np.asarray(default.labels)
    for table in (seed_table, read_tracks(datasets / "tidytuesday/spotify_songs.csv")):
        features = table.matrix(default.feature_names)
        shipped = labels[default.classifier_proba(features).argmax(axis=1)]
        agreement = np.mean(model.predict(features) == shipped)
        assert agreement >= AGREEMENT, f"{agreement:.3f} of {len(features)} tracks agree"
