"""The API accepts the mood words of moodtune.recommend.moods as targets of their own
(issue 19); neutral stays neutral."""

from __future__ import annotations

from moodtune.recommend.moods import MOOD_WORDS, MOODS


def test_the_api_accepts_mood_words_and_neutral_stays_neutral(client):
    for word in (*MOOD_WORDS[:4], "neutral", "sad"):
        answer = client.post("/api/recommend", json={"emotion": word, "k": 3})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["target"]["top"] == MOODS.get(word, MOODS["sadness"]).name
        assert all("chip" in track for track in body["tracks"])
    calm = client.post("/api/recommend", json={"emotion": "calm", "k": 3}).json()
    assert calm["target"]["point"] == [0.55, -0.6]  # its own place, not neutral's
    assert calm["target"]["top"] == "calm" and "calm" in calm["summary"]
    bad = client.post("/api/recommend", json={"emotion": "melancholia", "k": 3})
    assert bad.status_code == 422 and "melancholia" in bad.text


def test_the_page_offers_the_mood_words(client):
    page = client.get("/").text
    assert all(word in page for word in ("calm", "energetic", "nostalgic"))
