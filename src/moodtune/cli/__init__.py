"""The ``moodtune`` command line (Typer): a shell over the library, see :mod:`moodtune.cli.main`."""

from __future__ import annotations

__all__: list[str] = []  # the entry point is moodtune.cli.main:main
