"""The valence/arousal reading's pipelines: learn it from listeners' data with its provenance
(:func:`train_readings`, used by :func:`moodtune.model.pipeline.train_model`) and measure it
against listeners (:func:`evaluate_reading`). Both are importable from
:mod:`moodtune.model.pipeline` too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodtune.errors import InputError
from moodtune.model.artifact import EmotionModel, ReadingHead, load_model
from moodtune.model.folds import check_folds
from moodtune.model.provenance import data_hash, summary
from moodtune.model.reading_evaluation import READING_MODELS, ReadingReport
from moodtune.model.training import ReadingConfig
from moodtune.progress import Progress

if TYPE_CHECKING:
    from moodtune.model.listeners import ListenerTable

__all__ = ["evaluate_reading", "train_readings"]

log = logging.getLogger(__name__)


def train_readings(
    listeners: ListenerTable,
    names: Sequence[str],
    *,
    config: ReadingConfig | None = None,
    cv: bool = True,
    seed: int = 0,
    progress: Progress | None = None,
) -> list[ReadingHead]:
    """Train the valence/arousal readings on listeners' data.

    Parameters
    ----------
    listeners
        Tracks with listeners' valence/arousal (from
        :func:`~moodtune.model.listeners.read_listener_table`).
    names
        The classifier's features; the table must have them.
    config
        The readings' hyper-parameters (default: ``ReadingConfig(seed=seed)``).
    cv
        Also cross-validate the readings beside baselines (folds grouped by artist when the
        table has artists) and store the metrics in each head's metadata.
    seed
        The seed when no ``config`` is given.
    progress
        Told as the cross-validation folds finish.

    Returns
    -------
    list of ReadingHead
        One reading over all the table's features and, when those are more, one over
        ``names`` (richest first), each with its provenance in ``metadata``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from moodtune.model.listeners import read_listener_table
    >>> rows = [(f"t{i}", i / 40, (i * 7 % 40) / 40, 1 + 8 * i / 40, 9 - 8 * i / 40)
    ...         for i in range(40)]
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "listeners.csv"
    >>> pd.DataFrame(rows, columns=["id", "valence", "energy", "valence_tags",
    ...                             "arousal_tags"]).to_csv(path, index=False)
    >>> heads = train_readings(read_listener_table(path), ["valence", "energy"], cv=False,
    ...                        config=ReadingConfig(iterations=50))
    >>> [head.feature_names for head in heads], heads[0].predict([[0.5, 0.5]]).shape
    ([('energy', 'valence')], (1, 2))
    """
    from moodtune.model.reading_training import ReadingRegressor, companion_config

    table = listeners.table
    missing = [f for f in names if f not in table.feature_names]
    if missing:
        raise InputError(
            f"lacks the feature(s) {', '.join(missing)} the classifier reads (--reading-data)",
            path=Path(table.source).name,
        )
    config = (config or ReadingConfig(seed=seed)).validate()
    full = table.feature_names
    feature_sets = [full] if set(full) == set(names) else [full, tuple(names)]
    metadata: dict[str, object] = {
        "training_data": {
            "source": Path(table.source).name,
            "tracks": len(listeners),
            "targets": list(listeners.columns),
            "target_scale": listeners.scale,
            "sha256": data_hash(table.with_labels(["-"] * len(listeners)), full),
        }
    }
    if cv:
        metadata["cv"] = _reading_cv(listeners, names, config, len(feature_sets) > 1, progress)
    heads = []
    for features in feature_sets:
        log.info(
            "training the reading on %d tracks of %s, features %s",
            len(listeners),
            Path(table.source).name,
            ", ".join(features),
        )
        # the companion over the classifier's features reads them as they are (COMPANION_VIEWS)
        own = config if features == full else companion_config(config)
        regressor = ReadingRegressor(own, feature_names=features)
        regressor.fit(table.matrix(features), listeners.targets)
        heads.append(regressor.to_head(features, metadata))
    return heads


def _reading_cv(
    listeners: ListenerTable,
    names: Sequence[str],
    config: ReadingConfig,
    two_sets: bool,
    progress: Progress | None,
) -> dict[str, Any]:
    from moodtune.model.reading_evaluation import cross_validate_reading

    models = ("reading", "reading_7", "raw_features", "ridge") if two_sets else None
    result = cross_validate_reading(
        listeners,
        models=models or ("reading", "raw_features", "ridge"),
        model_features=tuple(names),
        group_by_artist=listeners.artists is not None,
        config=config,
        classifier=EmotionModel.default(),
        progress=progress,
    )
    keys = ("features", "valence_rho", "arousal_rho", "quadrant_accuracy")
    return summary(result.to_dict(), keys)


def evaluate_reading(
    listeners: ListenerTable,
    *,
    models: Sequence[str] | None = None,
    folds: int = 5,
    repeats: Sequence[int] = (0, 1, 2),
    group_by_artist: bool = False,
    model: EmotionModel | str | Path | None = None,
    progress: Progress | None = None,
) -> ReadingReport:
    """Score valence/arousal readings against listeners on the same repeated folds.

    Parameters
    ----------
    listeners
        Tracks with listeners' valence/arousal.
    models
        Names from :data:`moodtune.model.reading_evaluation.READING_MODELS` (default: all).
    folds, repeats
        Folds per repeat (2–20) and the shuffle seeds of the repeats.
    group_by_artist
        Keep each artist's tracks on one side of every split.
    model
        The 7-class model whose reading and implied valence/arousal are scored (a model, a
        folder, or None for the default model).
    progress
        Told as folds finish.

    Returns
    -------
    ReadingReport
        Spearman rho (valence, arousal) and quadrant accuracy per model and repeat; see
        :func:`moodtune.model.reading_evaluation.cross_validate_reading`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from moodtune.model.listeners import read_listener_table
    >>> rows = [(f"t{i}", i / 40, (i * 7 % 40) / 40, 1 + 8 * i / 40, 5.0 + (i % 3))
    ...         for i in range(40)]
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "listeners.csv"
    >>> pd.DataFrame(rows, columns=["id", "valence", "energy", "valence_tags",
    ...                             "arousal_tags"]).to_csv(path, index=False)
    >>> report = evaluate_reading(read_listener_table(path), models=["raw_features"],
    ...                           repeats=[0])
    >>> report.to_dict()["models"]["raw_features"]["valence_rho"]["mean"]
    1.0
    """
    from moodtune.model.reading_evaluation import cross_validate_reading

    check_folds(folds)
    emotion_model = model if isinstance(model, EmotionModel) else load_model(model)
    return cross_validate_reading(
        listeners,
        models=tuple(m.strip() for m in models) if models else tuple(READING_MODELS),
        folds=folds,
        repeats=tuple(repeats),
        group_by_artist=group_by_artist,
        classifier=emotion_model,
        progress=progress,
    )
