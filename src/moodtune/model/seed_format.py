"""The original project's model format: a PyTorch ``.pth`` state_dict of two ``nn.Linear``.

The original saved ``{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}`` with
``torch.save(model.state_dict())`` and kept its min-max scaler apart (fitted on its training
JSON), so importing needs the data the scaler was fitted on. Reading uses
``torch.load(weights_only=True)``, which refuses anything but tensors and plain containers.

The columns of ``fc1.weight`` are the model's inputs, so a state_dict means nothing without
their order. The original's files do not record it (its inputs were the seed JSON's columns,
:data:`~moodtune.data.features.SEED_FEATURES`); files written by :func:`export_pth` record it,
with the label order, in the state_dict's ``_metadata`` — the attribute ``state_dict()``
itself sets and ``load_state_dict`` reads, so the original code still loads them (strictly).
An import never guesses the order: it takes the recorded one, or the one the caller names.
"""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from moodtune.data.features import FEATURES, SEED_FEATURES
from moodtune.data.table import TrackTable
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import TENSORS, EmotionModel
from moodtune.model.training import require_torch

__all__ = ["FEATURES_KEY", "LABELS_KEY", "export_pth", "import_pth"]

#: Keys of ``state_dict._metadata[""]`` where an exported file records its input and output
#: order (lists of names).
FEATURES_KEY = "moodtune_feature_names"
LABELS_KEY = "moodtune_labels"


def import_pth(
    path: str | Path,
    scaler_data: TrackTable,
    *,
    feature_names: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
) -> EmotionModel:
    """Load a seed-style state_dict, with a min-max scaler fitted on ``scaler_data``.

    ``feature_names`` (the order of ``fc1.weight``'s d columns) and ``labels`` (the order of
    ``fc2.weight``'s k rows) default to the orders recorded in the file. A file that records
    no feature order needs ``feature_names``; one that records an order refuses a different
    one. Labels default to :data:`~moodtune.emotions.EMOTIONS`, the original's classes.
    """
    path = Path(path)
    state = _load_state(path)
    recorded = _recorded(state, path)
    names = _feature_order(path, state, recorded.get(FEATURES_KEY), feature_names)
    classes = _choose(path, "label order", recorded.get(LABELS_KEY), labels, "labels") or EMOTIONS
    weights = {name: state[name].detach().cpu().numpy().astype(np.float32) for name in TENSORS}
    for name, values in weights.items():
        if not np.isfinite(values).all():
            raise MoodtuneError(
                f"{str(path)!r}: {name} holds {int((~np.isfinite(values)).sum())} NaN or "
                "infinite weight(s); such a model predicts nothing meaningful"
            )
    x = scaler_data.matrix(names)
    return EmotionModel(
        feature_names=tuple(names),
        labels=tuple(classes),
        scale_min=x.min(axis=0),
        scale_max=x.max(axis=0),
        weights=weights,
        metadata={"imported_from": path.name, "scaler_fitted_on": scaler_data.source},
    )


