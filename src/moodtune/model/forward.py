"""The classifier's forward pass, fast: min-max scale, one ReLU layer, softmax, in float32.

:func:`softmax_mlp` computes ``softmax(ReLU(x @ w1t + b1) @ w2t + b2)`` for the folded layers
of :func:`moodtune.model.artifact._prepare_mlp` (the min-max scaler is already folded into
``w1t`` and ``b1``). What makes it fast, on a small network (7 → 64 → 7) and many rows:

- rows go through in chunks whose whole working set (inputs, hidden units, logits) stays in
  a core's L2 cache, instead of writing a 256 MB hidden layer for a million rows to memory;
- each chunk is laid out *transposed* (features × rows), so every elementwise step and the
  softmax's sums run along long contiguous rows rather than rows of 7;
- the biases are folded into the matrix products (a row of ones under the inputs and under
  the hidden units), so no broadcast additions are needed;
- every step writes in place into buffers allocated once per call (``out=``): no temporaries;
- the softmax skips the shift by each row's maximum unless a chunk's exponentials would
  overflow or underflow (then it redoes that chunk with the shift).

Threads: by default everything runs on the calling thread (the chunks are small enough that
numpy's OpenBLAS does not split the products over threads, see :data:`CHUNK`);
``threads=N`` splits the rows over N threads. With another BLAS (MKL, Accelerate) that
threads small products, limit it with ``threadpoolctl.threadpool_limits(1, "blas")``.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from moodtune.errors import MissingExtraError

#: Rows per chunk. 1,000 rows keep a chunk's working set (about 300 KB for 7 → 64 → 7) in a
#: core's L2 cache and each matrix product small enough that numpy's OpenBLAS runs it on the
#: calling thread whatever its thread setting (measured with OpenBLAS 0.3.31: products with
#: m·n·k < 524,288 ran on one thread; 64·8·1,000 and 8·65·1,000 are below that).
CHUNK = 1000


def augment(w_t: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The layer ``x @ w_t + b`` as one matrix ``[w_t.T | b]`` of shape (out, in + 1), float32,
    to multiply a transposed input with a row of ones appended: (in + 1, n) → (out, n)."""
    w_t = np.asarray(w_t, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32).reshape(-1, 1)
    return np.ascontiguousarray(np.concatenate([w_t.T, b], axis=1))


