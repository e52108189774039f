"""``live --exercise auto``: watch the first seconds of a session until the lift is recognised,
then judge the set as that lift from its first frame.

Why wait rather than guess from the first frames: the recogniser reads a clip's range of
motion (:mod:`formcheck.recognise`), which only a rep or two shows; a lifter standing still is
any lift. Every frame seen while waiting is kept and handed to the session once the lift is
known, so the reps made meanwhile are counted and judged as if the lift had been named.
"""

from __future__ import annotations

import math

from formcheck.errors import FormcheckError
from formcheck.recognise import Recognition, recognise, screen, unrecognised
from formcheck.track import FramePose, TrackBuilder

MIN_WATCH_S = 4.0
"""Seconds watched before the first try: about two reps of the slower lifts (a deadlift rep
takes 1.5-3 s on the labelled clips), enough for the range the features read."""

RECHECK_S = 1.0
"""Seconds between tries while the recogniser is unsure."""


class LiftSpotter:
    """The frames of a live session before its lift is known, and the recognitions tried."""

    def __init__(self, *, width: int, height: int, fps: float, source: str = "",
                 model: str = "") -> None:
        self._builder = TrackBuilder(width=width, height=height, fps=fps, source=source,
                                     model=model, meta={"live": True})
        self.poses: list[FramePose] = []
        """Every frame's pose so far, to hand to the session once the lift is known."""
        self.found: Recognition | None = None
        """The latest recognition tried."""
        self._tried_at = -math.inf

    def add(self, pose: FramePose) -> Recognition | None:
        """Take the next frame's pose; the recognition once it names a lift, else None."""
        self._builder.append(pose)
        self.poses.append(pose)
        watched = pose.time_s - self.poses[0].time_s
        if watched < MIN_WATCH_S or pose.time_s - self._tried_at < RECHECK_S:
            return None
        self._tried_at = pose.time_s
        track = self._builder.build()
        self.found = recognise(track)
        if self.found.lift is None:
            return None
        self.found = screen(self.found, track)  # an answer only: it costs 2x the try
        return self.found if self.found.lift is not None else None

    def watched_s(self) -> float:
        return self.poses[-1].time_s - self.poses[0].time_s if self.poses else 0.0

    def failure(self) -> FormcheckError:
        """Why a session ended before its lift was recognised: the last try, screened as
        ``analyze`` screens a clip (the tries while watching screen only an answer)."""
        if self.found is None:
            return FormcheckError(
                f"the session ended after {self.watched_s():.1f} s, before the lift could be "
                f"recognised (it watches at least {MIN_WATCH_S:g} s); name it with --exercise")
        return FormcheckError(unrecognised(screen(self.found, self._builder.build())))
