"""VibeNet's estimates calibrated so that the model's reading of an audio file agrees with
listeners.

The reading (valence/arousal) was learned on Spotify's features; VibeNet's estimates of those
features meet it out of domain (on Emotify the raw route reads valence at ρ 0.22). The
calibration has two steps:

1. **Target.** Two linear scores over the file's raw VibeNet estimates and its measured
   features (:data:`INPUTS`; 13 numbers per axis, ``calibration.json`` beside this module)
   give the valence and arousal listeners would report, as z-scores; they become a reading
   on the model's scale with the reading's own centre and spread (``z = 0`` is a typical
   track of the data the reading was trained on). The scores were fitted on Emotify (400
   clips rated by listeners, research data; see docs/audio.md and the model card).
2. **Features.** Four estimated features (:data:`MOVED`) are moved, as little as possible
   (in units of the reading's scaler; danceability and acousticness half as readily,
   :data:`WEIGHTS`), so that the model's reading of the row equals that target (Gauss–Newton
   on the reading head; measured features are never changed). The row the
   analysis writes therefore carries the calibrated reading through ``moodtune predict``,
   the catalogue and its emotions, with any later model that keeps the same reading head.

VibeNet's raw estimates are kept in the analysis as ``vibenet_<feature>`` columns.

Examples
--------
>>> calibration = load_calibration()
>>> calibration.name
'emotify-3'
>>> len(calibration.inputs), calibration.weights.shape
(12, (2, 12))
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from moodtune.audio.vibenet_schema import ESTIMATED_FEATURES
from moodtune.errors import MoodtuneError

if TYPE_CHECKING:
    from moodtune.model.artifact import EmotionModel
    from moodtune.model.reading_head import ReadingHead

__all__ = ["INPUTS", "MOVED", "WEIGHTS", "Calibration", "Calibrator", "load_calibration"]

#: What the linear scores read: VibeNet's 7 raw estimates and 5 measured values.
INPUTS: tuple[str, ...] = (
    *ESTIMATED_FEATURES,
    "loudness",
    "mode",
    "tempo",
    "tempo_strength",
    "key_strength",
)
#: The estimated features the calibration moves; speechiness, instrumentalness and liveness
#: keep VibeNet's values (moving them too reads the same on Emotify, but the classifier then
#: names calm clips "disgust" more often: docs/audio.md).
MOVED: tuple[str, ...] = ("danceability", "energy", "acousticness", "valence")
#: How readily each moved estimate is moved (a weighted least-norm step): danceability and
#: acousticness half as readily as energy and valence, so the classifier, which sees them
#: too, meets values nearer VibeNet's (on Emotify: calm, pleasant clips read as sadness 22
#: times instead of 30, joyful ones as happiness 41 instead of 37, at valence ρ −0.01).
WEIGHTS: dict[str, float] = {"danceability": 0.5, "acousticness": 0.5}
_ITERATIONS = 12
_STEP = 1e-2


@dataclass
class Calibration:
    """Two linear scores (valence, arousal) over :attr:`inputs`: ``z = bias + weights @ x``.

    ``z`` is in standard deviations of the fitting set (so 0 is its average clip).
    ``metadata`` records what it was fitted on and its cross-validated figures.
    """

    name: str
    inputs: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)

    def scores(self, values: np.ndarray) -> np.ndarray:
        """The z-scores (n, 2) of raw inputs (n, len(inputs))."""
        return np.asarray(values, dtype=np.float64) @ self.weights.T + self.bias

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "inputs": list(self.inputs),
            "valence": {"bias": float(self.bias[0]), "weights": self.weights[0].tolist()},
            "arousal": {"bias": float(self.bias[1]), "weights": self.weights[1].tolist()},
            **self.metadata,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        try:
            axes = [data["valence"], data["arousal"]]
            inputs = tuple(data["inputs"])
            weights = np.array([axis["weights"] for axis in axes], dtype=np.float64)
            bias = np.array([axis["bias"] for axis in axes], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as error:
            raise MoodtuneError(f"the audio calibration is not usable: {error!r}") from None
        if weights.shape != (2, len(inputs)):
            raise MoodtuneError("the audio calibration's weights do not match its inputs")
        metadata = {
            k: v for k, v in data.items() if k not in {"name", "inputs", "valence", "arousal"}
        }
        return cls(str(data["name"]), inputs, weights, bias, metadata)


@lru_cache(maxsize=1)
def load_calibration() -> Calibration:
    """The shipped calibration (``moodtune/audio/calibration.json``)."""
    text = resources.files("moodtune.audio").joinpath("calibration.json").read_text("utf-8")
    return Calibration.from_json(json.loads(text))


class Calibrator:
    """Applies a :class:`Calibration` with a model's reading head (default: the shipped
    model and calibration). :meth:`calibrate` maps a row's values to calibrated ones."""

    def __init__(
        self, calibration: Calibration | None = None, model: EmotionModel | None = None
    ) -> None:
        from moodtune.model.artifact import load_model

        self.calibration = calibration or load_calibration()
        model = model or load_model()
        head = model.reading_head((*ESTIMATED_FEATURES, "tempo", "key", "mode", "loudness"))
        if head is None:
            raise MoodtuneError(f"the model {model.version} has no reading of audio features")
        self.head: ReadingHead = head
        self.model_version = model.version
        self._free = [head.feature_names.index(f) for f in MOVED]
        self._range = (head.scale_max - head.scale_min)[self._free].astype(np.float64)
        if head.combination is not None:
            centre, spread = head.combination.center, head.combination.spread
        else:
            reference = head.metadata.get("reference", {"mean": (0, 0), "std": (1, 1)})
            centre, spread = reference["mean"], reference["std"]
        self._centre, self._spread = np.asarray(centre, float), np.asarray(spread, float)
        self.name = f"{self.calibration.name} for model {self.model_version}"

    def target(self, rows: np.ndarray) -> np.ndarray:
        """The calibrated reading (n, 2) of raw inputs (n, len(calibration.inputs))."""
        reading = self._centre + self._spread * self.calibration.scores(rows)
        return np.clip(reading, -1.0, 1.0)

    def calibrate_matrix(self, rows: np.ndarray, features: np.ndarray) -> np.ndarray:
        """The head's features (n, d) with the estimated ones moved so that the head reads
        :meth:`target` of ``rows`` (raw inputs in ``calibration.inputs`` order)."""
        goal = self.target(rows)
        x = np.asarray(features, dtype=np.float64).copy()
        weights = np.array([WEIGHTS.get(self.head.feature_names[c], 1.0) for c in self._free])
        best, gap = x.copy(), np.full(len(x), np.inf)
        for iteration in range(_ITERATIONS + 1):
            now = self.head.predict(x.astype(np.float32)).astype(np.float64)
            # Each row keeps its best step: clipped at 0 or 1, a step can trade one axis for
            # the other and end further from the target than it started.
            gaps = np.abs(goal - now).sum(axis=1)
            better = gaps < gap
            best[better], gap[better] = x[better], gaps[better]
            if iteration == _ITERATIONS:
                break
            jacobian = np.empty((len(x), 2, len(self._free)))
            for k, column in enumerate(self._free):
                moved = x.copy()
                moved[:, column] += _STEP * self._range[k]
                jacobian[:, :, k] = (self.head.predict(moved.astype(np.float32)) - now) / _STEP
            jacobian = jacobian * weights
            square = jacobian @ jacobian.transpose(0, 2, 1) + 1e-4 * np.eye(2)
            step = jacobian.transpose(0, 2, 1) @ np.linalg.solve(square, (goal - now)[:, :, None])
            step = step[:, :, 0] * weights
            x[:, self._free] = np.clip(x[:, self._free] + step * self._range, 0.0, 1.0)
        return best

    def calibrate(self, values: dict[str, float], strengths: dict[str, float]) -> dict[str, float]:
        """The calibrated estimated features of one analysed file.

        ``values``: its features (raw VibeNet estimates and measured values); ``strengths``:
        ``{"tempo": …, "key": …}`` (the tempo and key strengths of the analysis).
        """
        known = {
            **values,
            "tempo_strength": strengths.get("tempo", 0.0),
            "key_strength": strengths.get("key", 0.0),
        }
        row = np.array([[known[name] for name in self.calibration.inputs]], dtype=np.float64)
        features = np.array([[values[name] for name in self.head.feature_names]])
        moved = self.calibrate_matrix(row, features)[0]
        return {self.head.feature_names[c]: float(moved[c]) for c in self._free}