def _load_state(path: Path) -> dict[str, Any]:
    """The state_dict in ``path``, read with ``weights_only=True`` and checked to hold the
    four real-valued tensors of two ``nn.Linear``."""
    torch = require_torch()
    if not path.is_file():
        raise MoodtuneError(f"{str(path)!r}: file not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises UnpicklingError, RuntimeError, EOFError, ...
        raise MoodtuneError(
            f"{str(path)!r} is not a plain PyTorch state_dict that loads with "
            f"weights_only=True ({type(error).__name__}: {_first_line(error)})"
        ) from None
    if not isinstance(state, dict) or any(name not in state for name in TENSORS):
        found = ", ".join(map(str, state)) if isinstance(state, dict) else type(state).__name__
        raise MoodtuneError(
            f"{str(path)!r} should hold {', '.join(TENSORS)} (two nn.Linear layers); "
            f"found {found[:200]}"
        )
    for name in TENSORS:
        if not isinstance(state[name], torch.Tensor) or state[name].is_complex():
            raise MoodtuneError(f"{str(path)!r}: {name} is not a real-valued tensor")
    return state


def _feature_order(
    path: Path,
    state: dict[str, Any],
    recorded: Sequence[str] | None,
    given: Sequence[str] | None,
) -> tuple[str, ...]:
    """The features of ``fc1.weight``'s columns: recorded or given (never guessed), known
    names, each once, as many as the layer has inputs."""
    names = _choose(path, "feature order", recorded, given, "--features")
    if names is None:
        raise MoodtuneError(
            f"{str(path)!r} does not record which feature each of its "
            f"{_columns(state)} inputs is, and a wrong guess gives wrong predictions without "
            "any error: name the order with --features (a model of the original project takes "
            f"the seed table's columns: --features {','.join(SEED_FEATURES)})"
        )
    unknown = [name for name in names if name not in FEATURES]
    if unknown or len(set(names)) != len(names):
        problem = f"unknown {', '.join(unknown)}" if unknown else "a name repeated"
        raise MoodtuneError(
            f"feature order {','.join(names)}: {problem}; choose from {', '.join(FEATURES)}"
        )
    if _columns(state) != len(names):
        raise MoodtuneError(
            f"{str(path)!r} takes {_columns(state)} inputs (fc1.weight has shape "
            f"{tuple(state['fc1.weight'].shape)}), but {len(names)} features were named"
        )
    return names


def export_pth(model: EmotionModel, path: str | Path) -> tuple[str, ...]:
    """Write the weights as a seed-style state_dict (the scaler is in the model's JSON).

    A model on the seed's seven features is written with its inputs in the seed table's
    column order, the order the original code feeds; any other model keeps its own order.
    Either way the file records the order (and the labels). Returns the order written.
    """
    torch = require_torch()
    path = Path(path)
    if not path.parent.is_dir():
        raise MoodtuneError(f"the folder {str(path.parent)!r} does not exist")
    names = model.feature_names
    weights = dict(model.weights)
    if sorted(names) == sorted(SEED_FEATURES):
        columns = [names.index(name) for name in SEED_FEATURES]
        weights["fc1.weight"] = weights["fc1.weight"][:, columns]
        names = SEED_FEATURES
    state: OrderedDict[str, Any] = OrderedDict(
        (name, torch.from_numpy(np.ascontiguousarray(weights[name]).copy())) for name in TENSORS
    )
    # What nn.Module.state_dict() records, plus the two orders (see the module docstring).
    state._metadata = OrderedDict(  # type: ignore[attr-defined]
        [
            ("", {"version": 1, FEATURES_KEY: _plain(names), LABELS_KEY: _plain(model.labels)}),
            ("fc1", {"version": 1}),
            ("fc2", {"version": 1}),
        ]
    )
    try:
        is_folder = path.is_dir()
    except OSError as error:  # e.g. a name longer than the file system allows
        raise MoodtuneError(f"cannot write {str(path)!r}: {error.strerror or error}") from None
    if is_folder:
        raise MoodtuneError(f"{str(path)!r} is a folder; name the .pth file to write")
    temporary = None
    try:  # written beside the destination and renamed: never a half-written file
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name[:100]}.", dir=path.parent)
        os.close(handle)
        torch.save(state, temporary)
        os.replace(temporary, path)
    except OSError as error:
        raise MoodtuneError(f"cannot write {str(path)!r}: {error.strerror or error}") from None
    except RuntimeError as error:  # torch's file writer reports I/O failures as RuntimeError
        raise MoodtuneError(f"cannot write {str(path)!r}: {_first_line(error)}") from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return tuple(names)


def _recorded(state: dict[str, Any], path: Path) -> dict[str, list[str]]:
    """The orders recorded by :func:`export_pth`, checked to be lists of names."""
    metadata = getattr(state, "_metadata", None)
    top = metadata.get("") if isinstance(metadata, dict) else None
    if not isinstance(top, dict):
        return {}
    found = {}
    for key in (FEATURES_KEY, LABELS_KEY):
        value = top.get(key)
        if value is None:
            continue
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise MoodtuneError(f"{str(path)!r}: its recorded {key} is not a list of names")
        found[key] = list(value)
    return found


def _choose(
    path: Path,
    what: str,
    recorded: Sequence[str] | None,
    given: Sequence[str] | None,
    option: str,
) -> tuple[str, ...] | None:
    if given is not None and recorded is not None and tuple(given) != tuple(recorded):
        raise MoodtuneError(
            f"{str(path)!r} records the {what} {','.join(recorded)}; the {what} given "
            f"({option} {','.join(given)}) differs: leave {option} out"
        )
    chosen = given if given is not None else recorded
    return None if chosen is None else tuple(chosen)


def _columns(state: dict[str, Any]) -> int:
    shape = tuple(state["fc1.weight"].shape)
    if len(shape) != 2:
        raise MoodtuneError(f"fc1.weight has shape {shape}; a nn.Linear weight is 2-D")
    return int(shape[1])


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


def _plain(names: Sequence[object]) -> list[str]:
    """Names as plain ``str`` (a numpy string would not load with ``weights_only=True``)."""
    return [str(name) for name in names]
