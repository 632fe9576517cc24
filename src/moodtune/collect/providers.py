"""Build the track source and feature provider that ``moodtune collect`` names."""

from __future__ import annotations

from collections.abc import Callable

from moodtune.collect.base import FeatureProvider
from moodtune.collect.credentials import Credentials
from moodtune.collect.fallback import FallbackFeatures
from moodtune.collect.reccobeats import ReccoBeatsFeatures, ReccoBeatsSource
from moodtune.collect.settings import ServiceSettings
from moodtune.collect.spotify import SpotifyClient, SpotifyFeatures, SpotifySource
from moodtune.errors import MoodtuneError

__all__ = ["PROVIDERS", "build"]

PROVIDERS: tuple[str, ...] = ("auto", "spotify", "reccobeats")


def build(
    provider: str,
    credentials: Credentials | None,
    settings: ServiceSettings | None = None,
    on_switch: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> tuple[SpotifySource | ReccoBeatsSource, FeatureProvider]:
    """The Spotify track source and the feature provider called ``provider``.

    ``auto`` asks Spotify and falls back to ReccoBeats after a 403 (``on_switch`` is told);
    ``spotify`` and ``reccobeats`` use one provider only. Playlists are always listed
    through Spotify, so credentials are needed whichever provider supplies features, except
    ``reccobeats`` with ``credentials`` None: then tracks named by id are looked up on
    ReccoBeats (:class:`~moodtune.collect.reccobeats.ReccoBeatsSource`).
    Both providers share one :class:`~moodtune.collect.retry.RetryPolicy` from ``settings``
    (``notify`` is told of every wait).
    """
    name = provider.strip().lower()
    if name not in PROVIDERS:
        raise MoodtuneError(f"unknown provider {provider!r}; choose {', '.join(PROVIDERS)}")
    settings = settings or ServiceSettings()
    policy = settings.retry_policy(notify)
    if credentials is None:
        if name != "reccobeats":
            raise MoodtuneError(f"--provider {name} needs Spotify credentials")
        reccobeats = ReccoBeatsFeatures(settings, policy)
        return ReccoBeatsSource(reccobeats), reccobeats
    client = SpotifyClient(credentials, settings, policy)
    source = SpotifySource(client)
    if name == "spotify":
        return source, SpotifyFeatures(client)
    reccobeats = ReccoBeatsFeatures(settings, policy)
    if name == "reccobeats":
        return source, reccobeats
    return source, FallbackFeatures(SpotifyFeatures(client), reccobeats, on_switch)
