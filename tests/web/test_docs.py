"""The API docs at /docs: Swagger UI served from this server only, under a strict policy.

The page in a real browser, offline, is checked in ``test_e2e.py``.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from moodtune.errors import MissingExtraError
from moodtune.web import docs as docs_module
from moodtune.web.docs import ASSETS, ASSETS_PREFIX, asset_folder, inline_script_hashes

URL_ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_docs_page_loads_only_same_origin_assets(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "SwaggerUIBundle(" in html and "url: '/openapi.json'" in html
    assert "//" not in html  # no http(s)://host nor //host anywhere in the page
    urls = URL_ATTRIBUTE.findall(html)
    assert sorted(urls) == sorted(f"{ASSETS_PREFIX}/{name}" for name in ASSETS)
    for url in urls:  # an absolute path on this server, not //host/...
        assert url.startswith("/") and not url.startswith("//")


@pytest.mark.parametrize("name", list(ASSETS))
def test_docs_assets_are_served_with_their_types(client, name):
    response = client.get(f"{ASSETS_PREFIX}/{name}")
    assert response.status_code == 200
    expected = {"js": "text/javascript", "css": "text/css", "png": "image/png"}
    assert response.headers["content-type"].startswith(expected[name.rsplit(".", 1)[1]])
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == (asset_folder() / name).read_bytes()


def test_swagger_ui_can_render_the_openapi_version_fastapi_writes(client):
    """Swagger UI 4.x shows "does not specify a valid version field" for OpenAPI 3.1."""
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    bundle = client.get(f"{ASSETS_PREFIX}/swagger-ui-bundle.js").text
    assert "isOAS31" in bundle  # the OpenAPI 3.1 plugin of Swagger UI 5


@pytest.mark.parametrize(
    "path",
    [
        f"{ASSETS_PREFIX}/swagger-ui-bundle.js.map",
        f"{ASSETS_PREFIX}/swagger-editor-bundle.js",
        f"{ASSETS_PREFIX}/LICENSE",
        f"{ASSETS_PREFIX}/",
        f"{ASSETS_PREFIX}/..%2F__init__.py",
        "/docs/oauth2-redirect",
        "/redoc",
    ],
)
def test_nothing_else_of_the_package_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["detail"]


def test_docs_policy_allows_this_server_and_the_inline_script_only(client):
    response = client.get("/docs")
    policy = directives(response.headers["content-security-policy"])
    # The one inline script, hashed here independently of the app.
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    for directive, sources in policy.items():
        for source in sources:
            assert "://" not in source and "*" not in source, (directive, source)
            assert source not in {"https:", "http:", "'unsafe-inline'", "'unsafe-eval'"}
            assert source in {"'self'", "'none'", "data:"} or source.startswith("'sha256-")
    # The assets carry the same policy; the app's page keeps its own.
    asset = client.get(f"{ASSETS_PREFIX}/swagger-ui.css")
    assert asset.headers["content-security-policy"] == response.headers["content-security-policy"]
    page = directives(client.get("/").headers["content-security-policy"])
    assert page["script-src"] == ["'self'"]
    assert page["frame-src"] == ["https://open.spotify.com"]


def test_inline_script_hash_matches_the_csp_specification_example():
    # The example of the CSP Level 3 specification (section "hash-source").
    html = "<p>x</p><script>alert('Hello, world.');</script>"
    assert inline_script_hashes(html) == ["'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"]


def test_missing_swagger_ui_package_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(docs_module, "PACKAGE", "moodtune_no_such_package")
    with pytest.raises(MissingExtraError, match=r"swagger-ui-py.*moodtune\[web\]"):
        asset_folder()


def test_missing_asset_file_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(docs_module, "PACKAGE_FOLDER", "no-such-folder")
    with pytest.raises(MissingExtraError, match="swagger-ui-py"):
        asset_folder()
