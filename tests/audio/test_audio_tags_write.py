"""``moodtune analyze --write-tags``: the emotion and reading of each file, in its own tags."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("mutagen", reason="tags need the 'tags' extra (mutagen)")

from moodtune.audio.tags import read_tags


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_analyze_writes_tags_once_and_leaves_other_formats_alone(music_folder, tmp_path, run_cli):
    pytest.importorskip("vibenet", reason="the emotion model reads features VibeNet estimates")
    out = tmp_path / "features.csv"
    code, _, err = run_cli("analyze", str(music_folder), "--out", str(out), "--write-tags")
    assert code == 0, err
    said = " ".join(err.split())
    assert "tags: 2 file(s) written, 0 already had them, 1 left alone" in said
    assert "a_c_major_120.wav" in said  # WAV: named, not tagged
    for name in ("b_clicks_90.flac", "c_a_minor.ogg"):
        tags = read_tags(music_folder / name)
        assert tags["MOOD"] in {"anger", "disgust", "fear", "happiness", "neutral", "sadness",
                                "surprise"}  # fmt: skip
        assert -1 <= float(tags["MOODTUNE_VALENCE"]) <= 1
        assert -1 <= float(tags["MOODTUNE_AROUSAL"]) <= 1
    before = digests(music_folder)
    code, _, err = run_cli("analyze", str(music_folder), "--out", str(out), "--write-tags")
    assert code == 0, err
    assert "tags: 0 file(s) written, 2 already had them" in " ".join(err.split())
    assert digests(music_folder) == before  # idempotent: nothing rewritten


def test_without_the_estimated_features_no_tag_is_written(music_folder, tmp_path, run_cli):
    before = digests(music_folder)
    out = tmp_path / "features.csv"
    code, _, err = run_cli(
        "analyze", str(music_folder), "--out", str(out), "--no-estimate", "--write-tags"
    )
    assert code == 2
    assert "--write-tags needs the features the emotion model reads" in " ".join(err.split())
    assert digests(music_folder) == before
