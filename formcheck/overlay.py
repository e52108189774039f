"""What to draw on each frame: the pose, its angles, a panel, each rep's verdict card and the body
parts at fault.

Apart from :mod:`formcheck.annotate` (how it is drawn) because this is where an analysis is
read: which rep's card shows when, which joints a fault's check measured, which angles the
camera's view leaves unreliable. Annotators draw only what a :class:`FrameOverlay` holds, so
the annotated video, the live view and the HTML report's key frames say the same things.

Example:
    >>> from formcheck.analysis import run_analysis
    >>> from formcheck.config import load_lift
    >>> analysis = run_analysis(PoseTrack.load("set.track.npz"), load_lift("deadlift"))
    >>> overlays = list(report_overlays(analysis))
    >>> [line.text for line in overlays[analysis.reps[0].end].card.lines[:2]]
    ['rep 1: valid  90/100', 'rounded back (minor)']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from formcheck.analysis import Analysis
from formcheck.kinematics import Kinematics, kinematics
from formcheck.landmarks import joint
from formcheck.lift import Lift
from formcheck.report import SEVERITY_PENALTY, Fault, Report, RepReport, Severity
from formcheck.rules import RULES
from formcheck.series import SHOWN
from formcheck.track import FramePose, PoseTrack
from formcheck.view import View, estimate_view

Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
GREY: Color = (160, 160, 160)
CYAN: Color = (0, 220, 255)
VIOLET: Color = (190, 130, 255)
AMBER: Color = (255, 190, 0)
RED: Color = (235, 50, 50)
GREEN: Color = (40, 200, 80)

SEVERITY_COLOR: dict[Severity, Color] = {"minor": AMBER, "major": RED}
"""A fault's colour wherever it is drawn: its card line and the body parts it was measured on."""

MIN_VISIBILITY = 0.5
"""Landmarks the model is less sure of than this are not drawn: a limb drawn in the wrong place
misleads more than a missing one."""

CARD_S = 1.5
"""How long a rep's verdict card stays on screen after the rep ends. Why 1.5 s: long enough to
read a headline, a fault and a one-sentence cue (about 15 words, read at 3-4 words a second
once the eye has found the card); short enough to be gone, on the clips at hand, before the
next rep is half-way through (reps there take 2-2.5 s). A later rep's card replaces it."""

RELIABLE_VIEWS: frozenset[View] = frozenset({"side"})
"""Camera views in which the image angles (hip, knee, trunk) mean what they say. From the side
(yaw 60° and up) a sagittal length is foreshortened by at most 13 %; obliquely up to 58 %, and
from the front the side plane is seen nearly edge-on (:class:`formcheck.view.ViewThresholds`),
which is why the checks that measure these angles abstain there. Elsewhere the angles are
drawn dimmed and marked ``~``."""

BACK = "back"
"""The traced back contour, named among the joints of :data:`SERIES_PARTS`."""
PELVIS = "pelvis"
"""The line from hip to hip, across the body, named among the joints of :data:`SERIES_PARTS`."""

SERIES_PARTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "hip_angle": (("shoulder", "hip", "knee"),),
    "hip_angle_3d": (("shoulder", "hip", "knee"),),
    "knee_angle": (("hip", "knee", "ankle"),),
    "elbow_angle": (("shoulder", "elbow", "wrist"),),
    "knee_flexion": (("hip", "knee", "ankle"),),
    "kneel_lean": (("knee", "hip", "shoulder"),),
    "shin_inclination": (("knee", "ankle"),),
    "trunk_inclination": (("shoulder", "hip"),),
    "trunk_inclination_3d": (("shoulder", "hip"),),
    "trunk_lean": (("shoulder", "hip"),),
    "wrist_height": (("shoulder", "elbow", "wrist"),),
    "wrist_offset": (("elbow", "wrist"), ("heel", "foot_index")),
    "hip_height": (("hip", "knee"),),
    "shoulder_height": (("shoulder", "hip"),),
    "elbow_flexion": (("shoulder", "elbow", "wrist"),),
    "hand_height": (("elbow", "wrist"),),
    "back_bend": ((BACK,),),
    "pelvis_tilt": ((PELVIS,),),
    "back_hidden": (),
    "hip_above_knee": (("hip", "knee"),),
    "heel_rise": (("heel", "foot_index"),),
    "knee_width_ratio": (("knee", "ankle", "foot_index"),),
    "knee_angle_3d": (("hip", "knee", "ankle"),),
    "mouth_over_hands": (("shoulder", "elbow", "wrist"),),
    "elbow_flexion_max": (("shoulder", "elbow", "wrist"),),
    "mean_knee_flexion_3d": (("hip", "knee", "ankle"),),
    "knee_over_floor": (("knee", "ankle"),),
    "knee_gap": (),
    "trunk_twist": (("shoulder", "hip"), (PELVIS,)),
    "arm_trunk_angle": (("elbow", "shoulder", "hip"),),
    "hip_peak": (("shoulder", "hip", "knee", "ankle"),),
    "ankle_lead": (("knee", "ankle"),),
    "ankle_to_knee": (("knee", "ankle"),),
    "wrist_over_hip": (("elbow", "wrist"),),
    "elbow_over_shoulder": (("shoulder", "elbow"),),
    "forearm_rise": (("elbow", "wrist"),),
    "wrist_speed": (("elbow", "wrist"),),
    "wrist_from_trunk": (("shoulder", "hip"), ("elbow", "wrist")),
    "hip_lift": (("hip", "knee"),),
    "ankle_lift": (("knee", "ankle"),),
}
"""Where on the body each series is measured, as chains of the facing side's joints (or the
back contour, or the pelvis from hip to hip): what lights up when a check reading that series
finds a fault. ``back_hidden`` only decides which frames the back can be judged in, so it marks
nothing, nor does ``knee_gap`` (it only tells when a rear knee is hidden); the chin short of
the bar marks the arms that did not pull it there (the mouth is no joint of a side)."""


