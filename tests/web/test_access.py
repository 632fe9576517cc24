"""Who may talk to the server (issue 22, item 8): its own host names, same-origin writes, a
token beyond loopback, correct ``Allow`` headers; ``serve`` on a busy port (issue 21).

Every request goes to a real uvicorn server on 127.0.0.1 over a real SQLite catalogue.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from moodtune.web import create_app
from moodtune.web.access import MAX_FAILURES, AccessPolicy

from .live import QuickReader, serving, small_catalogue

TOKEN = "correct-horse-battery"


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """A server on loopback without a token: (base URL, its catalogue)."""
    catalogue = small_catalogue(tmp_path_factory.mktemp("access"))
    with serving(create_app(catalogue=catalogue, reader=QuickReader())) as url:
        yield url, catalogue
    catalogue.close()


@pytest.fixture(scope="module")
def locked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server as ``--host 0.0.0.0 --auth TOKEN`` configures it (listening on loopback)."""
    catalogue = small_catalogue(tmp_path_factory.mktemp("locked"))
    policy = AccessPolicy.for_host("0.0.0.0", TOKEN)
    with serving(create_app(catalogue=catalogue, reader=QuickReader(), access=policy)) as url:
        yield url
    catalogue.close()


def some_track(catalogue) -> str:
    return catalogue.tracks_by_rowid([1])[1].track_id


def test_a_foreign_host_is_refused_and_changes_nothing(open_server):
    url, catalogue = open_server
    evil = {"Host": "rebind.evil.example"}
    health = httpx.get(f"{url}/api/health", headers=evil)
    assert health.status_code == 421
    assert "rebind.evil.example" in health.json()["detail"]
    before = len(catalogue.feedback())
    body = {"track_id": some_track(catalogue), "liked": False}
    assert httpx.post(f"{url}/api/feedback", json=body, headers=evil).status_code == 421
    assert httpx.delete(f"{url}/api/history", headers=evil).status_code == 421
    assert len(catalogue.feedback()) == before
    assert httpx.get(f"{url}/", headers=evil).status_code == 421


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "LOCALHOST."])
def test_its_own_names_are_served(open_server, host):
    url, _ = open_server
    port = url.rsplit(":", 1)[1]
    assert httpx.get(f"{url}/api/health", headers={"Host": f"{host}:{port}"}).status_code == 200


def test_writes_from_another_origin_are_refused(open_server):
    url, catalogue = open_server
    body = {"track_id": some_track(catalogue), "liked": True}
    other = {"Origin": "http://evil.example"}
    refused = httpx.post(f"{url}/api/feedback", json=body, headers=other)
    assert refused.status_code == 403 and "another site" in refused.json()["detail"]
    assert httpx.delete(f"{url}/api/history", headers=other).status_code == 403
    assert httpx.delete(f"{url}/api/history", headers={"Origin": "null"}).status_code == 403
    same = {"Origin": url}
    assert httpx.post(f"{url}/api/feedback", json=body, headers=same).status_code == 201
    assert httpx.post(f"{url}/api/feedback", json=body).status_code == 201  # no Origin: a script
    assert httpx.get(f"{url}/api/health", headers=other).status_code == 200  # reads: CORS


def test_options_and_405_list_every_method_of_the_path(open_server):
    url, _ = open_server
    options = httpx.options(f"{url}/api/history")
    assert options.status_code == 204
    allowed = {m.strip() for m in options.headers["allow"].split(",")}
    assert {"GET", "DELETE", "OPTIONS"} <= allowed and "POST" not in allowed
    wrong = httpx.put(f"{url}/api/history")
    assert wrong.status_code == 405
    assert {"GET", "DELETE"} <= {m.strip() for m in wrong.headers["allow"].split(",")}
    assert httpx.options(f"{url}/api/nothing-here").status_code == 404


def test_a_token_is_needed_on_every_api_call_and_the_page(locked_server):
    url = locked_server
    refused = httpx.get(f"{url}/api/health")
    assert refused.status_code == 401 and "token" in refused.json()["detail"]
    assert refused.headers["www-authenticate"].startswith("Bearer")
    page = httpx.get(f"{url}/")
    assert page.status_code == 401 and 'name="token"' in page.text
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(f"{url}/api/health", headers=bearer).status_code == 200
    assert (
        httpx.get(f"{url}/api/health", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    assert httpx.get(f"{url}/static/app.css").status_code == 200  # the page's files: public


def test_the_login_form_sets_a_cookie_that_opens_the_page(locked_server):
    url = locked_server
    with httpx.Client(base_url=url) as browser:
        wrong = browser.post("/login", data={"token": "wrong-password"})
        assert wrong.status_code == 401 and "not this server's" in wrong.text
        logged = browser.post("/login", data={"token": TOKEN})
        assert logged.status_code == 303 and logged.headers["location"] == "/"
        cookie = logged.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
        assert browser.get("/").status_code == 200
        assert browser.get("/api/health").status_code == 200


def test_wrong_passwords_are_limited(tmp_path):
    catalogue = small_catalogue(tmp_path)
    policy = AccessPolicy.for_host("0.0.0.0", TOKEN)
    with serving(create_app(catalogue=catalogue, reader=QuickReader(), access=policy)) as url:
        statuses = [
            httpx.post(f"{url}/login", data={"token": f"guess-{n}"}).status_code
            for n in range(MAX_FAILURES + 1)
        ]
        right = httpx.post(f"{url}/login", data={"token": TOKEN})
    catalogue.close()
    assert statuses[:MAX_FAILURES] == [401] * MAX_FAILURES and statuses[-1] == 429
    assert right.status_code == 429  # for the rest of the window, even the right one


# --- the command line ------------------------------------------------------------------------


def test_serve_beyond_loopback_needs_a_token(run_cli, monkeypatch):
    monkeypatch.delenv("MOODTUNE_AUTH", raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no .env here
    code, out, err = run_cli("serve", "--host", "0.0.0.0")
    assert code == 2 and "--auth" in err and len(err.strip().splitlines()) == 1
    assert "moodtune on http" not in out + err
    code, _, err = run_cli("serve", "--host", "0.0.0.0", "--auth", "short")
    assert code == 2 and "at least" in err


def test_serve_on_a_busy_port_says_so_in_one_line_before_any_banner(run_cli, monkeypatch):
    monkeypatch.delenv("MOODTUNE_AUTH", raising=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run_cli("serve", "--port", str(port))
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: the port is already in use (another "
        "server?); choose another --port"
    ]
    assert "moodtune on http" not in out + err


def test_serve_with_auth_answers_401_without_the_token_and_200_with_it(tmp_path):
    """The real command: ``moodtune serve --auth`` (token from the environment)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from moodtune.catalogue.builtin import open_catalogue

    open_catalogue(tmp_path / "c.sqlite").close()  # serve opens an existing catalogue
    log = tmp_path / "serve.log"
    command = [
        sys.executable, "-m", "moodtune", "serve", "--port", str(port),
        "--catalogue", str(tmp_path / "c.sqlite"), "--log-level", "info",
    ]  # fmt: skip
    env = {**os.environ, "MOODTUNE_AUTH": TOKEN}
    with open(log, "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a safety net: start-up loads the models
        while True:
            assert process.poll() is None, log.read_text()
            try:
                first = httpx.get(f"{url}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.25)
        assert first.status_code == 401
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(f"{url}/api/health", headers=bearer).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert TOKEN not in log.read_text()  # never logged
