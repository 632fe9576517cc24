"""The ``moodtune`` command: a thin layer over the library API.

Each concern registers its commands from its own module (``moodtune.cli.<concern>``), which
imports heavy libraries only inside the command functions so that ``moodtune --help`` and
``moodtune predict`` start fast. :func:`main` runs them: help in plain words (see
:mod:`moodtune.cli.help`), every user mistake as one line on standard error with exit status 2,
and the library's notes (the ``moodtune`` logger) shown on standard error.
"""

from __future__ import annotations

import sys

import typer

from moodtune.cli import console
from moodtune.cli.help import ClickException, one_line, plain_help
from moodtune.errors import MoodtuneError

__all__ = ["app", "main"]

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


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI (``argv``: the arguments, default ``sys.argv[1:]``).

    A usage mistake (unknown option, missing argument, bad value) and a
    :class:`MoodtuneError` from a command are each printed as one line, with exit status 2.
    """
    command = plain_help(typer.main.get_command(app))
    try:
        with console.showing_notes():
            code = command.main(args=argv, prog_name="moodtune", standalone_mode=False)
    except ClickException as error:  # usage errors, from Click's parser or a command
        console.error(one_line(error))
        sys.exit(error.exit_code)
    except MoodtuneError as error:
        console.error(str(error))
        sys.exit(2)
    except typer.Abort:
        console.error("aborted")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)  # as Click's standalone mode does


if __name__ == "__main__":
    main()
