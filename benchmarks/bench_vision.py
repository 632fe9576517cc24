"""Benchmark: model load time and per-image latency of moodtune.vision (and the words model).

Run: ``.venv/bin/python benchmarks/bench_vision.py [--repeats 50]``. It fetches the models
into the cache first if they are not there (not timed). The test photo is scikit-image's
astronaut (one face) placed on a 640×480 JPEG; the scene photo is its coffee cup at 640×480.
Prints load times (best of 3 fresh readers) and per-image latency p50/p90 over the repeats.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

COLD_START = (
    "import time; t = time.perf_counter(); from moodtune.vision.reader import EmotionReader; "
    "EmotionReader(offline=True, notify=None); print(round(1000 * (time.perf_counter() - t)))"
)


def jpeg_640x480(array: np.ndarray) -> bytes:
    return jpeg_canvas(array, 640, 480)


def jpeg_canvas(array: np.ndarray, width: int, height: int) -> bytes:
    """``array`` scaled to fit the height, centred on a gray width × height JPEG."""
    from PIL import Image

    picture = Image.fromarray(array)
    picture = picture.resize((height * picture.width // picture.height, height))
    canvas = Image.new("RGB", (width, height), (128, 128, 128))
    canvas.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def timed(function, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    from skimage import data

    from moodtune import assets
    from moodtune.senses import Senses
    from moodtune.text.classifier import TextEmotionClassifier
    from moodtune.vision.reader import EmotionReader

    assets.ensure([*assets.GROUPS["vision"], *assets.GROUPS["text"]], notify=print)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
        f"(shared with other work while measuring), python {platform.python_version()}"
    )

    loads = timed(lambda: EmotionReader(offline=True, notify=None, threads=args.threads), 3)
    print(
        f"face models load (read + sha256 + interpreters): best {min(loads):.0f} ms, "
        f"all {', '.join(f'{t:.0f}' for t in loads)} ms"
    )
    text_loads = timed(lambda: TextEmotionClassifier(offline=True, notify=None), 3)
    print(f"words model load (incl. embedding {7 * 7} prototypes): best {min(text_loads):.0f} ms")

    cold = subprocess.run(
        [sys.executable, "-c", COLD_START], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"face models in a fresh process (imports of Pillow and LiteRT + load): {cold} ms")

    reader = EmotionReader(offline=True, notify=None, threads=args.threads)
    senses = Senses(offline=True, notify=None, readers={"image": reader})  # + the words reader
    face = jpeg_640x480(data.astronaut())
    scene = jpeg_640x480(data.coffee())
    first = reader.read(face)
    assert first.source == "face" and len(first.faces) == 1, first.to_dict()
    assert reader.read(scene).source == "scene"
    for name, image, text in [
        ("640×480 JPEG, one face", face, None),
        ("640×480 JPEG, no face (scene)", scene, None),
        ("640×480 JPEG, one face + words", face, "rainy evening, missing home"),
    ]:
        senses.read(image=image, text=text)  # warm up
        times = timed(lambda i=image, t=text: senses.read(image=i, text=t), args.repeats)
        print(
            f"{name}: p50 {statistics.median(times):.1f} ms, p90 {percentile(times, 90):.1f} "
            f"ms over {args.repeats} reads (decode + detect + classify)"
        )
    big = jpeg_canvas(data.astronaut(), 4000, 3000)
    reader.read(big)
    times = timed(lambda: reader.read(big), max(5, args.repeats // 5))
    print(
        f"4000×3000 JPEG (12 MP), one face: p50 {statistics.median(times):.1f} ms over "
        f"{len(times)} reads (decoding alone is a large part)"
    )
    words = timed(lambda: senses.read(text="rainy evening, missing home"), args.repeats)
    print(f"words only: p50 {statistics.median(words):.1f} ms")


if __name__ == "__main__":
    main()
