"""The API's types come from the registries (issue 23): a playlist format added to
:data:`moodtune.playlists.FORMATS` or a mode added to :data:`moodtune.recommend.modes.MODES`
appears in the OpenAPI schema and on the page with no other edit.

The registries are read when the web modules are imported, so the entries are added in a fresh
interpreter before it imports :mod:`moodtune.web` (a real subprocess, nothing patched here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

SRC = Path(__file__).resolve().parents[2] / "src"

#: The one edit per registry, then the app's schema and the page's context printed as JSON.
SCRIPT = """
import dataclasses, json
from moodtune import playlists
from moodtune.recommend import modes

playlists.FORMATS[".m3u"] = playlists.PlaylistFormat(
    lambda entries, title, created: b"#EXTM3U\\n", "audio/x-mpegurl", "M3U (old players)"
)
modes.MODES["energise"] = dataclasses.replace(modes.MODES[modes.DEFAULT_MODE], name="energise")

from moodtune.web.app import create_app
from moodtune.web.routes.page import page_context

page = page_context(False)  # its senses are objects: shown by name
print(json.dumps({"openapi": create_app().openapi(), "page": page}, default=str))
"""


@pytest.fixture(scope="module")
def extended() -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _parameter(spec: dict, path: str, name: str) -> dict:
    (found,) = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name]
    return found["schema"]


def test_a_playlist_format_added_to_the_registry_is_in_the_api(extended) -> None:
    spec = extended["openapi"]
    for path in ("/api/playlist", "/api/journal/{request_id}/playlist"):
        schema = _parameter(spec, path, "format")
        assert schema["enum"] == ["m3u8", "xspf", "jspf", "csv", "m3u"]
        assert "audio/x-mpegurl" in spec["paths"][path]["get"]["responses"]["200"]["content"]
    assert extended["page"]["playlist_formats"]["m3u"] == "M3U (old players)"
    assert next(iter(extended["page"]["playlist_formats"])) == "xspf"  # the default first


def test_a_mode_added_to_the_registry_is_in_the_api(extended) -> None:
    schemas = extended["openapi"]["components"]["schemas"]
    assert "energise" in schemas["RecommendRequest"]["properties"]["mode"]["enum"]
    assert "energise" in extended["page"]["modes"]
