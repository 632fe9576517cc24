"""The web server under abuse (issue 12), on loopback only, bounded in count and time.

Starts ``moodtune serve`` (one worker) in a subprocess on 127.0.0.1 over a temporary
catalogue (the built-in tracks plus the 28,356 unique tidytuesday tracks), with the common
soft limit of 1,024 open files, and runs five phases against it (``--phases``):

1. **mixed load**: ``--clients`` (200) closed-loop keep-alive clients for ``--seconds`` (20)
   on ``POST /api/recommend``, each request with a random mode (match/uplift/calm), a random
   ``k`` (1–50) and, half the time, a random emotion distribution (not cached), else a named
   emotion. A client told 503 waits the ``Retry-After`` it was given. The clients run in a
   separate process (so their event loop does not delay the probe); this process probes
   ``GET /api/health`` every 100 ms on its own connection (5 s timeout) meanwhile.
2. **slow clients**: ``--slow`` (2,000) connections that send a request head one byte every
   2 s (never finishing it), while a fresh client asks ``/api/health`` every 250 ms; the phase
   ends when every slow connection was dropped by the server, or after 30 s.
3. **every kind of request** (phase ``mixed``, issue 22): ``--clients`` clients for
   ``--seconds``, each request of a kind drawn at random (cheap: a named emotion's
   recommendation, health, a 64 KB audio range, static, history, a play, a 👍/👎; expensive:
   a new distribution's ranking, words, a photo; see ``abuse_mixed.py``): answers, 503 share
   and p50/p95 per kind. The figures of the issue are printed beside, labelled as such.
   ``--without KIND,...`` leaves kinds out (an experiment: the cheap kinds alone).
4. **dislikes** (phase ``dislikes``, issue 22): the time of one recommendation (in process,
   match and uplift, k=10) at 0 / 1,000 / 3,000 / 100,000 dislike rows (``abuse_dislikes.py``).
5. **large images**: ``--images`` (8) concurrent ``POST /api/emotion`` with a 39.9-megapixel
   PNG of 319 KB (flat colour, a noisy corner); the server's resident memory (VmRSS, all its
   processes) is sampled every 20 ms: before, peak, and 3 s after the last answer.

With ``--baseline-src DIR`` (a ``src`` folder of another version, e.g. from
``git archive e5b5918 src | tar -x -C /tmp/before``) the same phases run against that
version's server too, and the figures are printed side by side.

Run::

    .venv/bin/python benchmarks/bench_abuse.py                  # about 2 minutes
    .venv/bin/python benchmarks/bench_abuse.py --baseline-src /tmp/before/src   # about 4 minutes
    .venv/bin/python benchmarks/bench_abuse.py --phases mixed,dislikes --baseline-src /tmp/b/src
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import multiprocessing
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import common
from moodtune.recommend.modes import MODES as REGISTERED_MODES

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import abuse_mixed  # noqa: E402
import bench_web  # noqa: E402
from bench_web import (  # noqa: E402
    Connection,
    free_port,
    http_request,
    process_tree,
    wait_ready,
)

ROOT = HERE.parent
EMOTION_NAMES = ("anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")
MODES = tuple(REGISTERED_MODES)  # every mode of moodtune.recommend.modes
#: The open-file limit the server is started with (a common default).
SERVER_FILES = 1024
#: Hard bounds of each phase, in seconds (beyond --seconds for the load).
SLOW_BOUND = 30.0
DRAIN_BOUND = 15.0
IMAGE_BOUND = 120.0


# --- the server ---------------------------------------------------------------------------------


def start_server(src: Path, catalogue: Path, port: int, log: Path) -> subprocess.Popen:
    """``moodtune serve`` from ``src`` with a soft limit of :data:`SERVER_FILES` open files."""

    def limit_files() -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (SERVER_FILES, hard))

    command = [
        sys.executable, "-m", "moodtune", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--catalogue", str(catalogue), "--log-level", "warning",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(src)}
    with open(log, "w") as output:
        return subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, preexec_fn=limit_files
        )


def rss_mb(pids: list[int], key: str = "VmRSS") -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


# --- phase 1: mixed load ----------------------------------------------------------------------


def recommend_request(rng: random.Random) -> bytes:
    body: dict = {"mode": rng.choice(MODES), "k": rng.randint(1, 50)}
    if rng.random() < 0.5:
        weights = [rng.random() ** 3 for _ in EMOTION_NAMES]
        body["distribution"] = [round(w, 4) + 0.0001 for w in weights]
    else:
        body["emotion"] = rng.choice(EMOTION_NAMES)
    return http_request("/api/recommend", "application/json", json.dumps(body).encode())


@dataclass
class LoadResult:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # 200 answers
    busy: list[float] = field(default_factory=list)  # 503 answers
    errors: dict[str, int] = field(default_factory=dict)


def load_process(port: int, clients: int, seconds: float, out: multiprocessing.Queue) -> None:
    """The load generator's process: runs :func:`run_mixed_load` and sends back the result."""
    _raise_file_limit()
    out.put(asdict(asyncio.run(run_mixed_load(port, clients, seconds))))


