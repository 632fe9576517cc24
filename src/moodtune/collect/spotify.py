"""Spotify through the real spotipy client (client-credentials flow) under our retry policy.

spotipy is given a plain ``requests`` session, so urllib3 does no retrying of its own: every
429, 5xx and 401 reaches :class:`~moodtune.collect.retry.RetryPolicy`, which is the one
place that decides; that includes the token endpoint: its 5xx, 429 and connection errors
are retried like any other, only its 4xx means the credentials were refused. The token is
cached in memory only (spotipy's default would write a ``.cache`` file holding it). Every
message a server sent back is passed through
:func:`~moodtune.collect.credentials.redact` before it is shown.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from moodtune.collect.base import (
    FeatureBatch,
    FeaturesForbiddenError,
    Skipped,
    Track,
    parse_features,
)
from moodtune.collect.credentials import Credentials, protect_logs, redact
from moodtune.collect.retry import HttpFailure, RequestError, RetryPolicy, parse_retry_after
from moodtune.collect.settings import ServiceSettings
from moodtune.data.spotify_ids import spotify_id
from moodtune.errors import MissingExtraError, MoodtuneError

__all__ = [
    "FORBIDDEN_MESSAGE",
    "ClientCredentialsAuth",
    "SpotifyAuth",
    "SpotifyClient",
    "SpotifyFeatures",
    "SpotifySource",
]

T = TypeVar("T")

FORBIDDEN_MESSAGE = (
    "Spotify answered 403 Forbidden to audio-features. Since 27 November 2024 Spotify no "
    "longer serves audio-features (nor recommendations) to apps created after that date or "
    "still in development mode, so new credentials will not help. Alternatives: "
    "--provider reccobeats (ReccoBeats, free, no key: features by Spotify track id), "
    "--provider auto (Spotify first, ReccoBeats after a 403), or analyse your own audio "
    "files locally with 'moodtune analyze'."
)


class SpotifyAuth(Protocol):
    """How a :class:`SpotifyClient` gets its tokens: a spotipy auth manager (``manager``),
    ``renew()`` for a fresh access token after a 401, and for a token endpoint that refuses
    (a 4xx) ``what`` it refused and what the user can do (``refused``)."""

    manager: Any
    what: str
    refused: str

    def renew(self) -> None: ...


class ClientCredentialsAuth:
    """The client-credentials flow (an app's id and secret; no user): tokens in memory only."""

    what = "the client credentials"
    refused = "check SPOTIPY_CLIENT_ID and SPOTIPY_CLIENT_SECRET"

    def __init__(self, credentials: Credentials, settings: ServiceSettings) -> None:
        from spotipy.cache_handler import MemoryCacheHandler
        from spotipy.oauth2 import SpotifyClientCredentials

        protect_logs(credentials)
        self.manager = SpotifyClientCredentials(
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
            requests_timeout=settings.timeout,
            cache_handler=MemoryCacheHandler(),
        )
        self.manager.OAUTH_TOKEN_URL = settings.spotify_token_url

    def renew(self) -> None:
        self.manager.get_access_token(as_dict=False, check_cache=False)


class SpotifyClient:
    """A spotipy ``Spotify`` client, base URLs from ``settings``.

    ``auth`` is an app's :class:`Credentials` (the client-credentials flow, for public data)
    or a :class:`SpotifyAuth` (e.g. a user's authorization, to write their playlists).
    ``call(fn, what=…)`` runs ``fn(spotipy_client)`` under ``policy``: 429/5xx/connection
    errors are retried, a 401 gets one fresh token, anything else becomes a clear error.
    """

    def __init__(
        self,
        auth: Credentials | SpotifyAuth,
        settings: ServiceSettings | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        try:
            import requests
            import spotipy
        except ImportError as error:
            raise MissingExtraError("collect", error.name or "spotipy") from error
        settings = settings or ServiceSettings()
        self.settings = settings
        self.policy = policy or settings.retry_policy()
        self.auth = ClientCredentialsAuth(auth, settings) if isinstance(auth, Credentials) else auth
        # A plain session: no urllib3 Retry, so spotipy neither retries nor sleeps by itself.
        self._spotipy = spotipy.Spotify(
            auth_manager=self.auth.manager,
            requests_session=requests.Session(),
            requests_timeout=settings.timeout,
        )
        self._spotipy.prefix = settings.spotify_api + "/"

    def call(self, fn: Callable[[Any], T], *, what: str) -> T:
        """``fn(spotipy.Spotify)`` under the retry policy; ``what`` names it in errors."""
        return self.policy.call(lambda: self._attempt(fn), what=what, refresh=self._refresh)

    def _attempt(self, fn: Callable[[Any], T]) -> T:
        import requests
        from spotipy.exceptions import SpotifyException, SpotifyOauthError

        try:
            return fn(self._spotipy)
        except SpotifyException as error:
            message = str(error.msg).strip().splitlines()[-1].strip() if error.msg else ""
            raise HttpFailure(
                error.http_status,
                redact(message) or "no message",
                parse_retry_after((error.headers or {}).get("Retry-After")),
            ) from None
        except SpotifyOauthError as error:
            text = str(error.error or "no error text")
            if error.error_description:
                text += f": {error.error_description}"
            raise self._token_failure(error.__context__, text) from None
        except AttributeError as error:
            # spotipy reads a token error's JSON with .get(): a JSON body that is not an
            # object (e.g. a bare string) fails there, with the HTTPError as the context.
            if not isinstance(error.__context__, requests.HTTPError):
                raise
            response = error.__context__.response
            raise self._token_failure(error.__context__, response.text or "") from None
        except requests.RequestException as error:
            raise HttpFailure(None, type(error).__name__) from None

    def _token_failure(self, cause: object, text: str) -> Exception:
        """What a failed token request means: retry (5xx, 429, no answer) or refused (4xx).

        spotipy raises ``SpotifyOauthError`` without the status; the ``HTTPError`` it was
        raised from (``cause``, its ``__context__``) has the response. ``text`` is what the
        endpoint said; it is shown redacted.
        """
        import requests

        response = getattr(cause, "response", None)
        if not isinstance(response, requests.Response):
            response = None
        status = response.status_code if response is not None else None
        said = redact(text.strip() or "no error text")[:300]
        if status is None or status == 429 or status >= 500:
            retry_after = response.headers.get("Retry-After") if response is not None else None
            return HttpFailure(
                status,
                f"Spotify's token endpoint {self.settings.spotify_token_url} answered {said}",
                parse_retry_after(retry_after),
            )
        return MoodtuneError(
            f"Spotify refused {self.auth.what} (HTTP {status}, {said}); {self.auth.refused}"
        )

    def _refresh(self) -> None:
        """Fetch a new access token (after a 401), bypassing the cached one; a token
        endpoint that fails is retried under the same policy."""
        self.policy.call(
            lambda: self._attempt(lambda _: self.auth.renew()), what="Spotify token refresh"
        )


class SpotifySource:
    """Tracks of playlists and track lists from the Spotify Web API.

    Playlists are read ``page_size`` items per request (``GET playlists/{id}/items``, as
    spotipy ≥ 2.26 calls it; Spotify renamed ``…/tracks`` to ``…/items`` in 2026) following
    ``next`` until the end. Local files, podcast episodes and removed tracks come back as
    :class:`Skipped` with the reason.
    """

    name = "spotify"

    def __init__(self, client: SpotifyClient, page_size: int = 100) -> None:
        if not 1 <= page_size <= 100:
            raise MoodtuneError(f"page_size must be 1–100, got {page_size}")
        self.client = client
        self.page_size = page_size

    def playlist_tracks(self, reference: str) -> Iterator[Track | Skipped]:
        playlist = spotify_id(reference, "playlist")
        what = f"Spotify playlist {playlist}"
        try:
            page = self.client.call(
                lambda sp: sp.playlist_items(
                    playlist,
                    limit=self.page_size,
                    offset=0,
                    additional_types=("track", "episode"),
                ),
                what=what,
            )
        except RequestError as error:
            if error.status == 404:
                raise MoodtuneError(
                    f"{what} not found: check the link. Spotify also answers 404 for private "
                    "playlists and, for apps in development mode, for Spotify's own editorial "
                    "and algorithmic playlists; copy the tracks into a playlist of your own"
                ) from None
            raise
        position = 0
        while page:
            for entry in page.get("items") or []:
                yield _playlist_entry(entry, playlist, position)
                position += 1
            if not page.get("next"):
                break
            page = self.client.call(lambda sp, current=page: sp.next(current), what=what)

    def tracks(self, references: Sequence[str]) -> Iterator[Track | Skipped]:
        ids = [spotify_id(reference, "track") for reference in references]
        for start in range(0, len(ids), 50):
            chunk = ids[start : start + 50]
            answer = self.client.call(lambda sp, c=chunk: sp.tracks(c), what="Spotify tracks")
            by_id = {item["id"]: item for item in answer.get("tracks") or [] if item}
            for track_id in chunk:
                item = by_id.get(track_id)
                if item is None:
                    yield Skipped(track_id, "", "not found on Spotify")
                else:
                    yield _track(item)


class SpotifyFeatures:
    """Audio features from Spotify's ``GET audio-features?ids=…`` (100 ids per request)."""

    name = "spotify"
    batch_size = 100

    def __init__(self, client: SpotifyClient) -> None:
        self.client = client

    def features(self, track_ids: Sequence[str]) -> FeatureBatch:
        ids = list(track_ids)
        if len(ids) > self.batch_size:
            raise MoodtuneError(f"at most {self.batch_size} ids per request, got {len(ids)}")

        def fetch(sp: Any) -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return sp.audio_features(ids)

        try:
            answer = self.client.call(fetch, what="Spotify audio-features")
        except RequestError as error:
            if error.status == 403:
                raise FeaturesForbiddenError(FORBIDDEN_MESSAGE) from None
            raise
        batch = FeatureBatch()
        by_id = {item.get("id"): item for item in answer or [] if isinstance(item, dict)}
        for track_id in ids:
            item = by_id.get(track_id)
            if item is None:
                batch.missing[track_id] = "no audio features (Spotify returned null)"
                continue
            batch.add(track_id, parse_features(track_id, item, self.name))
        return batch


def _playlist_entry(entry: dict[str, Any], playlist: str, position: int) -> Track | Skipped:
    # Spotify's 2026 playlist format calls the object "item"; older answers call it "track".
    item = entry.get("item") if entry.get("item") is not None else entry.get("track")
    if item is None:
        return Skipped(
            f"spotify:playlist:{playlist}#{position}",
            "",
            "unavailable: the playlist entry has no track (removed from Spotify)",
        )
    title = str(item.get("name") or "")
    artist = ", ".join(a.get("name", "") for a in item.get("artists") or [] if a)
    if entry.get("is_local") or item.get("is_local"):
        return Skipped(
            str(item.get("uri") or f"spotify:local:{playlist}#{position}"),
            title,
            "local file: not in Spotify's catalogue, so no audio features",
            artist,
        )
    if item.get("type") == "episode":
        return Skipped(
            str(item.get("uri") or f"spotify:episode:{item.get('id')}"),
            title,
            "podcast episode, not a music track",
            artist,
        )
    if not item.get("id"):
        return Skipped(f"spotify:playlist:{playlist}#{position}", title, "no Spotify id", artist)
    return _track(item)


def _track(item: dict[str, Any]) -> Track:
    album = item.get("album") or {}
    duration = item.get("duration_ms")
    return Track(
        id=str(item["id"]),
        title=str(item.get("name") or ""),
        artists=tuple(str(a.get("name", "")) for a in item.get("artists") or [] if a),
        album=str(album.get("name") or "") if isinstance(album, dict) else "",
        duration_ms=int(duration) if isinstance(duration, int | float) else None,
        preview_url=item.get("preview_url") or None,
    )
