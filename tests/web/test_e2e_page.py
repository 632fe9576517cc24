"""The page keeps its promises (issue 11): in a real headless Chromium against a real
``moodtune serve`` on 127.0.0.1, over a private copy of the test catalogue (these tests
write feedback and clear the history).

Emotion picker, an error clearing the old results, no double submit, keyboard focus on
👍/👎, tap targets of 44 px, face labels that do not overlap at 390 px, explanations in words
with the numbers on demand, the playlist download and the history page's undo and clear.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from .helpers import encode_image, wait_until

pytestmark = pytest.mark.e2e

#: How many tracks the page shows (a JS expression).
TRACKS = "document.querySelectorAll('#tracks > li').length"
#: What must be at least 44 × 44 px wherever it shows.
TARGETS = (
    "button, .button, summary, select, .segmented label, nav a, input[type=text], "
    "input[type=number]"
)


@pytest.fixture(scope="module")
def catalogue_path(catalogue_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the session's test catalogue for this module's server."""
    copy = tmp_path_factory.mktemp("e2e-page") / "catalogue.sqlite"
    with sqlite3.connect(catalogue_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


@pytest.fixture(scope="module")
def faces_jpeg() -> bytes:
    """Six copies of the astronaut's smiling face side by side (840 × 160): close faces."""
    from skimage import data

    crop = data.astronaut()[40:200, 150:290]
    return encode_image(np.concatenate([crop] * 6, axis=1), "JPEG", quality=90)


def pick(page, emotion: str, k: int = 5) -> None:
    page.fill("#k", str(k))
    page.click(f"#picker [data-emotion='{emotion}']")
    wait_until(page, f"() => {TRACKS} === {k}", timeout=60)


def test_the_emotion_picker_recommends_for_a_chosen_mood(page):
    pick(page, "sadness")
    assert page.locator("#top-name").inner_text().lower() == "sadness"
    assert page.locator("#source").inner_text() == "the mood you picked"
    chosen = page.locator("#picker [data-emotion='sadness']")
    assert chosen.get_attribute("aria-pressed") == "true"
    assert page.locator("#picker [aria-pressed='true']").count() == 1
    # Explanations in words; the numbers behind "Details".
    first = page.locator("#tracks > li").first
    words = first.locator(".track-reason").inner_text()
    assert "sad" in words and not any(ch.isdigit() for ch in words), words
    details = first.locator("details.numbers")
    assert details.get_attribute("open") is None
    details.locator("summary").click()
    assert "valence" in details.inner_text() or "%" in details.inner_text()


def test_a_picked_mood_word_is_the_name_on_the_mood_card(page):
    # calm's weights lean to neutral; the card names what was picked, not the heaviest weight.
    pick(page, "calm")
    assert page.locator("#top-name").inner_text().lower() == "calm"
    assert page.locator("#source").inner_text() == "the mood you picked"
    calm = page.locator("#picker [data-emotion='calm']").get_attribute("data-emoji")
    assert page.locator("#top-emoji").inner_text() == calm


def test_an_error_clears_the_old_reading_and_tracks(page, tmp_path):
    pick(page, "happiness")
    assert page.locator("#results").is_visible() and page.locator("#reading").is_visible()
    fake = tmp_path / "holiday.jpg"
    fake.write_text("these are not the pixels you are looking for")
    page.set_input_files("#file", fake)
    page.click("#submit")
    wait_until(page, "() => !document.querySelector('#error').hidden")
    assert "not a JPEG" in page.locator("#error").inner_text()
    assert page.locator("#results").is_hidden() and page.locator("#reading").is_hidden()
    assert page.evaluate(f"() => {TRACKS}") == 0


def test_no_double_submit_while_busy(page, tmp_path, astronaut_jpeg):
    """The first request is held (then passed on to the real server) until the second
    click and an Enter in a field have happened: only one request may go out."""
    held: list = []
    page.route("**/api/recommend", lambda route: held.append(route))
    photo = tmp_path / "astronaut.jpg"
    photo.write_bytes(astronaut_jpeg)
    page.set_input_files("#file", photo)
    page.fill("#k", "4")
    page.click("#submit")
    wait_until(page, "() => document.querySelector('form').getAttribute('aria-busy') === 'true'")
    # Forced: Playwright itself would not press a button marked aria-disabled.
    page.click("#submit", force=True)
    page.click("#picker [data-emotion='fear']", force=True)
    page.focus("#words")
    page.keyboard.press("Enter")
    page.evaluate("() => new Promise(requestAnimationFrame)")  # let any second request start
    assert len(held) == 1
    held[0].continue_()
    wait_until(page, f"() => {TRACKS} === 4", timeout=60)
    wait_until(page, "() => document.querySelector('form').getAttribute('aria-busy') === 'false'")
    assert len(held) == 1
    assert page.locator("#picker [aria-pressed='true']").count() == 0


def test_keyboard_feedback_keeps_the_focus_on_the_pressed_button(page, catalogue_path):
    pick(page, "happiness", k=3)
    like = page.locator("#tracks > li").first.locator("button[data-liked='true']")
    track_id = page.locator("#tracks > li").first.get_attribute("data-track-id")
    like.focus()
    page.keyboard.press("Enter")
    wait_until(
        page,
        "() => document.querySelector('#tracks > li button[data-liked=\"true\"]')"
        ".getAttribute('aria-pressed') === 'true'",
    )
    assert page.evaluate("document.activeElement.dataset.liked") == "true"
    assert page.evaluate(
        "id => document.activeElement.closest('li').dataset.trackId === id", track_id
    )
    dislike = page.locator("#tracks > li").first.locator("button[data-liked='false']")
    page.keyboard.press("Tab")  # 👎 is next
    assert page.evaluate("document.activeElement.dataset.liked") == "false"
    page.keyboard.press("Space")
    wait_until(
        page,
        "() => document.querySelector('#tracks > li button[data-liked=\"false\"]')"
        ".getAttribute('aria-pressed') === 'true'",
    )
    assert dislike.get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.activeElement.dataset.liked") == "false"


@pytest.mark.parametrize("width", [1280, 390])
def test_tap_targets_are_at_least_44_px(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    pick(page, "surprise", k=3)
    page.locator("#tracks > li").first.locator("details summary").click()
    small = page.evaluate(
        """selector => [...document.querySelectorAll(selector)]
            .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
            .map(e => [e.id || e.className || e.tagName, e.getBoundingClientRect()])
            .filter(([, r]) => r.width < 43.5 || r.height < 43.5)
            .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`)""",
        TARGETS,
    )
    assert small == [], small
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_face_labels_do_not_overlap_on_a_phone(page, tmp_path, faces_jpeg):
    page.set_viewport_size({"width": 390, "height": 844})
    photo = tmp_path / "faces.jpg"
    photo.write_bytes(faces_jpeg)
    page.set_input_files("#file", photo)
    page.fill("#k", "3")
    page.click("#submit")
    wait_until(page, f"() => {TRACKS} === 3", timeout=60)
    labels = page.evaluate(
        """() => [...document.querySelectorAll('.face-box > span')].map(l => {
             const r = l.getBoundingClientRect();
             return [r.left, r.top, r.right, r.bottom]; })"""
    )
    assert len(labels) >= 4, labels  # close faces: their labels would collide unmoved
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, (a, b)
    frame = page.locator(".photo-frame").bounding_box()
    for left, _, right, _ in labels:
        assert frame["x"] - 1 <= left and right <= frame["x"] + frame["width"] + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_playlist_downloads_in_the_chosen_format(page):
    pick(page, "happiness", k=4)
    ids = page.evaluate(
        "() => [...document.querySelectorAll('#tracks > li')].map(li => li.dataset.trackId)"
    )
    with page.expect_download() as caught:
        page.click("#playlist-download")
    download = caught.value
    assert download.suggested_filename.endswith(".xspf")
    tree = ET.parse(download.path())
    namespace = {"x": "http://xspf.org/ns/0/"}
    assert len(tree.getroot().findall("x:trackList/x:track", namespace)) == len(ids) == 4

    page.select_option("#playlist-format", "csv")
    with page.expect_download() as caught:
        page.click("#playlist-download")
    rows = list(csv.DictReader(io.StringIO(Path(caught.value.path()).read_text())))
    assert caught.value.suggested_filename.endswith(".csv") and len(rows) == 4


def test_the_history_page_undoes_one_entry_and_clears_all(page, catalogue_path):
    from moodtune.catalogue.sqlite import Catalogue

    pick(page, "happiness", k=3)
    first = page.locator("#tracks > li").first
    liked_id = first.get_attribute("data-track-id")
    first.locator("button[data-liked='true']").click()
    wait_until(page, "() => document.querySelector('#tracks > li [aria-pressed=\"true\"]')")

    page.goto("/history")
    wait_until(page, "() => document.querySelectorAll('#history > li').length > 0")
    newest = page.locator("#history > li").first
    assert newest.get_attribute("data-kind") == "like"
    count = page.locator("#history > li").count()
    newest.locator("button.undo").click()
    wait_until(page, f"() => document.querySelectorAll('#history > li').length === {count - 1}")
    assert "Undone" in page.locator("#history-status").inner_text()
    with Catalogue.open(catalogue_path) as catalogue:
        liked = {catalogue.tracks_by_rowid([r])[r].track_id for r in catalogue.liked_rowids()}
    assert liked_id not in liked

    page.click("#history-clear")
    assert page.locator("#history-confirm").is_visible()
    page.click("#history-clear-yes")
    wait_until(page, "() => document.querySelectorAll('#history > li').length === 0")
    assert "Cleared" in page.locator("#history-status").inner_text()
    assert page.request.get("/api/history").json() == {"events": []}
