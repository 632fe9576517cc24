"""Faces and scenes on real photos shipped by scikit-image, and the reading's contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from moodtune.emotions import EMOTIONS
from moodtune.senses import read_emotion
from moodtune.vision.detector import (
    FULL_RANGE,
    SHORT_RANGE,
    anchor_centres,
    tiles,
    weighted_nms,
)
from moodtune.vision.expression import TO_EMOTIONS, face_crop
from moodtune.vision.reading import EmotionReading
from moodtune.vision.scene import colour_statistics, scene_distribution

from .pictures import encode


def test_astronaut_is_one_happy_face(reader, astronaut: np.ndarray) -> None:
    reading = reader.read(encode(astronaut))
    assert reading.source == "face"
    assert len(reading.faces) == 1
    assert reading.top == "happiness"
    assert reading.confidence == "high"
    assert reading.image_size == (512, 512)
    x, y, w, h = reading.faces[0].box
    # Eileen Collins' face lies within x 160–290, y 60–200 of the 512×512 picture.
    assert x >= 160 and x + w <= 290 and y >= 60 and y + h <= 200 and w > 60
    assert reading.faces[0].confidence > 0.8
    assert list(reading.probabilities) == list(EMOTIONS)
    assert sum(reading.probabilities.values()) == pytest.approx(1.0)


def test_photo_without_face_is_a_low_confidence_scene(reader, coffee: np.ndarray) -> None:
    reading = reader.read(encode(coffee))
    assert reading.source == "scene"
    assert reading.faces == []
    assert reading.confidence == "low"
    assert reading.image_size == (600, 400)
    colour = colour_statistics(coffee)
    expected = scene_distribution(colour)
    # Computed on a 256-px thumbnail: the same estimate within rounding.
    assert np.allclose(reading.vector(), expected, atol=0.02)
    assert any("Valdez & Mehrabian" in note for note in reading.notes)


def test_two_faces_are_combined_by_area_and_score(reader, astronaut: np.ndarray) -> None:
    from skimage import data

    camera = np.dstack([data.camera()] * 3)
    reading = reader.read(encode(np.concatenate([astronaut, camera], axis=1), "PNG"))
    assert reading.source == "face"
    assert len(reading.faces) == 2
    assert any(f.box[0] > 512 for f in reading.faces) and any(f.box[0] < 512 for f in reading.faces)
    weights = np.array([f.box[2] * f.box[3] * f.confidence for f in reading.faces])
    faces = np.array([[f.probabilities[e] for e in EMOTIONS] for f in reading.faces])
    assert np.allclose(reading.vector(), weights @ faces / weights.sum(), atol=1e-9)
    assert any("2 faces" in note for note in reading.notes)


def test_rotated_photo_with_exif_still_finds_the_face(reader, astronaut: np.ndarray) -> None:
    import io

    from PIL import Image

    stored = Image.fromarray(astronaut).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=exif.tobytes())
    reading = reader.read(buffer.getvalue())
    assert reading.top == "happiness" and len(reading.faces) == 1
    assert 160 <= reading.faces[0].box[0] <= 200  # box in the upright picture


def test_path_and_bytes_agree(reader, astronaut: np.ndarray, tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    path.write_bytes(encode(astronaut))
    assert reader.read(path).to_dict() == reader.read(str(path)).to_dict()
    assert reader.read(path).to_dict() == reader.read(path.read_bytes()).to_dict()


def test_to_dict_is_json(reader, astronaut: np.ndarray) -> None:
    data = json.loads(json.dumps(reader.read(encode(astronaut)).to_dict()))
    assert data["top"] == "happiness" and data["source"] == "face"
    assert len(data["faces"]) == 1 and len(data["faces"][0]["box"]) == 4
    assert data["image_size"] == [512, 512]


def test_read_emotion_uses_the_cache(offline_env: Path, astronaut: np.ndarray) -> None:
    reading = read_emotion(encode(astronaut), offline=True)
    assert isinstance(reading, EmotionReading)
    assert reading.top == "happiness"


def test_nothing_to_read(reader) -> None:
    from moodtune.errors import MoodtuneError

    with pytest.raises(MoodtuneError, match="give an image"):
        reader.read(None, "   ")


def test_importing_moodtune_vision_is_light() -> None:
    code = (
        "import sys, moodtune.vision, moodtune.text; "
        "heavy = {'PIL', 'ai_edge_litert', 'onnxruntime', 'tokenizers', 'skimage'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- pieces --------------------------------------------------------------------------------


def test_anchor_counts_and_layout() -> None:
    short, full = anchor_centres(SHORT_RANGE), anchor_centres(FULL_RANGE)
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    # 16×16 grid with 2 anchors per cell, then 8×8 with 6 per cell.
    assert np.allclose(short[0], short[1]) and np.allclose(short[0], [0.5 / 16, 0.5 / 16])
    assert np.allclose(short[2], [1.5 / 16, 0.5 / 16])
    assert np.allclose(short[512], [0.5 / 8, 0.5 / 8]) and np.allclose(short[517], short[512])
    assert np.allclose(short[518], [1.5 / 8, 0.5 / 8])
    assert np.allclose(full[1], [1.5 / 48, 0.5 / 48]) and np.allclose(
        full[48], [0.5 / 48, 1.5 / 48]
    )


def test_weighted_nms_merges_overlaps_only() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.9, 0.6, 0.8], np.float32)
    merged, kept = weighted_nms(boxes, scores)
    assert kept.tolist() == pytest.approx([0.9, 0.8])
    assert merged[0] == pytest.approx([0.4, 0.4, 10.4, 10.4])  # (0.9·0 + 0.6·1) / 1.5
    assert merged[1] == pytest.approx([50, 50, 60, 60])


def test_tiles_cover_the_image() -> None:
    windows = tiles(640, 480)
    assert windows and all(side == 288 for _, _, side in windows)
    covered = np.zeros((480, 640), bool)
    for x, y, side in windows:
        covered[y : y + side, x : x + side] = True
    assert covered.all()
    assert tiles(128, 128) == []


def test_face_crop_pads_at_the_edges() -> None:
    gray = np.full((100, 100), 200, np.uint8)
    crop = face_crop(gray, np.array([-20, -20, 30, 30]))
    assert crop.shape == (64, 64) and crop.dtype == np.float32
    assert np.allclose(crop, 200 / 127.5 - 1)


def test_fer_label_order_maps_to_emotions() -> None:
    fer = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    names = {
        "anger": "angry",
        "disgust": "disgust",
        "fear": "fear",
        "happiness": "happy",
        "neutral": "neutral",
        "sadness": "sad",
        "surprise": "surprise",
    }
    assert [fer[i] for i in TO_EMOTIONS] == [names[e] for e in EMOTIONS]


def test_scene_formula_on_plain_colours() -> None:
    white = colour_statistics(np.full((4, 4, 3), 255, np.uint8))
    assert (white.brightness, white.saturation) == (1.0, 0.0)
    assert white.pleasure == pytest.approx(0.69) and white.arousal == pytest.approx(-0.31)
    assert white.valence == pytest.approx((0.69 - 0.455) / 0.455)
    assert white.arousal_scaled == pytest.approx(-1.0)
    red = colour_statistics(np.tile(np.array([255, 0, 0], np.uint8), (4, 4, 1)))
    assert red.pleasure == pytest.approx(0.91) and red.arousal == pytest.approx(0.29)
    assert red.valence == pytest.approx(1.0)
    black = colour_statistics(np.zeros((4, 4, 3), np.uint8))
    assert black.valence == pytest.approx(-1.0) and black.colourfulness == 0.0
    # Bright saturated red: pleasant and aroused → happiness; black → sadness side.
    assert EMOTIONS[int(np.argmax(scene_distribution(red)))] == "happiness"
    dark = scene_distribution(black)
    assert dark.sum() == pytest.approx(1.0)
    assert EMOTIONS[int(np.argmax(dark))] == "sadness"


def test_smaller_face_on_a_640x480_canvas_is_still_one_face(reader, astronaut) -> None:
    # The benchmark's picture: tiles used to take the astronaut's glove for a second face.
    canvas = np.full((480, 640, 3), 128, np.uint8)
    from PIL import Image

    canvas[:, 80:560] = np.asarray(Image.fromarray(astronaut).resize((480, 480)))
    reading = reader.read(encode(canvas))
    assert len(reading.faces) == 1 and reading.top == "happiness"


def test_small_faces_in_a_large_picture_are_found(reader, astronaut) -> None:
    from PIL import Image

    canvas = np.full((960, 1280, 3), 90, np.uint8)
    small = np.asarray(Image.fromarray(astronaut).resize((320, 320)))
    canvas[40:360, 40:360] = small  # face about 60 px: 12 px at the detector's 128 px input
    canvas[560:880, 900:1220] = small
    reading = reader.read(encode(canvas))
    assert len(reading.faces) == 2 and reading.top == "happiness"


def test_one_reader_shared_by_threads(reader, astronaut, coffee) -> None:
    from concurrent.futures import ThreadPoolExecutor

    images = [encode(astronaut), encode(coffee)] * 4
    expected = [reader.read(image).to_dict() for image in images[:2]]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda image: reader.read(image).to_dict(), images))
    assert results == expected * 4


def test_large_jpeg_boxes_are_in_picture_pixels(reader, astronaut) -> None:
    from PIL import Image

    big = np.asarray(Image.fromarray(astronaut).resize((3000, 3000)))
    canvas = np.full((3000, 4000, 3), 128, np.uint8)
    canvas[:, 500:3500] = big
    reading = reader.read(encode(canvas))
    assert reading.image_size == (4000, 3000)
    assert len(reading.faces) == 1 and reading.top == "happiness"
    x, y, w, _ = reading.faces[0].box
    # The 512-px picture's face (x 176–274, y 77–175) scaled by 3000/512 and shifted by 500.
    assert abs(x - (500 + 176 * 3000 / 512)) < 60 and abs(y - 77 * 3000 / 512) < 60
    assert abs(w - 98 * 3000 / 512) < 80


def test_cli_emotion(run_cli, offline_env: Path, astronaut, tmp_path: Path) -> None:
    path = tmp_path / "astronaut.jpg"
    path.write_bytes(encode(astronaut))
    code, out, err = run_cli("emotion", str(path), "--offline", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["top"] == "happiness" and data["source"] == "face" and len(data["faces"]) == 1
    code, out, err = run_cli("emotion", str(path), "--offline", "--text", "a sunny day at sea")
    assert code == 0, err
    assert "astronaut.jpg → happiness" in out and "source: combined" in out
    assert "face 1: happiness" in out and "combined: 0.75 × face" in err
