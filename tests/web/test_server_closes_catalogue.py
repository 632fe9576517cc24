"""``moodtune serve`` closes the catalogue it opened when the server stops."""

from __future__ import annotations

import socket
import sqlite3
import sys
from pathlib import Path

import pytest

# --- moodtune serve closes its catalogue --------------------------------------------------------


def test_serve_closes_its_catalogue_when_the_server_stops(
    catalogue_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    """A real uvicorn that cannot bind its port (taken here) stops after start-up; the
    catalogue ``serve`` opened must be closed then. (``serve`` checks the port itself before
    opening anything; this is the port taken between that check and uvicorn's bind.)"""
    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.cli import web_commands
    from moodtune.cli.main import main

    monkeypatch.setattr(web_commands, "_check_port_free", lambda host, port: None)

    copy = tmp_path / "catalogue.sqlite"
    with sqlite3.connect(catalogue_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    opened: list[Catalogue] = []
    real_open = Catalogue.open.__func__

    def spy(cls, *args, **kwargs):  # the real open, remembering what it returned
        opened.append(real_open(cls, *args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(Catalogue, "open", classmethod(spy))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setattr(
            sys,
            "argv",
            ["moodtune", "serve", "--catalogue", str(copy), "--port", str(port),
             "--log-level", "error"],
        )  # fmt: skip
        with pytest.raises(SystemExit) as stopped:
            main()
    captured = capsys.readouterr()
    assert stopped.value.code != 0 and "already in use" in captured.err, captured.err
    assert opened, "serve did not open the catalogue"
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0]._connection.execute("SELECT 1")
