"""``moodtune serve``: its options and its clear errors (serving itself is tested end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest

from moodtune.web.access import is_loopback as _is_loopback


def test_serve_help_lists_the_options(run_cli):
    code, out, _ = run_cli("serve", "--help")
    assert code == 0
    for option in ("--host", "--port", "--catalogue", "--workers", "--cors-origin"):
        assert option in out
    assert "127.0.0.1" in out and "8000" in out


def test_serve_refuses_a_catalogue_in_a_missing_folder(run_cli, tmp_path: Path):
    code, _, err = run_cli("serve", "--catalogue", str(tmp_path / "nowhere" / "c.sqlite"))
    assert code == 2
    assert "does not exist" in err and "Traceback" not in err


def test_serve_refuses_a_catalogue_that_does_not_exist(run_cli, tmp_path: Path):
    """A mistyped --catalogue is an error, not a new catalogue holding only the clips."""
    code, _, err = run_cli("serve", "--catalogue", str(tmp_path / "my-libary.sqlite"))
    assert code == 2
    assert "no such file" in err and "my-libary.sqlite" in err and "Traceback" not in err
    assert not (tmp_path / "my-libary.sqlite").exists()


def test_serve_refuses_a_file_that_is_not_a_catalogue(run_cli, tmp_path: Path):
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("these are my notes, not a database")
    code, _, err = run_cli("serve", "--catalogue", str(bogus))
    assert code == 2
    assert "not a moodtune catalogue" in err and "Traceback" not in err
    assert bogus.read_text() == "these are my notes, not a database"  # left as it was


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--port", "70000"), "--port 70000"),
        (("--port", "0"), "--port 0"),
        (("--workers", "0"), "--workers 0"),
        (("--log-level", "loud"), "--log-level 'loud'"),
    ],
)
def test_serve_refuses_bad_options(run_cli, args, words):
    code, _, err = run_cli("serve", *args)
    assert code == 2 and words in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False),
     ("192.168.1.5", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_hosts(host, loopback):
    assert _is_loopback(host) is loopback
