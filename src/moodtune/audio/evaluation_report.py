"""An :class:`~moodtune.audio.evaluation.AudioEvaluation` as Markdown, JSON and a scatter
plot (matplotlib, PNG)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodtune.files import write_atomic
from moodtune.model.report import import_pyplot

if TYPE_CHECKING:
    from moodtune.audio.evaluation import AudioEvaluation

__all__ = ["score_table", "to_markdown", "write_json", "write_plot"]


def _cell(entry: dict[str, float] | None, metric: str) -> str:
    if not entry or entry.get(metric) != entry.get(metric):  # absent or NaN
        return "–"
    text = f"{entry[metric]:.2f}"
    spread = entry.get(f"{metric}_std")
    return f"{text} ± {spread:.2f}" if spread else text


def score_table(scores: dict[str, Any], axis: str, metric: str) -> str:
    """A Markdown table: one row per route, one column per group (``all`` first)."""
    groups = list(next(iter(scores.values())).keys())
    lines = [
        f"| {axis} {metric} | " + " | ".join(groups) + " |",
        "|---|" + "---|" * len(groups),
    ]
    for route, by_group in scores.items():
        cells = [_cell(by_group.get(group, {}).get(axis), metric) for group in groups]
        if all(cell == "–" for cell in cells):
            continue
        lines.append(f"| {route} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def to_markdown(evaluation: AudioEvaluation, extra: dict[str, Any] | None = None) -> str:
    """The report: matching counts, ρ and AUC tables per axis, the emotions' spread.

    ``extra``: more routes' scores (e.g. the cross-validated calibration) shown beside.
    """
    scores = {**evaluation.scores, **(extra or {})}
    routes = dict(evaluation.routes)
    if extra:
        routes.update(
            {
                name: "the calibration fitted on the training folds only, applied to the "
                "held-out files (5 folds stratified by genre, grouped by artist; mean ± std "
                "over shuffle seeds 0, 1, 2)"
                for name in extra
                if name not in routes
            }
        )
    parts = [
        f"# Audio reading against listeners: {evaluation.folder}",
        "",
        f"{evaluation.matched} files matched to {evaluation.labels} "
        f"({len(evaluation.unmatched_files)} analysed files without ratings, "
        f"{evaluation.unrated} ratings without a file). Targets: "
        + ("the GEMS mapping of docs/audio.md." if evaluation.gems else "valence/arousal."),
        "ρ: Spearman; AUC: top vs bottom quartile of the listeners' score.",
        "",
    ]
    parts += [f"* `{name}`: {text}" for name, text in routes.items()] + [""]
    for axis in ("valence", "arousal"):
        for metric in ("rho", "auc"):
            parts += [score_table(scores, axis, metric), ""]
    for name, table in evaluation.emotions.items():
        parts += [f"## Top emotion ({name})", "", "| group | emotions |", "|---|---|"]
        for group, counts in table.items():
            ordered = sorted(counts.items(), key=lambda item: -item[1])
            parts.append(f"| {group} | " + ", ".join(f"{k} {v}" for k, v in ordered) + " |")
        parts.append("")
    return "\n".join(parts)


def write_json(
    evaluation: AudioEvaluation, path: Path, extra: dict[str, Any] | None = None
) -> Path:
    """The report as JSON (atomic write)."""
    data = evaluation.to_json()
    if extra:
        data["cross_validated"] = extra
    return write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False).encode())


def write_plot(evaluation: AudioEvaluation, path: Path) -> Path:
    """Scatter plots (PNG): the listeners' valence and arousal against the shipped reading
    and against VibeNet's raw valence and energy, coloured by genre."""
    plt = import_pyplot()
    frame = evaluation.frame
    pairs = [
        ("reading_valence", "target_valence", "reading valence"),
        ("reading_arousal", "target_arousal", "reading arousal"),
        ("vibenet_valence", "target_valence", "VibeNet valence (raw)"),
        ("vibenet_energy", "target_arousal", "VibeNet energy (raw)"),
    ]
    figure, axes = plt.subplots(2, 2, figsize=(10, 9))
    genres = frame["genre"].fillna("–").astype(str)
    for axis, (x, y, title) in zip(axes.flat, pairs, strict=True):
        column = x if x in frame.columns else x.removeprefix("vibenet_")
        for genre in sorted(genres.unique()):
            rows = genres == genre
            axis.scatter(frame.loc[rows, column], frame.loc[rows, y], s=10, label=genre)
        rho = evaluation.scores.get("reading" if x.startswith("reading") else "vibenet", {})
        entry = rho.get("all", {}).get(y.removeprefix("target_"), {})
        axis.set_title(f"{title}: ρ {entry.get('rho', float('nan')):.2f}")
        axis.set_xlabel(title)
        axis.set_ylabel(f"listeners' {y.removeprefix('target_')}")
    axes.flat[0].legend(fontsize=8)
    figure.tight_layout()

    def save(temporary: Path) -> None:
        figure.savefig(temporary, format="png", dpi=90)

    from moodtune.files import replace_atomically

    replace_atomically(path, save)
    plt.close(figure)
    return path
