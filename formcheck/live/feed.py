"""Frames handed over as a camera hands them: the newest one, those the consumer missed dropped.

Apart because this is the live loop's one thread and the one part run by the wall clock: it
plays a recording at its own frame rate, holds it while paused, and drops frames when
processing falls behind, so that the rest of the loop sees a file as it would see a camera.
:func:`open_source` opens what it plays: a camera, a file or a URL.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from formcheck.video import Frame, camera_frames, read_frames

PAUSE_POLL_S = 0.05
"""How often a paused recording looks whether it may go on, and a paused view at its keys
(and keeps its web page fresh)."""


@dataclass(frozen=True)
class Captured:
    """A frame as the live view received it."""

    frame: Frame
    at: float
    """``time.perf_counter()`` when the frame was captured (for a file: when its time came);
    latency is measured from here."""


class FrameFeed:
    """Frames as a camera hands them over: the newest one, the ones before it dropped when the
    consumer falls behind.

    A recording is played at its own frame rate (``paced``) so that it behaves like a camera:
    the live view then sees what it would see of the same lift in front of a camera, at the
    same speed. ``drop=False`` hands over every frame instead, as fast as they are taken (for
    tests and for recording every frame of a file).
    """

    def __init__(self, frames: Iterable[Frame], *, paced: bool, drop: bool = True) -> None:
        self._frames = iter(frames)
        self._paced, self._drop = paced, drop
        self._cond = threading.Condition()
        self._slot: Captured | None = None
        self._done = False
        self._stop = False
        self._error: BaseException | None = None
        self._paused_at: float | None = None
        self._origin: float | None = None
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="formcheck-feed", daemon=True)
        self._thread.start()

    def get(self) -> Captured | None:
        """The newest frame not yet taken, waiting for one; None once the source has ended."""
        with self._cond:
            while self._slot is None and not self._done:
                self._cond.wait()
            captured, self._slot = self._slot, None
            self._cond.notify_all()
            if captured is None and self._error is not None:
                raise self._error
            return captured

    def pause(self, paused: bool) -> None:
        """Hold (or resume) a paced recording where it is; a camera goes on regardless."""
        with self._cond:
            now = time.perf_counter()
            if paused and self._paused_at is None:
                self._paused_at = now
            elif not paused and self._paused_at is not None:
                if self._origin is not None:
                    self._origin += now - self._paused_at
                self._paused_at = None
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        try:
            for frame in self._frames:
                if not self._wait_for(frame) or not self._hand_over(frame):
                    return
        except Exception as exc:  # raised again in the consumer, where it can be handled
            self._error = exc
        finally:
            close = getattr(self._frames, "close", None)
            if close is not None:
                close()
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def _wait_for(self, frame: Frame) -> bool:
        """Until the frame's time has come (paced) and playback is not paused; False if closed."""
        with self._cond:
            while not self._stop:
                now = time.perf_counter()
                if not self._paced:
                    return True
                if self._paused_at is not None:
                    self._cond.wait(PAUSE_POLL_S)
                    continue
                if self._origin is None:
                    self._origin = now - frame.time_s
                delay = self._origin + frame.time_s - now
                if delay <= 0:
                    return True
                self._cond.wait(delay)
            return False

    def _hand_over(self, frame: Frame) -> bool:
        with self._cond:
            while not self._drop and self._slot is not None and not self._stop:
                self._cond.wait()
            if self._slot is not None:
                self.dropped += 1
            self._slot = Captured(frame, time.perf_counter())
            self._cond.notify_all()
            return not self._stop


def open_source(
    camera: int | None, source: str | os.PathLike[str] | None
) -> tuple[Iterator[Frame], float, str]:
    """The frames, their nominal rate (0 when unknown) and a name for the report."""
    if source is None:
        index = 0 if camera is None else camera
        return camera_frames(index), 0.0, f"camera:{index}"
    reader = read_frames(source)
    return reader, reader.info.fps, os.fspath(source)
