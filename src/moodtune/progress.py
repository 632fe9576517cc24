"""How long-running library work tells its caller how far it got.

The library never prints: a pipeline that takes time accepts a ``progress`` callable and
calls it as work finishes; messages meant for people go to the ``moodtune`` logger. The
command line turns both into a progress bar and notes; a Python user may pass anything that
fits :class:`Progress`, or nothing.

Examples
--------
>>> seen = []
>>> def record(done: int, total: int | None, what: str) -> None:
...     seen.append((done, total, what))
>>> report(record, 1, 3, "fold 1")
>>> report(None, 2, 3, "fold 2")  # no callable: nothing happens
>>> seen
[(1, 3, 'fold 1')]
"""

from __future__ import annotations

import logging
from typing import Protocol

__all__ = ["Progress", "logger", "report"]

#: The logger of the whole package (``logging.getLogger("moodtune")``); modules use children
#: of it (``logging.getLogger(__name__)``).
logger = logging.getLogger("moodtune")


class Progress(Protocol):
    """Told after each unit of work: units done so far, units in all (None when not known
    in advance) and a short description of the unit just finished (a file name, "fold 3/15")."""

    def __call__(self, done: int, total: int | None, what: str) -> None: ...


def report(progress: Progress | None, done: int, total: int | None, what: str) -> None:
    """Call ``progress`` when one was given."""
    if progress is not None:
        progress(done, total, what)
