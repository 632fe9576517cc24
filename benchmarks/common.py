"""What every benchmark prints about the machine, and how it stops a server it started.

Imported by the benchmark scripts (``python benchmarks/bench_x.py`` puts this folder first on
``sys.path``).
"""

from __future__ import annotations

import os
import platform
import subprocess


def cpu() -> tuple[str, set[str]]:
    """The CPU's model name and its flags (from /proc/cpuinfo where there is one)."""
    model, flags = platform.processor() or platform.machine() or "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    return model, flags


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. ``"1.02 0.85 0.60"``."""
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine() -> str:
    """One line: CPU model, cores, AVX-512 or not, Python, and the load average."""
    model, flags = cpu()
    return (
        f"machine: {model}, {os.cpu_count()} cores, {platform.machine()}, AVX-512F: "
        f"{'yes' if 'avx512f' in flags else 'no'}, Python {platform.python_version()}; "
        f"load average {load_average()} (1/5/15 min)"
    )


def stop(process: subprocess.Popen) -> None:
    """Stop a server the benchmark started: SIGTERM, then SIGKILL after 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
