"""The reading's main claim on MuSe (docs/model.md), with the shipped default model: it agrees
with listeners better than the baselines, scored on the same repeated, artist-grouped folds.

The longest test of the suite (a full repeated CV of four models), in a file of its own so the
test processes share the rest of tests/core/test_reading_acceptance.py while it runs.
"""

import pytest

from moodtune.model.artifact import EmotionModel
from moodtune.model.listeners import read_listener_table

pytest.importorskip("torch", reason="evaluation needs the 'train' extra")

from moodtune.model.evaluation import cross_validate_reading


@pytest.fixture(scope="module")
def default():
    return EmotionModel.default()


@pytest.mark.slow
def test_reading_agrees_with_listeners_better_than_ridge_and_boosting_on_muse(datasets, default):
    listeners = read_listener_table(datasets / "muse/muse_dev.csv")
    models = ("reading", "ridge", "gradient_boosting", "raw_features")
    report = cross_validate_reading(listeners, models=models, classifier=default)
    scores = report.to_dict()["models"]
    ours = scores["reading"]
    # measured 0.303 / 0.442 (recorded in the model, checked in test_reading_acceptance.py);
    # slack for other machines
    assert ours["valence_rho"]["mean"] >= 0.293
    assert ours["arousal_rho"]["mean"] >= 0.432
    for baseline in ("ridge", "gradient_boosting"):
        for axis in ("valence_rho", "arousal_rho"):
            assert ours[axis]["mean"] > scores[baseline][axis]["mean"], (baseline, axis)
    assert ours["quadrant_accuracy"]["mean"] > scores["raw_features"]["quadrant_accuracy"]["mean"]
