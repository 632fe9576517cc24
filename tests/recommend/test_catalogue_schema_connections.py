"""No connection left open when opening a catalogue fails (moodtune.catalogue.schema.connect,
builtin.open_catalogue)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from moodtune.catalogue import builtin as builtin_module
from moodtune.catalogue import schema
from moodtune.errors import MoodtuneError


def assert_closed(connection: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connection.execute("SELECT 1")


# --- connections are closed when opening fails -------------------------------------------------


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[sqlite3.Connection]:
    """Every connection :func:`moodtune.catalogue.schema.connect` opens (a spy around the real
    ``sqlite3.connect``: the connections are real)."""
    connections: list[sqlite3.Connection] = []
    real = sqlite3.connect

    def spy(*args, **kwargs):
        connections.append(real(*args, **kwargs))
        return connections[-1]

    monkeypatch.setattr(schema.sqlite3, "connect", spy)
    return connections


def _not_a_database(path: Path) -> str:
    path.write_bytes(b"these are my notes, not a database" * 10)
    return "not a moodtune catalogue"


def _other_tables(path: Path) -> str:
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
    other.close()
    return "not a moodtune catalogue"


def _newer_schema(path: Path) -> str:
    other = sqlite3.connect(path)
    other.execute(f"PRAGMA user_version={schema.SCHEMA_VERSION + 1}")
    other.close()
    return "newer than this moodtune"


@pytest.mark.parametrize("make", [_not_a_database, _other_tables, _newer_schema])
def test_connect_closes_the_connection_it_refuses(tmp_path, opened, make):
    path = tmp_path / "bad.sqlite"
    words = make(path)
    opened.clear()  # the connections of make() itself
    with pytest.raises(MoodtuneError, match=words):
        schema.connect(path)
    assert len(opened) == 1
    assert_closed(opened[0])


def test_open_closes_the_catalogue_when_filling_it_fails(
    tmp_path, opened, monkeypatch, emotion_model
):
    # The built-in import failing (a broken built-in table, say) stands for any error after
    # the connection is open; replaced because the real built-in import succeeds here.
    def broken(catalogue, **options):
        raise MoodtuneError("the built-in catalogue could not be imported")

    monkeypatch.setattr(builtin_module, "fill_builtin", broken)
    with pytest.raises(MoodtuneError, match="built-in"):
        builtin_module.open_catalogue(tmp_path / "new.sqlite", model=emotion_model)
    assert len(opened) == 2  # the catalogue's connection and the one watching for changes
    for connection in opened:
        assert_closed(connection)
