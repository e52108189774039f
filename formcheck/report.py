"""The analysis report: what ``formcheck analyze`` writes as JSON and CSV, as pydantic models.

The JSON Schema (``formcheck schema``) is generated from these models, so the schema, the JSON
and the Python objects cannot drift apart.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from formcheck.files import write_text
from formcheck.tables import (
    KEY,
    REP_FIRST,
    REP_LAST,
    Cell,
    csv_text,
    numeric_cells,
    numeric_columns,
)

Outcome = Literal["valid", "no_rep", "ambiguous"]
Severity = Literal["minor", "major"]

SEVERITY_PENALTY: dict[str, int] = {"major": 30, "minor": 10}
"""Points a fault takes off a rep's 100: a major fault (injury risk or a rep that does not train
what it should) costs three minor ones (technique to tidy). A no-rep scores 0."""


class Fault(BaseModel):
    """A named fault found in one rep, with the measurement that shows it."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Fault name, e.g. rounded_back.")
    severity: Severity
    value: float = Field(description="What was measured, in `unit`.")
    threshold: float = Field(description="The limit it crossed, in `unit`.")
    unit: str
    threshold_name: str = Field(description="Name of the threshold in the lift's config.")
    at_s: list[float] = Field(description="Times (s) where the fault shows.")
    frames: list[int] = Field(description="Frame indices where the fault shows.")
    cue: str = Field(description="What to do about it, as a coach would say it.")


class Abstention(BaseModel):
    """A check that could not judge this rep, and why; never silently skipped."""

    model_config = ConfigDict(frozen=True)

    check: str
    reason: str


class CheckResult(BaseModel):
    """How one of the lift's checks judged this rep, and how far that can be trusted."""

    model_config = ConfigDict(frozen=True)

    check: str = Field(description="The check (a rule of formcheck.rules).")
    result: Literal["fault", "clear", "not_judged"]
    view: Literal["side", "oblique", "front", "unknown"] = Field(
        description="The camera-view bucket it judged from (side >= 60°, oblique 25-60°, "
        "front < 25° from the lifter's front).")
    precision: float | None = Field(
        description="The check's measured precision from this view bucket on reps labelled by "
        "eye (benchmarks/views.py); null if never measured there.")
    flagged: int = Field(description="Labelled reps the check flagged from this bucket: what "
                         "the precision rests on.")


class PathMetrics(BaseModel):
    """How far and how fast one point of the body moved up and down in one rep."""

    model_config = ConfigDict(frozen=True)

    rom_m: float = Field(description="Vertical range of motion in the rep: its highest "
                         "height minus its lowest, in metres.")
    mean_speed_m_s: float = Field(
        description="Mean vertical speed over the concentric (lifting) half: its rise over its "
        "duration, in m/s, positive upwards; what velocity-based training calls the mean "
        "concentric velocity.")
    peak_speed_m_s: float = Field(description="Highest upward speed in the concentric half, "
                                  "in m/s.")


class RepMetrics(BaseModel):
    """What a velocity-based-training app gives for a rep (docs/metrics.md): range of motion
    and speed of the hands and hips. A point not tracked through the whole rep, or a rep whose
    frames cannot be trusted (ambiguous for tracking, a cut, the frame rate, or upside down),
    has null: never an estimate."""

    model_config = ConfigDict(frozen=True)

    wrist: PathMetrics | None = Field(
        default=None, description="The wrists of the side facing the camera: the bar or bell "
        "in the hands. For a lifter hanging from a bar (a pull-up), the shoulders' rise "
        "towards the hands: the body closing on the bar.")
    hip: PathMetrics | None = Field(
        default=None, description="The hip of the side facing the camera (for a lifter "
        "hanging from a bar, its rise towards the hands).")


class SetMetrics(BaseModel):
    """The set's speed figures, from the reps' :class:`RepMetrics`."""

    model_config = ConfigDict(frozen=True)

    method: Literal["world", "image"] = Field(
        default="world",
        description="How heights became metres: 'world' from MediaPipe's world landmarks "
        "(metric, heights above the ankle); 'image' from image landmarks scaled by the "
        "lifter's stated height (docs/metrics.md gives how far the two agree).")
    lifter_height_cm: float | None = Field(
        default=None, description="The lifter's height as stated (method 'image'), in cm.")
    reps_measured: int = Field(default=0, description="Reps with a wrist speed: what the "
                               "figures below rest on.")
    mean_wrist_speed_m_s: float | None = Field(
        default=None, description="Mean of the measured reps' mean concentric wrist speeds, "
        "in m/s.")
    mean_hip_speed_m_s: float | None = Field(
        default=None, description="Mean of the reps' mean concentric hip speeds, in m/s.")
    fastest_rep: int | None = Field(default=None, description="The rep with the highest mean "
                                    "concentric wrist speed.")
    velocity_loss_pct: float | None = Field(
        default=None, description="Loss of mean concentric wrist speed from the fastest rep to "
        "the last rep measured, in percent of the fastest (Sanchez-Medina and "
        "Gonzalez-Badillo 2011); null with fewer than two reps measured.")
    heights_above: Literal["ankles", "hands"] = Field(
        default="ankles", description="What heights were measured above: the ankles, for a "
        "lifter on their feet; the hands, for one hanging from a bar (a pull-up), whose wrist "
        "figures are then the shoulders' rise towards the bar, the body's speed.")


