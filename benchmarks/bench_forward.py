"""Benchmark: the classifier's forward pass, ours beside onnxruntime and scikit-learn (issue 15).

Run: .venv/bin/python benchmarks/bench_forward.py [--rows 1000000] [--rounds 7]

On ``--rows`` synthetic tracks drawn uniformly inside the default model's min/max ranges
(float32, seed 0), it times the default model's classifier (min-max scale, 64 ReLU units,
softmax) as run by:

- ours: :class:`moodtune.model.forward.SoftmaxMLP` through ``EmotionModel.classifier_proba``
  (and with ``threads=2``), and the straightforward numpy pass it replaced;
- onnxruntime on the same weights exported to ONNX (MatMul, Add, Relu, MatMul, Add, Softmax;
  the scaler folded into the first layer), ``intra_op_num_threads`` 1 and 2, the whole batch
  in one ``run`` call, and (1 thread) in batches of 4,096 rows, onnxruntime's best here;
- scikit-learn's ``MLPClassifier.predict_proba`` with the same weights set;
- the WHOLE model (classifier, listeners' reading, combination: what
  ``EmotionModel.predict_proba`` returns): ours (:class:`moodtune.model.whole.WholeModel`, one
  stacked numpy pass) beside onnxruntime running the same whole model exported to ONNX
  (``WholeModel.to_onnx``), 1 thread each, printed side by side as a ratio with the largest
  difference between their probabilities.

Rows marked "1 thread" run with numpy's BLAS limited to one thread (threadpoolctl); rows
marked "2 threads" allow two. Each contender runs once per round, the rounds interleaved so
that load from other processes hits all alike; the table gives the best round (and the
median) in tracks/s and each as a ratio to onnxruntime with one thread. Every classifier's
probabilities must agree with onnxruntime's within 1e-5 (max |Δp| printed), and the whole
model's with onnxruntime's whole model; the script exits with status 1 if one does not.

Needs the ``text`` extra (onnxruntime), ``train`` (scikit-learn, threadpoolctl) and ``dev``
(onnx).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits

from moodtune.model.artifact import EmotionModel
from moodtune.model.forward import SoftmaxMLP

TOLERANCE = 1e-5
WHOLE_ORT = "onnxruntime: whole model (classifier + reading + combination)"
WHOLE_OURS = "ours: whole model, EmotionModel.predict_proba"
#: Rows per onnxruntime call in the batched row (its best batch size here: 4,096-16,384).
BATCH = 4096


@dataclass
class Contender:
    name: str
    threads: int
    run: Callable[[], np.ndarray]
    reference: int = 0  # index of the onnxruntime contender its probabilities must equal
    times: list[float] | None = None
    cpu: list[float] | None = None  # CPU time of the calling thread, per round


def machine() -> str:
    """CPU model, AVX-512, cores, load average and library versions, one line each."""
    model, flags = platform.processor() or "unknown CPU", set()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name") and model in ("unknown CPU", platform.processor()):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    import sklearn

    np.ones((2, 2)) @ np.ones((2, 2))  # loads numpy's BLAS
    blas = ", ".join(
        f"{lib['internal_api']} {lib['version']} ({Path(lib['filepath']).parent.name}) "
        f"kernels {lib.get('architecture')}"
        for lib in threadpool_info()
        if lib["user_api"] == "blas"
    )
    setting = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    return (
        f"machine: {model}, {os.cpu_count()} cores, AVX-512F: "
        f"{'yes' if 'avx512f' in flags else 'no'}, load average (1/5/15 min): {load}\n"
        f"software: Python {platform.python_version()}, numpy {np.__version__}, onnxruntime "
        f"{ort.__version__}, scikit-learn {sklearn.__version__}\n"
        f"BLAS: {blas}; environment: {setting or 'no OPENBLAS_* variables'}"
    )


def straightforward(model: EmotionModel, x: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """The numpy pass that classifier_proba ran before (rows-major, 65,536 rows at a time)."""
    ours = SoftmaxMLP.from_weights(model.weights, model.scale_min, model.scale_max)
    w1t, b1, w2t, b2 = ours.layers
    out = np.empty((len(x), ours.k), dtype=np.float32)
    for start in range(0, len(x), chunk):
        hidden = x[start : start + chunk] @ w1t
        hidden += b1
        np.maximum(hidden, 0.0, out=hidden)
        logits = hidden @ w2t
        logits += b2
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        out[start : start + chunk] = logits
    return out


def steps(model: EmotionModel, x: np.ndarray) -> np.ndarray:
    """The whole model as predict_proba ran it before: classifier, reading, combination."""
    return model.predict_all(x).probabilities


def onnx_session(graph: bytes, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


def sklearn_mlp(ours: SoftmaxMLP) -> MLPClassifier:
    """An MLPClassifier holding the same (folded) float32 weights, softmax output."""
    w1t, b1, w2t, b2 = ours.layers
    mlp = MLPClassifier(hidden_layer_sizes=(ours.hidden,), activation="relu")
    mlp.coefs_, mlp.intercepts_ = [w1t, w2t], [b1, b2]
    mlp.n_layers_, mlp.n_outputs_, mlp.out_activation_ = 3, ours.k, "softmax"
    mlp.n_features_in_, mlp.classes_ = ours.d, np.arange(ours.k)
    return mlp


def contenders(model: EmotionModel, x: np.ndarray) -> list[Contender]:
    ours = SoftmaxMLP.from_weights(model.weights, model.scale_min, model.scale_max)
    graph = ours.to_onnx()
    onnx1, onnx2 = onnx_session(graph, 1), onnx_session(graph, 2)
    mlp = sklearn_mlp(ours)
    whole = onnx_session(model._whole_model().to_onnx(), 1)
    out = np.empty((len(x), ours.k), dtype=np.float32)
    batched = np.empty((len(x), ours.k), dtype=np.float32)

    def onnx_batches(rows: int = BATCH) -> np.ndarray:
        for start in range(0, len(x), rows):
            batched[start : start + rows] = onnx1.run(None, {"x": x[start : start + rows]})[0]
        return batched

    return [
        Contender("onnxruntime", 1, lambda: onnx1.run(None, {"x": x})[0]),
        Contender(f"onnxruntime, {BATCH:,} rows per run", 1, onnx_batches),
        Contender("ours: EmotionModel.classifier_proba", 1, lambda: model.classifier_proba(x)),
        Contender("ours: SoftmaxMLP.proba(out=)", 1, lambda: ours.proba(x, out=out)),
        Contender("ours: straightforward numpy (before)", 1, lambda: straightforward(model, x)),
        Contender("scikit-learn MLPClassifier", 1, lambda: mlp.predict_proba(x)),
        Contender(WHOLE_ORT, 1, lambda: whole.run(None, {"x": x})[0], 6),
        Contender(WHOLE_OURS, 1, lambda: model.predict_proba(x), 6),
        Contender("ours: the whole model step by step (before)", 1, lambda: steps(model, x), 6),
        Contender("onnxruntime", 2, lambda: onnx2.run(None, {"x": x})[0]),
        Contender("ours: SoftmaxMLP.proba(threads=2)", 2, lambda: ours.proba(x, threads=2)),
        Contender("ours: straightforward numpy (before)", 2, lambda: straightforward(model, x)),
        Contender("scikit-learn MLPClassifier", 2, lambda: mlp.predict_proba(x)),
    ]


def measure(entries: list[Contender], rounds: int) -> dict[int, np.ndarray]:
    """Time each contender once per round, interleaved; return the first run's outputs."""
    outputs = {}
    for index, entry in enumerate(entries):
        with threadpool_limits(entry.threads, "blas"):
            outputs[index] = np.array(entry.run(), copy=True)  # warm-up and output
        entry.times, entry.cpu = [], []
    for _ in range(rounds):
        for entry in entries:
            with threadpool_limits(entry.threads, "blas"):
                start, cpu = time.perf_counter(), time.thread_time()
                entry.run()
                entry.times.append(time.perf_counter() - start)
                entry.cpu.append(time.thread_time() - cpu)
    return outputs


