"""The LiteRT interpreter, created without its runtime's chatter on standard error.

The TensorFlow Lite C++ runtime writes ``INFO: Created TensorFlow Lite XNNPACK delegate for
CPU.`` straight to file descriptor 2 when an interpreter first allocates its tensors; no
environment variable or Python option turns that message off (``TF_CPP_MIN_LOG_LEVEL`` is not
read by its logger). :func:`interpreter` therefore points descriptor 2 at a temporary file
while the interpreter is created and allocated, drops that one known line and passes anything
else the runtime wrote on to the ``moodtune.vision.native`` logger as a warning, so real
problems are not lost. The XNNPACK delegate itself stays on (it is the fast CPU path).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

__all__ = ["KNOWN_CHATTER", "captured_native_stderr", "interpreter"]

log = logging.getLogger(__name__)

#: Lines of the runtime's own output that say nothing a user needs.
KNOWN_CHATTER = ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",)

_redirect = threading.Lock()


@contextmanager
def captured_native_stderr() -> Iterator[list[str]]:
    """Send what native code writes to descriptor 2 into a list of lines, during the block.

    The list is filled when the block ends. Python's own ``sys.stderr`` is flushed first, so
    nothing written before is caught. Redirections are serialised by a lock. Where descriptor
    2 cannot be redirected (closed, no temporary folder), the block runs as it is and the
    list stays empty.
    """
    lines: list[str] = []
    with _redirect, ExitStack() as stack:
        try:
            sink = stack.enter_context(tempfile.TemporaryFile())
            saved = os.dup(2)
        except OSError:
            saved = -1
        if saved < 0:
            yield lines
            return
        try:
            sys.stderr.flush()
            os.dup2(sink.fileno(), 2)
            try:
                yield lines
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
        finally:
            os.close(saved)
        sink.seek(0)
        lines.extend(sink.read().decode("utf-8", "replace").splitlines())


def interpreter(model: bytes, *, threads: int = 1) -> Any:
    """A LiteRT ``Interpreter`` for ``model`` (a .tflite file's bytes), tensors allocated.

    The runtime's known INFO line is dropped; any other line it writes is logged as a warning.
    """
    from ai_edge_litert.interpreter import Interpreter

    with captured_native_stderr() as lines:
        created = Interpreter(model_content=model, num_threads=threads)
        created.allocate_tensors()
    for line in lines:
        if line.strip() and line.strip() not in KNOWN_CHATTER:
            log.warning("LiteRT: %s", line.strip())
    return created
