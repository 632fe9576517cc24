"""What the web app does, apart from HTTP: read an emotion, recommend, serve audio, take feedback.

:class:`MoodService` holds the parts loaded once at start-up (the catalogue, the recommender
and the image/text reader) and is shared by every request. Its methods are synchronous and
CPU- or disk-bound; the app runs them in a thread pool. Readings go through its
:class:`moodtune.senses.Senses` (the holder of every sense's reader).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moodtune.errors import MoodtuneError
from moodtune.recommend.target import ResolvedTarget as Target
from moodtune.senses import Senses
from moodtune.senses.holder import UnavailableError
from moodtune.web.writes import Writes

if TYPE_CHECKING:
    from moodtune.catalogue.protocol import ServedCatalogue
    from moodtune.playlists import PlaylistEntry
    from moodtune.reading import EmotionReading
    from moodtune.recommend.answer import Answer
    from moodtune.recommend.recommender import MusicRecommender, Recommendation
    from moodtune.senses import Sense

__all__ = [
    "MoodService",
    "NotFoundError",
    "Target",
    "UnavailableError",
]

log = logging.getLogger("moodtune.web")


class NotFoundError(MoodtuneError):
    """A track id that is not in the catalogue, or a track without local audio (HTTP 404)."""

    status = 404


@dataclass
class MoodService:
    """The loaded parts of the app, shared by all requests.

    ``catalogue`` is a :class:`moodtune.catalogue.protocol.ServedCatalogue` (the SQLite
    catalogue, or one in memory); ``recommender`` a
    :class:`moodtune.recommend.recommender.MusicRecommender` over it; ``senses`` the
    :class:`moodtune.senses.Senses` that reads every sense (made from ``reader``, ``words``
    and the problems when not given). ``reader`` is the image reader given (a
    :class:`moodtune.vision.EmotionReader`, or a stand-in reading ``(image, text)``) or None;
    ``reader_problem`` and ``words_problem`` say why images or words cannot be read (those
    requests answer 503); ``words`` a words reader given. ``owns_catalogue``: :meth:`close`
    closes the catalogue (the service opened it, or was handed it).
    """

    catalogue: ServedCatalogue
    recommender: MusicRecommender
    reader: object | None = None
    reader_problem: str | None = None
    words_problem: str | None = None
    owns_catalogue: bool = False
    words: Sense | None = None
    senses: Senses = field(default=None, repr=False)  # type: ignore[assignment]
    #: The last health answer and the catalogue revision it counted (one object: replaced
    #: whole by :meth:`health`, read by :meth:`health_now` on the event loop).
    _health: tuple[int, dict[str, Any]] | None = field(default=None, repr=False)
    _capped: dict[int | None, MusicRecommender] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: The plays and 👍/👎 (:meth:`played`, :meth:`feedback`) of the requests, written by
    #: one thread of its own, a batch per transaction (:class:`~moodtune.web.writes.Writes`).
    writes: Writes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.writes = Writes(getattr(self.catalogue, "batch", None), self.catch_up)
        if self.senses is None:
            problems = {"image": self.reader_problem, "words": self.words_problem}
            if self.reader is None:
                problems["image"] = self.reader_problem or "image reading is unavailable"
            known = {name: problem for name, problem in problems.items() if problem}
            self.senses = Senses.around(self.reader, problems=known)
            if self.words is not None and self.words is not self.reader:
                self.senses.use("words", self.words)
        self.reader_problem = self.senses.problem("image")
        self.words_problem = self.senses.problem("words")

    @classmethod
    def load(
        cls,
        catalogue: ServedCatalogue | None = None,
        reader: object | None = None,
        recommender: MusicRecommender | None = None,
        *,
        catalogue_path: str | Path | None = None,
        owns_catalogue: bool = False,
    ) -> MoodService:
        """Open whatever was not given: the catalogue, the recommender and the senses' readers.

        ``reader`` is a :class:`moodtune.senses.Senses`, an image reader or a stand-in (see
        :meth:`Senses.around`). A catalogue problem is fatal (a MoodtuneError saying what is
        wrong); a reader that cannot be loaded (missing optional dependency, missing model
        file) only disables its sense, so the app still recommends for a named emotion. The
        service owns (closes) a catalogue it opened, and a given one when ``owns_catalogue``;
        an owned catalogue is closed when loading fails.
        """
        owns = catalogue is None or owns_catalogue
        if catalogue is None:
            from moodtune.catalogue.builtin import open_catalogue

            catalogue = open_catalogue(catalogue_path)
        try:
            return cls._load_rest(catalogue, reader, recommender, owns)
        except BaseException:
            if owns:
                catalogue.close()
            raise

    @classmethod
    def _load_rest(
        cls,
        catalogue: ServedCatalogue,
        reader: object | None,
        recommender: MusicRecommender | None,
        owns: bool,
    ) -> MoodService:
        """:meth:`load` once the catalogue is open."""
        if recommender is None:
            from moodtune.recommend.recommender import MusicRecommender

            recommender = MusicRecommender(catalogue)
        senses = Senses.around(reader).load_all()  # each sense's reader, once, not per request
        image = None if reader is None or isinstance(reader, Senses) else reader
        service = cls(catalogue, recommender, image, owns_catalogue=owns, senses=senses)
        if hasattr(recommender, "warm"):
            recommender.warm()  # arrays and track data now, not in the first requests
        service.health()  # remembered for health_now
        return service

    def close(self) -> None:
        """Stop the writer thread (after the writes queued); close the catalogue if this
        service opened it."""
        self.writes.close()
        if self.owns_catalogue and hasattr(self.catalogue, "close"):
            self.catalogue.close()

    # --- reading -------------------------------------------------------------------------

    def read(
        self, image: bytes | None = None, text: str | None = None, **inputs: object
    ) -> EmotionReading:
        """The :class:`~moodtune.reading.EmotionReading` of an image, words and/or the input of
        another sense (by field), read by :attr:`senses`.

        Input that looks like binary data is read as nothing readable, as words of only
        symbols are: left out beside an image, a neutral reading (low confidence) alone, with
        a note saying so (the CLI refuses them; the API takes every text its schema allows).
        Raises :class:`UnavailableError` (503) for a sense that could not be loaded.
        """
        # The readers are safe to share between threads (each serialises its inference).
        return self.senses.read(image=image, text=text, lenient=True, **inputs)

    # --- recommending --------------------------------------------------------------------

    def recommender_for(self, artist_cap: int | None = None) -> MusicRecommender:
        """The recommender with at most ``artist_cap`` tracks per artist (0: no cap; None:
        the server's own). One is made for each cap asked for, and kept (with its cache)."""
        default = self.recommender
        wanted = None if artist_cap == 0 else artist_cap
        if artist_cap is None or wanted == getattr(default, "artist_cap", wanted):
            return default
        with self._lock:
            if wanted not in self._capped:
                from moodtune.recommend.recommender import MusicRecommender

                options = ("seed", "exclude_recent", "tolerance", "duplicate_distance")
                kept = {name: getattr(default, name) for name in options if hasattr(default, name)}
                self._capped[wanted] = MusicRecommender(self.catalogue, artist_cap=wanted, **kept)
            return self._capped[wanted]

    def recommend(self, target: Target, k: int, mode: str, artist_cap: int | None = None) -> Answer:
        """``k`` tracks for ``target`` in ``mode``: the library's
        :class:`~moodtune.recommend.answer.Answer` (:func:`moodtune.web.answer.reply` adds
        this API's URLs); at most ``artist_cap`` per artist (see :meth:`recommender_for`)."""
        from moodtune.recommend.answer import recommend_for

        return recommend_for(self.recommender_for(artist_cap), target, k=k, mode=mode)

    def recommend_now(
        self, target: Target, k: int, mode: str, artist_cap: int | None = None
    ) -> Answer | None:
        """:meth:`recommend` when it can answer at once from memory, else None.

        At once: the catalogue is free and everything the request needs is cached (see
        ``MusicRecommender.recommend_cached``), a fraction of a millisecond, less than handing
        the call to a worker thread costs. None means: call :meth:`recommend` in a thread.
        """
        from moodtune.recommend.answer import Answer

        quick = getattr(self.recommender_for(artist_cap), "recommend_cached", None)
        if quick is None:
            return None
        recommendations = quick(target, k=k, mode=mode)
        if recommendations is None:
            return None
        return Answer.of(target, recommendations, k=k, mode=mode)

    @staticmethod
    def track_dict(item: Recommendation) -> dict[str, Any]:
        """A Recommendation as an answer shows a track
        (:func:`moodtune.recommend.answer.track_dict`, ``explanation`` None) with this API's
        URLs (:func:`moodtune.web.answer.with_urls`): for the history and the journal."""
        from moodtune.recommend.answer import track_dict
        from moodtune.web.answer import with_urls

        return with_urls(track_dict(item))

    # --- audio and feedback --------------------------------------------------------------

    def audio_file(self, track_id: str) -> Path:
        """The local audio file of a catalogue track (the path comes from the catalogue only)."""
        if self.catalogue.track(track_id) is None:
            raise NotFoundError(f"no track {track_id!r} in the catalogue")
        path = self.catalogue.audio_path(track_id)  # None also when the file has gone
        if path is None:
            raise NotFoundError(f"the track {track_id!r} has no local audio")
        return Path(path)

    def feedback(self, track_id: str, liked: bool, context: dict[str, Any] | None) -> None:
        """Store a 👍 (``liked``) or 👎 for a catalogue track, with where it was given; the
        same verdict twice in a row is stored once."""
        from moodtune.catalogue.history import give_feedback

        with self._lock, self._known(track_id):
            give_feedback(self.catalogue, track_id, liked, context or None)

    def played(self, track_id: str) -> None:
        """Record that a catalogue track was played (listening history)."""
        with self._known(track_id):
            self.catalogue.record_played(track_id)

    @contextmanager
    def _known(self, track_id: str) -> Iterator[None]:
        """A write of ``track_id``'s, whose refusal is a :class:`NotFoundError` when the
        catalogue has no such track (looked up then only: the write finds the track itself)."""
        try:
            yield
        except MoodtuneError:
            if self.catalogue.track(track_id) is None:
                raise NotFoundError(f"no track {track_id!r} in the catalogue") from None
            raise

    def catch_up(self) -> None:
        """Read what the recommender needs of the catalogue as it is now (recent plays,
        👍/👎), so that the recommendations asked next are answered from memory."""
        recommender = self.recommender
        snapshot = getattr(getattr(recommender, "catalogue", None), "snapshot", None)
        if snapshot is not None:
            snapshot(getattr(recommender, "exclude_recent", 0))

    # --- history ---------------------------------------------------------------------------

    def history(self, limit: int) -> list[dict[str, Any]]:
        """The last ``limit`` plays, likes and dislikes, newest first, as JSON-ready dicts
        (``track`` as :meth:`track_dict` shows a recommended track)."""
        from moodtune.recommend.history import history

        return [
            {"id": e.id, "kind": e.kind, "track": self.track_dict(e.track), "at": e.at}
            for e in history(self.catalogue, limit)
        ]

    def undo(self, event_id: str) -> None:
        """Remove one history entry; :class:`NotFoundError` when there is none."""
        if not self.catalogue.undo(event_id):
            raise NotFoundError(f"no history entry {event_id!r}")

    def clear_history(self) -> int:
        """Remove every play, like and dislike; how many entries went."""
        return self.catalogue.clear_history()

    # --- playlists -------------------------------------------------------------------------

    def playlist(
        self, listed: list[str] | list[tuple[str, float, str]], kind: str, title: str
    ) -> bytes:
        """The catalogue tracks ``listed``, in that order, as a playlist file of format
        ``kind`` (m3u8, xspf, jspf or csv, see :mod:`moodtune.playlists`)."""
        from moodtune.playlists import render_playlist

        return render_playlist(self.playlist_entries(listed), kind, title=title)

    def playlist_entries(
        self, listed: list[str] | list[tuple[str, float, str]]
    ) -> list[PlaylistEntry]:
        """Playlist entries of the catalogue tracks ``listed``, in order: each a track id
        (score 0, reason "chosen by moodtune") or ``(id, score, reason)`` as the mood
        journal keeps a list given."""
        from moodtune.playlists import entries_from
        from moodtune.recommend.history import as_recommendation

        tracks = []
        for given in listed:
            track_id, score, reason = (
                given if isinstance(given, tuple) else (given, 0.0, "chosen by moodtune")
            )
            record = self.catalogue.track(track_id)
            if record is None:
                raise NotFoundError(f"no track {track_id!r} in the catalogue")
            tracks.append(as_recommendation(record, reason, score))
        return entries_from(tracks, self.catalogue.audio_path)

    def health_now(self) -> dict[str, Any] | None:
        """:meth:`health` from memory, for the event loop: the last answer while the
        catalogue's revision is the one it counted (read from memory, never waiting for a
        writer: ``snapshot_in_memory``), else None (call :meth:`health` in a thread: the
        tracks may have changed, or the catalogue's state is not in memory). A few
        microseconds."""
        snapshot, kept = self.catalogue.snapshot_in_memory(0), self._health
        if snapshot is None or kept is None or snapshot.arrays.revision != kept[0]:
            return None
        return dict(kept[1])

    def health(self) -> dict[str, Any]:
        """For /api/health: the number of tracks, the model version, whether images can be read."""
        from moodtune import __version__

        revision = self.catalogue.revision
        health = {
            "status": "ok",
            "version": __version__,
            "tracks": self.catalogue.count(),
            "model_version": self.catalogue.model_version,
            "image_reading": self.senses.available("image"),
            "image_reading_problem": self.senses.problem("image"),
            "words_reading": self.senses.available("words"),
            "words_reading_problem": self.senses.problem("words"),
        }
        self._health = (revision, health)
        return dict(health)