@dataclass(frozen=True)
class Label:
    """Text to draw: beside a landmark (``anchor``) or, with ``anchor=None``, as a line of a
    panel or card."""

    text: str
    anchor: int | None = None
    color: Color = WHITE


@dataclass(frozen=True)
class Card:
    """A rep's verdict, as it is shown after the rep: a headline (rep, outcome, score) and what
    to know about it, edged in the colour of the worst it found."""

    lines: tuple[Label, ...]
    accent: Color


@dataclass(frozen=True)
class FaultMark:
    """Body parts a fault was measured on: landmark chains and, with ``back``, the back
    contour, drawn in the fault's colour while the rep is at fault."""

    chains: tuple[tuple[int, ...], ...]
    back: bool
    color: Color


@dataclass(frozen=True)
class FrameOverlay:
    """Everything drawn on one frame."""

    pose: FramePose
    labels: Sequence[Label] = field(default_factory=tuple)
    """Text beside joints: the angles."""
    panel: Sequence[Label] = field(default_factory=tuple)
    """Lines for the top-left band: the lift, the rep count and phase."""
    footer: Sequence[Label] = field(default_factory=tuple)
    """Lines for the bottom-left band: how the view itself is doing (frame rate, latency)."""
    card: Card | None = None
    faults: Sequence[FaultMark] = field(default_factory=tuple)


def angle_labels(kin: Kinematics, i: int, view: View = "side") -> tuple[Label, ...]:
    """Frame ``i``'s hip and knee angles and trunk inclination, each beside its joint, where
    the joints were seen well enough for the number to mean something; dimmed and marked ``~``
    where the camera's ``view`` makes them unreliable (:data:`RELIABLE_VIEWS`)."""
    side = kin.judged_side
    mark, color = ("", WHITE) if view in RELIABLE_VIEWS else ("~", GREY)
    shown = (
        (kin.hip_angle.facing, joint(side, "hip"), "hip"),
        (kin.knee_angle.facing, joint(side, "knee"), "knee"),
        (kin.trunk_inclination.facing, joint(side, "shoulder"), "trunk"),
    )
    return tuple(
        Label(f"{mark}{name} {series.value[i]:.0f}", anchor, color)
        for series, anchor, name in shown
        if np.isfinite(series.value[i]) and series.reliability[i] >= MIN_VISIBILITY
    )


def view_note(view: View) -> tuple[Label, ...]:
    """A panel line saying why the angles are dimmed, when they are."""
    if view in RELIABLE_VIEWS:
        return ()
    return (Label(f"~ angles: {view} view, not true angles", color=GREY),)


def angle_overlays(track: PoseTrack, kin: Kinematics | None = None) -> Iterator[FrameOverlay]:
    """Each frame's pose with the facing side's hip and knee angles and trunk inclination.

    These three are what a coach reads off a side view of any hinge, so they are what the plain
    annotated video shows; :func:`report_overlays` adds the reps' verdicts.
    """
    kin = kin or kinematics(track, SHOWN)
    view = estimate_view(track).view
    note = view_note(view)
    for i in range(len(track)):
        yield FrameOverlay(pose=track.frame(i), labels=angle_labels(kin, i, view), panel=note)


def top_fault(rep: RepReport) -> Fault | None:
    """The rep's most important fault: the first of its most severe ones."""
    return max(rep.faults, key=lambda f: SEVERITY_PENALTY[f.severity], default=None)


def rep_cue(rep: RepReport) -> str | None:
    """The one thing to say about a rep: its most important fault's cue or, when it could not
    be judged, why not."""
    fault = top_fault(rep)
    if fault is not None:
        return fault.cue
    return None if rep.outcome == "valid" else rep.reason


