"""Helpers for the web tests: images and audio files made in memory or in a temp folder."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np


def encode_image(array: np.ndarray, format: str = "JPEG", **options: object) -> bytes:
    """An image array (h, w, 3) uint8 encoded in memory."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=format, **options)
    return buffer.getvalue()


def write_tone(path: Path, seconds: float, frequency: float, rate: int = 22050) -> Path:
    """A quiet sine tone with a fade in/out as a 16-bit WAV file."""
    import soundfile

    t = np.arange(int(seconds * rate)) / rate
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.2)
    soundfile.write(path, 0.2 * fade * np.sin(2 * np.pi * frequency * t), rate, subtype="PCM_16")
    return path


def wait_until(page, script: str, arg: object = None, timeout: float = 30) -> None:
    """Poll ``script`` (a JS function of ``arg``) until it returns true.

    Playwright's ``wait_for_function`` evaluates a string inside the page, which the page's
    Content-Security-Policy (rightly) forbids; ``evaluate`` is not affected.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(script, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {script}")
        page.wait_for_timeout(100)


#: How the browser tests start Chromium.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    # A synthetic camera (a moving test pattern) and no permission prompt, for the snapshot.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


def assert_error(response, status: int, *words: str) -> dict:
    """A JSON error with ``status`` whose reason mentions every one of ``words``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in response.text
    for word in words:
        assert word.lower() in body["detail"].lower(), body["detail"]
    return body
