"""The reading's claims on the real data sets (docs/model.md), with the shipped default model.

Metrics are checked within a tolerance, never bit-exactly. The 7-class scores of the
classifier combined with the reading are checked in test_evaluation.py (in the same CV runs as
the plain classifier), the MuSe claim in test_reading_acceptance_muse.py.
"""

import numpy as np
import pytest

from moodtune.data.readers import read_tracks
from moodtune.emotions import EMOTIONS
from moodtune.model.artifact import EmotionModel


@pytest.fixture(scope="module")
def default():
    return EmotionModel.default()


def test_the_default_model_has_readings_with_their_training_recorded(default):
    assert default.has_reading
    assert "--reading-data" in default.metadata["command"]
    full, basic = default.readings
    assert len(full.feature_names) == 11 and basic.feature_names == default.feature_names
    for head in default.readings:
        assert head.metadata["training_data"]["source"] == "muse_dev.csv"
        assert head.metadata["training_data"]["tracks"] == 4233
        assert head.combination is not None and head.combination.tau == 2.0
    cv = full.metadata["cv"]["models"]
    assert cv["reading"]["valence_rho"]["mean"] >= 0.295
    assert cv["reading"]["arousal_rho"]["mean"] >= 0.435
    # a valence-and-arousal network and a valence-only one per view (session 6)
    assert [view["kind"] for view in full.views] == ["log", "quantile"] * 2
    ignored = [full.feature_names.index(name) for name in ("key", "liveness")]
    columns = [block * 11 + j for block in range(4) for j in ignored]
    assert not full.weights["fc1.weight"][:, columns].any()  # neither is read
    assert basic.raw  # the companion reads raw features: predict_proba runs as one network
    assert default._whole_model() is not None


def test_the_default_model_never_names_a_contradicted_emotion(datasets, default):
    songs = read_tracks(datasets / "tidytuesday/spotify_songs.csv", skip_invalid=True)
    prediction = default.predict_table_all(songs)
    assert prediction.reading is not None and prediction.contradicted is not None
    top = prediction.probabilities.argmax(axis=1)
    assert not prediction.contradicted[np.arange(len(top)), top].any()
    # and the guard does act: some tracks are clear enough for an emotion to be ruled out
    assert prediction.contradicted.any(axis=1).mean() > 0.01
    # the brightest, most energetic tracks are never disgust, anger, fear or sadness
    z = default.readings[0].combination.standardise(prediction.reading)
    bright = (z[:, 0] >= 2) & (z[:, 1] >= 2)
    assert bright.sum() > 10
    names = np.asarray(EMOTIONS)[top[bright]]
    assert not set(names) & {"anger", "disgust", "fear", "sadness"}
