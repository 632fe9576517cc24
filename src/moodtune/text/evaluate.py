"""Score the words readers on a labelled text table: the trained head, the prototypes, majority.

The table is read by :func:`moodtune.text.data.read_text_table`. Rows with one emotion are
scored (a row with several emotions has no single right answer; they are counted and left
out, with a note). Each text is embedded once and read by both the head and the prototypes;
a text with nothing readable reads as neutral, as it does everywhere else. The majority
baseline always answers the most frequent emotion of the head's training data (from its
``head.json``), or of the table itself when the head does not record it.

The result is a :class:`moodtune.model.evaluation.EvaluationReport` (one pass, no folds), so
:mod:`moodtune.model.report` writes it as JSON, Markdown or HTML like the track models'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moodtune.emotions import EMOTIONS
from moodtune.errors import InputError, MoodtuneError
from moodtune.model.evaluation import EvaluationReport, ModelScores
from moodtune.text.clean import TextInputError, prepare
from moodtune.text.data import TextTable
from moodtune.text.scoring import Scores, score

__all__ = ["TextEvaluationReport", "evaluate_table"]


@dataclass
class TextEvaluationReport(EvaluationReport):
    """An :class:`EvaluationReport` of one pass over a held-out table (no refitting)."""

    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["protocol"] = {
            "cv": "no folds: every single-label row scored once (the models were trained on "
            "other data)",
            "shuffle_seeds": "none",
            "metrics": "accuracy, macro-F1 over the 7 emotions, per-class F1; std 0 (one pass)",
            "chance_accuracy": data["protocol"]["chance_accuracy"],
        }
        data["notes"] = list(self.notes)
        return data


def _as_model_scores(name: str, scores: Scores) -> ModelScores:
    return ModelScores(
        name,
        scores.description,
        accuracy=[round(scores.accuracy, 4)],
        macro_f1=[round(scores.macro_f1, 4)],
        per_class_f1=[[scores.per_class_f1[e] for e in EMOTIONS]],
        confusion=scores.confusion,
    )


def evaluate_table(
    table: TextTable,
    classifier: Any,  # TextEmotionClassifier with a head
    *,
    progress: Callable[[str], None] | None = None,
) -> TextEvaluationReport:
    """Score ``classifier``'s head, its prototypes and the majority baseline on ``table``."""
    if classifier.head is None:
        raise MoodtuneError("the words classifier has no trained head to evaluate")
    single = table.single
    notes = []
    if not single.all():
        notes.append(
            f"left out {int((~single).sum())} row(s) with several emotions; scored the "
            f"{int(single.sum())} single-label row(s)"
        )
    if not single.any():
        raise InputError("has no row with exactly one emotion to score", path=table.source)
    truth = table.labels()[single]
    prepared = _prepared(table, single)
    readable = np.array([p is not None for p in prepared])
    if not readable.all():
        notes.append(f"{int((~readable).sum())} text(s) with nothing readable read as neutral")
    if progress:
        progress(f"embedding {int(readable.sum())} texts")
    embeddings = classifier.embed([p for p in prepared if p is not None])
    chosen = classifier.head.metadata.get("chosen", {}).get("name", "trained head")
    models = {}
    for name, read, description in (
        (
            "head",
            classifier.proba_from_embeddings,
            f"trained head ({chosen}) on MiniLM sentence embeddings",
        ),
        (
            "prototypes",
            classifier.prototype_proba_from_embeddings,
            "cosine similarity to 7 prototype phrases per emotion",
        ),
    ):
        predicted = np.full(len(truth), "neutral", dtype=object)
        if readable.any():
            predicted[readable] = np.array(EMOTIONS)[read(embeddings).argmax(axis=1)]
        models[name] = _as_model_scores(name, score(truth, predicted.astype(str), description))
    models["majority"] = _majority(classifier.head.metadata, truth)
    return TextEvaluationReport(
        dataset=table.source,
        n_tracks=len(truth),
        labels=EMOTIONS,
        feature_names=("all-MiniLM-L6-v2 sentence embedding (384)",),
        folds=1,
        repeats=(),
        grouped_by=None,
        models=models,
        class_counts={e: int((truth == e).sum()) for e in EMOTIONS},
        notes=notes,
    )


def _prepared(table: TextTable, single: np.ndarray) -> list[str | None]:
    """The single-label rows' texts as the words path prepares them (None: nothing readable);
    binary data is an :class:`InputError` naming the file row."""
    texts = [t for t, keep in zip(table.texts, single, strict=True) if keep]
    rows = np.flatnonzero(single) + 2  # file rows (header is row 1)
    prepared: list[str | None] = []
    for text, row in zip(texts, rows, strict=True):
        try:
            prepared.append(prepare(text))
        except TextInputError as error:
            raise InputError(str(error), path=table.source, row=int(row)) from None
    return prepared


def _majority(metadata: dict[str, Any], truth: np.ndarray) -> ModelScores:
    """Always the most frequent emotion of the head's training data (of ``truth`` when the
    head does not record its class counts)."""
    counts = metadata.get("training_data", {}).get("class_counts_single_label")
    if counts:
        majority = max(EMOTIONS, key=lambda e: counts.get(e, 0))
        where = "the head's training data"
    else:
        majority = max(EMOTIONS, key=lambda e: int((truth == e).sum()))
        where = "this table"
    return _as_model_scores(
        "majority",
        score(
            truth, np.full(len(truth), majority), f"always {majority} (most frequent in {where})"
        ),
    )
