"""The page at ``/``: server-rendered HTML whose choices come from the server's registries
(the modes and the ``k`` limit of :mod:`moodtune.recommend.modes`, the upload limits)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from moodtune import __version__
from moodtune.playlists import format_labels
from moodtune.recommend.modes import DEFAULT_MODE, K_DEFAULT, K_MAX, K_MIN, MODES
from moodtune.recommend.moods import MOODS
from moodtune.senses import SENSES
from moodtune.web.deps import Service
from moodtune.web.schemas import MAX_TEXT
from moodtune.web.spotify import spotify_login
from moodtune.web.uploads import MAX_IMAGE_BYTES

__all__ = ["page_context", "router"]

router = APIRouter()
#: Entries the history page lists.
HISTORY_SHOWN = 200
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")


#: How the page shows each emotion.
EMOJI = {
    "anger": "😠",
    "disgust": "🤢",
    "fear": "😨",
    "happiness": "😊",
    "neutral": "😐",
    "sadness": "😢",
    "surprise": "😮",
    # mood words beside the seven emotions (an unknown word gets FALLBACK_EMOJI)
    "calm": "😌",
    "energetic": "⚡",
    "tense": "😬",
    "tender": "🥰",
    "melancholic": "🌧️",
    "nostalgic": "📼",
    "peaceful": "🕊️",
    "romantic": "💞",
    "angry": "😠",
    "happy": "😊",
    "sad": "😢",
}
#: The picker's emoji for a mood word without one of its own.
FALLBACK_EMOJI = "🎵"


def page_context(image_reading: bool, artist_cap: int = 2) -> dict[str, Any]:
    """What the page template shows: the moods of the picker (rendered from this list, each
    with its emoji from :data:`EMOJI` or :data:`FALLBACK_EMOJI`), the modes (name → label,
    the default first checked), the ``k`` limits, the artist cap (0: none) and the upload
    limits."""
    return {
        "emotions": tuple(MOODS),  # the 7 emotions, then the mood words (recommend/moods.py)
        "emoji": EMOJI,
        "fallback_emoji": FALLBACK_EMOJI,
        "artist_cap": artist_cap,
        "playlist_formats": format_labels(),
        "modes": {mode.name: mode.label for mode in MODES.values()},
        "default_mode": DEFAULT_MODE,
        "min_k": K_MIN,
        "max_k": K_MAX,
        "default_k": K_DEFAULT,
        "max_mb": MAX_IMAGE_BYTES // (1024 * 1024),
        "max_bytes": MAX_IMAGE_BYTES,
        "max_text": MAX_TEXT,
        "version": __version__,
        "image_reading": image_reading,
        # the text inputs, one per sense that reads text (moodtune.senses); photos are the
        # file picker, camera and live mode above them
        "text_senses": [s for s in SENSES.values() if s.kind == "text"],
    }


@router.get("/history", response_class=HTMLResponse, include_in_schema=False)
async def history_page(request: Request) -> HTMLResponse:
    """The history page: the mood journal's sessions (play or export a past list again, a
    plot of moods over time), and plays, likes and dislikes, each undoable."""
    context = {
        "version": __version__,
        "history_limit": HISTORY_SHOWN,
        "emoji": EMOJI,
        "playlist_formats": format_labels(),
    }
    return templates.TemplateResponse(request, "history.html", context)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page(request: Request, service: Service) -> HTMLResponse:
    """The page."""
    cap = getattr(service.recommender, "artist_cap", 2) or 0
    context = page_context(service.senses.available("image"), artist_cap=cap)
    context["spotify_save"] = await run_in_threadpool(spotify_login) is not None
    return templates.TemplateResponse(request, "index.html", context)
