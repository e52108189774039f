"""Live feedback: the same judgement as ``analyze``, while the lifter is still under the bar.

Frames come from a camera, or from a file or URL played at its own frame rate and, like a
camera, dropped when processing falls behind. Each frame goes through the pose model into a
:class:`LiveSession`, which owns the only state: the growing pose track, its causally smoothed
coordinates and the reps judged so far. Every ``judge_every_s`` the set so far is judged again
by the functions ``analyze`` uses (kinematics, reps, rules), on landmarks smoothed causally,
and a rep becomes final (shown, spoken, never revised) once nothing still to come can change
it: a later rep has been found, or the lifter has been back at rest for ``settle_s``. So a rep
judged live gets the outcome and faults ``analyze`` gives for the same frames (checked on every
labelled clip, and on the deadlift clips with frames dropped as under load: tests/test_live.py).
Between judgements, every ``count_every_s``, the reps made so far are counted from the series
reps are found from alone, so the counter shows a pull soon after its lockout, before its
verdict.
What can still differ, with frames dropped heavily: a movement early in a session, before the
lifter's full range has been seen, may count as a rep that ``analyze``, knowing the whole set,
does not; and a rep on the edge of being one may be cut differently (causal smoothing lags).

Views show each annotated frame: an OpenCV window (keys: q quit, r reset the set, space pause),
a small web page on 127.0.0.1 (:mod:`formcheck.serve`), an mp4 recording. At the end the set's
report is the one ``analyze`` writes, from the reps as they were judged live.

The package, in the order a frame passes through it: :mod:`~formcheck.live.feed` hands over
frames as a camera does, :mod:`~formcheck.live.session` judges the set (pure: no threads, no
I/O), :mod:`~formcheck.live.views` and :mod:`formcheck.serve` show it,
:mod:`~formcheck.live.voice` says the cues, and :mod:`~formcheck.live.loop` runs them together
(:func:`run_live`, :func:`live`). Every public name is importable from here.

Example:
    >>> from formcheck import Outputs
    >>> report = live("deadlift", variant="kettlebell", source="lift.mp4", serve=0,
    ...               drop=False, outputs=Outputs(json="set.json"))   # camera=0: the webcam
    >>> report.exercise, report.source
    ('deadlift', 'lift.mp4')
"""

from __future__ import annotations

from formcheck.live._child import CHILD_GRACE_S
from formcheck.live.feed import PAUSE_POLL_S, Captured, FrameFeed
from formcheck.live.loop import LIVE_ANNOTATORS, FrameTiming, live, run_live
from formcheck.live.session import (
    LiveSession,
    LiveSettings,
    LiveState,
    Phase,
    live_labels,
    rep_cue,
    rep_line,
    spoken_cue,
    withdrawal_lines,
)
from formcheck.live.views import (
    WINDOW_START_S,
    Command,
    LiveView,
    Recorder,
    Window,
    display_problem,
)
from formcheck.live.voice import CueVoice, EspeakSpeaker, Speaker

__all__ = [
    "CHILD_GRACE_S",
    "LIVE_ANNOTATORS",
    "PAUSE_POLL_S",
    "WINDOW_START_S",
    "Captured",
    "Command",
    "CueVoice",
    "EspeakSpeaker",
    "FrameFeed",
    "FrameTiming",
    "LiveSession",
    "LiveSettings",
    "LiveState",
    "LiveView",
    "Phase",
    "Recorder",
    "Speaker",
    "Window",
    "display_problem",
    "live",
    "live_labels",
    "rep_cue",
    "rep_line",
    "run_live",
    "spoken_cue",
    "withdrawal_lines",
]
