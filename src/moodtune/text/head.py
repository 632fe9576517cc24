"""The trained words head: sentence embedding (384) → 7 emotion probabilities, in numpy.

On disk a head is a folder with ``head.safetensors`` (dense layers ``layers.<i>.weight``
(out, in) and ``layers.<i>.bias`` (out,), float32; ReLU between layers) and ``head.json``
(format, labels, output kind, provenance, the embedding model's sha256, validation metrics).
Loading reads only those two formats (nothing is unpickled) and prediction needs numpy only:
neither torch nor scikit-learn is imported.

Output kinds: ``softmax`` (one emotion per text: probabilities of the last layer's softmax) and
``sigmoid`` (one-vs-rest, as trained on multi-label rows: each emotion's sigmoid, divided by
their sum so that the seven values are a distribution).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError

__all__ = [
    "FORMAT",
    "METADATA_FILE",
    "OUTPUTS",
    "WEIGHTS_FILE",
    "HeadError",
    "TextHead",
    "check_embedding_model",
]

WEIGHTS_FILE = "head.safetensors"
METADATA_FILE = "head.json"
FORMAT = "moodtune-text-head/1"
OUTPUTS = ("softmax", "sigmoid")


class HeadError(MoodtuneError):
    """A words head that cannot be read or does not fit the embedding model."""


@dataclass
class TextHead:
    """Dense layers on unit-length sentence embeddings.

    ``layers``: list of (weight (out, in), bias (out,)) float32 pairs, the first taking
    ``dimension`` inputs and the last giving ``len(labels)`` outputs; ``output``: "softmax" or
    "sigmoid"; ``metadata``: provenance and metrics (written to ``head.json``).
    """

    layers: list[tuple[np.ndarray, np.ndarray]]
    output: str = "softmax"
    labels: tuple[str, ...] = EMOTIONS
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.output not in OUTPUTS:
            raise HeadError(f"head output {self.output!r}; expected one of {', '.join(OUTPUTS)}")
        if tuple(self.labels) != EMOTIONS:
            raise HeadError(f"head labels {list(self.labels)}; expected {list(EMOTIONS)}")
        if not self.layers:
            raise HeadError("the head has no layers")
        layers = []
        width = None
        for i, (weight, bias) in enumerate(self.layers):
            w = np.ascontiguousarray(weight, np.float32)
            b = np.ascontiguousarray(bias, np.float32)
            if w.ndim != 2 or b.shape != (w.shape[0],) or (width and w.shape[1] != width):
                raise HeadError(
                    f"head layer {i} has weight {w.shape} and bias {b.shape}, which do not chain"
                )
            if not (np.isfinite(w).all() and np.isfinite(b).all()):
                raise HeadError(f"head layer {i} holds non-finite numbers")
            width = w.shape[0]
            layers.append((w, b))
        if width != len(EMOTIONS):
            raise HeadError(f"the head gives {width} outputs; expected {len(EMOTIONS)}")
        self.layers = layers
        self._transposed = [(np.ascontiguousarray(w.T), b) for w, b in layers]

    @property
    def dimension(self) -> int:
        """Number of inputs (the embedding size)."""
        return int(self.layers[0][0].shape[1])

    def logits(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, 7) float32 scores before the output function, for (n, dimension) inputs."""
        x = np.asarray(embeddings, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.dimension:
            raise HeadError(f"expected embeddings of shape (n, {self.dimension}), got {x.shape}")
        last = len(self._transposed) - 1
        for i, (wt, b) in enumerate(self._transposed):
            x = x @ wt + b
            if i < last:
                np.maximum(x, 0, out=x)
        return x

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, 7) float64 probabilities (rows sum to 1) in :data:`EMOTIONS` order."""
        z = self.logits(embeddings).astype(np.float64)
        if self.output == "softmax":
            z -= z.max(axis=1, keepdims=True)
            weights = np.exp(z)
        else:
            weights = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
        return weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)

    # -- files ----------------------------------------------------------------------------

    def tensors(self) -> dict[str, np.ndarray]:
        result = {}
        for i, (w, b) in enumerate(self.layers):
            result[f"layers.{i}.weight"] = w
            result[f"layers.{i}.bias"] = b
        return result

    def save(self, folder: str | Path) -> Path:
        """Write ``head.safetensors`` and ``head.json`` into ``folder``, all or nothing."""
        from safetensors.numpy import save_file

        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            save_file(self.tensors(), str(staging / WEIGHTS_FILE))
            document = {
                "format": FORMAT,
                "labels": list(self.labels),
                "output": self.output,
                "layers": [list(w.shape) for w, _ in self.layers],
                **self.metadata,
            }
            (staging / METADATA_FILE).write_text(json.dumps(document, indent=2) + "\n")
            folder.mkdir(exist_ok=True)
            for name in (WEIGHTS_FILE, METADATA_FILE):
                os.replace(staging / name, folder / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder

    @classmethod
    def load(cls, folder: str | Path | None = None) -> TextHead:
        """Load a head folder (default: the one shipped in the package); no pickle."""
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        if folder is None:
            with resources.as_file(resources.files("moodtune.text") / "head") as shipped:
                return cls.load(shipped)
        folder = Path(folder)
        try:
            document = json.loads((folder / METADATA_FILE).read_text())
            tensors = load_file(str(folder / WEIGHTS_FILE))
        except FileNotFoundError as error:
            raise HeadError(
                f"{folder} is not a words head folder: no {Path(error.filename).name}"
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError, SafetensorError, OSError) as error:
            raise HeadError(f"{folder}: cannot read the words head ({error})") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise HeadError(f"{folder / METADATA_FILE}: not a {FORMAT} file")
        count = len(document.get("layers", []))
        try:
            layers = [
                (tensors[f"layers.{i}.weight"], tensors[f"layers.{i}.bias"]) for i in range(count)
            ]
        except KeyError as error:
            raise HeadError(f"{folder / WEIGHTS_FILE} lacks the tensor {error}") from None
        metadata = {
            k: v for k, v in document.items() if k not in ("format", "labels", "output", "layers")
        }
        return cls(layers, document.get("output", ""), tuple(document.get("labels", ())), metadata)


def check_embedding_model(head: TextHead, sha256: str) -> None:
    """Refuse a head trained on the embeddings of another model than ``sha256``."""
    recorded = head.metadata.get("embedding_model", {}).get("sha256")
    if recorded != sha256:
        raise HeadError(
            f"the words head was trained on embeddings of model sha256 {recorded}, but the "
            f"embedding model in use is {sha256}: retrain it (moodtune train-text)"
        )
