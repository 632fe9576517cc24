"""The model artifact: a min-max scaler and a one-hidden-layer MLP, run with plain numpy,
and optionally a valence/arousal *reading* learned from listeners.

On disk a model is a folder with ``model.safetensors`` (the four weight tensors of the
classifier, float32, plus the four ``reading.*`` tensors of the reading when the model has
one) and ``model.json`` (feature order, scaler, label order, provenance, CV metrics, and the
reading's scaler and combination parameters). Loading reads only those two formats: nothing
is unpickled and torch is never imported.

The reading (``reading_valence``, ``reading_arousal``, each −1..1) is the valence and arousal
listeners would give a track, on the 1–9 word-norm scale of MuSe mapped to −1..1 by
(x − 5) / 4. It is not Spotify's ``valence`` feature. How the reading and the classifier's
seven probabilities are combined is described in :class:`Combination`.

The parts live beside this module: the numpy network in :mod:`moodtune.model.network`, the
reading and its combination in :mod:`moodtune.model.reading_head`, the folder format in
:mod:`moodtune.model.storage`; their public names are importable from here.

Examples
--------
>>> model = load_model()  # the model shipped with moodtune
>>> model.labels
('anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness', 'surprise')
>>> model.predict_proba([[0.5, 0.5, 0.05, 0.3, 0.1, 0.5, 120.0]]).shape
(1, 7)
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moodtune.data.table import TrackTable
from moodtune.errors import MoodtuneError
from moodtune.model import forward
from moodtune.model.network import TENSORS, _prepare_mlp
from moodtune.model.reading_head import Combination, ReadingHead
from moodtune.model.storage import (
    FORMAT,
    FORMAT_READING,
    METADATA_FILE,
    WEIGHTS_FILE,
    check_destination,
    load_folder,
    model_from_parts,
    save_model,
)
from moodtune.model.whole import WholeModel

__all__ = [
    "FORMAT",
    "FORMAT_READING",
    "METADATA_FILE",
    "TENSORS",
    "WEIGHTS_FILE",
    "Combination",
    "EmotionModel",
    "Prediction",
    "ReadingHead",
    "check_destination",
    "default_model_folder",
    "load_model",
]


@dataclass
class Prediction:
    """What a model says about n tracks.

    ``probabilities`` (n, k) float32 — combined with the reading when there is one;
    ``classifier`` (n, k) — the classifier's own softmax; ``reading`` (n, 2) float32 in
    −1..1 (valence, arousal) or None when the model has no reading for the features given;
    ``contradicted`` (n, k) bool — the classes the reading contradicts — or None;
    ``reading_features`` — the features the reading was computed from (or None).
    """

    probabilities: np.ndarray
    classifier: np.ndarray
    reading: np.ndarray | None = None
    contradicted: np.ndarray | None = None
    reading_features: tuple[str, ...] | None = None
    #: The reading standardised against a typical track (``Combination.standardise``), (n, 2);
    #: NaN rows (and ``reading`` NaN) where no reading could be made.
    standardised: np.ndarray | None = None


@dataclass
class EmotionModel:
    """A trained classifier from audio features to emotion probabilities, and optionally
    readings of valence/arousal learned from listeners.

    Shapes: ``fc1.weight`` (hidden, d), ``fc1.bias`` (hidden,), ``fc2.weight`` (k, hidden),
    ``fc2.bias`` (k,), for d = ``len(feature_names)`` inputs and k = ``len(labels)`` classes.
    Inputs are raw feature values (tempo in BPM, loudness in dB, others 0–1), scaled with
    ``(x - scale_min) / (scale_max - scale_min)`` as fitted on the training data.

    ``readings`` holds :class:`ReadingHead` s, richest first: a table gets the reading of the
    first head whose features it has (e.g. all 11 Spotify features, else the classifier's
    7). The head over the classifier's own features (if any) is the one used by
    :meth:`predict_proba`, which only sees those features.
    """

    feature_names: tuple[str, ...]
    labels: tuple[str, ...]
    scale_min: np.ndarray
    scale_max: np.ndarray
    weights: dict[str, np.ndarray]
    metadata: dict[str, Any] = field(default_factory=dict)
    readings: tuple[ReadingHead, ...] = ()

    def __post_init__(self) -> None:
        self.feature_names = tuple(self.feature_names)
        self.labels = tuple(self.labels)
        self.readings = tuple(self.readings)
        d, k = len(self.feature_names), len(self.labels)
        self.weights, self.scale_min, self.scale_max, layers = _prepare_mlp(
            self.weights, self.scale_min, self.scale_max, d, k, "model"
        )
        self._net = forward.SoftmaxMLP(*layers)  # prepared once, not per call
        self._whole: tuple[Any, ...] = (None, None, None)  # (head, combination, WholeModel)

    def _whole_model(self) -> WholeModel | None:
        """Classifier, reading over its own features and combination as one pass (None
        without a combined reading, or when a row could contradict every class); built once
        and rebuilt when :attr:`readings` or their combination are replaced."""
        head = self.reading_head(self.feature_names)
        if head is None or head.combination is None or not head.raw:
            return None  # a reading with other views runs step by step
        if self._whole[0] is not head or self._whole[1] is not head.combination:
            columns = [self.feature_names.index(f) for f in head.feature_names]
            whole = WholeModel(self._net, head._net, columns, head.combination, self.labels)
            self._whole = (head, head.combination, whole if whole.always_possible else None)
        return self._whole[2]

    # --- prediction ----------------------------------------------------------------------

    @property
    def hidden_size(self) -> int:
        return int(self.weights["fc1.weight"].shape[0])

    @property
    def has_reading(self) -> bool:
        """True when the model has a valence/arousal reading over its own features."""
        return self.reading_head(self.feature_names) is not None

    def reading_head(self, available: Sequence[str]) -> ReadingHead | None:
        """The richest reading whose features are all among ``available``, or None."""
        have = set(available)
        return next((h for h in self.readings if set(h.feature_names) <= have), None)

    @property
    def version(self) -> str:
        """A short content hash of the weights and scalers (and readings and their
        combinations): changes whenever the model does."""
        digest = hashlib.sha256()
        for name in TENSORS:
            digest.update(self.weights[name].tobytes())
        digest.update(self.scale_min.tobytes())
        digest.update(self.scale_max.tobytes())
        digest.update("|".join(self.feature_names + self.labels).encode())
        for head in self.readings:
            digest.update(head.digest())
        return digest.hexdigest()[:12]

    def _check(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != len(self.feature_names):
            raise MoodtuneError(
                f"expected features of shape (n, {len(self.feature_names)}) in the order "
                f"{', '.join(self.feature_names)}; got {x.shape}"
            )
        return x

    def classifier_proba(self, features: np.ndarray, *, chunk: int = 65536) -> np.ndarray:
        """The classifier's own softmax, shape (n, k), for raw features of shape (n, d)."""
        x = self._check(features)
        return self._net.proba(x, chunk=min(chunk, forward.CHUNK))

    def _combine(
        self,
        classifier: np.ndarray,
        head: ReadingHead | None,
        reading_input: np.ndarray | None,
        follow: bool = False,
    ) -> Prediction:
        if head is None or reading_input is None:
            return Prediction(classifier, classifier)
        reading = head.predict(reading_input)
        if head.combination is None:
            return Prediction(classifier, classifier, reading, None, head.feature_names)
        combined = head.combination.apply(classifier, reading, self.labels)
        if follow:
            combined = head.combination.follow_reading(combined, reading, self.labels)
        return Prediction(
            combined,
            classifier,
            reading,
            head.combination.contradicted(reading, self.labels),
            head.feature_names,
        )

    def predict_all(self, features: np.ndarray) -> Prediction:
        """Everything the model says about raw features (n, d) in :attr:`feature_names`
        order: probabilities combined with the reading over these features (when the model
        has one), the classifier's own, the reading and the contradicted classes."""
        x = self._check(features)
        head = self.reading_head(self.feature_names)
        columns = (
            [self.feature_names.index(f) for f in head.feature_names] if head is not None else []
        )
        return self._combine(self.classifier_proba(x), head, x[:, columns] if head else None)

    def predict_table_all(self, table: TrackTable, *, follow_reading: bool = False) -> Prediction:
        """:meth:`predict_all` for a table, with the richest reading its features allow;
        ``follow_reading``: confined to the emotions the reading allows
        (:meth:`Combination.follow_reading`, for analysed audio files)."""
        classifier = self.classifier_proba(table.matrix(self.feature_names))
        head = self.reading_head(table.feature_names)
        matrix = table.matrix(head.feature_names) if head is not None else None
        return self._combine(classifier, head, matrix, follow_reading)

    def predict_columns(
        self, values: np.ndarray, names: Sequence[str], *, follow_reading: bool = False
    ) -> Prediction:
        """:meth:`predict_all` for a matrix ``values`` (n, m) whose columns are the features
        ``names``, NaN where a track lacks a value: each row gets the richest reading whose
        features it has (rows with none keep the classifier's distribution and a NaN
        reading). The classifier's own features must be present in every row.
        ``follow_reading`` as in :meth:`predict_table_all`."""
        values = np.asarray(values, dtype=np.float32)
        names = tuple(names)
        classifier = self.classifier_proba(values[:, [names.index(f) for f in self.feature_names]])
        n = len(values)
        probabilities = classifier.copy()
        reading = np.full((n, 2), np.nan, dtype=np.float32)
        standardised = np.full((n, 2), np.nan, dtype=np.float64)
        contradicted = np.zeros(classifier.shape, dtype=bool)
        todo = np.ones(n, dtype=bool)
        for head in self.readings:
            if not set(head.feature_names) <= set(names):
                continue
            x = values[:, [names.index(f) for f in head.feature_names]]
            rows = todo & np.isfinite(x).all(axis=1)
            if not rows.any():
                continue
            part = self._combine(classifier[rows], head, x[rows], follow_reading)
            probabilities[rows] = part.probabilities
            reading[rows] = part.reading
            if head.combination is not None:
                standardised[rows] = head.combination.standardise(part.reading)
                contradicted[rows] = part.contradicted
            todo &= ~rows
        return Prediction(probabilities, classifier, reading, contradicted, None, standardised)

    def predict_reading(self, features: np.ndarray) -> np.ndarray:
        """Valence and arousal learned from listeners, shape (n, 2), float32 in −1..1, for
        raw features (n, d) in :attr:`feature_names` order.

        Raises :class:`MoodtuneError` for a model without a reading over its own features
        (see :attr:`has_reading`); use :meth:`predict_table_all` for richer tables.
        """
        reading = self.predict_all(features).reading
        if reading is None:
            raise MoodtuneError(
                f"the model {self.version} has no valence/arousal reading; train one with "
                "'moodtune train … --reading-data TABLE'"
            )
        return reading

    def predict_proba(self, features: np.ndarray, *, chunk: int = 65536) -> np.ndarray:
        """Class probabilities, shape (n, k), for raw features of shape (n, d).

        For a model with a reading over its own features, the distribution combined with it
        (never naming a class the reading contradicts; see :class:`Combination`); otherwise
        the classifier's softmax.
        """
        if not self.has_reading:
            return self.classifier_proba(features, chunk=chunk)
        whole = self._whole_model()
        if whole is not None:
            return whole.proba(self._check(features))
        return self.predict_all(features).probabilities

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The most probable label for each row, shape (n,)."""
        return np.asarray(self.labels)[self.predict_proba(features).argmax(axis=1)]

    def predict_table(self, table: TrackTable, *, follow_reading: bool = False) -> pd.DataFrame:
        """Identity columns, ``emotion`` (top label), ``confidence``, one ``p_<label>`` column
        per label and, for a model with a reading, ``reading_valence`` and ``reading_arousal``
        (−1..1, learned from listeners' tags; not Spotify's ``valence``), computed from the
        richest features the table has. One row per table row. ``follow_reading``: as in
        :meth:`predict_table_all` (analysed audio files)."""
        prediction = self.predict_table_all(table, follow_reading=follow_reading)
        probabilities = prediction.probabilities
        result = table.identity().reset_index(drop=True).copy()
        top = probabilities.argmax(axis=1)
        result["emotion"] = np.asarray(self.labels)[top]
        result["confidence"] = probabilities[np.arange(len(top)), top].round(4)
        for column, name in enumerate(self.labels):
            result[f"p_{name}"] = probabilities[:, column].round(4)
        if prediction.reading is not None:
            result["reading_valence"] = prediction.reading[:, 0].round(4)
            result["reading_arousal"] = prediction.reading[:, 1].round(4)
        return result

    # --- persistence (see moodtune.model.storage) ------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write ``model.safetensors`` and ``model.json`` into ``folder``, all or nothing.

        Both files are written into a temporary folder beside ``folder``, which then takes its
        place; an existing model in ``folder`` is replaced. See :func:`check_destination`.
        """
        return save_model(self, folder)

    @classmethod
    def load(cls, folder: str | Path) -> EmotionModel:
        """Load a model folder written by :meth:`save` (safetensors + JSON; no pickle)."""
        return load_folder(cls, folder)

    @classmethod
    def from_parts(
        cls, weights: Mapping[str, np.ndarray], metadata: Mapping[str, Any], where: str = "model"
    ) -> EmotionModel:
        """A model from its tensors and its ``model.json`` content."""
        return model_from_parts(cls, weights, metadata, where)

    @classmethod
    def default(cls) -> EmotionModel:
        """The model shipped with moodtune, trained on the seed data (see its metadata)."""
        return _default_model()


def default_model_folder() -> Path:
    return Path(str(resources.files("moodtune.model") / "default"))


_DEFAULT: list[EmotionModel] = []


def _default_model() -> EmotionModel:
    if not _DEFAULT:
        _DEFAULT.append(EmotionModel.load(default_model_folder()))
    return _DEFAULT[0]


def load_model(folder: str | Path | None = None) -> EmotionModel:
    """The model in ``folder``, or the default model when ``folder`` is None."""
    return EmotionModel.default() if folder is None else EmotionModel.load(folder)
