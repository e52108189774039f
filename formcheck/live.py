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
What can still differ, with frames dropped heavily: a movement early in a session, before the
lifter's full range has been seen, may count as a rep that ``analyze``, knowing the whole set,
does not; and a rep on the edge of being one may be cut differently (causal smoothing lags).

Views show each annotated frame: an OpenCV window (keys: q quit, r reset the set, space pause),
a small web page on 127.0.0.1 (:mod:`formcheck.serve`), an mp4 recording. At the end the set's
report is the one ``analyze`` writes, from the reps as they were judged live.

Example:
    >>> report = live("deadlift", variant="kettlebell", camera=0, json_out="set.json")
    >>> report.rep_count, report.top_cues
"""

from __future__ import annotations

import math
import os
import queue
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, closing, suppress
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

import numpy as np

from formcheck._viewer import HEADER
from formcheck.analysis import (
    build_report,
    driver_signal,
    find_reps,
    judge_rep,
    lift_checks,
    rep_contexts,
    rep_settings,
    top_cues,
)
from formcheck.annotate import (
    CYAN,
    DEFAULT_ANNOTATORS,
    GREEN,
    ORANGE,
    RED,
    WHITE,
    Annotator,
    FooterAnnotator,
    FrameOverlay,
    Label,
    angle_labels,
)
from formcheck.config import Lift, load_lift
from formcheck.errors import FormcheckError
from formcheck.files import check_outputs
from formcheck.kinematics import (
    CausalSmoother,
    Coordinates,
    Kinematics,
    ViewEstimate,
    estimate_view,
    kinematics,
)
from formcheck.pose import PoseEstimator, PoseSettings
from formcheck.report import Report, RepReport
from formcheck.track import FramePose, PoseTrack, TrackBuilder, check_track_path
from formcheck.video import Frame, VideoSink, camera_frames, is_url, read_frames

Phase = Literal["", "at rest", "lifting", "lowering", "at the top", "at the bottom"]
Command = Literal["quit", "reset", "pause"]

LIVE_ANNOTATORS: tuple[Annotator, ...] = (*DEFAULT_ANNOTATORS, FooterAnnotator())

CUE_WIDTH = 34
"""Characters per line of a cue on screen: fits a portrait phone video (360 px wide)."""


@dataclass(frozen=True)
class LiveSettings:
    """How often a live session judges the set, and when a rep counts as final.

    Defaults chosen on the shared clips (tests/test_live.py); none changes what a rep is, only
    when its verdict is shown.
    """

    judge_every_s: float = 0.5
    """Stream time between two judgements of the set so far: a verdict shows at most this long
    after its rep became final. Judging 30-60 s of 60 fps frames took ~50 ms on two busy
    cores (benchmarks/live_latency.py), a tenth of this interval."""
    settle_s: float = 0.75
    """How long the lifter must have been back at rest after a rep (when no later rep has
    begun) before the rep is final: its end, where the driver first settles, can still move
    while the driver is settling, and a lift that turns at the bottom is judged on the stand
    that follows."""
    context_s: float = 60.0
    """Longest stretch of the session judged at once, which bounds what a judgement costs in a
    long session (it grows with the window: benchmarks/live_latency.py). What the rules learn
    from the whole clip (facing side, the lifter's range, neutral back, camera view) comes from
    this window, so a set shorter than this is judged on exactly the frames ``analyze`` would
    see; a minute holds a long set."""
    tail_s: float = 1.0
    """Recent frames measured for the overlay's angles and the phase: enough for a steady
    facing side."""
    measure_every_s: float = 0.1
    """Stream time between two such measurements; the drawing follows the joints on every
    frame. Numbers that change 30 times a second cannot be read anyway, and a measurement
    costs a few milliseconds of a frame's budget."""
    phase_window_s: float = 0.2
    """The phase is the driver's direction over this last stretch."""
    still_speed: float = 0.3
    """Driver speed, in shares of the lifter's range per second, below which the lifter is
    holding still (at rest or at the turnaround) rather than moving through a rep."""


@dataclass(frozen=True)
class LiveState:
    """What the views show besides the picture: the counters of the set so far."""

    exercise: str
    reps: int
    phase: Phase
    last: RepReport | None
    fps: float
    latency_ms: float
    frames: int
    dropped: int
    finished: bool = False

    def as_json(self) -> dict[str, Any]:
        last = self.last
        return {
            "exercise": self.exercise,
            "reps": self.reps,
            "phase": self.phase,
            "last": None if last is None else {
                "index": last.index,
                "outcome": last.outcome,
                "score": last.score,
                "faults": [f.code for f in last.faults],
                "cue": rep_cue(last),
            },
            "fps": round(self.fps, 1),
            "latency_ms": round(self.latency_ms, 1),
            "frames": self.frames,
            "dropped": self.dropped,
            "finished": self.finished,
        }


def rep_cue(rep: RepReport) -> str | None:
    """The one thing to say about a rep: its most important fault's cue or, when it could not
    be judged, why not."""
    cues = top_cues([rep], most=1)
    if cues:
        return cues[0]
    if rep.outcome != "valid":
        return rep.reason
    return None


def spoken_cue(rep: RepReport) -> str | None:
    """A few words to say as the lifter resets: "no rep", or the head of the rep's most
    important cue ("Finish tall"); nothing after a clean rep or one that could not be judged,
    so that a cue always means something to fix."""
    if rep.outcome == "no_rep":
        return "No rep"
    cues = top_cues([rep], most=1)
    return cues[0].split(":")[0] if cues else None


def live_labels(state: LiveState) -> list[Label]:
    """The panel of the live view: the lift and rep count, the phase, the last rep's verdict
    and its cue."""
    labels = [Label(f"{state.exercise.replace('_', ' ')}  reps {state.reps}")]
    if state.phase:
        labels.append(Label(state.phase, color=CYAN))
    rep = state.last
    if rep is not None:
        if rep.outcome == "no_rep":
            verdict, color = "no rep", RED
        elif rep.outcome == "ambiguous":
            verdict, color = "can't tell", WHITE
        else:
            verdict, color = f"{rep.score}/100", ORANGE if rep.faults else GREEN
        labels.append(Label(f"rep {rep.index}: {verdict}", color=color))
        cue = rep_cue(rep)
        if cue:
            labels += [Label(line) for line in textwrap.wrap(cue, CUE_WIDTH)]
    return labels


class LiveSession:
    """One set as it happens: take each frame's pose, judge the set as it grows.

    Why re-judge the whole (recent) set rather than update verdicts incrementally: the rules
    need what ``analyze`` gives them (the lifter's range, neutral back, camera view, the reps
    around each rep), and running the very same functions on the same frames is what makes a
    live verdict equal an offline one. Landmarks are smoothed once per frame, as they arrive
    (:class:`~formcheck.kinematics.CausalSmoother`), so a judgement only measures.
    """

    def __init__(
        self,
        lift: Lift,
        *,
        width: int,
        height: int,
        fps: float,
        source: str = "",
        model: str = "",
        settings: LiveSettings | None = None,
    ) -> None:
        self.lift = lift
        self.settings = settings or LiveSettings()
        self._builder = TrackBuilder(
            width=width, height=height, fps=fps, source=source, model=model,
            meta={"live": True},
        )
        self._smoother = CausalSmoother()
        self._window = _Window()
        self._checks = lift_checks(lift)
        self._reps: list[RepReport] = []
        self._judged_at = -math.inf
        self._judged_until = -math.inf
        """End of the last rep made final (exact, unlike the report's rounded times)."""
        self._judged: tuple[Kinematics, ViewEstimate] | None = None
        self._range: tuple[float, float] | None = None
        self._pose: FramePose | None = None
        self._tail: Kinematics | None = None
        self._measured_at = -math.inf

    def __len__(self) -> int:
        return len(self._builder)

    @property
    def reps(self) -> tuple[RepReport, ...]:
        """The reps judged so far, final."""
        return tuple(self._reps)

    def track(self) -> PoseTrack:
        """Every frame of the set so far."""
        return self._builder.build()

    def add(self, pose: FramePose) -> list[RepReport]:
        """Take the next frame's pose; return the reps that became final with it."""
        self._builder.append(pose)
        self._pose = pose
        latest = self._builder.build(start=len(self._builder) - 1)
        self._window.append(pose.time_s, self._smoother(latest))
        self._window.drop_before(pose.time_s - self.settings.context_s)
        if pose.time_s - self._judged_at >= self.settings.judge_every_s:
            return self.judge()
        return []

    def judge(self) -> list[RepReport]:
        """Judge the set so far now (:meth:`add` does every ``judge_every_s``); the reps that
        became final."""
        return self._judge(final=False)

    def finish(self) -> Report:
        """Judge what is left as the end of the set; the set's report, as ``analyze`` writes it
        (the reps exactly as they were judged live)."""
        if not len(self._builder):
            raise FormcheckError("no frames were processed")
        self._judge(final=True)
        assert self._judged is not None
        kin, view = self._judged
        return build_report(self._builder.build(), self.lift, kin, view, list(self._reps))

    def _recent(self, frames: int) -> tuple[PoseTrack, Coordinates]:
        """The last ``frames`` frames and their smoothed coordinates."""
        return self._builder.build(start=len(self._builder) - frames), self._window.last(frames)

    def _judge(self, *, final: bool) -> list[RepReport]:
        """Judge the window again; make final the reps nothing to come can change."""
        track, coords = self._recent(len(self._window))
        offset = len(self._builder) - len(track)
        kin = kinematics(track, smoothing="causal", coordinates=coords)
        view = estimate_view(track)
        found = find_reps(kin, self.lift)
        now = float(track.times[-1])
        self._judged_at, self._judged = now, (kin, view)
        self._range = _driver_range(driver_signal(kin, self.lift), self.lift)
        newly = []
        for i, ctx in enumerate(rep_contexts(kin, view, self.lift, found)):
            rep = ctx.rep
            if rep.turn_s <= self._judged_until:
                continue  # judged already (its ends may have moved by a frame since)
            if not (final or i + 1 < len(found) or now - rep.end_s >= self.settings.settle_s):
                break
            judged = _in_session(
                judge_rep(ctx, self._checks.check(ctx)), len(self._reps) + 1, offset
            )
            self._reps.append(judged)
            newly.append(judged)
            self._judged_until = rep.end_s
        return newly

    def _tail_kinematics(self) -> Kinematics:
        now = self._window.times[-1]
        if self._tail is None or now - self._measured_at >= self.settings.measure_every_s:
            track, coords = self._recent(self._window.since(now - self.settings.tail_s))
            self._tail = kinematics(track, smoothing="causal", coordinates=coords)
            self._measured_at = now
        return self._tail

    def phase(self) -> Phase:
        """Where in a rep the lifter is now, from the driver's direction over the last
        ``phase_window_s``; empty until the lifter's range is known (after a first hinge)."""
        if self._range is None or not len(self._window):
            return ""
        kin = self._tail_kinematics()
        recent = kin.times >= kin.times[-1] - self.settings.phase_window_s
        low, high = self._range
        level = (driver_signal(kin, self.lift)[recent] - low) / (high - low)
        times = kin.times[recent][np.isfinite(level)]
        level = level[np.isfinite(level)]
        if level.size < 2 or times[-1] <= times[0]:
            return ""
        speed = (level[-1] - level[0]) / (times[-1] - times[0])
        if abs(speed) < self.settings.still_speed:
            if level[-1] < rep_settings(self.lift).enter:
                return "at rest"
            return "at the top" if self.lift.turn_at == "top" else "at the bottom"
        towards_turn = speed > 0
        return "lifting" if towards_turn == (self.lift.turn_at == "top") else "lowering"

    def overlay(self, panel: Sequence[Label], footer: Sequence[Label] = ()) -> FrameOverlay:
        """What to draw on the latest frame: its pose and joint angles, and the given panel."""
        if self._pose is None:
            raise RuntimeError("overlay() before any frame was added")
        kin = self._tail_kinematics()
        angles = angle_labels(kin, len(kin.times) - 1)
        return FrameOverlay(pose=self._pose, labels=(*panel, *angles), footer=tuple(footer))


class _Window:
    """The smoothed coordinates of the frames being judged, appended at the end and dropped
    from the front; kept in arrays, so that a window of thousands of frames is a slice rather
    than thousands of rows joined at every judgement."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}
        self._times = np.empty(0)
        self._start = self._stop = 0

    def __len__(self) -> int:
        return self._stop - self._start

    @property
    def times(self) -> np.ndarray:
        return self._times[self._start:self._stop]

    def append(self, time_s: float, rows: Coordinates) -> None:
        """Add one frame's coordinates (a one-row :class:`Coordinates`)."""
        if self._stop == len(self._times):
            self._make_room(rows)
        self._times[self._stop] = time_s
        for name, array in self._arrays.items():
            array[self._stop] = getattr(rows, name)[0]
        self._stop += 1

    def _make_room(self, rows: Coordinates) -> None:
        """Move the kept frames to the front of arrays twice their number (at least 256)."""
        kept = slice(self._start, self._stop)
        size = max(2 * len(self), 256)
        times = np.empty(size)
        times[: len(self)] = self._times[kept]
        arrays = {}
        for f in fields(Coordinates):
            row = getattr(rows, f.name)
            arrays[f.name] = np.empty((size, *row.shape[1:]), row.dtype)
            if self._arrays:
                arrays[f.name][: len(self)] = self._arrays[f.name][kept]
        self._times, self._arrays = times, arrays
        self._start, self._stop = 0, len(self)

    def drop_before(self, time_s: float) -> None:
        self._start += int(np.searchsorted(self.times, time_s))

    def since(self, time_s: float) -> int:
        """How many of the last frames are at or after ``time_s``."""
        return len(self) - int(np.searchsorted(self.times, time_s))

    def last(self, frames: int) -> Coordinates:
        """The last ``frames`` frames' coordinates: views of rows that are never written
        again."""
        rows = slice(self._stop - frames, self._stop)
        return Coordinates(**{name: array[rows] for name, array in self._arrays.items()})


def _driver_range(driver: np.ndarray, lift: Lift) -> tuple[float, float] | None:
    """The lifter's range of the driver, as rep cutting measures it; None while too small to
    hold a rep."""
    settings = rep_settings(lift)
    finite = driver[np.isfinite(driver)]
    if finite.size == 0:
        return None
    low, high = np.percentile(finite, settings.range_percentiles)
    return (float(low), float(high)) if high - low >= settings.min_range else None


def _in_session(rep: RepReport, index: int, offset: int) -> RepReport:
    """A rep judged on a window of the session, numbered and indexed as in the session."""
    faults = [f.model_copy(update={"frames": [i + offset for i in f.frames]}) for f in rep.faults]
    return rep.model_copy(update={"index": index, "faults": faults})


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
        script = Path(__file__).with_name("_viewer.py")
        self._process = subprocess.Popen(
            [sys.executable, os.fspath(script), title], stdin=subprocess.PIPE,
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
            stdin.write(HEADER.pack(*scene.shape) + scene.tobytes())
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
        _end(self._process)


CHILD_GRACE_S = 5.0
"""How long a child process (the window, a spoken cue) may take to finish once told to."""


def _end(process: subprocess.Popen[bytes]) -> None:
    """Wait for a child process to finish; kill it if it will not."""
    try:
        process.wait(timeout=CHILD_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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


class Speaker(Protocol):
    def say(self, text: str) -> bool:
        """Start saying ``text`` without waiting; False if it could not be said now."""
        ...

    def close(self) -> None: ...


class EspeakSpeaker:
    """Speaks with espeak-ng, offline, without blocking the view. A cue that comes while the
    last one is still being said is dropped, never queued: it would be about a rep already
    gone."""

    def __init__(self, words_per_minute: int = 175) -> None:
        exe = shutil.which("espeak-ng") or shutil.which("espeak")
        if exe is None:
            raise FormcheckError(
                "--speak needs the espeak-ng speech engine (Debian/Ubuntu: apt-get install "
                "espeak-ng)"
            )
        self._command = [exe, "-s", str(words_per_minute), "--"]
        self._speaking: subprocess.Popen[bytes] | None = None

    def say(self, text: str) -> bool:
        if self._speaking is not None and self._speaking.poll() is None:
            return False
        self._speaking = subprocess.Popen(
            [*self._command, text], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return True

    def close(self) -> None:
        """Let the last cue finish, then stop it."""
        if self._speaking is not None:
            _end(self._speaking)


class CueVoice:
    """Says at most one short cue per rep, when the rep becomes final."""

    def __init__(self, speaker: Speaker) -> None:
        self.speaker = speaker
        self._spoken: set[int] = set()

    def rep_done(self, rep: RepReport) -> str | None:
        """Say this rep's cue unless one was said for it already; what was said, if anything."""
        text = spoken_cue(rep)
        if text is None or rep.index in self._spoken:
            return None
        self._spoken.add(rep.index)
        return text if self.speaker.say(text) else None

    def reset(self) -> None:
        """A new set numbers its reps from 1 again."""
        self._spoken.clear()


@dataclass(frozen=True)
class FrameTiming:
    """How one processed frame fared, for benchmarks and the footer."""

    time_s: float
    """Position of the frame in the stream."""
    latency_s: float
    """From capture to the annotated frame handed to every view."""
    fps: float
    """Frames processed over the last second."""
    dropped: int
    """Frames dropped so far because processing fell behind."""


class _Meter:
    """Frames per second over the last second, and the latest latency."""

    def __init__(self) -> None:
        self._done: deque[float] = deque()
        self.latency_s = 0.0

    def tick(self, captured_at: float) -> None:
        now = time.perf_counter()
        self.latency_s = now - captured_at
        self._done.append(now)
        while self._done[0] < now - 1.0:
            self._done.popleft()

    @property
    def fps(self) -> float:
        if len(self._done) < 2:
            return 0.0
        return (len(self._done) - 1) / max(self._done[-1] - self._done[0], 1e-9)

    def footer(self) -> list[Label]:
        return [Label(f"{self.fps:.0f} fps  latency {self.latency_s * 1000:.0f} ms")]


PAUSE_POLL_S = 0.05
"""How often a paused view looks at its keys (and keeps its web page fresh)."""


def run_live(
    frames: Iterable[Frame],
    lift: Lift,
    *,
    paced: bool,
    drop: bool = True,
    fps: float = 0.0,
    source: str = "",
    pose_settings: PoseSettings | None = None,
    settings: LiveSettings | None = None,
    views: Sequence[LiveView] = (),
    voice: CueVoice | None = None,
    on_frame: Callable[[FrameTiming], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> LiveSession | None:
    """Run the live loop over ``frames`` until they end or a view says quit; the last set.

    ``paced`` plays the frames at their own times (a recording), ``drop`` skips frames when
    processing falls behind (as a camera does). Ctrl-C ends the session like q does, so what
    was judged is kept. Returns None when no frame was processed.
    """
    pose_settings = pose_settings or PoseSettings()
    notify = notify or (lambda _: None)
    with ExitStack() as stack:
        # The model loads before the first frame is taken: a recording would otherwise play on
        # (and drop its first second) while the model starts.
        estimator = stack.enter_context(PoseEstimator(pose_settings))
        feed = stack.enter_context(closing(FrameFeed(frames, paced=paced, drop=drop)))
        loop = _Loop(lift, estimator, feed, views, voice, on_frame, LiveSettings() if
                     settings is None else settings, fps=fps, source=source)
        paused = False
        try:
            while True:
                if paused:
                    command = loop.show_again()
                    if command is None:
                        time.sleep(PAUSE_POLL_S)
                elif (captured := feed.get()) is None:
                    break
                else:
                    command = loop.frame(captured)
                if command == "quit":
                    break
                if command == "pause":
                    paused = not paused
                    feed.pause(paused)
                elif command == "reset" and loop.session is not None:
                    notify(f"set reset after {len(loop.session.reps)} reps; counting again")
                    loop.reset()
        except KeyboardInterrupt:
            notify("interrupted; ending the session")
    return loop.session


class _Loop:
    """One pass of the live loop per frame: pose, judgement, drawing, views, cue."""

    def __init__(
        self, lift: Lift, estimator: PoseEstimator, feed: FrameFeed, views: Sequence[LiveView],
        voice: CueVoice | None, on_frame: Callable[[FrameTiming], None] | None,
        settings: LiveSettings, *, fps: float, source: str,
    ) -> None:
        self.lift, self.estimator, self.feed, self.views = lift, estimator, feed, views
        self.voice, self.on_frame, self.settings = voice, on_frame, settings
        self.fps, self.source = fps, source
        self.meter = _Meter()
        self.session: LiveSession | None = None
        self._shown: tuple[np.ndarray, LiveState, float] | None = None

    def frame(self, captured: Captured) -> Command | None:
        frame = captured.frame
        if self.session is None:
            height, width = frame.image.shape[:2]
            self.session = LiveSession(
                self.lift, width=width, height=height, fps=self.fps, source=self.source,
                model=self.estimator.settings.model, settings=self.settings,
            )
        session, meter = self.session, self.meter
        for rep in session.add(self.estimator.estimate(frame)):
            if self.voice is not None:
                self.voice.rep_done(rep)
        reps = session.reps
        state = LiveState(
            exercise=self.lift.name, reps=len(reps), phase=session.phase(),
            last=reps[-1] if reps else None, fps=meter.fps, latency_ms=meter.latency_s * 1000,
            frames=len(session), dropped=self.feed.dropped,
        )
        overlay = session.overlay(live_labels(state), meter.footer())
        scene = frame.image.copy()
        for annotator in LIVE_ANNOTATORS:
            scene = annotator.annotate(scene, overlay)
        self._shown = (scene, state, frame.time_s)
        command = _show(self.views, *self._shown)
        meter.tick(captured.at)
        if self.on_frame is not None:
            self.on_frame(FrameTiming(frame.time_s, meter.latency_s, meter.fps,
                                      self.feed.dropped))
        return command

    def show_again(self) -> Command | None:
        """While paused: the last frame again, so views stay responsive."""
        return None if self._shown is None else _show(self.views, *self._shown)

    def reset(self) -> None:
        """Start the set again: the next frame begins a new session."""
        self.session = None
        if self.voice is not None:
            self.voice.reset()


def _show(
    views: Sequence[LiveView], scene: np.ndarray, state: LiveState, time_s: float
) -> Command | None:
    """Hand the frame to every view; the first command any of them returns."""
    commands = [view.show(scene, state, time_s) for view in views]
    return next((c for c in commands if c is not None), None)


def live(
    exercise: str,
    *,
    variant: str | None = None,
    config: str | os.PathLike[str] | None = None,
    camera: int | None = None,
    source: str | os.PathLike[str] | None = None,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    json_out: str | os.PathLike[str] | None = None,
    record: str | os.PathLike[str] | None = None,
    track_out: str | os.PathLike[str] | None = None,
    serve: int | None = None,
    window: bool | None = None,
    speak: bool | Speaker = False,
    drop: bool = True,
    settings: LiveSettings | None = None,
    on_frame: Callable[[FrameTiming], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Report:
    """Watch a lift live (camera ``camera``, default 0, or a file or URL ``source``) and judge
    each rep as it ends; the set's report, as ``analyze`` writes it.

    ``window`` opens an OpenCV window (default: when a display is there); ``serve`` serves the
    view as a web page on http://127.0.0.1:PORT/ (0 picks a free port). Without a display and
    without ``serve`` there is nowhere to show the view, which is an error saying so. A file or
    URL plays at its own frame rate and frames are dropped when processing falls behind, as
    with a camera; ``drop=False`` processes every frame, as fast as it can. ``speak`` says a
    short cue after a rep with something to fix (espeak-ng, or any :class:`Speaker`).

    Written at the end, atomically: ``json_out`` (the report), ``track_out`` (the pose track of
    the frames processed, which ``analyze`` judges the same way), ``record`` (the annotated
    view as mp4). Everything is checked before the camera or the model starts.
    """
    notify = notify or (lambda _: None)
    lift = load_lift(exercise, variant, config)
    if track_out is not None:
        check_track_path(track_out)
    check_outputs(
        {"the session report": json_out, "the recording": record, "the pose track": track_out},
        {"the source video": source if source is not None and not is_url(source) else None},
        text=frozenset({"the session report"}),
    )
    if camera is not None and source is not None:
        raise FormcheckError("give a camera or a source, not both")
    with ExitStack() as stack:
        views: list[LiveView] = []
        problem = display_problem()
        if window is None:
            window = serve is None or problem is None
        if window:
            try:
                views.append(stack.enter_context(closing(Window())))
            except FormcheckError as exc:
                raise FormcheckError(f"{exc}; run with --serve [PORT] to watch the live view "
                                     "in a browser on this machine") from None
        if serve is not None:
            from formcheck.serve import LiveServer

            server = stack.enter_context(closing(LiveServer(serve)))
            views.append(server)
            notify(f"watch the live view at {server.url}")
        voice = None
        if speak:
            speaker = EspeakSpeaker() if speak is True else speak
            stack.callback(speaker.close)
            voice = CueVoice(speaker)
        frames, fps, name = _open_source(camera, source)
        if record is not None:
            views.append(stack.enter_context(closing(Recorder(record, fps))))
        session = run_live(
            frames, lift, paced=source is not None and drop, drop=drop, fps=fps, source=name,
            pose_settings=PoseSettings(model=model, model_dir=Path(model_dir) if model_dir
                                       else None),
            settings=settings, views=views, voice=voice, on_frame=on_frame, notify=notify,
        )
        if session is None:
            raise FormcheckError(f"{name}: no frames were processed")
        before = len(session.reps)
        report = session.finish()
        if voice is not None:
            for rep in report.reps[before:]:
                voice.rep_done(rep)
        if track_out is not None:
            session.track().save(track_out)
        if json_out is not None:
            report.save_json(json_out)
    return report


def _open_source(
    camera: int | None, source: str | os.PathLike[str] | None
) -> tuple[Iterator[Frame], float, str]:
    """The frames, their nominal rate (0 when unknown) and a name for the report."""
    if source is None:
        index = 0 if camera is None else camera
        return camera_frames(index), 0.0, f"camera:{index}"
    reader = read_frames(source)
    return reader, reader.info.fps, os.fspath(source)
