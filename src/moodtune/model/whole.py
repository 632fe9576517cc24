"""The whole model in one fast pass: classifier, valence/arousal reading and their combination.

:meth:`moodtune.model.artifact.EmotionModel.predict_proba` of a model with a reading over its
own features runs the classifier (d → hidden → k softmax), the reading (some of the same
inputs → hidden → 2, clipped to −1..1) and the :class:`~moodtune.model.reading_head.Combination`
(tilt toward the classes whose tracks sit near the reading, zero for the classes the reading
contradicts, renormalise). :class:`WholeModel` computes the same distribution in one chunked,
transposed pass like :class:`~moodtune.model.forward.SoftmaxMLP`, with both networks' layers
stacked into one matrix per layer:

- the first layers of both networks are one product ``[W1_classifier; W1_reading] @ x``
  (the reading's columns placed at its features' positions, zeros elsewhere);
- the output layers are one block-diagonal product giving the k logits and the 2 readings;
- the combination is linear in what it reads: with z = (r − centre) / spread, the tilt adds
  ``κ (z · μ_c / s² − |μ_c|²_s / 2)`` to class c's logit (a constant per class, folded into
  the output bias, plus a product of the clipped reading), and the guard subtracts a large
  number (:data:`VETO`) from the logits of the classes a clear reading contradicts, which
  makes their exponentials exactly 0. So the combined distribution is
  ``softmax(logits + M @ [r; r ≥ hi; r ≤ lo])`` with a (k, 6) matrix M: the same as
  multiplying the classifier's softmax by the tilt, zeroing contradicted classes and
  renormalising (equal up to float32 rounding, about 1e-7).

:meth:`WholeModel.to_onnx` writes the same graph for onnxruntime (benchmarks/bench_forward.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from moodtune.errors import MissingExtraError
from moodtune.model.forward import BLOCK, SoftmaxMLP
from moodtune.model.reading_head import Combination

__all__ = ["CHUNK", "VETO", "WholeModel"]

#: Rows per chunk: the stacked network (7 → 128 → 9) has twice the classifier's hidden
#: units, so half the classifier's chunk keeps a chunk's buffers in a core's L2 cache.
CHUNK = 512
#: Subtracted from a contradicted class's logit: its exponential is exactly 0 in float32.
VETO = 1.0e4


class WholeModel:
    """Classifier, reading and combination as one forward pass (see the module docstring).

    Parameters
    ----------
    classifier : SoftmaxMLP
        The classifier, d inputs → k probabilities (its scaler folded in).
    reading : SoftmaxMLP
        The reading's network, ``len(columns)`` inputs → 2 raw outputs (valence, arousal).
    columns : sequence of int
        Which of the classifier's d inputs the reading reads, in its order.
    combination : Combination
        How the two are combined.
    labels : sequence of str
        The classifier's k classes, in order.
    """

    def __init__(
        self,
        classifier: SoftmaxMLP,
        reading: SoftmaxMLP,
        columns: Sequence[int],
        combination: Combination,
        labels: Sequence[str],
    ) -> None:
        d, k, h, hr = classifier.d, classifier.k, classifier.hidden, reading.hidden
        if reading.d != len(columns) or reading.k != 2:
            raise ValueError(f"the reading must read {len(columns)} inputs and give 2 outputs")
        self.d, self.k, self.hidden = d, k, h + hr
        w1 = np.zeros((h + hr, d + 1), dtype=np.float32)
        w1[:h] = classifier.w1
        w1[h:, list(columns)] = reading.w1[:, :-1]
        w1[h:, d] = reading.w1[:, -1]
        w2 = np.zeros((k + 2, h + hr + 1), dtype=np.float32)
        w2[:k, :h], w2[:k, -1] = classifier.w2[:, :h], classifier.w2[:, h]
        w2[k:, h : h + hr], w2[k:, -1] = reading.w2[:, :hr], reading.w2[:, hr]
        mix, constant, self.low, self.high = _combination_matrix(combination, tuple(labels))
        w2[:k, -1] += constant
        self.w1, self.w2, self.mix = w1, w2, mix

    @property
    def always_possible(self) -> bool:
        """True when some class is never contradicted (e.g. neutral), so that every row has
        a distribution; otherwise :class:`Combination` keeps the classifier's own softmax
        for rows that contradict everything, which this pass does not do."""
        return bool((self.mix[:, 2:] == 0).all(axis=1).any())

    def proba(self, x: np.ndarray, *, chunk: int = CHUNK) -> np.ndarray:
        """The combined probabilities for raw inputs ``x`` (n, d): (n, k) float32."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ValueError(f"expected inputs of shape (n, {self.d}), got {x.shape}")
        out = np.empty((len(x), self.k), dtype=np.float32)
        if len(x):
            with np.errstate(all="ignore"):
                self._run(x, out, max(BLOCK, chunk // BLOCK * BLOCK))
        return out

    def _run(self, x: np.ndarray, out: np.ndarray, chunk: int) -> None:
        """Write the combined probabilities of ``x`` into ``out``, ``chunk`` rows at a time,
        in transposed buffers allocated once (as :meth:`SoftmaxMLP._run`)."""
        n, k = x.shape[0], self.k
        c = -(-min(n, chunk) // BLOCK) * BLOCK
        inputs = np.zeros((self.d, c), dtype=np.float32)
        hidden = np.empty((self.hidden + 1, c), dtype=np.float32)
        hidden[self.hidden] = 1.0
        bias = np.repeat(self.w1[:, self.d :], c, axis=1)
        zeros = np.zeros((self.hidden, c), dtype=np.float32)
        outputs = np.empty((k + 2, c), dtype=np.float32)
        read = np.empty((6, c), dtype=np.float32)  # r, r ≥ high, r ≤ low
        tilt, exps = np.empty((k, c), dtype=np.float32), np.empty((k, c), dtype=np.float32)
        total, scale = np.empty(c, dtype=np.float32), np.empty(c, dtype=np.float32)
        low, high = self.low[:, None], self.high[:, None]
        w1, units = self.w1[:, : self.d], hidden[: self.hidden]
        for start in range(0, n, c):
            m = min(c, n - start)
            if m < c:  # the last, shorter chunk: padded to whole blocks with zeros
                c = -(-m // BLOCK) * BLOCK
                inputs, hidden, bias, zeros = (
                    inputs[:, :c],
                    hidden[:, :c],
                    bias[:, :c],
                    zeros[:, :c],
                )
                outputs, read, tilt, exps = outputs[:, :c], read[:, :c], tilt[:, :c], exps[:, :c]
                total, scale, units = total[:c], scale[:c], hidden[: self.hidden]
                inputs[:, m:] = 0.0
            np.copyto(inputs[:, :m], x[start : start + m].T)
            np.matmul(w1, inputs, out=units)
            np.add(units, bias, out=units)
            np.maximum(units, zeros, out=units)
            np.matmul(self.w2, hidden, out=outputs)
            logits, reading = outputs[:k], read[:2]
            np.clip(outputs[k:], -1.0, 1.0, out=reading)
            np.greater_equal(reading, high, out=read[2:4], casting="unsafe")
            np.less_equal(reading, low, out=read[4:6], casting="unsafe")
            np.matmul(self.mix, read, out=tilt)
            np.add(logits, tilt, out=logits)
            # The softmax of SoftmaxMLP._run: unshifted unless a row over- or underflows.
            np.exp(logits, out=exps)
            np.add.reduce(exps, axis=0, out=total)
            np.reciprocal(total, out=scale)
            if not np.isfinite(np.dot(total[:m], scale[:m])):
                SoftmaxMLP._shifted(logits, exps, total, scale, m)
            np.multiply(exps[:, :m], scale[:m], out=out[start : start + m].T)

    def to_onnx(self, opset: int = 17) -> bytes:
        """The same whole model as an ONNX graph (serialised): input ``x`` (n, d) float32,
        output ``p`` (n, k). MatMul, Add, Relu, MatMul, Add (both networks stacked), Slice
        into logits and reading, Clip, GreaterOrEqual / LessOrEqual and Cast (the guard),
        Concat, MatMul, Add (the combination), Softmax. Needs the ``onnx`` package."""
        try:
            import onnx
            from onnx import TensorProto, helper, numpy_helper
        except ImportError:
            raise MissingExtraError("dev", "onnx") from None
        k = self.k
        constants = {
            "w1t": np.ascontiguousarray(self.w1[:, : self.d].T),
            "b1": self.w1[:, self.d].copy(),
            "w2t": np.ascontiguousarray(self.w2[:, : self.hidden].T),
            "b2": self.w2[:, self.hidden].copy(),
            "mixt": np.ascontiguousarray(self.mix.T),
            "low": self.low.reshape(1, 2),
            "high": self.high.reshape(1, 2),
            "lo1": np.array(-1.0, dtype=np.float32),
            "hi1": np.array(1.0, dtype=np.float32),
            "s0": np.array([0], dtype=np.int64),
            "sk": np.array([k], dtype=np.int64),
            "sk2": np.array([k + 2], dtype=np.int64),
            "ax1": np.array([1], dtype=np.int64),
        }
        node = helper.make_node
        nodes = [
            node("MatMul", ["x", "w1t"], ["xw"]),
            node("Add", ["xw", "b1"], ["z1"]),
            node("Relu", ["z1"], ["h"]),
            node("MatMul", ["h", "w2t"], ["hw"]),
            node("Add", ["hw", "b2"], ["z2"]),
            node("Slice", ["z2", "s0", "sk", "ax1"], ["logits"]),
            node("Slice", ["z2", "sk", "sk2", "ax1"], ["raw"]),
            node("Clip", ["raw", "lo1", "hi1"], ["r"]),
            node("GreaterOrEqual", ["r", "high"], ["ge"]),
            node("LessOrEqual", ["r", "low"], ["le"]),
            node("Cast", ["ge"], ["gef"], to=TensorProto.FLOAT),
            node("Cast", ["le"], ["lef"], to=TensorProto.FLOAT),
            node("Concat", ["r", "gef", "lef"], ["read"], axis=1),
            node("MatMul", ["read", "mixt"], ["tilt"]),
            node("Add", ["logits", "tilt"], ["z3"]),
            node("Softmax", ["z3"], ["p"], axis=1),
        ]
        graph = helper.make_graph(
            nodes,
            "moodtune_whole_model",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", self.d])],
            [helper.make_tensor_value_info("p", TensorProto.FLOAT, ["n", k])],
            [numpy_helper.from_array(array, name) for name, array in constants.items()],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8  # readable by onnxruntime 1.17 and later
        onnx.checker.check_model(model)
        return model.SerializeToString()


def _combination_matrix(
    combination: Combination, labels: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The combination as ``(mix (k, 6), constant (k,), low (2,), high (2,))``: class c's
    logit gains ``mix[c] @ [r_v, r_a, r_v ≥ high_v, r_a ≥ high_a, r_v ≤ low_v, r_a ≤ low_a]
    + constant[c]`` for a clipped reading r (the tilt and the guard of :class:`Combination`,
    written in the reading's own units)."""
    k = len(labels)
    center, spread = np.asarray(combination.center), np.asarray(combination.spread)
    mix, constant = np.zeros((k, 6)), np.zeros(k)
    known = [combination.prototypes.get(label) for label in labels]
    if combination.kappa > 0 and all(point is not None for point in known):
        centres = np.asarray(known, dtype=np.float64)  # (k, 2), in z units
        scaled = centres / np.asarray(combination.variance)
        slope = combination.kappa * scaled / spread  # per unit of r
        mix[:, :2] = slope
        constant = -combination.kappa * 0.5 * (centres * scaled).sum(axis=1) - slope @ center
    signs = combination._signs(labels)  # (k, 2): +1 / −1 above / below the axis's middle
    mix[:, 2:4] = np.where(signs < 0, -VETO, 0.0)  # a clearly high reading vetoes those below
    mix[:, 4:6] = np.where(signs > 0, -VETO, 0.0)
    high = (center + combination.tau * spread).astype(np.float32)
    low = (center - combination.tau * spread).astype(np.float32)
    return mix.astype(np.float32), constant.astype(np.float32), low, high
