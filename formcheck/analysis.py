"""From a pose track to a report: kinematics, reps, each lift's checks, outcomes and scores.

Example:
    >>> from formcheck.config import load_lift
    >>> analysis = run_analysis(PoseTrack.load("set.track.npz"), load_lift("deadlift"))
    >>> analysis.report.rep_count, analysis.reps[0].turn   # the report, and frame indices
    (10, 249)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import formcheck
from formcheck import metrics
from formcheck.counting import driver_signal, find_reps
from formcheck.evidence import EVIDENCE, Evidence
from formcheck.files import display
from formcheck.kinematics import Kinematics, Smoothing, kinematics
from formcheck.legs import judged_kinematics
from formcheck.lift import UPRIGHT, Lift, UprightLandmark
from formcheck.recognise import SERIES as RECOGNITION_SERIES
from formcheck.recognise import (
    Recognition,
    driver_travel,
    instead,
    recognise,
    report_of,
    wrong_name,
)
from formcheck.report import (
    SEVERITY_PENALTY,
    Abstention,
    CameraMoveReport,
    CheckResult,
    Fault,
    PartialRep,
    RecognitionReport,
    RepMetrics,
    Report,
    RepReport,
    ViewReport,
)
from formcheck.reps import Partial, Rep
from formcheck.rules import RULES, RepContext, Trace, Verdict, run_checks
from formcheck.series import SHOWN, Side
from formcheck.sides import rep_kinematics, side_balance
from formcheck.sight import (
    Seen,
    camera_note,
    cut_words,
    median_interval,
    seen,
    time_cuts,
    unseen_spans,
    video_cuts,
)
from formcheck.stretch import Pose
from formcheck.track import PoseTrack
from formcheck.view import ViewEstimate, estimate_view

UNGATED = (
    "every check judged from any camera view (all checks): where a check's precision from "
    "this view was not measured to hold up, its verdicts are not to be trusted"
)
UNGUARDED = (
    "the lift named was judged without asking which lift the clip looks like (no guard): "
    "if it shows another lift, these are that lift's reps judged by this one's checks"
)


def analysis_series(lift: Lift) -> tuple[str, ...]:
    """The series an analysis of ``lift`` computes: those its reps and checks read, the angles
    every output shows (:data:`~formcheck.series.SHOWN`), the heights that tell a picture
    stored upside down (:func:`upside_down`) and those the set metrics read
    (:mod:`formcheck.metrics`); nothing else."""
    upright = (HEIGHTS[name] for name in lift.upright if HEIGHTS[name] is not None)
    return tuple(dict.fromkeys((*lift.series, *SHOWN, *upright, *metrics.SERIES)))


def neutral_back(kin: Kinematics, lift: Lift | Pose, until: int | None = None
                 ) -> float | None:
    """The lifter's back bend standing tall: the baseline a rounded back is measured against.

    People's backs differ (posture, clothing, build), so 'rounded' means rounder than this
    lifter's own upright back, not rounder than an ideal. Only frames up to ``until`` count:
    a rep's baseline is learnt from the standing seen by the end of that rep, never from what
    comes after it. Why: the standing posture drifts within a set (on the TBY66 clips the
    lockouts holding the bell read 0.015-0.02 flatter than the set-up before the first rep),
    so a baseline from the whole clip would let later reps change an earlier rep's verdict,
    and a live view, which cannot see them, would judge that rep differently.
    """
    if "back_bend" not in kin.series:
        return None
    upright = kin.trunk_inclination.facing.trusted(lift.value("min_visibility"))
    bend = kin.back_bend.trusted(lift.value("min_visibility"))
    standing = (upright <= lift.value("upright_inclination")) & np.isfinite(bend)
    if until is not None:
        standing[until + 1:] = False
    if standing.sum() < lift.value("neutral_back_min_frames"):
        return None
    return float(np.median(bend[standing]))


HEIGHTS: dict[UprightLandmark, str | None] = {
    "ankle": None, "knee": "knee_height", "hip": "hip_height", "shoulder": "shoulder_height",
}
"""The series holding each landmark a lift's ``upright`` pair may name, as a height above the
ankle (the ankle's own is 0)."""

_UPSIDE_DOWN = (
    "the lifter is upside down in the picture ({high}s below the {low}s): the video is stored "
    "rotated without rotation metadata; turn it upright (e.g. ffmpeg -i in.mp4 -vf hflip,vflip "
    "out.mp4) and analyse it again"
)


def upside_down_warning(upright: tuple[UprightLandmark, UprightLandmark]) -> str:
    """What a report says of a lifter seen upside down, in the lift's own cue."""
    return _UPSIDE_DOWN.format(high=upright[0], low=upright[1])


UPSIDE_DOWN = upside_down_warning(UPRIGHT)
"""The warning for a lifter on their feet (most lifts)."""


def upside_down(kin: Kinematics, frames: slice | np.ndarray,
                upright: tuple[UprightLandmark, UprightLandmark] = UPRIGHT) -> bool:
    """Whether the lifter is on their head in most of ``frames`` in which both sides show: the
    first of the lift's ``upright`` landmarks below the second on both sides (the knees below
    the ankles for a lifter on their feet, whose every lift here keeps at least one knee
    above its ankle; a hip thrust's knees point up, a single-leg RDL stands on one leg).

    Why it matters: joint angles do not care which way is up, so reps are still found, but
    every measure taken against the image's vertical (trunk inclination, heights, speeds) is
    turned inside out; a verdict built on them would be confidently wrong. A lift whose
    posture breaks the usual cue (kneeling, the knees level with the ankles; lying on the
    back, the heels above the knees) names another pair in its file.
    """

    def height(name: UprightLandmark, side: Side) -> np.ndarray | float:
        series = HEIGHTS[name]
        return 0.0 if series is None else kin[series][side].value[frames]

    high, low = upright
    margin = np.maximum(*(height(high, side) - height(low, side) for side in ("left", "right")))
    shown = margin[np.isfinite(margin)]
    return bool(shown.size) and bool(np.mean(shown < 0) > 0.5)


MIN_FRAME_RATE = 8.0
"""Fewest frames per second in which a rep is judged; below it the rep is ambiguous.

Why 8: the kinematics low-pass the landmarks at 4 Hz (``ZERO_PHASE_CUTOFF_HZ``), the motion the
checks are built to see; sampling that band takes more than twice 4 samples a second
(Nyquist). On the labelled reps it means at least 8 samples in the fastest whole rep (1.0 s, a
PVC deadlift in Ulisses-coach kbtrainer deadlift.mp4) and 3 in the fastest half (0.37 s, the
up-swing of palFitness alternating_kettlebell_swing.mp4), which locates a turnaround to within
1/16 s, inside the labels' own 0.1 s.

Measured: the real tracks (full model) of the 11 labelled clips at hand (4 TBY66 deadlifts, frog
pump, hip thrust, good morning, single-leg RDL, the Russian swing, and the two clips above),
thinned to lower rates by keeping the frame nearest each tick of a regular grid (five grid
phases), then analysed as at full rate. The 63 reps judged (valid or no-rep) at full rate, five
phases each (315 runs), came out differently (missed, merged, another outcome, score or fault)
in 0-1 runs at 20-30 frames/s, 2 at 15, 5-8 at 8-12, 15 at 6-7, 14 at 5, 19 at 4, 44 at 3 and 77
at 2, besides those that turned ambiguous (5 at 10-15, 9 at 8, 25 at 4, 113 at 2). From 8
frames/s up, the changes are mostly borderline faults on one clip (TBY66 0016r's rounded back,
near its threshold at any rate); below, wrong verdicts double, and at 2 frames/s one run in four
is wrong. Limits of the measurement: the two fastest clips are filmed obliquely, so their reps
are ambiguous at any rate and only their counts were compared (the fastest labelled rep
among those judged takes 1.15 s); and a thinned track is not quite a video filmed at that rate
(less motion blur, and the model tracked the lifter through the frames left out). Counts of
the fastest swing (an instant turn at the backswing) merge from 24 frames/s down: no rate this
rule could ask for protects a count of such swings.
"""


def frame_rate_abstention(ctx: RepContext) -> Abstention | None:
    """Why this rep was filmed too sparsely to judge: fewer than :data:`MIN_FRAME_RATE`
    frames per second in its own frames (1 % allowed for timestamps' rounding)."""
    interval = median_interval(ctx.kin.times[ctx.rep.frames])
    if not interval > 1.0 / MIN_FRAME_RATE * 1.01:
        return None
    return Abstention(check="frame_rate", reason=_too_few_frames(1.0 / interval))


def _too_few_frames(rate: float) -> str:
    return (f"the video has {rate:.1f} frames/s; at least {MIN_FRAME_RATE:g} are needed to "
            "judge a rep")


def cut_abstention(ctx: RepContext, cuts: Sequence[Mapping[str, Any]]) -> Abstention | None:
    """Why this rep cannot be judged across a cut in the video (:func:`video_cuts`): a break
    in its time line, or an edit's change of shot after the rep was made (one before it was
    made, :func:`formcheck.counting.spliced` does not count).

    The frames either side of a cut may be different recordings, or have lost any length of
    time between them: a 'rep' spanning it may be the end of one movement and the start of
    another, and nothing measured across it (durations, speeds, the turnaround) is real.
    """
    rep = ctx.rep
    inside = [cut for cut in cuts if rep.start_s < cut["at_s"] <= rep.end_s]
    if not inside:
        return None
    return Abstention(
        check="timing",
        reason=f"{cut_words(inside[0])}, inside this rep: the frames before and after that "
        "cut need not be one movement",
    )


def tracking_abstention(ctx: RepContext) -> Abstention | None:
    """Why the lifter was not followed well enough through this rep for any verdict on it.

    A gap at least as long as the shortest rep could hide a whole rep (this 'rep' may be two
    merged) or the very frames that decide it (a lockout, a no-rep); so can a rep tracked in
    too few of its frames overall.
    """
    rep, lift = ctx.rep, ctx.lift
    driver = driver_signal(ctx.kin, lift)[rep.frames]
    gaps = unseen_spans(np.isfinite(driver), ctx.kin.times[rep.frames],
                        lift.value("rep_min_duration"))
    if gaps:
        start, end = max(gaps, key=lambda gap: gap[1] - gap[0])
        return Abstention(
            check="tracking",
            reason=f"the lifter was not tracked from {start:.1f} to {end:.1f} s, long enough "
            "to hide a whole rep",
        )
    if rep.coverage < lift.value("min_coverage"):
        return Abstention(
            check="tracking",
            reason=f"the lifter was tracked in only {rep.coverage:.0%} of this rep's frames",
        )
    return None


def unjudgeable(ctx: RepContext, cuts: Sequence[Mapping[str, Any]] = ()) -> list[Abstention]:
    """Why the frames of this rep cannot carry any verdict on it, whatever its checks say: the
    lifter not tracked through it, the rep cut in two by the video's timestamps, or filmed at
    too few frames per second."""
    found = (tracking_abstention(ctx), cut_abstention(ctx, cuts), frame_rate_abstention(ctx))
    return [abstention for abstention in found if abstention is not None]


NO_REP: dict[str, tuple[str, str]] = {
    "incomplete_lockout": (
        "no_rep_hip_angle", "never reached lockout: the hips opened to {value:.0f}°, a rep "
        "needs {limit:.0f}°"),
    "chin_not_over_bar": (
        "no_rep_chin_clearance", "the chin never cleared the bar: the mouth rose to {value:+.2f} "
        "trunk lengths over the hands, a rep needs {limit:+.2f}"),
}
"""The faults that make a rep not count once past the lift's no-rep threshold (below it, for
both), and the reason a report gives."""


def no_rep(lift: Lift, faults: Sequence[Fault]) -> str | None:
    """Why a rep with ``faults`` does not count (:data:`NO_REP`), or None if it does."""
    for fault in faults:
        limit_name, words = NO_REP.get(fault.code, ("", ""))
        limit = lift.thresholds.get(limit_name)
        if limit is not None and fault.value < limit.value:
            return words.format(value=fault.value, limit=limit.value)
    return None


def judge_rep(
    ctx: RepContext, *, cuts: Sequence[Mapping[str, Any]] = (), height_cm: float | None = None
) -> RepReport:
    """Outcome, reason and score of one rep from its lift's checks: the one judge that
    ``analyze`` and ``live`` share.

    A rep whose frames cannot be trusted (:func:`unjudgeable`; ``cuts`` as :func:`video_cuts`
    gives them), or in which the lifter is seen upside down, is ambiguous whatever its checks
    say, a no-rep included: the missing, unrelated or inverted frames may be the deciding ones.
    So is a rep on which no check could judge. Otherwise the rep is judged on the checks that
    could judge it, and those that could not are listed with why: "the back cannot be judged
    from this angle" should not hide that the hips and the lockout could.

    The rep's set metrics (:func:`~formcheck.metrics.rep_metrics`; ``height_cm``: the lifter's
    height, for metres from the image) are measured unless its frames cannot be trusted or the
    lifter is upside down; a view that no check judges from does not stop them.
    """
    rep, lift = ctx.rep, ctx.lift
    verdicts = run_checks(ctx)
    refused = [v for v in verdicts if isinstance(v, Abstention)]
    inverted = upside_down(ctx.kin, rep.frames, lift.upright)
    if inverted:  # every measure inverted: no check stands
        why = upside_down_warning(lift.upright)
        verdicts = [Abstention(check=spec.rule, reason=why) for spec in lift.checks]
        refused = [Abstention(check="orientation", reason=why)]
    faults = [v for v in verdicts if isinstance(v, Fault)]
    untrusted = unjudgeable(ctx, cuts)
    abstained = [*untrusted, *refused]
    judged = sum(not isinstance(v, Abstention) for v in verdicts)
    missed = None if untrusted else no_rep(lift, faults)
    if missed is not None:
        outcome, score, reason = "no_rep", 0, missed
    elif untrusted or not judged:
        outcome, score = "ambiguous", None
        reason = "cannot judge " + "; ".join(f"{a.check}: {a.reason}" for a in abstained)
    else:
        outcome = "valid"
        score = max(0, 100 - sum(SEVERITY_PENALTY[f.severity] for f in faults))
        reason = (f"{judged} of {len(verdicts)} checks judged" if abstained
                  else "all checks judged") + (
            f"; faults: {', '.join(f.code for f in faults)}" if faults else "; no faults"
        )
    kin = ctx.kin
    at = {"start": rep.start, "turn": rep.turn}
    measures = {
        f"{name}_{moment}": _finite(getattr(kin, name).facing.value[frame])
        for name in SHOWN
        for moment, frame in at.items()
    } | compared_measures(ctx)
    return RepReport(
        index=rep.index,
        side=ctx.working_side,
        start_s=round(rep.start_s, 3),
        turn_s=round(rep.turn_s, 3),
        end_s=round(rep.end_s, 3),
        made_s=round(rep.made_s, 3),
        lowered=rep.lowered,
        eccentric_s=None if rep.eccentric_s is None else round(rep.eccentric_s, 3),
        concentric_s=round(rep.concentric_s, 3),
        outcome=outcome,
        reason=reason,
        score=score,
        faults=faults,
        abstained=abstained,
        checks=check_results(ctx, verdicts),
        measures=measures,
        metrics=RepMetrics() if untrusted or inverted
        else metrics.rep_metrics(kin, rep, lift.value("min_visibility"), height_cm,
                                hangs=lift.hangs),
    )


def compared_measures(ctx: RepContext) -> dict[str, float | None]:
    """The rep's value of each check its lift compares between the sides over the set
    (``judged_side.compare``, :func:`~formcheck.sides.side_balance`), by the check's name:
    its measure of the rep, one value; None where it could not measure it."""
    choice = ctx.lift.judged_side
    out: dict[str, float | None] = {}
    for check in choice.compare if choice else ():
        measured = RULES[check].measure(ctx)
        one = isinstance(measured, Trace) and measured.values.size == 1
        out[check] = _finite(measured.values[0]) if one else None  # type: ignore[union-attr]
    return out


def check_results(ctx: RepContext, verdicts: Sequence[Verdict]) -> list[CheckResult]:
    """Each of the lift's checks on this rep (``verdicts`` in the lift's check order): what it
    found, the view bucket it judged from and how precise it was measured to be from there."""
    bucket = ctx.view.view
    out = []
    for spec, verdict in zip(ctx.lift.checks, verdicts, strict=True):
        worst = ctx.evidence.worst(spec.faults, bucket) if ctx.evidence else None
        out.append(CheckResult(
            check=spec.rule,
            result="not_judged" if isinstance(verdict, Abstention)
            else "fault" if isinstance(verdict, Fault) else "clear",
            view=bucket,
            precision=None if worst is None or worst.precision is None
            else round(worst.precision, 2),
            flagged=0 if worst is None else worst.flagged,
        ))
    return out


def _finite(value: float) -> float | None:
    return round(float(value), 2) if np.isfinite(value) else None


def top_cues(reps: Sequence[RepReport], most: int = 2) -> list[str]:
    """The cues worth hearing first: major faults outweigh minor ones, frequent ones rare ones."""
    weight: Counter[str] = Counter()
    for rep in reps:
        for fault in rep.faults:
            weight[fault.cue] += SEVERITY_PENALTY[fault.severity]
    return [cue for cue, _ in weight.most_common(most)]


@dataclass(frozen=True)
class Analysis:
    """Everything one analysis found, in memory: what every output reads.

    The HTML report plots ``kin`` against the thresholds ``lift`` actually used (a user's
    ``--config`` included) and the annotated video marks ``reps`` by frame index, so no
    output re-runs the kinematics or maps rounded seconds back to frames. ``report`` is the
    serialisable part (JSON, CSV, batch tables).
    """

    track: PoseTrack
    lift: Lift
    kin: Kinematics
    view: ViewEstimate
    reps: tuple[Rep, ...]
    """The reps as found, with their frame indices; ``report.reps`` holds their verdicts."""
    report: Report


def run_analysis(
    track: PoseTrack,
    lift: Lift,
    *,
    smoothing: Smoothing = "zero_phase",
    view: ViewEstimate | None = None,
    evidence: Evidence | None = EVIDENCE,
    height_cm: float | None = None,
    guard: bool = False,
    recognised: Recognition | None = None,
) -> Analysis:
    """Judge every rep in ``track`` as ``lift``; see :mod:`formcheck.rules` for the checks.

    ``evidence`` gates each check on what it was measured to get right from this camera's view
    bucket (:mod:`formcheck.evidence`); None lets every check judge from wherever the camera
    stood, which is how that evidence is measured and how a rule is tested on its own.
    ``height_cm``, the lifter's height, measures the set metrics from the image landmarks
    scaled by it instead of from the world landmarks (:mod:`formcheck.metrics`).

    ``guard`` asks which lift the clip looks like (:mod:`formcheck.recognise`) from the same
    kinematics, and when the recogniser is confident it is another lift than ``lift``, marks
    every rep ambiguous with why (:func:`wrong_name_guard`). ``recognised``: the recognition
    that chose ``lift`` (``--exercise auto``), recorded in the report.
    """
    height_cm = metrics.check_height(height_cm)
    series = analysis_series(lift) + (RECOGNITION_SERIES if guard else ())
    kin = judged_kinematics(kinematics(track, series, smoothing=smoothing), lift)
    view = view or estimate_view(track)
    shown = seen(track)
    found = find_reps(kin, lift, cuts=shown.edits, away=shown.away)
    cuts = video_cuts(track, shown.edits)
    verdicts = [judge_rep(ctx, cuts=cuts, height_cm=height_cm)
                for ctx in rep_contexts(kin, view, lift, found.reps, evidence, shown.edits)]
    recognition, wrong = (wrong_name_guard(recognise(kin), lift, verdicts,
                                           driver_travel(kin, lift)) if guard
                          else (None if recognised is None else report_of(recognised), None))
    report = with_recognition(build_report(track, lift, kin, view, verdicts, height_cm,
                                           found.partial, shown), recognition, wrong)
    return Analysis(track, lift, kin, view, tuple(found.reps), report)


def with_recognition(report: Report, recognition: RecognitionReport | None,
                     wrong: str | None = None) -> Report:
    """``report`` saying which lift the clip looks like, and the guard's warning (``wrong``)
    first of its warnings; a clip flagged compares no sides by the named lift's checks."""
    report.recognition = recognition
    if wrong is not None:
        report.warnings.insert(0, wrong)
        report.side_balance = []
    return report


def wrong_name_guard(found: Recognition, lift: Lift, verdicts: list[RepReport],
                     travel: float | None = None) -> tuple[RecognitionReport, str | None]:
    """What the recogniser ``found`` beside the ``lift`` named, and, where it finds the name
    all but impossible (:func:`~formcheck.recognise.wrong_name`), the warning; every rep in
    ``verdicts`` is then made ambiguous with that reason (in place), its faults dropped and
    its checks not judged, so no output, cue or score repeats them. ``travel``, how far the
    lift's driver travels over the clip, counts only where no rep was found: a rep counted
    has had a rep's movement, whatever the clip's range reads (live counts in a window, and a
    rep from before it stands).

    Why not judge it anyway: a lift's checks on another lift's reps are confidently wrong (a
    deadlift analysed as a hip thrust gives ten 'valid' thrusts; a kettlebell deadlift named a
    swing was told "hinge, don't squat"). Why not analyse it as the lift recognised: the user
    named the lift, and the recogniser can be wrong (its measured accuracy is in
    benchmarks/RESULTS.md); the report says both, and the user decides: the lift filmed, or
    the name kept with the guard off (``guard=False``, ``--no-guard``).
    """
    reason = wrong_name(lift, found, travel=None if verdicts else travel)
    if reason is not None:
        verdicts[:] = [not_this_lift(rep, reason) for rep in verdicts]
    recognition = report_of(found, named=lift.name, flagged=reason is not None)
    if reason is None:
        return recognition, None
    other = instead(lift.name, found)
    filmed = f"--exercise {other}, or --exercise auto" if other else "--exercise auto"
    marked = "every rep is marked ambiguous" if verdicts else "no rep of it was found"
    return recognition, (f"{reason}: {marked}; analyse it as the lift filmed ({filmed}), or, "
                         "if it is what you named, with --no-guard")


def not_this_lift(rep: RepReport, reason: str) -> RepReport:
    """``rep`` of a clip the guard finds is not the lift named: ambiguous with ``reason``, its
    times and speeds kept, its faults, check results and checks' abstentions (the named
    lift's) not given. What stopped the rep being judged at all stays (an upside-down
    picture, the lifter out of sight): it is true whatever the lift, and it is the fix."""
    return rep.model_copy(update={
        "outcome": "ambiguous", "score": None, "reason": reason, "faults": [],
        "abstained": rep.abstentions(of_checks=False),
        "checks": [check.model_copy(update={"result": "not_judged"}) for check in rep.checks]})


def analyze_track(
    track: PoseTrack,
    lift: Lift,
    *,
    smoothing: Smoothing = "zero_phase",
    view: ViewEstimate | None = None,
    evidence: Evidence | None = EVIDENCE,
    height_cm: float | None = None,
) -> Report:
    """The report of :func:`run_analysis`: what to call when only the verdicts matter."""
    return run_analysis(track, lift, smoothing=smoothing, view=view, evidence=evidence,
                        height_cm=height_cm).report


def rep_contexts(
    kin: Kinematics, view: ViewEstimate, lift: Lift, found: Sequence[Rep],
    evidence: Evidence | None = EVIDENCE, cuts: Sequence[float] = (),
) -> list[RepContext]:
    """What the checks see of each rep found in ``kin``: a rep looks back to the previous
    rep's turnaround and ahead to the next one's (or to the clip's ends), never past an
    edit's change of shot (``cuts``, :func:`shot_changes`: a foot flat or a bottom in another
    shot, filmed from elsewhere, is not this rep's); in a lift judged per rep on its working
    side, ``kin`` offered for that side (:mod:`formcheck.sides`)."""
    turns = [0, *(rep.turn for rep in found), len(kin.times) - 1]
    shots = np.searchsorted(kin.times, np.asarray(cuts, dtype=np.float64))
    contexts = []
    for i, rep in enumerate(found):
        before, after = shots[shots <= rep.start], shots[shots > rep.end]
        judged, side = rep_kinematics(kin, lift, rep)
        contexts.append(RepContext(
            rep, judged, view, lift, neutral_back(kin, lift, until=rep.end),
            search_from=max([turns[i], *before[-1:].tolist()]),
            search_to=min([turns[i + 2], *(after[:1] - 1).tolist()]),
            evidence=evidence, working_side=side))
    return contexts


def build_report(
    track: PoseTrack, lift: Lift, kin: Kinematics, view: ViewEstimate, reps: list[RepReport],
    height_cm: float | None = None, partial: Sequence[Partial] = (), shown: Seen | None = None,
) -> Report:
    """The report of ``reps`` judged in ``track``; ``shown``: what the track shows of its
    video (:func:`~formcheck.sight.seen`), when the caller found it already."""
    counts = Counter(rep.outcome for rep in reps)
    scored = [rep.score for rep in reps if rep.score is not None]
    shown = shown or seen(track)
    return Report(
        formcheck_version=formcheck.__version__,
        source=display(track.source),
        exercise=lift.name,
        variant=lift.variant,
        turn_at=lift.turn_at,
        model=track.model,
        view=ViewReport(
            view=view.view, confidence=round(view.confidence, 3),
            yaw_deg=round(view.yaw_deg, 1) if np.isfinite(view.yaw_deg) else None,
        ),
        facing_side=kin.facing,
        detection_rate=round(track.detection_rate, 4),
        duration_s=round(float(track.times[-1] - track.times[0]), 3) if len(track) else 0.0,
        rep_count=len(reps),
        valid=counts["valid"],
        no_rep=counts["no_rep"],
        ambiguous=counts["ambiguous"],
        mean_score=round(float(np.mean(scored)), 1) if scored else None,
        top_cues=top_cues(reps),
        warnings=warnings(track, lift, kin, view, reps, shown),
        thresholds={name: t.value for name, t in lift.thresholds.items()},
        reps=reps,
        not_counted=[PartialRep(start_s=round(p.start_s, 3), end_s=round(p.end_s, 3),
                                reason=p.reason) for p in partial],
        camera_moves=[CameraMoveReport(start_s=round(m.start_s, 3), end_s=round(m.end_s, 3),
                                       size=round(m.size, 3)) for m in shown.moves],
        set_metrics=metrics.set_metrics(reps, height_cm, hangs=lift.hangs),
        side_balance=side_balance(reps, lift),
    )


def warnings(
    track: PoseTrack, lift: Lift, kin: Kinematics, view: ViewEstimate,
    reps: Sequence[RepReport], shown: Seen,
) -> list[str]:
    """What a user should know before trusting the numbers; ``shown``: what the track shows of
    its video (:func:`~formcheck.sight.seen`)."""
    out = []
    truncated = truncation_note(track)
    if truncated is not None:
        out.append(truncated)
    out += timing_notes(track)
    edits = shown.edits
    if edits:
        listed = ", ".join(f"{at:.1f}" for at in edits[:MAX_CUT_NOTES])
        more = f" and {len(edits) - MAX_CUT_NOTES} more times" if len(edits) > MAX_CUT_NOTES else ""
        out.append(f"the video cuts to another shot at {listed} s{more} (an edited video): a "
                   "rep a cut runs through before it is made is not counted, and one it runs "
                   "through after is not judged")
    moved = camera_note(shown.moves)
    if moved is not None:
        out.append(moved)
    if upside_down(kin, slice(None), lift.upright):
        out.append(upside_down_warning(lift.upright))
    if track.detection_rate < lift.value("min_coverage"):
        out.append(f"the lifter was found in only {track.detection_rate:.0%} of the frames")
    shortest = lift.value("rep_min_duration")
    away = {(span.start_s, span.end_s): span.why for span in shown.away}
    out += [
        f"the lifter was out of the picture from {start:.1f} to {end:.1f} s "
        f"({away[start, end]}): a rep in that time is not seen, and one under way is not "
        "counted" if (start, end) in away else
        f"the lifter was out of sight from {start:.1f} to {end:.1f} s: a rep in that time is "
        "missed, or merged into the rep around it (marked ambiguous)"
        for start, end in unseen_spans(track.present, track.times, shortest)
    ]
    if kin.working_leg is not None and kin.working_leg != kin.facing:
        out.append(f"the working leg ({kin.working_leg}) is the far one from the camera: where "
                   "it is hidden its checks cannot judge; film from the other side to see it")
    if view.view != "side":
        out.append(
            f"camera view is {view.view}: only checks measured to hold up from this view "
            "judge (each other one says why it cannot); film from the side for the fullest "
            "verdict"
        )
    duration = float(track.times[-1] - track.times[0]) if len(track) else 0.0
    if duration < shortest:
        out.append(f"the video is too short to hold a rep: {len(track)} frame(s), "
                   f"{duration:.2f} s (a rep takes at least {shortest:g} s)")
    elif not reps:
        out.append("no complete rep was found")
    return out


MAX_CUT_NOTES = 3
"""Cuts listed one by one in the warnings; more are summed up in one line."""


def timing_notes(track: PoseTrack) -> list[str]:
    """Lines on a video whose clock cannot be taken at its word: timestamps that break (see
    :func:`time_cuts`), none at all, or too few frames per second to judge a rep."""
    out = []
    untimed = track.meta.get("no_timestamps")
    if untimed:
        fps = untimed["assumed_fps"]
        out.append(
            f"the video has no timestamps; timing assumes {fps:g} fps (the stream's nominal "
            "rate)" if untimed.get("stated", True) else
            f"the video has no timestamps and states no frame rate; timing assumes {fps:g} fps"
        )
    cuts = time_cuts(track)
    shown = cuts if len(cuts) <= MAX_CUT_NOTES else []
    for cut in shown:
        why = ("two recordings joined?" if cut["kind"] == "restart"
               else "frames lost, or recordings joined?")
        out.append(f"{cut_words(cut)} ({why}): treated as a cut")
    if len(cuts) > len(shown):
        out.append(
            f"the video's timestamps break {len(cuts)} times, first at {cuts[0]['at_s']:.1f} s "
            f"and last at {cuts[-1]['at_s']:.1f} s: each is treated as a cut"
        )
    interval = median_interval(track.times)
    if interval > 1.0 / MIN_FRAME_RATE * 1.01:
        out.append(_too_few_frames(1.0 / interval) + ": its reps are marked ambiguous")
    return out


def truncation_note(track: PoseTrack) -> str | None:
    """One line on a video that ended before its declared end (see :func:`extract_pose`)."""
    reason = track.meta.get("truncated")
    if not reason:
        return None
    end = float(track.times[-1]) if len(track) else 0.0
    return f"the video ends early at {end:.1f} s: {reason}; only the frames before that were used"
