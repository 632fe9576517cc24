"""Collect labelled audio-feature tables from Spotify playlists (``moodtune collect``).

- :mod:`~moodtune.collect.base`: the provider interface (track source, feature provider).
- :mod:`~moodtune.collect.spotify`: Spotify through spotipy (client credentials).
- :mod:`~moodtune.collect.reccobeats`: ReccoBeats, by Spotify id or by audio upload.
- :mod:`~moodtune.collect.fallback`: Spotify, then ReccoBeats after a 403.
- :mod:`~moodtune.collect.retry`: the retry policy every provider shares.
- :mod:`~moodtune.collect.collector`: listing, labelling, batching, resuming.

Importing this package is cheap: spotipy and requests load only when a client is built.
"""

from moodtune.collect.base import (
    AudioFeatures,
    FeatureBatch,
    FeatureProvider,
    FeaturesForbiddenError,
    Skipped,
    Track,
    TrackSource,
)
from moodtune.collect.collector import Collector, CollectReport
from moodtune.collect.plan import Job, command_line_plan, read_plan
from moodtune.collect.retry import RetryPolicy
from moodtune.collect.settings import ServiceSettings

__all__ = [
    "AudioFeatures",
    "CollectReport",
    "Collector",
    "FeatureBatch",
    "FeatureProvider",
    "FeaturesForbiddenError",
    "Job",
    "RetryPolicy",
    "ServiceSettings",
    "Skipped",
    "Track",
    "TrackSource",
    "command_line_plan",
    "read_plan",
]
