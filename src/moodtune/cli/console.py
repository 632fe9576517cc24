"""Shared Rich consoles: results go to stdout, messages and progress to stderr.

The library never prints: it logs its notes for people to the ``moodtune`` logger, and
:func:`showing_notes` shows them here, on standard error, while a command runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape

__all__ = ["NoteHandler", "done", "err", "error", "note", "out", "showing_notes", "working"]

out = Console()
err = Console(stderr=True)


def error(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def note(message: str) -> None:
    err.print(f"[dim]{escape(message)}[/]", highlight=False, soft_wrap=True)


def done(message: str) -> None:
    err.print(f"[green]✓[/] {escape(message)}", highlight=False, soft_wrap=True)


class NoteHandler(logging.Handler):
    """Shows the library's log records as notes on standard error (``moodtune: …``)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            note(f"moodtune: {record.getMessage()}")
        except Exception:  # pragma: no cover - logging must never break the command
            self.handleError(record)


@contextmanager
def showing_notes(level: int = logging.INFO) -> Iterator[NoteHandler]:
    """Show the ``moodtune`` logger's records at ``level`` and above while the block runs.

    The handler is removed afterwards (a command run in-process leaves logging as it was);
    a logger level the user set lower is kept. Nested use adds no second handler, so each
    note is shown once.
    """
    logger = logging.getLogger("moodtune")
    shown = next((h for h in logger.handlers if isinstance(h, NoteHandler)), None)
    if shown is not None:
        yield shown
        return
    handler = NoteHandler(level)
    previous = logger.level
    if previous == logging.NOTSET or previous > level:
        logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


@contextmanager
def working(description: str, *, notes: bool = True) -> Iterator[Callable[[str], None]]:
    """A transient spinner on stderr with the time elapsed and the latest step, while the
    block runs; the callable it yields takes a step in words (also kept as a note, unless
    ``notes`` is False)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task(description, total=None)

    def step(what: str) -> None:
        if notes:
            note(what)
        bar.update(task, description=f"{description}: {what}")

    with bar:
        yield step
