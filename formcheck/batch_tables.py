"""A batch's tables: ``summary.csv`` (one row per clip), ``reps.csv`` (one per rep) and, when
held stretches were scored, ``holds.csv`` (one per hold).

Both name the clip in a ``clip`` column, the same text in both, so they join on it; every
numeric field of the report models is a column (:mod:`formcheck.tables`). A clip's ``status``
is ``ok``, ``no_reps`` (scored, but no rep was found: not a result to trust as "0 faults") or
``error``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from formcheck.files import atomic_write
from formcheck.hold_report import HOLD_FIRST, HoldReport, HoldSpan
from formcheck.report import Report, RepReport
from formcheck.signals import signals_held
from formcheck.tables import (
    KEY,
    REP_FIRST,
    REP_LAST,
    csv_text,
    numeric_cells,
    numeric_columns,
)

Status = Literal["ok", "no_reps", "error"]
"""What became of a clip, as ``summary.csv`` and the index page say it."""


class ClipJob(Protocol):
    """What the tables read of a clip's job (:class:`formcheck.batch_jobs.ClipJob`); a protocol so
    that batch can import its tables without the tables importing batch."""

    @property
    def clip(self) -> str: ...
    @property
    def exercise(self) -> str: ...
    @property
    def variant(self) -> str: ...
    @property
    def report_name(self) -> str: ...


class ClipResult(Protocol):
    """What the tables and the batch's progress read of a clip's result
    (:class:`formcheck.batch_jobs.ClipResult`)."""

    @property
    def job(self) -> ClipJob: ...
    @property
    def report(self) -> Report | HoldReport | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def status(self) -> Status: ...
    @property
    def notes(self) -> tuple[str, ...]: ...


TOP_FAULTS = 3
"""Faults listed per clip in the summary, most frequent first."""

SUMMARY_FIRST = (KEY, "exercise", "variant", "status", "reps", "valid", "no_rep", "ambiguous",
                 "mean_score")
SUMMARY_LAST = ("faults", "view", "warnings", "error", "report")
"""The summary's first and last columns; between them every other number of the report (set
metrics: detection rate, duration, view confidence, and whatever numbers a report gains)."""

NOT_SET_METRICS = ("thresholds", "recognition")
"""Numeric report fields that are not a measure of the set: the lift's settings, and the
recogniser's probabilities (which lift the clip looks like is in the exercise column under
``auto``, and in the warnings when a named lift looks wrong)."""


def write_tables(out: Path, results: Sequence[ClipResult]) -> None:
    """Write ``summary.csv`` and ``reps.csv`` atomically.

    UTF-8 always; text from paths is already printable, and a stray lone surrogate would be
    written as a visible ``\\udcff`` escape rather than fail the batch.
    """
    holds = [r for r in results if isinstance(r.report, HoldReport)]
    for name, text in (("summary.csv", summary_csv_text(results)),
                       ("reps.csv", reps_csv_text(results)),
                       *((("holds.csv", holds_csv_text(holds)),) if holds else ())):
        with signals_held(block=True), atomic_write(out / name) as tmp:
            tmp.write_text(text, encoding="utf-8", errors="backslashreplace")


def summary_csv_text(results: Sequence[ClipResult]) -> str:
    """One row per clip: its status, every set metric, its most frequent faults, or why it
    failed. No cell can run as a spreadsheet formula."""
    rows = []
    for result in results:
        job, report = result.job, result.report
        # under auto, the lift recognised; a held stretch is named by its pose, with no variant
        if isinstance(report, HoldReport):
            exercise, variant = report.pose, ""
        else:
            exercise, variant = ((job.exercise, job.variant) if report is None
                                 else (report.exercise, report.variant))
        row: dict[str, Any] = {KEY: job.clip, "exercise": exercise,
                               "variant": variant, "status": result.status}
        if report is None:
            row["error"] = result.error
        else:
            row |= numeric_cells(report, skip=NOT_SET_METRICS) | {
                "faults": top_faults(report),
                "view": report.view.view,
                "warnings": " | ".join(report.warnings),
                "report": str(Path("reports") / job.report_name),
            }
        rows.append(row)
    return csv_text(rows, first=SUMMARY_FIRST, last=SUMMARY_LAST,
                    header=numeric_columns(Report, skip=NOT_SET_METRICS))


def top_faults(report: Report | HoldReport) -> str:
    """The summary's faults cell: each fault and the reps it was found in, most first; for a
    held stretch each position fault and the share of the held time it took."""
    if isinstance(report, HoldReport):
        held = sorted(report.faults, key=lambda f: -f.fault_s)[:TOP_FAULTS]
        return ";".join(f"{f.code}:{f.share:g}" for f in held if f.share > 0)
    faults = Counter(fault.code for rep in report.reps for fault in rep.faults)
    ranked = sorted(faults.items(), key=lambda item: (-item[1], item[0]))[:TOP_FAULTS]
    return ";".join(f"{code}:{count}" for code, count in ranked)


def reps_csv_text(results: Sequence[ClipResult]) -> str:
    """Every rep of every scored clip: the columns of ``analyze --csv``, with ``clip`` as in
    the summary (for a pose track: the track, not the video it was made from)."""
    rows = [row for result in results if isinstance(result.report, Report)
            for row in result.report.rep_rows(result.job.clip)]
    return csv_text(rows, first=REP_FIRST, last=REP_LAST, header=numeric_columns(RepReport))


def holds_csv_text(results: Sequence[ClipResult]) -> str:
    """Every hold of every held stretch scored: the columns of ``hold --csv``."""
    rows = [row for result in results if isinstance(result.report, HoldReport)
            for row in result.report.hold_rows(result.job.clip)]
    return csv_text(rows, first=HOLD_FIRST, last=(), header=numeric_columns(HoldSpan))
