"""Accuracy, macro-F1, per-class F1 and the confusion matrix of single-label predictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from moodtune.emotions import EMOTIONS

__all__ = ["Scores", "score"]


@dataclass
class Scores:
    """Scores over the seven emotions (every emotion counts in the macro-F1, even when absent).

    ``confusion``: (7, 7) int64, rows true, columns predicted, in :data:`EMOTIONS` order.
    """

    description: str
    accuracy: float
    macro_f1: float
    per_class_f1: dict[str, float]
    confusion: np.ndarray

    def summary(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "per_class_f1": {k: round(v, 4) for k, v in self.per_class_f1.items()},
            "confusion_matrix": self.confusion.tolist(),
        }


def score(truth: np.ndarray, predicted: np.ndarray, description: str = "") -> Scores:
    """Score predicted emotion names against true ones (both (n,) arrays of names)."""
    index = {name: i for i, name in enumerate(EMOTIONS)}
    k = len(EMOTIONS)
    confusion = np.zeros((k, k), dtype=np.int64)
    if len(truth):
        np.add.at(confusion, ([index[t] for t in truth], [index[p] for p in predicted]), 1)
    hits = np.diag(confusion).astype(np.float64)
    precision = hits / np.maximum(confusion.sum(axis=0), 1)
    recall = hits / np.maximum(confusion.sum(axis=1), 1)
    total = precision + recall
    f1 = np.where(total > 0, 2 * precision * recall / np.maximum(total, 1e-12), 0.0)
    return Scores(
        description,
        float(hits.sum() / max(len(truth), 1)),
        float(f1.mean()),
        {name: float(v) for name, v in zip(EMOTIONS, f1, strict=True)},
        confusion,
    )
