"""A real uvicorn server on 127.0.0.1 in a thread of the test process, over an app built by
the test (so a test can inject a reader, read the app's state and drive its gates)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from moodtune.emotions import EMOTIONS

__all__ = ["QuickReader", "serving", "small_catalogue"]


class QuickReader:
    """Stands for the image/words reader, whose models this test does not need: it reads
    every input as sadness, at once (the readers themselves are tested in tests/vision and
    tests/text)."""

    def read(self, image: bytes | None, text: str | None):
        from moodtune.vision.reading import EmotionReading

        vector = np.array([1.0 if e == "sadness" else 0.0 for e in EMOTIONS])
        return EmotionReading.from_vector(vector, source="text", confidence="high")


def small_catalogue(folder: Path):
    """The built-in catalogue (28 tracks, some with local audio) in ``folder``."""
    from moodtune.catalogue.builtin import open_catalogue

    return open_catalogue(folder / "catalogue.sqlite")


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port; yields its base URL."""
    import uvicorn

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120  # a safety net: start-up is a few seconds
        while not server.started:
            assert thread.is_alive(), "the server stopped while starting"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(60)
        listening.close()
