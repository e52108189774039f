"""What every check is made of: what a check sees of a rep (:class:`RepContext`), the registry
(:data:`RULES`, :func:`rule`), the view gates (:func:`needs_view`, :func:`needs_front`), and the
measure-then-judge helpers (:func:`seen`, :func:`extreme_past`); why checks work this way is in
:mod:`formcheck.rules`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from formcheck.evidence import Evidence
from formcheck.kinematics import Kinematics
from formcheck.lift import Lift
from formcheck.report import Abstention, Fault
from formcheck.reps import Rep
from formcheck.series import SERIES, Series, Side
from formcheck.view import ViewEstimate

Verdict = Fault | Abstention | None
Check = Callable[["RepContext"], Verdict]


@dataclass(frozen=True)
class RepContext:
    """What the checks see of one rep."""

    rep: Rep
    kin: Kinematics
    view: ViewEstimate
    lift: Lift
    neutral_back: float | None
    """The lifter's own back bend when standing tall in this clip; None if never seen."""
    search_from: int
    """First frame worth looking back to for this rep's true bottom: the previous rep's
    turnaround, or the clip's start."""
    search_to: int
    """Last frame worth looking ahead to for this rep's finish: the next rep's turnaround, or
    the clip's end."""
    evidence: Evidence | None = None
    """What each check was measured to get right per view bucket; a check abstains from a
    bucket where it does not hold up (see :mod:`formcheck.evidence`). None: no such gate."""
    working_side: Side | None = None
    """This rep's working side in a lift judged per rep (:mod:`formcheck.sides`), which every
    sided series of ``kin`` is then offered for; None in other lifts."""

    @property
    def frames(self) -> np.ndarray:
        return np.arange(self.rep.start, self.rep.end + 1)

    @property
    def lifting_frames(self) -> np.ndarray:
        """The concentric half: from the bottom up to the top."""
        rep = self.rep
        if rep.turn_at == "top":
            return np.arange(rep.start, rep.turn + 1)
        return np.arange(rep.turn, rep.end + 1)

    @property
    def top_frames(self) -> np.ndarray:
        """Where this rep's standing finish lies: the turnaround itself for a lift that turns at
        the top; for one that turns at the bottom, the stand that follows (up to the next rep),
        which the rep's own frames only reach the edge of."""
        if self.rep.turn_at == "top":
            return self.frames
        return np.arange(self.rep.turn, self.search_to + 1)

    @property
    def loaded_frames(self) -> np.ndarray:
        """The frames in which this rep can load the back: from just before it starts (so a
        bend held as the weight leaves the floor counts) to its end."""
        times = self.kin.times
        lift_off = np.searchsorted(times, times[self.rep.start] - self.t("spine_sustain"))
        return np.arange(max(self.search_from, int(lift_off)), self.rep.end + 1)

    @property
    def bottom_frames(self) -> np.ndarray:
        """Where the bottom of this rep lies: the rep itself for a lift that turns at the bottom;
        else from shortly before the rep starts (at most ``bottom_lookback``, and not before
        the previous top) to its top: a pull's floor position, a swing's backswing. The rep's
        own start is where the driver begins to rise, which in a hips-first pull comes after
        the hips have already risen."""
        if self.rep.turn_at == "bottom":
            return self.frames
        times = self.kin.times
        earliest = np.searchsorted(times, times[self.rep.start] - self.t("bottom_lookback"))
        return np.arange(max(self.search_from, int(earliest)), self.rep.turn + 1)

    def t(self, name: str) -> float:
        return self.lift.value(name)

    def trusted(self, series: Series, frames: np.ndarray) -> np.ndarray:
        """Values at ``frames`` where the landmarks were seen well enough; NaN elsewhere."""
        return series.trusted(self.t("min_visibility"))[frames]


@dataclass(frozen=True)
class Rule:
    """A registered check: the function, and what a lift using it must know and provide."""

    name: str
    function: Callable[..., Verdict]
    faults: tuple[str, ...]
    """Fault codes it can report."""
    series: tuple[str, ...]
    """Kinematic series it reads (what a report plots for it)."""
    thresholds: tuple[str, ...]
    """Thresholds it needs beyond the common ones (``<name>_major`` ones are optional)."""
    cues: tuple[str, ...]
    """Its cue parameters, which the lift's TOML fills in."""
    measure: Callable[[RepContext], Measured]
    """What it measures in a rep, frame by frame: the numbers its faults come from, for a
    report to plot against the thresholds."""


RULES: dict[str, Rule] = {}
"""Every rule, by name."""


