"""Load benchmark of the web API, on loopback only, bounded in time.

Starts ``moodtune serve`` (uvicorn) in a subprocess on 127.0.0.1 over a temporary catalogue
(the built-in tracks plus the 28,356 unique tidytuesday tracks), then, from this process:

1. ``--clients`` (50) concurrent clients for ``--seconds`` (30) on ``POST /api/recommend``
   with an emotion (JSON; the emotion and mode change from request to request): throughput,
   latency percentiles and errors;
2. ``--photo-clients`` (4) concurrent clients for ``--photo-seconds`` (15) on
   ``POST /api/recommend`` with a face photo (scikit-image's astronaut, 512×512 JPEG,
   multipart): throughput and latency.

Each client is an asyncio task with its own keep-alive HTTP/1.1 connection that sends its next
request as soon as the previous answer arrived (a closed loop; see :class:`Connection`).
Latency is measured from just before the request is written to the end of the response body.
Any status other than 200, a body that is not a recommendation, or a transport error counts
as an error. The load generator and the server share the machine's
cores, so the figures are a lower bound for a server with cores of its own. For each phase
it prints the CPU time per response of the server (all its processes, from /proc) and of the
load generator itself (getrusage), and the load average before and after.

Run::

    .venv/bin/python benchmarks/bench_web.py            # about 1 minute
    .venv/bin/python benchmarks/bench_web.py --seconds 10 --photo-seconds 5 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import common
from moodtune.recommend.modes import MODES as REGISTERED_MODES

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
EMOTION_NAMES = ("anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")
MODES = tuple(REGISTERED_MODES)  # every mode of moodtune.recommend.modes


@dataclass
class Result:
    """Latencies (seconds) of the successful requests and the errors of one load phase, and
    the CPU seconds the server and this load generator spent in it."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)

    def add_error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def report(self, title: str) -> str:
        done = len(self.latencies)
        failed = sum(self.errors.values())
        lines = [f"{title}", f"  requests   {done + failed} in {self.seconds:.1f} s"]
        lines.append(f"  throughput {done / self.seconds:.1f} responses/s (200 OK)")
        if done:
            ms = np.array(self.latencies) * 1000
            p50, p95, p99 = np.percentile(ms, [50, 95, 99])
            lines.append(
                f"  latency    p50 {p50:.1f} ms · p95 {p95:.1f} ms · p99 {p99:.1f} ms · "
                f"max {ms.max():.1f} ms · mean {ms.mean():.1f} ms"
            )
        detail = ", ".join(f"{k} ×{v}" for k, v in sorted(self.errors.items()))
        lines.append(f"  errors     {failed}{f' ({detail})' if detail else ''}")
        if done:
            server, client = self.server_cpu / done * 1000, self.client_cpu / done * 1000
            lines.append(
                f"  CPU        server {server:.3f} ms/response, load generator {client:.3f} "
                f"ms/response; {(self.server_cpu + self.client_cpu) / self.seconds:.2f} of "
                f"{os.cpu_count()} cores busy with this benchmark"
            )
        lines.append(f"  load avg   {self.load[0]:.2f} before, {self.load[1]:.2f} after (1 min)")
        return "\n".join(lines)


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants (the uvicorn workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # the process ended meanwhile
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by the processes ``pids`` (from /proc)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_catalogue(folder: Path) -> Path:
    """A catalogue with the built-in tracks and all of tidytuesday, in ``folder``."""
    from moodtune.catalogue.builtin import open_catalogue
    from moodtune.data.readers import read_tracks

    path = folder / "catalogue.sqlite"
    table = read_tracks(DATASETS / "tidytuesday" / "spotify_songs.csv")
    with open_catalogue(path) as catalogue:
        catalogue.import_table(table, source="tidytuesday")
        print(f"catalogue: {catalogue.count()} tracks", flush=True)
    return path


def start_server(catalogue: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "moodtune", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--catalogue", str(catalogue), "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    with open(log, "w") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)


def wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"the server did not start in {timeout:.0f} s:\n{log.read_text()}")


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, for loopback load.

    A full client (httpx) spends more CPU per request than the server does: with 50
    connections on a 2-core machine it, not the server, set the pace (about 100 requests/s
    where this client drives the same server to about 400). This one writes a prepared request
    and reads the status line, the headers and a Content-Length or chunked body.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        }
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            body = b""
        return status, body

    def close(self) -> None:
        self.writer.close()


