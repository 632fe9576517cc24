"""Readings over several views of the features (moodtune.model.reading_views): one network per
view, stacked into one; stored as safetensors + JSON; older readings (no views) still load."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from moodtune.data.features import FEATURE_NAMES
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel, ReadingHead
from moodtune.model.listeners import read_listener_table
from moodtune.model.reading_views import LOG_FEATURES, apply_view, expand, fit_view

torch = pytest.importorskip("torch", reason="training the reading needs the 'train' extra")

from moodtune.model.training import ReadingConfig, ReadingRegressor  # noqa: E402

ELEVEN = FEATURE_NAMES  # the 11 features of a listener table


def views_only(**options: object) -> ReadingConfig:
    """A reading config with exactly the networks of its ``views``, reading every feature."""
    return ReadingConfig(**{"ignore": (), "valence_views": (), **options})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def listeners(tmp_path_factory, datasets):
    """300 MuSe rows (every 14th), written to a temporary file (never into the repository)."""
    frame = pd.read_csv(datasets / "muse/muse_dev.csv").iloc[::14].reset_index(drop=True)
    path = tmp_path_factory.mktemp("listeners") / "small.csv"
    frame.to_csv(path, index=False)
    return read_listener_table(path)


def test_quantile_view_ranks_and_is_monotone_with_ties_averaged():
    x = np.array([[0.0], [0.0], [0.0], [0.2], [0.5], [0.9]])
    view = fit_view("quantile", x, ("energy",))
    seen = apply_view(
        view, np.array([[-1.0], [0.0], [0.1], [0.2], [0.5], [0.9], [2.0]]), ["energy"]
    )
    assert np.all(np.diff(seen[:, 0]) >= 0)  # monotone, flat beyond the training range
    assert seen[0, 0] == seen[1, 0] and seen[-1, 0] == seen[-2, 0]
    points, values = view["knots"]["energy"]
    assert len(points) == len(set(points))  # the three zeros became one knot
    assert values[0] > -5.2  # … with their scores averaged, not the lowest one's


def test_log_view_reads_only_the_skewed_features():
    x = np.array([[0.5, 0.0, 20.0], [0.7, 0.3, 140.0]], dtype=np.float32)
    names = ("energy", "liveness", "tempo")
    seen = apply_view(fit_view("log", x, names), x, names)
    np.testing.assert_array_equal(seen[:, 0], x[:, 0])
    np.testing.assert_allclose(seen[:, 1], np.log(x[:, 1] + LOG_FEATURES["liveness"][1]), rtol=1e-6)
    np.testing.assert_allclose(seen[:, 2], np.log(np.maximum(x[:, 2], 30.0)), rtol=1e-6)


def test_stacked_views_are_the_mean_of_one_network_per_view(listeners):
    x = listeners.table.matrix(ELEVEN)
    views = ("raw", "log", "quantile")
    config = views_only(iterations=40, seed=2, views=views)
    both = ReadingRegressor(config, feature_names=ELEVEN).fit(x, listeners.targets)
    again = ReadingRegressor(config, feature_names=ELEVEN).fit(x, listeners.targets)
    for name, value in both.state_.items():
        assert np.array_equal(value, again.state_[name]), name  # deterministic on one machine
    head = both.to_head(ELEVEN)
    assert head.weights["fc1.weight"].shape == (3 * 64, 3 * 11)
    singles = []
    for view in views:
        config_one = views_only(iterations=40, seed=2, views=(view,))
        one = ReadingRegressor(config_one, feature_names=ELEVEN).fit(x, listeners.targets)
        singles.append(one.to_head(ELEVEN)._net.outputs(expand(one.views_, x, ELEVEN)))
    expected = np.clip(np.mean(singles, axis=0), -1, 1)
    np.testing.assert_allclose(head.predict(x), expected, atol=1e-5)


def test_model_with_a_multi_view_reading_round_trips(listeners, tmp_path):
    default = EmotionModel.default()
    x = listeners.table.matrix(ELEVEN)
    config = views_only(iterations=30, views=("raw", "quantile"))
    head = ReadingRegressor(config, feature_names=ELEVEN).fit(x, listeners.targets).to_head(ELEVEN)
    model = EmotionModel(
        default.feature_names,
        default.labels,
        default.scale_min,
        default.scale_max,
        default.weights,
        readings=(head, *default.readings[1:]),
    )
    loaded = EmotionModel.load(model.save(tmp_path / "m"))
    info = json.loads((tmp_path / "m" / "model.json").read_text())
    assert [v["kind"] for v in info["readings"][0]["views"]] == ["raw", "quantile"]
    assert loaded.version == model.version
    np.testing.assert_array_equal(loaded.readings[0].predict(x), head.predict(x))


def test_a_reading_without_views_still_loads_and_reads_raw_features(listeners):
    default = EmotionModel.default()
    head = default.readings[-1]  # the companion over the classifier's 7 features: no views
    info = head.to_json()
    assert "views" not in info
    restored = ReadingHead.from_json(info, head.weights)
    assert restored.raw and restored.views == ()
    x = listeners.table.matrix(head.feature_names)
    np.testing.assert_array_equal(restored.predict(x), head.predict(x))


def test_bad_views_are_refused(listeners):
    with pytest.raises(MoodtuneError, match="unknown reading view"):
        ReadingConfig(views=("cubic",)).validate()
    head = EmotionModel.default().readings[-1]
    with pytest.raises(MoodtuneError, match="unknown features"):
        ReadingHead(
            head.feature_names,
            head.scale_min,
            head.scale_max,
            head.weights,
            views=({"kind": "log", "features": {"loudness_db": [0, 1]}},),
        )


def test_a_view_named_twice_is_a_second_network_seeded_apart(listeners):
    x = listeners.table.matrix(ELEVEN)
    config = views_only(iterations=30, seed=4, views=("log", "log"))
    head = ReadingRegressor(config, feature_names=ELEVEN).fit(x, listeners.targets).to_head(ELEVEN)
    first, second = np.split(head.weights["fc1.weight"], 2, axis=0)
    assert first.shape == (64, 22)
    assert not np.allclose(first[:, :11], second[:, 11:])  # not the same network twice


@pytest.mark.slow
def test_distilling_boosting_trains_on_targets_mixed_with_its_out_of_fold_predictions(listeners):
    from moodtune.model.reading_training import boosted_out_of_fold

    x = listeners.table.matrix(ELEVEN).astype(np.float32)  # as the regressor reads them
    y = listeners.targets.astype(np.float32)
    teacher = boosted_out_of_fold(x, y, 5, 0)
    assert teacher.shape == y.shape and np.all(np.isfinite(teacher))
    again = boosted_out_of_fold(x, y, 5, 0)
    np.testing.assert_allclose(teacher, again, atol=1e-9)  # seeded folds and trees
    config = views_only(iterations=30, views=("raw",), distill=0.0)
    plain = ReadingRegressor(config, feature_names=ELEVEN)
    mixed_targets = (0.5 * y + 0.5 * teacher).astype(np.float32)
    expected = plain.fit(x, mixed_targets).predict(x)
    distilled = ReadingRegressor(
        views_only(iterations=30, views=("raw",), distill=0.5), feature_names=ELEVEN
    )
    np.testing.assert_allclose(distilled.fit(x, y).predict(x), expected, atol=1e-5)
    assert distilled.to_head(ELEVEN).metadata["training"]["distill"] == 0.5
    with pytest.raises(MoodtuneError, match="invalid reading parameters"):
        ReadingConfig(distill=1.5).validate()


def test_an_ignored_feature_is_read_by_no_network_and_changes_nothing(listeners):
    from moodtune.model.reading_training import companion_config

    x = listeners.table.matrix(ELEVEN)
    config = views_only(iterations=30, views=("log", "quantile"), ignore=("key", "absent"))
    head = ReadingRegressor(config, feature_names=ELEVEN).fit(x, listeners.targets).to_head(ELEVEN)
    key = ELEVEN.index("key")
    first = head.weights["fc1.weight"]
    assert first.shape == (128, 22)
    assert not first[:, [key, 11 + key]].any() and first[:, 11:].any()
    other_keys = x.copy()
    other_keys[:, key] = (other_keys[:, key] + 5) % 12
    np.testing.assert_array_equal(head.predict(x), head.predict(other_keys))
    assert head.metadata["training"]["ignore"] == ("key", "absent")
    assert companion_config(config).ignore == ()
    with pytest.raises(MoodtuneError, match="invalid reading parameters"):
        ReadingConfig(ignore=(3,)).validate()  # type: ignore[arg-type]


def test_valence_views_add_networks_that_predict_valence_only(listeners):
    from moodtune.model.reading_networks import stack

    x = listeners.table.matrix(ELEVEN)
    config = ReadingConfig(iterations=30, views=("log",), valence_views=("quantile",))
    regressor = ReadingRegressor(config, feature_names=ELEVEN).fit(x, listeners.targets)
    head = regressor.to_head(ELEVEN)
    assert head.weights["fc1.weight"].shape == (128, 22)
    assert not head.weights["fc2.weight"][1, 64:].any()  # arousal: the first network only
    assert head.weights["fc2.weight"][0, 64:].any()
    alone = ReadingRegressor(replace(config, valence_views=()), feature_names=ELEVEN)
    np.testing.assert_allclose(
        head.predict(x)[:, 1], alone.fit(x, listeners.targets).predict(x)[:, 1], atol=1e-5
    )
    one = {"fc1.weight": np.ones((1, 1)), "fc1.bias": np.zeros(1)}
    both = {**one, "fc2.weight": np.array([[2.0], [4.0]]), "fc2.bias": np.array([1.0, 3.0])}
    valence = {**one, "fc2.weight": np.array([[6.0]]), "fc2.bias": np.array([5.0])}
    stacked = stack([both, valence], [(0, 1), (0,)])
    np.testing.assert_array_equal(stacked["fc2.weight"], [[1.0, 3.0], [4.0, 0.0]])
    np.testing.assert_array_equal(stacked["fc2.bias"], [3.0, 3.0])
