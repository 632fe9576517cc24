"""The fast forward pass (moodtune.model.forward) against a float64 reference and onnxruntime."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from moodtune.errors import MissingExtraError
from moodtune.model.artifact import EmotionModel
from moodtune.model.forward import CHUNK, SoftmaxMLP, mlp_outputs, softmax_mlp
from moodtune.model.reading_views import expand

TOLERANCE = 1e-5


def reference_outputs(weights, scale_min, scale_max, x) -> np.ndarray:
    """The network written out plainly in float64: scale, ReLU layer, linear outputs."""
    lo = np.asarray(scale_min, dtype=np.float64)
    span = np.asarray(scale_max, dtype=np.float64) - lo
    z = (np.asarray(x, dtype=np.float64) - lo) / np.where(span > 0, span, 1.0)
    w1, b1 = (np.asarray(weights[f"fc1.{p}"], dtype=np.float64) for p in ("weight", "bias"))
    w2, b2 = (np.asarray(weights[f"fc2.{p}"], dtype=np.float64) for p in ("weight", "bias"))
    return np.maximum(z @ w1.T + b1, 0.0) @ w2.T + b2


def reference(weights, scale_min, scale_max, x) -> np.ndarray:
    """The classifier written out plainly in float64: scale, ReLU layer, softmax."""
    lo = np.asarray(scale_min, dtype=np.float64)
    span = np.asarray(scale_max, dtype=np.float64) - lo
    z = (np.asarray(x, dtype=np.float64) - lo) / np.where(span > 0, span, 1.0)
    w1, b1 = (np.asarray(weights[f"fc1.{p}"], dtype=np.float64) for p in ("weight", "bias"))
    w2, b2 = (np.asarray(weights[f"fc2.{p}"], dtype=np.float64) for p in ("weight", "bias"))
    logits = np.maximum(z @ w1.T + b1, 0.0) @ w2.T + b2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def random_model(rng, d: int, hidden: int, k: int, scale: float = 1.0):
    weights = {
        "fc1.weight": rng.normal(0, scale, (hidden, d)),
        "fc1.bias": rng.normal(0, scale, hidden),
        "fc2.weight": rng.normal(0, scale, (k, hidden)),
        "fc2.bias": rng.normal(0, scale, k),
    }
    lo = rng.uniform(-5, 0, d)
    hi = lo + rng.uniform(0.5, 200, d)
    hi[0] = lo[0]  # a constant feature: its span counts as 1
    return weights, lo, hi


@pytest.fixture(scope="module")
def model() -> EmotionModel:
    return EmotionModel.default()


def tracks(model: EmotionModel, n: int, seed: int = 0, beyond: float = 0.0) -> np.ndarray:
    """n tracks uniformly inside the model's ranges, widened by ``beyond`` spans each side."""
    span = model.scale_max - model.scale_min
    rng = np.random.default_rng(seed)
    low, high = model.scale_min - beyond * span, model.scale_max + beyond * span
    return rng.uniform(low, high, (n, len(model.feature_names))).astype(np.float32)


