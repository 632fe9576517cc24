"""Fixtures for the audio tests: a folder of synthetic audio files."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from audio_synth import clicks, progression, write


@pytest.fixture
def music_folder(tmp_path: Path) -> Path:
    """Three short real audio files (wav, flac, ogg) with known tempo, in a fresh folder."""
    folder = tmp_path / "music"
    folder.mkdir()
    chords = progression(0, 1, chord_seconds=0.75)
    y = 0.7 * clicks(120, seconds=6.0)[: chords.size] + 0.3 * chords
    write(folder / "a_c_major_120.wav", y)
    write(folder / "b_clicks_90.flac", clicks(90, seconds=6.0))
    write(
        folder / "c_a_minor.ogg",
        progression(9, 0, chord_seconds=0.75),
        format="OGG",
        subtype="VORBIS",
    )
    return folder


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
