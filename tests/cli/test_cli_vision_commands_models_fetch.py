"""``moodtune models fetch`` (moodtune.cli.vision_commands) keeps the verified files."""

from __future__ import annotations

import shutil

import pytest


def test_models_fetch_keeps_verified_files(run_cli, tmp_path, monkeypatch) -> None:
    from moodtune import assets

    if not all(value == "ok" for value in assets.status().values()):
        pytest.skip("needs the verified model files in this machine's cache (models fetch)")
    shutil.copytree(assets.cache_dir(), tmp_path / "models")
    monkeypatch.setenv("MOODTUNE_CACHE", str(tmp_path))
    # Any download would fail: pip is pointed at a closed port.
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")  # refused at once, not after pip's five retries
    code, _, err = run_cli("models", "fetch")
    assert code == 0, err
    assert f"{len(assets.MODEL_FILES)} model file(s) already in" in err and "downloading" not in err
    corrupt = tmp_path / "models" / assets.MODEL_FILES["expression"].filename
    corrupt.write_bytes(b"corrupt")  # a file that is not verified is fetched again
    code, _, err = run_cli("models", "fetch")
    assert code == 2 and "downloading" in err and "fer" in err, err
