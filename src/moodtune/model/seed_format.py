"""The original project's model format: a PyTorch ``.pth`` state_dict of two ``nn.Linear``.

The original saved ``{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}`` with
``torch.save(model.state_dict())`` and kept its min-max scaler apart (fitted on its training
JSON), so importing needs the data the scaler was fitted on. Reading uses
``torch.load(weights_only=True)``, which refuses anything but tensors and plain containers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from moodtune.data.table import TrackTable
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import TENSORS, EmotionModel
from moodtune.model.training import require_torch


def import_pth(
    path: str | Path,
    scaler_data: TrackTable,
    *,
    feature_names: Sequence[str],
    labels: Sequence[str] = EMOTIONS,
) -> EmotionModel:
    """Load a seed-style state_dict, with a min-max scaler fitted on ``scaler_data``."""
    torch = require_torch()
    path = Path(path)
    if not path.is_file():
        raise MoodtuneError(f"{str(path)!r}: file not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises UnpicklingError, RuntimeError, EOFError, ...
        raise MoodtuneError(
            f"{str(path)!r} is not a plain PyTorch state_dict that loads with "
            f"weights_only=True ({type(error).__name__}: {str(error).splitlines()[0][:200]})"
        ) from None
    if not isinstance(state, dict) or any(name not in state for name in TENSORS):
        found = ", ".join(map(str, state)) if isinstance(state, dict) else type(state).__name__
        raise MoodtuneError(
            f"{str(path)!r} should hold {', '.join(TENSORS)} (two nn.Linear layers); found {found}"
        )
    weights = {name: state[name].detach().cpu().numpy().astype(np.float32) for name in TENSORS}
    x = scaler_data.matrix(feature_names)
    return EmotionModel(
        feature_names=tuple(feature_names),
        labels=tuple(labels),
        scale_min=x.min(axis=0),
        scale_max=x.max(axis=0),
        weights=weights,
        metadata={"imported_from": path.name, "scaler_fitted_on": scaler_data.source},
    )


def export_pth(model: EmotionModel, path: str | Path) -> Path:
    """Write the weights as a seed-style state_dict (the scaler is in the model's JSON)."""
    torch = require_torch()
    path = Path(path)
    if not path.parent.is_dir():
        raise MoodtuneError(f"the folder {str(path.parent)!r} does not exist")
    state = {name: torch.from_numpy(model.weights[name].copy()) for name in TENSORS}
    torch.save(state, path)
    return path
