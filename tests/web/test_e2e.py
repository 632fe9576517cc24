"""End to end in a real headless Chromium against a real ``moodtune serve`` on 127.0.0.1.

Needs Debian's ``chromium`` (``apt-get install chromium``; Playwright drives it, no browser
download) or the browser named by ``MOODTUNE_CHROMIUM``. Takes a screenshot of the page into the
test's temporary folder, at 1280 and at 390 px wide; ``make screenshot`` (the variables
``MOODTUNE_SCREENSHOT`` and ``MOODTUNE_SCREENSHOT_PHONE``) saves them for the README
instead, so ``make test`` never rewrites a tracked file.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import wait_until

pytestmark = pytest.mark.e2e

#: Where the screenshot goes when it is wanted for the README (``make screenshot``).
SCREENSHOT = os.environ.get("MOODTUNE_SCREENSHOT")
#: Where the phone-width (390 px) screenshot goes (``make screenshot``).
SCREENSHOT_PHONE = os.environ.get("MOODTUNE_SCREENSHOT_PHONE")
#: A catalogue of a user's own music for the screenshots (``make screenshot`` makes one with
#: ``moodtune catalog add-audio`` from a folder of audio files); the test catalogue if unset.
OWN_MUSIC = os.environ.get("MOODTUNE_SCREENSHOT_CATALOGUE")


@pytest.fixture(scope="module")
def catalogue_path(catalogue_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogue this module's server serves: the test catalogue, or a copy of
    :data:`OWN_MUSIC` (the test's plays and 👍 do not reach the user's file)."""
    if not OWN_MUSIC:
        return catalogue_path
    copy = tmp_path_factory.mktemp("own-music") / "catalogue.sqlite"
    with sqlite3.connect(OWN_MUSIC) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


@pytest.fixture(scope="module")
def catalogue(catalogue_path: Path) -> Iterator:
    from moodtune.catalogue.sqlite import Catalogue

    with Catalogue.open(catalogue_path) as opened:
        yield opened


def test_photo_to_mood_and_music_then_play_and_rate(page, tmp_path, astronaut_jpeg, catalogue):
    photo = tmp_path / "astronaut.jpg"
    photo.write_bytes(astronaut_jpeg)
    audio_responses: list[int] = []
    page.on(
        "response",
        lambda response: (
            audio_responses.append(response.status) if "/audio" in response.url else None
        ),
    )

    assert page.title().startswith("moodtune")
    page.set_input_files("#file", photo)
    assert page.locator("#photo").is_visible()
    page.fill("#k", "6")
    page.focus("#k")
    page.keyboard.press("Enter")  # the form is usable from the keyboard
    wait_until(page, "() => document.querySelectorAll('#tracks > li').length >= 5", timeout=60)

    # The mood: seven bars, happiness on top and long, read from a face with a box drawn.
    assert page.locator("#error").is_hidden()
    assert page.locator("#bars > li").count() == 7
    assert page.locator("#top-name").inner_text().lower() == "happiness"
    assert "face" in page.locator("#source").inner_text()
    assert page.locator("#bars > li").first.get_attribute("data-emotion") == "happiness"
    # The bars grow with a short transition: the top one ends up over half the track.
    wait_until(
        page,
        "() => { const row = document.querySelector('#bars > li');"
        " return row.querySelector('.bar-fill').getBoundingClientRect().width /"
        " row.querySelector('.bar-track').getBoundingClientRect().width > 0.5; }",
    )
    assert page.locator(".face-box").count() >= 1
    box = page.locator(".face-box").first.bounding_box()
    picture = page.locator("#photo-img").bounding_box()
    assert picture["x"] <= box["x"] and box["x"] + box["width"] <= picture["x"] + picture["width"]

    tracks = page.locator("#tracks > li")
    assert tracks.count() == 6
    for n in range(6):
        assert tracks.nth(n).locator(".track-title").inner_text().strip()
        assert tracks.nth(n).locator(".track-reason").inner_text().strip()

    # Play a local track: the audio element advances and the server answered a range request.
    playable = page.locator("#tracks > li:has(audio[src^='/api/tracks/'])").first
    assert playable.count() == 1, "no recommended track with local audio"
    track_id = playable.get_attribute("data-track-id")
    plays = catalogue.stats().plays
    playable.locator("audio").evaluate("audio => audio.play()")
    wait_until(
        page,
        'id => document.querySelector(`li[data-track-id="${id}"] audio`).currentTime > 0.3',
        track_id,
    )
    assert 206 in audio_responses, audio_responses
    playable.locator("audio").evaluate("audio => audio.pause()")
    # The play reached the history: the page sends it as JSON, which the server requires.
    deadline = time.monotonic() + 10
    while catalogue.stats().plays != plays + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert catalogue.stats().plays == plays + 1

    # 👍 is saved in the catalogue, with the mood it was given for.
    before = len(catalogue.feedback())
    like = playable.locator("button[data-liked='true']")
    like.click()
    wait_until(
        page,
        'id => document.querySelector(`li[data-track-id="${id}"] '
        "button[data-liked=\"true\"]`).getAttribute('aria-pressed') === 'true'",
        track_id,
    )
    stored = catalogue.feedback()
    assert len(stored) == before + 1
    assert stored[-1].track_id == track_id and stored[-1].liked is True
    assert stored[-1].context["emotion"] == "happiness"
    assert stored[-1].context["source"] == "face"

    page.locator("#mood-title").scroll_into_view_if_needed()
    screenshot = Path(SCREENSHOT) if SCREENSHOT else tmp_path / "screenshot.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000

    # Phone width: nothing overflows sideways (reading scrollWidth lays the page out anew).
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone = Path(SCREENSHOT_PHONE) if SCREENSHOT_PHONE else tmp_path / "screenshot-390.png"
    page.locator("#mood-title").scroll_into_view_if_needed()
    page.screenshot(path=str(phone), full_page=True)
    assert phone.stat().st_size > 10_000


