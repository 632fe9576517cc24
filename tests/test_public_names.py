"""Every module of moodtune.model and moodtune.data says what it offers (``__all__``), each
name there exists, and the names people import from the modules that were split still work."""

import importlib
import pkgutil

import pytest

import moodtune.data
import moodtune.model

MODULES = sorted(
    f"{package.__name__}.{info.name}"
    for package in (moodtune.data, moodtune.model)
    for info in pkgutil.iter_modules(package.__path__)
)

#: Names importable from where they were before the split (module → names).
KEPT = {
    "moodtune.data.readers": [
        "COLUMN_ALIASES", "FEATURE_ALIASES", "SUFFIXES", "MAX_INT_DIGITS", "TEXT_DELIMITERS",
        "normalise_column", "read_tracks", "read_frame", "read_seed", "tidy", "bare_spotify_id",
        "_resolve_repeats", "resolve_repeats", "_canonical_columns",
    ],
    "moodtune.model.artifact": [
        "WEIGHTS_FILE", "METADATA_FILE", "FORMAT", "FORMAT_READING", "TENSORS", "ReadingHead",
        "Combination", "Prediction", "EmotionModel", "check_destination",
        "default_model_folder", "load_model",
    ],
    "moodtune.model.evaluation": [
        "Estimator", "RuleClassifier", "MODELS", "ModelScores", "EvaluationReport",
        "fold_indices", "cross_validate", "READING_MODELS", "ReadingScores", "ReadingReport",
        "reading_folds", "cross_validate_reading",
    ],
    "moodtune.model.training": [
        "TrainConfig", "SEED_RECIPE", "LBFGS_ROUND", "require_torch", "MLPClassifier",
        "ReadingConfig", "ReadingRegressor", "KAPPA", "TAU", "MARGIN", "fit_combination",
        "CombinedClassifier",
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", [m for m in MODULES if not m.endswith(".default")])
def test_every_module_declares_its_public_names(name):
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list | tuple) and module.__all__
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing


@pytest.mark.parametrize("name", sorted(KEPT))
def test_names_stay_importable_where_they_were(name):
    module = importlib.import_module(name)
    assert [n for n in KEPT[name] if not hasattr(module, n)] == []
