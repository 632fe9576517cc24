"""Train the words head on GoEmotions (Ekman grouping) and choose it by validation.

One command, from a folder holding ``train.csv`` and ``dev.csv`` (columns ``text``, ``labels``)::

    moodtune train-text ../shared/datasets/goemotions [--out FOLDER]

Every text is embedded with the same all-MiniLM-L6-v2 int8 model the words path uses
(:class:`moodtune.text.classifier.TextEmotionClassifier`); the embeddings are cached in the
moodtune cache folder (never in the repository). Each candidate of :data:`CANDIDATES` is
fitted on ``train.csv`` and scored on the single-label rows of ``dev.csv``; the one with the
best macro-F1 is written (default: ``text-head`` in the user data folder, see
:func:`default_head_folder`; never into the installed package unless ``--out`` names it)
with the dev figures of every candidate, the prototype classifier and the majority baseline
in its ``head.json``. Needs the ``train`` extra (scikit-learn, torch) and the ``text`` extra.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from moodtune.assets import sha256_of as file_sha256
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.text.candidates import (
    CANDIDATES,
    Candidate,
    fit_logistic,
    fit_mlp,
    fit_one_vs_rest,
)
from moodtune.text.clean import prepare
from moodtune.text.data import TextTable, cached_embeddings, read_text_table
from moodtune.text.head import TextHead
from moodtune.text.scoring import Scores, score

if TYPE_CHECKING:
    from moodtune.text.classifier import TextEmotionClassifier

__all__ = [
    "CANDIDATES",
    "DATASET",
    "SEED",
    "SHIPPED",
    "Candidate",
    "default_head_folder",
    "embed_table",
    "file_sha256",
    "fit_logistic",
    "fit_mlp",
    "fit_one_vs_rest",
    "train",
]

SEED = 0
SHIPPED = Path(__file__).resolve().parent / "head"
DATASET = {
    "name": "GoEmotions (Demszky et al. 2020), Ekman grouping with Google's own mapping",
    "licence": "Apache-2.0",
    "url": "https://github.com/google-research/google-research/tree/master/goemotions",
    "note": "Reddit comments rated by people; joy is moodtune's happiness; the test split "
    "was not used",
}


def default_head_folder() -> Path:
    """Where a trained words head goes without ``out``: ``text-head`` in the user data
    folder (``platformdirs.user_data_path("moodtune")``), not the package's shipped head."""
    import platformdirs

    return platformdirs.user_data_path("moodtune") / "text-head"


