"""The small networks of a valence/arousal reading (the ``train`` extra): one fitted per view
of the features (:func:`fit_network`), then stacked into the one network a reading stores
(:func:`stack`), each output the mean of the networks that predict it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from moodtune.model.mlp import lbfgs, require_torch

__all__ = ["boosted_out_of_fold", "fit_network", "stack"]


def fit_network(
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int,
    hidden: int,
    l2: float,
    iterations: int,
    ignored: Sequence[int] = (),
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], int]:
    """One min-max scaled MLP d → ``hidden`` ReLU → k linear on inputs x (n, d) and targets
    y (n, k), full-batch L-BFGS on the mean squared error of the standardised targets plus
    ``l2`` / (2 n) · ‖weights‖².

    Returns its scaler's min and max, its four tensors (outputs on the targets' scale) and
    the L-BFGS iterations run. The columns ``ignored`` are read as 0 and their weights zeroed.
    """
    torch = require_torch()
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    mean, std = y.mean(axis=0), np.maximum(y.std(axis=0), 1e-6)
    scaled = np.ascontiguousarray((x - lo) / span, np.float32)
    scaled[:, list(ignored)] = 0.0
    xt = torch.from_numpy(scaled)
    yt = torch.from_numpy(np.ascontiguousarray((y - mean) / std, np.float32))
    torch.manual_seed(seed)
    net = torch.nn.Sequential()
    net.add_module("fc1", torch.nn.Linear(x.shape[1], hidden))
    net.add_module("relu", torch.nn.ReLU())
    net.add_module("fc2", torch.nn.Linear(hidden, y.shape[1]))
    optimiser = lbfgs(net.parameters(), iterations)
    penalty = l2 / (2 * len(x))
    weights = [p for name, p in net.named_parameters() if name.endswith("weight")]

    def closure() -> Any:
        optimiser.zero_grad()
        loss = ((net(xt) - yt) ** 2).mean() + penalty * sum((w * w).sum() for w in weights)
        loss.backward()
        return loss

    net.train()
    optimiser.step(closure)
    steps = int(optimiser.state[next(iter(net.parameters()))].get("n_iter", 0))
    state = {k: v.detach().numpy().astype(np.float64) for k, v in net.state_dict().items()}
    state["fc1.weight"][:, list(ignored)] = 0.0  # they only ever met zeros
    # Fold the target standardisation into the output layer: outputs on the targets' scale.
    std64, mean64 = std.astype(np.float64), mean.astype(np.float64)
    state["fc2.weight"] = state["fc2.weight"] * std64[:, None]
    state["fc2.bias"] = state["fc2.bias"] * std64 + mean64
    return lo, hi, state, steps


def stack(
    states: Sequence[dict[str, np.ndarray]], outputs: Sequence[Sequence[int]] | None = None
) -> dict[str, np.ndarray]:
    """One network d → h → 2 computing, for each output, the mean of the networks of
    ``states`` that predict it; each reads its own block of inputs (block-diagonal first
    layer). ``outputs[i]`` lists the outputs (0 valence, 1 arousal) of network i in the order
    of its rows of ``fc2`` (default: both)."""
    outputs = [tuple(o) for o in outputs] if outputs is not None else [(0, 1)] * len(states)
    counts = np.zeros(2)
    for served in outputs:
        counts[list(served)] += 1
    first = np.zeros(
        (
            sum(s["fc1.weight"].shape[0] for s in states),
            sum(s["fc1.weight"].shape[1] for s in states),
        )
    )
    second = np.zeros((2, first.shape[0]))
    bias = np.zeros(2)
    row = column = 0
    for state, served in zip(states, outputs, strict=True):
        h, d = state["fc1.weight"].shape
        first[row : row + h, column : column + d] = state["fc1.weight"]
        for k, axis in enumerate(served):
            second[axis, row : row + h] = state["fc2.weight"][k] / counts[axis]
            bias[axis] += state["fc2.bias"][k]
        row, column = row + h, column + d
    stacked = {
        "fc1.weight": first,
        "fc1.bias": np.concatenate([s["fc1.bias"] for s in states]),
        "fc2.weight": second,
        "fc2.bias": bias / counts,
    }
    return {k: np.asarray(v, dtype=np.float32) for k, v in stacked.items()}


def boosted_out_of_fold(x: np.ndarray, y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Out-of-fold predictions (n, 2) of histogram gradient boosting (200 trees, learning
    rate 0.05, one per axis) on features x (n, d) and targets y (n, 2): each row predicted
    by the boosters fitted on the other ``folds`` − 1 shuffled folds (``seed``)."""
    from moodtune.model.folds import import_sklearn

    sklearn = import_sklearn()
    splits = sklearn.model_selection.KFold(folds, shuffle=True, random_state=seed).split(x)
    predicted = np.zeros(y.shape, dtype=np.float64)
    for train, test in splits:
        for axis in range(y.shape[1]):
            booster = sklearn.ensemble.HistGradientBoostingRegressor(
                max_iter=200, learning_rate=0.05, random_state=seed
            ).fit(x[train], y[train, axis])
            predicted[test, axis] = booster.predict(x[test])
    return predicted
