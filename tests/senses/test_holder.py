"""The holder is the one place that loads the readers and decides which apply (issue 23):
the command line, the web service and the recommender read through it, never through a
reader of their own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import moodtune
from moodtune.errors import MoodtuneError
from moodtune.reading import EmotionReading
from moodtune.senses import Senses, UnavailableError

PACKAGE = Path(moodtune.__file__).resolve().parent
#: The callers of the senses: none of them may import a reader or its package.
CALLERS = [
    *sorted((PACKAGE / "recommend").glob("*.py")),
    PACKAGE / "web" / "service.py",
    PACKAGE / "web" / "routes" / "mood.py",
    PACKAGE / "cli" / "vision_commands.py",
    PACKAGE / "cli" / "recommend_commands.py",
]
READERS = ("moodtune.vision", "moodtune.text.reader")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", CALLERS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_callers_read_through_the_holder(path: Path) -> None:
    wrong = sorted(m for m in _imports(path) if m.startswith(READERS))
    assert not wrong, f"{path.name} imports {wrong}: read through moodtune.senses"


class Sad:
    def read(self, value: object) -> EmotionReading:
        return EmotionReading.from_vector([0, 0, 0, 0, 0, 1, 0], source="text")


def test_what_applies_is_decided_once() -> None:
    senses = Senses(readers={"words": Sad()}, problems={"image": "image reading is off"})
    assert senses.given((None, "  "), {}) == {}
    assert senses.given((), {"text": "rain", "image": None}) == {"words": "rain"}
    assert senses.read(text="rain").top == "sadness"
    assert senses.read(None, "rain").top == "sadness"  # positionally, in the registry's order
    with pytest.raises(UnavailableError, match="image reading is off") as refused:
        senses.read(image=b"...", text="rain")
    assert refused.value.status == 503
    with pytest.raises(MoodtuneError, match="the text is empty: give an image, some words"):
        senses.read(text="   ")
    with pytest.raises(MoodtuneError, match="unknown input 'smell'"):
        senses.read(smell="roses")