class SideBalance(BaseModel):
    """One check's measure compared between the two sides over the set, in a lift judged per
    rep on its working side (a lunge's depth on each front leg)."""

    model_config = ConfigDict(frozen=True)

    check: str = Field(description="The check whose per-rep measure is compared.")
    unit: str = Field(description="The measure's unit (that of the check's thresholds).")
    left_mean: float | None = Field(description="Mean over the reps worked on the left side; "
                                    "null if none was measured.")
    right_mean: float | None = Field(description="Mean over the reps worked on the right side.")
    left_reps: int = Field(description="Reps on the left side with the measure.")
    right_reps: int = Field(description="Reps on the right side with the measure.")
    difference: float | None = Field(description="Left mean minus right mean; null unless both "
                                     "sides were measured.")
    uneven: bool | None = Field(description="Whether the difference is past the lift's "
                                "asymmetry threshold for the check; null when not measured or "
                                "the lift has no such threshold.")


class RepReport(BaseModel):
    index: int = Field(description="1-based rep number in the clip.")
    side: Literal["left", "right"] | None = Field(
        default=None, description="The rep's working side, in a lift whose working arm or leg "
        "changes within a set (a one-arm row's arm, a lunge's front leg), found from the pose "
        "rep by rep; its checks read that side. Null in other lifts.")
    start_s: float
    turn_s: float = Field(description="Turnaround: the top (deadlift, swing, thrust) or bottom.")
    end_s: float = Field(description="End of the rep; when not lowered, the last frame the "
                         "lifter was seen in.")
    made_s: float = Field(description="When a lifter would count the rep: a floor-start "
                          "lift reaching its top (the lockout reached, not the middle of its "
                          "hold; a thrust's hips stopping rising; the swing's apex), a "
                          "top-start one back at the top (RDL, good morning).")
    lowered: bool = Field(default=True, description="Whether the lowering is in the clip: a "
                          "floor-start rep is made at its top, so one the clip ends on is "
                          "counted without it.")
    eccentric_s: float | None = Field(description="Lowering time; null when not lowered.")
    concentric_s: float
    outcome: Outcome
    reason: str = Field(description="Why the outcome is what it is, in a sentence.")
    score: int | None = Field(description="0-100; null when the rep is ambiguous.")
    faults: list[Fault]
    abstained: list[Abstention]
    checks: list[CheckResult] = Field(
        default_factory=list,
        description="Each check of the lift on this rep: result, view bucket, measured precision.")
    measures: dict[str, float | None] = Field(
        description="Key measurements of the rep (angles in degrees), for plots and research."
    )
    metrics: RepMetrics = Field(
        default_factory=RepMetrics,
        description="Range of motion and speeds of the wrists and hips (docs/metrics.md).")

    @property
    def judged_checks(self) -> int:
        """How many of the lift's checks judged this rep."""
        return sum(check.result != "not_judged" for check in self.checks)

    def abstentions(self, *, of_checks: bool) -> list[Abstention]:
        """The checks' own abstentions (``of_checks``: each check's "not judged"), or else what
        stopped the whole rep being judged (the lifter out of sight, an upside-down picture,
        too few frames), which holds whatever the checks."""
        checks = {check.check for check in self.checks}
        return [a for a in self.abstained if (a.check in checks) == of_checks]


class PartialRep(BaseModel):
    """A movement like a rep that was not counted."""

    start_s: float = Field(description="Where it starts, in seconds.")
    end_s: float = Field(description="Where it ends (the clip's end when the clip cut it).")
    reason: str = Field(description="Why it is not a rep, in a sentence.")


class CameraMoveReport(BaseModel):
    """A span in which the camera moved (:mod:`formcheck.camera`)."""

    start_s: float
    end_s: float
    size: float = Field(description="The farthest the picture moved from where it was at "
                        "start_s, as a share of the frame's width.")


class ViewReport(BaseModel):
    view: Literal["side", "oblique", "front", "unknown"]
    confidence: float
    yaw_deg: float | None


