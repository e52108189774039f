"""What the commands say in the terminal once their work is done: the coach's summary of a
set, a hold or a batch, and a lift's thresholds.

Each function renders what a command produced (a report, a batch's summary, a lift's
thresholds) on a rich console and judges nothing: a report is the one value every output reads
(:mod:`formcheck.report`), so what is printed here is also in the JSON, the CSV and the HTML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from formcheck.files import display
from formcheck.lift_words import counted

if TYPE_CHECKING:
    from rich.console import Console

    from formcheck.batch import BatchSummary
    from formcheck.hold_report import HoldReport
    from formcheck.lift import Threshold
    from formcheck.report import Report, RepReport


def print_hold_summary(report: HoldReport, console: Console) -> None:
    """What a coach would say after the stretch: how long, against the target, what to fix."""
    console.print(
        f"[bold]{report.pose.replace('_', ' ')}[/] · {report.view.view} view · "
        f"{counted(report.hold_count, 'hold')}, "
        f"{report.total_s:.1f} s in all, longest {report.longest_s:.1f} s "
        f"(target {report.target_min_s:g}-{report.target_max_s:g} s: {report.target})"
    )
    for side in report.sides:
        console.print(f"{side.side}: {side.total_s:.1f} s in all, longest {side.longest_s:.1f} s "
                      f"({side.target})", highlight=False)
    table = Table("hold", "time (s)", "held (s)", "side", "faults (share of the hold)", box=None)
    for span in report.holds:
        faults = ", ".join(f"{code} {share:.0%}" for code, share in span.faults.items()
                           if share) or "-"
        table.add_row(str(span.hold), f"{span.start_s:.1f}-{span.end_s:.1f}",
                      f"{span.duration_s:.1f}", span.side or "", escape(faults))
    if report.holds:
        console.print(table)
    for fault in report.faults:
        console.print(f"{fault.code}: {fault.share:.0%} of {fault.judged_s:.1f} s judged "
                      f"(worst {fault.worst:g} {fault.unit} vs {fault.threshold:g})",
                      highlight=False, markup=False)
    for abstention in report.abstained:
        console.print(f"[yellow]not judged:[/] {escape(abstention.check)}: "
                      f"{escape(abstention.reason)}")
    print_cues_and_notes(report, console)


def print_cues_and_notes(report: Report | HoldReport, console: Console) -> None:
    """How every summary ends: the cues that matter most, then what to know before trusting it."""
    for cue in report.top_cues:
        console.print(f"[bold green]cue:[/] {escape(cue)}")
    for warning in report.warnings:
        console.print(f"[yellow]note:[/] {escape(warning)}")


def print_summary(report: Report, console: Console) -> None:
    """What a coach would say after the set: reps, verdicts, and the cues that matter most."""
    view = report.view
    console.print(
        f"[bold]{report.exercise.replace('_', ' ')}[/] ({report.variant}) · {view.view} view"
        f" · {counted(report.rep_count, 'rep')}: {report.valid} valid, {report.no_rep} no-rep, "
        f"{report.ambiguous} ambiguous"
        + (f" · mean score {report.mean_score:.0f}" if report.mean_score is not None else "")
    )
    table = Table("rep", "time (s)", "outcome", "score", "checks", "faults / reason", box=None)
    for rep in report.reps:
        detail = ", ".join(
            f"{f.code} {f.severity} ({f.value:.3g} vs {f.threshold:g})" for f in rep.faults
        ) or ("-" if rep.outcome == "valid" else _rep_reason(rep, report))
        table.add_row(
            str(rep.index), f"{rep.start_s:.1f}-{rep.end_s:.1f}", rep.outcome,
            "" if rep.score is None else str(rep.score),
            f"{rep.judged_checks}/{len(rep.checks)}" if rep.checks else "", escape(detail),
        )
    if report.reps:
        console.print(table)
    speeds = set_line(report)
    if speeds:
        console.print(speeds, highlight=False)
    for line in not_judged(report):
        console.print(f"[yellow]not judged:[/] {escape(line)}")
    for movement in report.not_counted:
        console.print(f"[yellow]not counted:[/] {movement.start_s:.1f}-{movement.end_s:.1f} s: "
                      f"{escape(movement.reason)}")
    print_cues_and_notes(report, console)


def set_line(report: Report) -> str | None:
    """The set's speed at a glance, as a velocity-based-training app ends a set; None when
    no rep's speed was measured, or the hands did not lift anything (slower than
    :data:`~formcheck.metrics.MIN_LIFT_SPEED_M_S`, or falling: a lift named wrongly)."""
    from formcheck.metrics import MIN_LIFT_SPEED_M_S, velocity_loss_words

    m = report.set_metrics
    if m.mean_wrist_speed_m_s is None or not m.mean_wrist_speed_m_s >= MIN_LIFT_SPEED_M_S:
        return None  # the hands moved no load up (a thrust's, or hands that fell as it "rose")
    loss = "" if (words := velocity_loss_words(m)) is None else f", {words}"
    source = ("from world landmarks" if m.lifter_height_cm is None
              else f"from the image, lifter {m.lifter_height_cm:g} cm")
    lifted = "body" if m.heights_above == "hands" else "hands"
    return (f"speed: {lifted} {m.mean_wrist_speed_m_s:.2f} m/s mean concentric over "
            f"{counted(m.reps_measured, 'rep')}{loss} ({source})")


def _rep_reason(rep: RepReport, report: Report) -> str:
    """Why a rep got no verdict, without the checks' own reasons (listed once, below); for a
    clip that does not look like the lift named, that first (its note, below, says why)."""
    if report.recognition is not None and report.recognition.flagged:
        return (f"does not look like a {report.exercise.replace('_', ' ')}: not judged "
                "(note below)")
    own = rep.abstentions(of_checks=False)
    if own:
        return "cannot judge " + "; ".join(f"{a.check}: {a.reason}" for a in own)
    if rep.outcome == "ambiguous":
        return "no check could judge it (below: why)"
    return rep.reason


def not_judged(report: Report) -> list[str]:
    """One line per check that did not judge some reps, and why, however many reps share it:
    a score means only as much as the checks behind it."""
    reps: dict[tuple[str, str], list[int]] = {}
    for rep in report.reps:
        for abstention in rep.abstentions(of_checks=True):
            reps.setdefault((abstention.check, abstention.reason), []).append(rep.index)
    return [f"{check} (rep{'s' if len(indices) > 1 else ''} {_spans(indices)}): {reason}"
            for (check, reason), indices in reps.items()]


def _spans(indices: list[int]) -> str:
    """1, 2, 3, 5 as '1-3, 5'."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def print_batch_summary(summary: BatchSummary, console: Console) -> None:
    """Where a batch's tables went and what they hold, in two lines."""
    clips, reps = len(summary.results), summary.reps
    console.print(
        f"{clips} clip{'' if clips == 1 else 's'}: {summary.scored} scored, {summary.skipped} "
        f"already done, {summary.errors} failed · {reps} rep{'' if reps == 1 else 's'}"
        + (f" · {summary.no_reps} with no reps found" if summary.no_reps else ""),
        highlight=False,
    )
    console.print(
        f"summary: {display(summary.summary_csv)} · reps: {display(summary.reps_csv)} · "
        f"reports: {display(summary.out / 'reports')}",
        highlight=False, markup=False,
    )


def print_thresholds(thresholds: dict[str, Threshold], console: Console) -> None:
    """A lift's or a stretch's thresholds, each with its unit and source."""
    table = Table("threshold", "value", "unit", "source", box=None)
    for t in thresholds.values():
        table.add_row(t.name, f"{t.value:g}", t.unit, escape(t.source))
    console.print(table)
