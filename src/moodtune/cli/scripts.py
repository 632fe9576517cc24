"""Maintainers' entries that print, kept with the CLI (the library never imports it).

* ``python -m moodtune.cli.scripts builtin [--regenerate | --rederive]`` → :func:`builtin_main`:
  show, regenerate or re-predict the built-in catalogue (:mod:`moodtune.audio.builtin`).

Training the words head is the ``moodtune train-text FOLDER`` command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from moodtune.errors import MoodtuneError

__all__ = ["SCRIPTS", "builtin_main", "main"]


def builtin_main(argv: list[str] | None = None) -> int:
    """Show, regenerate (``--regenerate``) or re-predict (``--rederive``) the built-in
    catalogue; returns the exit status."""
    from moodtune.audio import builtin

    parser = argparse.ArgumentParser(
        prog="python -m moodtune.cli.scripts builtin",
        description=(builtin.__doc__ or "").splitlines()[0],
    )
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="analyse the installed clips and rewrite the stored catalogue",
    )
    parser.add_argument(
        "--rederive",
        action="store_true",
        help="re-predict emotions and reading from the stored features with the default model",
    )
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    arguments = parser.parse_args(argv)
    try:
        if arguments.rederive:
            print(f"wrote {builtin.rederive()}")
        elif arguments.regenerate:
            print(f"wrote {builtin.regenerate(jobs=arguments.jobs)}")
        else:
            table, paths, _ = builtin.builtin_catalogue()
            print(f"{len(table)} built-in tracks, {sum(p is not None for p in paths)} playable")
    except MoodtuneError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


#: ``python -m moodtune.cli.scripts NAME ...``: the entry of each NAME.
SCRIPTS: dict[str, Callable[[list[str] | None], int]] = {"builtin": builtin_main}


def main(argv: list[str] | None = None) -> int:
    """``python -m moodtune.cli.scripts NAME [ARGS]``: run the script NAME with ARGS."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in SCRIPTS:
        print(f"usage: python -m moodtune.cli.scripts {{{','.join(SCRIPTS)}}} ...", file=sys.stderr)
        return 2
    return SCRIPTS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
