"""The model artifact: a min-max scaler and a one-hidden-layer MLP, run with plain numpy,
and optionally a valence/arousal *reading* learned from listeners.

On disk a model is a folder with ``model.safetensors`` (the four weight tensors of the
classifier, float32, plus the four ``reading.*`` tensors of the reading when the model has
one) and ``model.json`` (feature order, scaler, label order, provenance, CV metrics, and the
reading's scaler and combination parameters). Loading reads only those two formats: nothing
is unpickled and torch is never imported.

The reading (``reading_valence``, ``reading_arousal``, each −1..1) is the valence and arousal
listeners would give a track, on the 1–9 word-norm scale of MuSe mapped to −1..1 by
(x − 5) / 4. It is not Spotify's ``valence`` feature. How the reading and the classifier's
seven probabilities are combined is described in :class:`Combination`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moodtune.data.table import TrackTable
from moodtune.errors import MoodtuneError
from moodtune.model import forward

WEIGHTS_FILE = "model.safetensors"
METADATA_FILE = "model.json"
FORMAT = "moodtune-mlp/1"
#: The format of a model with a reading (a model without one is still written as /1).
FORMAT_READING = "moodtune-mlp/2"
TENSORS = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")


def _forward(
    x: np.ndarray, w1t: np.ndarray, b1: np.ndarray, w2t: np.ndarray, b2: np.ndarray
) -> np.ndarray:
    """ReLU(x @ w1t + b1) @ w2t + b2 for x (n, d): the raw outputs, shape (n, k)."""
    hidden = x @ w1t
    hidden += b1
    np.maximum(hidden, 0.0, out=hidden)
    out = hidden @ w2t
    out += b2
    return out


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


@dataclass
class ReadingHead:
    """Valence/arousal from features: min-max scaler, ``hidden`` ReLU units, 2 linear outputs.

    Tensors ``fc1.weight`` (hidden, d), ``fc1.bias`` (hidden,), ``fc2.weight`` (2, hidden),
    ``fc2.bias`` (2,) (stored as ``reading.<i>.<name>``); the outputs are on the −1..1 scale
    (the target standardisation is folded into the last layer) and clipped to it. Inputs are
    the raw values of ``feature_names`` (d of them), in that order. ``combination`` says how
    this reading and the classifier's probabilities make one distribution.
    """

    feature_names: tuple[str, ...]
    scale_min: np.ndarray
    scale_max: np.ndarray
    weights: dict[str, np.ndarray]
    metadata: dict[str, Any] = field(default_factory=dict)
    combination: Combination | None = None

    def __post_init__(self) -> None:
        self.feature_names = tuple(self.feature_names)
        self.weights, self.scale_min, self.scale_max, layers = _prepare_mlp(
            self.weights, self.scale_min, self.scale_max, len(self.feature_names), 2, "reading"
        )
        self._w1t, self._b1, self._w2t, self._b2 = layers

    def predict(self, features: np.ndarray, *, chunk: int = 65536) -> np.ndarray:
        """Valence and arousal, shape (n, 2), float32 in −1..1, for raw features (n, d)."""
        x = np.asarray(features, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != len(self.feature_names):
            raise MoodtuneError(
                f"the reading expects features of shape (n, {len(self.feature_names)}) in the "
                f"order {', '.join(self.feature_names)}; got {x.shape}"
            )
        out = forward.mlp_outputs(
            x, self._w1t, self._b1, self._w2t, self._b2, chunk=min(chunk, forward.CHUNK)
        )
        return np.clip(out, -1.0, 1.0, out=out)

    def digest(self) -> bytes:
        parts = [self.weights[name].tobytes() for name in TENSORS]
        parts += [self.scale_min.tobytes(), self.scale_max.tobytes()]
        parts.append("|".join(self.feature_names).encode())
        if self.combination is not None:
            parts.append(json.dumps(self.combination.to_dict(), sort_keys=True).encode())
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
                not in {"feature_names", "scaler", "combination", "outputs", "scale", "hidden_size"}
            },
            combination=Combination.from_dict(combination) if combination else None,
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


@dataclass
class Prediction:
    """What a model says about n tracks.

    ``probabilities`` (n, k) float32 — combined with the reading when there is one;
    ``classifier`` (n, k) — the classifier's own softmax; ``reading`` (n, 2) float32 in
    −1..1 (valence, arousal) or None when the model has no reading for the features given;
    ``contradicted`` (n, k) bool — the classes the reading contradicts — or None;
    ``reading_features`` — the features the reading was computed from (or None).
    """

    probabilities: np.ndarray
    classifier: np.ndarray
    reading: np.ndarray | None = None
    contradicted: np.ndarray | None = None
    reading_features: tuple[str, ...] | None = None
    #: The reading standardised against a typical track (``Combination.standardise``), (n, 2);
    #: NaN rows (and ``reading`` NaN) where no reading could be made.
    standardised: np.ndarray | None = None


@dataclass
class EmotionModel:
    """A trained classifier from audio features to emotion probabilities, and optionally
    readings of valence/arousal learned from listeners.

    Shapes: ``fc1.weight`` (hidden, d), ``fc1.bias`` (hidden,), ``fc2.weight`` (k, hidden),
    ``fc2.bias`` (k,), for d = ``len(feature_names)`` inputs and k = ``len(labels)`` classes.
    Inputs are raw feature values (tempo in BPM, loudness in dB, others 0–1), scaled with
    ``(x - scale_min) / (scale_max - scale_min)`` as fitted on the training data.

    ``readings`` holds :class:`ReadingHead` s, richest first: a table gets the reading of the
    first head whose features it has (e.g. all 11 Spotify features, else the classifier's
    7). The head over the classifier's own features (if any) is the one used by
    :meth:`predict_proba`, which only sees those features.
    """

    feature_names: tuple[str, ...]
    labels: tuple[str, ...]
    scale_min: np.ndarray
    scale_max: np.ndarray
    weights: dict[str, np.ndarray]
    metadata: dict[str, Any] = field(default_factory=dict)
    readings: tuple[ReadingHead, ...] = ()

    def __post_init__(self) -> None:
        self.feature_names = tuple(self.feature_names)
        self.labels = tuple(self.labels)
        self.readings = tuple(self.readings)
        d, k = len(self.feature_names), len(self.labels)
        self.weights, self.scale_min, self.scale_max, layers = _prepare_mlp(
            self.weights, self.scale_min, self.scale_max, d, k, "model"
        )
        self._w1t, self._b1, self._w2t, self._b2 = layers

    # --- prediction ----------------------------------------------------------------------

    @property
    def hidden_size(self) -> int:
        return int(self.weights["fc1.weight"].shape[0])

    @property
    def has_reading(self) -> bool:
        """True when the model has a valence/arousal reading over its own features."""
        return self.reading_head(self.feature_names) is not None

    def reading_head(self, available: Sequence[str]) -> ReadingHead | None:
        """The richest reading whose features are all among ``available``, or None."""
        have = set(available)
        return next((h for h in self.readings if set(h.feature_names) <= have), None)

    @property
    def version(self) -> str:
        """A short content hash of the weights and scalers (and readings and their
        combinations): changes whenever the model does."""
        digest = hashlib.sha256()
        for name in TENSORS:
            digest.update(self.weights[name].tobytes())
        digest.update(self.scale_min.tobytes())
        digest.update(self.scale_max.tobytes())
        digest.update("|".join(self.feature_names + self.labels).encode())
        for head in self.readings:
            digest.update(head.digest())
        return digest.hexdigest()[:12]

    def _check(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != len(self.feature_names):
            raise MoodtuneError(
                f"expected features of shape (n, {len(self.feature_names)}) in the order "
                f"{', '.join(self.feature_names)}; got {x.shape}"
            )
        return x

    def classifier_proba(self, features: np.ndarray, *, chunk: int = 65536) -> np.ndarray:
        """The classifier's own softmax, shape (n, k), for raw features of shape (n, d)."""
        x = self._check(features)
        return forward.softmax_mlp(
            x, self._w1t, self._b1, self._w2t, self._b2, chunk=min(chunk, forward.CHUNK)
        )

    def _combine(
        self, classifier: np.ndarray, head: ReadingHead | None, reading_input: np.ndarray | None
    ) -> Prediction:
        if head is None or reading_input is None:
            return Prediction(classifier, classifier)
        reading = head.predict(reading_input)
        if head.combination is None:
            return Prediction(classifier, classifier, reading, None, head.feature_names)
        return Prediction(
            head.combination.apply(classifier, reading, self.labels),
            classifier,
            reading,
            head.combination.contradicted(reading, self.labels),
            head.feature_names,
        )

    def predict_all(self, features: np.ndarray) -> Prediction:
        """Everything the model says about raw features (n, d) in :attr:`feature_names`
        order: probabilities combined with the reading over these features (when the model
        has one), the classifier's own, the reading and the contradicted classes."""
        x = self._check(features)
        head = self.reading_head(self.feature_names)
        columns = (
            [self.feature_names.index(f) for f in head.feature_names] if head is not None else []
        )
        return self._combine(self.classifier_proba(x), head, x[:, columns] if head else None)

    def predict_table_all(self, table: TrackTable) -> Prediction:
        """:meth:`predict_all` for a table, with the richest reading its features allow."""
        classifier = self.classifier_proba(table.matrix(self.feature_names))
        head = self.reading_head(table.feature_names)
        return self._combine(
            classifier, head, table.matrix(head.feature_names) if head is not None else None
        )

    def predict_columns(self, values: np.ndarray, names: Sequence[str]) -> Prediction:
        """:meth:`predict_all` for a matrix ``values`` (n, m) whose columns are the features
        ``names``, NaN where a track lacks a value: each row gets the richest reading whose
        features it has (rows with none keep the classifier's distribution and a NaN
        reading). The classifier's own features must be present in every row."""
        values = np.asarray(values, dtype=np.float32)
        names = tuple(names)
        classifier = self.classifier_proba(values[:, [names.index(f) for f in self.feature_names]])
        n = len(values)
        probabilities = classifier.copy()
        reading = np.full((n, 2), np.nan, dtype=np.float32)
        standardised = np.full((n, 2), np.nan, dtype=np.float64)
        contradicted = np.zeros(classifier.shape, dtype=bool)
        todo = np.ones(n, dtype=bool)
        for head in self.readings:
            if not set(head.feature_names) <= set(names):
                continue
            x = values[:, [names.index(f) for f in head.feature_names]]
            rows = todo & np.isfinite(x).all(axis=1)
            if not rows.any():
                continue
            part = self._combine(classifier[rows], head, x[rows])
            probabilities[rows] = part.probabilities
            reading[rows] = part.reading
            if head.combination is not None:
                standardised[rows] = head.combination.standardise(part.reading)
                contradicted[rows] = part.contradicted
            todo &= ~rows
        return Prediction(probabilities, classifier, reading, contradicted, None, standardised)

    def predict_reading(self, features: np.ndarray) -> np.ndarray:
        """Valence and arousal learned from listeners, shape (n, 2), float32 in −1..1, for
        raw features (n, d) in :attr:`feature_names` order.

        Raises :class:`MoodtuneError` for a model without a reading over its own features
        (see :attr:`has_reading`); use :meth:`predict_table_all` for richer tables.
        """
        reading = self.predict_all(features).reading
        if reading is None:
            raise MoodtuneError(
                f"the model {self.version} has no valence/arousal reading; train one with "
                "'moodtune train … --reading-data TABLE'"
            )
        return reading

    def predict_proba(self, features: np.ndarray, *, chunk: int = 65536) -> np.ndarray:
        """Class probabilities, shape (n, k), for raw features of shape (n, d).

        For a model with a reading over its own features, the distribution combined with it
        (never naming a class the reading contradicts; see :class:`Combination`); otherwise
        the classifier's softmax.
        """
        if not self.has_reading:
            return self.classifier_proba(features, chunk=chunk)
        return self.predict_all(features).probabilities

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The most probable label for each row, shape (n,)."""
        return np.asarray(self.labels)[self.predict_proba(features).argmax(axis=1)]

    def predict_table(self, table: TrackTable) -> pd.DataFrame:
        """Identity columns, ``emotion`` (top label), ``confidence``, one ``p_<label>`` column
        per label and, for a model with a reading, ``reading_valence`` and ``reading_arousal``
        (−1..1, learned from listeners' tags; not Spotify's ``valence``), computed from the
        richest features the table has. One row per table row."""
        prediction = self.predict_table_all(table)
        probabilities = prediction.probabilities
        result = table.identity().reset_index(drop=True).copy()
        top = probabilities.argmax(axis=1)
        result["emotion"] = np.asarray(self.labels)[top]
        result["confidence"] = probabilities[np.arange(len(top)), top].round(4)
        for column, name in enumerate(self.labels):
            result[f"p_{name}"] = probabilities[:, column].round(4)
        if prediction.reading is not None:
            result["reading_valence"] = prediction.reading[:, 0].round(4)
            result["reading_arousal"] = prediction.reading[:, 1].round(4)
        return result

    # --- persistence ---------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write ``model.safetensors`` and ``model.json`` into ``folder``, all or nothing.

        Both files are written into a temporary folder beside ``folder``, which then takes its
        place; an existing model in ``folder`` is replaced. See :func:`check_destination`.
        """
        from safetensors.numpy import save_file

        folder = check_destination(folder)
        tensors = dict(self.weights)
        extra: dict[str, Any] = {}
        for number, head in enumerate(self.readings):
            tensors.update({f"reading.{number}.{k}": v for k, v in head.weights.items()})
            extra.setdefault("readings", []).append(head.to_json())
        fmt = FORMAT_READING if self.readings else FORMAT
        metadata = {
            **{k: v for k, v in self.metadata.items() if k != "readings"},
            **extra,
            "format": fmt,
            "version": self.version,
            "feature_names": list(self.feature_names),
            "labels": list(self.labels),
            "hidden_size": self.hidden_size,
            "scaler": {
                "kind": "min-max",
                "min": [float(v) for v in self.scale_min],
                "max": [float(v) for v in self.scale_max],
            },
        }
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            save_file(tensors, str(staging / WEIGHTS_FILE), metadata={"format": fmt})
            (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
            if folder.is_dir():
                old = folder.with_name(f"{staging.name}.old")
                os.replace(folder, old)
                os.replace(staging, folder)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> EmotionModel:
        """Load a model folder written by :meth:`save` (safetensors + JSON; no pickle)."""
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        folder = Path(folder)
        weights_path, metadata_path = folder / WEIGHTS_FILE, folder / METADATA_FILE
        for path in (weights_path, metadata_path):
            if not path.is_file():
                raise MoodtuneError(
                    f"{str(folder)!r} is not a moodtune model folder: {path.name} is missing"
                )
        try:
            metadata = json.loads(metadata_path.read_text())
            weights = load_file(str(weights_path))
        except (json.JSONDecodeError, SafetensorError, OSError) as error:
            raise MoodtuneError(f"cannot read the model in {str(folder)!r}: {error}") from None
        return cls.from_parts(weights, metadata, where=str(folder))

    @classmethod
    def from_parts(
        cls, weights: Mapping[str, np.ndarray], metadata: Mapping[str, Any], where: str = "model"
    ) -> EmotionModel:
        try:
            scaler = metadata["scaler"]
            if metadata.get("format", FORMAT) not in (FORMAT, FORMAT_READING):
                raise MoodtuneError(
                    f"{where}: unknown model format {metadata.get('format')!r}; this moodtune "
                    f"reads {FORMAT} and {FORMAT_READING}"
                )
            readings = tuple(
                ReadingHead.from_json(
                    info,
                    {
                        name: weights[f"reading.{number}.{name}"]
                        for name in TENSORS
                        if f"reading.{number}.{name}" in weights
                    },
                )
                for number, info in enumerate(metadata.get("readings") or [])
            )
            return cls(
                feature_names=tuple(metadata["feature_names"]),
                labels=tuple(metadata["labels"]),
                scale_min=np.asarray(scaler["min"]),
                scale_max=np.asarray(scaler["max"]),
                weights={k: v for k, v in weights.items() if k in TENSORS},
                metadata={
                    k: v
                    for k, v in metadata.items()
                    if k not in {"feature_names", "labels", "scaler", "format", "readings"}
                },
                readings=readings,
            )
        except (KeyError, TypeError) as error:
            raise MoodtuneError(f"{where}: model metadata lacks {error}") from None
        except ValueError as error:
            raise MoodtuneError(f"{where}: model metadata is inconsistent ({error})") from None

    @classmethod
    def default(cls) -> EmotionModel:
        """The model shipped with moodtune, trained on the seed data (see its metadata)."""
        return _default_model()


def check_destination(folder: str | Path) -> Path:
    """Check that a model can be written to ``folder``: a new folder in an existing one, or a
    folder that holds only a model (which will be replaced)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise MoodtuneError(f"{str(folder)!r} exists and is not a folder; name a model folder")
    if folder.is_dir():
        others = sorted(
            p.name for p in folder.iterdir() if p.name not in (WEIGHTS_FILE, METADATA_FILE)
        )
        if others:
            raise MoodtuneError(
                f"{str(folder)!r} holds other files ({', '.join(others[:3])}); name a new or "
                "empty folder, or one that holds only a model"
            )
    if not folder.parent.is_dir():
        raise MoodtuneError(f"the folder {str(folder.parent)!r} does not exist")
    return folder


def default_model_folder() -> Path:
    return Path(str(resources.files("moodtune.model") / "default"))


_DEFAULT: list[EmotionModel] = []


def _default_model() -> EmotionModel:
    if not _DEFAULT:
        _DEFAULT.append(EmotionModel.load(default_model_folder()))
    return _DEFAULT[0]


def load_model(folder: str | Path | None = None) -> EmotionModel:
    """The model in ``folder``, or the default model when ``folder`` is None."""
    return EmotionModel.default() if folder is None else EmotionModel.load(folder)