class SoftmaxMLP:
    """``softmax(ReLU(x @ w1t + b1) @ w2t + b2)``, prepared once (biases folded into the
    matrices ``w1`` (hidden, d + 1) and ``w2`` (k, hidden + 1)).

    Parameters
    ----------
    w1t, b1 : ndarray, shapes (d, hidden) and (hidden,)
        The first layer (with the min-max scaler folded in).
    w2t, b2 : ndarray, shapes (hidden, k) and (k,)
        The output layer.
    """

    def __init__(self, w1t: np.ndarray, b1: np.ndarray, w2t: np.ndarray, b2: np.ndarray) -> None:
        self.w1 = augment(w1t, b1)
        self.w2 = augment(w2t, b2)
        self.d = self.w1.shape[1] - 1
        self.hidden = self.w1.shape[0]
        self.k = self.w2.shape[0]
        # The output layer padded with zero rows to a multiple of 8 outputs: OpenBLAS
        # multiplies 8 rows faster than 7 (measured: 13 vs 18 ms per million rows).
        self._w2 = np.zeros((-(-self.k // 8) * 8, self.w2.shape[1]), dtype=np.float32)
        self._w2[: self.k] = self.w2
        if self.w2.shape[1] != self.hidden + 1:
            raise ValueError(
                f"the output layer takes {self.w2.shape[1] - 1} inputs, "
                f"the first layer gives {self.hidden}"
            )

    @classmethod
    def from_weights(
        cls, weights: Mapping[str, np.ndarray], scale_min: np.ndarray, scale_max: np.ndarray
    ) -> SoftmaxMLP:
        """The forward pass of a model's tensors (``fc1.weight`` (hidden, d), ``fc1.bias``,
        ``fc2.weight`` (k, hidden), ``fc2.bias``) with its min-max scaler (``scale_min``,
        ``scale_max``, each (d,), raw feature units) folded into the first layer:
        ``W1 ((x - lo) / span) + b1 = (W1 / span) x + (b1 - (W1 / span) lo)``, folded in
        float64 (a span of 0 counts as 1, as when the model was trained)."""
        w1 = np.asarray(weights["fc1.weight"], dtype=np.float64)
        lo = np.asarray(scale_min, dtype=np.float64).reshape(-1)
        span = np.asarray(scale_max, dtype=np.float64).reshape(-1) - lo
        folded = w1 / np.where(span > 0, span, 1.0)
        b1 = np.asarray(weights["fc1.bias"], dtype=np.float64) - folded @ lo
        return cls(folded.T, b1, np.asarray(weights["fc2.weight"]).T, weights["fc2.bias"])

    @property
    def layers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(w1t, b1, w2t, b2)``, float32, shapes (d, hidden), (hidden,), (hidden, k), (k,)."""
        w1t = np.ascontiguousarray(self.w1[:, : self.d].T)
        w2t = np.ascontiguousarray(self.w2[:, : self.hidden].T)
        return w1t, self.w1[:, self.d].copy(), w2t, self.w2[:, self.hidden].copy()

    def to_onnx(self, opset: int = 17) -> bytes:
        """The same network as an ONNX model (serialised): input ``x`` (n, d) float32,
        output ``p`` (n, k), as MatMul, Add, Relu, MatMul, Add, Softmax (the scaler folded
        in). Needs the ``onnx`` package (the ``dev`` extra); used to compare with
        onnxruntime in tests and benchmarks/bench_forward.py."""
        try:
            import onnx
            from onnx import TensorProto, helper, numpy_helper
        except ImportError:
            raise MissingExtraError("dev", "onnx") from None
        w1t, b1, w2t, b2 = self.layers
        nodes = [
            helper.make_node("MatMul", ["x", "w1t"], ["xw"]),
            helper.make_node("Add", ["xw", "b1"], ["z1"]),
            helper.make_node("Relu", ["z1"], ["h"]),
            helper.make_node("MatMul", ["h", "w2t"], ["hw"]),
            helper.make_node("Add", ["hw", "b2"], ["z2"]),
            helper.make_node("Softmax", ["z2"], ["p"], axis=1),
        ]
        initial = [
            numpy_helper.from_array(array, name)
            for name, array in (("w1t", w1t), ("b1", b1), ("w2t", w2t), ("b2", b2))
        ]
        graph = helper.make_graph(
            nodes,
            "moodtune_classifier",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", self.d])],
            [helper.make_tensor_value_info("p", TensorProto.FLOAT, ["n", self.k])],
            initial,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8  # readable by onnxruntime 1.17 and later
        onnx.checker.check_model(model)
        return model.SerializeToString()

    def proba(
        self,
        x: np.ndarray,
        *,
        chunk: int = CHUNK,
        threads: int = 1,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Probabilities for inputs ``x``.

        Parameters
        ----------
        x : ndarray, shape (n, d)
            Inputs (cast to float32 if they are not); any strides.
        chunk : int
            Rows per chunk (see :data:`CHUNK`).
        threads : int
            Threads to run on: the rows are split into this many contiguous parts, each run
            on its own thread (numpy releases the GIL in its loops). The default runs on the
            calling thread only.
        out : ndarray, shape (n, k), float32, optional
            Where to write the probabilities.

        Returns
        -------
        ndarray, shape (n, k), float32
            Each row sums to 1 (NaN for a row with a NaN input).
        """
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ValueError(f"expected inputs of shape (n, {self.d}), got {x.shape}")
        if chunk < 1 or threads < 1:
            raise ValueError(f"chunk and threads must be at least 1, got {chunk} and {threads}")
        n = x.shape[0]
        if out is None:
            out = np.empty((n, self.k), dtype=np.float32)
        elif out.shape != (n, self.k) or out.dtype != np.float32:
            raise ValueError(f"out must be float32 {(n, self.k)}, got {out.dtype} {out.shape}")
        chunks = -(-n // chunk)
        if threads == 1 or chunks <= 1:
            self._run(x, out, chunk)
            return out
        # Split on chunk boundaries so that each part but the last runs whole chunks.
        step = -(-chunks // min(threads, chunks)) * chunk
        bounds = [(s, min(n, s + step)) for s in range(0, n, step)]
        with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
            done = [pool.submit(self._run, x[a:b], out[a:b], chunk) for a, b in bounds]
            for future in done:
                future.result()
        return out

    def _run(self, x: np.ndarray, out: np.ndarray, chunk: int) -> None:
        """Write the probabilities of ``x`` (n, d) into ``out`` (n, k), ``chunk`` rows at a
        time, on the calling thread."""
        n = x.shape[0]
        if n == 0:
            return
        c = min(n, chunk)
        # Transposed buffers, allocated once; a trailing row of ones folds each bias in.
        inputs = np.empty((self.d + 1, c), dtype=np.float32)
        inputs[self.d] = 1.0
        hidden = np.empty((self.hidden + 1, c), dtype=np.float32)
        hidden[self.hidden] = 1.0
        # ReLU against an array of zeros: numpy's maximum against a scalar is several times
        # slower (numpy 2.4).
        zeros = np.zeros((self.hidden, c), dtype=np.float32)
        padded = np.empty((len(self._w2), c), dtype=np.float32)
        total, scale = np.empty(c, dtype=np.float32), np.empty(c, dtype=np.float32)
        units, logits = hidden[: self.hidden], padded[: self.k]
        # Overflow, underflow and NaN are expected below and dealt with.
        with np.errstate(all="ignore"):
            for start in range(0, n, c):
                m = min(c, n - start)
                if m < c:  # the last, shorter chunk
                    inputs, hidden, zeros = inputs[:, :m], hidden[:, :m], zeros[:, :m]
                    padded, total, scale = padded[:, :m], total[:m], scale[:m]
                    units, logits = hidden[: self.hidden], padded[: self.k]
                np.copyto(inputs[: self.d], x[start : start + m].T)
                np.matmul(self.w1, inputs, out=units)
                np.maximum(units, zeros, out=units)
                np.matmul(self._w2, hidden, out=padded)
                # Softmax without shifting by each row's maximum first (two passes fewer): as
                # precise as with it unless a row's exponentials overflow or all underflow,
                # which makes a row's total · (1 / total) not finite (inf · 0, 0 · inf, or a
                # total too small to invert); then the chunk is redone with the shift (so is
                # a chunk with a NaN input, whose rows stay NaN).
                np.exp(logits, out=logits)
                np.add.reduce(logits, axis=0, out=total)
                np.reciprocal(total, out=scale)
                if not np.isfinite(np.dot(total, scale)):
                    np.matmul(self._w2, hidden, out=padded)
                    np.maximum.reduce(logits, axis=0, out=total)
                    np.subtract(logits, total, out=logits)
                    np.exp(logits, out=logits)
                    np.add.reduce(logits, axis=0, out=total)
                    np.reciprocal(total, out=scale)
                np.multiply(logits, scale, out=out[start : start + m].T)


def softmax_mlp(
    x: np.ndarray,
    w1t: np.ndarray,
    b1: np.ndarray,
    w2t: np.ndarray,
    b2: np.ndarray,
    *,
    chunk: int = CHUNK,
    threads: int = 1,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """``softmax(ReLU(x @ w1t + b1) @ w2t + b2)`` for inputs ``x`` (n, d): probabilities
    (n, k), float32. See :class:`SoftmaxMLP` for the layers' shapes."""
    return SoftmaxMLP(w1t, b1, w2t, b2).proba(x, chunk=chunk, threads=threads, out=out)
