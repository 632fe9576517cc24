"""The built-in catalogue is the caller's (catalogue/builtin.py): Catalogue.open leaves a new
catalogue empty, open_catalogue fills only an empty one."""

from __future__ import annotations

import pytest

from moodtune.catalogue.builtin import open_catalogue
from moodtune.catalogue.sqlite import Catalogue
from moodtune.errors import MoodtuneError


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
