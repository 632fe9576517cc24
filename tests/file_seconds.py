"""Write ``tests/file_seconds.json`` (each test file's seconds) from a pytest JUnit XML report.

``tests/conftest.py`` hands the longest files out first with it, so that ``pytest -n 2 --dist
loadfile`` ends with both processes busy until near the end. Usage::

    .venv/bin/pytest -n 2 --maxprocesses 4 --dist loadfile --no-loadscope-reorder \\
        --junitxml=/tmp/run.xml
    .venv/bin/python tests/file_seconds.py /tmp/run.xml

Only files of at least ``--min`` seconds (default 2) are written; the others keep their order.
"""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "tests" / "file_seconds.json"


def seconds_per_file(report: Path) -> dict[str, float]:
    """Seconds (setup + call + teardown) per test file, from the report's ``classname``s."""
    totals: dict[str, float] = defaultdict(float)
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        path = _file_of(case.get("classname", ""))
        if path is not None:
            totals[path] += float(case.get("time") or 0.0)
    return dict(totals)


def _file_of(classname: str) -> str | None:
    """``tests.audio.test_x.TestY`` → ``tests/audio/test_x.py`` (the longest prefix that is a
    file of the repository), or None."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        candidate = "/".join(parts[:end]) + ".py"
        if (ROOT / candidate).is_file():
            return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a pytest --junitxml report of a full run")
    parser.add_argument("--min", type=float, default=2.0, help="seconds a file must take")
    args = parser.parse_args()
    totals = seconds_per_file(args.report)
    kept = {name: round(s, 1) for name, s in sorted(totals.items()) if s >= args.min}
    TABLE.write_text(json.dumps(kept, indent=1) + "\n")
    print(f"{len(kept)} of {len(totals)} files written to {TABLE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
