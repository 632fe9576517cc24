"""Bad input: clear ImageError for every case, and nothing written to disk."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from moodtune.errors import MoodtuneError
from moodtune.vision.images import MAX_BYTES, ImageError, load_image

from .pictures import encode


def test_image_error_is_a_moodtune_error() -> None:
    assert issubclass(ImageError, MoodtuneError)


def test_reads_jpeg_bytes_and_path(astronaut: np.ndarray, tmp_path: Path) -> None:
    data = encode(astronaut)
    path = tmp_path / "astronaut.jpg"
    path.write_bytes(data)
    from_bytes, from_path = load_image(data), load_image(path)
    assert from_bytes.size == from_path.size == (512, 512)
    assert from_bytes.format == "JPEG"
    assert np.array_equal(np.asarray(from_bytes.image), np.asarray(from_path.image))


def test_not_an_image() -> None:
    with pytest.raises(ImageError, match="not an image"):
        load_image(b"title,artist\nYesterday,The Beatles\n" * 10)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        load_image(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="not found"):
        load_image(tmp_path / "nope.jpg")


@pytest.mark.parametrize("format", ["JPEG", "PNG"])
def test_truncated_image(astronaut: np.ndarray, format: str) -> None:
    data = encode(astronaut, format)
    with pytest.raises(ImageError, match="truncated"):
        load_image(data[: len(data) // 2], name="half.img")


def test_over_20_megabytes_bytes() -> None:
    with pytest.raises(ImageError, match="20 MB"):
        load_image(b"\xff\xd8" + b"\0" * MAX_BYTES)


def test_over_20_megabytes_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.jpg"
    with open(path, "wb") as handle:  # a sparse file: 30 MB without writing 30 MB
        handle.truncate(30 * 1024 * 1024)
    with pytest.raises(ImageError, match=r"31\.5 MB is over the 20 MB limit"):
        load_image(path)


def test_over_40_megapixels() -> None:
    # 8000×6000 = 48 MP, a few kB as a 1-bit PNG: refused from the header, before decoding.
    data = encode(np.zeros((6000, 8000), dtype=bool), "PNG")
    assert len(data) < 100_000
    with pytest.raises(ImageError, match=r"48\.0 megapixels, over the 40 megapixel limit"):
        load_image(data)


def test_decompression_bomb_beyond_pillow_limit() -> None:
    image = Image.new("1", (20_000, 10_000))  # 200 MP: Pillow itself refuses to open it
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    with pytest.raises(ImageError, match="megapixel"):
        load_image(buffer.getvalue())


def test_animated_gif_gives_first_frame() -> None:
    frames = [Image.new("RGB", (64, 48), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    loaded = load_image(buffer.getvalue())
    assert loaded.size == (64, 48)
    red, green, blue = np.asarray(loaded.image)[10, 10]
    assert red > 200 and green < 50 and blue < 50
    assert any("3 frames" in note for note in loaded.notes)


def test_exif_orientation_is_applied(astronaut: np.ndarray) -> None:
    # Pixels stored rotated, with EXIF orientation 6 ("rotate 90° clockwise to display").
    stored = Image.fromarray(astronaut[:, :400]).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=exif.tobytes())
    loaded = load_image(buffer.getvalue())
    assert stored.size == (512, 400)
    assert loaded.size == (400, 512)
    difference = np.abs(np.asarray(loaded.image, float) - astronaut[:, :400]).mean()
    assert difference < 10  # upright again (JPEG noise only)


def test_rgba_and_grayscale_become_rgb(astronaut: np.ndarray) -> None:
    gray = load_image(encode(astronaut[..., 0], "PNG"))
    rgba = load_image(encode(np.dstack([astronaut, np.full((512, 512), 255, np.uint8)]), "PNG"))
    assert gray.image.mode == rgba.image.mode == "RGB"


def test_unsupported_format_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PPM")
    with pytest.raises(ImageError, match="not an image moodtune can read"):
        load_image(buffer.getvalue())


@pytest.mark.parametrize(
    "content",
    [b"not an image at all", b"GIF89a" + b"\0" * 20],
    ids=["text", "broken-gif"],
)
def test_cli_bad_image_exits_2_and_writes_nothing(
    content: bytes, tmp_path: Path, run_cli, offline_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    image = folder / "holiday.jpg"
    image.write_bytes(content)
    monkeypatch.chdir(folder)
    cache_before = sorted(os.listdir(offline_env / "models"))
    code, _, err = run_cli("emotion", str(image), "--offline")
    assert code == 2
    assert "holiday.jpg" in err and ("not an image" in err or "truncated" in err)
    assert sorted(p.name for p in folder.iterdir()) == ["holiday.jpg"]
    assert image.read_bytes() == content
    assert sorted(os.listdir(offline_env / "models")) == cache_before


def test_large_jpeg_is_decoded_at_a_reduced_scale(astronaut: np.ndarray) -> None:
    big = np.asarray(Image.fromarray(astronaut).resize((4096, 4096)))
    data = encode(big[:3072])
    loaded = load_image(data, min_side=1024)
    assert loaded.size == (4096, 3072)  # the picture's size, whatever the decoding scale
    assert loaded.scale == 4.0 and loaded.image.size == (1024, 768)  # JPEG 1/4 decoding
    assert load_image(data).scale == 1.0 and load_image(data).image.size == (4096, 3072)