async def run_mixed_load(port: int, clients: int, seconds: float) -> LoadResult:
    result = LoadResult()
    stop = time.perf_counter() + seconds

    async def client(number: int) -> None:
        rng = random.Random(number)
        connection = None
        while time.perf_counter() < stop:
            try:
                if connection is None:
                    connection = await Connection.open(port)
                started = time.perf_counter()
                status, body = await asyncio.wait_for(
                    connection.send(recommend_request(rng)), timeout=seconds + DRAIN_BOUND
                )
            except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as error:
                key = type(error).__name__
                result.errors[key] = result.errors.get(key, 0) + 1
                if connection is not None:
                    connection.close()
                connection = None
                await asyncio.sleep(0.1)
                continue
            elapsed = time.perf_counter() - started
            if status == 200 and body.startswith(b'{"reading":'):
                result.latencies.append(elapsed)
            elif status == 503:
                result.busy.append(elapsed)
                await asyncio.sleep(1.0)  # the server's Retry-After: 1
            else:
                key = f"HTTP {status}"
                result.errors[key] = result.errors.get(key, 0) + 1
        if connection is not None:
            connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    result.seconds = time.perf_counter() - began
    return result


async def probe_health(port: int, until: float, every: float = 0.1) -> tuple[list[float], int]:
    """``GET /api/health`` every ``every`` s until ``until``: latencies and failures."""
    request = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    latencies, failures = [], 0
    connection = None
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            if connection is None:
                connection = await Connection.open(port)
            status, _ = await asyncio.wait_for(connection.send(request), timeout=5.0)
            if status != 200:
                raise ValueError(status)
            latencies.append(time.perf_counter() - started)
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
            failures += 1
            if connection is not None:
                connection.close()
            connection = None
        await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))
    if connection is not None:
        connection.close()
    return latencies, failures


def mixed_phase(port: int, clients: int, seconds: float) -> tuple[LoadResult, list[float], int]:
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    worker = multiprocessing.get_context("spawn").Process(
        target=load_process, args=(port, clients, seconds, queue)
    )
    worker.start()
    time.sleep(1.0)  # the clients connect
    health, failed = asyncio.run(probe_health(port, time.perf_counter() + seconds - 1.5))
    try:
        result = LoadResult(**queue.get(timeout=seconds + DRAIN_BOUND + 30))
    finally:
        worker.join(timeout=10)
        if worker.is_alive():
            worker.kill()
    return result, health, failed


# --- phases mixed and dislikes (issue 22) -------------------------------------------------------

#: What the issue measured before (another run, same catalogue size and load), labelled so.
BEFORE_MIXED = (
    "200 clients, every /api endpoint, 20 s: 4,435 of 11,811 answers 503 (38%), 89% of them "
    "cheap emotion recommendations; p95 2.11 s; 64 KB audio ranges p50 1.75 s"
)
BEFORE_DISLIKES = "match 3.1 → 18.9 → 76 ms at 0 / 1,000 / 3,000 👎; uplift 5.1 → 142 → 448 ms"


