"""The command line speaks plainly: help without type noise, usage errors in one line, the
library's notes on standard error (issue 11 item 8, issue 14 item 3)."""

from __future__ import annotations

import inspect
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

import moodtune
from moodtune.cli import console
from moodtune.cli.help import plain_help
from moodtune.cli.main import app

SRC = Path(moodtune.__file__).resolve().parents[1]


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and group of ``moodtune``, as argument tuples (the root is ())."""
    paths: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(plain_help(typer.main.get_command(app)), ())
    return paths


#: Typer 0.2x's labels: ``<bool>``, ``<path>``, ``<list[Path]>``, ``<int range>``.
TYPE_LABEL = re.compile(r"<[a-zA-Z][\w\[\], |.]*>")
#: Typer 0.2x's required arguments in the usage line: ``{table}``, ``{paths}...``.
BRACED = re.compile(r"\{[a-z_]+\}")


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "moodtune")
def test_help_shows_no_type_noise(run_main, path: tuple[str, ...]) -> None:
    result = run_main(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    assert not TYPE_LABEL.findall(result.stdout), TYPE_LABEL.findall(result.stdout)
    assert not BRACED.findall(result.stdout), BRACED.findall(result.stdout)


def test_help_names_arguments_and_values_as_click_does(run_main) -> None:
    analyze = run_main("analyze", "--help").stdout
    assert "moodtune analyze [OPTIONS] PATHS..." in analyze
    assert re.search(r"--jobs\s+-j\s+INTEGER", analyze)
    assert re.search(r"--out\s+-o\s+PATH", analyze)
    assert "moodtune predict [OPTIONS] TABLE" in run_main("predict", "--help").stdout
    assert "moodtune emotion [OPTIONS] [IMAGE]" in run_main("emotion", "--help").stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("predict",), "Missing argument 'TABLE' (see 'moodtune predict --help')"),
        (("nosuch",), "No such command 'nosuch'"),
        (("analyze", "x.wav", "-o", "x.csv", "--jobs", "0"), "Invalid value for '--jobs'"),
        (("label", "t.csv", "-o", "x.csv", "--rule", "--bogus"), "No such option: --bogus"),
        (("emotion",), "give an IMAGE, --text WORDS, or both"),
        (("catalog", "add-audio"), "Missing argument 'FOLDER'"),
    ],
)
def test_usage_errors_are_one_line(run_main, args: tuple[str, ...], expected: str) -> None:
    result = run_main(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0], lines[0]
    assert not set("╭│╰─") & set(result.stderr), result.stderr


def test_the_installed_command_prints_a_usage_error_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "moodtune", "predict"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "COLUMNS": "80", "PATH": ""},
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "error: Missing argument 'TABLE' (see 'moodtune predict --help')"
    ]


def test_library_notes_are_shown_while_a_command_runs(capsys) -> None:
    library = logging.getLogger("moodtune.text.reader")
    with console.showing_notes():
        library.info("first use: fetching model files into /tmp/x (once)")
        logging.getLogger("elsewhere").warning("not ours")
    library.info("after the command")
    err = capsys.readouterr().err
    assert "moodtune: first use: fetching model files into /tmp/x (once)" in err
    assert "not ours" not in err and "after the command" not in err
    assert not logging.getLogger("moodtune").handlers  # left as it was


@pytest.mark.parametrize(
    ("module", "owner"),
    [
        ("moodtune.text.reader", "TextReader"),
        ("moodtune.text.classifier", "TextEmotionClassifier"),
        ("moodtune.vision.reader", "EmotionReader"),
    ],
)
def test_the_readers_log_their_notes_instead_of_printing(
    module: str, owner: str, caplog, capsys
) -> None:
    import importlib

    cls = getattr(importlib.import_module(module), owner)
    default = inspect.signature(cls.__init__).parameters["notify"].default
    with caplog.at_level(logging.INFO, logger="moodtune"):
        default("first use: fetching")
    assert [(r.name, r.getMessage()) for r in caplog.records] == [(module, "first use: fetching")]
    assert capsys.readouterr() == ("", "")


def test_the_old_stderr_notify_logs_too(caplog, capsys) -> None:
    from moodtune import assets

    with caplog.at_level(logging.INFO, logger="moodtune"):
        assets.stderr_notify("downloading x")
    assert caplog.records[0].name == "moodtune.assets"
    assert capsys.readouterr() == ("", "")