def rule(
    *,
    faults: tuple[str, ...],
    series: tuple[str, ...],
    thresholds: tuple[str, ...],
    measure: Callable[[RepContext], Measured],
) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    """Register a check under its function's name; its cue parameters are its keyword-only
    ``*cue`` arguments."""

    unknown = [name for name in series if name not in SERIES]
    if unknown:
        raise ValueError(f"rule reads unknown series {', '.join(unknown)}")

    def register(function: Callable[..., Verdict]) -> Callable[..., Verdict]:
        if function.__name__ in RULES:  # a lift names its rules: two of one name is a bug
            raise ValueError(f"a rule named {function.__name__} is registered already")
        cues = tuple(name for name in inspect.signature(function).parameters if "cue" in name)
        RULES[function.__name__] = Rule(function.__name__, function, faults, series,
                                        thresholds, cues, measure)
        return function

    return register


def run_checks(ctx: RepContext) -> list[Verdict]:
    """Every check of the rep's lift, in the order the lift lists them; a check whose evidence
    does not hold up from this camera's view bucket abstains instead, saying so."""
    return [_gated(ctx, RULES[check.rule], RULES[check.rule].function(ctx, **check.cues))
            for check in ctx.lift.checks]


def _gated(ctx: RepContext, rule: Rule, verdict: Verdict) -> Verdict:
    if ctx.evidence is None or isinstance(verdict, Abstention):
        return verdict
    why = ctx.evidence.why_not(rule.faults, ctx.view.view) or next(
        (reason for code in rule.faults
         if (reason := ctx.evidence.unmeasured_thresholds(code, judged_with(rule, ctx.lift)))),
        None)
    return verdict if why is None else Abstention(check=rule.name, reason=why)


def judged_with(rule: Rule, lift: Lift) -> dict[str, float]:
    """The threshold values ``rule`` judges with in ``lift`` (its major twins included; the
    view gates left out: the evidence's view buckets stand for them)."""
    names = [name for base in rule.thresholds if not base.endswith(("_min_yaw", "_max_yaw"))
             for name in (base, f"{base}_major")]
    return {name: lift.value(name) for name in names if name in lift.thresholds}


def needs_view(ctx: RepContext, check: str, min_yaw: str) -> Abstention | None:
    """Abstain unless the camera is at least ``min_yaw`` (a threshold name) from the front.

    Sagittal angles seen from the front are foreshortened into nonsense, so a check that
    measures them must not run on a front view.
    """
    return side_view_refusal(ctx.view, check, ctx.t(min_yaw))


def side_view_refusal(view: ViewEstimate, check: str, min_yaw_deg: float) -> Abstention | None:
    """:func:`needs_view` for any caller (a held stretch's checks too): why ``check`` cannot
    judge from ``view``, with the camera less than ``min_yaw_deg`` from the front."""
    yaw = view.yaw_deg
    if not np.isfinite(yaw):
        return Abstention(check=check, reason="the camera view could not be estimated")
    if yaw < min_yaw_deg:
        return Abstention(
            check=check,
            reason=f"needs a side view; the camera is {yaw:.0f}° from the front "
            f"(at least {min_yaw_deg:.0f}° needed)",
        )
    return None


@dataclass(frozen=True)
class Trace:
    """What a check measured in one rep, frame by frame; it judges the extreme of ``values``.

    Kept apart from the verdict so the report can plot the very numbers a fault came from. One
    frame when the check looks at a single moment (the top of a thrust, the deepest hip bend):
    then the measure is a per-rep value, not a curve.
    """

    frames: np.ndarray
    values: np.ndarray
    """In the unit of the check's thresholds; NaN where the joints were not seen well enough."""

    def pick(self, which: Literal["max", "min"]) -> tuple[float, int]:
        """The extreme value and the frame where it occurs."""
        at = np.nanargmax(self.values) if which == "max" else np.nanargmin(self.values)
        return float(self.values[at]), int(self.frames[at])


Measured = Trace | Abstention | None
"""A check's measure of a rep: None when the rep gives it nothing to fault (a trunk that never
leans forward never loads the back), an Abstention when it cannot tell."""


def covered(ctx: RepContext, check: str, frames: np.ndarray, values: np.ndarray
            ) -> Trace | Abstention:
    """``values`` over ``frames`` as a trace, or an abstention when too few of them were trusted:
    the extreme of a rep half-hidden from the camera may be exactly the part that was hidden."""
    refused = unseen_refusal(check, np.isfinite(values), ctx.t("min_coverage"))
    return Trace(frames, values) if refused is None else refused


