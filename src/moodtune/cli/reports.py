"""What the evaluate commands share: checking report paths first, writing the reports, and
the table of F1 per class."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moodtune.cli import console

__all__ = ["check_report_paths", "print_per_class_f1", "save_reports"]


def check_report_paths(json_path: Path | None, report: Path | None) -> None:
    """Refuse a bad --json or --report path before any work is done."""
    from moodtune.model import report as reports

    for path, suffixes in ((json_path, (".json",)), (report, (".md", ".html"))):
        if path is not None:
            reports.check_output(path, suffixes)


def save_reports(result: Any, json_path: Path | None, report: Path | None) -> None:
    """Write the JSON report and the Markdown/HTML one, where asked, and say where."""
    from moodtune.model import report as reports

    if json_path:
        reports.write_json(result, json_path)
        console.done(f"JSON report → {json_path}")
    if report:
        reports.write_document(result, report)
        console.done(f"report → {report}")


def print_per_class_f1(data: dict[str, Any], title: str) -> None:
    """The F1 of every label, a row per model, from a report's ``to_dict()``."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column("model")
    for label in data["labels"]:
        table.add_column(label, justify="right")
    for name, scores in data["models"].items():
        table.add_row(name, *(f"{v:.2f}" for v in scores["per_class_f1"].values()))
    console.out.print(table)
