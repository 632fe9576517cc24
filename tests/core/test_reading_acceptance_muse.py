"""The reading's main claim on MuSe (docs/model.md), with the shipped default model: it agrees
with listeners better than the baselines, scored on the same artist-grouped folds.

The reading's recipe is cross-validated here on the first repeat of the protocol (shuffle seed
0: 15 network fits of the 60 of three repeats, the longest test of the suite even so). The
three repeats' means (0.302 / 0.442) are recorded in the model and checked against the bars
in test_reading_acceptance.py; `moodtune evaluate ../shared/datasets/muse/muse_dev.csv
--group-by-artist` measures them again (docs/model.md).
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
    report = cross_validate_reading(listeners, models=models, classifier=default, repeats=(0,))
    scores = report.to_dict()["models"]
    ours = scores["reading"]
    # measured 0.304 / 0.440 on this repeat (0.302 / 0.442 over three); slack for other CPUs
    assert ours["valence_rho"]["mean"] >= 0.294
    assert ours["arousal_rho"]["mean"] >= 0.430
    for baseline in ("ridge", "gradient_boosting"):
        for axis in ("valence_rho", "arousal_rho"):
            assert ours[axis]["mean"] > scores[baseline][axis]["mean"], (baseline, axis)
    assert ours["quadrant_accuracy"]["mean"] > scores["raw_features"]["quadrant_accuracy"]["mean"]
