"""``moodtune catalog ...`` and ``moodtune recommend`` as a user runs them: the catalogue is
made by a real ``python -m moodtune`` subprocess, as is the 80-column table; the other commands
go through the same entry point in this process (``run_main``), without a second of imports
each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from moodtune.catalogue.sqlite import Catalogue
from moodtune.cli.recommend_commands import parse_distribution
from moodtune.errors import MoodtuneError
from moodtune.recommend.modes import K_MAX
from moodtune.recommend.recommender import MusicRecommender


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moodtune", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


@pytest.fixture(scope="module")
def moods_catalogue(tmp_path_factory: pytest.TempPathFactory, datasets: Path) -> Path:
    path = tmp_path_factory.mktemp("cli") / "moods.sqlite"
    table = datasets / "data_moods" / "data_moods.csv"
    first = run_process("catalog", "import", str(table), "--catalogue", str(path), "--no-builtin")
    assert first.returncode == 0, first.stderr
    assert "686 added" in first.stderr
    return path


@pytest.fixture
def run(run_main):
    """``moodtune ARGS`` in this process, giving a CliRun."""
    return run_main


def test_import_twice_reports_no_change(moods_catalogue: Path, datasets: Path, run):
    table = datasets / "data_moods" / "data_moods.csv"
    again = run("catalog", "import", str(table), "--catalogue", str(moods_catalogue), "--json")
    assert again.exit_code == 0, again.stderr
    report = json.loads(again.stdout)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, 686)
    assert report["changed"] is False


def test_stats(moods_catalogue: Path, run):
    shown = run("catalog", "stats", "--catalogue", str(moods_catalogue), "--json")
    assert shown.exit_code == 0, shown.stderr
    stats = json.loads(shown.stdout)
    assert stats["tracks"] == 686 and sum(stats["by_emotion"].values()) == 686
    assert stats["coverage"]["mode"]["tracks"] == 0  # data_moods has no mode column
    table = run("catalog", "stats", "--catalogue", str(moods_catalogue))
    assert "tracks per top emotion" in table.stdout and "feature coverage" in table.stdout


def test_recommend_json_is_reproducible_with_a_seed(moods_catalogue: Path, run):
    args = (
        "recommend",
        "--emotion",
        "sad",
        "--k",
        "5",
        "--mode",
        "uplift",
        "--json",
        "--seed",
        "4",
        "--catalogue",
        str(moods_catalogue),
    )
    first, second = run(*args), run(*args)
    assert first.exit_code == 0, first.stderr
    payload = json.loads(first.stdout)
    # The answer's one shape, as POST /api/recommend gives it (issue 23).
    assert payload["mode"] == "uplift" and len(payload["tracks"]) == 5
    assert payload["target"]["probabilities"]["sadness"] == 1.0
    assert {"track_id", "title", "artist", "score", "reason", "probabilities"} <= set(
        payload["tracks"][0]
    )
    assert first.stdout == second.stdout


def test_recommend_table_and_distribution(moods_catalogue: Path, run):
    shown = run(
        "recommend",
        "--distribution",
        "happiness=3,sadness=1",
        "--k",
        "4",
        "--catalogue",
        str(moods_catalogue),
    )
    assert shown.exit_code == 0, shown.stderr
    # The heading says how many of the 4 really match (issue 10: no "4 tracks matching" claim
    # for tracks that do not).
    heading = " ".join(shown.stdout.split())
    assert "4 tracks matching happiness" in heading or "for happiness" in heading
    assert "normalised" in shown.stderr


def test_recommend_table_says_why_in_words_within_80_columns(moods_catalogue: Path):
    """Each track with its explanation in listeners' words under the title (issue 23), the
    table fitting an 80-column terminal."""
    args = ("recommend", "-e", "happy", "--k", "3", "--seed", "2")
    shown = run_process(*args, "--catalogue", str(moods_catalogue), env={"COLUMNS": "80"})
    assert shown.returncode == 0, shown.stderr
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
    answer = json.loads(run_process(*args, "--catalogue", str(moods_catalogue), "--json").stdout)
    cells = " ".join(shown.stdout.replace("│", " ").split())
    for track in answer["tracks"]:
        assert track["explanation"] and " ".join(track["explanation"].split()[:2]) in cells


def test_env_var_names_the_catalogue(moods_catalogue: Path, run, monkeypatch):
    monkeypatch.setenv("MOODTUNE_CATALOGUE", str(moods_catalogue))
    shown = run("catalog", "stats", "--json")
    assert json.loads(shown.stdout)["path"] == str(moods_catalogue)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--emotion", "melancholia"), "unknown emotion 'melancholia'; valid emotions: anger"),
        # One k limit for the library, CLI, API and page (issue 14; it was 100 here, 50 there).
        (("--emotion", "sad", "--k", "0"), f"k must be a whole number from 1 to {K_MAX}"),
        (("--emotion", "sad", "--k", "500"), f"k must be a whole number from 1 to {K_MAX}"),
        (("--distribution", "happiness=0,sadness=0"), "all zero"),
        (("--distribution", "happiness:1"), "should be emotion=weight"),
        (("--emotion", "sad", "--distribution", "sad=1"), "give exactly one of"),
        (("--emotion", "sad", "--mode", "party"), "unknown mode 'party'"),
    ],
)
def test_user_mistakes_exit_2_with_a_message(moods_catalogue: Path, args, message, run):
    result = run("recommend", *args, "--catalogue", str(moods_catalogue))
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_new_catalogue_fills_itself_with_the_builtin_tracks(tmp_path: Path, datasets: Path, run):
    path = tmp_path / "new.sqlite"
    result = run("recommend", "--emotion", "sad", "--k", "3", "--catalogue", str(path))
    assert result.exit_code == 2 and "no such file" in result.stderr  # a typo: not made
    assert not path.exists()
    table = tmp_path / "songs.csv"
    lines = (datasets / "tidytuesday/spotify_songs.csv").read_text().splitlines(keepends=True)
    table.write_text("".join(lines[:11]))
    made = run("catalog", "import", str(table), "--catalogue", str(path))  # import makes one
    assert made.exit_code == 0, made.stderr
    with Catalogue.open(path) as opened:
        assert opened.count() == 28 + 10  # the built-in clips, then the table


def test_empty_catalogue_says_how_to_fill_it(tmp_path: Path):
    # The CLI never meets an empty catalogue (a new one fills itself, above): the message is
    # the recommender's, for library users who open one without the built-in tracks.
    message = "is empty: add tracks with 'moodtune catalog"
    with (
        Catalogue.open(tmp_path / "empty.sqlite", fill_builtin=False) as empty,
        pytest.raises(MoodtuneError, match=message),
    ):
        MusicRecommender(empty).recommend("sadness", k=3)


def test_parse_distribution():
    assert parse_distribution("happy=0.6, sad = 0.4") == {"happiness": 0.6, "sadness": 0.4}
    with pytest.raises(MoodtuneError, match="not a number"):
        parse_distribution("happiness=lots")
    with pytest.raises(MoodtuneError, match="empty"):
        parse_distribution(" , ")
