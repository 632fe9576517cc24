"""Helpers to make image files in memory for the tests."""

from __future__ import annotations

import io

import numpy as np


def encode(array: np.ndarray, format: str = "JPEG", **options) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=format, **options)
    return buffer.getvalue()
