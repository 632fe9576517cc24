"""The tests mirror the modules they test (issue 23): ``tests/<package>/test_<module>.py`` or
``test_<module>_<aspect>.py``, where ``<module>`` is a module (or sub-package) of
``src/moodtune/<package>`` — so the tests of a module are found by its name, not by the issue
or review that added them.

* The package's name may be repeated (``tests/audio/test_audio_batch.py``); a private module is
  named without its underscore (``tests/distributed/test_import_interrupt.py`` tests
  ``distributed/_import.py``).
* Some folders hold the tests of more than one package (:data:`FOLDERS`): ``tests/core`` those
  of ``model``, ``data`` and the top-level modules (``emotions.py``, ``reading.py``, …);
  ``tests/recommend`` also those of ``catalogue`` and ``index`` (they left ``recommend`` in
  issue 23; their tests share ``tests/recommend/conftest.py``'s catalogues), named with their
  package (``test_catalogue_sqlite.py``); ``tests/vision`` also those of ``assets`` (the model
  files its session fixture fetches once).
* A test file may be named after a package alone (``test_index.py``: ``moodtune.index``'s API).
* Tests of the whole product (a real browser, the README's tour) are listed in
  :data:`END_TO_END`; they test no one module.
* Files at the top of ``tests/`` check the whole repository (layout, imports, this file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PACKAGE = TESTS.parent / "src" / "moodtune"

#: Test folders whose modules live in other packages than their own name.
FOLDERS: dict[str, tuple[str, ...]] = {
    "core": ("model", "data", ""),
    "recommend": ("recommend", "catalogue", "index"),
    "vision": ("vision", ""),
}

#: End-to-end tests: they drive the product as a user does, through every layer.
END_TO_END = {
    "cli/test_readme_tour.py",
    "web/test_e2e.py",
    "web/test_e2e_journey.py",
    "web/test_e2e_live.py",
    "web/test_e2e_page.py",
}

#: Files still grouped by the issue or review that added them, to be split by module (none left).
NOT_YET_SPLIT: set[str] = set()


def _modules(package: str) -> set[str]:
    """The module and sub-package names of ``moodtune.<package>`` (of ``moodtune`` for "")."""
    folder = PACKAGE / package if package else PACKAGE
    names = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    names |= {p.name for p in folder.iterdir() if (p / "__init__.py").is_file()}
    return {name.lstrip("_") for name in names}


def _tested_module(path: Path) -> str | None:
    """The module ``tests/<folder>/test_<name>.py`` names, or None when it names none."""
    folder = path.parent.name
    name = path.stem.removeprefix("test_")
    for package in FOLDERS.get(folder, (folder,)):
        candidates = {name, name.removeprefix(f"{folder}_")}
        candidates |= {c.removeprefix(f"{package}_") for c in candidates} if package else set()
        if package and name == package:  # the package's own API
            return f"{package}"
        for candidate in sorted(candidates, key=len):  # the package's prefix left out first
            for module in sorted(_modules(package), key=len, reverse=True):
                if candidate == module or candidate.startswith(f"{module}_"):
                    return f"{package or 'moodtune'}.{module}"
    return None


def _test_files() -> list[Path]:
    return sorted(p for p in TESTS.glob("*/test_*.py"))


def test_every_test_file_names_the_module_it_tests() -> None:
    wrong = [
        str(path.relative_to(TESTS))
        for path in _test_files()
        if str(path.relative_to(TESTS)) not in END_TO_END | NOT_YET_SPLIT
        and _tested_module(path) is None
    ]
    assert not wrong, "test files that name no module of their package:\n" + "\n".join(wrong)


@pytest.mark.parametrize("listed", sorted(END_TO_END | NOT_YET_SPLIT))
def test_the_lists_name_files_that_exist(listed: str) -> None:
    assert (TESTS / listed).is_file()


def test_no_two_test_files_share_a_name_outside_packages() -> None:
    """Folders without ``__init__.py`` import their tests by file name: names must differ."""
    seen: dict[str, list[str]] = {}
    for path in _test_files():
        seen.setdefault(path.name, []).append(path.parent.name)
    for name, folders in seen.items():
        plain = [f for f in folders if not (TESTS / f / "__init__.py").is_file()]
        assert len(plain) <= 1 and (not plain or len(folders) == 1), f"{name} in {folders}"


def test_the_rule_reads_names_as_meant() -> None:
    assert _tested_module(TESTS / "audio" / "test_audio_batch.py") == "audio.batch"
    assert _tested_module(TESTS / "audio" / "test_batch_kill.py") == "audio.batch"
    assert _tested_module(TESTS / "core" / "test_emotions.py") == "moodtune.emotions"
    assert _tested_module(TESTS / "recommend" / "test_catalogue_sqlite.py") == "catalogue.sqlite"
    assert _tested_module(TESTS / "recommend" / "test_index.py") == "index"
    assert _tested_module(TESTS / "web" / "test_cli_polish.py") is None
    assert _tested_module(TESTS / "recommend" / "test_recommend_layout.py") is None
