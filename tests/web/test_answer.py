"""One answer for the CLI and the API (issue 23 item 2): ``moodtune recommend --json`` and
``POST /api/recommend`` give the same tracks in the same shape, the shape of
docs/answer.schema.json; the API only adds its URLs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from moodtune.web.replies import AnswerOut, RecommendOut, answer_schema

ROOT = Path(__file__).resolve().parents[2]
#: What the API adds to the answer: per track, and at the top.
TRACK_URLS = {"audio_url", "spotify_url", "playback"}
SEED = 4


@pytest.fixture(scope="module")
def seeded(catalogue_path: Path, reader) -> Iterator:
    """A TestClient on an app whose recommender has the seed the CLI is given (the same list
    for the same seed), over the web tests' catalogue (a connection of its own)."""
    from fastapi.testclient import TestClient

    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.recommend.recommender import MusicRecommender
    from moodtune.web import create_app

    with Catalogue.open(catalogue_path) as opened:
        recommender = MusicRecommender(opened, artist_cap=2, seed=SEED)
        app = create_app(catalogue=opened, reader=reader, recommender=recommender)
        with TestClient(app) as client:
            yield client


def without_urls(reply: dict) -> dict:
    """The API's reply less what the API adds (``request_id``, the tracks' URLs)."""
    answer = {key: value for key, value in reply.items() if key != "request_id"}
    answer["tracks"] = [
        {key: value for key, value in track.items() if key not in TRACK_URLS}
        for track in reply["tracks"]
    ]
    return answer


@pytest.mark.parametrize(
    ("body", "options"),
    [
        ({"emotion": "sad", "mode": "match", "k": 6}, ["-e", "sad", "--mode", "match", "-k", "6"]),
        ({"emotion": "calm", "mode": "uplift", "k": 5}, ["-e", "calm", "-m", "uplift", "-k", "5"]),
        (
            {"distribution": {"happiness": 3, "fear": 1}, "mode": "calm", "k": 4},
            ["-d", "happiness=3,fear=1", "-m", "calm", "-k", "4"],
        ),
        ({"text": "what a wonderful sunny day", "k": 3}, ["--text", "what a wonderful sunny day"]),
    ],
    ids=["emotion", "mood-word", "distribution", "words"],
)
def test_the_cli_and_the_api_give_the_same_answer(seeded, run_cli, catalogue_path, body, options):
    k = ["-k", str(body["k"])] if "-k" not in options else []
    code, out, err = run_cli(
        "recommend", *options, *k, "--seed", str(SEED), "--artist-cap", "2",
        "--catalogue", str(catalogue_path), "--json",
    )  # fmt: skip
    assert code == 0, err
    printed = json.loads(out)
    response = seeded.post("/api/recommend", json=body)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert [t["track_id"] for t in reply["tracks"]] == [t["track_id"] for t in printed["tracks"]]
    assert len(printed["tracks"]) == body["k"]
    assert without_urls(reply) == printed  # the same shape and values, URLs aside
    assert all(set(track) >= TRACK_URLS for track in reply["tracks"])
    assert reply["request_id"] is None  # not kept in the journal unless asked
    # Both are what the schema says: every field there, no other (pydantic, strict).
    AnswerOut.model_validate(printed, strict=True)
    RecommendOut.model_validate(reply, strict=True)
    assert printed["version"] == 1
    assert all(track["explanation"] for track in printed["tracks"])


def test_the_answer_has_counts_in_match_mode_only(seeded):
    match = seeded.post("/api/recommend", json={"emotion": "happy", "k": 8}).json()
    closes = [t["close"] for t in match["tracks"]]
    assert match["matches"] == {"close": closes.count(True), "weaker": closes.count(False)}
    path = seeded.post("/api/recommend", json={"emotion": "sad", "mode": "uplift", "k": 4}).json()
    assert path["matches"] is None
    described = seeded.post("/api/recommend", json={"distribution": {"sad": 2, "fear": 2}})
    assert described.json()["target"]["notes"] == ["the weights sum to 4; normalised to 1"]


def test_the_documented_schema_is_the_answers_own():
    """docs/answer.schema.json is generated from the models the answers are checked against
    (write it again as ``moodtune.web.replies.answer_schema``'s docstring says)."""
    written = json.loads((ROOT / "docs" / "answer.schema.json").read_text(encoding="utf-8"))
    assert written == answer_schema(), (
        "docs/answer.schema.json is out of date: write it again with the command in "
        "moodtune.web.replies.answer_schema's docstring"
    )
    assert written["properties"]["version"]["const"] == 1
    assert set(written["required"]) == set(AnswerOut.model_fields)


def test_an_answer_with_another_field_or_one_missing_is_refused():
    """The check above would notice a field the CLI or API adds or leaves out."""
    from pydantic import ValidationError

    example = AnswerOut.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    AnswerOut.model_validate(example, strict=True)
    with pytest.raises(ValidationError, match="extra"):
        AnswerOut.model_validate({**example, "recommendations": []}, strict=True)
    with pytest.raises(ValidationError, match="matches"):
        AnswerOut.model_validate({k: v for k, v in example.items() if k != "matches"})
