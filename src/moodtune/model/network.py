"""How the small MLPs' weights (classifier and readings) are checked and their min-max scaler
folded into the first layer; the forward pass itself is :mod:`moodtune.model.forward`."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from moodtune.errors import MoodtuneError

__all__ = ["TENSORS"]

TENSORS = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")


def _fold_scaler(
    w1: np.ndarray, b1: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fold min-max scaling into a first layer: W1 @ ((x - lo) / span) + b1 = W1' @ x + b1'."""
    span = np.where(hi - lo > 0, hi - lo, 1.0).astype(np.float32)
    folded = w1 / span
    return np.ascontiguousarray(folded.T), (b1 - folded @ lo).astype(np.float32)


def _prepare_mlp(
    weights: Mapping[str, np.ndarray],
    scale_min: np.ndarray,
    scale_max: np.ndarray,
    d: int,
    k: int,
    what: str,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Check an MLP's four tensors for d inputs and k outputs (``what`` names it in errors)
    and fold its min-max scaler into the first layer.

    Returns the float32 weights, the scaler's min and max (d,), and the forward pass's
    ``(w1t, b1, w2t, b2)``.
    """
    missing = [name for name in TENSORS if name not in weights]
    if missing:
        raise MoodtuneError(f"{what} weights lack {', '.join(missing)}")
    weights = {name: np.ascontiguousarray(weights[name], np.float32) for name in TENSORS}
    hidden = weights["fc1.weight"].shape[0]
    expected = {
        "fc1.weight": (hidden, d),
        "fc1.bias": (hidden,),
        "fc2.weight": (k, hidden),
        "fc2.bias": (k,),
    }
    for name, shape in expected.items():
        if weights[name].shape != shape:
            raise MoodtuneError(
                f"{what} tensor {name} has shape {weights[name].shape}, expected {shape} for "
                f"{d} features and {k} outputs"
            )
    lo = np.asarray(scale_min, dtype=np.float32).reshape(d)
    hi = np.asarray(scale_max, dtype=np.float32).reshape(d)
    w1t, b1 = _fold_scaler(weights["fc1.weight"], weights["fc1.bias"], lo, hi)
    w2t = np.ascontiguousarray(weights["fc2.weight"].T)
    return weights, lo, hi, (w1t, b1, w2t, weights["fc2.bias"])
