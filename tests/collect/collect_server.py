"""A real HTTP server on 127.0.0.1 speaking the Spotify Web API and ReccoBeats endpoints.

It serves a catalogue of real tracks (ids, titles, artists, albums and audio features from
the TidyTuesday Spotify table in ../shared/datasets) with the JSON shapes of the Spotify
Web API reference and the ReccoBeats documentation, and it can be told to fail: scripted
answers (429 with Retry-After, 500, 401), a permanent 403 on Spotify's audio-features,
or holding a request until the test releases it. It counts every request, and every
track id whose features it served, so tests can prove nothing was fetched twice.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import json
import threading
import uuid
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FEATURES = (
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
)
MAX_UPLOAD = 5 * 1024 * 1024

#: Distinctive fake credentials: the tests check that they never leak.
CLIENT_ID = "cid0Distinctive7f3a9b2c1d4e5f60718293a4"
CLIENT_SECRET = "csecret0Zq8Wx7Vu6Ts5Rq4Po3Nm2Lk1Jh9Gf8Ed7"


@dataclass
class Answer:
    """A scripted answer: status, JSON body and headers.

    ``echo_headers`` makes the server put the request's headers into the error text (as some
    proxies and misconfigured servers do); ``text`` sends the body as plain text, not JSON.
    """

    status: int
    body: Any
    headers: dict[str, str] | None = None
    echo_headers: bool = False
    text: bool = False


def spotify_error(status: int, message: str) -> dict[str, Any]:
    """The Web API's error object."""
    return {"error": {"status": status, "message": message}}


class Catalogue:
    """Tracks by id: ``tracks[id]`` is a Spotify track object, ``features[id]`` its audio
    features object (or None for a track Spotify has no features for)."""

    def __init__(self) -> None:
        self.tracks: dict[str, dict[str, Any]] = {}
        self.features: dict[str, dict[str, Any] | None] = {}
        self.reccobeats_unknown: set[str] = set()

    def add(self, row: dict[str, Any], *, null_features: bool = False) -> str:
        track_id = str(row["track_id"])
        self.tracks[track_id] = {
            "album": {
                "album_type": "album",
                "id": row.get("track_album_id", ""),
                "name": row["track_album_name"],
                "type": "album",
                "uri": f"spotify:album:{row.get('track_album_id', '')}",
            },
            "artists": [
                {"id": "0" * 22, "name": name.strip(), "type": "artist"}
                for name in str(row["track_artist"]).split(",")
            ],
            "disc_number": 1,
            "duration_ms": int(row["duration_ms"]),
            "explicit": False,
            "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
            "href": f"https://api.spotify.com/v1/tracks/{track_id}",
            "id": track_id,
            "is_local": False,
            "name": row["track_name"],
            "popularity": int(row.get("track_popularity", 50)),
            "preview_url": None,
            "track_number": 1,
            "type": "track",
            "uri": f"spotify:track:{track_id}",
        }
        if null_features:
            self.features[track_id] = None
        else:
            features = {name: row[name] for name in FEATURES}
            for name in ("key", "mode"):
                features[name] = int(features[name])
            self.features[track_id] = {
                **features,
                "type": "audio_features",
                "id": track_id,
                "uri": f"spotify:track:{track_id}",
                "track_href": f"https://api.spotify.com/v1/tracks/{track_id}",
                "analysis_url": f"https://api.spotify.com/v1/audio-analysis/{track_id}",
                "duration_ms": int(row["duration_ms"]),
                "time_signature": 4,
            }
        return track_id


def local_file(title: str) -> dict[str, Any]:
    """A playlist entry for a local file, as Spotify returns it."""
    return {
        "added_at": "2024-01-01T00:00:00Z",
        "is_local": True,
        "track": {
            "album": {"name": "My Album", "type": "album", "uri": None},
            "artists": [{"name": "Me", "type": "artist", "uri": None}],
            "duration_ms": 180000,
            "id": None,
            "is_local": True,
            "name": title,
            "type": "track",
            "uri": f"spotify:local:Me:My+Album:{title.replace(' ', '+')}:180",
        },
    }


def episode(episode_id: str, title: str) -> dict[str, Any]:
    """A playlist entry for a podcast episode."""
    return {
        "added_at": "2024-01-01T00:00:00Z",
        "is_local": False,
        "track": {
            "id": episode_id,
            "name": title,
            "type": "episode",
            "episode": True,
            "track": False,
            "duration_ms": 1800000,
            "uri": f"spotify:episode:{episode_id}",
            "album": {"name": "A Show", "type": "show"},
            "artists": [{"name": "A Host"}],
        },
    }


