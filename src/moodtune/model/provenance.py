"""What a trained model records about its making: the training data's hash, source, size
and class counts, and a summary of the cross-validation.

Examples
--------
>>> import pandas as pd
>>> from moodtune.data.readers import tidy
>>> table = tidy(pd.DataFrame({"id": ["a", "b"], "valence": [0.1, 0.9],
...                            "emotion": ["sadness", "happiness"]}), source="x/two.csv")
>>> provenance(table, ["valence"])["class_counts"]
{'happiness': 1, 'sadness': 1}
>>> len(data_hash(table, ["valence"]))
64
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from moodtune.data.table import TrackTable

__all__ = ["data_hash", "log_notes", "provenance", "summary"]

log = logging.getLogger(__name__)


def log_notes(table: TrackTable) -> None:
    """Log what the reader did to ``table`` (one INFO message per note)."""
    for note in table.notes:
        log.info("%s: %s", table.source, note)


def data_hash(table: TrackTable, names: Sequence[str]) -> str:
    """A sha256 (hex) of the feature values ``names`` (float64, row-major) and the labels."""
    digest = hashlib.sha256(table.matrix(names).tobytes())
    digest.update("\n".join(table.labels).encode())
    return digest.hexdigest()


def provenance(table: TrackTable, names: Sequence[str]) -> dict[str, object]:
    """Source (file name), number of tracks, :func:`data_hash` and class counts of a
    labelled ``table``."""
    counts = table.frame["label"].value_counts().sort_index()
    return {
        "source": Path(table.source).name,
        "tracks": len(table),
        "sha256": data_hash(table, names),
        "class_counts": {str(k): int(v) for k, v in counts.items()},
    }


def summary(report: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """A report's protocol and, per model, only the scores ``keys``."""
    return {
        "protocol": report["protocol"],
        "models": {name: {k: s[k] for k in keys} for name, s in report["models"].items()},
    }
