"""Stopping a formcheck command: which signals stop it, and holding them over a critical step.

Ctrl-C (SIGINT), a kill (SIGTERM) and a closed terminal (SIGHUP) all stop a command the same
way: :func:`stop_like_ctrl_c` makes the last two raise ``KeyboardInterrupt`` too, so what is
finished is kept, helpers are stopped and temporary files removed, whichever arrives.

Example:
    >>> with signals_held():
    ...     pass  # a step that must not be cut in half
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""Signals that stop a formcheck command."""


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_like_ctrl_c() -> None:
    """Make SIGTERM and SIGHUP stop this process as Ctrl-C does (call from the main thread)."""
    for number in STOP_SIGNALS:
        if number != signal.SIGINT:
            signal.signal(number, _interrupt)


@contextmanager
def signals_held(*, block: bool = False) -> Iterator[None]:
    """Hold the stop signals until the block is over, then act on the first one that came.

    Why: a ``KeyboardInterrupt`` landing inside a MediaPipe constructor leaves a half-made
    object whose ``__del__`` prints a traceback; a worker started but not yet in the pool's
    table would run on after a batch stops. With ``block`` the signals are also blocked
    (``pthread_sigmask``) while the block runs, so a process started inside it starts with
    them blocked and does not see a terminal's hang-up meant for its parent. Outside the main
    thread (where signals never arrive) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[tuple[int, Any]] = []
    previous = {
        number: signal.signal(number, lambda signum, frame: held.append((signum, frame)))
        for number in STOP_SIGNALS
    }
    mask = (signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
            if block and hasattr(signal, "pthread_sigmask") else None)
    try:
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for number, handler in previous.items():
            signal.signal(number, handler)  # runs the recording handler for a pending signal
        if held:
            number, frame = held[0]
            handler = previous[number]
            if callable(handler):
                handler(number, frame)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(number)