def markdown(rows: list[tuple[str, ...]]) -> str:
    """A Markdown table, the first row its header, numbers right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def whole_model_line(entries: list[Contender], outputs: dict[int, np.ndarray], rows: int) -> str:
    """Ours beside onnxruntime on the whole model: tracks/s, ratio and max |Δp|."""
    theirs = next(i for i, e in enumerate(entries) if e.name == WHOLE_ORT)
    ours = next(i for i, e in enumerate(entries) if e.name == WHOLE_OURS)
    rate_ours, rate_theirs = (rows / min(entries[i].times) for i in (ours, theirs))
    delta = float(np.abs(outputs[ours] - outputs[theirs]).max())
    return (
        f"whole model (classifier + reading + combination), 1 thread: ours {rate_ours:,.0f} "
        f"tracks/s, onnxruntime {rate_theirs:,.0f} tracks/s, ratio {rate_ours / rate_theirs:.2f}×, "
        f"max |Δp| {delta:.1e}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    print(machine())
    model = EmotionModel.default()
    rng = np.random.default_rng(0)
    x = rng.uniform(model.scale_min, model.scale_max, size=(args.rows, len(model.feature_names)))
    x = x.astype(np.float32)
    entries = contenders(model, x)
    outputs = measure(entries, args.rounds)
    wall_base = args.rows / min(entries[0].times)
    cpu_base = args.rows / min(entries[0].cpu)
    print(
        f"\nforward pass of the default model's classifier ({len(model.feature_names)} → "
        f"{model.hidden_size} ReLU → {len(model.labels)} softmax), {args.rows:,} tracks, "
        f"{args.rounds} interleaved rounds; tracks/s from the best round's wall time, the "
        "median round's, and (1-thread rows) the best round's CPU time of the calling thread\n"
    )
    header = (
        "contender",
        "threads",
        "tracks/s (best)",
        "tracks/s (median)",
        "× onnxruntime 1 thread",
        "tracks/s per CPU second",
        "× onnxruntime (CPU)",
        "max |Δp| vs onnxruntime",
    )
    rows, failed = [], False
    for index, entry in enumerate(entries):
        rate = args.rows / min(entry.times)
        cpu = args.rows / min(entry.cpu) if entry.threads == 1 else None
        delta = float(np.abs(outputs[index] - outputs[entry.reference]).max())
        failed |= not delta < TOLERANCE
        shown = f"{delta:.1e}" + (" (vs whole)" if entry.reference else "")
        rows.append(
            (
                entry.name,
                str(entry.threads),
                f"{rate:,.0f}",
                f"{args.rows / statistics.median(entry.times):,.0f}",
                f"{rate / wall_base:.2f}",
                f"{cpu:,.0f}" if cpu else "—",
                f"{cpu / cpu_base:.2f}" if cpu else "—",
                shown,
            )
        )
    print(markdown([header, *rows]))
    print("\n" + whole_model_line(entries, outputs, args.rows))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nload average after (1/5/15 min): {load}")
    if failed:
        print(f"FAILED: a classifier's probabilities differ from onnxruntime's by ≥ {TOLERANCE}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
