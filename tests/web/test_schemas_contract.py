"""The OpenAPI schema tells the truth (issue 12): what schemathesis found, one case each."""

from __future__ import annotations

import pytest

from .helpers import assert_error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"emotion": "sad", "k": True}, "k"),
        ({"emotion": "sad", "k": "10"}, "k"),
        ({"emotion": "sad", "k": 2.5}, "k"),
        ({"emotion": "sad", "mode": ""}, "mode"),
        ({"emotion": None, "text": "rain on the window"}, "emotion"),
        ({"text": "   "}, "text"),
        ({"distribution": [0, 0, 1, 0, 0, True, 0]}, "distribution"),
        ({"distribution": {"sadness": "1"}}, "distribution"),
    ],
)
def test_schema_invalid_json_is_refused(client, body, field):
    response = client.post("/api/recommend", json=body)
    errors = assert_error(response, 422)["errors"]
    assert any(e["field"] == field for e in errors), errors


def test_integral_numbers_are_integers_as_json_schema_says(client):
    response = client.post("/api/recommend", json={"emotion": "sad", "k": 4.0})
    assert response.status_code == 200 and response.json()["k"] == 4


def test_a_blank_mode_in_a_form_is_refused(client):
    response = client.post("/api/recommend", data={"text": "sunny day", "mode": "", "k": "3"})
    assert_error(response, 422, "mode")


def test_blank_text_with_an_image_counts_as_no_words(client, astronaut_jpeg):
    response = client.post(
        "/api/emotion",
        files={"image": ("a.jpg", astronaut_jpeg, "image/jpeg")},
        data={"text": " \u3000 "},
    )
    assert response.status_code == 200 and response.json()["source"] == "face"


def test_the_schema_documents_every_answer_in_the_app_s_error_shape(client):
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if status[0] in "45":
                    assert answer["content"]["application/json"]["schema"] == error, (
                        path,
                        method,
                        status,
                    )
    recommend = spec["paths"]["/api/recommend"]["post"]["responses"]
    assert {"400", "413", "415", "422", "503"} <= set(recommend)
    body = spec["components"]["schemas"]["RecommendRequest"]
    assert body["properties"]["text"]["pattern"] and body["additionalProperties"] is False
    assert {"required": ["text"]} in body["oneOf"]
    played = spec["paths"]["/api/tracks/{track_id}/played"]["post"]["responses"]
    assert {"400", "404", "415", "422"} <= set(played)


def test_the_page_and_the_api_take_their_modes_and_k_limit_from_the_registry(client):
    """One registry of modes and one k limit (issue 14): the page's choices, the JSON
    schema and the validation all follow :mod:`moodtune.recommend.modes`."""
    import re

    from moodtune.recommend.modes import DEFAULT_MODE, K_DEFAULT, K_MAX, MODES

    html = client.get("/").text
    choices = re.findall(r'<input type="radio" id="mode-(\w+)"', html)
    assert choices == list(MODES)
    for mode in MODES.values():
        assert f'<label for="mode-{mode.name}">{mode.label}</label>' in html
    assert re.search(rf'id="mode-{DEFAULT_MODE}"[^>]*checked', html)
    assert f'max="{K_MAX}" value="{K_DEFAULT}"' in html
    body = client.get("/openapi.json").json()["components"]["schemas"]["RecommendRequest"]
    assert body["properties"]["mode"]["enum"] == list(MODES)
    assert body["properties"]["k"]["maximum"] == K_MAX
    assert client.post("/api/recommend", json={"emotion": "sad", "k": K_MAX}).is_success
    assert_error(client.post("/api/recommend", json={"emotion": "sad", "k": K_MAX + 1}), 422, "k")


def test_target_resolution_is_one_function():
    from moodtune.errors import MoodtuneError
    from moodtune.recommend.target import resolve_target

    assert resolve_target(emotion="sad").given_as == "emotion"
    assert resolve_target(emotion="sad").top == "sadness"
    spread = resolve_target(distribution=[0, 0, 0, 3, 1, 0, 0])
    assert spread.given_as == "distribution" and spread.probabilities["happiness"] == 0.75
    with pytest.raises(MoodtuneError, match="exactly one"):
        resolve_target(emotion="sad", distribution=[1, 0, 0, 0, 0, 0, 0])
    with pytest.raises(MoodtuneError, match="exactly one"):
        resolve_target()


def test_the_service_fields_are_typed():
    from dataclasses import fields

    from moodtune.web.service import MoodService

    public = [f for f in fields(MoodService) if not f.name.startswith("_")]
    assert public and all("Any" not in str(f.type) for f in public), [f.type for f in public]


@pytest.mark.parametrize("mode", ["match", "uplift", "calm"])
def test_every_track_is_explained_in_words(client, mode):
    tracks = client.post("/api/recommend", json={"emotion": "sad", "mode": mode, "k": 6}).json()
    for track in tracks["tracks"]:
        words = track["explanation"]
        assert words and words.endswith(".") and not any(ch.isdigit() for ch in words), words
        assert "sad" in words or "last step" in words, words
    photo = client.post("/api/recommend", json={"text": "what a wonderful sunny day", "k": 2})
    assert "your words" in photo.json()["tracks"][0]["explanation"]


def test_explanations_name_the_feel_and_the_source():
    from moodtune.recommend.explain import explain

    bright = {"valence": 0.9, "energy": 0.85}
    assert explain(bright, mood="happiness", given_as="face", mode="match", step=1, steps=5) == (
        "Bright and energetic, like the smile in your photo."
    )
    dark = {"valence": 0.1, "energy": 0.2, "close": False}
    said = explain(dark, mood="sadness", given_as="emotion", mode="match", step=2, steps=5)
    assert said == "Dark and gentle, like the sad mood you chose (a looser match)."
    last = explain(bright, mood="sadness", given_as="text", mode="uplift", step=5, steps=5)
    assert last == "Bright and energetic: the last step of the way toward happier music."
    middle = explain(dark, mood="anger", given_as="scene", mode="calm", step=3, steps=5)
    assert middle == (
        "Dark and gentle: on the way from the anger in the colours of your photo toward calm music."
    )
