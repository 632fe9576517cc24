"""Benchmark: words-only reading, the trained head beside the prototype path.

Run: ``python benchmarks/bench_text.py [--repeats 200]``. Fetches the words model into the
cache first if it is missing (not timed). Both paths read the same short texts one at a time
(prepare → tokenise → MiniLM → head or prototype similarities), one thread; the head path is
what ``TextEmotionClassifier.predict_proba`` does, the prototype path ``prototype_proba``.
Also times the head's forward pass alone on 10,000 embeddings. Prints wall-clock p50/p90 and
CPU-time p50 in ms, and the ratio head / prototypes.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

TEXTS = (
    "rainy evening, missing home",
    "I am furious",
    "best day ever with my friends",
    "that smell made me want to throw up",
    "wow, I did not see that coming",
    "the bus is late again",
    "I'm scared of what comes next",
    "so proud of you 😂",
)


def timed(
    function, texts: tuple[str, ...], repeats: int, wall: list[float], cpu: list[float]
) -> None:
    """Append the wall time and this thread's CPU time (ms) of each call: onnxruntime with
    one intra-op thread computes in the calling thread, so the CPU time is what the reading
    costs, whatever else the machine is doing."""
    for i in range(repeats):
        text = texts[i % len(texts)]
        start, start_cpu = time.perf_counter(), time.thread_time()
        function([text])
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    from moodtune.text.classifier import TextEmotionClassifier

    TextEmotionClassifier(notify=print)  # fetch once if needed, untimed
    start = time.perf_counter()
    classifier = TextEmotionClassifier(offline=True, notify=None, threads=1)
    load = (time.perf_counter() - start) * 1000
    for _ in range(20):  # warm up both paths
        classifier.predict_proba(list(TEXTS[:1]))
        classifier.prototype_proba(list(TEXTS[:1]))
    # Interleave the two paths in rounds so that both see the same machine load.
    head: tuple[list[float], list[float]] = ([], [])
    prototypes: tuple[list[float], list[float]] = ([], [])
    for _ in range(4):
        timed(classifier.predict_proba, TEXTS, args.repeats // 4, *head)
        timed(classifier.prototype_proba, TEXTS, args.repeats // 4, *prototypes)
    embeddings = np.random.default_rng(0).normal(size=(10_000, 384)).astype(np.float32)
    start = time.perf_counter()
    assert classifier.head is not None
    classifier.head.predict_proba(embeddings)
    forward = (time.perf_counter() - start) * 1000
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}; head {classifier.head.metadata['chosen']['name']}"
    )
    print(f"words model + head load: {load:.0f} ms")
    for name, (wall, cpu) in (("head (shipped)", head), ("prototypes", prototypes)):
        print(
            f"{name:16} wall p50 {np.percentile(wall, 50):6.2f} ms, p90 "
            f"{np.percentile(wall, 90):6.2f} ms; CPU p50 {np.percentile(cpu, 50):6.2f} ms "
            f"({len(wall)} short texts)"
        )
    ratio = np.percentile(head[0], 50) / np.percentile(prototypes[0], 50)
    ratio_cpu = np.percentile(head[1], 50) / np.percentile(prototypes[1], 50)
    print(f"ratio head / prototypes (p50): wall {ratio:.2f}, CPU {ratio_cpu:.2f}")
    print(f"head forward pass alone: 10,000 embeddings in {forward:.1f} ms")


if __name__ == "__main__":
    main()
