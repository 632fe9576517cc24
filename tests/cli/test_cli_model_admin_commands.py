"""``moodtune model info MODEL`` (moodtune.cli.model_admin_commands): the model as an argument."""

from __future__ import annotations

import shutil
from pathlib import Path

import moodtune

DEFAULT_MODEL = Path(moodtune.__file__).parent / "model" / "default"


def test_model_info_takes_the_model_as_an_argument(run_cli, tmp_path) -> None:
    mine = tmp_path / "my-model"
    shutil.copytree(DEFAULT_MODEL, mine)
    by_argument = run_cli("model", "info", str(mine), "--json")
    by_option = run_cli("model", "info", "--model", str(mine), "--json")
    assert by_argument[0] == by_option[0] == 0, by_argument[2]
    assert by_argument[1] == by_option[1] and '"version"' in by_argument[1]
    code, _, err = run_cli("model", "info", str(mine), "--model", str(tmp_path / "other"))
    assert code == 2 and "give the model once" in err
