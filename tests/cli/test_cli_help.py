"""Help without type noise (moodtune.cli.help): arguments and values named as click does."""

from __future__ import annotations

import re

import pytest
import typer

from moodtune.cli.help import plain_help
from moodtune.cli.main import app


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
