"""The judgement of a live set: poses in, one frame at a time; final reps and what to show out.

Apart from the rest of :mod:`formcheck.live` because this is the part that must agree with
``analyze``, and it can only be checked exactly without a camera, a model or a clock: it has
no threads and does no I/O, and its only time is the stream's (each pose's ``time_s``). Tests
feed it a pose track frame by frame and get the verdicts the live view would give
(tests/test_live.py); the loop (:mod:`formcheck.live.loop`) feeds it the model's poses.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

from formcheck.analysis import (
    analysis_series,
    build_report,
    judge_rep,
    not_this_lift,
    rep_contexts,
    with_recognition,
    wrong_name_guard,
)
from formcheck.counting import Line, driver_line, driver_signal, find_reps, rep_settings
from formcheck.errors import FormcheckError
from formcheck.evidence import EVIDENCE, Evidence
from formcheck.kinematics import CausalSmoother, Kinematics, kinematics
from formcheck.legs import judged_kinematics, on_leg
from formcheck.lift import Lift
from formcheck.live.auto import MIN_WATCH_S
from formcheck.metrics import MIN_LIFT_SPEED_M_S, check_height
from formcheck.overlay import (
    CYAN,
    Card,
    FrameOverlay,
    Label,
    angle_labels,
    rep_card,
    rep_cue,
    top_fault,
)
from formcheck.recognise import driver_travel, recognise, wrong_name
from formcheck.report import PathMetrics, Report, RepReport
from formcheck.reps import Partial, Rep, Segments, driver_range
from formcheck.series import SHOWN, Coordinates
from formcheck.sight import seen, video_cuts
from formcheck.track import FramePose, PoseTrack, TrackBuilder
from formcheck.view import ViewEstimate, estimate_view

GUARD_LOOKS_S = (MIN_WATCH_S, 2 * MIN_WATCH_S, 4 * MIN_WATCH_S, 8 * MIN_WATCH_S)
"""Seconds into a guarded set at which the live guard asks which lift it looks like, once a rep
has been made (before it, a lunge's legs have not split nor a swing's hands risen: what the
lift's facts read is still to come). The first waits for the range of motion the recogniser
reads, as ``--exercise auto`` does, and the reps made before it wait for it; later looks read
more reps. The rule that a clip holds one rep's movement of its lift is left to the end of the
set (:meth:`LiveSession.finish`), where it reads all of it. Why stop at 32 s: each look re-reads
the whole set (on a 60 fps track, quiet 2-core machine: 0.03 s at 4 s, 0.11 s at 16 s, 0.18 s
at 26 s; a frame or few dropped), and the end of the set is guarded over all of it anyway
(:meth:`LiveSession.finish`)."""

Phase = Literal["", "at rest", "lifting", "lowering", "at the top", "at the bottom", "holding",
                "out of position"]


@dataclass(frozen=True)
class LiveSettings:
    """How often a live session judges the set and counts its reps, and when a rep counts as
    final.

    Defaults chosen on the shared clips (tests/test_live.py); none changes what a rep is, only
    when its verdict is shown.
    """

    judge_every_s: float = 0.5
    """Stream time between two judgements of the set so far: a verdict shows at most this long
    after its rep became final. Judging 30-60 s of 60 fps frames took ~50 ms on two busy
    cores (benchmarks/live_latency.py), a tenth of this interval."""
    count_every_s: float = 0.2
    """Stream time between two countings of the reps made so far, between judgements: a rep
    shows on the counter at most this long after a counting could first find it (the causal
    smoothing lags a few frames more). Counted only at each judgement, 54 % of reps showed
    within 0.3 s of the moment ``analyze`` counts them; with this, 87 %
    (benchmarks/live_counts.py). A counting reads only the series reps are found from, about
    a third of what a judgement costs (benchmarks/live_latency.py)."""
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
                "speed_m_s": None if last.metrics.wrist is None
                else last.metrics.wrist.mean_speed_m_s,
            },
            "fps": round(self.fps, 1),
            "latency_ms": round(self.latency_ms, 1),
            "frames": self.frames,
            "dropped": self.dropped,
            "finished": self.finished,
        }


def rep_line(rep: RepReport) -> str:
    """One line for the terminal as each rep is judged: a coach's running commentary that a
    log (or a lifter glancing at a laptop) can follow without the window; with the hands'
    mean concentric speed, the number a velocity-based-training app shows after each rep."""
    wrist = hands_lifting(rep)
    head = (f"rep {rep.index} ({rep.turn_s:.1f} s): {rep.outcome.replace('_', '-')}"
            + (f", score {rep.score}" if rep.score is not None else "")
            + (f", {rep.judged_checks} of {len(rep.checks)} checks" if rep.checks else "")
            + (f", {wrist.mean_speed_m_s:.2f} m/s" if wrist is not None else ""))
    faults = ", ".join(f"{f.code} {f.severity}" for f in rep.faults)
    return head + (f"; {faults}" if faults else "")


def withdrawal_lines(before: Collection[Partial], after: Collection[Partial], reps: int
                     ) -> list[str]:
    """The terminal's lines for the reps withdrawn (:attr:`LiveSession.withdrawn`) since it
    was ``before`` and for those given back, with the count now (``reps``): the counter went
    down or up again, and the log says which rep and why."""
    gone = [f"rep withdrawn ({p.start_s:.1f}-{p.end_s:.1f} s): the set's range since shows it "
            f"was not a rep; {reps} now" for p in sorted(set(after) - set(before), key=_span)]
    back = [f"rep counted again ({p.start_s:.1f}-{p.end_s:.1f} s): a later look found it a "
            f"rep after all; {reps} now" for p in sorted(set(before) - set(after), key=_span)]
    return [*gone, *back]


def hands_lifting(rep: RepReport) -> PathMetrics | None:
    """The hands' metrics of ``rep`` where they carried the weight up (a bar or bell), else
    None: a thrust's or bridge's hands rest on the bar or the floor (0.00-0.03 m/s), and
    their speed says nothing of the lift (:data:`formcheck.metrics.MIN_LIFT_SPEED_M_S`)."""
    wrist = rep.metrics.wrist
    return wrist if wrist is not None and wrist.mean_speed_m_s >= MIN_LIFT_SPEED_M_S else None


def spoken_cue(rep: RepReport) -> str | None:
    """A few words to say as the lifter resets: "no rep", or the head of the rep's most
    important cue ("Finish tall"); nothing after a clean rep or one that could not be judged,
    so that a cue always means something to fix."""
    if rep.outcome == "no_rep":
        return "No rep"
    fault = top_fault(rep)
    return None if fault is None else fault.cue.split(":")[0]


def live_labels(state: LiveState) -> list[Label]:
    """The panel of the live view: the lift and rep count, the phase and the last rep's mean
    concentric speed of the hands (:mod:`formcheck.metrics`). The last rep's verdict is its
    card (:func:`formcheck.overlay.rep_card`), as in the annotated video."""
    labels = [Label(f"{state.exercise.replace('_', ' ')}  reps {state.reps}")]
    if state.phase:
        labels.append(Label(state.phase, color=CYAN))
    wrist = None if state.last is None else hands_lifting(state.last)
    if wrist is not None:  # the set metric a lifter watches between reps: is the bar slowing?
        labels.append(Label(f"rep {state.last.index}: {wrist.mean_speed_m_s:.2f} m/s"))
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
        evidence: Evidence | None = EVIDENCE,
        height_cm: float | None = None,
        guard: bool = False,
    ) -> None:
        self.lift = lift
        self.height_cm = check_height(height_cm)
        """The lifter's height, for set metrics from the image (:mod:`formcheck.metrics`)."""
        self.settings = settings or LiveSettings()
        self.evidence = evidence
        """Which checks judge from which view, as in ``analyze`` (None: every check, anywhere)."""
        self.guard = guard
        """Hold the lift named to what the recogniser finds, as ``analyze`` does: a set it takes
        for another lift gives its reps ambiguous, without the named lift's faults or cues
        (:func:`~formcheck.analysis.wrong_name_guard`); looked at :data:`GUARD_LOOKS_S` into
        the set and at its end."""
        self.wrong: str | None = None
        """Why the live guard's latest look finds the set is not the lift named, if it does."""
        self._looks = list(GUARD_LOOKS_S) if guard else []
        self._held: set[tuple[float, float]] = set()
        """Reps made final before the guard's first look, given once it has looked."""
        self._first_s = 0.0
        """Time of the set's first frame."""
        self._given: tuple[RepReport, ...] | None = None
        """:attr:`reps`, until the reps, those held or the guard's finding change."""
        self._builder = TrackBuilder(
            width=width, height=height, fps=fps, source=source, model=model,
            meta={"live": True},
        )
        self._smoother = CausalSmoother()
        self._window = _Window()
        self._reps: list[RepReport] = []
        self._judged_at = -math.inf
        self._counted_at = -math.inf
        self._judged_until = -math.inf
        """End of the last rep made final (the report's time, or exact while none was
        withdrawn: a rep's turn lies frames inside it, so rounding skips none)."""
        self._made = 0
        """Reps found made but not final yet (a pull at lockout, waiting for its lowering)."""
        self._not_counted: list[Partial] = []
        """What the end of the session found that is not a rep (as ``analyze`` lists it)."""
        self._gone: list[tuple[RepReport, bool]] = []
        """Reps judged and withdrawn (:meth:`_withdraw`), as judged, and whether each had been
        given when it was withdrawn."""
        self._judged: tuple[Kinematics, ViewEstimate] | None = None
        self._range: tuple[float, float] | None = None
        self._line: Line | None = None
        """How the driver's stand-in fills it, from the last judged window: the last second
        the phase reads is too short to fit it."""
        self._pose: FramePose | None = None
        self._tail: Kinematics | None = None
        self._measured_at = -math.inf

    def __len__(self) -> int:
        return len(self._builder)

    @property
    def made(self) -> int:
        """Reps made so far: those judged, and those made but not yet final (a pull counts at
        lockout; its verdict waits for the lowering). What a counter shows."""
        return len(self._reps) + self._made

    @property
    def withdrawn(self) -> tuple[Partial, ...]:
        """The reps given (:attr:`reps`) and withdrawn since, by time: the rest of the set's
        range showed they were not reps (:meth:`_withdraw`); one found again leaves this list
        and is a rep again. Also in the report's ``not_counted``."""
        return tuple(sorted((Partial(rep.start_s, rep.end_s, WITHDRAWN)
                             for rep, given in self._gone if given), key=_span))

    @property
    def reps(self) -> tuple[RepReport, ...]:
        """The reps judged so far and given (:attr:`guard`), final."""
        if self._given is None:  # built once per change: the view reads the last every frame
            given = [rep for rep in self._reps if _key(rep) not in self._held]
            self._given = tuple(given if self.wrong is None else
                                (not_this_lift(rep, self.wrong) for rep in given))
        return self._given

    def track(self) -> PoseTrack:
        """Every frame of the set so far."""
        return self._builder.build()

    def add(self, pose: FramePose) -> list[RepReport]:
        """Take the next frame's pose; return the reps that became final with it."""
        self._builder.append(pose)
        if self._pose is None:
            self._first_s = pose.time_s
        self._pose = pose
        latest = self._builder.build(start=len(self._builder) - 1)
        self._window.append(pose.time_s, self._smoother(latest))
        self._window.drop_before(pose.time_s - self.settings.context_s)
        if pose.time_s - self._judged_at >= self.settings.judge_every_s:
            return self.judge()
        if pose.time_s - self._counted_at >= self.settings.count_every_s:
            self.count()
        return []

    def judge(self) -> list[RepReport]:
        """Judge the set so far now (:meth:`add` does every ``judge_every_s``); the reps that
        became final, once the guard has had its first look at the set (:attr:`guard`)."""
        self._held |= {_key(rep) for rep in self._judge(final=False)}
        self._given = None
        times = self._window.times
        watched = float(times[-1]) - self._first_s if len(times) else 0.0
        if self._looks and watched >= self._looks[0] and self.made:
            while self._looks and watched >= self._looks[0]:
                self._looks.pop(0)
            self.wrong = wrong_name(self.lift, recognise(self._builder.build()))
        if len(self._looks) == len(GUARD_LOOKS_S):
            return []  # guarded, and the first look is still to come
        given, self._held = self._held, set()
        return [rep for rep in self.reps if _key(rep) in given]

    def finish(self) -> Report:
        """Judge what is left as the end of the set; the set's report, as ``analyze`` writes it
        (the reps exactly as they were judged live, less any the whole set unmakes: listed as
        not counted). Guarded (:attr:`guard`), the whole set is looked at, as ``analyze``
        looks at a clip: the reps are ambiguous with why if it is not the lift named, whatever
        the looks during the set found."""
        if not len(self._builder):
            raise FormcheckError("no frames were processed")
        self._judge(final=True)
        assert self._judged is not None
        kin, view = self._judged
        track, verdicts = self._builder.build(), list(self._reps)
        self._held, self._given = set(), None  # every rep is given: the report's
        recognition, wrong = None, None
        if self.guard:
            found = recognise(track)
            travel = None if verdicts else driver_travel(judged_kinematics(
                kinematics(track, self.lift.counting_series), self.lift), self.lift)
            self.wrong = wrong_name(self.lift, found, travel=travel)
            recognition, wrong = wrong_name_guard(found, self.lift, verdicts, travel)
        return with_recognition(build_report(track, self.lift, kin, view, verdicts,
                                             self.height_cm, self._not_counted),
                                recognition, wrong)

    def _recent(self, frames: int) -> tuple[PoseTrack, Coordinates]:
        """The last ``frames`` frames and their smoothed coordinates."""
        return self._builder.build(start=len(self._builder) - frames), self._window.last(frames)

    def _judge(self, *, final: bool) -> list[RepReport]:
        """Judge the window again; make final the reps nothing to come can change. The end of
        the set is judged as ``analyze`` judges a clip (zero-phase smoothing, no latency to
        keep), and its reps replace the count (:meth:`_withdraw`)."""
        track, kin, edits, segments = self._find(analysis_series(self.lift), final=final)
        offset = len(self._builder) - len(track)
        view = estimate_view(track)
        cuts = video_cuts(track, edits)
        found = segments.reps
        self._withdraw(found, since=track, final=final)
        if final:
            # a window that slid past the session's start may open inside a rep judged
            # before, which stands: what it lists from its first frame is no movement left
            # uncounted
            opens = float(track.times[0])
            slid = opens > self._first_s
            self._not_counted = sorted(
                [*(cut for cut in segments.partial
                   if not (slid and cut.start_s == opens
                           and any(_overlap(cut, rep) for rep in self._reps))),
                 *(Partial(rep.start_s, rep.end_s, WITHDRAWN) for rep, _ in self._gone)],
                key=lambda p: p.start_s)
        now = float(track.times[-1])
        self._judged_at, self._judged = now, (kin, view)
        self._line = driver_line(kin, self.lift)
        self._range = _driver_range(driver_signal(kin, self.lift, self._line), self.lift)
        newly = []
        for i, ctx in enumerate(rep_contexts(kin, view, self.lift, found, self.evidence, edits)):
            rep = ctx.rep
            if rep.turn_s <= self._judged_until and not final:
                continue  # judged already (its ends may have moved by a frame since)
            if final and any(_same_rep(rep, judged) for judged in self._reps):
                continue
            if not final and (not rep.lowered or (
                    i + 1 == len(found) and now - rep.end_s < self.settings.settle_s)):
                break
            judged = _in_session(
                judge_rep(ctx, cuts=cuts, height_cm=self.height_cm),
                len(self._reps) + 1, offset,
            )
            self._reps.append(judged)
            newly.append(judged)
            self._judged_until = max(self._judged_until, rep.end_s)
        if final:
            self._reps = [rep.model_copy(update={"index": k}) for k, rep in
                          enumerate(sorted(self._reps, key=lambda r: r.turn_s), start=1)]
        self._counted(found, now)
        return newly

    def count(self) -> None:
        """Count the reps made and not final yet (:attr:`made`) now, as a judgement finds them
        but from the series reps are found from alone; :meth:`add` does it every
        ``count_every_s`` between judgements."""
        track, _, _, segments = self._find(self.lift.counting_series, final=False)
        self._withdraw(segments.reps, since=track, final=False)
        self._counted(segments.reps, float(track.times[-1]))

    def _find(self, series: Sequence[str], *, final: bool
              ) -> tuple[PoseTrack, Kinematics, list[float], Segments]:
        """The window's track, its kinematics (``series``), its edit cuts and the reps found
        in it: what a judgement and a counting share. Smoothed causally while the set goes on,
        and at its end (``final``) as ``analyze`` smooths a clip."""
        track, coords = self._recent(len(self._window))
        kin = judged_kinematics(
            kinematics(track, series) if final else
            kinematics(track, series, smoothing="causal", coordinates=coords), self.lift)
        shown = seen(track)
        return track, kin, shown.edits, find_reps(kin, self.lift, so_far=not final,
                                                  cuts=shown.edits, away=shown.away)

    def _counted(self, found: Sequence[Rep], now: float) -> None:
        """Every rep found is made (a pull is found at its lockout), judged or not: those not
        final yet are the rest of the count."""
        self._made = sum(rep.turn_s > self._judged_until for rep in found)
        self._counted_at = now

    def _withdraw(self, found: Sequence[Rep], *, since: PoseTrack, final: bool) -> None:
        """Withdraw each rep judged in the window ``since`` that is none of the reps ``found``
        there now, and give back each rep withdrawn before that is found again.

        Live cuts reps against the lifter's range so far; a range that grows later (a first
        stand-up after crouched drill cycles, a thrust the stream opens part-way up) can unmake
        a rep, and the counter should drop it as soon as the range shows it, not only at the
        end of the set. A later look (the causal smoothing of frames dropped under load, or the
        end's own smoothing) may find it again: it comes back as it was judged, never judged or
        said twice. Withdrawn during the set only while the window still holds the whole set:
        once it slides, a rep near its start loses the rest before it and the oldest reps take
        their share of the range with them, neither of which unmakes a rep. At the end
        (``final``) as ``analyze`` would; reps older than the window stand."""
        since_s = float(since.times[0])
        back = [(rep, given) for rep, given in self._gone
                if any(_same_rep(f, rep) for f in found)]
        gone = [] if not final and since_s > self._first_s else [
            rep for rep in self._reps
            if rep.start_s >= since_s and not any(_same_rep(f, rep) for f in found)]
        if not back and not gone:
            return
        self._gone = [(rep, was) for rep, was in self._gone if (rep, was) not in back]
        self._gone += [(rep, _key(rep) not in self._held) for rep in gone]
        self._held -= {_key(rep) for rep in gone}
        self._held |= {_key(rep) for rep, was in back if not was}  # given at the next judgement
        kept = [*(rep for rep in self._reps if rep not in gone), *(rep for rep, _ in back)]
        self._reps = [rep.model_copy(update={"index": k}) for k, rep in
                      enumerate(sorted(kept, key=lambda r: r.turn_s), start=1)]
        self._judged_until = max((rep.end_s for rep in self._reps), default=-math.inf)
        self._given = None

    def _tail_kinematics(self) -> Kinematics:
        now = self._window.times[-1]
        if self._tail is None or now - self._measured_at >= self.settings.measure_every_s:
            track, coords = self._recent(self._window.since(now - self.settings.tail_s))
            self._tail = kinematics(track, (*self.lift.driver_series, *SHOWN), smoothing="causal",
                                    coordinates=coords)
            leg = None if self._judged is None else self._judged[0].working_leg
            if leg is not None:  # the leg the set is judged on, not one second's guess
                self._tail = on_leg(self._tail, leg)
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
        level = (driver_signal(kin, self.lift, self._line)[recent] - low) / (high - low)
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

    def line(self, rep: RepReport) -> str:
        """The terminal's line for a rep made final (:func:`rep_line`)."""
        return rep_line(rep)

    def panel(self, state: LiveState) -> list[Label]:
        """The live view's panel (:func:`live_labels`)."""
        return live_labels(state)

    def card(self, state: LiveState) -> Card | None:
        """The last rep's verdict card, as in the annotated video."""
        return None if state.last is None else rep_card(state.last)

    def overlay(
        self, panel: Sequence[Label], footer: Sequence[Label] = (), card: Card | None = None
    ) -> FrameOverlay:
        """What to draw on the latest frame: its pose and joint angles (dimmed where the view
        judged last makes them unreliable), and the given panel, footer and card."""
        if self._pose is None:
            raise RuntimeError("overlay() before any frame was added")
        kin = self._tail_kinematics()
        view = "unknown" if self._judged is None else self._judged[1].view
        angles = angle_labels(kin, len(kin.times) - 1, view)
        return FrameOverlay(pose=self._pose, labels=angles, panel=tuple(panel),
                            footer=tuple(footer), card=card)


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


WITHDRAWN = ("counted live, then withdrawn: against the lifter's range as the set went on it is "
             "not a rep")


def _span(partial: Partial) -> tuple[float, float]:
    return partial.start_s, partial.end_s


def _key(rep: RepReport) -> tuple[float, float]:
    """A judged rep, whatever number it carries: renumbering leaves its times."""
    return rep.start_s, rep.end_s


def _overlap(cut: Partial, judged: RepReport) -> bool:
    """Whether a movement listed as not counted shares time with a rep judged."""
    return cut.start_s < judged.end_s and judged.start_s < cut.end_s


def _same_rep(found: Rep, judged: RepReport) -> bool:
    """Whether a rep found at the end is one judged live: their turnarounds each fall inside
    the other rep (the causal smoothing moves a rep's ends by a few frames, not its turn out
    of the rep)."""
    return (judged.start_s <= found.turn_s <= judged.end_s
            and found.start_s <= judged.turn_s <= found.end_s)


def _driver_range(driver: np.ndarray, lift: Lift) -> tuple[float, float] | None:
    """The lifter's range of the driver, as rep cutting measures it; None while too small to
    hold a rep."""
    settings = rep_settings(lift)
    found = driver_range(driver, settings)
    return found if found is not None and found[1] - found[0] >= settings.min_range else None


def _in_session(rep: RepReport, index: int, offset: int) -> RepReport:
    """A rep judged on a window of the session, numbered and indexed as in the session."""
    faults = [f.model_copy(update={"frames": [i + offset for i in f.frames]}) for f in rep.faults]
    return rep.model_copy(update={"index": index, "faults": faults})