def unseen_refusal(check: str, shown: np.ndarray, min_coverage: float) -> Abstention | None:
    """Why ``check`` cannot judge frames of which only those ``shown`` were trusted, if fewer
    than ``min_coverage`` of them (a rep's, a hold's)."""
    share = float(shown.mean()) if shown.size else 0.0
    if shown.size and share >= min_coverage:
        return None
    return Abstention(
        check=check,
        reason=f"the joints it needs were clearly visible in only {share:.0%} of the frames",
    )


def seen(
    ctx: RepContext, code: str, series: Series, frames: np.ndarray,
    min_yaw: str | None = "sagittal_min_yaw",
) -> Trace | Abstention:
    """The usual preamble: abstain for the view, then for unseen joints; else the trusted values
    of ``series`` over ``frames``."""
    if min_yaw is not None:
        refused = needs_view(ctx, code, min_yaw)
        if refused is not None:
            return refused
    return far_leg(ctx, covered(ctx, code, frames, ctx.trusted(series, frames)))


def far_leg(ctx: RepContext, measured: Trace | Abstention) -> Trace | Abstention:
    """An abstention for joints not seen says so when the lift is judged on its working leg
    and that is the far one from the camera (:mod:`formcheck.legs`): the likely reason, and
    what filming from the other side would mend."""
    leg = ctx.kin.working_leg
    if not isinstance(measured, Abstention) or leg is None or leg == ctx.kin.facing:
        return measured
    return Abstention(check=measured.check, reason=f"the working leg ({leg}) is the far one "
                      f"from the camera and poorly seen: {measured.reason}")


def mapped(measured: Trace | Abstention, how: Callable[[np.ndarray], np.ndarray]
            ) -> Trace | Abstention:
    """The trace with ``how`` applied to its values (an abstention passes through)."""
    if isinstance(measured, Abstention):
        return measured
    return Trace(measured.frames, how(measured.values))


def judge(
    ctx: RepContext,
    code: str,
    value: float,
    frame: int,
    *,
    limit: str,
    worse: Literal["above", "below"],
    cue: str,
) -> Fault | None:
    """A fault when ``value`` is past the threshold ``limit``; major past ``limit + "_major"``."""
    minor = ctx.lift.threshold(limit)
    major = ctx.lift.thresholds.get(f"{limit}_major")

    def past(threshold: float) -> bool:
        return value > threshold if worse == "above" else value < threshold

    if not past(minor.value):
        return None
    severe = major is not None and past(major.value)
    crossed = major if severe and major is not None else minor
    return Fault(
        code=code,
        severity="major" if severe else "minor",
        value=round(value, 3),
        threshold=crossed.value,
        unit=minor.unit,
        threshold_name=crossed.name,
        at_s=[round(float(ctx.kin.times[frame]), 3)],
        frames=[frame],
        cue=cue,
    )


def extreme_past(
    ctx: RepContext,
    code: str,
    measured: Measured,
    which: Literal["max", "min"],
    *,
    limit: str,
    worse: Literal["above", "below"],
    cue: str,
) -> Verdict:
    """The commonest check: the extreme of one measure over the rep, judged against one
    threshold (the measure's abstention, or its having nothing to judge, passed on)."""
    if not isinstance(measured, Trace):
        return measured
    return judge(ctx, code, *measured.pick(which), limit=limit, worse=worse, cue=cue)


def needs_front(ctx: RepContext, check: str, max_yaw: str) -> Abstention | None:
    """Abstain unless the camera is at most ``max_yaw`` (a threshold name) from the front or
    the back: the mirror of :func:`needs_view`, for a check measured across the body (knee to
    knee, hip to hip, an elbow bending in the frontal plane), which shrinks by cos(yaw) and
    from the side points at the camera."""
    yaw = ctx.view.yaw_deg
    if not np.isfinite(yaw):
        return Abstention(check=check, reason="the camera view could not be estimated")
    if yaw > ctx.t(max_yaw):
        return Abstention(
            check=check,
            reason=f"needs a view from the front or back; the camera is {yaw:.0f}° round from "
            f"the front (at most {ctx.t(max_yaw):.0f}°): across the body is not seen from "
            "the side",
        )
    return None


def elbow_measure(ctx: RepContext, code: str, frames: np.ndarray) -> Trace | Abstention:
    """The elbow angle (180 straight) over ``frames``."""
    return seen(ctx, code, ctx.kin.elbow_angle.facing, frames)
