"""Collect a labelled feature table: list every source, then fetch features batch by batch.

Two phases. Listing reads every playlist of the plan and decides, before any feature is
fetched, which label each track gets: the first source that names it wins, a track that a
later source gives another emotion is a *conflict* (reported and recorded, never
relabelled), a repeat with the same emotion is merged. Fetching then asks the feature
provider for the tracks not yet in the output, one batch at a time, appending each batch
to the output as soon as it arrives. Because the plan is decided the same way every time
and rows are appended in plan order, an interrupted run that is resumed ends with exactly
the file an uninterrupted run writes, and a second run changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from moodtune.collect.base import FeatureProvider, Skipped, Track, TrackSource
from moodtune.collect.output import (
    COLUMNS,
    SKIPPED_COLUMNS,
    CsvLog,
    check_output_path,
    feature_row,
    skipped_path,
)
from moodtune.collect.plan import Job
from moodtune.collect.retry import ServiceError

__all__ = ["CollectReport", "Collector", "Planned", "Progress"]


@dataclass(frozen=True)
class Planned:
    """A track to collect with its label and the source that gave it."""

    track: Track
    emotion: str
    source: str


@dataclass
class CollectReport:
    """What a run did. Counts are tracks; lists hold the details for the report."""

    listed: int = 0
    already: int = 0
    written: int = 0
    merged_repeats: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when nothing failed (a rerun would fetch nothing new)."""
        return not self.failed


class Progress(Protocol):
    """Receives progress: ``start`` with the number of tracks to fetch, then ``advance``."""

    def start(self, total: int) -> None: ...

    def advance(self, done: int = 0, skipped: int = 0, failed: int = 0) -> None: ...

    def note(self, message: str) -> None: ...


class _Quiet:
    def start(self, total: int) -> None:
        pass

    def advance(self, done: int = 0, skipped: int = 0, failed: int = 0) -> None:
        pass

    def note(self, message: str) -> None:
        pass


class Collector:
    """Collect features for a plan into an output CSV (see the module docstring).

    ``source`` lists tracks, ``provider`` supplies features; ``progress`` is told how far
    the run is. The output is ``out`` (a .csv), skipped tracks go to ``<stem>.skipped.csv``.
    """

    def __init__(
        self,
        source: TrackSource,
        provider: FeatureProvider,
        progress: Progress | None = None,
    ) -> None:
        self.source = source
        self.provider = provider
        self.progress = progress or _Quiet()

    def run(self, jobs: Sequence[Job], out: str | os.PathLike[str]) -> CollectReport:
        """Collect ``jobs`` into ``out``; returns the :class:`CollectReport`.

        Rate limits beyond the policy, refused requests and a 403 without fallback stop the
        run with a :class:`~moodtune.errors.MoodtuneError` (everything written so far is
        kept). A batch whose retries are exhausted on server errors is counted as failed
        and the run goes on; a rerun fetches it again.
        """
        output = CsvLog(check_output_path(out), COLUMNS)
        skipped_log = CsvLog(skipped_path(out), SKIPPED_COLUMNS)
        report = CollectReport()
        existing = {row["track_id"]: row for row in output.read()}
        recorded = skipped_log.read()
        if output.repaired or skipped_log.repaired:
            report.notes.append("removed an incomplete last line left by an interrupted run")
        recorded_keys = {tuple(row[c] for c in SKIPPED_COLUMNS) for row in recorded}
        no_features: dict[str, list[dict[str, str]]] = {}
        for row in recorded:
            if row["stage"] == "features":
                no_features.setdefault(row["key"], []).append(row)

        planned, listing_skips = self._plan(jobs, existing, report)
        new_skips = [
            s for s in listing_skips if tuple(s[c] for c in SKIPPED_COLUMNS) not in recorded_keys
        ]
        skipped_log.append(new_skips)
        report.skipped.extend(
            s
            for s in listing_skips
            if s["stage"] == "list" and not s["reason"].startswith("conflict")
        )

        todo = []
        for item in planned:
            if item.track.id in existing:
                report.already += 1
            elif item.track.id in no_features:
                report.skipped.extend(no_features[item.track.id])
            else:
                todo.append(item)
        self.progress.start(len(todo))
        size = max(1, self.provider.batch_size)
        for start in range(0, len(todo), size):
            self._fetch(todo[start : start + size], output, skipped_log, report)
        return report

    def _plan(
        self, jobs: Sequence[Job], existing: dict[str, dict[str, str]], report: CollectReport
    ) -> tuple[list[Planned], list[dict[str, str]]]:
        planned: dict[str, Planned] = {}
        skips: list[dict[str, str]] = []
        for job in jobs:
            source = job.source
            self.progress.note(f"listing {source} ({job.emotion})")
            items: Iterable[Track | Skipped]
            if job.playlist is not None:
                items = self.source.playlist_tracks(job.playlist)
            else:
                items = self.source.tracks(job.tracks)
            for item in items:
                report.listed += 1
                if isinstance(item, Skipped):
                    skips.append(_skip_row(item, job.emotion, source, "list"))
                    continue
                first = planned.get(item.id)
                earlier = existing.get(item.id)
                if first is None and earlier is not None and earlier["emotion"] != job.emotion:
                    label, origin = earlier["emotion"], earlier["playlist"] + " (already collected)"
                elif first is not None and first.emotion != job.emotion:
                    label, origin = first.emotion, first.source
                elif first is not None:
                    report.merged_repeats += 1
                    continue
                else:
                    planned[item.id] = Planned(item, job.emotion, source)
                    continue
                reason = (
                    f"conflict: labelled {label} by {origin}, "
                    f"{job.emotion} by {source}; kept as {label}"
                )
                row = _skip_row(
                    Skipped(item.id, item.title, reason, item.artist), job.emotion, source, "list"
                )
                skips.append(row)
                report.conflicts.append(row)
        return list(planned.values()), skips

    def _fetch(
        self,
        batch: list[Planned],
        output: CsvLog,
        skipped_log: CsvLog,
        report: CollectReport,
    ) -> None:
        ids = [item.track.id for item in batch]
        try:
            answer = self.provider.features(ids)
        except ServiceError as error:
            for track_id in ids:
                report.failed[track_id] = str(error)
            self.progress.advance(failed=len(ids))
            return
        rows = []
        skips = []
        for item in batch:
            features = answer.found.get(item.track.id)
            if features is not None:
                rows.append(feature_row(item.track, features, item.emotion, item.source))
            else:
                reason = answer.missing.get(item.track.id, "no audio features")
                skips.append(
                    _skip_row(
                        Skipped(item.track.id, item.track.title, reason, item.track.artist),
                        item.emotion,
                        item.source,
                        "features",
                    )
                )
        # Rows first: a kill between the two appends refetches nothing already written.
        report.written += output.append(rows)
        skipped_log.append(skips)
        report.skipped.extend(skips)
        self.progress.advance(done=len(rows), skipped=len(skips))


def _skip_row(item: Skipped, emotion: str, source: str, stage: str) -> dict[str, str]:
    return {
        "key": item.key,
        "title": item.title,
        "artist": item.artist,
        "emotion": emotion,
        "playlist": source,
        "stage": stage,
        "reason": item.reason,
    }
