"""Shared fixtures: the real public data sets that live beside the project in ../shared."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def datasets() -> Path:
    """``../shared/datasets`` (see its README); the tests need it, as CI provides it."""
    assert DATASETS.is_dir(), f"expected the shared data sets at {DATASETS}"
    return DATASETS


@dataclass
class CliRun:
    """What ``moodtune ARGS`` did: its exit status and what it printed."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliRun]:
    """Run ``moodtune ARGS`` in-process through ``moodtune.cli.main.main()``, the console
    script's entry point: a user mistake ends with status 2 and a message; any other
    exception is not caught here, so it fails the test as a traceback would fail the user."""
    from moodtune.cli.main import main

    def run(*args: str) -> CliRun:
        monkeypatch.setattr(sys, "argv", ["moodtune", *args])
        monkeypatch.setenv("COLUMNS", "200")
        code = 0
        try:
            main()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def run_cli(run_main: Callable[..., CliRun]) -> Callable[..., tuple[int, str, str]]:
    """Like ``run_main``, returning ``(exit code, stdout, stderr)``."""

    def run(*args: str) -> tuple[int, str, str]:
        result = run_main(*args)
        return result.exit_code, result.stdout, result.stderr

    return run
