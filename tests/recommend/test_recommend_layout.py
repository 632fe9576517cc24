"""Issue 14: one registry of modes, one resolve_target, the built-in catalogue filled by the
caller (recommend.builtin), the catalogue's parts in modules of their own."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from moodtune.catalogue.builtin import open_catalogue
from moodtune.catalogue.sqlite import Catalogue
from moodtune.emotions import CIRCUMPLEX, EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.recommend import modes
from moodtune.recommend.answer import recommend_for, recommend_for_image
from moodtune.recommend.modes import Mode
from moodtune.recommend.recommender import MusicRecommender
from moodtune.recommend.target import parse_distribution, resolve_target

#: A mode that is not in the registry: a path toward surprise.
ENERGISE = Mode(
    "energise",
    "wake it up",
    "a path of tracks from the mood read toward surprise",
    end=CIRCUMPLEX["surprise"],
    goal="surprise",
    verb="energising",
)


@pytest.fixture
def small_catalogue(tmp_path: Path, make_table, emotion_model) -> Path:
    """A catalogue file of 60 random tracks (closed; the CLI opens it again)."""
    path = tmp_path / "small.sqlite"
    with Catalogue.open(path, model=emotion_model) as catalogue:
        catalogue.import_table(make_table(60, seed=3), source="small")
    return path


# --- modes ---------------------------------------------------------------------------------------


def test_a_mode_added_to_the_registry_is_accepted_everywhere(
    monkeypatch, small_catalogue, emotion_model, run_main
):
    with Catalogue.open(small_catalogue, model=emotion_model) as catalogue:
        recommender = MusicRecommender(catalogue, seed=1, artist_cap=None)
        with pytest.raises(MoodtuneError, match="unknown mode 'energise'"):
            recommender.recommend("sadness", k=5, mode="energise")
        monkeypatch.setitem(modes.MODES, "energise", ENERGISE)  # the one edit: a registry entry
        results = recommender.recommend("sadness", k=5, mode="energise")
    assert len(results) == 5
    assert [r.reason.split("; ")[1].split(",")[0] for r in results] == [
        f"step {n}/5 from sadness toward surprise" for n in range(1, 6)
    ]
    shown = run_main(
        "recommend",
        "--emotion",
        "sad",
        "--mode",
        "energise",
        "--k",
        "4",
        "--json",
        "--catalogue",
        str(small_catalogue),
    )
    assert shown.exit_code == 0, shown.stderr
    payload = json.loads(shown.stdout)
    assert payload["mode"] == "energise" and len(payload["tracks"]) == 4
    assert payload["summary"] == "4 tracks energising sadness"


def test_the_recommender_takes_its_modes_and_k_limit_from_the_registry():
    from moodtune.recommend import recommender

    assert recommender.MODES is modes.MODES
    assert (recommender.K_MIN, recommender.K_MAX) == (modes.K_MIN, modes.K_MAX) == (1, 50)


# --- resolve_target --------------------------------------------------------------------------


def test_resolve_target_takes_exactly_one_way():
    with pytest.raises(MoodtuneError, match="give exactly one of"):
        resolve_target()
    with pytest.raises(MoodtuneError, match="got emotion, distribution"):
        resolve_target(emotion="sad", distribution="sad=1")


def test_resolve_target_for_an_emotion_and_a_distribution():
    sad = resolve_target(emotion="Sad")
    assert sad.given_as == "emotion" and sad.top == "sadness" and sad.reading is None
    assert list(sad.probabilities) == list(EMOTIONS) and sad.describe() == "sadness"
    text = resolve_target(distribution="happy=3, sad=1")
    mapping = resolve_target(distribution={"happiness": 3, "sad": 1})
    assert text.probabilities == mapping.probabilities
    assert (text.probabilities["happiness"], text.probabilities["sadness"]) == (0.75, 0.25)
    assert text.notes == ["the weights sum to 4; normalised to 1"]
    assert resolve_target(distribution="happiness=1").notes == []
    with pytest.raises(MoodtuneError, match="all zero"):
        resolve_target(distribution="happiness=0")
    with pytest.raises(MoodtuneError, match="unknown emotion 'bliss'"):
        resolve_target(distribution={"bliss": 1})


def test_parse_distribution_names_the_bad_part():
    with pytest.raises(MoodtuneError, match="'happiness:1' should be emotion=weight"):
        parse_distribution("happiness:1")


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


def test_words_alone_are_a_target(read):
    found = resolve_target(text="what a wonderful, happy day", read=read)
    assert found.given_as == "text" and found.reading is not None
    assert found.probabilities == pytest.approx(found.reading.probabilities)


# --- the built-in catalogue is the caller's -----------------------------------------------------


def test_catalogue_open_leaves_a_new_catalogue_empty(tmp_path, emotion_model):
    with Catalogue.open(tmp_path / "c.sqlite", model=emotion_model) as plain:
        assert plain.count() == 0
    with pytest.raises(MoodtuneError, match="open_catalogue"):
        Catalogue.open(tmp_path / "d.sqlite", fill_builtin=True)


def test_open_catalogue_fills_only_an_empty_catalogue(tmp_path, emotion_model, make_table):
    pytest.importorskip("moodtune.audio.builtin")
    with open_catalogue(tmp_path / "c.sqlite", model=emotion_model) as filled:
        assert filled.stats().sources == {"builtin": 28}
    with Catalogue.open(tmp_path / "mine.sqlite", model=emotion_model) as mine:
        mine.import_table(make_table(5), source="mine")
    with open_catalogue(tmp_path / "mine.sqlite", model=emotion_model) as reopened:
        assert reopened.stats().sources == {"mine": 5}
    with open_catalogue(tmp_path / "bare.sqlite", model=emotion_model, builtin=False) as bare:
        assert bare.count() == 0


# --- the catalogue's parts -------------------------------------------------------------------


def test_recommend_for_a_resolved_target_matches_the_recommender(copy_catalogue):
    catalogue = copy_catalogue()
    target = resolve_target(distribution="anger=0.6,fear=0.4")
    answer = recommend_for(MusicRecommender(catalogue, seed=5), target, k=8)
    direct = MusicRecommender(catalogue, seed=5).recommend({"anger": 0.6, "fear": 0.4}, k=8)
    assert [r.track_id for r in answer.recommendations] == [r.track_id for r in direct]
    assert answer.to_dict()["target"]["probabilities"]["anger"] == 0.6


def test_snapshot_in_memory_only_after_a_snapshot(copy_catalogue):
    catalogue = copy_catalogue()
    assert catalogue.snapshot_in_memory(100) is None  # nothing read yet
    taken = catalogue.snapshot(100)
    again = catalogue.snapshot_in_memory(100)
    assert again is not None and again.arrays is taken.arrays
    track_id = catalogue.tracks_by_rowid([int(taken.arrays.rowids[0])])
    catalogue.record_played(next(iter(track_id.values())).track_id)
    assert catalogue.snapshot_in_memory(100) is None  # the file changed
    assert np.array_equal(catalogue.snapshot(100).recent, taken.arrays.rowids[:1])
