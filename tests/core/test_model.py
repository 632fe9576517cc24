"""The model artifact, the torch-free forward pass, training and the seed .pth format."""

import json
import subprocess
import sys

import numpy as np
import pytest

from moodtune.data.features import SEED_FEATURES
from moodtune.data.readers import read_seed
from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.model.artifact import EmotionModel

torch = pytest.importorskip("torch", reason="training tests need the 'train' extra")

from moodtune.model.seed_format import export_pth, import_pth  # noqa: E402
from moodtune.model.training import MLPClassifier, TrainConfig  # noqa: E402


class Payload:
    """An arbitrary pickled object: ``torch.load(weights_only=True)`` must refuse to build it."""


@pytest.fixture(scope="module")
def seed_table(datasets):
    return read_seed(
        datasets / "seed/audio_feature_scale.json", datasets / "seed/labels_by_position.csv"
    )


@pytest.fixture(scope="module")
def fitted(seed_table):
    config = TrainConfig(epochs=40, seed=3)
    return MLPClassifier(config).fit(seed_table.matrix(SEED_FEATURES), seed_table.labels)


def test_same_seed_gives_identical_weights_and_another_seed_does_not(seed_table, fitted):
    x, y = seed_table.matrix(SEED_FEATURES), seed_table.labels
    again = MLPClassifier(TrainConfig(epochs=40, seed=3)).fit(x, y)
    other = MLPClassifier(TrainConfig(epochs=40, seed=4)).fit(x, y)
    for name, value in fitted.state_.items():
        assert np.array_equal(value, again.state_[name])
    assert not np.array_equal(fitted.state_["fc1.weight"], other.state_["fc1.weight"])


def test_scaler_is_fitted_on_training_rows_only(seed_table):
    x, y = seed_table.matrix(SEED_FEATURES), seed_table.labels
    part = MLPClassifier(TrainConfig(epochs=2)).fit(x[:100], y[:100])
    assert np.array_equal(part.scale_max_, x[:100].max(axis=0).astype(np.float32))
    assert not np.array_equal(part.scale_max_, x.max(axis=0).astype(np.float32))


def test_numpy_forward_pass_matches_torch(seed_table, fitted):
    model = fitted.to_model(SEED_FEATURES)
    x = seed_table.matrix(SEED_FEATURES)
    net = torch.nn.Sequential(torch.nn.Linear(7, 64), torch.nn.ReLU(), torch.nn.Linear(64, 7))
    net.load_state_dict(
        {
            k.replace("fc1", "0").replace("fc2", "2"): torch.from_numpy(v)
            for k, v in fitted.state_.items()
        }
    )
    span = np.where(fitted.scale_max_ > fitted.scale_min_, fitted.scale_max_ - fitted.scale_min_, 1)
    scaled = torch.from_numpy(((x - fitted.scale_min_) / span).astype(np.float32))
    expected = torch.softmax(net(scaled), dim=1).detach().numpy()
    assert np.allclose(model.predict_proba(x), expected, atol=1e-5)
    assert model.predict_proba(x).sum(axis=1) == pytest.approx(np.ones(len(x)), abs=1e-5)


def test_save_and_load_round_trip_without_pickle(tmp_path, seed_table, fitted):
    model = fitted.to_model(SEED_FEATURES, {"note": "test"})
    model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["model.json", "model.safetensors"]
    loaded = EmotionModel.load(tmp_path / "m")
    x = seed_table.matrix(SEED_FEATURES)
    assert np.array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert loaded.version == model.version and loaded.labels == EMOTIONS
    metadata = json.loads((tmp_path / "m/model.json").read_text())
    assert metadata["scaler"]["kind"] == "min-max" and metadata["note"] == "test"


def test_loading_a_broken_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(MoodtuneError, match=r"model\.safetensors is missing"):
        EmotionModel.load(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"not a tensor file")
    (tmp_path / "model.json").write_text("{}")
    with pytest.raises(MoodtuneError, match="cannot read the model"):
        EmotionModel.load(tmp_path)


def test_seed_pth_round_trip_and_refusal_of_pickled_objects(tmp_path, seed_table, fitted):
    model = fitted.to_model(SEED_FEATURES)
    export_pth(model, tmp_path / "model.pth")
    state = torch.load(tmp_path / "model.pth", weights_only=True)
    assert sorted(state) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]
    imported = import_pth(tmp_path / "model.pth", seed_table, feature_names=SEED_FEATURES)
    x = seed_table.matrix(SEED_FEATURES)
    assert np.allclose(imported.predict_proba(x), model.predict_proba(x), atol=1e-6)

    torch.save({"fc1.weight": Payload()}, tmp_path / "evil.pth")
    with pytest.raises(MoodtuneError, match="weights_only=True"):
        import_pth(tmp_path / "evil.pth", seed_table, feature_names=SEED_FEATURES)


def test_prediction_never_imports_torch(tmp_path, datasets):
    out = tmp_path / "pred.csv"
    code = (
        "import sys, runpy; sys.argv = ['moodtune', 'predict', sys.argv[1], '--out', sys.argv[2]]\n"
        "from moodtune.cli.main import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert 'sklearn' not in sys.modules, 'sklearn was imported'\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(datasets / "data_moods/data_moods.csv"), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
    assert out.is_file()
