"""The recommender and the web app read the catalogue through moodtune.catalogue.protocol
only: no module under recommend/ or web/ imports sqlite3 or the SQLite store's modules,
nor speaks of its row ids (issue 23). They choose a store only through moodtune.catalogue
(``open_catalogue``, ``Catalogue``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import moodtune

PACKAGE = Path(moodtune.__file__).resolve().parent
#: The SQLite store behind the protocol: what only moodtune.catalogue may import.
SQLITE = {
    "sqlite3",
    *(
        f"moodtune.catalogue.{name}"
        for name in (
            "sqlite",
            "store",
            "schema",
            "queries",
            "ingest",
            "classification",
            "feedback_log",
            "audio_paths",
        )
    ),
}
#: Names of the store's own keys, and of its busy and change-detection internals.
INTERNALS = {"rowid", "rowids", "tracks_by_rowid", "recent_rowids", "data_version", "remember"}
SEEN = sorted(
    path
    for unit in ("recommend", "web")
    for path in (PACKAGE / unit).rglob("*.py")
    if path.name != "audio.py" or unit != "web"  # the audio files: see web/audio.py
)


def _imports(tree: ast.Module) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [(node.module, node.lineno)]
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
    return found


@pytest.mark.parametrize("path", SEEN, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_sqlite_name_in_the_recommender_or_the_web(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrong = [f"line {line}: imports {name}" for name, line in _imports(tree) if name in SQLITE]
    wrong += [
        f"line {node.lineno}: {name}"
        for node in ast.walk(tree)
        if (name := getattr(node, "attr", None) or getattr(node, "id", None)) in INTERNALS
    ]
    assert not wrong, f"{path.relative_to(PACKAGE)} sees the SQLite store:\n" + "\n".join(wrong)


def test_the_audio_files_of_the_web_look_paths_up_through_the_catalogue() -> None:
    tree = ast.parse((PACKAGE / "web" / "audio.py").read_text(encoding="utf-8"))
    names = {name for name, _ in _imports(tree)}
    assert "sqlite3" not in names and "moodtune.catalogue.audio_paths" in names
