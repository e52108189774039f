"""A held stretch live: a running hold timer, from the same functions as ``formcheck hold``.

The counterpart of :class:`~formcheck.live.session.LiveSession` for a pose: each frame's pose is
smoothed causally once, as it arrives, and every ``measure_every_s`` the frames so far (up to
``context_s``, and at least twice the longest target hold) are measured again and put through
:func:`~formcheck.hold_analysis.in_position` and :func:`~formcheck.hold_analysis.held_spans`,
so the live timer starts and stops a hold where ``formcheck hold`` on the saved track would
(causal smoothing lags the zero-phase one by a frame or two). A hold is final, said and shown
on its card, once the lifter has been out of the position longer than a bridgeable break. At
the end, the session's report is :func:`~formcheck.hold_analysis.run_hold` of every frame,
smoothed causally as the timer was.

Example:
    >>> from formcheck.config import load_pose
    >>> session = HoldSession(load_pose("downward_dog"), width=1280, height=720, fps=30.0)
    >>> session.phase()
    'out of position'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from formcheck.evidence import EVIDENCE, Evidence
from formcheck.hold_analysis import end_time, held_spans, hold_side, in_position, run_hold
from formcheck.hold_overlay import hold_card
from formcheck.hold_report import HoldReport, HoldSpan
from formcheck.kinematics import CausalSmoother, Kinematics, kinematics
from formcheck.live.session import LiveSettings, LiveState, Phase, _Window
from formcheck.overlay import CYAN, Card, FrameOverlay, Label, angle_labels
from formcheck.series import SHOWN
from formcheck.stretch import Pose
from formcheck.track import FramePose, PoseTrack, TrackBuilder


class HoldSession:
    """One stretch session as it happens: take each frame's pose, time the holds."""

    def __init__(self, pose: Pose, *, width: int, height: int, fps: float, source: str = "",
                 model: str = "", settings: LiveSettings | None = None,
                 evidence: Evidence | None = EVIDENCE) -> None:
        self.pose = pose
        self.settings = settings or LiveSettings()
        self.evidence = evidence
        self._builder = TrackBuilder(width=width, height=height, fps=fps, source=source,
                                     model=model, meta={"live": True})
        self._smoother = CausalSmoother()
        self._window = _Window()
        self._holds: list[HoldSpan] = []
        """The holds made final, numbered in the session."""
        self._final_until = -math.inf
        """The end of the last final hold."""
        self._running: float | None = None
        """When the hold now under way started; None out of the position."""
        self._pose: FramePose | None = None
        self._kin: Kinematics | None = None
        self._measured_at = -math.inf

    def __len__(self) -> int:
        return len(self._builder)

    @property
    def made(self) -> int:
        """Holds so far: the final ones and the one under way."""
        return len(self._holds) + (self._running is not None)

    @property
    def reps(self) -> tuple:
        """No reps in a stretch (the live loop's last rep is always None)."""
        return ()

    @property
    def holds(self) -> tuple[HoldSpan, ...]:
        return tuple(self._holds)

    def track(self) -> PoseTrack:
        return self._builder.build()

    def add(self, pose: FramePose) -> list[HoldSpan]:
        """Take the next frame's pose; return the holds that became final with it."""
        self._builder.append(pose)
        self._pose = pose
        latest = self._builder.build(start=len(self._builder) - 1)
        self._window.append(pose.time_s, self._smoother(latest))
        keep = max(self.settings.context_s, 2 * self.pose.value("hold_target_max"))
        self._window.drop_before(pose.time_s - keep)
        if pose.time_s - self._measured_at >= self.settings.measure_every_s:
            return self._measure()
        return []

    def _measure(self) -> list[HoldSpan]:
        frames = len(self._window)
        track = self._builder.build(start=len(self._builder) - frames)
        kin = kinematics(track, (*self.pose.series, *SHOWN), smoothing="causal",
                         coordinates=self._window.last(frames))
        times = kin.times
        now = float(times[-1])
        self._kin, self._measured_at = kin, now
        self._running = None
        newly = []
        for start, end in held_spans(in_position(kin, self.pose), times, self.pose):
            began, ended = float(times[start]), end_time(times, end)
            if ended <= self._final_until:
                continue
            if end == len(times) or now - ended < self.pose.value("hold_max_break"):
                self._running = began  # under way, or a break that may still be bridged
                continue
            hold = HoldSpan(hold=len(self._holds) + 1, start_s=round(began, 3),
                            end_s=round(ended, 3), duration_s=round(ended - began, 3),
                            side=hold_side(kin, self.pose, np.arange(start, end)), faults={})
            self._holds.append(hold)
            newly.append(hold)
            self._final_until = ended
        return newly

    def phase(self) -> Phase:
        return "out of position" if self._running is None else "holding"

    def line(self, hold: HoldSpan) -> str:
        """One line for the terminal as each hold ends."""
        side = f" ({hold.side})" if hold.side else ""
        return (f"hold {hold.hold} ({hold.start_s:.1f} s): {hold.duration_s:.1f} s{side}; "
                f"target {self.pose.value('hold_target_min'):g}-"
                f"{self.pose.value('hold_target_max'):g} s")

    def panel(self, state: LiveState) -> list[Label]:
        """The live view's panel: the stretch, the time held so far and the running hold."""
        now = self._pose.time_s if self._pose is not None else 0.0
        running = 0.0 if self._running is None else now - self._running
        held = sum(h.duration_s for h in self._holds) + running
        labels = [Label(f"{self.pose.title}  held {held:.1f} s")]
        if self._running is not None:
            labels.append(Label(f"hold {len(self._holds) + 1}: {running:.1f} s", color=CYAN))
        else:
            labels.append(Label(state.phase))
        return labels

    def card(self, state: LiveState) -> Card | None:
        """The last final hold's card (its faults are judged at the end, on every frame)."""
        return hold_card(self._holds[-1], {}) if self._holds else None  # faults: at the end

    def overlay(self, panel: Sequence[Label], footer: Sequence[Label] = (),
                card: Card | None = None) -> FrameOverlay:
        """What to draw on the latest frame: its pose and angles, the panel, footer and card."""
        if self._pose is None:
            raise RuntimeError("overlay() before any frame was added")
        angles = () if self._kin is None else angle_labels(self._kin, len(self._kin.times) - 1)
        return FrameOverlay(pose=self._pose, labels=angles, panel=tuple(panel),
                            footer=tuple(footer), card=card)

    def finish(self) -> HoldReport:
        """The session's hold report: :func:`~formcheck.hold_analysis.run_hold` of every
        frame, smoothed causally as the timer was."""
        return run_hold(self.track(), self.pose, smoothing="causal",
                        evidence=self.evidence).report
