"""Reading an image prints nothing but the result: the LiteRT runtime's "INFO: Created
TensorFlow Lite XNNPACK delegate for CPU." line is caught where it is written (issue 11)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

import moodtune
from moodtune.vision.native import captured_native_stderr, interpreter

SRC = Path(moodtune.__file__).resolve().parents[1]


def test_reading_an_image_prints_no_runtime_chatter(
    model_root: Path, astronaut: np.ndarray, tmp_path: Path
) -> None:
    # A fresh process: the runtime prints its line once per process, at the first interpreter.
    picture = tmp_path / "astronaut.png"
    Image.fromarray(astronaut).save(picture)
    done = subprocess.run(
        [sys.executable, "-m", "moodtune", "emotion", str(picture), "--offline", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC), "MOODTUNE_CACHE": str(model_root)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"top": "happiness"' in done.stdout
    assert "XNNPACK" not in done.stdout + done.stderr
    assert "INFO:" not in done.stdout + done.stderr


def test_native_writes_to_stderr_are_caught_and_kept(capfd) -> None:
    with captured_native_stderr() as lines:
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\nsomething else\n")
    assert lines == ["INFO: Created TensorFlow Lite XNNPACK delegate for CPU.", "something else"]
    os.write(2, b"after\n")  # descriptor 2 is back where it was
    assert capfd.readouterr().err == "after\n"


def test_the_interpreter_passes_other_runtime_lines_on_as_warnings(
    model_cache: Path, caplog, capfd
) -> None:
    model = (model_cache / "face_detection_short_range.tflite").read_bytes()
    with caplog.at_level(logging.INFO, logger="moodtune"):
        created = interpreter(model)
    assert created.get_input_details()[0]["shape"].tolist() == [1, 128, 128, 3]
    assert "XNNPACK" not in capfd.readouterr().err
    assert not [r for r in caplog.records if "XNNPACK" in r.getMessage()]


def test_without_a_descriptor_2_to_redirect_the_block_still_runs(monkeypatch) -> None:
    def refuse(fd: int) -> int:
        raise OSError(9, "Bad file descriptor")

    monkeypatch.setattr(os, "dup", refuse)  # as when the process runs with fd 2 closed
    ran = []
    with captured_native_stderr() as lines:
        ran.append(True)
    assert ran == [True] and lines == []
