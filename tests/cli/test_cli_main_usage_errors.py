"""Usage errors in one line (moodtune.cli.main), in process and from the installed command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import moodtune

SRC = Path(moodtune.__file__).resolve().parents[1]


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
