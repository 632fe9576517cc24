"""The ``python -m`` entries of library modules, kept with the CLI because they print.

* ``python -m moodtune.audio.builtin [--regenerate | --rederive]`` → :func:`builtin_main`
* ``python -m moodtune.text.train FOLDER`` → :func:`text_train_main`
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from moodtune.errors import MoodtuneError

__all__ = ["builtin_main", "text_train_main"]


def builtin_main(argv: list[str] | None = None) -> int:
    """Show, regenerate (``--regenerate``) or re-predict (``--rederive``) the built-in
    catalogue; returns the exit status."""
    from moodtune.audio import builtin

    parser = argparse.ArgumentParser(
        prog="python -m moodtune.audio.builtin",
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


def text_train_main(argv: list[str] | None = None) -> int:
    """Train the words head on GoEmotions train.csv, choose it on dev.csv; print the dev
    figures of every candidate. Returns the exit status."""
    from moodtune.text.train import default_head_folder, train

    parser = argparse.ArgumentParser(
        prog="python -m moodtune.text.train",
        description="Train the words head on GoEmotions train.csv, choose it on dev.csv.",
    )
    parser.add_argument("folder", type=Path, help="folder with train.csv and dev.csv")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="head folder to write (default: text-head in the user data folder)",
    )
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for the embeddings")
    args = parser.parse_args(argv)
    command = "python -m moodtune.text.train " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        head, results = train(
            args.folder, out=args.out, threads=args.threads, command=command, progress=say
        )
    except MoodtuneError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{'model':28} {'accuracy':>9} {'macro-F1':>9}")
    for name, result in results.items():
        mark = " ← written" if name == head.metadata["chosen"]["name"] else ""
        print(f"{name:28} {result.accuracy:9.3f} {result.macro_f1:9.3f}{mark}")
    print(f"wrote {args.out or default_head_folder()}")
    return 0