def mixed_process(port: int, clients: int, seconds: float, ids: tuple, without, out) -> None:
    _raise_file_limit()
    out.put(asyncio.run(abuse_mixed.run(port, clients, seconds, *ids, without=without)))


def track_ids(catalogue: Path) -> tuple[list[str], list[str]]:
    """2,000 track ids (seeded) and the ids of the tracks with local audio."""
    import sqlite3

    with sqlite3.connect(catalogue) as connection:
        every = [row[0] for row in connection.execute("SELECT id FROM tracks ORDER BY rowid")]
        audio = [
            row[0]
            for row in connection.execute("SELECT id FROM tracks WHERE audio_path IS NOT NULL")
        ]
    return random.Random(22).sample(every, min(2000, len(every))), audio


def every_kind_phase(
    port: int, clients: int, seconds: float, catalogue: Path, without: tuple[str, ...] = ()
) -> dict:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = context.Queue()
    ids = track_ids(catalogue)
    worker = context.Process(
        target=mixed_process, args=(port, clients, seconds, ids, without, queue)
    )
    worker.start()
    try:
        return queue.get(timeout=seconds + DRAIN_BOUND + 60)
    finally:
        worker.join(timeout=10)
        if worker.is_alive():
            worker.kill()


def dislikes_phase(src: Path, catalogue: Path) -> dict:
    command = [sys.executable, str(HERE / "abuse_dislikes.py"), str(catalogue)]
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _dislike_rows(runs: list[dict]) -> list[tuple[str, list[str]]]:
    steps = list(runs[0]["dislikes"])
    rows = []
    for mode in ("match", "uplift"):
        for step in steps:
            cells = [f"{run['dislikes'][step][mode]:.2f}" for run in runs]
            tracks = runs[0]["dislikes"][step]["disliked tracks"]
            rows.append((f"  {mode}, {int(step):,} 👎 rows ({tracks:,} tracks) ms", cells))
        spread = [
            max(run["dislikes"][s][mode] for s in steps)
            / min(run["dislikes"][s][mode] for s in steps)
            for run in runs
        ]
        rows.append((f"  {mode}: slowest / fastest", [f"{x:.2f}x" for x in spread]))
    return rows


# --- phase 2: slow clients ---------------------------------------------------------------------


