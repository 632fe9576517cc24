"""The valence/arousal reading as stored in a model (:class:`ReadingHead`) and how it is
combined with the classifier's seven probabilities (:class:`Combination`). Plain numpy.

The reading (``reading_valence``, ``reading_arousal``, each −1..1) is the valence and arousal
listeners would give a track, on the 1–9 word-norm scale of MuSe mapped to −1..1 by
(x − 5) / 4. It is not Spotify's ``valence`` feature.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moodtune.errors import MoodtuneError
from moodtune.model import forward
from moodtune.model.network import TENSORS, _prepare_mlp
from moodtune.model.reading_views import check_views, expand

__all__ = ["Combination", "ReadingHead"]


@dataclass
class ReadingHead:
    """Valence/arousal from features: min-max scaler, ``hidden`` ReLU units, 2 linear outputs.

    Tensors ``fc1.weight`` (hidden, d), ``fc1.bias`` (hidden,), ``fc2.weight`` (2, hidden),
    ``fc2.bias`` (2,) (stored as ``reading.<i>.<name>``); the outputs are on the −1..1 scale
    (the target standardisation is folded into the last layer) and clipped to it. Inputs are
    the raw values of ``feature_names`` (d of them), in that order. ``views`` (see
    :mod:`moodtune.model.reading_views`) say how the network sees them: empty (readings saved
    before views existed) or ``({"kind": "raw"},)``, as they are; with V views the network
    reads their concatenation, d · V columns (the scaler and ``fc1.weight`` have that width).
    ``combination`` says how this reading and the classifier's probabilities make one
    distribution.
    """

    feature_names: tuple[str, ...]
    scale_min: np.ndarray
    scale_max: np.ndarray
    weights: dict[str, np.ndarray]
    metadata: dict[str, Any] = field(default_factory=dict)
    combination: Combination | None = None
    views: tuple[dict[str, Any], ...] = ()

    def __post_init__(self) -> None:
        self.feature_names = tuple(self.feature_names)
        self.views = tuple(dict(view) for view in self.views)
        check_views(self.views, self.feature_names)
        width = len(self.feature_names) * max(1, len(self.views))
        self.weights, self.scale_min, self.scale_max, layers = _prepare_mlp(
            self.weights, self.scale_min, self.scale_max, width, 2, "reading"
        )
        self._net = forward.SoftmaxMLP(*layers)  # prepared once, not per call

    def predict(self, features: np.ndarray, *, chunk: int = 65536) -> np.ndarray:
        """Valence and arousal, shape (n, 2), float32 in −1..1, for raw features (n, d)."""
        x = np.asarray(features, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != len(self.feature_names):
            raise MoodtuneError(
                f"the reading expects features of shape (n, {len(self.feature_names)}) in the "
                f"order {', '.join(self.feature_names)}; got {x.shape}"
            )
        x = expand(self.views, x, self.feature_names)
        out = self._net.outputs(x, chunk=min(chunk, forward.CHUNK))
        return np.clip(out, -1.0, 1.0, out=out)

    @property
    def raw(self) -> bool:
        """True when the network reads the features as they are (no other view)."""
        return all(view["kind"] == "raw" for view in self.views) and len(self.views) <= 1

    def digest(self) -> bytes:
        parts = [self.weights[name].tobytes() for name in TENSORS]
        parts += [self.scale_min.tobytes(), self.scale_max.tobytes()]
        parts.append("|".join(self.feature_names).encode())
        if self.combination is not None:
            parts.append(json.dumps(self.combination.to_dict(), sort_keys=True).encode())
        if self.views:  # absent from older readings, whose versions stay as they were
            parts.append(json.dumps(self.views, sort_keys=True).encode())
        return b"".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.metadata,
            "feature_names": list(self.feature_names),
            "hidden_size": int(self.weights["fc1.weight"].shape[0]),
            "outputs": ["reading_valence", "reading_arousal"],
            "scale": "-1..1; listeners' 1-9 word-norm ratings mapped by (x - 5) / 4",
            "scaler": {
                "kind": "min-max",
                "min": [float(v) for v in self.scale_min],
                "max": [float(v) for v in self.scale_max],
            },
            "combination": self.combination.to_dict() if self.combination is not None else None,
            **({"views": list(self.views)} if self.views else {}),
        }

    @classmethod
    def from_json(cls, info: Mapping[str, Any], weights: Mapping[str, np.ndarray]) -> ReadingHead:
        combination = info.get("combination")
        return cls(
            feature_names=tuple(info["feature_names"]),
            scale_min=np.asarray(info["scaler"]["min"]),
            scale_max=np.asarray(info["scaler"]["max"]),
            weights=dict(weights),
            metadata={
                k: v
                for k, v in info.items()
                if k
                not in {
                    "feature_names",
                    "scaler",
                    "combination",
                    "outputs",
                    "scale",
                    "hidden_size",
                    "views",
                }
            },
            combination=Combination.from_dict(combination) if combination else None,
            views=tuple(info.get("views") or ()),
        )


@dataclass(frozen=True)
class Combination:
    """How the reading and the classifier's probabilities make one distribution.

    The reading ``r`` (n, 2) is standardised, ``z = (r - center) / spread`` (``center`` and
    ``spread`` are the mean and standard deviation of the reading on the tracks it was
    trained on, so z = 0 is a typical track and |z| = 2 an unusually bright/dark or
    energetic/calm one). Then, for each class c with probability p_c:

    1. **Tilt** toward the classes whose tracks sit near z: p_c · exp(−κ Σ_j (z_j − μ_cj)² /
       (2 s_j²)), with μ_c (``prototypes``, shape (k, 2)) the mean z of class c's training
       tracks and s² (``variance``) the pooled within-class variance — a Gaussian likelihood
       of the reading under each class, raised to the power κ (``kappa``).
    2. **Guard**: a class that is one of the seven emotions is *contradicted* when the
       reading is clear on an axis (|z_j| ≥ ``tau``) and the emotion's circumplex point
       (:data:`moodtune.emotions.CIRCUMPLEX`) lies on the other side of that axis by at least
       ``margin``; contradicted classes get probability 0. Neutral (the origin) and classes
       that are not emotions are never contradicted, so the distribution always exists.
    3. Renormalise to sum 1.

    κ and τ were chosen by CV on the seed data with shuffle seeds 10–12 (docs/model.md).
    """

    center: tuple[float, float]
    spread: tuple[float, float]
    prototypes: dict[str, tuple[float, float]]
    variance: tuple[float, float]
    kappa: float = 0.5
    tau: float = 2.0
    margin: float = 0.3

    def standardise(self, reading: np.ndarray) -> np.ndarray:
        """z of a reading (n, 2): 0 is a typical track, ±1 one standard deviation away."""
        return (np.asarray(reading, dtype=np.float64) - np.asarray(self.center)) / np.asarray(
            self.spread
        )

    def quadrant(self, reading: np.ndarray) -> np.ndarray:
        """The quadrant of each reading (n, 2) relative to a typical track, shape (n,):
        ``"bright-energetic"``, ``"bright-calm"``, ``"dark-energetic"`` or ``"dark-calm"``."""
        z = self.standardise(reading)
        valence = np.where(z[:, 0] >= 0, "bright", "dark")
        arousal = np.where(z[:, 1] >= 0, "energetic", "calm")
        return np.char.add(np.char.add(valence, "-"), arousal)

    def _signs(self, labels: tuple[str, ...]) -> np.ndarray:
        """Per class and axis: +1 / −1 when the class's circumplex point lies at least
        ``margin`` above / below the middle of that axis, else 0; shape (k, 2)."""
        from moodtune import emotions

        signs = np.zeros((len(labels), 2), dtype=np.int8)
        for column, label in enumerate(labels):
            if emotions.is_emotion(label):
                point = emotions.CIRCUMPLEX[emotions.canonical(label)]
                for axis, value in enumerate((point.valence, point.arousal)):
                    if abs(value) >= self.margin:
                        signs[column, axis] = 1 if value > 0 else -1
        return signs

    def _contradicted_z(self, z: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
        signs = self._signs(labels)
        result = np.zeros((len(z), len(labels)), dtype=bool)
        for axis in range(2):
            high, low = z[:, axis] >= self.tau, z[:, axis] <= -self.tau
            result |= high[:, None] & (signs[None, :, axis] < 0)
            result |= low[:, None] & (signs[None, :, axis] > 0)
        return result

    def contradicted(self, reading: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
        """Which classes a reading (n, 2) contradicts, boolean of shape (n, k)."""
        return self._contradicted_z(self.standardise(reading), labels)

    def apply(
        self, probabilities: np.ndarray, reading: np.ndarray, labels: tuple[str, ...]
    ) -> np.ndarray:
        """The combined distribution, shape (n, k), float32, rows summing to 1."""
        p = np.asarray(probabilities, dtype=np.float32)
        z = self.standardise(reading).astype(np.float32)
        known = [self.prototypes.get(label) for label in labels]
        if self.kappa > 0 and all(point is not None for point in known):
            # −κ Σ_j (z_j − μ_cj)² / (2 s_j²) = κ (z · μ_c / s² − |μ_c|²_s / 2) + a term of the
            # row alone, which the normalisation removes.
            centres = np.asarray(known, dtype=np.float64)
            scaled = centres / np.asarray(self.variance)
            slope = (self.kappa * scaled.T).astype(np.float32)  # (2, k)
            offset = (-self.kappa * 0.5 * (centres * scaled).sum(axis=1)).astype(np.float32)
            log_w = z @ slope
            log_w += offset
            log_w -= log_w.max(axis=1, keepdims=True)
            combined = np.exp(log_w, out=log_w)
            combined *= p
        else:
            combined = p.copy()
        combined[self._contradicted_z(z, labels)] = 0.0
        total = combined.sum(axis=1, keepdims=True)
        # A row whose every class is contradicted (impossible with neutral among the labels)
        # keeps the classifier's own distribution.
        safe = np.where(total > 0, total, 1.0)
        return np.where(total > 0, combined / safe, p).astype(np.float32)

    def follow_reading(
        self, probabilities: np.ndarray, reading: np.ndarray, labels: tuple[str, ...]
    ) -> np.ndarray:
        """The distribution (n, k) confined to the classes whose sides the reading is on.

        The guard of :meth:`apply` at every reading (τ = 0): each axis is split at a typical
        track (z = 0) and a class with a side on it (:meth:`_signs`) keeps its probability
        only when the reading lies on that side; classes without a side (neutral, the
        origin) keep theirs only where no sided class is allowed (brighter and calmer than
        typical, where none of the seven lies). Renormalised; rows without a finite reading
        or with nothing left keep ``probabilities``. Used for analysed audio files, whose
        reading is calibrated against listeners while the classifier meets moved estimates
        (docs/audio.md); :meth:`apply` alone is the model.
        """
        p = np.asarray(probabilities, dtype=np.float32)
        z = self.standardise(reading)
        side = np.where(z >= 0, 1, -1)[:, None, :]  # (n, 1, 2)
        signs = self._signs(labels)[None]  # (1, k, 2)
        sided = (signs != 0).any(axis=2)  # (1, k)
        allowed = ((signs == 0) | (signs == side)).all(axis=2) & sided
        allowed |= ~sided & ~allowed.any(axis=1, keepdims=True)
        kept = np.where(allowed, p, 0.0)
        total = kept.sum(axis=1, keepdims=True)
        usable = (total > 0) & np.isfinite(z).all(axis=1, keepdims=True)
        return np.where(usable, kept / np.where(total > 0, total, 1.0), p).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {
            "center": [float(v) for v in self.center],
            "spread": [float(v) for v in self.spread],
            "prototypes": {k: [float(a), float(b)] for k, (a, b) in self.prototypes.items()},
            "variance": [float(v) for v in self.variance],
            "kappa": self.kappa,
            "tau": self.tau,
            "margin": self.margin,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Combination:
        return cls(
            center=(float(data["center"][0]), float(data["center"][1])),
            spread=(float(data["spread"][0]), float(data["spread"][1])),
            prototypes={k: (float(v[0]), float(v[1])) for k, v in data["prototypes"].items()},
            variance=(float(data["variance"][0]), float(data["variance"][1])),
            kappa=float(data["kappa"]),
            tau=float(data["tau"]),
            margin=float(data["margin"]),
        )
