"""From a pose track to a hold report: when the lifter was in a stretch's position, for how
long, on which side, and how much of that time each position check found a fault.

How a hold is found, as the pose's file sets it (:mod:`formcheck.stretch`):

1. Each frame's criteria are read on the smoothed kinematics; a criterion whose joints were not
   seen well enough is unknown there.
2. The position is entered where every criterion holds, and left where one fails past its
   ``_leave`` limit or can no longer be seen (:func:`in_position`): hysteresis, so a lifter on
   the edge of the position is not in and out of it every frame.
3. Breaks shorter than ``hold_max_break`` are bridged (a wobble, frames the model lost), and a
   stay shorter than ``hold_min`` is not a hold (:func:`held_spans`): passed through on the way.

A hold starts at its first frame in the position and ends at its first frame out (as the labels
in ``benchmarks/labels/beyond_hinge/holds.csv`` do); held to the clip's end, one frame interval
after the last frame.

Each position check then reads its series frame by frame over the held time; its fault is the
share of the judged held time spent past its limit. It abstains, saying why, where the camera
view cannot show its measure, where its joints were seen in too little of the held time, where
a flat back has no standing frames to be learnt from, or (unless ``all_checks``) where its
precision from this view was never measured (:mod:`formcheck.evidence`), as a rep's checks do.

Example:
    >>> from formcheck.config import load_pose
    >>> analysis = run_hold(PoseTrack.load("set.track.npz"), load_pose("hamstring_stretch"))
    >>> analysis.report.hold_count, analysis.spans[0]   # a deadlift's bottoms, as forward folds
    (10, Span(start=129, end=220, side=None))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import formcheck
from formcheck.analysis import neutral_back, timing_notes, truncation_note
from formcheck.config import load_lift
from formcheck.counting import find_reps
from formcheck.evidence import EVIDENCE, Evidence
from formcheck.files import display
from formcheck.hold_report import Against, HoldReport, HoldSpan, PositionFault, SideTime
from formcheck.kinematics import Kinematics, Smoothing, kinematics
from formcheck.legs import judged_kinematics
from formcheck.lift_words import counted
from formcheck.recognise import recognise
from formcheck.report import Abstention, ViewReport
from formcheck.rules.core import side_view_refusal, unseen_refusal
from formcheck.series import SHOWN, Series, Side
from formcheck.sight import median_interval
from formcheck.stretch import Criterion, Pose, PositionCheck, Worse
from formcheck.track import PoseTrack
from formcheck.view import ViewEstimate, estimate_view


@dataclass(frozen=True)
class Span:
    """One hold, by frame: ``start`` is its first frame in the position, ``end`` the first
    frame out (``len`` of the track when held to the end)."""

    start: int
    end: int
    side: Side | None = None

    @property
    def frames(self) -> np.ndarray:
        return np.arange(self.start, self.end)


@dataclass(frozen=True)
class HoldAnalysis:
    """Everything one hold analysis found, in memory: what every output reads (the annotated
    video marks ``spans`` by frame; ``report`` is the serialisable part)."""

    track: PoseTrack
    pose: Pose
    kin: Kinematics
    view: ViewEstimate
    inside: np.ndarray
    """(T,) whether each frame was in the position, before short breaks were bridged."""
    spans: tuple[Span, ...]
    judged: tuple[Judged, ...]
    """Each position check, frame by frame: what the annotated video marks."""
    report: HoldReport


def trusted(kin: Kinematics, pose: Pose, series: str, side: Side | None = None) -> np.ndarray:
    """The series' values where its joints were seen well enough, NaN elsewhere: on ``side``
    (by default the one nearer the camera) for a sided series."""
    measure = kin[series]
    chosen: Series = measure if isinstance(measure, Series) else (
        measure[side] if side is not None else measure.facing)
    return chosen.trusted(pose.value("min_visibility"))


def criterion_values(kin: Kinematics, pose: Pose, criterion: Criterion) -> np.ndarray:
    """What ``criterion`` reads each frame: on the facing side, or on whichever side is further
    into the position (``leg = "either"``)."""
    if criterion.leg == "facing":
        return trusted(kin, pose, criterion.series)
    both = np.stack([trusted(kin, pose, criterion.series, side) for side in ("left", "right")])
    shown = np.isfinite(both).any(axis=0)
    best = np.nanmax if criterion.inside == "above" else np.nanmin
    filled = np.where(np.isfinite(both), both, -np.inf if criterion.inside == "above" else np.inf)
    return np.where(shown, best(filled, axis=0), np.nan)


def _past(values: np.ndarray, limit: float, side: str) -> np.ndarray:
    """Where ``values`` are beyond ``limit`` on ``side`` (``above``/``below``); NaN never is."""
    with np.errstate(invalid="ignore"):
        return values > limit if side == "above" else values < limit


def in_position(kin: Kinematics, pose: Pose) -> np.ndarray:
    """(T,) whether each frame is in the pose's position: entered where every criterion holds,
    kept until one fails past its ``_leave`` limit or is not seen."""
    entering, leaving = [], []
    for criterion in pose.position:
        values = criterion_values(kin, pose, criterion)
        outside = "below" if criterion.inside == "above" else "above"
        entering.append(_past(values, pose.value(criterion.limit), criterion.inside))
        leaving.append(~np.isfinite(values)
                       | _past(values, pose.value(f"{criterion.limit}_leave"), outside))
    enter, leave = np.logical_and.reduce(entering), np.logical_or.reduce(leaving)
    event = enter | leave
    last = np.maximum.accumulate(np.where(event, np.arange(len(event)), -1))
    return (last >= 0) & enter[np.clip(last, 0, None)]


def end_time(times: np.ndarray, end: int) -> float:
    """When frame ``end`` (the first out of a hold) shows: one frame interval after the last
    frame for a hold the clip ends in."""
    return float(times[end]) if end < len(times) else float(times[-1] + median_interval(times))


def held_spans(inside: np.ndarray, times: np.ndarray, pose: Pose) -> list[tuple[int, int]]:
    """The holds in ``inside`` as (first frame in, first frame out): breaks shorter than
    ``hold_max_break`` bridged, then stays shorter than ``hold_min`` dropped."""
    edges = np.diff(np.concatenate([[False], inside, [False]]).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    spans: list[tuple[int, int]] = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if spans and times[start] - end_time(times, spans[-1][1]) < pose.value("hold_max_break"):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return [(s, e) for s, e in spans
            if end_time(times, e) - float(times[s]) >= pose.value("hold_min")]


def hold_side(kin: Kinematics, pose: Pose, frames: np.ndarray) -> Side | None:
    """The side a hold over ``frames`` was held on (see :class:`~formcheck.stretch.SideSpec`):
    the side picked in most frames where both sides were seen, if it passes ``least`` there;
    None for a stretch without sides, or when it cannot be told."""
    spec = pose.side
    if spec is None:
        return None
    left, right = (trusted(kin, pose, spec.series, side)[frames] for side in ("left", "right"))
    both = np.isfinite(left) & np.isfinite(right)
    if not both.any():
        return None
    left, right = left[both], right[both]
    picks_left = left > right if spec.pick == "max" else left < right
    side: Side = "left" if picks_left.mean() > 0.5 else "right"
    if spec.least is not None:
        chosen = left if side == "left" else right
        clear = _past(chosen, pose.value(spec.least), "above" if spec.pick == "max" else "below")
        if clear.mean() <= 0.5:
            return None
    return side


def frame_weights(times: np.ndarray) -> np.ndarray:
    """(T,) the time each frame stands for: up to the next frame (the last, one median
    interval), so that a share of frames is a share of time even at a varying frame rate."""
    return np.diff(times, append=times[-1] + median_interval(times)) if len(times) else times


def check_values(kin: Kinematics, pose: Pose, check: PositionCheck, spans: list[Span],
                 baseline: float | None) -> np.ndarray:
    """What ``check`` reads each frame: on the facing side, or in each hold on its side."""
    values = trusted(kin, pose, check.series)
    if check.leg == "side":
        for span in spans:
            if span.side is not None:
                values[span.frames] = trusted(kin, pose, check.series, span.side)[span.frames]
    return values - baseline if baseline is not None else values


@dataclass(frozen=True)
class Judged:
    """One position check over the held frames: a fault share, or why it could not judge."""

    check: PositionCheck
    values: np.ndarray
    """(T,) its measure each frame (NaN where unseen)."""
    past: np.ndarray
    """(T,) where the measure was past the limit (held frames only)."""
    verdict: PositionFault | Abstention


def judge_check(kin: Kinematics, view: ViewEstimate, pose: Pose, check: PositionCheck,
                spans: list[Span], evidence: Evidence | None) -> Judged:
    """How ``check`` judged the held time (every frame of ``spans``)."""
    held = np.zeros(len(kin.times), dtype=bool)
    for span in spans:
        held[span.frames] = True
    baseline = neutral_back(kin, pose) if check.baseline == "neutral_back" else None
    values = check_values(kin, pose, check, spans, baseline)
    past = held & _past(values, pose.value(check.limit), check.worse)
    refused = (
        (side_view_refusal(view, check.fault, pose.value(check.needs_view))
         if check.needs_view else None)
        or (Abstention(check=check.fault, reason="no frame of the lifter standing tall to "
                       "learn their flat back from") if check.baseline and baseline is None
            else None)
        or (unseen_refusal(check.fault, np.isfinite(values[held]), pose.value("min_coverage"))
            if held.any() else None)
        or _unproven(pose, check, view, evidence)
    )
    if refused is not None or not held.any():
        return Judged(check, values, past, refused or Abstention(
            check=check.fault, reason="the position was never held"))
    weights = frame_weights(kin.times)
    judged = held & np.isfinite(values)
    worst = (np.nanmax if check.worse == "above" else np.nanmin)(values[judged])
    limit = pose.threshold(check.limit)
    fault_s, judged_s = float(weights[past].sum()), float(weights[judged].sum())
    return Judged(check, values, past, PositionFault(
        code=check.fault, share=round(fault_s / judged_s, 3), fault_s=round(fault_s, 2),
        judged_s=round(judged_s, 2), worst=round(float(worst), 3), threshold=limit.value,
        threshold_name=limit.name, unit=limit.unit, cue=check.cue))


def _unproven(pose: Pose, check: PositionCheck, view: ViewEstimate, evidence: Evidence | None
              ) -> Abstention | None:
    """Why ``check`` may not judge from this view bucket yet: its precision there was never
    measured on labelled holds (:mod:`formcheck.evidence`, under :meth:`Pose.evidence_code`);
    None without that gate."""
    why = (evidence.why_not((pose.evidence_code(check),), view.view) if evidence is not None
           else None)
    return None if why is None else Abstention(check=check.fault, reason=why)


def span_share(judged: Judged, span: Span, min_coverage: float) -> float | None:
    """The share of one hold spent past the check's limit; None where it did not judge."""
    if isinstance(judged.verdict, Abstention):
        return None
    shown = np.isfinite(judged.values[span.frames])
    if unseen_refusal(judged.check.fault, shown, min_coverage) is not None:
        return None
    return round(float(judged.past[span.frames].sum() / shown.sum()), 3)


