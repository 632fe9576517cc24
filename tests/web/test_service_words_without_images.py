"""Words are read even when image reading could not be loaded (issue 13): the words path
needs only the words model, so a words-only request is answered, an image one says why not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def imageless(catalogue, reader, monkeypatch) -> Iterator:
    from fastapi.testclient import TestClient

    import moodtune.vision as vision
    from moodtune.web import create_app

    class Broken:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise ImportError("ai_edge_litert is not installed")

    monkeypatch.setattr(vision, "EmotionReader", Broken)  # an image runtime that fails to load
    with TestClient(create_app(catalogue=catalogue)) as client:
        yield client


def test_words_alone_are_read_without_the_image_reader(imageless, astronaut_jpeg):
    health = imageless.get("/api/health").json()
    assert health["image_reading"] is False and health["words_reading"] is True
    answer = imageless.post("/api/recommend", json={"text": "I am so happy today!", "k": 3})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["reading"]["source"] == "text" and body["target"]["top"] == "happiness"
    image = imageless.post("/api/emotion", files={"image": ("a.jpg", astronaut_jpeg, "image/jpeg")})
    assert image.status_code == 503
    assert "ai_edge_litert" in image.json()["detail"]


def test_binary_looking_words_are_read_as_nothing_readable(client, astronaut_jpeg):
    # Schema-valid text (not blank) is never refused: such words are left out, with a note.
    junk = "ã>\x90\U0009f89féȺ\U000a287e\U00102080"
    alone = client.post("/api/emotion", data={"text": junk})
    assert alone.status_code == 200, alone.text
    reading = alone.json()
    assert reading["top"] == "neutral" and reading["confidence"] == "low"
    assert any("binary data" in note for note in reading["notes"])
    beside = client.post(
        "/api/emotion",
        data={"text": junk},
        files={"image": ("a.jpg", astronaut_jpeg, "image/jpeg")},
    )
    assert beside.status_code == 200 and beside.json()["top"] == "happiness"
    assert any("binary data" in note for note in beside.json()["notes"])
