"""The library's notes on standard error while a command runs (moodtune.cli.console); the
library logs them instead of printing."""

from __future__ import annotations

import inspect
import logging

import pytest

from moodtune.cli import console


def test_library_notes_are_shown_while_a_command_runs(capsys) -> None:
    library = logging.getLogger("moodtune.text.reader")
    with console.showing_notes():
        library.info("first use: fetching model files into /tmp/x (once)")
        logging.getLogger("elsewhere").warning("not ours")
    library.info("after the command")
    err = capsys.readouterr().err
    assert "moodtune: first use: fetching model files into /tmp/x (once)" in err
    assert "not ours" not in err and "after the command" not in err
    assert not logging.getLogger("moodtune").handlers  # left as it was


@pytest.mark.parametrize(
    ("module", "owner"),
    [
        ("moodtune.text.reader", "TextReader"),
        ("moodtune.text.classifier", "TextEmotionClassifier"),
        ("moodtune.vision.reader", "EmotionReader"),
    ],
)
def test_the_readers_log_their_notes_instead_of_printing(
    module: str, owner: str, caplog, capsys
) -> None:
    import importlib

    cls = getattr(importlib.import_module(module), owner)
    default = inspect.signature(cls.__init__).parameters["notify"].default
    with caplog.at_level(logging.INFO, logger="moodtune"):
        default("first use: fetching")
    assert [(r.name, r.getMessage()) for r in caplog.records] == [(module, "first use: fetching")]
    assert capsys.readouterr() == ("", "")


def test_the_old_stderr_notify_logs_too(caplog, capsys) -> None:
    from moodtune import assets

    with caplog.at_level(logging.INFO, logger="moodtune"):
        assets.stderr_notify("downloading x")
    assert caplog.records[0].name == "moodtune.assets"
    assert capsys.readouterr() == ("", "")
