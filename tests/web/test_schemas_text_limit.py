"""One text limit (moodtune.web.schemas.MAX_TEXT) for the API, the page and the reader."""

from __future__ import annotations

from .helpers import assert_error

# --- one text limit ---------------------------------------------------------------------------


def test_the_api_and_the_reader_share_one_text_limit(client):
    from moodtune.vision.reader import MAX_TEXT
    from moodtune.web import schemas

    assert schemas.MAX_TEXT == MAX_TEXT
    words = ("a bright happy sunny morning with friends " * 60)[: MAX_TEXT - 1]
    assert len(words) > 1000  # over the API's old limit, within the reader's
    response = client.post("/api/recommend", json={"text": words, "k": 3})
    assert response.status_code == 200, response.text
    assert response.json()["reading"]["source"] == "text"
    too_long = words + "xx"
    assert_error(client.post("/api/recommend", json={"text": too_long}), 422, "text")
    assert_error(client.post("/api/emotion", data={"text": too_long}), 422, "text")
    assert f'maxlength="{MAX_TEXT}"' in client.get("/").text
