"""Estimated features from VibeNet, a learned model that ships inside its PyPI package.

VibeNet (``pip install 'moodtune[audio-ml]'``, GPL-3.0-or-later) is a distilled EfficientNet
trained on the Free Music Archive with Echo Nest labels, the ancestor of Spotify's audio
features. Its ONNX file is part of the wheel: nothing is downloaded at run time. It predicts
energy, danceability, valence, acousticness, instrumentalness, speechiness and liveness from a
log-mel spectrogram of the whole track at 16 kHz. These are *estimates* of what Spotify would
have said, not measurements, and are labelled so wherever they are written. They are
then calibrated against listeners (:mod:`moodtune.audio.calibration`).
"""

from __future__ import annotations

import importlib.util
import warnings
from functools import lru_cache
from importlib import metadata, resources

import numpy as np

from moodtune.audio.vibenet_schema import ESTIMATED_FEATURES, VIBENET_RATE

__all__ = [
    "ESTIMATED_FEATURES",
    "VIBENET_RATE",
    "VibeNetEstimator",
    "vibenet_available",
    "vibenet_version",
]


def vibenet_available() -> bool:
    """True when VibeNet and onnxruntime can be imported."""
    return all(importlib.util.find_spec(name) is not None for name in ("vibenet", "onnxruntime"))


@lru_cache(maxsize=1)
def vibenet_version() -> str:
    """What the estimates are labelled with: VibeNet's version, the calibration's name and
    the model whose reading it was applied with, e.g. ``"vibenet 0.1.0, calibrated
    emotify-3 for model 1760552e4a47"`` (an analysis made otherwise is made again)."""
    from moodtune.audio.calibration import load_calibration
    from moodtune.model.artifact import load_model

    return (
        f"vibenet {metadata.version('vibenet')}, calibrated {load_calibration().name} "
        f"for model {load_model().version}"
    )


class VibeNetEstimator:
    """Loads VibeNet's ONNX model once; :meth:`estimate` maps a mono signal to 7 features.

    One inference thread (so ``--jobs N`` processes do not oversubscribe the cores). The
    pre-processing is VibeNet's own (mean of channels, soxr to 16 kHz, its log-mel function),
    so the values equal ``vibenet.load_model().predict(path)``.
    """

    def __init__(self) -> None:
        if not vibenet_available():
            from moodtune.errors import MissingExtraError

            raise MissingExtraError("audio-ml", "vibenet")
        import onnxruntime

        with warnings.catch_warnings():
            # pydub, imported by vibenet.core, warns when ffmpeg is absent; moodtune decodes
            # the audio itself and never calls pydub.
            warnings.simplefilter("ignore", RuntimeWarning)
            import vibenet
            from vibenet import core

        self._labels = tuple(vibenet.labels)
        self._from_logits = core.InferenceResult.from_logits
        self._mel = core.extract_mel
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        model = resources.files("vibenet") / "artifacts" / "efficientnet_model.onnx"
        with resources.as_file(model) as path:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        from moodtune.audio.calibration import Calibrator

        self._calibrator = Calibrator()
        self.name = vibenet_version()

    def calibrate(self, values: dict[str, float], strengths: dict[str, float]) -> dict[str, float]:
        """The 7 estimates calibrated (:mod:`moodtune.audio.calibration`), from a file's raw
        estimates and measured ``values`` and its tempo/key ``strengths``."""
        return self._calibrator.calibrate(values, strengths)

    def estimate(self, mono: np.ndarray, rate: int) -> dict[str, float]:
        """The 7 estimated features (0–1) of a mono signal (n,) at ``rate`` Hz."""
        from moodtune.audio.measure import resample

        y = resample(np.asarray(mono, dtype=np.float32), rate, VIBENET_RATE)
        mel = self._mel(y, VIBENET_RATE)
        logits = self._session.run(None, {"x": mel[np.newaxis, :]})[0][0]
        result = self._from_logits([float(v) for v in logits[: len(self._labels)]]).to_dict()
        return {name: float(np.clip(result[name], 0.0, 1.0)) for name in ESTIMATED_FEATURES}