class RecognitionReport(BaseModel):
    """Which lift the pose track looks like (:mod:`formcheck.recognise`), beside the one named."""

    named: str | None = Field(description="The lift the user named; null under `--exercise "
                              "auto`, where the lift analysed is the one recognised.")
    recognised: str | None = Field(description="The lift the clip looks like; null when the "
                                   "recogniser is unsure or it is not a supported lift.")
    status: Literal["recognised", "unsure", "unsupported"]
    confidence: float = Field(description="The recogniser's probability of its best candidate.")
    candidates: dict[str, float] = Field(description="The likeliest lifts, best first, with "
                                         "their probabilities.")
    flagged: bool = Field(default=False, description="Whether the recogniser is confident the "
                          "clip is another lift than the one named: every rep is then "
                          "ambiguous, and `warnings` says which lift it looks like.")


class Report(BaseModel):
    """Everything formcheck concluded about one clip."""

    formcheck_version: str = Field(description="The formcheck that made this report.")
    source: str = Field(description="The video (or pose track) analysed, as given.")
    exercise: str = Field(description="The lift, as `formcheck exercises` names it.")
    variant: str = Field(description="The lift's variant whose thresholds were used.")
    turn_at: Literal["top", "bottom"] = Field(
        description="Where each rep turns around: the top (lifting first) or the bottom."
    )
    model: str = Field(description="The pose model the track was made with (lite, full, heavy).")
    view: ViewReport = Field(description="Where the camera stood: the view bucket each check "
                             "judged from.")
    facing_side: str = Field(description="The lifter's side nearer the camera (left or right), "
                             "whose joints are measured.")
    detection_rate: float = Field(description="Share of frames in which the lifter was found.")
    duration_s: float = Field(description="From the first frame to the last, in seconds.")
    rep_count: int = Field(description="Reps found: valid + no_rep + ambiguous.")
    valid: int = Field(description="Reps judged on the checks that could judge them.")
    no_rep: int = Field(description="Reps that did not count (never reached lockout).")
    ambiguous: int = Field(description="Reps that could not be judged (see each rep's reason).")
    mean_score: float | None = Field(description="Mean score of the valid and no-rep reps.")
    top_cues: list[str] = Field(description="The cues that matter most, most important first.")
    warnings: list[str] = Field(description="What to know before trusting the numbers.")
    thresholds: dict[str, float] = Field(description="Every threshold used, by name.")
    reps: list[RepReport] = Field(description="Every rep, in time order.")
    not_counted: list[PartialRep] = Field(
        default_factory=list,
        description="Movements like a rep that were not counted, in time order, each with why "
        "(cut by the clip's start or end, short of the lift's range, standing up without the "
        "weight): nothing is dropped silently.")
    camera_moves: list[CameraMoveReport] = Field(
        default_factory=list,
        description="Where the camera panned, tilted or shook, in time order: reps are counted "
        "from the lifter's joints, which it leaves as they are, but a rep whose turnaround it "
        "lost is not counted (`not_counted` says so). Empty for a still camera, and for a "
        "track made before formcheck measured it.")
    set_metrics: SetMetrics = Field(
        default_factory=SetMetrics,
        description="Speeds over the set and the velocity loss from its fastest rep to its "
        "last (docs/metrics.md).")
    side_balance: list[SideBalance] = Field(
        default_factory=list,
        description="In a lift judged per rep on its working side (alternating lunges, one-arm "
        "rows), the measures it compares between the sides over the set: left/right asymmetry, "
        "reported for the set rather than as a rep's fault.")
    recognition: RecognitionReport | None = Field(
        default=None,
        description="The lift the pose track looks like, where it was asked (`analyze`, "
        "`batch`, `--exercise auto`); null otherwise.")

    def save_json(self, path: str | os.PathLike[str]) -> None:
        write_text(path, self.model_dump_json(indent=2) + "\n")

    def rep_rows(self, clip: str | None = None) -> list[dict[str, Cell]]:
        """One row per rep: what the rep is (and its working side, in a lift judged per rep),
        every numeric measure of it (:func:`~formcheck.tables.numeric_cells`), its faults and
        why its outcome is what it is. ``clip`` names the clip (default: the report's
        ``source``)."""
        return [
            {KEY: self.source if clip is None else clip, "exercise": self.exercise,
             "variant": self.variant, "outcome": rep.outcome}
            | ({"side": rep.side} if rep.side else {})
            | numeric_cells(rep)
            | {"faults": ";".join(f"{f.code}:{f.severity}" for f in rep.faults),
               "abstained": ";".join(a.check for a in rep.abstained), "reason": rep.reason}
            for rep in self.reps
        ]

    def csv_text(self, clip: str | None = None) -> str:
        """One row per rep, every numeric measure a column (:mod:`formcheck.tables`): the table
        a coach pastes into a spreadsheet. ``clip`` names the clip (default: ``source``)."""
        return csv_text(self.rep_rows(clip), first=REP_FIRST, last=REP_LAST,
                        header=numeric_columns(RepReport))

    def save_csv(self, path: str | os.PathLike[str]) -> None:
        write_text(path, self.csv_text())

