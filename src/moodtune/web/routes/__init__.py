"""The app's routes, one router per concern: the page, reading and recommending, tracks
(audio, plays, feedback), the listening history and playlists."""

from __future__ import annotations

from moodtune.web.routes.history import router as history
from moodtune.web.routes.mood import router as mood
from moodtune.web.routes.page import router as page
from moodtune.web.routes.playlist import router as playlist
from moodtune.web.routes.tracks import router as tracks

__all__ = ["ROUTERS"]

#: Every router of the app, in the order they are included.
ROUTERS = (page, mood, tracks, history, playlist)
