"""Each note is shown once (moodtune.cli.model_support.notes_shown inside console.showing_notes)."""

from __future__ import annotations

import logging

from moodtune.cli import console
from moodtune.cli.model_support import notes_shown


def test_each_note_is_shown_once_when_shown_twice(capsys) -> None:
    with console.showing_notes(), notes_shown():
        logging.getLogger("moodtune.model.training").info("training on 12 tracks")
    err = capsys.readouterr().err
    assert err.count("training on 12 tracks") == 1, err
    assert not logging.getLogger("moodtune").handlers  # left as it was
