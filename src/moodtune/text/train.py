"""Train the words head on GoEmotions (Ekman grouping) and choose it by validation.

One command, from a folder holding ``train.csv`` and ``dev.csv`` (columns ``text``, ``labels``)::

    python -m moodtune.text.train ../shared/datasets/goemotions [--out FOLDER]

Every text is embedded with the same all-MiniLM-L6-v2 int8 model the words path uses
(:class:`moodtune.text.classifier.TextEmotionClassifier`); the embeddings are cached in the
moodtune cache folder (never in the repository). Each candidate of :data:`CANDIDATES` is
fitted on ``train.csv`` and scored on the single-label rows of ``dev.csv``; the one with the
best macro-F1 is written (default: the head shipped in the package, ``moodtune/text/head``)
with the dev figures of every candidate, the prototype classifier and the majority baseline
in its ``head.json``. Needs the ``train`` extra (scikit-learn, torch) and the ``text`` extra.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moodtune.emotions import EMOTIONS
from moodtune.errors import MissingExtraError, MoodtuneError
from moodtune.text.clean import prepare
from moodtune.text.data import TextTable, cached_embeddings, read_text_table
from moodtune.text.head import TextHead
from moodtune.text.scoring import Scores, score

SEED = 0
SHIPPED = Path(__file__).resolve().parent / "head"
DATASET = {
    "name": "GoEmotions (Demszky et al. 2020), Ekman grouping with Google's own mapping",
    "licence": "Apache-2.0",
    "url": "https://github.com/google-research/google-research/tree/master/goemotions",
    "note": "Reddit comments rated by people; joy is moodtune's happiness; the test split "
    "was not used",
}


@dataclass(frozen=True)
class Candidate:
    """A way to fit a head: ``fit(x, targets, seed) -> TextHead`` on (n, 384) and (n, 7)."""

    name: str
    description: str
    fit: Callable[[np.ndarray, np.ndarray, int], TextHead]


def _sklearn() -> Any:
    try:
        import sklearn.linear_model
        import sklearn.preprocessing
    except ImportError:
        raise MissingExtraError("train", "scikit-learn") from None
    return sklearn


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
    sk = _sklearn()
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
    sk = _sklearn()
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    ``prototypes`` and ``majority``.
    """
    from moodtune.assets import MODEL_FILES
    from moodtune.text.classifier import TextEmotionClassifier

    folder = Path(folder)
    paths = {split: folder / f"{split}.csv" for split in ("train", "dev")}
    for path in paths.values():
        if not path.is_file():
            raise MoodtuneError(f"{path} does not exist: expected train.csv and dev.csv there")
    tables = {split: read_text_table(path) for split, path in paths.items()}
    say = progress or (lambda _: None)
    classifier = TextEmotionClassifier(threads=threads, notify=progress, head=None)
    spec = MODEL_FILES["text_model"]
    vectors, readable = {}, {}
    for split, table in tables.items():
        say(f"embedding {split}.csv ({len(table)} texts; cached after the first run)")
        vectors[split], readable[split] = embed_table(table, classifier.embed, spec.sha256, say)
    train_table, dev_table = tables["train"], tables["dev"]
    x_train = vectors["train"][readable["train"]]
    y_train = train_table.targets[readable["train"]]
    single = dev_table.single
    truth = dev_table.labels()[single]
    dev_vectors, dev_readable = vectors["dev"][single], readable["dev"][single]

    def dev_predictions(read: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        # As on the prediction path: a text with nothing readable reads as neutral.
        predicted = np.full(len(truth), "neutral", dtype=object)
        if dev_readable.any():
            chosen = read(dev_vectors[dev_readable]).argmax(axis=1)
            predicted[dev_readable] = np.array(EMOTIONS)[chosen]
        return predicted.astype(str)

    results: dict[str, Scores] = {}
    heads: dict[str, TextHead] = {}
    for candidate in candidates:
        say(f"fitting {candidate.name}: {candidate.description}")
        head = candidate.fit(x_train, y_train, SEED)
        results[candidate.name] = score(
            truth, dev_predictions(head.predict_proba), candidate.description
        )
        heads[candidate.name] = head
        say(
            f"  dev accuracy {results[candidate.name].accuracy:.3f}, macro-F1 "
            f"{results[candidate.name].macro_f1:.3f}"
        )
    best = max(results, key=lambda name: results[name].macro_f1)  # first of equals
    results["prototypes"] = score(
        truth,
        dev_predictions(classifier.prototype_proba_from_embeddings),
        "cosine similarity to prototype phrases",
    )
    train_single = train_table.single
    majority = EMOTIONS[int(train_table.targets[train_single].sum(axis=0).argmax())]
    results["majority"] = score(
        truth, np.full(len(truth), majority), f"always {majority} (most frequent in train.csv)"
    )
    chosen = heads[best]
    import sklearn
    import torch

    chosen.metadata = {
        "chosen": {"name": best, "description": results[best].description},
        "command": command or "python -m moodtune.text.train " + shlex.quote(str(folder)),
        "training_data": {
            **DATASET,
            **_table_summary(train_table, paths["train"]),
            "rows_without_readable_words": int((~readable["train"]).sum()),
        },
        "validation_data": _table_summary(dev_table, paths["dev"]),
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
    chosen.save(out if out is not None else SHIPPED)
    return chosen, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m moodtune.text.train",
        description="Train the words head on GoEmotions train.csv, choose it on dev.csv.",
    )
    parser.add_argument("folder", type=Path, help="folder with train.csv and dev.csv")
    parser.add_argument(
        "--out", type=Path, default=None, help=f"head folder to write (default {SHIPPED})"
    )
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for the embeddings")
    args = parser.parse_args(argv)
    command = "python -m moodtune.text.train " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        head, results = train(
            args.folder, out=args.out, threads=args.threads, command=command, progress=say
        )
    except MoodtuneError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{'model':28} {'accuracy':>9} {'macro-F1':>9}")
    for name, result in results.items():
        mark = " ← shipped" if name == head.metadata["chosen"]["name"] else ""
        print(f"{name:28} {result.accuracy:9.3f} {result.macro_f1:9.3f}{mark}")
    print(f"wrote {args.out or SHIPPED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
