"""Evaluation reports: JSON, and Markdown or HTML with a confusion-matrix PNG."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from moodtune.errors import MissingExtraError, MoodtuneError
from moodtune.model.evaluation import EvaluationReport, ReadingReport

__all__ = [
    "check_output",
    "import_pyplot",
    "plot_confusion",
    "plot_reading_scatter",
    "spread",
    "write_document",
    "write_json",
]


def spread(score: dict[str, float]) -> str:
    """A score summary ``{"mean": m, "std": s}`` as text: ``"0.464 ± 0.015"``.

    >>> spread({"mean": 0.46412, "std": 0.0151})
    '0.464 ± 0.015'
    """
    return f"{score['mean']:.3f} ± {score['std']:.3f}"


def check_output(path: str | Path, suffixes: tuple[str, ...]) -> Path:
    """Refuse, before any work is done, a report path that cannot be written."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise MoodtuneError(
            f"report {path.name!r}: use a file name ending in {' or '.join(suffixes)}"
        )
    if not path.parent.is_dir():
        raise MoodtuneError(f"the folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise MoodtuneError(f"{str(path)!r} is a folder; name a file")
    return path


def write_json(report: EvaluationReport | ReadingReport, path: str | Path) -> Path:
    path = check_output(path, (".json",))
    path.write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    return path


def write_document(report: EvaluationReport | ReadingReport, path: str | Path) -> Path:
    """Write a Markdown (.md) or HTML (.html) report and, beside it, one confusion-matrix PNG
    per model (``<stem>-<model>-confusion.png``); for a :class:`ReadingReport`, one scatter
    plot of the reading against listeners (``<stem>-reading-scatter.png``)."""
    path = check_output(path, (".md", ".html"))
    if isinstance(report, ReadingReport):
        return _write_reading_document(report, path)
    images = {}
    for model in report.models:
        image = path.with_name(f"{path.stem}-{model}-confusion.png")
        plot_confusion(report, model, image)
        images[model] = image.name
    data = report.to_dict()
    if path.suffix.lower() == ".md":
        path.write_text(_markdown(data, images))
    else:
        path.write_text(_html(data, images))
    return path


def plot_confusion(report: EvaluationReport, model: str, path: Path) -> Path:
    """A row-normalised confusion matrix of ``model`` (summed over repeats) as a PNG."""
    plt = import_pyplot()
    confusion = report.models[model].confusion
    assert confusion is not None
    rates = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    k = len(report.labels)
    figure, axes = plt.subplots(figsize=(1.1 * k + 2, 1.0 * k + 1.5), dpi=110)
    axes.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(k), report.labels, rotation=45, ha="right")
    axes.set_yticks(range(k), report.labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    for i in range(k):
        for j in range(k):
            axes.text(
                j,
                i,
                f"{rates[i, j]:.2f}",
                ha="center",
                va="center",
                color="white" if rates[i, j] > 0.5 else "black",
                fontsize=8,
            )
    axes.set_title(f"{model}: out-of-fold predictions, row-normalised")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def _rows(data: dict[str, Any], keys: tuple[str, ...], ours: str | None = None) -> list[list[str]]:
    """One row per model of a report (classes or reading): its name (``ours`` marked), the
    spread of each metric ``keys`` over the repeats, and what it is."""
    return [
        [
            name + (" (ours)" if name == ours else ""),
            *(spread(scores[key]) for key in keys),
            scores["description"],
        ]
        for name, scores in data["models"].items()
    ]


def _markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


#: The start of every HTML report.
_HTML_HEAD = (
    "<!doctype html><meta charset='utf-8'><title>moodtune evaluation</title>"
    "<style>body{font:15px system-ui;max-width:60rem;margin:2rem auto}"
    "td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}</style>"
)
#: The classes' table: its header and the metrics it shows.
_CLASS_HEADER = ["model", "accuracy", "macro-F1", "what it is"]
_CLASS_KEYS = ("accuracy", "macro_f1")


def _per_class(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["model", *data["labels"]]
    rows = [
        [name, *(f"{v:.2f}" for v in scores["per_class_f1"].values())]
        for name, scores in data["models"].items()
    ]
    return header, rows


def _markdown(data: dict[str, Any], images: dict[str, str]) -> str:
    protocol = data["protocol"]
    lines = [
        f"# moodtune evaluation: {Path(data['dataset']).name}",
        "",
        f"{data['n_tracks']} tracks, {len(data['labels'])} classes "
        f"({', '.join(f'{k} {v}' for k, v in data['class_counts'].items())}); features: "
        f"{', '.join(data['features'])}.",
        f"Protocol: {protocol['cv']}, shuffle seeds {protocol['shuffle_seeds']}; "
        f"{protocol['metrics']}. Majority-class accuracy: {protocol['chance_accuracy']:.3f}.",
        "",
        *_markdown_table(_CLASS_HEADER, _rows(data, _CLASS_KEYS)),
        "",
        "## F1 per class (mean over repeats)",
        "",
    ]
    lines += _markdown_table(*_per_class(data))
    lines += ["", "## Confusion matrices (out-of-fold, summed over repeats)", ""]
    for model, image in images.items():
        lines += [f"### {model}", "", f"![confusion matrix of {model}]({image})", ""]
    return "\n".join(lines)


def _html(data: dict[str, Any], images: dict[str, str]) -> str:
    protocol = data["protocol"]
    return (
        _HTML_HEAD + f"<h1>moodtune evaluation: {html.escape(Path(data['dataset']).name)}</h1>"
        f"<p>{data['n_tracks']} tracks; {html.escape(protocol['cv'])}, shuffle seeds "
        f"{protocol['shuffle_seeds']}; {html.escape(protocol['metrics'])}.</p>"
        + _html_table(_CLASS_HEADER, _rows(data, _CLASS_KEYS))
        + "<h2>F1 per class</h2>"
        + _html_table(*_per_class(data))
        + "<h2>Confusion matrices</h2>"
        + "".join(
            f"<h3>{html.escape(model)}</h3><img src='{html.escape(image)}' "
            f"alt='confusion matrix of {html.escape(model)}'>"
            for model, image in images.items()
        )
    )


# --- agreement with listeners ----------------------------------------------------------------


def import_pyplot() -> Any:
    """matplotlib's pyplot on the file-only Agg backend (the ``train`` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingExtraError("train", "matplotlib") from None
    return plt


def plot_reading_scatter(report: ReadingReport, path: Path, model: str | None = None) -> Path:
    """Out-of-fold reading of ``model`` (default: ``reading``, else the first model) against
    listeners' valence and arousal (first repeat), two panels, as a PNG."""
    plt = import_pyplot()
    name = model or ("reading" if "reading" in report.models else next(iter(report.models)))
    predicted = report.models[name].first_repeat
    assert predicted is not None
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.6), dpi=110)
    summary = report.models[name].summary()
    for axis, (title, key) in enumerate((("valence", "valence_rho"), ("arousal", "arousal_rho"))):
        ax = axes[axis]
        ax.scatter(report.targets[:, axis], predicted[:, axis], s=4, alpha=0.35, color="#3465a4")
        ax.set_xlabel(f"listeners' {title} (-1..1)")
        ax.set_ylabel(f"{name}: out-of-fold {title}")
        ax.set_title(f"{title}: Spearman rho {summary[key]['mean']:.3f}")
        ax.grid(alpha=0.3)
    figure.suptitle(f"{name} vs listeners, {Path(report.dataset).name}, repeat {report.repeats[0]}")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def _write_reading_document(report: ReadingReport, path: Path) -> Path:
    image = path.with_name(f"{path.stem}-reading-scatter.png")
    plot_reading_scatter(report, image)
    data = report.to_dict()
    protocol, targets = data["protocol"], data["targets"]
    header = ["model", "valence ρ", "arousal ρ", "quadrant accuracy", "what it is"]
    rows = _rows(data, ("valence_rho", "arousal_rho", "quadrant_accuracy"), ours="reading")
    intro = (
        f"{data['n_tracks']} tracks; listeners' valence and arousal from "
        f"{', '.join(targets['columns'])} ({targets['scale']}, mapped to {targets['mapped_to']}). "
        f"Protocol: {protocol['cv']}, shuffle seeds {protocol['shuffle_seeds']}; "
        f"{protocol['metrics']}."
    )
    title = f"moodtune evaluation: agreement with listeners, {Path(data['dataset']).name}"
    if path.suffix.lower() == ".md":
        lines = [
            f"# {title}",
            "",
            intro,
            "",
            *_markdown_table(header, rows),
            "",
            "## Out-of-fold reading against listeners",
            "",
            f"![scatter plot of the reading against listeners]({image.name})",
            "",
        ]
        path.write_text("\n".join(lines))
        return path
    path.write_text(
        _HTML_HEAD
        + f"<h1>{html.escape(title)}</h1><p>{html.escape(intro)}</p>"
        + _html_table(header, rows)
        + f"<h2>Out-of-fold reading against listeners</h2><img src='{html.escape(image.name)}' "
        "alt='scatter plot of the reading against listeners'>"
    )
    return path
