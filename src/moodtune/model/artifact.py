"""The model artifact: a min-max scaler and a one-hidden-layer MLP, run with plain numpy.

On disk a model is a folder with ``model.safetensors`` (the four weight tensors, float32) and
``model.json`` (feature order, scaler, label order, provenance, CV metrics). Loading reads
only those two formats: nothing is unpickled and torch is never imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moodtune.data.table import TrackTable
from moodtune.errors import MoodtuneError

WEIGHTS_FILE = "model.safetensors"
METADATA_FILE = "model.json"
FORMAT = "moodtune-mlp/1"
TENSORS = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")


@dataclass
class EmotionModel:
    """A trained classifier from audio features to emotion probabilities.

    Shapes: ``fc1.weight`` (hidden, d), ``fc1.bias`` (hidden,), ``fc2.weight`` (k, hidden),
    ``fc2.bias`` (k,), for d = ``len(feature_names)`` inputs and k = ``len(labels)`` classes.
    Inputs are raw feature values (tempo in BPM, loudness in dB, others 0–1), scaled with
    ``(x - scale_min) / (scale_max - scale_min)`` as fitted on the training data.
    """

    feature_names: tuple[str, ...]
    labels: tuple[str, ...]
    scale_min: np.ndarray
    scale_max: np.ndarray
    weights: dict[str, np.ndarray]
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.feature_names = tuple(self.feature_names)
        self.labels = tuple(self.labels)
        missing = [name for name in TENSORS if name not in self.weights]
        if missing:
            raise MoodtuneError(f"model weights lack {', '.join(missing)}")
        self.weights = {k: np.ascontiguousarray(self.weights[k], np.float32) for k in TENSORS}
        d, k = len(self.feature_names), len(self.labels)
        hidden = self.weights["fc1.weight"].shape[0]
        expected = {
            "fc1.weight": (hidden, d),
            "fc1.bias": (hidden,),
            "fc2.weight": (k, hidden),
            "fc2.bias": (k,),
        }
        for name, shape in expected.items():
            if self.weights[name].shape != shape:
                raise MoodtuneError(
                    f"model tensor {name} has shape {self.weights[name].shape}, expected {shape} "
                    f"for {d} features and {k} labels"
                )
        self.scale_min = np.asarray(self.scale_min, dtype=np.float32).reshape(d)
        self.scale_max = np.asarray(self.scale_max, dtype=np.float32).reshape(d)
        span = self.scale_max - self.scale_min
        span = np.where(span > 0, span, 1.0).astype(np.float32)
        # Fold the scaler into the first layer: W1 @ ((x - lo) / span) + b1 = W1' @ x + b1'.
        w1 = self.weights["fc1.weight"] / span
        self._w1t = np.ascontiguousarray(w1.T)
        self._b1 = self.weights["fc1.bias"] - w1 @ self.scale_min
        self._w2t = np.ascontiguousarray(self.weights["fc2.weight"].T)
        self._b2 = self.weights["fc2.bias"]

    # --- prediction ----------------------------------------------------------------------

    @property
    def hidden_size(self) -> int:
        return int(self.weights["fc1.weight"].shape[0])

    @property
    def version(self) -> str:
        """A short content hash of the weights and scaler: changes whenever the model does."""
        digest = hashlib.sha256()
        for name in TENSORS:
            digest.update(self.weights[name].tobytes())
        digest.update(self.scale_min.tobytes())
        digest.update(self.scale_max.tobytes())
        digest.update("|".join(self.feature_names + self.labels).encode())
        return digest.hexdigest()[:12]

    def predict_proba(self, features: np.ndarray, *, chunk: int = 65536) -> np.ndarray:
        """Class probabilities, shape (n, k), for raw features of shape (n, d)."""
        x = np.asarray(features, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != len(self.feature_names):
            raise MoodtuneError(
                f"expected features of shape (n, {len(self.feature_names)}) in the order "
                f"{', '.join(self.feature_names)}; got {x.shape}"
            )
        out = np.empty((x.shape[0], len(self.labels)), dtype=np.float32)
        for start in range(0, x.shape[0], chunk):
            hidden = x[start : start + chunk] @ self._w1t
            hidden += self._b1
            np.maximum(hidden, 0.0, out=hidden)
            logits = hidden @ self._w2t
            logits += self._b2
            logits -= logits.max(axis=1, keepdims=True)
            np.exp(logits, out=logits)
            logits /= logits.sum(axis=1, keepdims=True)
            out[start : start + chunk] = logits
        return out

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The most probable label for each row, shape (n,)."""
        return np.asarray(self.labels)[self.predict_proba(features).argmax(axis=1)]

    def predict_table(self, table: TrackTable) -> pd.DataFrame:
        """Identity columns, ``emotion`` (top label), ``confidence`` and one column per label."""
        probabilities = self.predict_proba(table.matrix(self.feature_names))
        result = table.identity().reset_index(drop=True).copy()
        top = probabilities.argmax(axis=1)
        result["emotion"] = np.asarray(self.labels)[top]
        result["confidence"] = probabilities[np.arange(len(top)), top].round(4)
        for column, name in enumerate(self.labels):
            result[f"p_{name}"] = probabilities[:, column].round(4)
        return result

    # --- persistence ---------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write ``model.safetensors`` and ``model.json`` into ``folder``, all or nothing.

        Both files are written into a temporary folder beside ``folder``, which then takes its
        place; an existing model in ``folder`` is replaced. See :func:`check_destination`.
        """
        from safetensors.numpy import save_file

        folder = check_destination(folder)
        metadata = {
            **self.metadata,
            "format": FORMAT,
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
            save_file(dict(self.weights), str(staging / WEIGHTS_FILE), metadata={"format": FORMAT})
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
            return cls(
                feature_names=tuple(metadata["feature_names"]),
                labels=tuple(metadata["labels"]),
                scale_min=np.asarray(scaler["min"]),
                scale_max=np.asarray(scaler["max"]),
                weights=dict(weights),
                metadata={
                    k: v
                    for k, v in metadata.items()
                    if k not in {"feature_names", "labels", "scaler", "format"}
                },
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
