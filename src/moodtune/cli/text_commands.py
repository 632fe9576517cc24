"""``moodtune evaluate-text`` and ``moodtune train-text``: the words head, measured and trained."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from moodtune.cli import console
from moodtune.cli.reports import check_report_paths, print_per_class_f1, save_reports

__all__ = ["CountedReader", "evaluate_text", "register", "train_text"]


class CountedReader:
    """A words reader that reads in batches and tells a progress bar how far it got, for
    commands that read many texts at once (``label --text-column``)."""

    def __init__(self, reader: Any, progress: Any, batch: int = 256) -> None:
        self.reader = reader
        self.progress = progress
        self.batch = batch

    def predict_proba(self, texts: Sequence[str]) -> Any:
        """The reader's ``predict_proba``, ``batch`` texts at a time: shape (n, 7)."""
        import numpy as np

        texts = list(texts)
        if not texts:
            return self.reader.predict_proba(texts)
        parts = []
        for start in range(0, len(texts), self.batch):
            parts.append(np.asarray(self.reader.predict_proba(texts[start : start + self.batch])))
            self.progress(min(start + self.batch, len(texts)), len(texts), "texts read")
        return np.concatenate(parts)


def evaluate_text(
    table: Annotated[
        Path,
        typer.Argument(
            help="A labelled text table (CSV, TSV, Parquet, JSON) with columns 'text' and "
            "'labels' (one emotion, or several separated by commas; joy = happiness)."
        ),
    ],
    head: Annotated[
        Path | None,
        typer.Option("--head", help="A words head folder (default: the one shipped)."),
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report.")] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write a .md or .html report with confusion-matrix PNGs."),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use only the model cache; never download.")
    ] = False,
) -> None:
    """Score the words readers on TABLE: trained head, prototype phrases, majority baseline."""
    from rich.table import Table

    from moodtune.text.classifier import SHIPPED, TextEmotionClassifier
    from moodtune.text.data import read_text_table
    from moodtune.text.evaluate import evaluate_table

    check_report_paths(json_path, report)
    texts = read_text_table(table)
    classifier = TextEmotionClassifier(
        offline=offline, notify=console.note, head=head if head is not None else SHIPPED
    )
    result = evaluate_table(texts, classifier, progress=console.note)
    for line in result.notes:
        console.note(f"{table}: {line}")
    data = result.to_dict()
    view = Table(title=f"{table.name}: {data['n_tracks']} single-label texts")
    for column in ("model", "accuracy", "macro-F1", "what it is"):
        view.add_column(column)
    for name, scores in data["models"].items():
        view.add_row(
            name,
            f"{scores['accuracy']['mean']:.3f}",
            f"{scores['macro_f1']['mean']:.3f}",
            scores["description"],
        )
    console.out.print(view)
    print_per_class_f1(data, "F1 per class")
    confusion = Table(title="head: confusion matrix (rows true, columns predicted)")
    confusion.add_column("true \\ predicted")
    for label in data["labels"]:
        confusion.add_column(label[:5], justify="right")
    for label, row in zip(data["labels"], data["models"]["head"]["confusion_matrix"], strict=True):
        confusion.add_row(label, *(str(v) for v in row))
    console.out.print(confusion)
    save_reports(result, json_path, report)


def train_text(
    folder: Annotated[
        Path, typer.Argument(help="A folder with train.csv and dev.csv (GoEmotions, Ekman).")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Head folder to write (default: text-head in your user data folder; the "
            "head shipped in the package is never overwritten unless named here).",
        ),
    ] = None,
    threads: Annotated[int, typer.Option(help="CPU threads for the embeddings.")] = 2,
) -> None:
    """Train the words head on FOLDER/train.csv, choosing among candidates on dev.csv."""
    import shlex
    import sys

    from moodtune.text.train import default_head_folder, train

    command = "moodtune " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with console.working("training the words head") as step:
        head, results = train(folder, out=out, threads=threads, command=command, progress=step)
    for name, result in results.items():
        mark = "  ← written" if name == head.metadata["chosen"]["name"] else ""
        console.out.print(
            f"{name:26} accuracy {result.accuracy:.3f}  macro-F1 {result.macro_f1:.3f}{mark}",
            highlight=False,
        )
    console.done(
        f"words head → {out or default_head_folder()} (read words with it: moodtune "
        "evaluate-text TABLE --head FOLDER)"
    )


def register(app: typer.Typer) -> None:
    app.command("evaluate-text")(evaluate_text)
    app.command("train-text")(train_text)
