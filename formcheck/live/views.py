"""Where the live loop's annotated frames go: an OpenCV window, an mp4 recording.

Apart because each one talks to something outside the session (a window process, a file)
and the loop needs no more of them than :class:`LiveView`: show a frame, maybe get a key
back, close. The web page is a view too, but a module of its own (:mod:`formcheck.serve`),
loaded only when asked for; it imports its types from here and from
:mod:`formcheck.live.session`, and nothing in :mod:`formcheck.live` imports it at import time,
so there is no import cycle (tests/test_live.py checks).
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import ClassVar, Literal, Protocol

import numpy as np

from formcheck import _viewer
from formcheck.errors import FormcheckError
from formcheck.live._child import end_child
from formcheck.live.session import LiveState
from formcheck.video_sink import VideoSink

Command = Literal["quit", "reset", "pause"]


class LiveView(Protocol):
    """Somewhere annotated frames go: a window, a web page, a recording."""

    def show(self, scene: np.ndarray, state: LiveState, time_s: float) -> Command | None:
        """Show one annotated RGB frame; a command when the viewer asked for one."""
        ...

    def close(self) -> None: ...


WINDOW_START_S = 30.0
"""How long the window process may take to open its window before the display counts as
unusable (Qt and its fonts load in well under a second)."""


def display_problem() -> str | None:
    """Why no window can be opened here, or None when it may be tried."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display to open a window on (DISPLAY is not set)"
    return None


class Window:
    """The live view in an OpenCV window, run in a process of its own (see
    :mod:`formcheck._viewer` for why). Keys: q (or Esc) quits, r resets the set, space pauses;
    closing the window quits."""

    EVENTS: ClassVar[dict[bytes, Command]] = {b"q": "quit", b"x": "reset", b"p": "pause"}

    def __init__(self, title: str = "formcheck live") -> None:
        problem = display_problem()
        if problem is not None:
            raise FormcheckError(problem)
        self._process = subprocess.Popen(
            [sys.executable, _viewer.__file__, title], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self._events: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._listen, name="formcheck-window", daemon=True).start()
        try:
            ready = self._events.get(timeout=WINDOW_START_S)
        except queue.Empty:
            ready = b""
        if ready != b"r":
            self.close()
            display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
            raise FormcheckError(f"cannot open a window on display {display}")

    def _listen(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        while event := stdout.read(1):
            self._events.put(event)
        self._events.put(b"")

    def show(self, scene: np.ndarray, state: LiveState, time_s: float) -> Command | None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(_viewer.HEADER.pack(*scene.shape) + scene.tobytes())
            stdin.flush()
        except (BrokenPipeError, ValueError):  # the window is gone: the viewer closed it
            return "quit"
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return None
            if event in self.EVENTS or not event:
                return self.EVENTS.get(event, "quit")

    def close(self) -> None:
        with suppress(BrokenPipeError, OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        end_child(self._process)


class Recorder:
    """The annotated view as an H.264 mp4 that plays in real time: a frame dropped live
    repeats the one before it, so the recording keeps the session's timing."""

    def __init__(self, path: str | os.PathLike[str], fps: float) -> None:
        self._path, self._fps = Path(path), fps if fps > 0 else 30.0
        self._stack = ExitStack()
        self._sink: VideoSink | None = None
        self._start = 0.0

    def show(self, scene: np.ndarray, state: LiveState, time_s: float) -> Command | None:
        if self._sink is None:
            height, width = scene.shape[:2]
            sink = VideoSink(self._path, width=width, height=height, fps=self._fps)
            self._sink, self._start = self._stack.enter_context(sink), time_s
        due = round((time_s - self._start) * self._fps) + 1
        for _ in range(max(1, due - self._sink.frames_written)):
            self._sink.write(scene)
        return None

    def close(self) -> None:
        self._stack.close()