class CollectServer:
    """Start with ``with CollectServer(catalogue, client_id, secret) as server``.

    ``playlists[id]`` lists entries: a track id (str) or a raw entry dict (local files,
    episodes, null tracks). ``script[path]`` queues :class:`Answer` objects returned before
    normal handling for requests whose path ends with ``path`` (e.g. "/audio-features").
    ``hold_after[path] = n`` answers the first n such requests and holds the next ones.
    """

    def __init__(self, catalogue: Catalogue, client_id: str, client_secret: str) -> None:
        self.catalogue = catalogue
        self.client_id = client_id
        self.client_secret = client_secret
        self.playlists: dict[str, list[Any]] = {}
        self.entry_key = "item"  # Spotify's 2026 playlist format; "track" before
        self.script: dict[str, deque[Answer]] = defaultdict(deque)
        self.forbid_spotify_features = False
        self.tokens: list[str] = []
        self.valid_tokens: set[str] = set()
        self.requests: list[tuple[str, str, int]] = []
        self.served_features: Counter[str] = Counter()
        self.hold_after: dict[str, int] = {}
        self.holding = threading.Event()
        self.release = threading.Event()
        self.uploads: list[tuple[str, int]] = []
        # The authorization code flow with PKCE (a user saving playlists):
        self.codes: dict[str, dict[str, str]] = {}  # code → the authorize request's query
        self.refresh_tokens: set[str] = set()
        self.user_playlists: dict[str, dict[str, Any]] = {}  # id → {"name", "public", ...}
        self.added: dict[str, list[list[str]]] = defaultdict(list)  # id → batches of uris
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        # Polled every 20 ms, so that closing it (``shutdown``) takes that long, not 0.5 s.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> CollectServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def count(self, path: str, method: str = "GET") -> int:
        """Requests so far for exactly ``path`` (e.g. "/v1/audio-features")."""
        return sum(1 for m, p, _ in self.requests if m == method and p == path)

    def statuses(self, path: str) -> list[int]:
        """The statuses answered to ``path``, in order."""
        return [s for _, p, s in self.requests if p == path]

    def revoke_tokens(self) -> None:
        """Make every issued token invalid (the next API call answers 401)."""
        self.valid_tokens.clear()

    # --- request handling -----------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                server._dispatch(self, "GET")

            def do_POST(self) -> None:
                server._dispatch(self, "POST")

        return Handler

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        path = parts.path.rstrip("/")
        query = {k: ",".join(v) for k, v in parse_qs(parts.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        for suffix, limit in self.hold_after.items():
            if path.endswith(suffix):
                with self._lock:
                    self._seen[suffix] += 1
                    seen = self._seen[suffix]
                if seen > limit:  # hold the request unanswered until the test releases it
                    self.holding.set()
                    self.release.wait(30)
                    handler.close_connection = True
                    return
        answer = self._answer(handler, method, path, query, body)
        with self._lock:
            self.requests.append((method, path, answer.status))
        content = answer.body
        if answer.echo_headers:
            echoed = "; ".join(f"{name}: {value}" for name, value in handler.headers.items())
            content = (
                f"{content} (request headers: {echoed})"
                if answer.text
                else {"error": content, "error_description": f"request headers: {echoed}"}
            )
        data = str(content).encode() if answer.text else json.dumps(content).encode()
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", "text/plain" if answer.text else "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in (answer.headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client went away (a killed collector)
            pass

    def _answer(
        self, handler: Any, method: str, path: str, query: dict[str, str], body: bytes
    ) -> Answer:
        for suffix, queue in self.script.items():
            if path.endswith(suffix) and queue:
                with self._lock:
                    if queue:
                        return queue.popleft()
        if method == "GET" and path == "/authorize":
            return self._authorize(query)
        if method == "POST" and path == "/api/token":
            return self._token(handler, body)
        if path.startswith("/reccobeats/v1/"):
            return self._reccobeats(handler, method, path[len("/reccobeats/v1") :], query, body)
        if path.startswith("/v1/"):
            token = handler.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.valid_tokens:
                return Answer(401, spotify_error(401, "The access token expired"))
            if method == "POST":
                return self._spotify_write(path[len("/v1") :], body)
            return self._spotify(path[len("/v1") :], query)
        return Answer(404, spotify_error(404, "Service not found"))

    def _token(self, handler: Any, body: bytes) -> Answer:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        grant = form.get("grant_type")
        if grant in ("authorization_code", "refresh_token"):
            return self._user_token(form)
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if handler.headers.get("Authorization") != f"Basic {expected}":
            return Answer(400, {"error": "invalid_client", "error_description": "Invalid client"})
        if grant != "client_credentials":
            return Answer(400, {"error": "unsupported_grant_type"})
        return Answer(200, self._issue())

    def _issue(self, refresh: bool = False) -> dict[str, Any]:
        """A new access token (and, for a user, a new refresh token)."""
        with self._lock:
            token = f"token-{len(self.tokens) + 1}-" + uuid.uuid4().hex
            self.tokens.append(token)
            self.valid_tokens.add(token)
            issued: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
            issued["expires_in"] = 3600
            if refresh:
                issued["refresh_token"] = "refresh-" + uuid.uuid4().hex
                issued["scope"] = "playlist-modify-private"
                self.refresh_tokens.add(issued["refresh_token"])
        return issued

    def _authorize(self, query: dict[str, str]) -> Answer:
        """Spotify's authorize page, the user saying yes at once: back to the redirect URI."""
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return Answer(400, {"error": "invalid_request"})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return Answer(400, {"error": "invalid_request", "error_description": "PKCE needed"})
        code = "code-" + uuid.uuid4().hex
        with self._lock:
            self.codes[code] = dict(query)
        back = f"{query['redirect_uri']}?code={code}"
        if "state" in query:
            back += f"&state={query['state']}"
        return Answer(302, {}, headers={"Location": back})

    def _user_token(self, form: dict[str, str]) -> Answer:
        """The code (checked against its PKCE challenge) or a refresh token → tokens."""
        if form.get("client_id") != self.client_id:
            return Answer(400, {"error": "invalid_client"})
        if form["grant_type"] == "refresh_token":
            with self._lock:
                known = form.get("refresh_token") in self.refresh_tokens
                self.refresh_tokens.discard(form.get("refresh_token", ""))
            if not known:
                return Answer(400, {"error": "invalid_grant", "error_description": "Refresh"})
            return Answer(200, self._issue(refresh=True))
        with self._lock:
            asked = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if asked is None or asked["code_challenge"] != challenge.decode():
            return Answer(400, {"error": "invalid_grant", "error_description": "Bad code"})
        if form.get("redirect_uri") != asked["redirect_uri"]:
            return Answer(400, {"error": "invalid_grant", "error_description": "Bad redirect"})
        return Answer(200, self._issue(refresh=True))

    def _spotify_write(self, path: str, body: bytes) -> Answer:
        """Creating a playlist and adding items to it (up to 100 per request)."""
        payload = json.loads(body or b"{}")
        segments = path.strip("/").split("/")
        if path == "/me/playlists":
            with self._lock:
                playlist_id = uuid.uuid4().hex[:22]
                self.user_playlists[playlist_id] = payload
            return Answer(
                201,
                {
                    "id": playlist_id,
                    "name": payload.get("name"),
                    "public": payload.get("public"),
                    "uri": f"spotify:playlist:{playlist_id}",
                    "external_urls": {
                        "spotify": f"https://open.spotify.com/playlist/{playlist_id}"
                    },
                },
            )
        if len(segments) == 3 and segments[0] == "playlists" and segments[2] == "items":
            if segments[1] not in self.user_playlists:
                return Answer(404, spotify_error(404, "Resource not found"))
            # {"uris": [...]} as the reference documents, or the bare list spotipy sends
            uris = payload if isinstance(payload, list) else payload.get("uris") or []
            if not 1 <= len(uris) <= 100:
                return Answer(400, spotify_error(400, "You can add a maximum of 100 tracks"))
            with self._lock:
                self.added[segments[1]].append(list(uris))
            return Answer(201, {"snapshot_id": uuid.uuid4().hex})
        return Answer(404, spotify_error(404, "Service not found"))

    def _spotify(self, path: str, query: dict[str, str]) -> Answer:
        segments = path.strip("/").split("/")
        if len(segments) == 3 and segments[0] == "playlists" and segments[2] in ("items", "tracks"):
            return self._playlist_page(segments[1], segments[2], query)
        ids = [i for i in query.get("ids", "").split(",") if i]
        if path == "/tracks":
            if not 1 <= len(ids) <= 50:
                return Answer(400, spotify_error(400, "Invalid limit"))
            return Answer(200, {"tracks": [self.catalogue.tracks.get(i) for i in ids]})
        if path == "/audio-features":
            if self.forbid_spotify_features:
                return Answer(403, spotify_error(403, "Forbidden"))
            if not 1 <= len(ids) <= 100:
                return Answer(400, spotify_error(400, "Too many ids requested"))
            with self._lock:
                self.served_features.update(ids)
            return Answer(200, {"audio_features": [self.catalogue.features.get(i) for i in ids]})
        return Answer(404, spotify_error(404, "Service not found"))

    def _playlist_page(self, playlist_id: str, endpoint: str, query: dict[str, str]) -> Answer:
        if playlist_id not in self.playlists:
            return Answer(404, spotify_error(404, "Resource not found"))
        limit = int(query.get("limit", 100))
        offset = int(query.get("offset", 0))
        if not 1 <= limit <= 100:
            return Answer(400, spotify_error(400, "Invalid limit"))
        entries = self.playlists[playlist_id]
        base = f"{self.url}/v1/playlists/{playlist_id}/{endpoint}"
        items = []
        for entry in entries[offset : offset + limit]:
            if isinstance(entry, str):
                entry = {
                    "added_at": "2024-01-01T00:00:00Z",
                    "is_local": False,
                    "track": self.catalogue.tracks[entry],
                }
            if self.entry_key != "track" and "track" in entry:
                entry = {
                    **{k: v for k, v in entry.items() if k != "track"},
                    self.entry_key: entry["track"],
                }
            items.append(entry)
        following = offset + limit
        return Answer(
            200,
            {
                "href": f"{base}?offset={offset}&limit={limit}",
                "items": items,
                "limit": limit,
                "next": f"{base}?offset={following}&limit={limit}"
                if following < len(entries)
                else None,
                "offset": offset,
                "previous": f"{base}?offset={max(0, offset - limit)}&limit={limit}"
                if offset
                else None,
                "total": len(entries),
            },
        )

    def _reccobeats(
        self, handler: Any, method: str, path: str, query: dict[str, str], body: bytes
    ) -> Answer:
        if method == "GET" and path == "/audio-features":
            ids = [i for i in query.get("ids", "").split(",") if i]
            if not 1 <= len(ids) <= 40:
                return Answer(
                    400,
                    {
                        "timestamp": "2026-01-01T00:00:00Z",
                        "status": 4004,
                        "errors": [{"message": "size must be between 1 and 40"}],
                    },
                )
            content = []
            for track_id in reversed(ids):  # not in request order: match by href
                source = self.catalogue.features.get(track_id)
                if source is None or track_id in self.catalogue.reccobeats_unknown:
                    continue  # ReccoBeats leaves unknown ids out of "content"
                content.append(
                    {
                        "id": str(uuid.UUID(bytes=hashlib.md5(track_id.encode()).digest())),
                        "href": f"https://open.spotify.com/track/{track_id}",
                        "isrc": "USXXX0000000",
                        **{name: source[name] for name in FEATURES},
                    }
                )
            with self._lock:
                self.served_features.update(ids)
            return Answer(200, {"content": content})
        if method == "GET" and path == "/track":
            return self._reccobeats_tracks(query)
        if method == "POST" and path == "/analysis/audio-features":
            return self._analysis(handler, body)
        return Answer(404, {"status": 404, "errors": [{"message": "Not found"}]})

    def _reccobeats_tracks(self, query: dict[str, str]) -> Answer:
        """ReccoBeats' ``GET /v1/track?ids=``: its own ids, Spotify's in ``href``."""
        ids = [i for i in query.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 40:
            return Answer(400, {"status": 4004, "errors": [{"message": "size 1-40"}]})
        content = []
        for track_id in reversed(ids):  # not in request order: matched by href
            track = self.catalogue.tracks.get(track_id)
            if track is None or track_id in self.catalogue.reccobeats_unknown:
                continue
            content.append(
                {
                    "id": str(uuid.UUID(bytes=hashlib.md5(track_id.encode()).digest())),
                    "trackTitle": track["name"],
                    "artists": [{"name": a["name"]} for a in track["artists"]],
                    "durationMs": track["duration_ms"],
                    "href": f"https://open.spotify.com/track/{track_id}",
                }
            )
        return Answer(200, {"content": content})

    def _analysis(self, handler: Any, body: bytes) -> Answer:
        kind = handler.headers.get("Content-Type", "")
        if not kind.startswith("multipart/form-data"):
            return Answer(415, {"errors": [{"message": "Content-Type must be multipart"}]})
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + body
        )
        files = {
            part.get_param("name", header="content-disposition"): part
            for part in message.iter_parts()
        }
        if "audioFile" not in files:
            return Answer(400, {"errors": [{"message": "audioFile is required"}]})
        data = files["audioFile"].get_payload(decode=True) or b""
        if len(data) > MAX_UPLOAD:
            return Answer(413, {"errors": [{"message": "Maximum upload size exceeded"}]})
        self.uploads.append((files["audioFile"].get_filename() or "", len(data)))
        digest = hashlib.sha256(data).digest()
        return Answer(
            200,
            {
                "acousticness": digest[0] / 255,
                "danceability": digest[1] / 255,
                "energy": digest[2] / 255,
                "instrumentalness": digest[3] / 255,
                "liveness": digest[4] / 255,
                "loudness": -digest[5] / 8,
                "speechiness": digest[6] / 255,
                "tempo": 60 + digest[7],
                "valence": digest[8] / 255,
            },
        )