def http_request(path: str, content_type: str, body: bytes) -> bytes:
    """A complete POST request (head and body) as bytes."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


def measured_load(
    port: int, clients: int, seconds: float, requests: list[bytes], server: list[int]
) -> Result:
    """:func:`run_load`, with the CPU time of the ``server`` processes and of this process."""
    load = os.getloadavg()[0]
    server_before, client_before = cpu_seconds(server), own_cpu()
    result = asyncio.run(run_load(port, clients, seconds, requests))
    result.server_cpu = cpu_seconds(server) - server_before
    result.client_cpu = own_cpu() - client_before
    result.load = (load, os.getloadavg()[0])
    return result


async def run_load(port: int, clients: int, seconds: float, requests: list[bytes]) -> Result:
    """``clients`` closed-loop clients for ``seconds``, cycling through ``requests``.

    A response counts as a success when its status is 200 and its body is a JSON object with
    a ``tracks`` list (every 20th body is fully parsed and checked; the others by prefix).
    """
    result = Result()
    stop = time.perf_counter() + seconds

    async def client(number: int) -> None:
        connection = await Connection.open(port)
        try:
            for n in itertools.count(number):
                if time.perf_counter() >= stop:
                    return
                started = time.perf_counter()
                try:
                    status, body = await connection.send(requests[n % len(requests)])
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    result.add_error(type(error).__name__)
                    connection.close()
                    connection = await Connection.open(port)
                    continue
                elapsed = time.perf_counter() - started
                if status != 200:
                    result.add_error(f"HTTP {status}")
                elif not body.startswith(b'{"reading":') or (n % 20 == 0 and not _valid(body)):
                    result.add_error("bad body")
                else:
                    result.latencies.append(elapsed)
        finally:
            connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    result.seconds = time.perf_counter() - began
    return result


def _valid(body: bytes) -> bool:
    data = json.loads(body)
    return isinstance(data.get("tracks"), list) and len(data["tracks"]) > 0


def emotion_requests() -> list[bytes]:
    """One JSON request per (emotion, mode): 21 different requests, k = 10."""
    return [
        http_request(
            "/api/recommend",
            "application/json",
            json.dumps({"emotion": emotion, "mode": mode, "k": 10}).encode(),
        )
        for emotion in EMOTION_NAMES
        for mode in MODES
    ]


def photo_requests() -> list[bytes]:
    """Multipart requests with the astronaut photo (512×512 JPEG), one per mode, k = 10."""
    from PIL import Image
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, "JPEG", quality=90)
    boundary = "moodtunebenchboundary"
    requests = []
    for mode in MODES:
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
            f'filename="astronaut.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode() + buffer.getvalue()
        for name, value in (("mode", mode), ("k", "10")):
            body += (
                f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}'
            ).encode()
        body += f"\r\n--{boundary}--\r\n".encode()
        requests.append(
            http_request("/api/recommend", f"multipart/form-data; boundary={boundary}", body)
        )
    return requests


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--photo-clients", type=int, default=4)
    parser.add_argument("--photo-seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    options = parser.parse_args(argv)
    if not 1 <= options.seconds <= 120 or not 1 <= options.photo_seconds <= 120:
        parser.error("phases are bounded: --seconds and --photo-seconds from 1 to 120")

    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}, load average before the run {load[0]:.2f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="moodtune-bench-web-") as scratch:
        folder = Path(scratch)
        catalogue = build_catalogue(folder)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = folder / "server.log"
        process = start_server(catalogue, port, options.workers, log)
        try:
            started = time.perf_counter()
            wait_ready(url, process, log)
            print(
                f"server: moodtune serve --workers {options.workers} on {url}, ready in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            by_emotion, by_photo = emotion_requests(), photo_requests()
            # Warm up (first requests build the catalogue arrays, the rankings of the 21
            # targets and the thread pool).
            asyncio.run(run_load(port, 2, 1.0, by_emotion))
            asyncio.run(run_load(port, 1, 1.0, by_photo))
            server = process_tree(process.pid)
            emotion = measured_load(port, options.clients, options.seconds, by_emotion, server)
            print(
                emotion.report(
                    f"POST /api/recommend with an emotion: {options.clients} clients, "
                    f"{options.seconds:g} s"
                ),
                flush=True,
            )
            photo = measured_load(
                port, options.photo_clients, options.photo_seconds, by_photo, server
            )
            print(
                photo.report(
                    f"POST /api/recommend with a face photo: {options.photo_clients} clients, "
                    f"{options.photo_seconds:g} s"
                ),
                flush=True,
            )
        finally:
            common.stop(process)
        problems = [line for line in log.read_text().splitlines() if "Traceback" in line]
        print(f"server log: {len(problems)} tracebacks")


if __name__ == "__main__":
    main()
