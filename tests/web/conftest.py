"""Fixtures for the web tests: a real catalogue in a temp folder, the real image reader, the app.

The catalogue holds the built-in tracks (real audio from immich-memories-music, when
installed) and 2,000 tracks of the tidytuesday table, most of them with a short WAV file
generated here, so recommended tracks always include some with local audio to play.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .helpers import CHROMIUM_ARGS, encode_image, write_tone

#: Rows of the tidytuesday table put in the test catalogue; distinct generated tones.
TIDY_ROWS = 2000
TONES = 8


@pytest.fixture(scope="session")
def catalogue_path(tmp_path_factory: pytest.TempPathFactory, datasets: Path) -> Path:
    """Path of the test catalogue (SQLite), built once per session and then closed."""
    from moodtune.catalogue.builtin import open_catalogue
    from moodtune.data.readers import read_tracks
    from moodtune.data.table import TrackTable

    folder = tmp_path_factory.mktemp("web-catalogue")
    audio = folder / "audio"
    audio.mkdir()
    table = read_tracks(datasets / "tidytuesday" / "spotify_songs.csv")
    rows = TrackTable(table.frame.iloc[:TIDY_ROWS].reset_index(drop=True), table.source)
    # Three rows in four get one of a few generated tones (shared files keep this quick), so
    # the recommendations for any mood include tracks to play, and some have no audio.
    tones = [str(write_tone(audio / f"tone{n}.wav", 4, 220 + 40 * n)) for n in range(TONES)]
    paths = [tones[i % TONES] if i % 4 != 3 else None for i in range(len(rows))]
    path = folder / "catalogue.sqlite"
    with open_catalogue(path) as catalogue:  # a new catalogue fills itself with the built-in
        catalogue.import_table(rows, source="tidytuesday", audio_paths=paths)
    return path


@pytest.fixture(scope="session")
def catalogue(catalogue_path: Path):
    from moodtune.catalogue.sqlite import Catalogue

    with Catalogue.open(catalogue_path) as opened:
        yield opened


@pytest.fixture(scope="session")
def reader():
    """The real image/words reader, loaded once (models from the user's model cache)."""
    from moodtune.vision import EmotionReader

    return EmotionReader(notify=None)


@pytest.fixture(scope="session")
def client(catalogue, reader) -> Iterator:
    """A TestClient on the app over the test catalogue; the lifespan runs once."""
    from fastapi.testclient import TestClient

    from moodtune.web import create_app

    with TestClient(create_app(catalogue=catalogue, reader=reader)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def astronaut_jpeg() -> bytes:
    """scikit-image's astronaut (Eileen Collins, public domain): one smiling face, 512×512."""
    from skimage import data

    return encode_image(data.astronaut(), "JPEG", quality=90)


@pytest.fixture(scope="session")
def coffee_png() -> bytes:
    """scikit-image's coffee cup (CC0): no face, 400×600."""
    from skimage import data

    return encode_image(data.coffee(), "PNG")


@pytest.fixture(scope="session")
def playable_id(catalogue) -> str:
    """A catalogue track with a local audio file."""
    for track_id in _all_ids(catalogue):
        if catalogue.audio_path(track_id) is not None:
            return track_id
    raise AssertionError("the test catalogue has no track with local audio")


@pytest.fixture(scope="session")
def silent_id(catalogue) -> str:
    """A catalogue track without local audio."""
    for track_id in _all_ids(catalogue):
        if catalogue.audio_path(track_id) is None:
            return track_id
    raise AssertionError("every test track has audio")


def _all_ids(catalogue) -> list[str]:
    import sqlite3

    with sqlite3.connect(catalogue.path) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM tracks ORDER BY rowid")]


# --- the browser tests (test_e2e*.py): a real ``moodtune serve`` and a real Chromium ---------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(catalogue_path: Path, reader, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``moodtune serve`` in a subprocess on a free loopback port; yields its base URL.

    ``reader`` is requested so the image models are in the model cache before the server
    starts (the server loads them at start-up).
    """
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    command = [
        sys.executable, "-m", "moodtune", "serve", "--port", str(port),
        "--catalogue", str(catalogue_path), "--log-level", "warning",
    ]  # fmt: skip
    with open(log, "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"moodtune serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"moodtune serve did not start in 90 s:\n{log.read_text()}")
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """Launches Debian's Chromium through Playwright (one driver per test module: the driver
    runs an event loop, which the other tests' ``asyncio.run`` must not find running)."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("MOODTUNE_CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.fail("the e2e tests need Chromium: apt-get install chromium (or -m 'not e2e')")
    with sync_playwright() as playwright:
        yield lambda *extra: playwright.chromium.launch(
            executable_path=executable, args=[*CHROMIUM_ARGS, *extra], headless=True
        )


@pytest.fixture(scope="module")
def browser(chromium) -> Iterator:
    launched = chromium()
    yield launched
    launched.close()


@pytest.fixture
def page(browser, server: str) -> Iterator:
    """A fresh page on the app; fails the test on any script error or console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error"
            and "the server responded with a status of 415" not in message.text
            else None
        ),
    )
    opened.goto("/")
    yield opened
    context.close()
    assert not problems, problems
