"""State changes only from JSON requests (moodtune.web.bodies): no form another site could send."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .helpers import assert_error

# --- state changes need JSON: no cross-site "simple" requests -----------------------------------

#: What a form or a no-cors fetch on another site can send without a CORS preflight.
SIMPLE_BODIES = [
    {},  # no body, no type
    {"content": b"{}", "headers": {"Content-Type": "text/plain"}},
    {"content": b"liked=1", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    {"files": {"x": ("x.txt", b"{}", "text/plain")}},  # multipart/form-data
]


@pytest.mark.parametrize("request_options", SIMPLE_BODIES)
def test_played_refuses_requests_another_site_could_send(
    client, catalogue, playable_id, request_options
):
    before = catalogue.stats().plays
    response = client.post(f"/api/tracks/{quote(playable_id, safe='')}/played", **request_options)
    assert_error(response, 415, "application/json")
    assert catalogue.stats().plays == before  # nothing recorded


def test_played_takes_an_empty_json_object(client, catalogue, playable_id):
    path = f"/api/tracks/{quote(playable_id, safe='')}/played"
    before = catalogue.stats().plays
    assert client.post(path, json={}).status_code == 204
    assert catalogue.stats().plays == before + 1
    assert_error(client.post(path, json={"when": "now"}), 422, "when")
    assert_error(client.post(path, json=[]), 422, "object")
    assert catalogue.stats().plays == before + 1


def _feedback_forms(track_id: str) -> list[dict]:
    """The feedback sent in ways a page on another site can send without a preflight."""
    text = f'{{"track_id": "{track_id}", "liked": false}}'.encode()
    return [
        {"content": text, "headers": {"Content-Type": "text/plain"}},
        {"content": text},  # no type at all
        {"data": {"track_id": track_id, "liked": "false"}},  # URL-encoded form
        {"files": {"track_id": (None, track_id.encode()), "liked": (None, b"false")}},
    ]


@pytest.mark.parametrize("form", range(4))
def test_feedback_refuses_requests_another_site_could_send(client, catalogue, playable_id, form):
    before = len(catalogue.feedback())
    options = _feedback_forms(playable_id)[form]
    assert_error(client.post("/api/feedback", **options), 415, "application/json")
    assert len(catalogue.feedback()) == before


def test_the_page_sends_plays_as_json(client):
    script = client.get("/static/tracks.js").text  # the track cards (a module of app.js)
    assert "./tracks.js" in client.get("/static/app.js").text
    call = script[script.index("/played`") :][:200]
    assert '"Content-Type": "application/json"' in call and 'body: "{}"' in call