def test_webcam_snapshot(page):
    page.context.grant_permissions(["camera"])
    page.click("#camera-open")
    wait_until(page, "() => document.querySelector('#camera-video').videoWidth > 0")
    page.click("#camera-snap")
    wait_until(page, "() => !document.querySelector('#photo').hidden")
    assert page.locator("#photo-caption").inner_text() == "camera snapshot"
    page.check("#mode-calm", force=True)
    page.fill("#k", "5")
    page.click("#submit")
    wait_until(page, "() => document.querySelectorAll('#tracks > li').length === 5", timeout=60)
    assert page.locator("#source").get_attribute("data-source") in {"face", "scene"}
    assert "calming" in page.locator("#tracks-summary").inner_text()


def test_errors_are_shown_in_the_page(page, tmp_path):
    page.click("#submit")
    assert "Choose a photo" in page.locator("#error").inner_text()
    fake = tmp_path / "holiday.jpg"  # the browser calls it image/jpeg; the server reads bytes
    fake.write_text("these are not the pixels you are looking for")
    page.set_input_files("#file", fake)
    page.click("#submit")
    wait_until(page, "() => document.querySelector('#error').innerText.includes('JPEG')")
    assert "not a JPEG" in page.locator("#error").inner_text()
    assert page.locator("#submit").is_enabled()  # the loading state has ended


def test_api_docs_render_offline(browser, server: str):
    """/docs renders every operation from this server alone: any request to another origin
    is recorded and refused, and a failed request, an error answer or a console error
    (a Content-Security-Policy violation is one) fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    elsewhere: list[str] = []

    def only_this_server(route) -> None:
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )
    try:
        response = page.goto("/docs")
        assert response is not None and response.status == 200
        recommend = page.locator(".opblock-post .opblock-summary-path[data-path='/api/recommend']")
        recommend.wait_for(timeout=30_000)
        for method, path in [
            ("get", "/api/health"),
            ("post", "/api/emotion"),
            ("get", "/api/tracks/{track_id}/audio"),
            ("post", "/api/feedback"),
        ]:
            selector = f".opblock-{method} .opblock-summary-path[data-path='{path}']"
            assert page.locator(selector).count() == 1, (method, path)
        assert page.locator(".swagger-ui .info .title").inner_text().startswith("moodtune")

        # "Try it out" on GET /api/health: the request goes to this server and is answered.
        page.locator("#operations-api-health_api_health_get .opblock-summary").click()
        page.locator("#operations-api-health_api_health_get .try-out__btn").click()
        page.locator("#operations-api-health_api_health_get .execute").click()
        status = page.locator(
            "#operations-api-health_api_health_get .live-responses-table tbody .response-col_status"
        ).first
        status.wait_for(timeout=30_000)
        assert status.inner_text().strip() == "200"
    finally:
        context.close()
    assert not elsewhere, elsewhere
    assert not problems, problems