def against(seconds: float | None, pose: Pose) -> Against:
    """A hold's length against the target: short of it, within it, or past it."""
    if seconds is None:
        return "none"
    if seconds < pose.value("hold_target_min"):
        return "short"
    return "long" if seconds > pose.value("hold_target_max") else "within"


def run_hold(
    track: PoseTrack,
    pose: Pose,
    *,
    smoothing: Smoothing = "zero_phase",
    view: ViewEstimate | None = None,
    evidence: Evidence | None = EVIDENCE,
) -> HoldAnalysis:
    """Find every hold of ``pose`` in ``track`` and judge its position (see the module doc)."""
    kin = kinematics(track, (*pose.series, *SHOWN), smoothing=smoothing)
    view = view or estimate_view(track)
    inside = in_position(kin, pose)
    times = kin.times
    spans = [Span(s, e, hold_side(kin, pose, np.arange(s, e)))
             for s, e in held_spans(inside, times, pose)]
    judged = [judge_check(kin, view, pose, check, spans, evidence) for check in pose.checks]
    report = build_hold_report(track, pose, kin, view, spans, judged)
    return HoldAnalysis(track, pose, kin, view, inside, tuple(spans), tuple(judged), report)


def build_hold_report(track: PoseTrack, pose: Pose, kin: Kinematics, view: ViewEstimate,
                      spans: list[Span], judged: list[Judged]) -> HoldReport:
    times = kin.times
    lengths = [end_time(times, span.end) - float(times[span.start]) for span in spans]
    holds = [
        HoldSpan(hold=i, start_s=round(float(times[span.start]), 3),
                 end_s=round(end_time(times, span.end), 3), duration_s=round(length, 3),
                 side=span.side,
                 faults={j.check.fault: span_share(j, span, pose.value("min_coverage"))
                         for j in judged})
        for i, (span, length) in enumerate(zip(spans, lengths, strict=True), start=1)
    ]
    sides = [
        SideTime(side=side, total_s=round(sum(mine), 3), longest_s=round(max(mine), 3),
                 target=against(max(mine), pose))
        for side in ("left", "right")
        if (mine := [h.duration_s for h in holds if h.side == side])
    ]
    faults = [j.verdict for j in judged if isinstance(j.verdict, PositionFault)]
    longest = max(lengths) if lengths else None
    return HoldReport(
        formcheck_version=formcheck.__version__,
        source=display(track.source),
        pose=pose.name,
        model=track.model,
        view=ViewReport(view=view.view, confidence=round(view.confidence, 3),
                        yaw_deg=round(view.yaw_deg, 1) if np.isfinite(view.yaw_deg) else None),
        facing_side=kin.facing,
        detection_rate=round(track.detection_rate, 4),
        duration_s=round(float(times[-1] - times[0]), 3) if len(track) else 0.0,
        target_min_s=pose.value("hold_target_min"),
        target_max_s=pose.value("hold_target_max"),
        hold_count=len(holds),
        total_s=round(sum(lengths), 3),
        longest_s=round(longest or 0.0, 3),
        target=against(longest, pose),
        sides=sides,
        holds=holds,
        faults=faults,
        abstained=[j.verdict for j in judged if isinstance(j.verdict, Abstention)],
        top_cues=[f.cue for f in sorted(faults, key=lambda f: -f.fault_s) if f.fault_s > 0][:2],
        warnings=hold_warnings(track, pose, kin, view, holds),
        thresholds={name: t.value for name, t in pose.thresholds.items()},
    )


