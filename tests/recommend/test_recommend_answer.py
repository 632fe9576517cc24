"""recommend_for and recommend_for_image (recommend/answer.py): a picture read then recommended
for, from the library and the CLI; a resolved target gives the recommender's tracks."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from moodtune.catalogue.sqlite import Catalogue
from moodtune.recommend.answer import recommend_for, recommend_for_image
from moodtune.recommend.recommender import MusicRecommender
from moodtune.recommend.target import resolve_target


@pytest.fixture(scope="module")
def astronaut(tmp_path_factory) -> Path:
    """scikit-image's astronaut (Eileen Collins, public domain): one smiling face."""
    from PIL import Image
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, "JPEG", quality=90)
    path = tmp_path_factory.mktemp("image") / "astronaut.jpg"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture(scope="module")
def read():
    """The real image/words reader (models from the user's model cache)."""
    from moodtune.senses import Senses

    return Senses(notify=None).read


def test_recommend_for_an_image_reads_it_then_recommends(
    small_catalogue, emotion_model, astronaut, read
):
    with Catalogue.open(small_catalogue, model=emotion_model) as catalogue:
        recommender = MusicRecommender(catalogue, seed=0)
        answer = recommend_for_image(recommender, astronaut, k=6, mode="uplift", read=read)
        again = recommend_for_image(
            recommender, astronaut.read_bytes(), k=6, mode="uplift", read=read
        )
    assert answer.target.given_as == "image" and answer.target.reading.top == "happiness"
    assert answer.target.top == "happiness" and len(answer.recommendations) == 6
    assert [r.track_id for r in answer.recommendations] == [
        r.track_id for r in again.recommendations
    ]  # a path and its bytes read the same
    payload = answer.to_dict()
    assert payload["reading"]["top"] == "happiness" and payload["mode"] == "uplift"
    assert payload["summary"] == "6 tracks lifting happiness"


def test_the_cli_recommends_for_an_image(small_catalogue, astronaut, run_main, read):
    shown = run_main(
        "recommend",
        "--image",
        str(astronaut),
        "--k",
        "3",
        "--json",
        "--catalogue",
        str(small_catalogue),
    )
    assert shown.exit_code == 0, shown.stderr
    payload = json.loads(shown.stdout)
    assert payload["reading"]["top"] == "happiness" and len(payload["tracks"]) == 3
    probabilities = payload["target"]["probabilities"]  # the answer's one shape (issue 23)
    assert max(probabilities, key=probabilities.__getitem__) == "happiness"
    assert "reading: happiness" in shown.stderr


def test_recommend_for_a_resolved_target_matches_the_recommender(copy_catalogue):
    catalogue = copy_catalogue()
    target = resolve_target(distribution="anger=0.6,fear=0.4")
    answer = recommend_for(MusicRecommender(catalogue, seed=5), target, k=8)
    direct = MusicRecommender(catalogue, seed=5).recommend({"anger": 0.6, "fear": 0.4}, k=8)
    assert [r.track_id for r in answer.recommendations] == [r.track_id for r in direct]
    assert answer.to_dict()["target"]["probabilities"]["anger"] == 0.6
