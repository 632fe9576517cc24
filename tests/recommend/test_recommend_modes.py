"""The modes' registry (recommend/modes.py): a mode added to it is accepted by the recommender,
the CLI and the API, and the k limit comes from it."""

from __future__ import annotations

import json

import pytest

from moodtune.catalogue.sqlite import Catalogue
from moodtune.emotions import CIRCUMPLEX
from moodtune.errors import MoodtuneError
from moodtune.recommend import modes
from moodtune.recommend.modes import Mode
from moodtune.recommend.recommender import MusicRecommender

#: A mode that is not in the registry: a path toward surprise.
ENERGISE = Mode(
    "energise",
    "wake it up",
    "a path of tracks from the mood read toward surprise",
    end=CIRCUMPLEX["surprise"],
    goal="surprise",
    verb="energising",
)


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