SET_OF_REPS = 3
"""Reps of a lift in a clip that make it a set of that lift, not a stretch held still: a
stretch is moved into once and held (a standing fold repeated is a stretch the recogniser
takes for no lift, and is not asked)."""

LONGEST_REP_S = 15.0
"""The longest a rep of a lift takes from its start to its end; a movement slower than this is
a hold come out of, not a rep: the longest of the 309 labelled reps with both ends takes 13.8 s
(a hitched, handheld deadlift pull), the median 1.5 s. Two or more 30 s holds of a stretch
would otherwise be a lift's reps."""

SET_SHARE = 0.5
"""Share of the time from a set's first rep to its last that its reps fill: a set's reps follow
one another (a dead stop between pulls is a second), while the stands between holds of a
stretch, which a swing's or a deadlift's driver reads as reps, are half a minute apart."""


def looks_like_a_set(track: PoseTrack, pose: Pose) -> str | None:
    """Why the clip looks like a set of a lift rather than ``pose`` held, or None: the
    recogniser sure of a lift, or unsure but with :data:`SET_OF_REPS` reps of its likeliest
    lift counted, each no slower than :data:`LONGEST_REP_S`, filling :data:`SET_SHARE` of the
    time from the first to the last. Why: a hold's position is loose
    enough (the trunk forward with the hips up, say) that a deadlift set passes for ten holds
    of a hamstring stretch, timed to the second with no word that it is not one."""
    found = recognise(track)
    if found.status == "unsupported" or not found.candidates:
        return None
    name, p = found.candidates[0]
    lift = load_lift(name)
    reps = [rep for rep in find_reps(judged_kinematics(
        kinematics(track, lift.counting_series), lift), lift).reps
        if rep.end_s - rep.start_s <= LONGEST_REP_S]
    if found.status != "recognised" and not (
            len(reps) >= SET_OF_REPS and sum(rep.end_s - rep.start_s for rep in reps)
            >= SET_SHARE * (reps[-1].end_s - reps[0].start_s)):
        return None
    return (f"this looks like a {lift.title.lower()} ({counted(len(reps), 'rep')} of it; the "
            f"lift recogniser gives it {p:.2f}), not a {pose.title.lower()} held "
            f"still: the times may be of another movement (`formcheck analyze -e {name}` "
            "judges it as that lift)")