async def slow_phase(port: int, count: int) -> dict:
    """``count`` connections that never finish their request head, and fresh clients meanwhile."""
    began = time.perf_counter()
    bound = began + SLOW_BOUND
    dropped: list[float] = []
    opened = 0
    refused = 0

    async def slow_client() -> None:
        nonlocal opened, refused
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            refused += 1
            return
        opened += 1
        start = time.perf_counter()
        try:
            writer.write(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            while time.perf_counter() < bound:
                try:
                    await asyncio.wait_for(reader.read(4096), timeout=2.0)
                    dropped.append(time.perf_counter() - start)  # an answer (408) or EOF
                    return
                except TimeoutError:
                    writer.write(b"a")  # one more byte of the header value
        except OSError:
            dropped.append(time.perf_counter() - start)
        finally:
            writer.close()

    async def fresh_clients() -> tuple[list[float], int]:
        request = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        latencies, failures = [], 0
        while time.perf_counter() < bound and (opened == 0 or len(dropped) < opened):
            started = time.perf_counter()
            try:
                connection = await asyncio.wait_for(Connection.open(port), timeout=5.0)
                status, _ = await asyncio.wait_for(connection.send(request), timeout=5.0)
                connection.close()
                if status != 200:
                    raise ValueError(status)
                latencies.append(time.perf_counter() - started)
            except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
                failures += 1
            await asyncio.sleep(0.25)
        return latencies, failures

    slow = [asyncio.create_task(slow_client()) for _ in range(count)]
    await asyncio.sleep(0.5)
    fresh, fresh_failed = await fresh_clients()
    await asyncio.gather(*slow)
    # After the attack: is the server serving?
    after, after_failed = [], 0
    for _ in range(5):
        started = time.perf_counter()
        try:
            connection = await Connection.open(port)
            status, _ = await asyncio.wait_for(
                connection.send(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 5.0
            )
            connection.close()
            if status == 200:
                after.append(time.perf_counter() - started)
            else:
                after_failed += 1
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
            after_failed += 1
    return {
        "opened": opened,
        "refused": refused,
        "dropped": len(dropped),
        "drop_times": dropped,
        "fresh": fresh,
        "fresh_failed": fresh_failed,
        "after_ok": len(after),
        "after_failed": after_failed,
        "seconds": time.perf_counter() - began,
    }


# --- phase 3: large images ---------------------------------------------------------------------


def big_png() -> bytes:
    """A 7300×5466 (39.9-megapixel) PNG: flat colour with a noisy corner, 319 KB."""
    from PIL import Image

    pixels = np.full((5466, 7300, 3), (70, 110, 160), dtype=np.uint8)
    pixels[:200, :300] = np.random.default_rng(0).integers(0, 255, (200, 300, 3))
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def multipart_image(data: bytes) -> bytes:
    boundary = "moodtuneabuseboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return http_request("/api/emotion", f"multipart/form-data; boundary={boundary}", body)


async def image_phase(port: int, pids: list[int], count: int, data: bytes) -> dict:
    request = multipart_image(data)
    small = multipart_image(_small_png())
    warm = await Connection.open(port)
    await warm.send(small)  # the image models are loaded, the first buffers allocated
    warm.close()
    await asyncio.sleep(1.0)
    before = rss_mb(pids)
    samples: list[float] = []
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            samples.append(rss_mb(pids))
            await asyncio.sleep(0.02)

    async def send() -> tuple[int, float]:
        connection = await Connection.open(port)
        started = time.perf_counter()
        try:
            status, _ = await asyncio.wait_for(connection.send(request), timeout=IMAGE_BOUND)
        finally:
            connection.close()
        return status, time.perf_counter() - started

    sampler = asyncio.create_task(sample())
    began = time.perf_counter()
    answers = await asyncio.gather(*(send() for _ in range(count)), return_exceptions=True)
    seconds = time.perf_counter() - began
    await asyncio.sleep(3.0)
    after = rss_mb(pids)
    done.set()
    await sampler
    statuses: dict[str, int] = {}
    for answer in answers:
        key = str(answer[0]) if isinstance(answer, tuple) else type(answer).__name__
        statuses[key] = statuses.get(key, 0) + 1
    return {
        "before": before,
        "peak": max(samples) if samples else before,
        "after": after,
        "seconds": seconds,
        "statuses": statuses,
    }


def _small_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


# --- running and reporting ------------------------------------------------------------------


def _raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 8192 if hard == resource.RLIM_INFINITY else min(8192, hard)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q)) if values else float("nan")


def build_shared_catalogue(folder: Path, src: Path) -> Path:
    """The shared catalogue, built by the oldest version compared (``src``): a newer version
    migrates its own copy when it opens it, an older one cannot read a newer schema."""
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import bench_web; "
        "bench_web.DATASETS = Path(sys.argv[2]); bench_web.build_catalogue(Path(sys.argv[3]))"
    )
    arguments = [str(Path(__file__).parent), str(bench_web.DATASETS), str(folder)]
    environment = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-c", code, *arguments], check=True, env=environment)
    return folder / "catalogue.sqlite"


