"""Benchmark: words-only reading, the trained head beside the prototype path.

Run: ``python benchmarks/bench_text.py [--repeats 200]``. Fetches the words model into the
cache first if it is missing (not timed). Both paths read the same short texts one at a time
(prepare → tokenise → MiniLM → head or prototype similarities), one thread; the head path is
what ``TextEmotionClassifier.predict_proba`` does, the prototype path ``prototype_proba``.
Also times the head's forward pass alone on 10,000 embeddings. Prints p50/p90 in ms and the
ratio head / prototypes.
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


def timed(function, texts: tuple[str, ...], repeats: int) -> list[float]:
    times = []
    for i in range(repeats):
        text = texts[i % len(texts)]
        start = time.perf_counter()
        function([text])
        times.append((time.perf_counter() - start) * 1000)
    return times


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
    head, prototypes = [], []
    for _ in range(4):
        head += timed(classifier.predict_proba, TEXTS, args.repeats // 4)
        prototypes += timed(classifier.prototype_proba, TEXTS, args.repeats // 4)
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
    for name, values in (("head (shipped)", head), ("prototypes", prototypes)):
        print(
            f"{name:16} p50 {np.percentile(values, 50):6.2f} ms   "
            f"p90 {np.percentile(values, 90):6.2f} ms   ({len(values)} short texts)"
        )
    ratio = np.percentile(head, 50) / np.percentile(prototypes, 50)
    print(f"ratio head / prototypes (p50): {ratio:.2f}")
    print(f"head forward pass alone: 10,000 embeddings in {forward:.1f} ms")


if __name__ == "__main__":
    main()
