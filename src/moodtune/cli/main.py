"""The ``moodtune`` command: a thin layer over the library API.

Each concern registers its commands from its own module (``moodtune.cli.<concern>``), which
imports heavy libraries only inside the command functions so that ``moodtune --help`` and
``moodtune predict`` start fast.
"""

from __future__ import annotations

import sys

import typer

from moodtune.cli import console
from moodtune.errors import MoodtuneError

app = typer.Typer(
    name="moodtune",
    help="Tell which emotion a piece of music carries, and recommend music for a picture.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from moodtune import __version__

        console.out.print(f"moodtune {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """moodtune: music ↔ emotion."""


def _register() -> None:
    """Let every ``moodtune.cli.*_commands`` module add its commands, in name order."""
    import importlib
    import pkgutil

    import moodtune.cli as package

    for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
        if module.endswith("_commands"):
            importlib.import_module(f"moodtune.cli.{module}").register(app)


_register()


def main() -> None:
    """Entry point: run the CLI, turning user mistakes into a message and exit status 2.

    Click (standalone mode) reports usage errors itself, with exit status 2; a
    :class:`MoodtuneError` from a command is printed as one clear line.
    """
    try:
        app()
    except MoodtuneError as error:
        console.error(str(error))
        sys.exit(2)


if __name__ == "__main__":
    main()
