"""Shared Rich consoles: results go to stdout, messages and progress to stderr."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

out = Console()
err = Console(stderr=True)


def error(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def note(message: str) -> None:
    err.print(f"[dim]{escape(message)}[/]", highlight=False, soft_wrap=True)


def done(message: str) -> None:
    err.print(f"[green]✓[/] {escape(message)}", highlight=False, soft_wrap=True)
