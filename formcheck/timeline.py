"""The time line of a video's frames, repaired where the container's timestamps break.

Apart from :mod:`formcheck.video` because it is pure bookkeeping over numbers: what a frame's
time is when its timestamp repeats, is missing, goes back (two recordings joined) or leaps ahead,
decided frame by frame as the frames arrive, with no decoder in sight. The readers of files and
cameras (:mod:`formcheck.video`) feed it raw times and keep the cuts it records.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass
from typing import Literal

CUT_JUMP_S = 1.0
CUT_JUMP_FRAMES = 30
"""A forward step of the timestamps longer than both ``CUT_JUMP_S`` and ``CUT_JUMP_FRAMES``
nominal frame intervals is a cut in the time line, not missing frames. Why a second: a phone's
variable frame rate drops frames one to a few at a time (tens to a couple of hundred ms), and a
shorter hole loses nothing by keeping its real length, since the analysis already treats a hole
of the shortest rep (0.6 s) inside a rep as a tracking gap. Beyond that the timestamps no longer
describe recorded motion: either nothing was recorded (nothing to judge) or they are wrong (two
recordings joined, a muxer's offset), and keeping them stretches the time line by as much as
the error, hours at worst. Why 30 intervals too: at a low nominal rate a few dropped frames
already pass a second (5 frames at 5 fps), and 30 in a row missing is no longer jitter."""


def to_ms(seconds: float) -> int:
    """Whole milliseconds: the resolution MediaPipe's VIDEO mode reads timestamps at, and so the
    one at which two frames' times must differ."""
    return round(seconds * 1000.0)


@dataclass(frozen=True)
class TimeCut:
    """A place where the container's timestamps break: the time line is cut there.

    Attributes:
        at_s: time of the first frame after the cut, on the continuous time line the frames
            are given (one nominal interval after the frame before the cut).
        kind: ``restart`` when the timestamps went back (two recordings joined end to end,
            each starting from its own zero), ``jump`` when they leapt forward by more than
            :data:`CUT_JUMP_S` and :data:`CUT_JUMP_FRAMES` intervals.
        size_s: how far the timestamps moved from one frame to the next: negative for a
            restart, the length of the leap for a jump.
    """

    at_s: float
    kind: Literal["restart", "jump"]
    size_s: float


class Interval:
    """The frame interval a video has lately been running at: the median of its last few steps
    between timestamps, or the nominal one until there are a few.

    Why not the nominal rate alone: it is an average over the whole file, and a file with a
    10 s hole in its timestamps states a quarter of its real rate.
    """

    def __init__(self, nominal_s: float) -> None:
        self._recent: deque[float] = deque(maxlen=15)
        self.typical_s = nominal_s

    def add(self, step_s: float) -> None:
        if step_s > 0:
            self._recent.append(step_s)
            if len(self._recent) >= 3:
                self.typical_s = statistics.median(self._recent)

    @property
    def jump_s(self) -> float:
        """Longest step ahead that is not a cut (see :data:`CUT_JUMP_S`)."""
        return max(CUT_JUMP_S, CUT_JUMP_FRAMES * self.typical_s)

    def breaks(self, moved_s: float, slack_s: float = 0.0) -> bool:
        """Whether a step of ``moved_s`` from one timestamp to the next is a cut: back by more
        than an interval, or ahead by more than :attr:`jump_s` (each give or take ``slack_s``)."""
        return moved_s < -(self.typical_s + slack_s) or moved_s > self.jump_s + slack_s


class Timeline:
    """Turns raw frame times into a continuous, strictly increasing time line from the first
    frame, and records where the raw times could not be trusted. "An interval" below is the one
    the video has been running at (:class:`Interval`).

    * A repeated or slightly garbled timestamp (the same millisecond as its predecessor, or
      behind it by less than an interval: remuxed screen recordings, broken muxers) is moved
      1 ms past its predecessor rather than dropped: dropping would desynchronise frame indices
      from the source, and a larger shift would invent motion timing. MediaPipe's VIDEO mode
      needs that strictness. A second such frame in a row is no duplicate but a stopped clock,
      and goes an interval on, so a run of them is never squeezed into milliseconds.
    * A frame without a usable timestamp comes one interval after its predecessor.
    * A timestamp that goes back by more than an interval, or leaps forward by more than
      :data:`CUT_JUMP_S` and :data:`CUT_JUMP_FRAMES` intervals, is a :class:`TimeCut`: time
      goes on one interval after the previous frame, and the raw times after the cut are
      shifted by the same amount (``cuts=False`` keeps raw times: a camera's monotonic clock
      never restarts, and its stalls are real time).
    """

    def __init__(
        self, nominal_step_s: float, origin_s: float | None = None, *, cuts: bool = True
    ) -> None:
        self._interval = Interval(nominal_step_s)
        self._origin = origin_s
        self._detect = cuts
        self._offset = 0.0
        self._last: float | None = None
        self._stamped: float | None = None
        """Time of the latest frame timed by its own timestamp (not placed after another)."""
        self._repeated = False
        self.cuts: list[TimeCut] = []
        self.frames = 0
        """Frames timed so far."""
        self.untimed = 0
        """Frames that had no timestamp."""
        self.raw_end_s: float | None = None
        """Raw time of the latest timed frame after the origin: where the container's own
        clock says the video has got to, whatever the cuts."""

    @property
    def last_s(self) -> float:
        return 0.0 if self._last is None else self._last

    def __call__(self, raw_s: float | None) -> float:
        self.frames += 1
        last = self._last
        step = self._interval.typical_s
        repeated = stamped = False
        if raw_s is None or math.isnan(raw_s):
            self.untimed += 1
            t = 0.0 if last is None else last + step
        else:
            if self._origin is None:
                # Frames without timestamps came first: go on from where they left time.
                self._origin = raw_s if last is None else raw_s - (last + step)
            self.raw_end_s = raw_s - self._origin
            t = self.raw_end_s + self._offset
            stamped = True
            if last is not None:
                # Back from the latest frame the clock itself timed: frames placed after it
                # (a stopped clock, missing timestamps) are only guesses; ahead from the last.
                back = t - (last if self._stamped is None else self._stamped)
                ahead = t - last
                restart = back < -step
                if self._detect and (restart or ahead > self._interval.jump_s):
                    self._offset += last + step - t
                    t = last + step
                    kind: Literal["restart", "jump"] = "restart" if restart else "jump"
                    self.cuts.append(TimeCut(round(t, 3), kind, round(back if restart
                                                                     else ahead, 3)))
                elif to_ms(t) <= to_ms(last):
                    repeated = True
                    stamped = not self._repeated
                    t = (to_ms(last) + 1) / 1000.0 if stamped else last + step
                elif not self._repeated:
                    self._interval.add(ahead)
        if stamped:
            self._stamped = t
        self._repeated = repeated
        self._last = t
        return t
