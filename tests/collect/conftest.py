"""Fixtures for the collect tests: a real catalogue of tracks and a real HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from collect_server import CLIENT_ID, CLIENT_SECRET, Catalogue, CollectServer

from moodtune.collect.credentials import Credentials
from moodtune.collect.settings import ServiceSettings


@pytest.fixture(scope="session")
def songs(datasets: Path) -> pd.DataFrame:
    """Unique tracks of the TidyTuesday Spotify table (real ids, titles, features)."""
    frame = pd.read_csv(datasets / "tidytuesday" / "spotify_songs.csv")
    frame = frame.dropna(subset=["track_name", "track_artist", "track_album_name"])
    return frame.drop_duplicates("track_id").reset_index(drop=True)


@pytest.fixture(scope="session")
def same_title(songs: pd.DataFrame) -> tuple[dict, dict]:
    """Two different real tracks (different ids and artists) with the same title."""
    by_title = songs.groupby("track_name")
    for _, group in by_title:
        if group["track_artist"].nunique() >= 2:
            first = group.iloc[0]
            second = group[group["track_artist"] != first["track_artist"]].iloc[0]
            return first.to_dict(), second.to_dict()
    raise AssertionError("the data set has no repeated title")


@pytest.fixture
def catalogue(songs: pd.DataFrame) -> Catalogue:
    """The first 400 unique tracks of the table."""
    result = Catalogue()
    for row in songs.head(400).to_dict("records"):
        result.add(row)
    return result


@pytest.fixture
def track_ids(catalogue: Catalogue) -> list[str]:
    return list(catalogue.tracks)


@pytest.fixture
def server(catalogue: Catalogue) -> Iterator[CollectServer]:
    with CollectServer(catalogue, CLIENT_ID, CLIENT_SECRET) as running:
        yield running


@pytest.fixture
def slept() -> list[float]:
    """The waits (seconds) the retry policy asked for, in order; nothing really waits."""
    return []


@pytest.fixture
def settings(server: CollectServer, slept: list[float]) -> ServiceSettings:
    """Point the real clients at the server; waits are recorded in ``slept``, not slept."""
    return ServiceSettings(
        spotify_api=f"{server.url}/v1",
        spotify_token_url=f"{server.url}/api/token",
        reccobeats_api=f"{server.url}/reccobeats/v1",
        timeout=10.0,
        max_attempts=3,
        max_total_wait=3.0,
        backoff=0.05,
        sleep=slept.append,
    )


@pytest.fixture
def credentials() -> Credentials:
    return Credentials(CLIENT_ID, CLIENT_SECRET)


@pytest.fixture
def service_env(server: CollectServer) -> dict[str, str]:
    """Environment variables that point ``moodtune collect`` at the server."""
    return {
        "SPOTIPY_CLIENT_ID": CLIENT_ID,
        "SPOTIPY_CLIENT_SECRET": CLIENT_SECRET,
        "MOODTUNE_SPOTIFY_API": f"{server.url}/v1",
        "MOODTUNE_SPOTIFY_TOKEN_URL": f"{server.url}/api/token",
        "MOODTUNE_RECCOBEATS_API": f"{server.url}/reccobeats/v1",
        # A command run in a subprocess cannot be given a sleep function: a zero back-off
        # keeps its retries from really waiting (Retry-After values are scripted as 0).
        "MOODTUNE_RETRY_BACKOFF": "0",
        "MOODTUNE_RETRY_MAX_WAIT": "3",
    }
