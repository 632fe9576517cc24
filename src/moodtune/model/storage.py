"""A model folder on disk: ``model.safetensors`` (the weight tensors, float32) and
``model.json`` (feature order, scalers, labels, provenance, metrics). Only those two formats
are read: nothing is unpickled and torch is never imported.

:class:`~moodtune.model.artifact.EmotionModel` ``.save``, ``.load`` and ``.from_parts`` are
the public way in; the functions here do the work. They know a model only through
:class:`StoredModel` (what is written) and the class they are given (what is built), so this
module does not import the artifact that uses it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from moodtune.errors import MoodtuneError
from moodtune.model.network import TENSORS
from moodtune.model.reading_head import ReadingHead

__all__ = [
    "FORMAT",
    "FORMAT_READING",
    "METADATA_FILE",
    "WEIGHTS_FILE",
    "StoredModel",
    "check_destination",
    "load_folder",
    "model_from_parts",
    "save_model",
]

WEIGHTS_FILE = "model.safetensors"
METADATA_FILE = "model.json"
FORMAT = "moodtune-mlp/1"
#: The format of a model with a reading (a model without one is still written as /1).
FORMAT_READING = "moodtune-mlp/2"


class StoredModel(Protocol):
    """What :func:`save_model` writes of a model (an
    :class:`~moodtune.model.artifact.EmotionModel`)."""

    @property
    def metadata(self) -> Mapping[str, Any]: ...
    @property
    def version(self) -> str: ...
    @property
    def feature_names(self) -> Sequence[str]: ...
    @property
    def labels(self) -> Sequence[str]: ...
    @property
    def hidden_size(self) -> int: ...
    @property
    def scale_min(self) -> np.ndarray: ...
    @property
    def scale_max(self) -> np.ndarray: ...
    @property
    def weights(self) -> Mapping[str, np.ndarray]: ...
    @property
    def readings(self) -> Sequence[ReadingHead]: ...


#: The model class :func:`load_folder` and :func:`model_from_parts` build.
_Model = TypeVar("_Model")


def _metadata(model: StoredModel, fmt: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: v for k, v in model.metadata.items() if k != "readings"},
        **extra,
        "format": fmt,
        "version": model.version,
        "feature_names": list(model.feature_names),
        "labels": list(model.labels),
        "hidden_size": model.hidden_size,
        "scaler": {
            "kind": "min-max",
            "min": [float(v) for v in model.scale_min],
            "max": [float(v) for v in model.scale_max],
        },
    }


def save_model(model: StoredModel, folder: str | Path) -> Path:
    """Write ``model.safetensors`` and ``model.json`` into ``folder``, all or nothing.

    Both files are written into a temporary folder beside ``folder``, which then takes its
    place; an existing model in ``folder`` is replaced. See :func:`check_destination`.
    """
    from safetensors.numpy import save_file

    folder = check_destination(folder)
    tensors = dict(model.weights)
    extra: dict[str, Any] = {}
    for number, head in enumerate(model.readings):
        tensors.update({f"reading.{number}.{k}": v for k, v in head.weights.items()})
        extra.setdefault("readings", []).append(head.to_json())
    fmt = FORMAT_READING if model.readings else FORMAT
    metadata = _metadata(model, fmt, extra)
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


def load_folder(cls: Callable[..., _Model], folder: str | Path) -> _Model:
    """Load a model folder written by :func:`save_model` (safetensors + JSON; no pickle)."""
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
    return model_from_parts(cls, weights, metadata, where=str(folder))


def _readings(
    weights: Mapping[str, np.ndarray], metadata: Mapping[str, Any]
) -> tuple[ReadingHead, ...]:
    return tuple(
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


def model_from_parts(
    cls: Callable[..., _Model],
    weights: Mapping[str, np.ndarray],
    metadata: Mapping[str, Any],
    where: str = "model",
) -> _Model:
    """A model of class ``cls`` from its tensors and its ``model.json`` content; ``where``
    names it in errors."""
    try:
        scaler = metadata["scaler"]
        if metadata.get("format", FORMAT) not in (FORMAT, FORMAT_READING):
            raise MoodtuneError(
                f"{where}: unknown model format {metadata.get('format')!r}; this moodtune "
                f"reads {FORMAT} and {FORMAT_READING}"
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
            readings=_readings(weights, metadata),
        )
    except (KeyError, TypeError) as error:
        raise MoodtuneError(f"{where}: model metadata lacks {error}") from None
    except ValueError as error:
        raise MoodtuneError(f"{where}: model metadata is inconsistent ({error})") from None


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