def run_version(label: str, src: Path, built: Path, options, image: bytes) -> dict:
    import shutil

    catalogue = built.parent / f"catalogue-{label.replace(' ', '-')}.sqlite"
    shutil.copy(built, catalogue)  # each version starts from the same file (the load writes)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = catalogue.parent / f"server-{label}.log"
    process = start_server(src, catalogue, port, log)
    figures: dict = {"label": label}
    try:
        started = time.perf_counter()
        wait_ready(url, process, log)
        print(f"[{label}] server ready in {time.perf_counter() - started:.1f} s", flush=True)
        pids = process_tree(process.pid)
        if "load" in options.phases:
            load, health, failed = mixed_phase(port, options.clients, options.seconds)
            figures["load"] = (load, health, failed)
            print(f"[{label}] mixed load done", flush=True)
        if "mixed" in options.phases:
            figures["mixed"] = every_kind_phase(
                port, options.clients, options.seconds, catalogue, options.without
            )
            print(f"[{label}] every kind of request done", flush=True)
        if "slow" in options.phases:
            figures["slow"] = asyncio.run(slow_phase(port, options.slow))
            print(f"[{label}] slow clients done", flush=True)
        if "images" in options.phases:
            figures["images"] = asyncio.run(image_phase(port, pids, options.images, image))
            print(f"[{label}] large images done", flush=True)
    finally:
        common.stop(process)
    if "dislikes" in options.phases:
        figures["dislikes"] = dislikes_phase(src, built)  # without the load's feedback
        print(f"[{label}] dislikes done", flush=True)
    text = log.read_text(errors="replace")
    figures["tracebacks"] = text.count("Traceback")
    figures["log_kb"] = len(text.encode()) / 1024
    return figures


def _load_rows(load: LoadResult, health: list[float], failed: int) -> list[str]:
    answered = len(load.busy) + len(load.latencies)
    p50, p95, p99 = (percentile(load.latencies, q) for q in (50, 95, 99))
    errors = sum(load.errors.values())
    return [
        f"{len(load.latencies) / load.seconds:.0f}",
        f"{p50:.0f} / {p95:.0f} / {p99:.0f}",
        f"{len(load.busy)} ({len(load.busy) / max(1, answered):.0%})",
        f"{percentile(load.latencies + load.busy, 95):.0f}",
        f"{errors}" + (f" {load.errors}" if errors else ""),
        f"{percentile(health, 50):.1f} / {percentile(health, 99):.1f}",
        f"{failed} of {failed + len(health)}",
    ]


def _slow_rows(slow: dict) -> list[str]:
    times = slow["drop_times"]
    fresh, fresh_failed = slow["fresh"], slow["fresh_failed"]
    return [
        f"{slow['opened']} / {slow['refused']}",
        f"{slow['dropped']} of {slow['opened']}",
        f"{float(np.median(times)):.1f} / {max(times):.1f}" if times else "never",
        f"{len(fresh)} of {len(fresh) + fresh_failed}",
        f"{percentile(fresh, 99):.1f}",
        f"{slow['after_ok']} of {slow['after_ok'] + slow['after_failed']}",
    ]


def _image_rows(images: dict) -> list[str]:
    answers = ", ".join(f"{k} ×{v}" for k, v in sorted(images["statuses"].items()))
    return [
        f"{images['before']:.0f}",
        f"{images['peak'] - images['before']:.0f}",
        f"{images['after'] - images['before']:.0f}",
        answers,
        f"{images['seconds']:.1f}",
    ]


