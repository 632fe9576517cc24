"""``model export-pth`` / ``model import-pth``: the feature order travels with the weights."""

from collections import OrderedDict

import numpy as np
import pytest

from moodtune.data.features import SEED_FEATURES
from moodtune.data.readers import read_tracks
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel, load_model

torch = pytest.importorskip("torch", reason="the .pth format needs the 'train' extra")

from moodtune.model.seed_format import export_pth, import_pth  # noqa: E402


class OriginalNet(torch.nn.Module):
    """The original project's network, as its code defines and loads it."""

    def __init__(self, inputs: int, hidden: int, classes: int) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(inputs, hidden)
        self.fc2 = torch.nn.Linear(hidden, classes)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


@pytest.fixture(scope="module")
def catalogue(datasets):
    return read_tracks(datasets / "tidytuesday/spotify_songs.csv")


def test_cli_round_trip_of_the_default_model_agrees_on_real_tracks(
    tmp_path, run_cli, datasets, catalogue
):
    original = load_model()
    # The default model's inputs are not in the seed table's order: the case that went wrong.
    assert original.feature_names != SEED_FEATURES
    code, _, err = run_cli("model", "export-pth", "--out", str(tmp_path / "m.pth"))
    assert code == 0, err
    assert f"inputs in the order {','.join(SEED_FEATURES)}" in err
    seed = str(datasets / "seed/audio_feature_scale.json")
    code, _, err = run_cli(
        "model",
        "import-pth",
        str(tmp_path / "m.pth"),
        "--scaler-data",
        seed,
        "--out",
        str(tmp_path / "imported"),
    )
    assert code == 0, err
    imported = load_model(tmp_path / "imported")
    assert set(imported.feature_names) == set(original.feature_names)
    # The .pth format is the original network: the classifier, without moodtune's reading.
    p_original = original.classifier_proba(catalogue.matrix(original.feature_names))
    p_imported = imported.predict_proba(catalogue.matrix(imported.feature_names))
    assert len(catalogue) == 28356
    assert (p_original.argmax(axis=1) == p_imported.argmax(axis=1)).mean() > 0.999
    assert np.abs(p_original - p_imported).max() < 1e-4


def test_the_exported_file_runs_in_the_original_code(tmp_path, datasets):
    """Loaded strictly into the original network and fed the seed JSON's columns, min-max
    scaled as the original did, the file gives moodtune's probabilities."""
    model = load_model()
    export_pth(model, tmp_path / "m.pth")
    net = OriginalNet(7, model.hidden_size, len(model.labels))
    net.load_state_dict(torch.load(tmp_path / "m.pth", weights_only=True), strict=True)
    seed = read_tracks(datasets / "seed/audio_feature_scale.json")
    x = seed.matrix(SEED_FEATURES)  # the original's column order
    scaled = (x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0))
    with torch.no_grad():
        logits = net(torch.tensor(scaled, dtype=torch.float32))
    probabilities = torch.softmax(logits, dim=1).numpy()
    expected = model.classifier_proba(seed.matrix(model.feature_names))  # no reading in a .pth
    assert np.abs(probabilities - expected).max() < 1e-4


def original_pth(tmp_path, inputs=7, seed=0):
    """A file as the original code wrote it: ``torch.save(model.state_dict())``, no order."""
    torch.manual_seed(seed)
    net = OriginalNet(inputs, 16, 7)
    torch.save(net.state_dict(), tmp_path / "original.pth")
    return net, tmp_path / "original.pth"


def test_a_file_without_a_recorded_order_is_refused_unless_the_order_is_named(
    tmp_path, run_cli, datasets
):
    net, path = original_pth(tmp_path)
    seed_json = datasets / "seed/audio_feature_scale.json"
    seed = read_tracks(seed_json)
    with pytest.raises(MoodtuneError, match=r"does not record which feature .*--features tempo,"):
        import_pth(path, seed)
    code, _, err = run_cli(
        "model",
        "import-pth",
        str(path),
        "--scaler-data",
        str(seed_json),
        "--out",
        str(tmp_path / "m"),
    )
    assert code == 2 and "name the order with --features" in err and not (tmp_path / "m").exists()

    model = import_pth(path, seed, feature_names=SEED_FEATURES)
    x = seed.matrix(SEED_FEATURES)
    scaled = (x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0))
    with torch.no_grad():
        expected = torch.softmax(net(torch.tensor(scaled, dtype=torch.float32)), 1).numpy()
    assert np.abs(model.predict_proba(x) - expected).max() < 1e-5


