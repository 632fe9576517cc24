"""The classifier's forward pass, fast: min-max scale, one ReLU layer, softmax, in float32.

:func:`softmax_mlp` computes ``softmax(ReLU(x @ w1t + b1) @ w2t + b2)`` for the folded layers
of :func:`moodtune.model.artifact._prepare_mlp` (the min-max scaler is already folded into
``w1t`` and ``b1``). What makes it fast, on a small network (7 → 64 → 7) and many rows:

- rows go through in chunks whose whole working set (inputs, hidden units, logits) stays in
  a core's L2 cache, instead of writing a 256 MB hidden layer for a million rows to memory;
- each chunk is laid out *transposed* (features × rows), so every elementwise step and the
  softmax's sums run along long contiguous rows rather than rows of 7;
- the output layer's bias is folded into its product (a row of ones under the hidden
  units); the first layer's is added from a full array, not broadcast;
- every step writes in place into buffers allocated once per call (``out=``): no temporaries;
- the softmax skips the shift by each row's maximum unless that row's exponentials
  overflow or underflow (then it redoes the row with the shift).

A row's results do not depend on where it falls in the batch, bit for bit (see
``SoftmaxMLP._run``): a dataset split into partitions gives what one call gives.

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

__all__ = ["BLOCK", "CHUNK", "PIECE", "SoftmaxMLP", "augment", "mlp_outputs", "softmax_mlp"]

#: Rows per chunk. At 1,008 rows a chunk's buffers (inputs, hidden units, the first layer's
#: bias and zeros, logits: about 0.9 MB for 7 → 64 → 7) fit a core's 1 MiB L2 cache (measured:
#: faster than 496 or 752 rows), and each matrix product is small enough that numpy's OpenBLAS
#: runs it on the calling thread whatever its thread setting (measured with OpenBLAS 0.3.31:
#: products with m·n·k < 524,288 ran on one thread; 64·7·1,008 and 7·65·1,008 are below that).
CHUNK = 1008
#: Chunks hold a multiple of this many rows (the last one padded): BLAS kernels work on blocks
#: of columns and may round a column differently in a shorter last block, so a track's
#: probabilities would otherwise depend on where it falls in the batch.
BLOCK = 16
#: The first layer's product takes the inputs at most this many at a time (see _run).
PIECE = 7


def augment(w_t: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The layer ``x @ w_t + b`` as one matrix ``[w_t.T | b]`` of shape (out, in + 1), float32,
    to multiply a transposed input with a row of ones appended: (in + 1, n) → (out, n)."""
    w_t = np.asarray(w_t, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32).reshape(-1, 1)
    return np.ascontiguousarray(np.concatenate([w_t.T, b], axis=1))


