"""What the web app does, apart from HTTP: read an emotion, recommend, serve audio, take feedback.

:class:`MoodService` holds the parts loaded once at start-up (the catalogue, the recommender
and the image/text reader) and is shared by every request. Its methods are synchronous and
CPU- or disk-bound; the app runs them in a thread pool.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np

from moodtune.emotions import EMOTIONS
from moodtune.errors import MoodtuneError
from moodtune.recommend.target import ResolvedTarget as Target

if TYPE_CHECKING:
    from moodtune.catalogue.protocol import ServedCatalogue
    from moodtune.playlists import PlaylistEntry
    from moodtune.recommend.recommender import MusicRecommender, Recommendation
    from moodtune.text.reader import TextReader
    from moodtune.vision import EmotionReader
    from moodtune.vision.reading import EmotionReading

__all__ = [
    "PLAYBACK",
    "MoodService",
    "NotFoundError",
    "Target",
    "UnavailableError",
    "audio_url",
    "playback",
]

log = logging.getLogger("moodtune.web")


class NotFoundError(MoodtuneError):
    """A track id that is not in the catalogue, or a track without local audio (HTTP 404)."""

    status = 404


class UnavailableError(MoodtuneError):
    """A part of the app that could not be loaded at start-up (HTTP 503)."""

    status = 503


@dataclass
class MoodService:
    """The loaded parts of the app, shared by all requests.

    ``catalogue`` is a :class:`moodtune.catalogue.protocol.ServedCatalogue` (the SQLite
    catalogue, or one in memory); ``recommender`` a
    :class:`moodtune.recommend.recommender.MusicRecommender` over it; ``reader`` an
    :class:`moodtune.vision.EmotionReader` or None when image reading could not be loaded
    (``reader_problem`` then says why, and image requests answer 503); ``words_problem`` says
    why words cannot be read, when the words model could not be loaded. ``words`` is a
    :class:`moodtune.text.reader.TextReader` that reads words alone when image reading could
    not be loaded (words need only the words model). ``owns_catalogue``: :meth:`close` closes
    the catalogue (the service opened it, or was handed it).
    """

    catalogue: ServedCatalogue
    recommender: MusicRecommender
    reader: EmotionReader | None = None
    reader_problem: str | None = None
    words_problem: str | None = None
    owns_catalogue: bool = False
    words: EmotionReader | TextReader | None = None
    _health: dict[str, Any] | None = field(default=None, repr=False)
    _health_revision: int | None = field(default=None, repr=False)
    _capped: dict[int | None, MusicRecommender] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(
        cls,
        catalogue: ServedCatalogue | None = None,
        reader: EmotionReader | None = None,
        recommender: MusicRecommender | None = None,
        *,
        catalogue_path: str | Path | None = None,
        owns_catalogue: bool = False,
    ) -> MoodService:
        """Open whatever was not given: the catalogue, the recommender and the reader.

        A catalogue problem is fatal (a MoodtuneError saying what is wrong); a reader that
        cannot be loaded (missing optional dependency, missing model file) only disables
        image reading, so the app still recommends for a named emotion. The service owns
        (closes) a catalogue it opened, and a given one when ``owns_catalogue``; an owned
        catalogue is closed when loading fails.
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
        reader: EmotionReader | None,
        recommender: MusicRecommender | None,
        owns: bool,
    ) -> MoodService:
        """:meth:`load` once the catalogue is open."""
        if recommender is None:
            from moodtune.recommend.recommender import MusicRecommender

            recommender = MusicRecommender(catalogue)
        problem = words_problem = None
        if reader is None:
            try:
                from moodtune.vision import EmotionReader

                reader = EmotionReader()
            except (MoodtuneError, ImportError, OSError) as error:
                problem = f"image reading is unavailable: {error}"
                log.warning(problem)
        words: EmotionReader | TextReader | None = reader
        if words is None:  # words alone need only the words model
            from moodtune.text.reader import TextReader

            words = TextReader()
        if hasattr(words, "text_classifier"):
            try:  # the words model loads on first use: load it now, not in a request
                words.text_classifier()
            except (MoodtuneError, ImportError, OSError) as error:
                words_problem = f"reading words is unavailable: {error}"
                log.warning(words_problem)
        service = cls(catalogue, recommender, reader, problem, words_problem, owns, words)
        if hasattr(recommender, "warm"):
            recommender.warm()  # arrays and track data now, not in the first requests
        service.health()  # remembered for health_now
        return service

    def close(self) -> None:
        """Close the catalogue if this service opened it."""
        if self.owns_catalogue and hasattr(self.catalogue, "close"):
            self.catalogue.close()

    # --- reading -------------------------------------------------------------------------

    def read(self, image: bytes | None, text: str | None) -> EmotionReading:
        """The :class:`~moodtune.vision.reading.EmotionReading` of an image and/or words.

        Words that look like binary data are read as nothing readable, as words of only
        symbols are: left out beside an image, a neutral reading (low confidence) alone, with
        a note saying so (the CLI refuses them; the API takes every text its schema allows).
        """
        from moodtune.text.clean import TextInputError

        try:
            return self._read(image, text)
        except TextInputError as error:
            note = f"the words were not read: {error}"
            if image is not None:
                reading = self._read(image, None)
                reading.notes.append(note)
                return reading
        from moodtune.vision.reading import EmotionReading

        neutral = np.array([1.0 if e == "neutral" else 0.0 for e in EMOTIONS])
        return EmotionReading.from_vector(neutral, source="text", confidence="low", notes=[note])

    def _read(self, image: bytes | None, text: str | None) -> EmotionReading:
        if text and self.words_problem:
            raise UnavailableError(self.words_problem)
        if image is None and text and self.reader is None and self.words is not None:
            return self.words.read(text)
        if self.reader is None:
            raise UnavailableError(self.reader_problem or "image reading is unavailable")
        # EmotionReader is safe to share between threads (it serialises inference itself).
        return self.reader.read(image, text or None)

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

    def recommend(
        self, target: Target, k: int, mode: str, artist_cap: int | None = None
    ) -> list[dict[str, Any]]:
        """``k`` tracks for ``target`` as JSON-ready dicts, with this API's audio URL filled;
        at most ``artist_cap`` per artist (see :meth:`recommender_for`)."""
        recommender = self.recommender_for(artist_cap)
        recommendations = recommender.recommend(target, k=k, mode=mode)
        return [self.track_dict(item) for item in recommendations]

    def recommend_now(
        self, target: Target, k: int, mode: str, artist_cap: int | None = None
    ) -> list[dict[str, Any]] | None:
        """:meth:`recommend` when it can answer at once from memory, else None.

        At once: the catalogue is free and everything the request needs is cached (see
        ``MusicRecommender.recommend_cached``), a fraction of a millisecond, less than handing
        the call to a worker thread costs. None means: call :meth:`recommend` in a thread.
        """
        quick = getattr(self.recommender_for(artist_cap), "recommend_cached", None)
        if quick is None:
            return None
        recommendations = quick(target, k=k, mode=mode)
        if recommendations is None:
            return None
        return [self.track_dict(item) for item in recommendations]

    @staticmethod
    def track_dict(item: Recommendation) -> dict[str, Any]:
        """A Recommendation as a JSON-ready dict (``Recommendation.to_dict``) with this API's
        URLs, ``reading`` as ``{"valence": …, "arousal": …}`` and ``playback``.

        ``audio_url`` is this API's URL for the local file, only when ``has_audio`` (the file
        exists); ``remote_audio_url`` is passed on as the recommender gives it (only http(s)
        URLs, see ``moodtune.recommend.recommender.web_url``; the server never fetches or
        proxies it).
        """
        data = item.to_dict()
        data["audio_url"] = audio_url(item.track_id) if item.has_audio else None
        spotify = data.get("spotify_id")
        data["spotify_url"] = f"https://open.spotify.com/track/{spotify}" if spotify else None
        data["explanation"] = None  # in words, filled in where the mood is known
        if item.reading is not None:
            valence, arousal = item.reading
            data["reading"] = {"valence": round(valence, 4), "arousal": round(arousal, 4)}
        data["playback"] = playback(data)
        return data

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

        if self.catalogue.track(track_id) is None:
            raise NotFoundError(f"no track {track_id!r} in the catalogue")
        with self._lock:
            give_feedback(self.catalogue, track_id, liked, context or None)

    def played(self, track_id: str) -> None:
        """Record that a catalogue track was played (listening history)."""
        if self.catalogue.track(track_id) is None:
            raise NotFoundError(f"no track {track_id!r} in the catalogue")
        self.catalogue.record_played(track_id)

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

    def health_now(self) -> dict[str, Any]:
        """:meth:`health` without waiting, for the event loop: when another thread is using
        the catalogue, or nothing changed, the last answer (the track count is counted again
        only when the catalogue's revision changed). A few microseconds."""
        with self.catalogue.unless_busy() as free:
            if free and self.catalogue.revision != self._health_revision:
                return self.health()
        if self._health is None:
            return self.health()
        return dict(self._health)

    def health(self) -> dict[str, Any]:
        """For /api/health: the number of tracks, the model version, whether images can be read."""
        from moodtune import __version__

        self._health_revision = self.catalogue.revision
        self._health = {
            "status": "ok",
            "version": __version__,
            "tracks": self.catalogue.count(),
            "model_version": self.catalogue.model_version,
            "image_reading": self.reader is not None,
            "image_reading_problem": self.reader_problem,
            "words_reading": (self.reader or self.words) is not None and not self.words_problem,
            "words_reading_problem": self.words_problem,
        }
        return dict(self._health)


#: How a track plays: here (a local file this server sends), on Spotify (the embed or the
#: app, online), from another web address (online), or not at all.
PLAYBACK = ("local", "spotify", "web", "none")


def playback(track: dict[str, Any]) -> str:
    """How a track (as :meth:`MoodService.track_dict` shows it) plays, one of
    :data:`PLAYBACK`.

    Examples
    --------
    >>> playback({"has_audio": False, "spotify_id": "4uLU6hMCjMI75M1A2tKUQC"})
    'spotify'
    >>> playback({"has_audio": False, "spotify_id": None, "remote_audio_url": None})
    'none'
    """
    if track.get("has_audio"):
        return "local"
    if track.get("spotify_id"):
        return "spotify"
    if track.get("remote_audio_url") or track.get("preview_url"):
        return "web"
    return "none"


def audio_url(track_id: str) -> str:
    """This API's URL for the audio of a track (the id is percent-encoded)."""
    return f"/api/tracks/{quote(track_id, safe='')}/audio"