def report(runs: list[dict], options) -> None:
    """The figures of each version side by side."""
    rows: list[tuple[str, list[str]]] = []
    blank = ["" for _ in runs]
    if "load" in options.phases:
        rows.append((f"mixed load: {options.clients} clients, {options.seconds:g} s", blank))
        names = [
            "200 answers/s",
            "p50 / p95 / p99 of 200s (ms)",
            "503 busy (share of answers)",
            "p95 of all answers (ms)",
            "other errors",
            "/api/health p50 / p99 (ms)",
            "/api/health failed or > 5 s",
        ]
        values = [_load_rows(*run["load"]) for run in runs]
        rows += [(f"  {n}", [v[i] for v in values]) for i, n in enumerate(names)]
    if "mixed" in options.phases:
        rows.append(
            (f"every kind of request: {options.clients} clients, {options.seconds:g} s", blank)
        )
        rows.append(("  answers · 503 (share) · p50/p95 of 2xx", blank))
        per_run = [dict(abuse_mixed.rows(run["mixed"])) for run in runs]
        rows += [(f"  {name}", [r[name] for r in per_run]) for name in per_run[0]]
    if "dislikes" in options.phases:
        rows.append(("one recommendation at N dislike rows (in process)", blank))
        rows += _dislike_rows(runs)
    if "slow" in options.phases:
        rows.append((f"slow clients: {options.slow}, bound {SLOW_BOUND:g} s", blank))
        names = [
            "connected / refused",
            "dropped by the server",
            "dropped after (s, median / max)",
            "fresh clients served meanwhile",
            "fresh clients p99 (ms)",
            "served after the attack",
        ]
        values = [_slow_rows(run["slow"]) for run in runs]
        rows += [(f"  {n}", [v[i] for v in values]) for i, n in enumerate(names)]
    if "images" in options.phases:
        rows.append((f"large images: {options.images} × 39.9 MP PNG at once", blank))
        names = [
            "RSS before (MB)",
            "peak rise (MB)",
            "held 3 s after (MB above before)",
            "answers",
            "all answered in (s)",
        ]
        values = [_image_rows(run["images"]) for run in runs]
        rows += [(f"  {n}", [v[i] for v in values]) for i, n in enumerate(names)]
    logs = [f"{run['tracebacks']} / {run['log_kb']:.0f}" for run in runs]
    rows.append(("server log: tracebacks / size (KB)", logs))
    width = max(len(name) for name, _ in rows) + 2
    columns = [max(14, *(len(values[i]) for _, values in rows)) + 2 for i in range(len(runs))]
    print()
    header = "".join(run["label"].ljust(c) for run, c in zip(runs, columns, strict=True))
    print("".ljust(width) + header)
    for name, values in rows:
        cells = "".join(v.ljust(c) for v, c in zip(values, columns, strict=True))
        print(name.ljust(width) + cells)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--slow", type=int, default=2000)
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--phases", default="load,mixed,dislikes,slow,images")
    parser.add_argument("--baseline-src", type=Path, help="src folder of the version to compare")
    parser.add_argument(
        "--without",
        type=lambda text: tuple(k.strip() for k in text.split(",") if k.strip()),
        default=(),
        help="phase mixed: kinds of request never asked for, comma-separated (an experiment)",
    )
    parser.add_argument(
        "--datasets", type=Path, help="the shared data sets folder (default: ../shared/datasets)"
    )
    options = parser.parse_args(argv)
    if not (1 <= options.clients <= 500 and 2 <= options.seconds <= 60):
        parser.error("bounded: --clients 1–500, --seconds 2–60")
    if not (1 <= options.slow <= 4000 and 1 <= options.images <= 16):
        parser.error("bounded: --slow 1–4000, --images 1–16")
    if unknown := set(options.without) - set(abuse_mixed.KINDS):
        parser.error(
            f"--without: unknown kinds {sorted(unknown)}; known: {list(abuse_mixed.KINDS)}"
        )
    _raise_file_limit()
    if options.datasets is not None:
        bench_web.DATASETS = options.datasets
    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}, load average before the run {load[0]:.2f}",
        flush=True,
    )
    versions = [("this version", ROOT / "src")]
    if options.baseline_src is not None:
        versions.append(("baseline", options.baseline_src.resolve()))
    image = big_png() if "images" in options.phases else b""
    with tempfile.TemporaryDirectory(prefix="moodtune-bench-abuse-") as scratch:
        catalogue = build_shared_catalogue(Path(scratch), versions[-1][1])
        runs = [run_version(label, src, catalogue, options, image) for label, src in versions]
    report(runs, options)
    if "mixed" in options.phases:
        print(f"\nbefore, from the issue (not measured in this run): {BEFORE_MIXED}")
        print()
        for run in runs:
            print("\n".join(abuse_mixed.verdict(run["label"], run["mixed"])))
    if "dislikes" in options.phases:
        print(f"before, from the issue (over HTTP, not measured in this run): {BEFORE_DISLIKES}")
    print(f"load average after the run {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
