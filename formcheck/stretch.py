"""What a held stretch (a pose) is, as the hold analysis needs it: the values
:func:`formcheck.config.load_pose` reads from a pose's TOML file (``formcheck/poses``).

A stretch is not reps: it is time spent in a position. So a pose names, instead of a driver and
its turnaround, the criteria that make the position (:class:`Criterion`: a series past a
threshold), entered when all of them hold and left only when one fails past its own ``_leave``
limit (hysteresis: a lifter wobbling on the edge of the position is not in and out of it every
frame); the leg the stretch is held on, where it has sides (:class:`SideSpec`); and its
position checks (:class:`PositionCheck`), each a series judged frame by frame over the held
time, whose fault is the share of that time spent past the limit. Like a lift's, every limit
is a named :class:`~formcheck.lift.Threshold` with unit, meaning and source.

Example:
    >>> from formcheck.config import load_pose
    >>> pose = load_pose("downward_dog")
    >>> [c.fault for c in pose.checks]
    ['hips_not_highest', 'arms_not_in_line', 'knees_bent']
    >>> pose.value("hold_target_min"), pose.value("hold_target_max")
    (30.0, 60.0)
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from formcheck.lift import Threshold

Worse = Literal["above", "below"]

SHARED = ("min_visibility", "min_coverage", "sagittal_min_yaw", "spine_min_yaw",
          "upright_inclination", "neutral_back_min_frames")
"""The lifts' common thresholds (``lifts/common.toml``) a pose uses too: what a landmark needs
to be trusted, the view gates and the standing frames a flat back is learnt from. The rest of
that file is about reps."""


class Criterion(BaseModel):
    """One condition of the position: ``series`` on the side ``leg`` past ``limit`` (towards
    ``inside``) to enter, and back past ``<limit>_leave`` to leave."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    series: str
    limit: str
    inside: Worse
    """Which side of ``limit`` is in the position: ``above`` or ``below`` it."""
    leg: Literal["facing", "either"] = "facing"
    """Read on the side nearer the camera, or on either side (whichever is further in the
    position: a figure-four may cross either leg)."""


class SideSpec(BaseModel):
    """How a hold's side is told: the leg whose ``series`` is the larger (``pick = "max"``) or
    the smaller over most of the hold, and past ``least`` (a threshold) if given; no side
    otherwise (the feet together)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    series: str
    pick: Literal["max", "min"]
    least: str | None = None
    means: str
    """What the side is, in words (the front leg, the crossed leg)."""


class PositionCheck(BaseModel):
    """One check of the held position: ``series`` past ``limit`` on the ``worse`` side is the
    fault ``fault``, judged frame by frame over the held time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fault: str
    series: str
    limit: str
    worse: Worse
    cue: str
    leg: Literal["facing", "side"] = "facing"
    """Read on the side nearer the camera, or on the hold's side (the front or crossed leg;
    the facing one when the hold has no side)."""
    needs_view: str | None = None
    """The view gate (a threshold: how far round from the front the camera must be), for a
    measure seen only from the side; None: any view."""
    baseline: Literal["neutral_back"] | None = None
    """Measured against the lifter's own standing back (:func:`formcheck.analysis.neutral_back`)
    rather than as is."""


class Pose(BaseModel):
    """A held stretch as the analysis needs it, with the thresholds in force (the user's
    overrides applied)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    description: str = ""
    validated_on: str = "not validated yet"
    position: tuple[Criterion, ...]
    side: SideSpec | None = None
    """How a hold's side is told; None for a stretch without sides."""
    checks: tuple[PositionCheck, ...]
    thresholds: dict[str, Threshold]
    defaults: dict[str, float]

    def threshold(self, name: str) -> Threshold:
        return self.thresholds[name]

    def value(self, name: str) -> float:
        return self.thresholds[name].value

    @property
    def series(self) -> tuple[str, ...]:
        """Every series the position, the side and the checks read (the back's standing
        baseline needs the trunk's inclination too)."""
        baseline = ("trunk_inclination",) if any(c.baseline for c in self.checks) else ()
        side = (self.side.series,) if self.side else ()
        return tuple(dict.fromkeys((*(c.series for c in self.position), *side, *baseline,
                                    *(c.series for c in self.checks))))

    @property
    def faults(self) -> tuple[str, ...]:
        return tuple(c.fault for c in self.checks)

    def evidence_code(self, check: PositionCheck) -> str:
        """The code ``check``'s precision is tallied under (:mod:`formcheck.evidence`): its
        own, per stretch (``hamstring_stretch.rounded_back``). A held position's measure is not
        a rep's, even where the fault has the rep's name, so a deadlift's evidence for a
        rounded back says nothing of a forward fold's."""
        return f"{self.name}.{check.fault}"
