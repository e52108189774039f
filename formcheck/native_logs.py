"""Native libraries' log lines kept off the user's terminal.

MediaPipe's C++ core (LiteRT, absl, glog) and OpenCV write their log lines straight to file
descriptor 2, whatever Python's ``sys.stderr`` is, and no setting turns them off (mediapipe
1.2.3 added two ``DestroyAccelerator`` lines per landmarker closed, in every process that
closes one). While :func:`native_logs_filtered` is active, descriptor 2 is a pipe read by a
thread that drops lines in those libraries' log formats and passes everything else on, and
Python's own ``sys.stderr`` writes to the real stderr directly, so formcheck's messages and
progress bar are untouched (a terminal stays a terminal). Child processes inherit the pipe, so
their native chatter is filtered too. ``FORMCHECK_NATIVE_LOGS=1`` lets everything through, for
debugging a native library.

Example:
    >>> with native_logs_filtered():
    ...     pass  # create, run and close MediaPipe objects here
"""

from __future__ import annotations

import io
import os
import re
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

SHOW_ENV = "FORMCHECK_NATIVE_LOGS"
"""Set to 1 to see native libraries' log lines."""

NATIVE_LOG = re.compile(
    rb"^(?:"
    rb"(?:VERBOSE|DEBUG|INFO|WARNING|ERROR): \[[\w./-]+:\d+\]"  # LiteRT / TFLite
    rb"|[IWE]\d{4} [\d:.]+ +\d+ [\w./-]+:\d+\]"  # absl / glog
    rb"|WARNING: All log messages before absl::InitializeLog"
    rb"|WARNING: Logging before InitGoogle\(\)"
    rb"|(?:INFO|WARNING): Created TensorFlow Lite"
    rb"|\[ ?(?:WARN|INFO|DEBUG|ERROR):\d+@"  # OpenCV
    rb")"
)
"""A line a native library logged: dropped. Anything else written to descriptor 2 is kept."""

_lock = threading.Lock()
_depth = 0
_restore: list[object] = []


@contextmanager
def native_logs_filtered() -> Iterator[None]:
    """Filter native log lines out of descriptor 2 for the duration of the block.

    Nested and concurrent uses share one filter; the last to leave restores stderr.
    """
    global _depth
    if os.environ.get(SHOW_ENV) == "1":
        yield
        return
    with _lock:
        _depth += 1
        if _depth == 1:
            _install()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _uninstall()


def _install() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    real = os.dup(2)
    read, write = os.pipe()
    os.dup2(write, 2)
    os.close(write)
    forward = threading.Thread(
        target=_forward, args=(read, os.dup(real)), name="formcheck-native-logs", daemon=True
    )
    forward.start()
    python_stderr = sys.stderr
    if _writes_to_fd2(python_stderr):
        sys.stderr = _text_stream(os.dup(real), python_stderr)
    _restore[:] = [real, forward, python_stderr]


def _uninstall() -> None:
    real, forward, python_stderr = _restore
    assert isinstance(real, int) and isinstance(forward, threading.Thread)
    if sys.stderr is not python_stderr:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = python_stderr  # type: ignore[assignment]
    os.dup2(real, 2)
    os.close(real)
    # The pipe ends once every writer (this process's descriptor 2, children that inherited
    # it) has let go; a child still running keeps it open, so the wait is bounded.
    forward.join(timeout=1.0)
    _restore.clear()


def _writes_to_fd2(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.fileno() == 2
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


def _text_stream(fd: int, like: TextIO) -> TextIO:
    """A text stream on ``fd`` with the encoding and buffering of ``like``."""
    return io.TextIOWrapper(
        io.FileIO(fd, "w", closefd=True),
        encoding=like.encoding,
        errors=like.errors,
        line_buffering=True,
        write_through=True,
    )


def _forward(read: int, real: int) -> None:
    """Copy lines from ``read`` to ``real``, dropping native log lines, until the pipe ends."""
    with io.FileIO(read, "r") as pipe, io.FileIO(real, "w") as out:
        for line in _lines(pipe):
            if NATIVE_LOG.match(line):
                continue
            try:
                out.write(line)
            except OSError:
                return


def _lines(pipe: io.FileIO) -> Iterator[bytes]:
    """Whole lines as they arrive; a last line without a newline too."""
    pending = b""
    while chunk := pipe.read(65536):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line + b"\n"
    if pending:
        yield pending


NUMPY_NOISE = (r"(invalid value|divide by zero|overflow) encountered|Mean of empty slice|"
               r"All-NaN (slice|axis) encountered|Degrees of freedom <= 0")
"""numpy's warnings on degenerate geometry (every landmark of a frame on one point, a series
never measured): the analysis reads the NaN they leave, and says in its own words what could
not be judged; the warnings themselves are not the user's to read."""


def quiet_numpy_warnings() -> None:
    """Drop :data:`NUMPY_NOISE` (call after any ``warnings.simplefilter``, which would undo
    it); every other warning stays, for the notes a batch keeps of each clip."""
    warnings.filterwarnings("ignore", message=NUMPY_NOISE, category=RuntimeWarning)
