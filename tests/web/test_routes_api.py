"""The JSON API through FastAPI's TestClient: every endpoint and every error case."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest

from moodtune.emotions import EMOTIONS
from moodtune.web.uploads import MAX_IMAGE_BYTES, MAX_JSON_BYTES

from .helpers import assert_error


def image(data: bytes, content_type: str = "image/jpeg", name: str = "photo.jpg") -> dict:
    return {"image": (name, data, content_type)}


# --- health, page, docs ---------------------------------------------------------------------


def test_health_reports_tracks_and_image_reading(client, catalogue):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["tracks"] == catalogue.count() > 2000
    assert body["model_version"] == catalogue.model_version
    assert body["image_reading"] is True and body["image_reading_problem"] is None
    assert body["words_reading"] is True and body["words_reading_problem"] is None


def test_page_is_served_with_a_strict_content_security_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    for needle in ('id="mood-form"', 'id="file"', 'id="camera-open"', 'name="mode"', 'id="k"'):
        assert needle in html
    assert "<script>" not in html  # no inline script: the policy forbids it
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    css = client.get("/static/app.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert client.get("/static/app.js").status_code == 200


def test_openapi_documents_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths) >= {
        "/api/health",
        "/api/emotion",
        "/api/recommend",
        "/api/tracks/{track_id}/audio",
        "/api/feedback",
    }
    recommend = paths["/api/recommend"]["post"]["requestBody"]["content"]
    assert "image" in recommend["multipart/form-data"]["schema"]["properties"]
    assert recommend["application/json"]["schema"]["$ref"].endswith("/RecommendRequest")
    assert "RecommendRequest" in spec["components"]["schemas"]
    assert "FeedbackRequest" in spec["components"]["schemas"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_unknown_route_is_a_json_404(client):
    assert_error(client.get("/api/nothing"), 404, "not found")


def test_cors_is_off_by_default(client):
    response = client.get("/api/health", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_origins_can_be_allowed(catalogue, reader):
    from fastapi.testclient import TestClient

    from moodtune.web import create_app

    app = create_app(catalogue=catalogue, reader=reader, cors_origins=["https://ok.example"])
    with TestClient(app) as other:
        allowed = other.get("/api/health", headers={"Origin": "https://ok.example"})
        refused = other.get("/api/health", headers={"Origin": "https://bad.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://ok.example"
    assert "access-control-allow-origin" not in refused.headers


# --- /api/emotion ---------------------------------------------------------------------------


def test_emotion_of_a_face_photo(client, astronaut_jpeg):
    response = client.post("/api/emotion", files=image(astronaut_jpeg))
    assert response.status_code == 200, response.text
    reading = response.json()
    assert reading["source"] == "face"
    assert reading["top"] == "happiness"
    assert reading["image_size"] == [512, 512]
    assert list(reading["probabilities"]) == list(EMOTIONS)
    assert sum(reading["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    x, y, w, h = reading["faces"][0]["box"]
    assert 0 <= x < x + w <= 512 and 0 <= y < y + h <= 512


def test_emotion_of_a_scene_without_face(client, coffee_png):
    response = client.post("/api/emotion", files=image(coffee_png, "image/png", "c.png"))
    assert response.status_code == 200, response.text
    reading = response.json()
    assert reading["source"] == "scene" and reading["confidence"] == "low"
    assert reading["faces"] == [] and reading["image_size"] == [600, 400]


def test_emotion_of_words_and_of_photo_with_words(client, astronaut_jpeg):
    words = client.post("/api/emotion", data={"text": "I am so sad and lonely tonight"})
    assert words.status_code == 200, words.text
    assert words.json()["source"] == "text" and words.json()["image_size"] is None
    both = client.post(
        "/api/emotion", files=image(astronaut_jpeg), data={"text": "a wonderful day"}
    )
    assert both.status_code == 200
    assert both.json()["source"] == "combined" and both.json()["faces"]


def test_emotion_needs_an_image_or_words(client):
    assert_error(client.post("/api/emotion", data={"text": "  "}), 422, "image", "text")
    assert_error(client.post("/api/emotion", files={"other": ("x", b"x")}), 422, "unexpected")


def test_emotion_refuses_a_spoofed_image(client):
    # Text labelled as a JPEG: the bytes decide, not the header.
    body = assert_error(
        client.post("/api/emotion", files=image(b"<html>not a photo</html>" * 10)),
        415,
        "not a jpeg",
    )
    assert body["errors"][0]["field"] == "image"
    # An SVG (script-capable) labelled as a PNG.
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert_error(client.post("/api/emotion", files=image(svg, "image/png", "x.png")), 415)


def test_emotion_refuses_a_declared_non_image_type(client, astronaut_jpeg):
    assert_error(
        client.post("/api/emotion", files=image(astronaut_jpeg, "application/pdf", "a.pdf")),
        415,
        "application/pdf",
    )


def test_emotion_accepts_a_real_image_sent_as_generic_binary(client, astronaut_jpeg):
    response = client.post(
        "/api/emotion", files=image(astronaut_jpeg, "application/octet-stream", "blob")
    )
    assert response.status_code == 200 and response.json()["source"] == "face"


def test_emotion_of_a_truncated_or_empty_image_is_a_422(client, astronaut_jpeg):
    assert_error(client.post("/api/emotion", files=image(astronaut_jpeg[:3000])), 422, "trunc")
    assert_error(client.post("/api/emotion", files=image(b"")), 422, "empty")


def test_emotion_reads_words_sent_as_json(client):
    """As /api/recommend does, /api/emotion takes words as JSON (issue 21; was a 415)."""
    response = client.post("/api/emotion", json={"text": "furious and angry"})
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "text" and response.json()["top"] in EMOTIONS
    assert_error(client.post("/api/emotion", json={"text": "   "}), 422, "text")
    assert_error(client.post("/api/emotion", json={"image": "x"}), 422, "image")
    assert_error(client.post("/api/emotion", json={}), 422, "text")


def test_upload_over_20_mb_is_a_413_from_content_length(client):
    big = b"\xff\xd8\xff" + b"\0" * (MAX_IMAGE_BYTES + 300 * 1024)
    assert_error(client.post("/api/emotion", files=image(big)), 413, "20 MB")


def test_upload_over_20_mb_is_a_413_without_content_length(client):
    """A chunked body announces no length: the cap is enforced on the bytes as they arrive."""
    boundary = "moodtuneboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()

    def chunks():
        yield head + b"\xff\xd8\xff"
        for _ in range(30):  # 30 × 1 MiB: well over the cap
            yield b"\0" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post(
        "/api/emotion",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_error(response, 413, "20 MB")
    assert "content-length" not in response.request.headers


def test_uploads_never_touch_the_file_system(client, astronaut_jpeg, monkeypatch):
    """Every temporary-file entry point fails: a 3 MB upload must still be read."""
    import tempfile

    def refuse(*args, **kwargs):
        raise AssertionError("an upload was about to be written to disk")

    for name in ("SpooledTemporaryFile", "NamedTemporaryFile", "TemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    padded = astronaut_jpeg + b"\0" * (3 * 1024 * 1024)  # JPEG decoders ignore trailing bytes
    response = client.post("/api/emotion", files=image(padded))
    assert response.status_code == 200, response.text


def test_malformed_multipart_is_a_400(client):
    response = client.post(
        "/api/emotion",
        content=b"garbage without any boundary",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert_error(response, 400, "malformed")
    assert_error(
        client.post("/api/emotion", content=b"x", headers={"Content-Type": "multipart/form-data"}),
        400,
        "boundary",
    )


# --- /api/recommend ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["match", "uplift", "calm"])
def test_recommend_for_an_emotion(client, mode):
    response = client.post("/api/recommend", json={"emotion": "sad", "mode": mode, "k": 7})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reading"] is None
    assert body["target"]["top"] == "sadness" and body["target"]["given_as"] == "emotion"
    assert body["mode"] == mode and body["k"] == 7
    assert len(body["tracks"]) == 7
    assert len({t["track_id"] for t in body["tracks"]}) == 7
    for track in body["tracks"]:
        assert track["reason"]
        assert set(track["probabilities"]) == set(EMOTIONS)
        if track["has_audio"]:
            assert track["audio_url"] == f"/api/tracks/{quote(track['track_id'], safe='')}/audio"
        else:
            assert track["audio_url"] is None
        if track["spotify_id"]:
            assert track["spotify_url"] == f"https://open.spotify.com/track/{track['spotify_id']}"
        # How it plays, honestly: here when it has a local file, else on Spotify, else not.
        expected = "local" if track["has_audio"] else "spotify" if track["spotify_id"] else None
        assert track["playback"] == expected or (
            expected is None and track["playback"] in {"web", "none"}
        )
        if track["reading"] is not None:  # labelled, not an unlabelled pair
            assert set(track["reading"]) == {"valence", "arousal"}
            assert -1 <= track["reading"]["valence"] <= 1 and -1 <= track["reading"]["arousal"] <= 1


def test_the_artist_cap_is_asked_for_per_request(client):
    """artist_cap: at most that many tracks per artist, 0 for none; validated (issue 21)."""

    def most_per_artist(body: dict) -> int:
        response = client.post("/api/recommend", json=body)
        assert response.status_code == 200, response.text
        artists = [t["artist"] for t in response.json()["tracks"] if t["artist"]]
        return max(artists.count(a) for a in set(artists))

    assert most_per_artist({"emotion": "happy", "k": 50, "artist_cap": 1}) == 1
    assert most_per_artist({"emotion": "happy", "k": 50}) <= 2  # the server's cap, as before
    for bad, words in [(-1, "greater than or equal to 0"), (51, "less than"), ("2", "integer")]:
        response = client.post("/api/recommend", json={"emotion": "sad", "artist_cap": bad})
        assert_error(response, 422, *words)
    assert_error(client.post("/api/recommend", json={"emotion": "sad", "artist_cap": None}), 422)
    form = client.post("/api/recommend", data={"text": "calm evening", "k": "4", "artist_cap": "0"})
    assert form.status_code == 200, form.text


def test_the_openapi_schema_has_real_examples(client):
    """/docs shows real examples, not "string" and "additionalProp1" (issue 21)."""
    components = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("TrackOut", "RecommendOut", "ReadingOut", "HealthOut", "JournalOut"):
        [example] = components[name]["examples"]
        fields = components[name]["properties"]
        assert set(example) <= set(fields) and len(example) > len(fields) // 2, name
    assert components["TrackOut"]["examples"][0]["reading"] == {"valence": 0.62, "arousal": 0.35}
    assert components["EmotionRequest"]["examples"] == [{"text": "rainy Sunday, missing the sea"}]
    assert (
        "application/json"
        in client.get("/openapi.json").json()["paths"]["/api/emotion"]["post"]["requestBody"][
            "content"
        ]
    )


def test_recommend_for_a_distribution(client):
    mapping = client.post(
        "/api/recommend", json={"distribution": {"happy": 3, "surprise": 1}, "k": 5}
    )
    assert mapping.status_code == 200, mapping.text
    target = mapping.json()["target"]
    assert target["given_as"] == "distribution"
    assert target["probabilities"]["happiness"] == pytest.approx(0.75)
    weights = [0, 0, 1, 0, 0, 1, 0]
    listed = client.post("/api/recommend", json={"distribution": weights, "k": 3})
    assert listed.status_code == 200 and len(listed.json()["tracks"]) == 3
    assert listed.json()["target"]["probabilities"]["fear"] == pytest.approx(0.5)


def test_recommend_for_a_photo(client, astronaut_jpeg):
    response = client.post(
        "/api/recommend", files=image(astronaut_jpeg), data={"mode": "calm", "k": "6"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reading"]["source"] == "face" and body["reading"]["top"] == "happiness"
    assert body["target"]["given_as"] == "image" and body["target"]["top"] == "happiness"
    assert body["mode"] == "calm" and len(body["tracks"]) == 6


def test_recommend_for_words(client):
    as_json = client.post("/api/recommend", json={"text": "furious and angry", "k": 4})
    assert as_json.status_code == 200, as_json.text
    assert as_json.json()["reading"]["source"] == "text"
    assert as_json.json()["target"]["given_as"] == "text"
    as_form = client.post("/api/recommend", data={"text": "calm evening", "k": "4"})
    assert as_form.status_code == 200 and len(as_form.json()["tracks"]) == 4


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"emotion": "hungry"}, "emotion", ["unknown emotion"]),
        ({"emotion": "sad", "k": 0}, "k", ["greater than or equal to 1"]),
        ({"emotion": "sad", "k": 51}, "k", ["less than or equal to 50"]),
        ({"emotion": "sad", "k": "ten"}, "k", ["integer"]),
        ({"emotion": "sad", "mode": "louder"}, "mode", ["match", "uplift", "calm"]),
        ({"distribution": [1, 2, 3]}, "distribution", ["7 weights"]),
        ({"distribution": {"sad": 0}}, "distribution", ["all zero"]),
        ({"distribution": {"sad": -1, "happy": 2}}, "distribution", ["non-negative"]),
        ({"emotion": "sad", "distribution": {"sad": 1}}, None, ["exactly one"]),
        ({}, None, ["exactly one"]),
        ({"emotion": "sad", "colour": "blue"}, "colour", ["extra"]),
    ],
)
def test_recommend_bad_parameters_are_a_422_naming_them(client, body, field, words):
    result = assert_error(client.post("/api/recommend", json=body), 422, *words)
    assert result["errors"][0]["field"] == field


def test_recommend_form_parameters_are_validated(client, astronaut_jpeg):
    bad_k = client.post("/api/recommend", files=image(astronaut_jpeg), data={"k": "many"})
    assert assert_error(bad_k, 422, "k")["errors"][0]["field"] == "k"
    bad_mode = client.post("/api/recommend", files=image(astronaut_jpeg), data={"mode": "x"})
    assert_error(bad_mode, 422, "mode")
    extra = client.post("/api/recommend", files=image(astronaut_jpeg), data={"emotion": "sad"})
    assert_error(extra, 422, "emotion")
    nothing = client.post("/api/recommend", data={"k": "3"})
    assert_error(nothing, 422, "image")


def test_recommend_bad_bodies(client):
    assert_error(
        client.post(
            "/api/recommend", content=b"{not json", headers={"Content-Type": "application/json"}
        ),
        400,  # malformed syntax is a bad request; a well-formed body with bad values is a 422
        "json",
    )
    assert_error(client.post("/api/recommend", json=["sad"]), 422, "object")
    assert_error(
        client.post("/api/recommend", content=b"sad", headers={"Content-Type": "text/plain"}),
        415,
    )
    huge = json.dumps({"emotion": "sad", "text": "x" * (MAX_JSON_BYTES + 10)})
    assert_error(
        client.post("/api/recommend", content=huge, headers={"Content-Type": "application/json"}),
        413,
    )


def test_recommend_for_a_spoofed_image_is_a_415(client):
    response = client.post("/api/recommend", files=image(b"%PDF-1.7\n%binary", "image/png"))
    assert_error(response, 415, "not a jpeg")


# --- /api/tracks/{id}/audio -----------------------------------------------------------------


def test_audio_whole_file(client, catalogue, playable_id):
    expected = catalogue.audio_path(playable_id).read_bytes()
    response = client.get(f"/api/tracks/{quote(playable_id, safe='')}/audio")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("audio/")
    assert response.headers["accept-ranges"] == "bytes"
    assert response.content == expected


def test_audio_range_requests_answer_206(client, catalogue, playable_id):
    data = catalogue.audio_path(playable_id).read_bytes()
    url = f"/api/tracks/{quote(playable_id, safe='')}/audio"
    first = client.get(url, headers={"Range": "bytes=0-99"})
    assert first.status_code == 206
    assert first.headers["content-range"] == f"bytes 0-99/{len(data)}"
    assert first.content == data[:100]
    tail = client.get(url, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == data[-50:]
    middle = client.get(url, headers={"Range": f"bytes={len(data) - 10}-"})
    assert middle.status_code == 206 and middle.content == data[-10:]
    beyond = client.get(url, headers={"Range": f"bytes={len(data) + 5}-"})
    assert beyond.status_code == 416
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(data)


def test_audio_only_for_catalogue_tracks_with_audio(client, silent_id):
    assert_error(client.get("/api/tracks/no-such-track/audio"), 404, "no track")
    assert_error(client.get(f"/api/tracks/{quote(silent_id, safe='')}/audio"), 404, "no local")


@pytest.mark.parametrize(
    "path",
    [
        "/api/tracks/..%2F..%2F..%2Fetc%2Fpasswd/audio",
        "/api/tracks/%2Fetc%2Fpasswd/audio",
        "/api/tracks/..%5C..%5Cwin.ini/audio",
        "/api/tracks/%00/audio",
    ],
)
def test_audio_paths_from_the_client_never_reach_the_file_system(client, path):
    response = client.get(path)
    assert response.status_code in (404, 422)
    assert response.headers["content-type"].startswith("application/json")
    assert "root:" not in response.text


# --- /api/feedback and /api/tracks/{id}/played ------------------------------------------------


def test_feedback_is_stored_in_the_catalogue(client, catalogue, playable_id):
    before = len(catalogue.feedback())
    response = client.post(
        "/api/feedback",
        json={
            "track_id": playable_id,
            "liked": True,
            "context": {"emotion": "happy", "mode": "uplift", "source": "face"},
        },
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"stored": True, "track_id": playable_id, "liked": True}
    stored = catalogue.feedback()
    assert len(stored) == before + 1
    assert stored[-1].track_id == playable_id and stored[-1].liked is True
    assert stored[-1].context == {"emotion": "happiness", "mode": "uplift", "source": "face"}


def test_feedback_errors(client, playable_id):
    assert_error(
        client.post("/api/feedback", json={"track_id": "nope", "liked": False}), 404, "no track"
    )
    assert_error(client.post("/api/feedback", json={"track_id": playable_id}), 422, "liked")
    assert_error(
        client.post(
            "/api/feedback",
            json={"track_id": playable_id, "liked": True, "context": {"emotion": "bored"}},
        ),
        422,
        "unknown emotion",
    )
    assert_error(
        client.post(
            "/api/feedback",
            json={"track_id": playable_id, "liked": True, "context": {"secret": 1}},
        ),
        422,
        "context.secret",
    )
    assert_error(
        client.post("/api/feedback", data={"track_id": playable_id, "liked": "1"}), 415, "json"
    )


def test_played_is_recorded_in_the_history(client, catalogue, playable_id):
    before = catalogue.stats().plays
    response = client.post(f"/api/tracks/{quote(playable_id, safe='')}/played", json={})
    assert response.status_code == 204
    assert catalogue.stats().plays == before + 1
    assert_error(client.post("/api/tracks/unknown/played", json={}), 404)


# --- failures inside the server -------------------------------------------------------------


class ExplodingReader:
    """Stands in for a bug deep inside the image models: no real input makes the real reader
    raise an unexpected exception, and the point here is what the client then sees."""

    def read(self, image, text):
        raise RuntimeError("secret internal detail /home/someone/.cache")


def test_an_unexpected_error_is_a_500_without_any_detail(catalogue, astronaut_jpeg):
    from fastapi.testclient import TestClient

    from moodtune.web import create_app

    app = create_app(catalogue=catalogue, reader=ExplodingReader())
    with TestClient(app, raise_server_exceptions=False) as other:
        response = other.post("/api/emotion", files=image(astronaut_jpeg))
    body = assert_error(response, 500, "internal error")
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert body["errors"] == []


def test_without_image_reading_the_app_still_recommends_for_emotions(catalogue, monkeypatch):
    """The vision extra is installed here, so its absence is simulated at the import."""
    from fastapi.testclient import TestClient

    import moodtune.vision
    from moodtune.errors import MissingExtraError
    from moodtune.web import create_app

    def missing(*args, **kwargs):
        raise MissingExtraError("vision", "ai_edge_litert")

    monkeypatch.setattr(moodtune.vision, "EmotionReader", missing, raising=False)
    with TestClient(create_app(catalogue=catalogue)) as other:
        health = other.get("/api/health").json()
        # Words need only the words model (issue 13): they are still read.
        assert health["image_reading"] is False and health["words_reading"] is True
        assert "moodtune[vision]" in health["image_reading_problem"]
        assert other.post("/api/recommend", json={"emotion": "calm", "k": 2}).status_code == 200
        refused = other.post("/api/emotion", files=image(b"\xff\xd8\xff" + b"\0" * 100))
        assert_error(refused, 503, "unavailable")
        assert "not available" in other.get("/").text


def test_an_image_over_40_megapixels_is_refused_before_decoding(client):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (8000, 5001)).save(buffer, "PNG")  # 40.008 Mpx, a few KB as a PNG
    response = client.post("/api/emotion", files=image(buffer.getvalue(), "image/png", "b.png"))
    assert_error(response, 422, "megapixel")


def test_words_unavailable_is_a_503_while_photos_still_work(catalogue, reader, astronaut_jpeg):
    from moodtune.recommend.recommender import MusicRecommender
    from moodtune.web.service import MoodService, UnavailableError

    service = MoodService(
        catalogue, MusicRecommender(catalogue), reader, words_problem="reading words is off"
    )
    assert service.read(astronaut_jpeg, None).source == "face"
    with pytest.raises(UnavailableError, match="reading words is off") as caught:
        service.read(astronaut_jpeg, "a sunny day")
    assert caught.value.status == 503
    assert service.health()["words_reading"] is False


# --- recommendations answered from the cache ---------------------------------------------------


def test_cached_recommendations_follow_feedback_and_plays(catalogue_path, reader, tmp_path):
    """Warm requests are answered on the event loop from cached rankings; a 👎 or a play
    through the API still takes the track out of the next answer, and answers stay fresh."""
    import sqlite3

    from fastapi.testclient import TestClient

    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.recommend.target import resolve_target
    from moodtune.web import create_app

    copy = tmp_path / "catalogue.sqlite"
    with sqlite3.connect(catalogue_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with (
        Catalogue.open(copy) as private,
        TestClient(create_app(catalogue=private, reader=reader)) as other,
    ):
        service = other.app.state.service
        ask = {"emotion": "sad", "mode": "uplift", "k": 10}
        first = other.post("/api/recommend", json=ask).json()["tracks"]
        assert service.recommend_now(resolve_target(emotion="sad"), 10, "uplift") is not None
        lists = {
            tuple(t["track_id"] for t in other.post("/api/recommend", json=ask).json()["tracks"])
            for _ in range(4)
        }
        assert len(lists) > 1  # a fresh choice among near-equal tracks on every request
        disliked, played = first[0]["track_id"], first[1]["track_id"]
        assert other.post("/api/feedback", json={"track_id": disliked, "liked": False}).is_success
        assert other.post(f"/api/tracks/{quote(played, safe='')}/played", json={}).is_success
        for _ in range(5):
            tracks = other.post("/api/recommend", json=ask).json()["tracks"]
            assert len(tracks) == 10
            assert not {disliked, played} & {t["track_id"] for t in tracks}


def test_the_picker_shows_every_mood_word_it_is_given(client, monkeypatch):
    """The picker is rendered from page_context's list: a word without an emoji of its own
    gets the fallback (mood words come from the recommender's registry)."""
    import importlib

    page = importlib.import_module("moodtune.web.routes.page")  # the package's `page` is the router

    monkeypatch.setattr(page, "MOODS", (*page.MOODS, "wistful"))
    html = client.get("/").text
    assert 'data-emotion="calm"' in html and 'data-emoji="😌"' in html
    assert 'data-emotion="wistful"' in html and f'data-emoji="{page.FALLBACK_EMOJI}"' in html
    assert 'id="artist-cap"' in html and 'value="2"' in html


@pytest.mark.parametrize("emotion", ["happiness", "disgust", "surprise"])
def test_the_words_never_contradict_the_chip(client, emotion):
    """A track whose chip (its most likely emotion) is not the mood asked for is never said
    to be "like" that mood (issue 21: Neutral and Disgust chips "like the happy mood")."""
    body = {"emotion": emotion, "k": 50, "artist_cap": 0}
    tracks = client.post("/api/recommend", json=body).json()["tracks"]
    for track in tracks:
        chip = track["chip"]
        if chip != emotion:
            assert ", like the" not in track["explanation"], (chip, track["explanation"])
            assert "rather than" in track["explanation"]
        else:
            assert ", like the" in track["explanation"], track["explanation"]
