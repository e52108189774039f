"""The hold report: what ``formcheck hold`` writes as JSON and CSV, as pydantic models.

A held stretch is judged on time, not reps: how long the lifter stayed in the position (in
all, in the longest unbroken hold, per side where the stretch has sides) against the 30-60 s
the articles ask for, and how much of that time each position check found a fault. As with the
:class:`~formcheck.report.Report`, the JSON Schema (``formcheck schema --hold``) is generated
from these models, and the CSV's columns from their numeric fields (:mod:`formcheck.tables`).
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from formcheck.files import write_text
from formcheck.report import Abstention, ViewReport
from formcheck.tables import KEY, Cell, csv_text, numeric_cells, numeric_columns

HOLD_SCHEMA_VERSION = 1
"""Bumped whenever a field of :class:`HoldReport` changes meaning or goes away."""

Against = Literal["short", "within", "long", "none"]


class PositionFault(BaseModel):
    """How one position check judged the held time."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="The fault, e.g. knees_bent.")
    share: float = Field(description="Share (0-1) of the judged held time spent past the "
                         "threshold.")
    fault_s: float = Field(description="Held time spent past the threshold, in seconds.")
    judged_s: float = Field(description="Held time in which the check could judge (its "
                            "joints seen), in seconds.")
    worst: float = Field(description="The measure's worst value over the held time, in "
                         "`unit`.")
    threshold: float = Field(description="The limit, in `unit`.")
    threshold_name: str
    unit: str
    cue: str = Field(description="What to do about it, as a coach would say it.")


class HoldSpan(BaseModel):
    """One unbroken hold of the position."""

    model_config = ConfigDict(frozen=True)

    hold: int = Field(description="1-based hold number in the clip.")
    start_s: float = Field(description="First frame in the position, in seconds.")
    end_s: float = Field(description="First frame out of it (the clip's end plus one frame "
                         "interval when held to the end), in seconds.")
    duration_s: float = Field(description="end_s - start_s.")
    side: Literal["left", "right"] | None = Field(
        description="The leg the stretch was held on (the front leg, the crossed leg); null "
        "for a stretch without sides or when it could not be told (feet together, unseen).")
    faults: dict[str, float | None] = Field(
        description="Per position check, the share (0-1) of this hold spent past its "
        "threshold; null where the check did not judge this hold.")


class SideTime(BaseModel):
    """The time held on one side."""

    model_config = ConfigDict(frozen=True)

    side: Literal["left", "right"]
    total_s: float
    longest_s: float
    target: Against = Field(description="The longest hold on this side against the target.")


class HoldReport(BaseModel):
    """Everything formcheck concluded about one clip of a held stretch."""

    schema_version: int = Field(default=HOLD_SCHEMA_VERSION,
                                description="Version of this report's fields.")
    kind: Literal["hold"] = Field(default="hold", description="A hold report, not a rep "
                                  "report (formcheck analyze).")
    formcheck_version: str = Field(description="The formcheck that made this report.")
    source: str = Field(description="The video (or pose track) analysed, as given.")
    pose: str = Field(description="The stretch, as `formcheck exercises` names it.")
    model: str = Field(description="The pose model the track was made with.")
    view: ViewReport = Field(description="Where the camera stood: the view bucket each check "
                             "judged from.")
    facing_side: str = Field(description="The lifter's side nearer the camera.")
    detection_rate: float = Field(description="Share of frames in which the lifter was found.")
    duration_s: float = Field(description="From the first frame to the last, in seconds.")
    target_min_s: float = Field(description="The shortest hold asked for, in seconds.")
    target_max_s: float = Field(description="The longest hold asked for, in seconds.")
    hold_count: int = Field(description="Unbroken holds found.")
    total_s: float = Field(description="Time in the position over the clip, in seconds.")
    longest_s: float = Field(description="The longest unbroken hold, in seconds.")
    target: Against = Field(description="The longest hold against the target: short of "
                            "target_min_s, within, past target_max_s, or none (no hold).")
    sides: list[SideTime] = Field(description="Time per side, for a stretch with sides.")
    holds: list[HoldSpan] = Field(description="Every hold, in time order.")
    faults: list[PositionFault] = Field(description="Each position check that judged, over "
                                        "the whole held time.")
    abstained: list[Abstention] = Field(description="Each check that could not judge, and why.")
    top_cues: list[str] = Field(description="The cues of the faults held longest, first.")
    warnings: list[str] = Field(description="What to know before trusting the numbers.")
    thresholds: dict[str, float] = Field(description="Every threshold used, by name.")

    def save_json(self, path: str | os.PathLike[str]) -> None:
        write_text(path, self.model_dump_json(indent=2) + "\n")

    def hold_rows(self, clip: str | None = None) -> list[dict[str, Cell]]:
        """One row per hold: when, how long, which side, each check's share of it."""
        return [{KEY: self.source if clip is None else clip, "pose": self.pose,
                 "side": hold.side or ""} | numeric_cells(hold) for hold in self.holds]

    def csv_text(self, clip: str | None = None) -> str:
        """One row per hold, every numeric measure a column."""
        return csv_text(self.hold_rows(clip), first=HOLD_FIRST, last=(),
                        header=numeric_columns(HoldSpan))

    def save_csv(self, path: str | os.PathLike[str]) -> None:
        write_text(path, self.csv_text())


HOLD_FIRST = ("clip", "pose", "hold", "side")
"""The per-hold table's first columns: what the row is."""