@pytest.mark.parametrize("n", [1, 7, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
@pytest.mark.parametrize("beyond", [0.0, 2.0])
def test_default_model_matches_float64_reference(model, n, beyond):
    x = tracks(model, n, seed=n, beyond=beyond)
    expected = reference(model.weights, model.scale_min, model.scale_max, x)
    got = model.classifier_proba(x)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("chunk", [1, 5, 64, 1000])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_chunks_and_threads_give_the_same_probabilities(chunk, threads):
    rng = np.random.default_rng(chunk + threads)
    weights, lo, hi = random_model(rng, d=5, hidden=16, k=3)
    forward = SoftmaxMLP.from_weights(weights, lo, hi)
    x = rng.uniform(lo - 1, hi + 1, (2 * chunk + 3, 5)).astype(np.float32)
    expected = reference(weights, lo, hi, x)
    got = forward.proba(x, chunk=chunk, threads=threads)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)
    # One machine, same chunks: threads change nothing, bit for bit.
    np.testing.assert_array_equal(got, forward.proba(x, chunk=chunk))


def test_a_rows_probabilities_do_not_depend_on_its_place_in_the_batch(model):
    """Partitions (Dask, catalogue batches) must give what one call gives, bit for bit on
    one machine: BLAS kernels may round a column differently by its place in a product."""
    x = tracks(model, 20 * CHUNK + 123, seed=3)
    whole = model.classifier_proba(x)
    rng = np.random.default_rng(3)
    for _ in range(5):
        cuts = np.sort(rng.choice(np.arange(1, len(x)), size=6, replace=False))
        parts = np.concatenate([model.classifier_proba(part) for part in np.split(x, cuts)])
        np.testing.assert_array_equal(parts, whole)
    for row in rng.choice(len(x), size=50, replace=False):
        np.testing.assert_array_equal(model.classifier_proba(x[row : row + 1])[0], whole[row])


def raw_ranges(head) -> tuple[np.ndarray, np.ndarray]:
    """The training range of a reading's raw features: its scaler's, or for a reading with
    views the first and last knots of its quantile view."""
    for view in head.views:
        if view["kind"] == "quantile":
            knots = [view["knots"][name][0] for name in head.feature_names]
            return np.array([k[0] for k in knots]), np.array([k[-1] for k in knots])
    return head.scale_min, head.scale_max


def test_the_readings_match_float64_and_do_not_depend_on_the_batch(model):
    assert {len(head.feature_names) for head in model.readings} == {7, 11}
    rng = np.random.default_rng(4)
    for head in model.readings:
        # the 11-feature reading reads 2 views (22 inputs: 4 pieces), the 7-feature one 1 piece
        low, high = raw_ranges(head)
        x = rng.uniform(low, high, (5 * CHUNK + 7, len(low))).astype(np.float32)
        whole = head.predict(x)
        seen = expand(head.views, x, head.feature_names)
        raw = reference_outputs(head.weights, head.scale_min, head.scale_max, seen)
        expected = np.clip(raw, -1.0, 1.0)
        np.testing.assert_allclose(whole, expected, rtol=0, atol=TOLERANCE)
        cuts = np.sort(rng.choice(np.arange(1, len(x)), size=6, replace=False))
        parts = np.concatenate([head.predict(part) for part in np.split(x, cuts)])
        np.testing.assert_array_equal(parts, whole)


@pytest.mark.parametrize("d", [1, 7, 8, 15])
def test_outputs_of_any_width_match_float64(d):
    rng = np.random.default_rng(d)
    weights, lo, hi = random_model(rng, d=d, hidden=24, k=2)
    x = rng.uniform(lo, hi, (2 * CHUNK + 40, d)).astype(np.float32)
    forward = SoftmaxMLP.from_weights(weights, lo, hi)
    expected = reference_outputs(weights, lo, hi, x)
    np.testing.assert_allclose(forward.outputs(x), expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(mlp_outputs(x, *forward.layers), forward.outputs(x))


@pytest.mark.parametrize("k", [1, 2, 8, 9, 17])
def test_any_number_of_classes(k):
    rng = np.random.default_rng(k)
    weights, lo, hi = random_model(rng, d=4, hidden=32, k=k)
    x = rng.uniform(lo, hi, (300, 4)).astype(np.float32)
    got = SoftmaxMLP.from_weights(weights, lo, hi).proba(x, chunk=128)
    assert got.shape == (300, k)
    np.testing.assert_allclose(got, reference(weights, lo, hi, x), rtol=0, atol=TOLERANCE)


def test_large_logits_stay_finite():
    rng = np.random.default_rng(1)
    weights, lo, hi = random_model(rng, d=3, hidden=8, k=4, scale=30.0)
    x = rng.uniform(lo - 10 * (hi - lo), hi + 10 * (hi - lo), (500, 3)).astype(np.float32)
    expected = reference(weights, lo, hi, x)
    logits_reach = np.abs(np.log(np.clip(expected, 1e-300, None))).max()
    assert logits_reach > 200  # exp would overflow float32 without the shift
    got = SoftmaxMLP.from_weights(weights, lo, hi).proba(x)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("shift", [-200.0, -90.0, 0.0, 80.0, 200.0])
def test_exponentials_that_overflow_or_underflow(shift):
    """Logits (h + shift, h / 2 + shift, shift - h) for h = ReLU(x): far beyond float32's
    exp range (±88) for some rows, so the unshifted softmax must fall back to the shift."""
    forward = SoftmaxMLP(
        np.ones((1, 1)), np.zeros(1), np.array([[1.0, 0.5, -1.0]]), np.full(3, shift)
    )
    x = np.linspace(-10, 400, 2 * CHUNK + 3, dtype=np.float32).reshape(-1, 1)
    h = np.maximum(x.astype(np.float64), 0.0)
    logits = np.hstack([h + shift, h / 2 + shift, shift - h])
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected = e / e.sum(axis=1, keepdims=True)
    got = forward.proba(x)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_a_nan_row_gives_nan_and_leaves_the_others(model):
    x = tracks(model, 10)
    x[3, 2] = np.nan
    got = model.classifier_proba(x)
    assert np.isnan(got[3]).all()
    rows = np.arange(10) != 3
    np.testing.assert_allclose(got[rows], model.classifier_proba(x[rows]), rtol=0, atol=1e-7)


def test_inputs_of_any_layout_and_float64(model):
    x = tracks(model, 2 * CHUNK + 5)
    wide = np.asfortranarray(x.astype(np.float64))
    strided = np.repeat(x, 2, axis=0)[::2]
    expected = model.classifier_proba(x)
    np.testing.assert_allclose(model.classifier_proba(wide), expected, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(model.classifier_proba(strided), expected)


def test_out_and_empty_input(model):
    forward = SoftmaxMLP.from_weights(model.weights, model.scale_min, model.scale_max)
    x = tracks(model, 50)
    out = np.full((50, 7), -1.0, dtype=np.float32)
    assert forward.proba(x, out=out) is out
    np.testing.assert_allclose(out, model.classifier_proba(x), rtol=0, atol=1e-6)
    assert forward.proba(x[:0]).shape == (0, 7)
    assert model.classifier_proba(x[:0]).shape == (0, 7)


def test_bad_arguments_are_named():
    forward = SoftmaxMLP(np.ones((3, 4)), np.zeros(4), np.ones((4, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        forward.proba(np.ones((5, 4)))
    with pytest.raises(ValueError, match="out must be float32"):
        forward.proba(np.ones((5, 3)), out=np.empty((5, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="at least 1"):
        forward.proba(np.ones((5, 3)), chunk=0)
    with pytest.raises(ValueError, match="takes 5 inputs"):
        SoftmaxMLP(np.ones((3, 4)), np.zeros(4), np.ones((5, 2)), np.zeros(2))


def test_softmax_mlp_function_and_layers_round_trip(model):
    forward = SoftmaxMLP.from_weights(model.weights, model.scale_min, model.scale_max)
    x = tracks(model, 100)
    np.testing.assert_array_equal(softmax_mlp(x, *forward.layers), forward.proba(x))


def test_matches_onnxruntime_on_the_exported_graph(model):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    forward = SoftmaxMLP.from_weights(model.weights, model.scale_min, model.scale_max)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(forward.to_onnx(), options, providers=["CPUExecutionProvider"])
    for beyond in (0.0, 2.0):
        x = tracks(model, 3 * CHUNK + 11, seed=5, beyond=beyond)
        (theirs,) = session.run(None, {"x": x})
        assert theirs.shape == (len(x), 7)
        np.testing.assert_allclose(model.classifier_proba(x), theirs, rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(forward.proba(x), theirs, rtol=0, atol=TOLERANCE)


def test_onnx_export_without_onnx_names_the_extra(model, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes "import onnx" fail
    forward = SoftmaxMLP.from_weights(model.weights, model.scale_min, model.scale_max)
    with pytest.raises(MissingExtraError, match=r"'onnx'.*moodtune\[dev\]"):
        forward.to_onnx()
