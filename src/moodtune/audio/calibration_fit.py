"""Fitting the audio calibration (:mod:`moodtune.audio.calibration`) on rated recordings,
and scoring it out of sample.

``moodtune evaluate-audio FOLDER --labels CSV --fit-calibration OUT.json`` runs
:func:`fit_calibration` on every matched file and :func:`cross_validate` to say how well a
calibration fitted this way does on files it was not fitted on: 5 folds, stratified by genre
and grouped by artist (one artist's clips never on both sides), repeated with shuffle seeds
0, 1 and 2 (the project's protocol); each fold's calibration is applied exactly as the
analysis applies it (through the model's reading head) and scored on the held-out files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from moodtune.audio.calibration import INPUTS, Calibration, Calibrator
from moodtune.audio.routes import RAW_PREFIX

if TYPE_CHECKING:
    from moodtune.model.artifact import EmotionModel

__all__ = ["ALPHA", "calibration_inputs", "cross_validate", "fit_calibration"]

#: Ridge penalty on the standardised inputs (fixed, not tuned on a score).
ALPHA = 10.0
SEEDS = (0, 1, 2)


def calibration_inputs(frame: pd.DataFrame) -> np.ndarray:
    """The calibration's inputs (n, 12) from analysis rows: VibeNet's raw estimates
    (``vibenet_<feature>`` columns, else the feature columns) and the measured values."""
    columns = []
    for name in INPUTS:
        raw = f"{RAW_PREFIX}{name}"
        columns.append(frame[raw if raw in frame.columns else name].to_numpy(float))
    return np.column_stack(columns)


def fit_calibration(
    inputs: np.ndarray, targets: np.ndarray, *, alpha: float = ALPHA, name: str = "emotify-3"
) -> Calibration:
    """Ridge regressions of the two targets (n, 2) on the standardised inputs (n, 12), folded
    into one linear score per axis over the raw inputs, scaled so that the scores of the
    fitting set have mean 0 and standard deviation 1.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(50, 12))
    >>> c = fit_calibration(x, np.column_stack([x[:, 6], x[:, 1]]))
    >>> z = c.scores(x)
    >>> bool(abs(z.mean()) < 1e-9), bool(np.allclose(z.std(axis=0), 1))
    (True, True)
    """
    x = np.asarray(inputs, dtype=np.float64)
    y = np.asarray(targets, dtype=np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std
    gram = z.T @ z + alpha * np.eye(z.shape[1])
    coefficients = np.linalg.solve(gram, z.T @ (y - y.mean(axis=0))).T  # (2, 12)
    weights = coefficients / std
    scores = x @ weights.T
    centre, spread = scores.mean(axis=0), scores.std(axis=0)
    spread[spread == 0] = 1.0
    return Calibration(name, INPUTS, weights / spread[:, None], -centre / spread)


def cross_validate(
    frame: pd.DataFrame,
    model: EmotionModel,
    *,
    alpha: float = ALPHA,
    seeds: tuple[int, ...] = SEEDS,
) -> tuple[dict[str, Any], np.ndarray]:
    """Out-of-fold readings of the calibrated route, scored per genre and seed.

    ``frame``: matched rows (analysis + ``target_valence``, ``target_arousal``, ``genre``,
    ``artist``). Returns the summary (mean and std over seeds of ρ and AUC per group and
    axis) and the out-of-fold readings (n, 2) of the first seed.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    from moodtune.audio.evaluation import Route, evaluate_frame

    inputs = calibration_inputs(frame)
    targets = frame[["target_valence", "target_arousal"]].to_numpy(float)
    head_features = _head_features(frame, model)
    strata = frame["genre"].fillna("").astype(str).to_numpy()
    groups = frame["artist"].fillna(frame["path"]).astype(str).to_numpy()
    runs, first = [], None
    for seed in seeds:
        folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
        reading = np.empty((len(frame), 2))
        for train, test in folds.split(inputs, strata, groups):
            calibration = fit_calibration(inputs[train], targets[train], alpha=alpha)
            calibrator = Calibrator(calibration, model)
            moved = calibrator.calibrate_matrix(inputs[test], head_features[test])
            reading[test] = calibrator.head.predict(moved.astype(np.float32))
        first = reading if first is None else first
        route = Route("cv", "", reading[:, 0], reading[:, 1])
        runs.append(evaluate_frame(frame, [route])["cv"])
    return _summarise(runs), first


def _head_features(frame: pd.DataFrame, model: EmotionModel) -> np.ndarray:
    from moodtune.audio.estimate import ESTIMATED_FEATURES

    head = Calibrator(model=model).head
    columns = []
    for name in head.feature_names:
        raw = f"{RAW_PREFIX}{name}"
        use = raw if name in ESTIMATED_FEATURES and raw in frame.columns else name
        columns.append(frame[use].to_numpy(float))
    return np.column_stack(columns)


def _summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for group, axes in runs[0].items():
        summary[group] = {}
        for axis in axes:
            entry = {}
            for metric in ("rho", "auc"):
                values = np.array([run[group][axis][metric] for run in runs])
                entry[metric] = round(float(values.mean()), 4)
                entry[f"{metric}_std"] = round(float(values.std()), 4)
            entry["n"] = axes[axis]["n"]
            summary[group][axis] = entry
    return summary
