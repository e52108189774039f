"""From a pose track to a report: kinematics, reps, each lift's checks, outcomes and scores.

Example:
    >>> from formcheck.analysis import analyze_track
    >>> report = analyze_track(PoseTrack.load("lift.track.npz"), load_lift("deadlift"))
    >>> report.rep_count, [rep.outcome for rep in report.reps]
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Sequence

import numpy as np

import formcheck
from formcheck.config import Lift
from formcheck.kinematics import Kinematics, Smoothing, ViewEstimate, estimate_view, kinematics
from formcheck.report import (
    SEVERITY_PENALTY,
    Abstention,
    Fault,
    Report,
    RepReport,
    ViewReport,
)
from formcheck.reps import Rep, RepSettings, segment_reps
from formcheck.rules import RepContext, Verdict
from formcheck.track import PoseTrack


def rep_settings(lift: Lift) -> RepSettings:
    return RepSettings(
        enter=lift.value("rep_enter"),
        leave=lift.value("rep_leave"),
        hold_tolerance=lift.value("rep_hold_tolerance"),
        min_range=lift.value("rep_min_range"),
        min_duration_s=lift.value("rep_min_duration"),
    )


def driver_signal(kin: Kinematics, lift: Lift) -> np.ndarray:
    """The series whose maximum is the lift's turnaround, NaN where the joints were unclear."""
    series = getattr(kin, lift.driver).facing
    return series.trusted(lift.value("min_visibility"))


def find_reps(kin: Kinematics, lift: Lift) -> list[Rep]:
    return segment_reps(driver_signal(kin, lift), kin.times, rep_settings(lift),
                        turn_at=lift.turn_at)


def neutral_back(kin: Kinematics, lift: Lift) -> float | None:
    """The lifter's back bend standing tall: the baseline a rounded back is measured against.

    People's backs differ (posture, clothing, build), so 'rounded' means rounder than this
    lifter's own upright back, not rounder than an ideal.
    """
    upright = kin.trunk_inclination.facing.trusted(lift.value("min_visibility"))
    bend = kin.back_bend.trusted(lift.value("min_visibility"))
    standing = (upright <= lift.value("upright_inclination")) & np.isfinite(bend)
    if standing.sum() < lift.value("neutral_back_min_frames"):
        return None
    return float(np.median(bend[standing]))


def lift_checks(lift: Lift) -> object:
    return importlib.import_module(f"formcheck.lifts.{lift.name}")


def judge_rep(ctx: RepContext, verdicts: Sequence[Verdict]) -> RepReport:
    """Outcome, reason and score of one rep from its checks' verdicts."""
    rep, lift = ctx.rep, ctx.lift
    faults = [v for v in verdicts if isinstance(v, Fault)]
    abstained = [v for v in verdicts if isinstance(v, Abstention)]
    if rep.coverage < lift.value("min_coverage"):
        abstained.insert(0, Abstention(
            check="tracking",
            reason=f"the lifter was tracked in only {rep.coverage:.0%} of this rep's frames",
        ))
    lockout = next((f for f in faults if f.code == "incomplete_lockout"), None)
    no_rep_limit = lift.thresholds.get("no_rep_hip_angle")
    if lockout is not None and no_rep_limit is not None and lockout.value < no_rep_limit.value:
        outcome, score = "no_rep", 0
        reason = (f"never reached lockout: the hips opened to {lockout.value:.0f}°, "
                  f"a rep needs {no_rep_limit.value:.0f}°")
    elif abstained:
        outcome, score = "ambiguous", None
        reason = "cannot judge " + "; ".join(f"{a.check}: {a.reason}" for a in abstained)
    else:
        outcome = "valid"
        score = max(0, 100 - sum(SEVERITY_PENALTY[f.severity] for f in faults))
        reason = "all checks judged" + (
            f"; faults: {', '.join(f.code for f in faults)}" if faults else "; no faults"
        )
    kin = ctx.kin
    at = {"start": rep.start, "turn": rep.turn}
    measures = {
        f"{name}_{moment}": _finite(getattr(kin, name).facing.value[frame])
        for name in ("hip_angle", "knee_angle", "trunk_inclination")
        for moment, frame in at.items()
    }
    return RepReport(
        index=rep.index,
        start_s=round(rep.start_s, 3),
        turn_s=round(rep.turn_s, 3),
        end_s=round(rep.end_s, 3),
        eccentric_s=round(rep.eccentric_s, 3),
        concentric_s=round(rep.concentric_s, 3),
        outcome=outcome,
        reason=reason,
        score=score,
        faults=faults,
        abstained=abstained,
        measures=measures,
    )


def _finite(value: float) -> float | None:
    return round(float(value), 2) if np.isfinite(value) else None


def top_cues(reps: Sequence[RepReport], most: int = 2) -> list[str]:
    """The cues worth hearing first: major faults outweigh minor ones, frequent ones rare ones."""
    weight: Counter[str] = Counter()
    for rep in reps:
        for fault in rep.faults:
            weight[fault.cue] += SEVERITY_PENALTY[fault.severity]
    return [cue for cue, _ in weight.most_common(most)]


def analyze_track(
    track: PoseTrack,
    lift: Lift,
    *,
    smoothing: Smoothing = "zero_phase",
    view: ViewEstimate | None = None,
) -> Report:
    """Judge every rep in ``track`` as ``lift``; see :mod:`formcheck.rules` for the checks."""
    kin = kinematics(track, smoothing=smoothing)
    view = view or estimate_view(track)
    checks = lift_checks(lift)
    baseline = neutral_back(kin, lift)
    found = find_reps(kin, lift)
    turns = [0, *(rep.turn for rep in found), len(track) - 1]
    reps = [
        judge_rep(ctx, checks.check(ctx))  # type: ignore[attr-defined]
        for ctx in (
            RepContext(rep, kin, view, lift, baseline, search_from=turns[i],
                       search_to=turns[i + 2])
            for i, rep in enumerate(found)
        )
    ]
    return build_report(track, lift, kin, view, reps)


def build_report(
    track: PoseTrack, lift: Lift, kin: Kinematics, view: ViewEstimate, reps: list[RepReport]
) -> Report:
    counts = Counter(rep.outcome for rep in reps)
    scored = [rep.score for rep in reps if rep.score is not None]
    return Report(
        formcheck_version=formcheck.__version__,
        source=track.source,
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
        warnings=warnings(track, lift, view, reps),
        thresholds={name: t.value for name, t in lift.thresholds.items()},
        reps=reps,
    )


def warnings(
    track: PoseTrack, lift: Lift, view: ViewEstimate, reps: Sequence[RepReport]
) -> list[str]:
    """What a user should know before trusting the numbers."""
    out = []
    if track.detection_rate < lift.value("min_coverage"):
        out.append(f"the lifter was found in only {track.detection_rate:.0%} of the frames")
    if view.view != "side":
        out.append(
            f"camera view is {view.view}: checks that measure angles in the side plane "
            "(back, hinge depth, lockout) abstain; film from the side for a full verdict"
        )
    if not reps:
        out.append("no complete rep was found")
    return out
