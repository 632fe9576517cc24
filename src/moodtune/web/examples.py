"""Example values of the API's answers, shown by /docs instead of "string" and
"additionalProp1" (:mod:`moodtune.web.replies` puts them in its models' schemas)."""

from __future__ import annotations

__all__ = ["ANSWER", "ANSWER_TRACK", "PROBABILITIES", "READING", "TARGET", "TRACK"]

PROBABILITIES = {
    "anger": 0.01,
    "disgust": 0.01,
    "fear": 0.02,
    "happiness": 0.81,
    "neutral": 0.1,
    "sadness": 0.02,
    "surprise": 0.03,
}
ANSWER_TRACK = {
    "track_id": "1kPJ5BmYyMKqy5KPddm3bN",
    "title": "Here Comes the Sun",
    "artist": "The Beatles",
    "score": 0.91,
    "reason": "match 0.91 to happiness",
    "probabilities": PROBABILITIES,
    "valence": 0.82,
    "energy": 0.77,
    "has_audio": True,
    "remote_audio_url": None,
    "spotify_id": "6dGnYIeXmHdcikdzNNDMm2",
    "preview_url": None,
    "reading": {"valence": 0.62, "arousal": 0.35},
    "close": True,
    "chip": "happiness",
    "explanation": "Bright and energetic, like the happy mood you chose.",
}
TRACK = ANSWER_TRACK | {
    "audio_url": "/api/tracks/1kPJ5BmYyMKqy5KPddm3bN/audio",
    "spotify_url": "https://open.spotify.com/track/6dGnYIeXmHdcikdzNNDMm2",
    "playback": "local",
}
TARGET = {
    "top": "happiness",
    "probabilities": PROBABILITIES,
    "given_as": "emotion",
    "point": [0.75, 0.45],
    "notes": [],
}
ANSWER = {
    "version": 1,
    "target": TARGET,
    "reading": None,
    "mode": "match",
    "k": 1,
    "summary": "1 tracks matching happiness",
    "matches": {"close": 1, "weaker": 0},
    "tracks": [ANSWER_TRACK],
}

READING = {
    "top": "happiness",
    "source": "face",
    "confidence": "high",
    "probabilities": PROBABILITIES,
    "valence": 0.71,
    "arousal": 0.42,
    "faces": [
        {
            "box": [182, 58, 130, 130],
            "confidence": 0.99,
            "top": "happiness",
            "probabilities": PROBABILITIES,
        }
    ],
    "image_size": [512, 512],
    "notes": [],
    "unreadable": False,
}
