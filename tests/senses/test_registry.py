"""A new source of emotion is one registration (issue 23): a fake sense, "hum", is added in
one place (the fixture below, through the registry's public API) and the holder, the command
line (``--sense hum=…``), the JSON API (field ``hum``, JSON or form) and the page (an input)
accept it with no other edit."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from moodtune.emotions import EMOTIONS
from moodtune.reading import EmotionReading
from moodtune.senses import SENSES, Senses, SenseSpec, register, unregister
from web.live import QuickReader, serving, small_catalogue  # tests/web/live.py


class HumReader:
    """Reads a hummed tune (a few syllables) as fear, confidently: a stand-in for a real
    model, which this test does not need (it tests the plumbing, not the reading)."""

    def read(self, value: str) -> EmotionReading:
        return EmotionReading.from_vector(
            np.eye(len(EMOTIONS))[EMOTIONS.index("fear")],
            source="hum",
            confidence="high",
            notes=[f"hummed {value!r}"],
        )


@pytest.fixture
def hum():
    """The one place the sense is added."""
    sense = register(
        SenseSpec(
            name="hum",
            field="hum",
            kind="text",
            help="A hummed tune, as syllables.",
            asking="a hum",
            load=lambda **_: HumReader(),
            weight=2.0,
            sources=("hum",),
        )
    )
    yield sense
    unregister("hum")


def test_the_holder_reads_and_mixes_a_registered_sense(hum):
    assert list(SENSES) == ["image", "words", "hum"]
    senses = Senses.around(QuickReader())  # words (and images) read as sadness, at once
    alone = senses.read(hum="mm-hm-hmm")
    assert alone.source == "hum" and alone.top == "fear" and alone.notes == ["hummed 'mm-hm-hmm'"]
    both = senses.read(text="so tired", hum="mm-hm-hmm")
    assert both.source == "combined" and both.top == "fear"
    assert both.probabilities["fear"] == pytest.approx(2 / 3)
    assert both.probabilities["sadness"] == pytest.approx(1 / 3)
    assert "combined: 0.33 × words (sadness) + 0.67 × hum (fear)" in both.notes


def test_the_cli_recommends_for_a_registered_sense(hum, run_main, tmp_path):
    from moodtune.catalogue.builtin import open_catalogue

    path = tmp_path / "catalogue.sqlite"
    open_catalogue(path).close()
    shown = run_main(
        "recommend", "--sense", "hum=mm-hm-hmm", "--k", "3", "--json", "--catalogue", str(path)
    )
    assert shown.exit_code == 0, shown.stderr
    payload = json.loads(shown.stdout)
    assert payload["reading"]["source"] == "hum" and payload["reading"]["top"] == "fear"
    assert len(payload["tracks"]) == 3
    read = run_main("emotion", "--sense", "hum=mm-hm-hmm", "--json")
    assert read.exit_code == 0, read.stderr
    assert json.loads(read.stdout)["top"] == "fear"


def test_the_cli_names_the_senses_for_an_unknown_one(run_main):
    shown = run_main("emotion", "--sense", "whistle=fweet")
    assert shown.exit_code == 2 and "unknown input 'whistle'" in shown.stderr
    assert "image, text" in shown.stderr


def test_the_api_recommends_for_a_registered_sense(hum, tmp_path):
    from moodtune.web import create_app

    catalogue = small_catalogue(tmp_path)
    app = create_app(catalogue=catalogue, reader=QuickReader())
    try:
        with serving(app) as url, httpx.Client(base_url=url, timeout=120) as client:
            answer = client.post("/api/recommend", json={"hum": "mm-hm-hmm", "k": 3})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["reading"]["source"] == "hum" and body["target"]["top"] == "fear"
            assert body["target"]["given_as"] == "hum" and len(body["tracks"]) == 3
            form = client.post("/api/recommend", data={"hum": "mm-hm-hmm", "k": "2"})
            assert form.status_code == 200, form.text
            assert form.json()["reading"]["top"] == "fear"
            read = client.post("/api/emotion", json={"hum": "mm"})
            assert read.status_code == 200 and read.json()["top"] == "fear", read.text
            mixed = client.post("/api/emotion", data={"hum": "mm", "text": "so tired"})
            assert mixed.status_code == 200 and mixed.json()["source"] == "combined"
            assert 'name="hum"' in client.get("/").text  # the page's input for it
            twice = client.post("/api/recommend", json={"hum": "mm", "emotion": "sad"})
            assert twice.status_code == 422 and "exactly one" in twice.text
            unregister("hum")
            gone = client.post("/api/recommend", json={"hum": "mm-hm-hmm", "k": 3})
            assert gone.status_code == 422 and "hum" in gone.text
    finally:
        catalogue.close()


def test_the_api_schema_follows_the_registry_whenever_it_changes(hum, tmp_path):
    """The bodies' schema has a field per sense registered now, not per sense registered when
    the routes were imported: a sense removed is gone from it (a schema that kept it made a
    schema-driven client's valid request fail with 422), and back when registered again."""
    from moodtune.web import create_app

    catalogue = small_catalogue(tmp_path)
    try:
        app = create_app(catalogue=catalogue, reader=QuickReader())

        def fields() -> dict[str, set[str]]:
            spec = app.openapi()
            found = {
                path: set(
                    spec["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"][
                        "schema"
                    ]["properties"]
                )
                for path in ("/api/emotion", "/api/recommend")
            }
            for name in ("EmotionRequest", "RecommendRequest"):
                found[name] = set(spec["components"]["schemas"][name]["properties"])
            return found

        assert all("hum" in names for names in fields().values()), fields()
        unregister("hum")
        assert all("hum" not in names for names in fields().values()), fields()
        register(hum)
        assert all("hum" in names for names in fields().values()), fields()
    finally:
        catalogue.close()


def test_a_command_made_while_a_sense_was_registered_runs_once_it_is_gone(hum):
    """The command line's options are made when its module is imported: one made while "hum"
    was registered leaves it out of the inputs once it is gone (it was passed on as
    ``hum=None`` and refused as an unknown input), and still refuses it by name if given."""
    from moodtune.cli.senses import with_sense_options

    seen: dict[str, object] = {}

    def read(*, inputs: dict[str, object]) -> None:
        seen.clear()
        seen.update(inputs)

    command = with_sense_options(read)
    unregister("hum")
    command(image=None, text="so tired", hum=None, sense=None)
    assert seen == {"image": None, "text": "so tired"}
    command(image=None, text=None, hum="mm", sense=None)
    assert seen["hum"] == "mm"  # given: passed on, for the command to refuse by name
