"""The provenance sidecar of an analysis table: feature → measured/estimated, as the catalogue
takes it, so an imported analysis is not stored as a provider's values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("librosa")

from moodtune.audio.estimate import ESTIMATED_FEATURES
from moodtune.audio.output import analyse_to_table
from moodtune.audio.provenance import feature_provenance, read_provenance, sidecar_path
from moodtune.data.features import FEATURE_NAMES
from moodtune.data.readers import read_tracks
from moodtune.errors import InputError

MEASURED = {"tempo": "measured", "key": "measured", "mode": "measured", "loudness": "measured"}


def test_without_vibenet_the_sidecar_says_four_measured_features(
    music_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "features.csv"
    analyse_to_table([music_folder], out, estimate=False)
    assert read_provenance(out) == MEASURED
    # it covers exactly the feature columns of the table
    assert set(read_provenance(out)) == set(read_tracks(out).feature_names)


def test_with_vibenet_an_imported_analysis_keeps_measured_and_estimated_apart(
    music_folder: Path, tmp_path: Path
) -> None:
    pytest.importorskip("vibenet")
    from moodtune.catalogue.sqlite import Catalogue

    out = tmp_path / "features.parquet"
    analyse_to_table([music_folder], out)
    provenance = read_provenance(out)
    assert provenance == {**MEASURED, **dict.fromkeys(ESTIMATED_FEATURES, "estimated")}
    table = read_tracks(out)
    with Catalogue.open(tmp_path / "c.sqlite", fill_builtin=False) as catalogue:
        catalogue.import_table(table, source=out.name, provenance=provenance)
        for track_id in table.frame["track_id"]:
            record = catalogue.track(track_id)
            assert record is not None
            assert {k: record.provenance[k] for k in provenance} == provenance


def test_feature_provenance_is_in_schema_order() -> None:
    assert feature_provenance(False) == MEASURED
    full = feature_provenance(True)
    assert full == {**MEASURED, **dict.fromkeys(ESTIMATED_FEATURES, "estimated")}
    assert list(full) == [name for name in FEATURE_NAMES if name in full]


def test_no_sidecar_means_not_an_analysis_and_a_bad_one_is_named(tmp_path: Path) -> None:
    table = tmp_path / "songs.csv"
    table.write_text("title,tempo\nx,120\n")
    assert read_provenance(table) is None
    sidecar = sidecar_path(table)
    for content, message in [
        ("{not json", "cannot be read as JSON"),
        (json.dumps({"tracks": 1}), "has no 'provenance' mapping"),
        (json.dumps({"provenance": {"tempo": "guessed"}}), "'tempo': 'guessed'"),
        (json.dumps({"provenance": {"mood": "measured"}}), "'mood'"),
    ]:
        sidecar.write_text(content)
        with pytest.raises(InputError, match=r"songs\.csv\.provenance\.json") as caught:
            read_provenance(table)
        assert message in str(caught.value)


def test_catalog_import_of_an_analysis_takes_the_sidecar(
    music_folder: Path, tmp_path: Path, run_main
) -> None:
    pytest.importorskip("vibenet")  # the catalogue classifies: it needs the estimated features
    from moodtune.catalogue.sqlite import Catalogue

    out = tmp_path / "features.csv"
    analyse_to_table([music_folder], out)
    expected = {**MEASURED, **dict.fromkeys(ESTIMATED_FEATURES, "estimated")}
    catalogue = tmp_path / "c.sqlite"
    run = run_main("catalog", "import", str(out), "--catalogue", str(catalogue), "--no-builtin")
    assert run.exit_code == 0, run.output
    with Catalogue.open(catalogue, fill_builtin=False) as opened:
        for track_id in read_tracks(out).frame["track_id"]:
            record = opened.track(track_id)
            assert record is not None
            assert {k: record.provenance[k] for k in expected} == expected
