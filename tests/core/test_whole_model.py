"""The whole model in one pass (moodtune.model.whole): the same distribution as the classifier,
the reading and the combination run one after the other, and as onnxruntime on its export."""

from __future__ import annotations

import numpy as np
import pytest

from moodtune.emotions import EMOTIONS
from moodtune.model.artifact import EmotionModel
from moodtune.model.forward import SoftmaxMLP
from moodtune.model.reading_head import Combination, ReadingHead
from moodtune.model.whole import CHUNK, WholeModel

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def model() -> EmotionModel:
    return EmotionModel.default()


def tracks(model: EmotionModel, n: int, seed: int = 0, beyond: float = 0.0) -> np.ndarray:
    """Uniform inside the scaler's ranges, widened by ``beyond`` spans on each side."""
    rng = np.random.default_rng(seed)
    span = model.scale_max - model.scale_min
    low, high = model.scale_min - beyond * span, model.scale_max + beyond * span
    return rng.uniform(low, high, size=(n, len(model.feature_names))).astype(np.float32)


def test_the_default_model_runs_the_whole_pass(model):
    assert model._whole_model() is not None


@pytest.mark.parametrize("beyond", [0.0, 1.5])
def test_one_pass_equals_classifier_then_reading_then_combination(model, beyond):
    x = tracks(model, 3 * CHUNK + 7, seed=3, beyond=beyond)
    steps = model.predict_all(x)
    whole = model.predict_proba(x)
    assert whole.shape == (len(x), 7) and whole.dtype == np.float32
    np.testing.assert_allclose(whole, steps.probabilities, rtol=0, atol=TOLERANCE)
    # the guard: contradicted classes are exactly 0 in both, and some rows have them
    assert steps.contradicted.any()
    assert np.all(whole[steps.contradicted] == 0.0)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, atol=1e-5)


def test_deterministic_and_the_same_in_any_chunking(model):
    x = tracks(model, 2000, seed=4)
    first = model.predict_proba(x)
    np.testing.assert_array_equal(first, model.predict_proba(x))  # same machine, same call
    whole = model._whole_model()
    np.testing.assert_allclose(whole.proba(x, chunk=64), first, rtol=0, atol=TOLERANCE)
    assert whole.proba(x[:0]).shape == (0, 7)


def test_replacing_the_readings_rebuilds_the_pass(model):
    x = tracks(model, 50, seed=6)
    copy = EmotionModel(
        model.feature_names,
        model.labels,
        model.scale_min,
        model.scale_max,
        model.weights,
        readings=model.readings,
    )
    np.testing.assert_array_equal(copy.predict_proba(x), model.predict_proba(x))
    copy.readings = ()  # now the classifier alone
    np.testing.assert_array_equal(copy.predict_proba(x), copy.classifier_proba(x))


def test_without_a_class_that_is_never_contradicted_the_steps_are_used(model):
    head = model.reading_head(model.feature_names)
    labels = tuple(label for label in EMOTIONS if label != "neutral")
    combination = Combination(
        center=(0.0, 0.0),
        spread=(0.01, 0.01),
        prototypes={name: (0.0, 0.0) for name in labels},
        variance=(1.0, 1.0),
        tau=1.0,
    )
    net = SoftmaxMLP.from_weights(model.weights, model.scale_min, model.scale_max)
    reading = ReadingHead(head.feature_names, head.scale_min, head.scale_max, head.weights)
    columns = [model.feature_names.index(f) for f in head.feature_names]
    rows = np.zeros((6, 65), dtype=np.float32)
    rows[:, :64] = net.w2[:6, :64]  # a 6-class classifier sharing the default's hidden layer
    six = SoftmaxMLP(net.w1[:, :-1].T, net.w1[:, -1], rows[:, :64].T, rows[:, 64])
    assert not WholeModel(six, reading._net, columns, combination, labels).always_possible


def test_matches_onnxruntime_running_the_whole_model(model):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    graph = model._whole_model().to_onnx()
    session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    for beyond in (0.0, 1.5):
        x = tracks(model, 2 * CHUNK + 5, seed=8, beyond=beyond)
        (theirs,) = session.run(None, {"x": x})
        assert theirs.shape == (len(x), 7)
        np.testing.assert_allclose(model.predict_proba(x), theirs, rtol=0, atol=TOLERANCE)
