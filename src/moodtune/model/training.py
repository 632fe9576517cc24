"""Training with PyTorch (the ``train`` extra): the emotion classifier
(:mod:`moodtune.model.mlp`) and the valence/arousal reading with its combination
(:mod:`moodtune.model.reading_training`), importable from here.

:class:`MLPClassifier` is a small scikit-learn-style estimator: ``fit(X, y)`` on raw feature
values of shape (n, d) and string labels of shape (n,), then ``predict_proba`` / ``predict``,
and ``to_model`` for the torch-free :class:`~moodtune.model.artifact.EmotionModel`.
"""

from __future__ import annotations

from moodtune.model.mlp import (
    LBFGS_ROUND,
    SEED_RECIPE,
    MLPClassifier,
    TrainConfig,
    require_torch,
)
from moodtune.model.reading_training import (
    KAPPA,
    MARGIN,
    TAU,
    CombinedClassifier,
    ReadingConfig,
    ReadingRegressor,
    fit_combination,
)

__all__ = [
    "KAPPA",
    "LBFGS_ROUND",
    "MARGIN",
    "SEED_RECIPE",
    "TAU",
    "CombinedClassifier",
    "MLPClassifier",
    "ReadingConfig",
    "ReadingRegressor",
    "TrainConfig",
    "fit_combination",
    "require_torch",
]