def hold_warnings(track: PoseTrack, pose: Pose, kin: Kinematics, view: ViewEstimate,
                  holds: list[HoldSpan]) -> list[str]:
    """What a user should know before trusting the times and shares."""
    out = [note for note in (looks_like_a_set(track, pose), truncation_note(track))
           if note is not None]
    out += timing_notes(track)
    if track.detection_rate < pose.value("min_coverage"):
        out.append(f"the lifter was found in only {track.detection_rate:.0%} of the frames: "
                   "time out of sight is never counted as held")
    if view.view != "side":
        out.append(f"camera view is {view.view}: checks that need a side view do not judge; "
                   "the hold times still count")
    if not holds:
        unmet = never_met(kin, pose)
        out.append(f"the {pose.title.lower()} position was never held for "
                   f"{pose.value('hold_min'):g} s or more" + ("".join(
                       f"; never {why}" for why in unmet) if unmet else
                       ": each of its conditions was met, never all at once for that long"))
    return out


def nearest(values: np.ndarray, inside: Worse, limit: float, decimals: int = 2) -> str:
    """Where ``values`` came nearest ``limit``, never passed on the ``inside`` side, to
    ``decimals`` rounded away from it, so that it never reads as reaching the limit (0.7496
    under a bound of 0.75 reads "at most 0.74"), unless it sat on it exactly."""
    extreme = float(np.nanmax(values) if inside == "above" else np.nanmin(values))
    scale = 10.0**decimals
    away = math.floor if inside == "above" else math.ceil
    shown = away(round(scale * extreme, 9)) / scale + 0.0  # round(): 0.29 * 100 is 28.99...
    words = f"{'at most' if inside == 'above' else 'at least'} {shown:g}"
    return f"{words}, never past it" if extreme == limit else words


def never_met(kin: Kinematics, pose: Pose) -> list[str]:
    """Each condition of the position that no measured frame meets, as a warning reads it
    ("with the hips held up off the floor ... (0.7 trunk lengths needed; here at most
    0.51)"): what a user who named the wrong stretch, or filmed it from where a joint is never
    seen, needs to act on "never held". Angles to the degree, the rest to two decimals."""
    out = []
    for criterion in pose.position:
        values = criterion_values(kin, pose, criterion)
        limit = pose.thresholds[criterion.limit]
        what = (f"{limit.means.removeprefix('in position only ')} ({limit.value:g} {limit.unit}"
                " needed")
        if not np.isfinite(values).any():
            out.append(f"{what}; it could not be measured in any frame)")
        elif not _past(values, limit.value, criterion.inside).any():
            came = nearest(values, criterion.inside, limit.value,
                           0 if limit.unit == "deg" else 2)
            out.append(f"{what}; here {came})")
    return out
