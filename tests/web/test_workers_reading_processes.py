"""Readings in worker processes (issue 22, ``moodtune.web.workers``): a real server on
127.0.0.1 with the real readers, loaded by the app itself and again by each worker process.

They answer as the reader in this process does, refuse a bad image the same way, run at a
lower CPU priority, and are gone when the server stops — also when ``moodtune serve`` is
stopped with a Ctrl-C to its whole process group (one clean shutdown, no traceback).
Waiting polls with a deadline on a monotonic clock; nothing asserts a duration.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from moodtune.web import create_app

from .live import serving, small_catalogue

#: Upper bound of any wait (models load in each process): a bound on a hang, not a timing.
NET = 300


def wait_for(condition: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + NET
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what} after {NET} s")
        time.sleep(0.05)


def workers_of(pid: int) -> list[int]:
    """The reading processes among the children of ``pid`` (multiprocessing's spawned
    workers; its resource tracker is not one)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def niceness(pid: int) -> int:
    return int((Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split())[16])


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def probabilities(answer: httpx.Response) -> list[float]:
    assert answer.status_code == 200, answer.text
    return list(answer.json()["probabilities"].values())


@pytest.mark.slow
def test_readings_in_worker_processes_answer_as_this_process_reads(
    tmp_path, reader, astronaut_jpeg
):
    from moodtune.senses import Senses

    read = Senses.around(reader).read  # this process's image reader and words reader
    catalogue = small_catalogue(tmp_path)
    app = create_app(catalogue=catalogue, reading_processes=1)
    with serving(app) as url, httpx.Client(base_url=url, timeout=NET) as client:
        words = client.post("/api/emotion", data={"text": "I am so happy today!"})
        here = read(None, "I am so happy today!")
        assert probabilities(words) == pytest.approx(list(here.probabilities.values()), abs=1e-3)
        photo = client.post(
            "/api/emotion", files={"image": ("a.jpg", astronaut_jpeg, "image/jpeg")}
        )
        here = read(astronaut_jpeg, None)
        assert probabilities(photo) == pytest.approx(list(here.probabilities.values()), abs=1e-3)
        assert len(photo.json()["faces"]) == len(here.faces) >= 1
        cut = client.post(
            "/api/emotion", files={"image": ("a.jpg", astronaut_jpeg[:3000], "image/jpeg")}
        )
        assert cut.status_code == 422 and "truncated" in cut.json()["detail"]
        recommended = client.post("/api/recommend", json={"text": "so tired", "k": 3})
        assert recommended.status_code == 200 and len(recommended.json()["tracks"]) == 3
        (worker,) = workers_of(os.getpid())
        assert niceness(worker) > niceness(os.getpid())
    wait_for(lambda: gone(worker), "the worker process to stop with the server")
    catalogue.close()


@pytest.mark.slow
def test_ctrl_c_stops_serve_and_its_reading_processes_cleanly(catalogue_path, tmp_path):
    import socket
    import sqlite3

    copy = tmp_path / "catalogue.sqlite"
    with sqlite3.connect(catalogue_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "serve.log"
    with log.open("wb") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "moodtune", "serve", "--port", str(port),
             "--catalogue", str(copy)],
            stdout=stream, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"

        def answering() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                return httpx.get(f"{url}/api/health", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(answering, "the server")
        answer = httpx.post(f"{url}/api/emotion", data={"text": "what a lovely day"}, timeout=NET)
        assert answer.status_code == 200, answer.text
        workers = workers_of(process.pid)
        assert workers and all(niceness(w) > niceness(process.pid) for w in workers)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole group
        process.wait(NET)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(60)
    text = log.read_text()
    assert process.returncode == 0, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    assert "Application shutdown complete" in text, text
    wait_for(lambda: all(gone(w) for w in workers), "the reading processes to stop")


@pytest.mark.slow
def test_a_killed_reading_process_answers_503_once_then_the_pool_starts_again(tmp_path):
    catalogue = small_catalogue(tmp_path)
    app = create_app(catalogue=catalogue, reading_processes=1)
    words = {"text": "what a lovely day"}
    with serving(app) as url, httpx.Client(base_url=url, timeout=NET) as client:
        assert client.post("/api/emotion", data=words).status_code == 200
        (worker,) = workers_of(os.getpid())
        os.kill(worker, signal.SIGKILL)  # out of memory, or killed by hand
        wait_for(lambda: gone(worker), "the pool to see its worker gone")
        refused = client.post("/api/emotion", data=words)
        assert refused.status_code == 503, refused.text
        assert "stopped unexpectedly" in refused.json()["detail"]
        again = client.post("/api/emotion", data=words)
        assert again.status_code == 200, again.text
        (started,) = workers_of(os.getpid())
        assert started != worker
    catalogue.close()
