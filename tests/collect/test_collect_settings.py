"""The services' settings from the environment (moodtune.collect.settings)."""

from __future__ import annotations

import pytest

from moodtune.collect.settings import ServiceSettings
from moodtune.errors import MoodtuneError


def test_settings_from_env():
    settings = ServiceSettings.from_env(
        {"MOODTUNE_SPOTIFY_API": "http://h:1/v1/", "MOODTUNE_RETRY_MAX_WAIT": "7"}
    )
    assert settings.spotify_api == "http://h:1/v1" and settings.max_total_wait == 7
    assert settings.reccobeats_api == "https://api.reccobeats.com/v1"
    with pytest.raises(MoodtuneError, match="MOODTUNE_HTTP_TIMEOUT must be a number"):
        ServiceSettings.from_env({"MOODTUNE_HTTP_TIMEOUT": "fast"})
