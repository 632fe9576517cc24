"""Training the valence/arousal reading (a companion regressor learned from listeners) and
combining it with the classifier's probabilities (the ``train`` extra)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from moodtune.errors import MoodtuneError
from moodtune.model.artifact import Combination, ReadingHead
from moodtune.model.mlp import MLPClassifier, TrainConfig, require_torch, single_threaded

__all__ = [
    "KAPPA",
    "MARGIN",
    "TAU",
    "CombinedClassifier",
    "ReadingConfig",
    "ReadingRegressor",
    "fit_combination",
]


@dataclass(frozen=True)
class ReadingConfig:
    """Hyper-parameters of the valence/arousal reading (a companion MLP regressor).

    The same architecture as the classifier (min-max scaled inputs, ``hidden_size`` ReLU
    units) with two linear outputs, trained full-batch with L-BFGS on the mean squared error
    of the standardised targets plus ``l2`` / (2 n) · ‖weights‖². ``l2`` = 10 was chosen by
    artist-grouped 5-fold CV on MuSe with shuffle seeds 10, 11, 12 (docs/model.md).
    """

    hidden_size: int = 64
    l2: float = 10.0
    iterations: int = 1000
    seed: int = 0

    def validate(self) -> ReadingConfig:
        if self.hidden_size < 1 or self.iterations < 1 or self.l2 < 0:
            raise MoodtuneError(f"invalid reading parameters {self}")
        return self


class ReadingRegressor:
    """Min-max scaler + one-hidden-layer ReLU MLP with 2 linear outputs (valence, arousal).

    ``fit(X, Y)`` takes raw features X of shape (n, d) and listeners' valence/arousal Y of
    shape (n, 2) on the −1..1 scale; ``predict(X)`` returns shape (n, 2), clipped to −1..1.
    The scaler and the target standardisation are fitted on the training rows only; the same
    data, config and seed give identical weights (single-threaded).
    """

    def __init__(self, config: ReadingConfig | None = None):
        self.config = (config or ReadingConfig()).validate()

    def fit(self, features: np.ndarray, targets: np.ndarray) -> ReadingRegressor:
        """Fit on X (n, d) raw features and Y (n, 2) targets, single-threaded."""
        with single_threaded():
            return self._fit(features, targets)

    def _fit(self, features: np.ndarray, targets: np.ndarray) -> ReadingRegressor:
        torch = require_torch()
        x = np.asarray(features, dtype=np.float32)
        y = np.asarray(targets, dtype=np.float32)
        if x.ndim != 2 or y.shape != (len(x), 2) or len(x) < 2:
            raise MoodtuneError(f"expected X (n, d) and Y (n, 2); got {x.shape} and {y.shape}")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise MoodtuneError("reading training data must be finite")
        config = self.config
        self.scale_min_, self.scale_max_ = x.min(axis=0), x.max(axis=0)
        span = np.where(self.scale_max_ > self.scale_min_, self.scale_max_ - self.scale_min_, 1.0)
        self.target_mean_ = y.mean(axis=0)
        self.target_std_ = np.maximum(y.std(axis=0), 1e-6)
        xt = torch.from_numpy(np.ascontiguousarray((x - self.scale_min_) / span, np.float32))
        yt = torch.from_numpy(
            np.ascontiguousarray((y - self.target_mean_) / self.target_std_, np.float32)
        )
        torch.manual_seed(config.seed)
        net = torch.nn.Sequential()
        net.add_module("fc1", torch.nn.Linear(x.shape[1], config.hidden_size))
        net.add_module("relu", torch.nn.ReLU())
        net.add_module("fc2", torch.nn.Linear(config.hidden_size, 2))
        optimiser = torch.optim.LBFGS(
            net.parameters(),
            lr=1.0,
            max_iter=config.iterations,
            history_size=20,
            line_search_fn="strong_wolfe",
            tolerance_grad=1e-6,
            tolerance_change=1e-9,
        )
        penalty = config.l2 / (2 * len(x))
        weights = [p for name, p in net.named_parameters() if name.endswith("weight")]

        def closure() -> Any:
            optimiser.zero_grad()
            loss = ((net(xt) - yt) ** 2).mean() + penalty * sum((w * w).sum() for w in weights)
            loss.backward()
            return loss

        net.train()
        optimiser.step(closure)
        self.steps_ = int(optimiser.state[next(iter(net.parameters()))].get("n_iter", 0))
        state = {k: v.detach().numpy().astype(np.float64) for k, v in net.state_dict().items()}
        # Fold the target standardisation into the output layer: outputs are on the −1..1 scale.
        std, mean = self.target_std_.astype(np.float64), self.target_mean_.astype(np.float64)
        state["fc2.weight"] = state["fc2.weight"] * std[:, None]
        state["fc2.bias"] = state["fc2.bias"] * std + mean
        self.state_ = {k: v.astype(np.float32) for k, v in state.items()}
        fitted = self.to_head(tuple(f"x{i}" for i in range(x.shape[1]))).predict(x)
        self.reference_ = (fitted.mean(axis=0), fitted.std(axis=0))
        return self

    def to_head(
        self, feature_names: Sequence[str], metadata: dict[str, Any] | None = None
    ) -> ReadingHead:
        """The fitted regressor as a torch-free :class:`ReadingHead` over ``feature_names``."""
        if not hasattr(self, "state_"):
            raise MoodtuneError("the reading regressor is not fitted yet: call fit first")
        return ReadingHead(
            feature_names=tuple(feature_names),
            scale_min=self.scale_min_,
            scale_max=self.scale_max_,
            weights=dict(self.state_),
            metadata={
                "training": {**asdict(self.config), "iterations_run": self.steps_},
                **(
                    {
                        "reference": {
                            "mean": [float(v) for v in self.reference_[0]],
                            "std": [float(v) for v in self.reference_[1]],
                        }
                    }
                    if hasattr(self, "reference_")
                    else {}
                ),
                **(metadata or {}),
            },
        )

    def predict(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features)
        return self.to_head(tuple(f"x{i}" for i in range(x.shape[1]))).predict(x)


#: Combination defaults, chosen by stratified 5-fold CV on the seed data with shuffle seeds
#: 10, 11, 12 (docs/model.md): tilt strength κ and guard threshold τ (in standard deviations).
KAPPA = 0.5
TAU = 2.0
MARGIN = 0.3


def fit_combination(
    head: ReadingHead,
    features: np.ndarray,
    labels: Sequence[str],
    classes: Sequence[str],
    *,
    kappa: float = KAPPA,
    tau: float = TAU,
    margin: float = MARGIN,
) -> Combination:
    """The :class:`Combination` of ``head`` with a classifier trained on ``labels`` (n,).

    ``features`` (n, d) are the reading's inputs for those tracks. The reading is
    standardised by its mean and spread on the tracks it was trained on, and each class's
    prototype is the mean standardised reading of its training tracks (``classes`` gives
    their order)."""
    reference = head.metadata.get("reference")
    if reference is None:
        raise MoodtuneError("the reading has no reference mean and spread; retrain it")
    center = (float(reference["mean"][0]), float(reference["mean"][1]))
    spread = tuple(max(float(v), 1e-6) for v in reference["std"])
    z = (head.predict(features) - np.asarray(center)) / np.asarray(spread)
    y = np.asarray(labels, dtype=str)
    prototypes: dict[str, tuple[float, float]] = {}
    residuals = []
    for name in classes:
        rows = z[y == name]
        if len(rows) == 0:
            raise MoodtuneError(f"no training track of class {str(name)!r} for its prototype")
        mean = rows.mean(axis=0)
        prototypes[str(name)] = (float(mean[0]), float(mean[1]))
        residuals.append(rows - mean)
    variance = np.maximum(np.concatenate(residuals).var(axis=0), 1e-6)
    return Combination(
        center=center,
        spread=(spread[0], spread[1]),
        prototypes=prototypes,
        variance=(float(variance[0]), float(variance[1])),
        kappa=kappa,
        tau=tau,
        margin=margin,
    )


class CombinedClassifier:
    """The MLP classifier combined with a fixed reading (trained elsewhere, e.g. on MuSe).

    ``fit`` trains the classifier on all ``features`` and the combination's prototypes on the
    same rows; the reading reads the columns ``reading_columns`` of ``features`` (default:
    all of them, in order).
    """

    def __init__(
        self,
        config: TrainConfig,
        head: ReadingHead,
        *,
        reading_columns: Sequence[int] | None = None,
        kappa: float = KAPPA,
        tau: float = TAU,
    ):
        self.config, self.head, self.kappa, self.tau = config, head, kappa, tau
        self.columns = list(reading_columns) if reading_columns is not None else None

    def _reading_input(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features)
        return x if self.columns is None else x[:, self.columns]

    def fit(self, features: np.ndarray, labels: Sequence[str]) -> CombinedClassifier:
        self.classifier_ = MLPClassifier(self.config).fit(features, labels)
        self.labels = self.classifier_.labels or ()
        self.combination_ = fit_combination(
            self.head,
            self._reading_input(features),
            labels,
            self.labels,
            kappa=self.kappa,
            tau=self.tau,
        )
        return self

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        probabilities = self.classifier_.predict_proba(features)
        reading = self.head.predict(self._reading_input(features))
        return self.combination_.apply(probabilities, reading, tuple(self.labels))

    def predict(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(self.labels)[self.predict_proba(features).argmax(axis=1)]
