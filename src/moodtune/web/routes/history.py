"""The listening history: plays, likes and dislikes (filled in by the history work)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])
