"""The training and evaluation pipelines: what ``moodtune train`` and ``moodtune evaluate`` do,
for a Python user.

:func:`train_model` gives the same artifact as the command line: the classifier, the
valence/arousal readings when listeners' data is given, and the provenance recorded in the
model's metadata (a sha256 of the training data, the class counts, the cross-validated
metrics). :func:`evaluate_model` and :func:`evaluate_reading` cross-validate on the same
repeated folds as ``moodtune evaluate``.

Long work reports how far it got through a ``progress`` callable
(:class:`moodtune.progress.Progress`); notes meant for people go to the ``moodtune`` logger.
Nothing here prints.

Examples
--------
>>> import pandas as pd
>>> from moodtune.data.readers import tidy
>>> rows = [(f"t{i}", (i % 10) / 10, ((i * 7) % 10) / 10) for i in range(40)]
>>> frame = pd.DataFrame(rows, columns=["id", "valence", "energy"])
>>> frame["emotion"] = ["happiness" if v > 0.45 else "sadness" for v in frame["valence"]]
>>> table = tidy(frame, source="tiny.csv")
>>> trained = train_model(table, config=TrainConfig(epochs=30), cv=False)
>>> trained.model.labels
('happiness', 'sadness')
>>> trained.model.metadata["training_data"]["class_counts"]
{'happiness': 20, 'sadness': 20}
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from moodtune.data.features import FEATURES
from moodtune.data.table import TrackTable
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel, ReadingHead, load_model
from moodtune.model.evaluation import EvaluationReport, cross_validate
from moodtune.model.folds import check_folds
from moodtune.model.provenance import data_hash, log_notes, provenance, summary
from moodtune.model.reading_pipeline import evaluate_reading, train_readings
from moodtune.model.training import ReadingConfig, TrainConfig
from moodtune.progress import Progress

if TYPE_CHECKING:
    from moodtune.model.listeners import ListenerTable

__all__ = [
    "DEFAULT_MODELS",
    "TrainedModel",
    "choose_features",
    "data_hash",
    "evaluate_model",
    "evaluate_reading",
    "log_notes",
    "read_labelled",
    "train_model",
    "train_readings",
]

log = logging.getLogger(__name__)

#: The classifiers ``evaluate_model`` compares when none are named.
DEFAULT_MODELS: tuple[str, ...] = (
    "seed_recipe",
    "mlp",
    "mlp_reading",
    "logistic_regression",
    "random_forest",
    "rule",
)


def read_labelled(
    path: str | Path,
    labels: str | Path | None = None,
    *,
    skip_invalid: bool = False,
    id_column: str | None = None,
    on_conflict: str = "error",
) -> TrackTable:
    """Read a labelled track table (or a seed-format JSON with a ``labels`` CSV).

    Parameters
    ----------
    path
        A track table (CSV, TSV, Parquet, JSON), or a seed-format JSON with ``labels``.
    labels
        For the seed format: a CSV of ``title,emotion`` in file order.
    skip_invalid, id_column, on_conflict
        As for :func:`moodtune.data.readers.read_tracks`.

    Returns
    -------
    TrackTable
        With a label column; the reader's notes (rescaled columns, merged repeats, skipped
        rows) are also logged. A table without labels is an error.

    Examples
    --------
    >>> seed = read_labelled("tests/data/seed/audio_feature_scale.json",
    ...                      "tests/data/seed/labels_by_position.csv")
    >>> len(seed), sorted(set(seed.labels.tolist()))[:2]
    (342, ['anger', 'disgust'])
    """
    from moodtune.data.readers import read_seed, read_tracks

    if labels is not None:
        table = read_seed(path, labels, skip_invalid=skip_invalid)
    else:
        table = read_tracks(
            path, skip_invalid=skip_invalid, id_column=id_column, on_conflict=on_conflict
        )
    log_notes(table)
    _ = table.labels  # a clear error when the table has no label column
    return table


def choose_features(table: TrackTable, features: str | Sequence[str] | None) -> tuple[str, ...]:
    """The features to use: all the table has when ``features`` is empty, else those named
    (a comma-separated string or a sequence), each checked against the known features.

    Examples
    --------
    >>> import pandas as pd
    >>> from moodtune.data.readers import tidy
    >>> table = tidy(pd.DataFrame({"id": ["a"], "valence": [0.2], "energy": [0.4]}), source="t")
    >>> choose_features(table, None), choose_features(table, "valence, energy")
    (('energy', 'valence'), ('valence', 'energy'))
    """
    if not features:
        return table.feature_names
    given = features.split(",") if isinstance(features, str) else features
    names = tuple(name.strip() for name in given if name.strip())
    unknown = [name for name in names if name not in FEATURES]
    if unknown:
        raise MoodtuneError(
            f"unknown feature(s) {', '.join(unknown)} (--features); choose from "
            f"{', '.join(FEATURES)}"
        )
    return names


@dataclass
class TrainedModel:
    """What :func:`train_model` gives: the ``model`` (ready to ``save``), how long the
    classifier trained (``steps`` in ``step_unit``: iterations for L-BFGS, epochs for Adam)
    and the cross-validation report when one was made (also summarised in the metadata)."""

    model: EmotionModel
    steps: int
    step_unit: str
    report: EvaluationReport | None = None


def train_model(
    table: TrackTable,
    *,
    features: str | Sequence[str] | None = None,
    config: TrainConfig | None = None,
    cv: bool = True,
    group_by_artist: bool = False,
    listeners: ListenerTable | None = None,
    reading_config: ReadingConfig | None = None,
    command: str | None = None,
    progress: Progress | None = None,
) -> TrainedModel:
    """Train the emotion classifier on a labelled ``table``, with its provenance.

    Parameters
    ----------
    table
        Labelled tracks (e.g. from :func:`read_labelled`).
    features
        The features to train on (default: all the table has).
    config
        The classifier's hyper-parameters (default: :class:`TrainConfig`'s).
    cv
        Also cross-validate (``mlp``, ``seed_recipe``, ``logistic_regression`` and, with
        readings, ``mlp_reading``) and store the metrics in the metadata.
    group_by_artist
        Keep each artist's tracks on one side of every CV split.
    listeners
        Listeners' valence/arousal (:class:`~moodtune.model.listeners.ListenerTable`): also
        learn the readings from them (:func:`train_readings`) and combine them with the
        classifier.
    reading_config
        The readings' hyper-parameters (default: :class:`ReadingConfig`'s).
    command
        What to record as the command that made the model.
    progress
        Told as the cross-validation folds finish.

    Returns
    -------
    TrainedModel
        The model with metadata ``command``, ``training_data`` (source, tracks, sha256,
        class_counts), ``moodtune_version`` and, with ``cv``, ``cv``.

    Examples
    --------
    >>> from moodtune.data.readers import read_seed
    >>> seed = read_seed("tests/data/seed/audio_feature_scale.json",
    ...                  "tests/data/seed/labels_by_position.csv")
    >>> trained = train_model(seed, config=TrainConfig(epochs=20), cv=False)
    >>> trained.model.metadata["training_data"]["tracks"], trained.step_unit
    (342, 'iterations')
    """
    from moodtune import __version__
    from moodtune.model.training import MLPClassifier

    names = choose_features(table, features)
    config = (config or TrainConfig()).validate()
    heads = None
    if listeners is not None:
        heads = train_readings(
            listeners, names, config=reading_config, cv=cv, progress=progress, seed=config.seed
        )
    metadata: dict[str, object] = {
        "command": command or "moodtune.model.pipeline.train_model",
        "training_data": provenance(table, names),
        "moodtune_version": __version__,
    }
    report = None
    if cv:
        report = _classifier_cv(table, names, config, group_by_artist, heads, progress)
        metadata["cv"] = summary(report.to_dict(), ("accuracy", "macro_f1"))
    log.info("training on %d tracks, features %s", len(table), ", ".join(names))
    classifier = MLPClassifier(config).fit(table.matrix(names), table.labels)
    model = classifier.to_model(names, metadata)
    if heads:
        model.readings = tuple(_combined_heads(heads, table, names, model.labels))
    unit = "iterations" if config.optimizer == "lbfgs" else "epochs"
    return TrainedModel(model, int(classifier.steps_), unit, report)


def _classifier_cv(
    table: TrackTable,
    names: tuple[str, ...],
    config: TrainConfig,
    group_by_artist: bool,
    heads: list[ReadingHead] | None,
    progress: Progress | None,
) -> EvaluationReport:
    """The CV stored with a trained model: mlp, the seed recipe, logistic regression and,
    with readings, mlp_reading, on the same folds."""
    models = ("mlp", "seed_recipe", "logistic_regression") + (("mlp_reading",) if heads else ())
    return cross_validate(
        table,
        models=models,
        feature_names=names,
        config=config,
        group_by_artist=group_by_artist,
        reading=_with_reading(heads),
        progress=progress,
    )


def _combined_heads(
    heads: list[ReadingHead], table: TrackTable, names: Sequence[str], labels: Sequence[str]
) -> list[ReadingHead]:
    """Give every reading its combination. The prototypes are learned with the reading over
    the classifier's features (the training table may have no others) and reused, in the
    same standardised units, by the richer reading."""
    from moodtune.model.training import fit_combination

    basic = heads[-1]
    combination = fit_combination(basic, table.matrix(names), table.labels, tuple(labels))
    for head in heads:
        reference = head.metadata["reference"]
        head.combination = replace(
            combination,
            center=(reference["mean"][0], reference["mean"][1]),
            spread=(max(reference["std"][0], 1e-6), max(reference["std"][1], 1e-6)),
        )
    return heads


def _with_reading(heads: list[ReadingHead] | None) -> Any:
    """A model-like object whose ``reading_head`` gives the reading over the classifier's
    features, for ``mlp_reading`` in the CV (the combination is fitted on each fold)."""
    if not heads:
        return None
    basic = heads[-1]
    return SimpleNamespace(
        reading_head=lambda available: basic if set(basic.feature_names) <= set(available) else None
    )


def evaluate_model(
    table: TrackTable,
    *,
    models: Sequence[str] | None = None,
    features: str | Sequence[str] | None = None,
    folds: int = 5,
    repeats: Sequence[int] = (0, 1, 2),
    group_by_artist: bool = False,
    model: EmotionModel | str | Path | None = None,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Cross-validate classifiers on the same repeated stratified folds of ``table``.

    Parameters
    ----------
    table
        Labelled tracks.
    models
        Names from :data:`moodtune.model.evaluation.MODELS` (default: :data:`DEFAULT_MODELS`;
        ``mlp_reading`` is then left out, with a logged note, when ``model`` has no reading
        over the table's features; named explicitly, that is an error).
    features
        The features to use (default: all the table has).
    folds, repeats
        Folds per repeat (2–20) and the shuffle seeds of the repeats.
    group_by_artist
        Keep each artist's tracks on one side of every split.
    model
        The model whose reading ``mlp_reading`` uses (an :class:`EmotionModel`, a model
        folder, or None for the default model).
    progress
        Told as folds finish.

    Returns
    -------
    EvaluationReport
        Accuracy and macro-F1 per model and repeat, confusion matrices, F1 per class.

    Examples
    --------
    >>> import pandas as pd
    >>> from moodtune.data.readers import tidy
    >>> rows = [(f"t{i}", (i % 10) / 10, ((i * 3) % 10) / 10) for i in range(40)]
    >>> frame = pd.DataFrame(rows, columns=["id", "valence", "energy"])
    >>> frame["emotion"] = ["happiness" if v > 0.45 else "sadness" for v in frame["valence"]]
    >>> report = evaluate_model(tidy(frame, source="tiny.csv"), models=["rule"], repeats=[0])
    >>> report.to_dict()["models"]["rule"]["accuracy"]["mean"] > 0.5
    True
    """
    check_folds(folds)
    names = choose_features(table, features)
    wanted = tuple(m.strip() for m in (models or DEFAULT_MODELS))
    reading = None
    if "mlp_reading" in wanted:
        emotion_model = model if isinstance(model, EmotionModel) else load_model(model)
        if emotion_model.has_reading and all(f in names for f in emotion_model.feature_names):
            reading = emotion_model
        elif models:
            raise MoodtuneError(
                "mlp_reading (--models) needs a model with a reading over features the table "
                f"has (model {emotion_model.version}: {', '.join(emotion_model.feature_names)})"
            )
        else:
            log.info("mlp_reading left out: the model has no reading for these features")
            wanted = tuple(m for m in wanted if m != "mlp_reading")
    return cross_validate(
        table,
        models=wanted,
        feature_names=names,
        folds=folds,
        repeats=tuple(repeats),
        group_by_artist=group_by_artist,
        reading=reading,
        progress=progress,
    )
