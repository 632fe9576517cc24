"""Fixtures: the default emotion model and a catalogue of the tidytuesday table (built once)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moodtune.catalogue.sqlite import Catalogue, ImportReport
from moodtune.data.features import SEED_FEATURES
from moodtune.data.readers import read_tracks, tidy
from moodtune.data.table import TrackTable
from moodtune.emotions import EMOTIONS
from moodtune.model.artifact import EmotionModel


@pytest.fixture(scope="session")
def emotion_model() -> EmotionModel:
    """The model shipped with moodtune: the behaviour tests judge the real thing."""
    return EmotionModel.default()


@pytest.fixture(scope="session")
def other_model() -> EmotionModel:
    """A second, different model (random weights) to stand for a new model version."""
    rng = np.random.default_rng(7)
    hidden = 8
    return EmotionModel(
        feature_names=SEED_FEATURES,
        labels=EMOTIONS,
        scale_min=np.array([50.0, 0, 0, 0, 0, 0, 0]),
        scale_max=np.array([220.0, 1, 1, 1, 1, 1, 1]),
        weights={
            "fc1.weight": rng.normal(size=(hidden, 7)),
            "fc1.bias": rng.normal(size=hidden),
            "fc2.weight": rng.normal(size=(7, hidden)),
            "fc2.bias": np.zeros(7),
        },
    )


@pytest.fixture(scope="session")
def tidytuesday(datasets: Path) -> TrackTable:
    return read_tracks(datasets / "tidytuesday" / "spotify_songs.csv")


@pytest.fixture(scope="session")
def tidy_catalogue(
    tmp_path_factory: pytest.TempPathFactory, tidytuesday: TrackTable, emotion_model: EmotionModel
) -> tuple[Catalogue, ImportReport]:
    """The 28,356 unique tracks of tidytuesday, imported and classified once per session.

    Tests that add history or feedback work on a copy (:func:`copy_catalogue`).
    """
    path = tmp_path_factory.mktemp("catalogue") / "tidytuesday.sqlite"
    catalogue = Catalogue.open(path, model=emotion_model, fill_builtin=False)
    report = catalogue.import_table(tidytuesday, source="tidytuesday")
    return catalogue, report


@pytest.fixture
def copy_catalogue(
    tmp_path: Path, tidy_catalogue: tuple[Catalogue, ImportReport], emotion_model: EmotionModel
) -> Callable[[], Catalogue]:
    """A function that returns a private copy of the tidytuesday catalogue (SQLite backup)."""

    def make() -> Catalogue:
        target = tmp_path / f"copy{len(list(tmp_path.iterdir()))}.sqlite"
        source = sqlite3.connect(tidy_catalogue[0].path)
        destination = sqlite3.connect(target)
        source.backup(destination)
        source.close()
        destination.close()
        return Catalogue.open(target, model=emotion_model, fill_builtin=False)

    return make


@pytest.fixture
def make_table() -> Callable[..., TrackTable]:
    """A function making a valid table of random tracks: ``make_table(rows, seed, **columns)``."""
    return small_table


def small_table(rows: int = 12, seed: int = 0, **columns: list) -> TrackTable:
    """A valid track table with ``rows`` random tracks (the seed features)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "track_id": [f"{i:022d}" for i in range(rows)],
            "title": [f"song {i}" for i in range(rows)],
            "artist": [f"artist {i % 5}" for i in range(rows)],
            "tempo": rng.uniform(60, 180, rows),
            **{name: rng.uniform(0, 1, rows) for name in SEED_FEATURES if name != "tempo"},
        }
    )
    for name, values in columns.items():
        frame[name] = values
    return tidy(frame, source="small")


@pytest.fixture
def small_catalogue(tmp_path: Path, make_table, emotion_model) -> Path:
    """A catalogue file of 60 random tracks (closed; the CLI opens it again)."""
    path = tmp_path / "small.sqlite"
    with Catalogue.open(path, model=emotion_model) as catalogue:
        catalogue.import_table(make_table(60, seed=3), source="small")
    return path
