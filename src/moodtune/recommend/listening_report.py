"""The report of :func:`moodtune.recommend.listening.evaluate_recommendations`: JSON, and
Markdown or HTML with a valence/arousal scatter (PNG beside it) of the picks over the
catalogue, as listeners place them."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from moodtune.files import write_atomic
from moodtune.model.report import check_output, import_pyplot
from moodtune.recommend.listening_scores import HEADLINE, METHODS, RecommendationReport

__all__ = ["plot_picks", "tables", "write_document", "write_json"]

_COLOURS = {
    "happiness": "#e9b100",
    "sadness": "#3465a4",
    "anger": "#cc0000",
    "fear": "#75507b",
    "calm": "#4e9a06",
}


def write_json(report: RecommendationReport, path: str | Path) -> Path:
    """Write ``report.to_dict()`` as JSON, all at once."""
    path = check_output(path, (".json",))
    return write_atomic(path, (json.dumps(report.to_dict(), indent=2) + "\n").encode())


def tables(data: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of the report's tables, from ``report.to_dict()``."""
    methods = [m for m in METHODS if any(m in v for v in data["match"].values())]
    hits = [
        [
            t,
            *(_cell(data["match"][t].get(m, {}).get("hit_rate")) for m in methods),
            _close(data["close"].get(t, {})),
        ]
        for t in data["match"]
    ]
    headline = data["headline"]
    hits.insert(
        0, [f"**mean of {', '.join(HEADLINE)}**"]
        + [_cell(headline["mean_hit_rate"].get(m)) for m in methods] + [""]
    )  # fmt: skip
    zs = [
        [t, *(_z(data["match"][t].get(m)) for m in methods)]
        for t in (name for name in HEADLINE if name in data["match"])
    ]
    paths = []
    for named, values in headline["paths"].items():
        per_list, mean = values["rho_per_list"], values["mean_path"]
        paths.append(
            [named]
            + [f"{_cell(per_list.get(m))} / {_cell(mean.get(m, {}).get('rho'))}" for m in methods]
        )
    return [
        ("Hit rate in the target's listener region (match)", ["target", *methods, "close"], hits),
        ("Listeners' valence z, arousal z of the picks", ["target", *methods], zs),
        (
            "Paths: Spearman ρ of position vs listeners (per list / of the mean path)",
            ["path", *methods],
            paths,
        ),
    ]


def _cell(value: float | None) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.2f}"


def _z(scores: dict[str, float] | None) -> str:
    return "–" if not scores else f"{scores['valence_z']:+.2f}, {scores['arousal_z']:+.2f}"


def _close(close: dict[str, Any]) -> str:
    if not close:
        return ""
    rate = close.get("close_hit_rate")
    return f"{close['close']}/{close['picks']} close" + (f", {rate:.2f} hit" if rate else "")


def plot_picks(report: RecommendationReport, path: Path) -> Path:
    """Listeners' valence/arousal of the first fold's catalogue (grey) and of moodtune's
    ``match`` picks for the headline targets (coloured), with the medians, as a PNG."""
    plt = import_pyplot()
    scatter = report.scatter or {"catalogue": [], "picks": {}}
    catalogue = np.asarray(scatter["catalogue"], dtype=float).reshape(-1, 2)
    figure, axes = plt.subplots(figsize=(6.4, 5.6), dpi=90)
    axes.scatter(catalogue[:, 0], catalogue[:, 1], s=5, color="#bbbbbb", label="catalogue")
    for target, rows in scatter["picks"].items():
        points = catalogue[np.asarray(rows, dtype=int)]
        axes.scatter(points[:, 0], points[:, 1], s=30, color=_COLOURS.get(target), label=target)
    if len(catalogue):
        median = np.median(catalogue, axis=0)
        axes.axvline(median[0], color="#555555", lw=0.8, ls="--")
        axes.axhline(median[1], color="#555555", lw=0.8, ls="--")
    axes.set_xlabel("listeners' valence (−1..1)")
    axes.set_ylabel("listeners' arousal (−1..1)")
    axes.set_title(f"moodtune's picks (k={report.k}), one held-out fold of {report.source}")
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def write_document(report: RecommendationReport, path: str | Path) -> Path:
    """Write a Markdown (.md) or HTML (.html) report and ``<stem>-scatter.png`` beside it."""
    path = check_output(path, (".md", ".html"))
    image = plot_picks(report, path.with_name(f"{path.stem}-scatter.png"))
    data = report.to_dict()
    intro = (
        f"{data['tracks']} tracks of {data['source']}; {data['folds']} folds grouped by artist, "
        f"seeds {', '.join(map(str, data['seeds']))}; k = {data['k']}. On each fold the "
        "reading is fitted on the other folds only; the held-out fold is the catalogue. "
        "Baselines on the same folds, ranked by the same rule. Estimates on this table."
    )
    title = f"moodtune: recommendations against listeners, {data['source']}"
    if path.suffix.lower() == ".md":
        text = _markdown(title, intro, data, image.name)
    else:
        text = _html(title, intro, data, image.name)
    return write_atomic(path, text.encode())


def _markdown(title: str, intro: str, data: dict[str, Any], image: str) -> str:
    lines = [f"# {title}", "", intro, ""]
    for caption, header, rows in tables(data):
        lines += [f"## {caption}", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        lines.append("")
    lines += [f"Close-match thresholds (z) chosen here: {_thresholds(data)}", ""]
    lines += [f"![picks over the catalogue]({image})", ""]
    return "\n".join(lines)


def _html(title: str, intro: str, data: dict[str, Any], image: str) -> str:
    def table(header: list[str], rows: list[list[str]]) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c.strip('*'))}</td>" for c in row) + "</tr>"
            for row in rows
        )
        return f"<table><tr>{head}</tr>{body}</table>"

    parts = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(intro)}</p>"]
    for caption, header, rows in tables(data):
        parts += [f"<h2>{html.escape(caption)}</h2>", table(header, rows)]
    parts.append(f"<p>Close-match thresholds (z): {html.escape(_thresholds(data))}</p>")
    parts.append(f'<img src="{html.escape(image)}" alt="picks over the catalogue">')
    return "<!doctype html><meta charset='utf-8'>" + "\n".join(parts) + "\n"


def _thresholds(data: dict[str, Any]) -> str:
    items = data.get("close_thresholds", {}).items()
    return ", ".join(f"({side}): {'none' if t is None else t}" for side, t in items)