def test_a_named_order_that_contradicts_the_recorded_one_is_refused(tmp_path, datasets):
    export_pth(load_model(), tmp_path / "m.pth")
    seed = read_tracks(datasets / "seed/audio_feature_scale.json")
    shuffled = (*SEED_FEATURES[1:], SEED_FEATURES[0])
    with pytest.raises(MoodtuneError, match=r"records the feature order tempo,valence,.* differs"):
        import_pth(tmp_path / "m.pth", seed, feature_names=shuffled)
    assert import_pth(tmp_path / "m.pth", seed, feature_names=SEED_FEATURES).feature_names == (
        SEED_FEATURES
    )


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (("tempo", "valence"), r"takes 7 inputs .* but 2 features were named"),
        (
            ("tempo", "valence", "energy", "danceability", "acousticness", "speechiness", "x"),
            r"unknown x",
        ),
        ((*SEED_FEATURES[:6], "tempo"), r"a name repeated"),
    ],
)
def test_a_named_order_that_cannot_fit_is_refused(tmp_path, datasets, names, message):
    _, path = original_pth(tmp_path)
    seed = read_tracks(datasets / "seed/audio_feature_scale.json")
    with pytest.raises(MoodtuneError, match=message):
        import_pth(path, seed, feature_names=names)


def test_a_model_on_other_features_and_labels_keeps_its_order(tmp_path, datasets):
    table = read_tracks(datasets / "data_moods/data_moods.csv")
    names = ("loudness", "energy", "instrumentalness", "tempo")
    x = table.matrix(names)
    rng = np.random.default_rng(0)
    model = EmotionModel(
        feature_names=names,
        # numpy strings, as a model trained from table.labels has them
        labels=tuple(np.array(["calm", "energetic", "happy", "sad"])),
        scale_min=x.min(axis=0),
        scale_max=x.max(axis=0),
        weights={
            "fc1.weight": rng.normal(size=(8, 4)),
            "fc1.bias": rng.normal(size=8),
            "fc2.weight": rng.normal(size=(4, 8)),
            "fc2.bias": rng.normal(size=4),
        },
    )
    assert export_pth(model, tmp_path / "m.pth") == names
    imported = import_pth(tmp_path / "m.pth", table)
    assert imported.feature_names == names and imported.labels == model.labels
    assert np.abs(imported.predict_proba(x) - model.predict_proba(x)).max() < 1e-6


def test_a_recorded_order_that_is_not_a_list_of_names_is_refused(tmp_path, datasets):
    _, path = original_pth(tmp_path)
    state = torch.load(path, weights_only=True)
    state._metadata = OrderedDict([("", {"version": 1, "moodtune_feature_names": [1, 2]})])
    torch.save(state, path)
    with pytest.raises(MoodtuneError, match="not a list of names"):
        import_pth(path, read_tracks(datasets / "seed/audio_feature_scale.json"))


def test_export_to_a_folder_or_an_impossible_name_is_one_line(tmp_path, run_cli):
    code, _, err = run_cli("model", "export-pth", "--out", str(tmp_path))
    assert code == 2 and "is a folder" in err and len(err.strip().splitlines()) == 1
    too_long = tmp_path / ("m" * 300 + ".pth")  # longer than any Linux file name may be
    code, _, err = run_cli("model", "export-pth", "--out", str(too_long))
    assert code == 2 and "cannot write" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_weights_that_are_not_finite_are_refused(tmp_path, datasets):
    net, path = original_pth(tmp_path)
    state = net.state_dict()
    state["fc2.bias"][3] = float("nan")
    torch.save(state, path)
    with pytest.raises(MoodtuneError, match=r"fc2\.bias holds 1 NaN or infinite weight"):
        import_pth(
            path,
            read_tracks(datasets / "seed/audio_feature_scale.json"),
            feature_names=SEED_FEATURES,
        )


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip", b"PK\x03\x04" + b"\x00" * 40, b"\x80\x02}q\x00."],
)
def test_files_that_are_not_state_dicts_are_one_line(tmp_path, run_cli, datasets, content):
    (tmp_path / "bad.pth").write_bytes(content)
    code, _, err = run_cli(
        "model",
        "import-pth",
        str(tmp_path / "bad.pth"),
        "--features",
        ",".join(SEED_FEATURES),
        "--scaler-data",
        str(datasets / "seed/audio_feature_scale.json"),
        "--out",
        str(tmp_path / "m"),
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and "bad.pth" in err
