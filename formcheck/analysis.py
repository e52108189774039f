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
from types import ModuleType

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


def neutral_back(kin: Kinematics, lift: Lift, until: int | None = None) -> float | None:
    """The lifter's back bend standing tall: the baseline a rounded back is measured against.

    People's backs differ (posture, clothing, build), so 'rounded' means rounder than this
    lifter's own upright back, not rounder than an ideal. Only frames up to ``until`` count:
    a rep's baseline is learnt from the standing seen by the end of that rep, never from what
    comes after it. Why: the standing posture drifts within a set (on the TBY66 clips the
    lockouts holding the bell read 0.015-0.02 flatter than the set-up before the first rep),
    so a baseline from the whole clip would let later reps change an earlier rep's verdict,
    and a live view, which cannot see them, would judge that rep differently.
    """
    upright = kin.trunk_inclination.facing.trusted(lift.value("min_visibility"))
    bend = kin.back_bend.trusted(lift.value("min_visibility"))
    standing = (upright <= lift.value("upright_inclination")) & np.isfinite(bend)
    if until is not None:
        standing[until + 1:] = False
    if standing.sum() < lift.value("neutral_back_min_frames"):
        return None
    return float(np.median(bend[standing]))


def lift_checks(lift: Lift) -> ModuleType:
    """The lift's rule module: its ``check(ctx)`` and the ``FAULTS`` it can report."""
    return importlib.import_module(f"formcheck.lifts.{lift.name}")


KNEE_BELOW_ANKLE_DEG = 90.0
"""Shin inclination beyond which the knee is lower than the ankle in the picture. No lift here
puts both knees below the ankles (a hip thrust's knees point up, a single-leg RDL stands on one
leg), so a lifter seen that way is a picture stored upside down."""

UPSIDE_DOWN = (
    "the lifter is upside down in the picture (knees below the ankles): the video is stored "
    "rotated without rotation metadata; turn it upright (e.g. ffmpeg -i in.mp4 -vf hflip,vflip "
    "out.mp4) and analyse it again"
)


def upside_down(kin: Kinematics, frames: slice | np.ndarray) -> bool:
    """Whether the lifter stands on their head in most of ``frames`` in which both shins show.

    Why it matters: joint angles do not care which way is up, so reps are still found, but
    every measure taken against the image's vertical (trunk inclination, heights, speeds) is
    turned inside out; a verdict built on them would be confidently wrong.
    """
    shins = np.minimum(kin.shin_inclination.left.value[frames],
                       kin.shin_inclination.right.value[frames])
    shown = shins[np.isfinite(shins)]
    return bool(shown.size) and bool(np.mean(shown > KNEE_BELOW_ANKLE_DEG) > 0.5)


def unseen_spans(seen: np.ndarray, times: np.ndarray, min_s: float) -> list[tuple[float, float]]:
    """(last seen, next seen) times around every stretch of at least ``min_s`` in which ``seen``
    is False, between its first and last seen frame."""
    at = times[np.flatnonzero(seen)]
    return [(float(at[i]), float(at[i + 1])) for i in np.flatnonzero(np.diff(at) >= min_s)]


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


def judge_rep(ctx: RepContext, verdicts: Sequence[Verdict]) -> RepReport:
    """Outcome, reason and score of one rep from its checks' verdicts.

    A rep the lifter was not tracked through, or seen upside down in, is ambiguous whatever
    its checks say, a no-rep included: the missing or inverted frames may be the deciding ones.
    """
    rep, lift = ctx.rep, ctx.lift
    if upside_down(ctx.kin, rep.frames):
        verdicts = [Abstention(check="orientation", reason=UPSIDE_DOWN)]
    faults = [v for v in verdicts if isinstance(v, Fault)]
    abstained = [v for v in verdicts if isinstance(v, Abstention)]
    tracking = tracking_abstention(ctx)
    if tracking is not None:
        abstained.insert(0, tracking)
    lockout = next((f for f in faults if f.code == "incomplete_lockout"), None)
    no_rep_limit = lift.thresholds.get("no_rep_hip_angle")
    if (
        tracking is None and lockout is not None and no_rep_limit is not None
        and lockout.value < no_rep_limit.value
    ):
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
    reps = [
        judge_rep(ctx, checks.check(ctx))
        for ctx in rep_contexts(kin, view, lift, find_reps(kin, lift))
    ]
    return build_report(track, lift, kin, view, reps)


def rep_contexts(
    kin: Kinematics, view: ViewEstimate, lift: Lift, found: Sequence[Rep]
) -> list[RepContext]:
    """What the checks see of each rep found in ``kin``: a rep looks back to the previous
    rep's turnaround and ahead to the next one's (or to the clip's ends)."""
    turns = [0, *(rep.turn for rep in found), len(kin.times) - 1]
    return [
        RepContext(rep, kin, view, lift, neutral_back(kin, lift, until=rep.end),
                   search_from=turns[i], search_to=turns[i + 2])
        for i, rep in enumerate(found)
    ]


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
        warnings=warnings(track, lift, kin, view, reps),
        thresholds={name: t.value for name, t in lift.thresholds.items()},
        reps=reps,
    )


def warnings(
    track: PoseTrack, lift: Lift, kin: Kinematics, view: ViewEstimate, reps: Sequence[RepReport]
) -> list[str]:
    """What a user should know before trusting the numbers."""
    out = []
    truncated = truncation_note(track)
    if truncated is not None:
        out.append(truncated)
    if upside_down(kin, slice(None)):
        out.append(UPSIDE_DOWN)
    if track.detection_rate < lift.value("min_coverage"):
        out.append(f"the lifter was found in only {track.detection_rate:.0%} of the frames")
    shortest = lift.value("rep_min_duration")
    out += [
        f"the lifter was out of sight from {start:.1f} to {end:.1f} s: a rep in that time is "
        "missed, or merged into the rep around it (marked ambiguous)"
        for start, end in unseen_spans(track.present, track.times, shortest)
    ]
    if view.view != "side":
        out.append(
            f"camera view is {view.view}: checks that measure angles in the side plane "
            "(back, hinge depth, lockout) abstain; film from the side for a full verdict"
        )
    duration = float(track.times[-1] - track.times[0]) if len(track) else 0.0
    if duration < shortest:
        out.append(f"the video is too short to hold a rep: {len(track)} frame(s), "
                   f"{duration:.2f} s (a rep takes at least {shortest:g} s)")
    elif not reps:
        out.append("no complete rep was found")
    return out


def truncation_note(track: PoseTrack) -> str | None:
    """One line on a video that ended before its declared end (see :func:`extract_pose`)."""
    reason = track.meta.get("truncated")
    if not reason:
        return None
    end = float(track.times[-1]) if len(track) else 0.0
    return f"the video ends early at {end:.1f} s: {reason}; only the frames before that were used"
