"""How a valence/arousal reading sees its features: *views*, each a fixed per-feature map.

A reading trained with several views is an ensemble of one small network per view, stacked
into one network (see :class:`moodtune.model.reading_training.ReadingRegressor`): its first
layer reads the concatenation of the views, d columns each, in the order of ``views``.

- ``raw``: the values as they are (what readings saved without views read);
- ``log``: the skewed features of :data:`LOG_FEATURES` read as log(max(v, lower) + offset),
  the others as they are;
- ``quantile``: each feature mapped to the normal score of its rank among the training
  tracks (a piecewise-linear map through :data:`QUANTILES` quantiles of the training values,
  ties averaged; values beyond the training range get the end values), like scikit-learn's
  ``QuantileTransformer(output_distribution="normal")``.

A view is stored as a small JSON dict (``{"kind": "raw"}``, ``{"kind": "log", "features":
{name: [lower, offset]}}``, ``{"kind": "quantile", "knots": {name: [[x…], [y…]]}}``), so a
reading stays a safetensors + JSON artifact.

Examples
--------
>>> import numpy as np
>>> x = np.array([[0.0, 60.0], [0.1, 120.0], [0.5, 180.0]])
>>> views = [fit_view(kind, x, ("liveness", "tempo")) for kind in ("raw", "log", "quantile")]
>>> expand(views, x, ("liveness", "tempo")).shape
(3, 6)
>>> apply_view(views[1], x, ("liveness", "tempo"))[0].round(3)
array([-4.605,  4.094], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np

from moodtune.errors import MoodtuneError

__all__ = ["KINDS", "LOG_FEATURES", "QUANTILES", "apply_view", "check_views", "expand", "fit_view"]

KINDS = ("raw", "log", "quantile")
#: feature → (lower, offset) of the ``log`` view: speechiness, acousticness, instrumentalness
#: and liveness crowd near 0, and tempo is heard in ratios.
LOG_FEATURES: dict[str, tuple[float, float]] = {
    "speechiness": (0.0, 0.01),
    "acousticness": (0.0, 0.01),
    "instrumentalness": (0.0, 0.01),
    "liveness": (0.0, 0.01),
    "tempo": (30.0, 0.0),
}
#: Quantiles of the training values per feature in the ``quantile`` view.
QUANTILES = 200
#: The normal scores are those of probabilities clipped to [ε, 1 − ε] (as scikit-learn's).
EPSILON = 1e-7


def fit_view(kind: str, features: np.ndarray, names: Sequence[str]) -> dict[str, Any]:
    """The view ``kind`` (one of :data:`KINDS`) of training features (n, d) named ``names``."""
    if kind == "raw":
        return {"kind": "raw"}
    if kind == "log":
        return {
            "kind": "log",
            "features": {n: list(LOG_FEATURES[n]) for n in names if n in LOG_FEATURES},
        }
    if kind != "quantile":
        raise MoodtuneError(f"unknown reading view {kind!r}; choose from {', '.join(KINDS)}")
    x = np.asarray(features, dtype=np.float64)
    probabilities = np.linspace(0.0, 1.0, min(QUANTILES, len(x)))
    normal = NormalDist()
    scores = np.array([normal.inv_cdf(min(max(p, EPSILON), 1 - EPSILON)) for p in probabilities])
    knots = {}
    for j, name in enumerate(names):
        points = np.quantile(x[:, j], probabilities)
        unique, inverse = np.unique(points, return_inverse=True)
        values = np.bincount(inverse, weights=scores) / np.bincount(inverse)  # ties averaged
        knots[str(name)] = [[float(v) for v in unique], [float(v) for v in values]]
    return {"kind": "quantile", "knots": knots}


def apply_view(view: Mapping[str, Any], features: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The features (n, d) named ``names`` as ``view`` sees them, float32 (n, d)."""
    x = np.asarray(features, dtype=np.float32)
    kind = view.get("kind")
    if kind == "raw":
        return x
    names = list(names)
    out = x.copy()
    if kind == "log":
        for name, (low, offset) in view["features"].items():
            j = names.index(name)
            out[:, j] = np.log(np.maximum(x[:, j], np.float32(low)) + np.float32(offset))
        return out
    if kind == "quantile":
        for name, (points, values) in view["knots"].items():
            j = names.index(name)
            out[:, j] = np.interp(x[:, j], points, values)
        return out
    raise MoodtuneError(f"unknown reading view {kind!r}; choose from {', '.join(KINDS)}")


def check_views(views: Sequence[Mapping[str, Any]], names: Sequence[str]) -> None:
    """Refuse views of unknown kinds or naming features the reading does not read."""
    for view in views:
        kind = view.get("kind")
        if kind not in KINDS:
            raise MoodtuneError(f"unknown reading view {kind!r}; choose from {', '.join(KINDS)}")
        named = view.get("features", view.get("knots", {}))
        unknown = [n for n in named if n not in names]
        if unknown:
            raise MoodtuneError(f"the reading's {kind} view names unknown features {unknown}")


def expand(
    views: Sequence[Mapping[str, Any]], features: np.ndarray, names: Sequence[str]
) -> np.ndarray:
    """The concatenated views of features (n, d): (n, d · len(views)), float32; with no
    views, the features as they are."""
    if not views:
        return np.asarray(features, dtype=np.float32)
    parts = [apply_view(view, features, names) for view in views]
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