class SoftmaxMLP:
    """``softmax(ReLU(x @ w1t + b1) @ w2t + b2)`` (or its raw outputs), prepared once: ``w1``
    (hidden, d + 1) and ``w2`` (k, hidden + 1) hold each layer with its bias as last column.

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
        # The first layer's matrix without its bias, PIECE inputs at a time: see _run.
        self._pieces = [
            (
                start,
                min(self.d, start + PIECE),
                np.ascontiguousarray(self.w1[:, start : min(self.d, start + PIECE)]),
            )
            for start in range(0, self.d, PIECE)
        ]
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

    def outputs(
        self, x: np.ndarray, *, chunk: int = CHUNK, threads: int = 1, out: np.ndarray | None = None
    ) -> np.ndarray:
        """The raw outputs ``ReLU(x @ w1t + b1) @ w2t + b2``, shape (n, k), float32, without
        the softmax (e.g. a regression head); parameters as for :meth:`proba`."""
        return self._apply(x, chunk, threads, out, softmax=False)

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
            Rows per chunk (see :data:`CHUNK`), rounded down to a multiple of :data:`BLOCK`.
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
        return self._apply(x, chunk, threads, out, softmax=True)

    def _apply(
        self, x: np.ndarray, chunk: int, threads: int, out: np.ndarray | None, softmax: bool
    ) -> np.ndarray:
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
        chunk = max(BLOCK, chunk // BLOCK * BLOCK)
        chunks = -(-n // chunk)
        if threads == 1 or chunks <= 1:
            self._run(x, out, chunk, softmax)
            return out
        # Split on chunk boundaries so that each part but the last runs whole chunks.
        step = -(-chunks // min(threads, chunks)) * chunk
        bounds = [(s, min(n, s + step)) for s in range(0, n, step)]
        with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
            done = [pool.submit(self._run, x[a:b], out[a:b], chunk, softmax) for a, b in bounds]
            for future in done:
                future.result()
        return out

    def _run(self, x: np.ndarray, out: np.ndarray, chunk: int, softmax: bool) -> None:
        """Write the probabilities (or with ``softmax`` False the raw outputs) of ``x`` (n, d)
        into ``out`` (n, k), ``chunk`` rows at a time, on the calling thread.

        A row's results do not depend on where it falls in the batch (so a dataset split
        into partitions gives the same numbers as one call): chunks are padded to whole
        BLOCKs, and the products keep the shapes (hidden, ≤ 7) @ (≤ 7, rows) (the inputs
        taken :data:`PIECE` at a time) and (k, hidden + 1) @ (hidden + 1, rows), which
        OpenBLAS 0.3.31 computed column for column alike at any position with both its AVX2
        and AVX-512 kernels. With 8 or more inputs at a time, or k padded to 8, its AVX2
        kernels did not.
        """
        n = x.shape[0]
        if n == 0:
            return
        c = -(-min(n, chunk) // BLOCK) * BLOCK  # chunk: a multiple of BLOCK
        # Transposed buffers, allocated once; a trailing row of ones folds the output
        # layer's bias into its product.
        inputs = np.zeros((self.d, c), dtype=np.float32)
        hidden = np.empty((self.hidden + 1, c), dtype=np.float32)
        hidden[self.hidden] = 1.0
        bias = np.repeat(self.w1[:, self.d :], c, axis=1)
        # ReLU against an array of zeros: numpy's maximum against a scalar is several times
        # slower (numpy 2.4).
        zeros = np.zeros((self.hidden, c), dtype=np.float32)
        logits = np.empty((self.k, c), dtype=np.float32)
        exps = np.empty((self.k, c), dtype=np.float32)
        total, scale = np.empty(c, dtype=np.float32), np.empty(c, dtype=np.float32)
        units = hidden[: self.hidden]
        part = np.empty((self.hidden, c), dtype=np.float32) if len(self._pieces) > 1 else units
        # Overflow, underflow and NaN are expected below and dealt with.
        with np.errstate(all="ignore"):
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
                    logits, exps, total, scale = logits[:, :c], exps[:, :c], total[:c], scale[:c]
                    units, part = hidden[: self.hidden], part[:, :c]
                    inputs[:, m:] = 0.0
                np.copyto(inputs[:, :m], x[start : start + m].T)
                for number, (first, last, w1) in enumerate(self._pieces):
                    if number == 0:
                        np.matmul(w1, inputs[first:last], out=units)
                    else:
                        np.matmul(w1, inputs[first:last], out=part)
                        np.add(units, part, out=units)
                np.add(units, bias, out=units)
                np.maximum(units, zeros, out=units)
                np.matmul(self.w2, hidden, out=logits)
                if not softmax:
                    np.copyto(out[start : start + m].T, logits[:, :m])
                    continue
                # Softmax without shifting by each row's maximum first (a pass fewer): as
                # precise as with it unless a row's exponentials overflow or all underflow,
                # which makes its total · (1 / total) not finite (inf · 0, 0 · inf, or a
                # total too small to invert); those rows (and NaN rows) get the shift.
                np.exp(logits, out=exps)
                np.add.reduce(exps, axis=0, out=total)
                np.reciprocal(total, out=scale)
                if not np.isfinite(np.dot(total[:m], scale[:m])):
                    self._shifted(logits, exps, total, scale, m)
                np.multiply(exps[:, :m], scale[:m], out=out[start : start + m].T)

    @staticmethod
    def _shifted(
        logits: np.ndarray, exps: np.ndarray, total: np.ndarray, scale: np.ndarray, m: int
    ) -> None:
        """Redo the softmax of the first ``m`` columns of ``logits`` (k, c) whose
        exponentials ``exps`` over- or underflowed, shifting each by its maximum first;
        elementwise only, so a row's result does not depend on its neighbours."""
        bad = np.flatnonzero(~np.isfinite(total[:m] * scale[:m]))
        shifted = logits[:, bad] - logits[:, bad].max(axis=0)
        np.exp(shifted, out=shifted)
        exps[:, bad] = shifted
        scale[bad] = 1.0 / shifted.sum(axis=0)


def mlp_outputs(
    x: np.ndarray,
    w1t: np.ndarray,
    b1: np.ndarray,
    w2t: np.ndarray,
    b2: np.ndarray,
    *,
    chunk: int = CHUNK,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """``ReLU(x @ w1t + b1) @ w2t + b2`` for inputs ``x`` (n, d): outputs (n, k), float32, the
    same for a row wherever it falls in the batch. See :class:`SoftmaxMLP` for the shapes."""
    return SoftmaxMLP(w1t, b1, w2t, b2).outputs(x, chunk=chunk, out=out)


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
