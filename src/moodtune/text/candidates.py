"""The candidate words heads compared by :mod:`moodtune.text.train`: how each is fitted.

Every candidate takes sentence embeddings ``x`` (n, 384), multi-label targets (n, 7) in
EMOTIONS order and a seed, and returns a :class:`moodtune.text.head.TextHead` (numpy only at
prediction time). Fitting needs the ``train`` extra (scikit-learn, torch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from moodtune.emotions import EMOTIONS
from moodtune.errors import MissingExtraError
from moodtune.model.folds import import_sklearn
from moodtune.text.head import TextHead

__all__ = ["CANDIDATES", "Candidate", "fit_logistic", "fit_mlp", "fit_one_vs_rest"]


@dataclass(frozen=True)
class Candidate:
    """A way to fit a head: ``fit(x, targets, seed) -> TextHead`` on (n, 384) and (n, 7)."""

    name: str
    description: str
    fit: Callable[[np.ndarray, np.ndarray, int], TextHead]


def _balanced(counts: np.ndarray) -> np.ndarray:
    """Class weights n / (k · count), as scikit-learn's "balanced"."""
    counts = np.maximum(np.asarray(counts, np.float64), 1.0)
    return counts.sum() / (len(counts) * counts)


def _expand(
    x: np.ndarray, targets: np.ndarray, *, single_only: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per (text, emotion) with weight 1/k for a text with k emotions.

    ``single_only`` keeps only the texts with one emotion. Returns (x, label index, weight).
    """
    counts = targets.sum(axis=1)
    keep = counts == 1 if single_only else counts >= 1
    rows, columns = np.nonzero(targets * keep[:, None])
    return x[rows], columns, 1.0 / counts[rows]


def _fold_scaler(mean: np.ndarray, scale: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple:
    """W((x − mean)/scale) + b = W' x + b'."""
    w2 = w / scale
    return w2.astype(np.float32), (b - w2 @ mean).astype(np.float32)


def fit_logistic(
    x: np.ndarray,
    targets: np.ndarray,
    seed: int,
    *,
    c: float = 1.0,
    balanced: bool = False,
    single_only: bool = False,
) -> TextHead:
    """Multinomial logistic regression on standardised embeddings (scaler folded in)."""
    sk = import_sklearn()
    rows, labels, weights = _expand(x, targets, single_only=single_only)
    if balanced:
        counts = np.bincount(labels, weights=weights, minlength=len(EMOTIONS))
        weights = weights * _balanced(counts)[labels]
    scaler = sk.preprocessing.StandardScaler().fit(rows)
    model = sk.linear_model.LogisticRegression(C=c, max_iter=2000, random_state=seed)
    model.fit(scaler.transform(rows), labels, sample_weight=weights)
    w = np.zeros((len(EMOTIONS), x.shape[1]))
    b = np.zeros(len(EMOTIONS))
    w[model.classes_] = model.coef_
    b[model.classes_] = model.intercept_
    return TextHead([_fold_scaler(scaler.mean_, scaler.scale_, w, b)], "softmax")


def fit_one_vs_rest(
    x: np.ndarray, targets: np.ndarray, seed: int, *, c: float = 1.0, balanced: bool = False
) -> TextHead:
    """Seven binary logistic regressions on all rows (multi-label), sigmoid outputs."""
    sk = import_sklearn()
    scaler = sk.preprocessing.StandardScaler().fit(x)
    z = scaler.transform(x)
    w = np.zeros((len(EMOTIONS), x.shape[1]))
    b = np.zeros(len(EMOTIONS))
    for k in range(len(EMOTIONS)):
        model = sk.linear_model.LogisticRegression(
            C=c, max_iter=2000, random_state=seed, class_weight="balanced" if balanced else None
        )
        model.fit(z, targets[:, k].astype(int))
        w[k], b[k] = model.coef_[0], model.intercept_[0]
    return TextHead([_fold_scaler(scaler.mean_, scaler.scale_, w, b)], "sigmoid")


def fit_mlp(
    x: np.ndarray,
    targets: np.ndarray,
    seed: int,
    *,
    hidden: int = 256,
    epochs: int = 12,
    balanced: bool = False,
    dropout: float = 0.2,
) -> TextHead:
    """384-hidden-7 ReLU MLP (torch, AdamW lr 1e-3, weight decay 1e-2, batch 128, dropout)
    trained with cross-entropy on soft targets (a text with k emotions: 1/k each)."""
    try:
        import torch
    except ImportError:
        raise MissingExtraError("train", "torch") from None
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    keep = targets.sum(axis=1) >= 1
    inputs = torch.from_numpy(np.ascontiguousarray(x[keep], np.float32))
    soft = targets[keep] / targets[keep].sum(axis=1, keepdims=True)
    goal = torch.from_numpy(soft.astype(np.float32))
    class_weight = torch.from_numpy(
        _balanced(soft.sum(axis=0)).astype(np.float32)
        if balanced
        else np.ones(len(EMOTIONS), np.float32)
    )
    model = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], hidden),
        torch.nn.ReLU(),
        torch.nn.Dropout(dropout),
        torch.nn.Linear(hidden, len(EMOTIONS)),
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(inputs), generator=generator)
        for start in range(0, len(order), 128):
            batch = order[start : start + 128]
            log_p = torch.log_softmax(model(inputs[batch]), dim=1)
            loss = -(goal[batch] * log_p * class_weight).sum(dim=1).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    first, second = model[0], model[3]
    layers = [
        (first.weight.detach().numpy().copy(), first.bias.detach().numpy().copy()),
        (second.weight.detach().numpy().copy(), second.bias.detach().numpy().copy()),
    ]
    return TextHead(layers, "softmax")


#: The candidates compared on dev.csv, in order of simplicity (ties go to the earlier one).
CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "logistic-single",
        "multinomial logistic regression (C=1), single-label rows only",
        lambda x, t, s: fit_logistic(x, t, s, single_only=True),
    ),
    Candidate(
        "logistic-single-balanced",
        "same, class-balanced weights",
        lambda x, t, s: fit_logistic(x, t, s, single_only=True, balanced=True),
    ),
    Candidate(
        "logistic-soft",
        "multinomial logistic regression (C=1), all rows, a text with k emotions as k rows "
        "weighted 1/k",
        lambda x, t, s: fit_logistic(x, t, s),
    ),
    Candidate(
        "logistic-soft-balanced",
        "same, class-balanced weights",
        lambda x, t, s: fit_logistic(x, t, s, balanced=True),
    ),
    Candidate(
        "one-vs-rest",
        "7 binary logistic regressions (C=1), multi-label, sigmoid outputs normalised",
        lambda x, t, s: fit_one_vs_rest(x, t, s),
    ),
    Candidate(
        "one-vs-rest-balanced",
        "same, each binary problem class-balanced",
        lambda x, t, s: fit_one_vs_rest(x, t, s, balanced=True),
    ),
    Candidate(
        "mlp-soft",
        "MLP 384-256-7 (ReLU, dropout 0.2, AdamW, 12 epochs), soft multi-label targets",
        lambda x, t, s: fit_mlp(x, t, s),
    ),
    Candidate(
        "mlp-soft-balanced",
        "same, class-balanced loss",
        lambda x, t, s: fit_mlp(x, t, s, balanced=True),
    ),
)
