"""Fixtures for the audio tests: a folder of synthetic audio files."""

from __future__ import annotations

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
