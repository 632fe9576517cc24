"""``--provider auto``: Spotify first; after its 403 on audio-features, ReccoBeats."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from moodtune.collect.base import FeatureBatch, FeatureProvider, FeaturesForbiddenError

__all__ = ["FallbackFeatures"]


class FallbackFeatures:
    """Ask ``primary``; once it refuses with :class:`FeaturesForbiddenError`, ask ``fallback``
    for that batch and every later one (``on_switch`` is told why, once)."""

    def __init__(
        self,
        primary: FeatureProvider,
        fallback: FeatureProvider,
        on_switch: Callable[[str], None] | None = None,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.on_switch = on_switch
        self.switched_because: str | None = None
        self.name = f"{primary.name}, then {fallback.name} on 403"
        self.batch_size = primary.batch_size

    def features(self, track_ids: Sequence[str]) -> FeatureBatch:
        if self.switched_because is None:
            try:
                return self.primary.features(track_ids)
            except FeaturesForbiddenError as error:
                self.switched_because = str(error)
                if self.on_switch is not None:
                    self.on_switch(self.switched_because)
        batch = FeatureBatch()
        ids = list(track_ids)
        for start in range(0, len(ids), self.fallback.batch_size):
            part = self.fallback.features(ids[start : start + self.fallback.batch_size])
            batch.found.update(part.found)
            batch.missing.update(part.missing)
        return batch