def embed_table(
    table: TextTable,
    embed: Callable[[list[str]], np.ndarray],
    model_digest: str,
    progress: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings (n, 384) of a table's texts as the words path prepares them, and a mask (n,)
    of the texts with readable words (the other rows' embeddings are zeros)."""
    prepared = [prepare(t) for t in table.texts]
    mask = np.array([t is not None for t in prepared])
    words = [t for t in prepared if t is not None]
    result = np.zeros((len(prepared), 384), np.float32)
    if words:
        result[mask] = cached_embeddings(words, embed, model_digest, progress=progress)
    return result, mask


def _table_summary(table: TextTable, path: Path) -> dict[str, Any]:
    single = table.single
    return {
        "file": path.name,
        "sha256": file_sha256(path),
        "rows": len(table),
        "single_label_rows": int(single.sum()),
        "class_counts_single_label": {
            name: int((table.targets[single, k] == 1).sum()) for k, name in enumerate(EMOTIONS)
        },
    }


def train(
    folder: str | Path,
    *,
    out: str | Path | None = None,
    candidates: tuple[Candidate, ...] = CANDIDATES,
    threads: int = 2,
    command: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[TextHead, dict[str, Scores]]:
    """Fit every candidate on ``folder/train.csv``, choose by dev macro-F1, save and return it.

    Returns the chosen head and the dev scores (single-label rows) of every candidate plus
    ``prototypes`` and ``majority``. ``progress`` is told each step in words. ``out``: the
    head folder to write (default :func:`default_head_folder`).
    """
    from moodtune.text.classifier import TextEmotionClassifier

    folder = Path(folder)
    paths = {split: folder / f"{split}.csv" for split in ("train", "dev")}
    for path in paths.values():
        if not path.is_file():
            raise MoodtuneError(f"{path} does not exist: expected train.csv and dev.csv there")
    say = progress or (lambda _: None)
    tables = {name: read_text_table(p) for name, p in paths.items()}
    absent = [
        e for e, n in zip(EMOTIONS, tables["train"].targets.sum(axis=0), strict=True) if not n
    ]
    if absent:
        raise MoodtuneError(
            f"{paths['train']}: no training text for {', '.join(absent)}; every emotion needs "
            "some (GoEmotions' Ekman labels: anger, disgust, fear, joy, neutral, sadness, "
            "surprise)"
        )
    classifier = TextEmotionClassifier(threads=threads, notify=progress, head=None)
    split = _Splits.embedded(tables, classifier, say)
    results, heads = _fit_candidates(split, candidates, say)
    best = max(results, key=lambda name: results[name].macro_f1)  # first of equals
    results.update(_baselines(split, classifier))
    chosen = heads[best]
    chosen.metadata = _metadata(
        split,
        paths,
        results,
        best,
        command or "moodtune train-text " + shlex.quote(str(folder)),
    )
    chosen.save(out if out is not None else default_head_folder())
    return chosen, results


@dataclass
class _Splits:
    """train.csv and dev.csv, embedded: the training rows and the single-label dev rows."""

    tables: dict[str, TextTable]
    vectors: dict[str, np.ndarray]
    readable: dict[str, np.ndarray]

    @classmethod
    def embedded(
        cls,
        tables: dict[str, TextTable],
        classifier: TextEmotionClassifier,
        say: Callable[[str], None],
    ) -> _Splits:
        from moodtune.assets import MODEL_FILES

        digest = MODEL_FILES["text_model"].sha256
        vectors, readable = {}, {}
        for name, table in tables.items():
            say(f"embedding {name}.csv ({len(table)} texts; cached after the first run)")
            vectors[name], readable[name] = embed_table(table, classifier.embed, digest, say)
        return cls(tables, vectors, readable)

    @property
    def truth(self) -> np.ndarray:
        """The labels of the single-label dev rows."""
        dev = self.tables["dev"]
        return dev.labels()[dev.single]

    def training(self) -> tuple[np.ndarray, np.ndarray]:
        """Embeddings and targets of the train rows with readable words."""
        keep = self.readable["train"]
        return self.vectors["train"][keep], self.tables["train"].targets[keep]

    def dev_predictions(self, read: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Predicted names for the single-label dev rows; as on the prediction path, a text
        with nothing readable reads as neutral."""
        single = self.tables["dev"].single
        vectors, readable = self.vectors["dev"][single], self.readable["dev"][single]
        predicted = np.full(int(single.sum()), "neutral", dtype=object)
        if readable.any():
            chosen = read(vectors[readable]).argmax(axis=1)
            predicted[readable] = np.array(EMOTIONS)[chosen]
        return predicted.astype(str)


def _fit_candidates(
    split: _Splits, candidates: tuple[Candidate, ...], say: Callable[[str], None]
) -> tuple[dict[str, Scores], dict[str, TextHead]]:
    """Fit each candidate on the training rows and score it on the dev rows."""
    x_train, y_train = split.training()
    results: dict[str, Scores] = {}
    heads: dict[str, TextHead] = {}
    for candidate in candidates:
        say(f"fitting {candidate.name}: {candidate.description}")
        head = candidate.fit(x_train, y_train, SEED)
        results[candidate.name] = score(
            split.truth, split.dev_predictions(head.predict_proba), candidate.description
        )
        heads[candidate.name] = head
        say(
            f"  dev accuracy {results[candidate.name].accuracy:.3f}, macro-F1 "
            f"{results[candidate.name].macro_f1:.3f}"
        )
    return results, heads


def _baselines(split: _Splits, classifier: TextEmotionClassifier) -> dict[str, Scores]:
    """The prototype phrases and the majority class, scored on the same dev rows."""
    train_table = split.tables["train"]
    counts = train_table.targets[train_table.single].sum(axis=0)
    majority = EMOTIONS[int(counts.argmax())]
    truth = split.truth
    return {
        "prototypes": score(
            truth,
            split.dev_predictions(classifier.prototype_proba_from_embeddings),
            "cosine similarity to prototype phrases",
        ),
        "majority": score(
            truth, np.full(len(truth), majority), f"always {majority} (most frequent in train.csv)"
        ),
    }


def _metadata(
    split: _Splits, paths: dict[str, Path], results: dict[str, Scores], best: str, command: str
) -> dict[str, Any]:
    """The chosen head's provenance: data, embedding model, versions and dev figures."""
    import sklearn
    import torch

    from moodtune.assets import MODEL_FILES

    spec = MODEL_FILES["text_model"]
    return {
        "chosen": {"name": best, "description": results[best].description},
        "command": command,
        "training_data": {
            **DATASET,
            **_table_summary(split.tables["train"], paths["train"]),
            "rows_without_readable_words": int((~split.readable["train"]).sum()),
        },
        "validation_data": _table_summary(split.tables["dev"], paths["dev"]),
        "embedding_model": {
            "filename": spec.filename,
            "sha256": spec.sha256,
            "from": spec.wheel.requirement,
            "licence": spec.licence,
            "pooling": "mean over real tokens, L2-normalised, at most 128 tokens",
        },
        "seed": SEED,
        "trained_with": {"scikit-learn": sklearn.__version__, "torch": torch.__version__},
        "dev_metrics": {
            "rows": "single-label rows of dev.csv (used to choose the candidate, so the chosen "
            "head's figure is slightly optimistic; the test split was kept apart)",
            "chosen": results[best].to_dict(),
            "candidates": {name: results[name].summary() for name in results},
        },
    }
