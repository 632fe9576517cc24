"""``moodtune analyze`` (moodtune.cli.audio_commands): files that are not audio are a note on a
good run."""

from __future__ import annotations

import numpy as np
import pytest


def test_files_that_are_not_audio_are_a_note_on_a_good_run(run_cli, tmp_path) -> None:
    soundfile = pytest.importorskip("soundfile")
    pytest.importorskip("librosa")
    music = tmp_path / "music"
    music.mkdir()
    t = np.arange(3 * 22050) / 22050
    soundfile.write(music / "a.wav", (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050)
    (music / "cover.jpg").write_bytes(b"not audio")
    (music / "notes.txt").write_text("not audio")
    code, _, err = run_cli("analyze", str(music), "--out", str(tmp_path / "f.csv"), "--no-estimate")
    assert code == 0, err
    assert "error" not in err
    assert "skipped 2 file(s) that are not audio: cover.jpg, notes.txt" in err
