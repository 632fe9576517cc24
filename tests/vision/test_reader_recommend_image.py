"""`moodtune recommend --image`: a real photo → its emotion → tracks from a real catalogue."""

from __future__ import annotations

import json

from .pictures import encode


def test_recommend_for_a_smiling_face_uses_the_face_reading(
    tmp_path, offline_env, astronaut, run_cli
):
    photo = tmp_path / "astronaut.jpg"
    photo.write_bytes(encode(astronaut))
    from moodtune.catalogue.builtin import open_catalogue

    catalogue = tmp_path / "catalogue.sqlite"
    open_catalogue(catalogue).close()  # a new catalogue holds the built-in clips
    code, out, err = run_cli(
        "recommend",
        "--image",
        str(photo),
        "--catalogue",
        str(catalogue),
        "--k",
        "5",
        "--seed",
        "1",
        "--json",
    )
    assert code == 0, err
    payload = json.loads(out)
    reading = payload["reading"]
    assert reading["top"] == "happiness" and reading["source"] == "face"
    assert len(reading["faces"]) == 1
    probabilities = payload["target"]["probabilities"]  # the answer's one shape (issue 23)
    assert probabilities["happiness"] == max(probabilities.values())
    tracks = payload["tracks"]
    assert len(tracks) == 5
    assert len({t["track_id"] for t in tracks}) == 5
    assert all(t["track_id"].startswith("builtin-") and t["reason"] for t in tracks)


def test_recommend_with_a_file_that_is_not_an_image_is_a_clear_error(
    tmp_path, offline_env, run_cli
):
    fake = tmp_path / "photo.jpg"
    fake.write_text("this is text, not a picture")
    (tmp_path / "c.sqlite").touch()  # an existing catalogue: the picture is the mistake
    code, _, err = run_cli(
        "recommend", "--image", str(fake), "--catalogue", str(tmp_path / "c.sqlite")
    )
    assert code == 2
    assert "photo.jpg" in err and "Traceback" not in err