OUTCOME_WORDS = {"valid": "valid", "no_rep": "no rep", "ambiguous": "ambiguous"}
OUTCOME_COLOR: dict[str, Color] = {"no_rep": RED, "ambiguous": GREY}
"""A card's colour when the rep did not count; a valid rep's is its top fault's, or green."""


def rep_card(rep: RepReport) -> Card:
    """One rep's verdict, as the live view and the annotated video show it: rep number, outcome
    and score; then its top fault and the cue for it, "clear" with the checks that judged it,
    or why it could not be judged."""
    fault = top_fault(rep)
    score = "" if rep.score is None else f"  {rep.score}/100"
    if fault is not None:
        detail = (Label(f"{fault.code.replace('_', ' ')} ({fault.severity})",
                        color=SEVERITY_COLOR[fault.severity]), Label(fault.cue))
    elif rep.outcome == "valid":
        detail = (Label(f"clear ({rep.judged_checks} of {len(rep.checks)} checks judged)",
                        color=GREEN),)
    else:
        detail = (Label(rep.reason),)
    accent = OUTCOME_COLOR.get(
        rep.outcome, GREEN if fault is None else SEVERITY_COLOR[fault.severity])
    head = Label(f"rep {rep.index}: {OUTCOME_WORDS[rep.outcome]}{score}", color=accent)
    return Card(lines=(head, *detail), accent=accent)


def fault_mark(fault: Fault, lift: Lift, side: str) -> FaultMark:
    """Where ``fault`` shows on the body: the parts measured by the series the lift's checks
    that report it read (:data:`SERIES_PARTS`), on ``side``: the side facing the camera, the
    working leg, or the rep's working side in a lift judged per rep."""
    series = dict.fromkeys(name for check in lift.checks if fault.code in RULES[check.rule].faults
                           for name in RULES[check.rule].series)
    parts = [chain for name in series for chain in SERIES_PARTS[name]]
    across = {(PELVIS,): (joint("left", "hip"), joint("right", "hip"))}
    chains = tuple(dict.fromkeys(across.get(chain) or tuple(joint(side, name) for name in chain)
                                 for chain in parts if chain != (BACK,)))
    return FaultMark(chains, (BACK,) in parts, SEVERITY_COLOR[fault.severity])


def card_at(times: np.ndarray, ends_s: np.ndarray) -> np.ndarray:
    """Per frame (at ``times``), the index of the rep whose card shows, -1 for none: the latest
    rep ended at or before the frame, for :data:`CARD_S`."""
    latest = np.searchsorted(ends_s, times, side="right") - 1
    # Before the first rep's end, ``latest`` is -1 and picks the infinite end: no card.
    since = times - np.append(ends_s, np.inf)[latest]
    return np.where(since <= CARD_S, latest, -1)


def report_overlays(analysis: Analysis) -> Iterator[FrameOverlay]:
    """The angle overlays plus, per frame, the rep counter and phase, the parts at fault during
    each faulty rep, and each rep's verdict card for :data:`CARD_S` after it ends."""
    track, report, reps = analysis.track, analysis.report, analysis.reps
    times = track.times
    view = analysis.view.view
    rep_at = np.full(len(track), -1)
    for i, found in enumerate(reps):
        rep_at[found.start:found.end + 1] = i
    ends = np.array([times[found.end] for found in reps], dtype=float)
    done = np.searchsorted(ends, times, side="right")
    card_of = card_at(times, ends)
    cards = [rep_card(rep) for rep in report.reps]
    marks = [
        (min([found.start, *fault.frames]), max([found.end, *fault.frames]),
         fault_mark(fault, analysis.lift, rep.side or analysis.kin.judged_side))
        for found, rep in zip(reps, report.reps, strict=True) for fault in rep.faults
    ]
    note = view_note(view)
    title = report.exercise.replace("_", " ")
    for i in range(len(track)):
        panel = [Label(f"{title}  reps {done[i]}/{report.rep_count}"), *note]
        if rep_at[i] >= 0:
            found = reps[rep_at[i]]
            half = "first" if i <= found.turn else "second"
            panel.append(Label(f"rep {rep_at[i] + 1}: {_phase(report, half)}", color=CYAN))
        yield FrameOverlay(
            pose=track.frame(i),
            labels=angle_labels(analysis.kin, i, view),
            panel=tuple(panel),
            card=cards[card_of[i]] if card_of[i] >= 0 else None,
            faults=tuple(mark for start, end, mark in marks if start <= i <= end),
        )


def _phase(report: Report, half: str) -> str:
    """Whether this half of a rep lifts or lowers: lifts that turn at the top lift first."""
    return "lifting" if (half == "first") == (report.turn_at == "top") else "lowering"
