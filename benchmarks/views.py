"""Per check and camera-view bucket: precision, recall and abstention on the labelled reps, and
agreement between the two cameras of the synchronised takes.

Every labelled clip is analysed twice from the same cached track: as shipped, and with every
view gate opened (each check judges from any angle), which is what says how each check's measure
holds up from each angle. Reps are matched to labelled reps by overlap in time, as in
:mod:`benchmarks.accuracy`; a rep's bucket is its clip's estimated camera yaw. The synchronised
pairs are the same reps filmed by two cameras at once; for each check, a pair of matched reps
agrees when both cameras judged it and gave the same answer.

    python -m benchmarks.views
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.accuracy import Tally, match, read_labels
from benchmarks.common import CLIPS, cached_track, table, write_result
from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.lift import Lift
from formcheck.report import Report

PAIRS = tuple(
    (f"deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016{take}_1.mp4",
     f"deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016{take}_2.mp4")
    for take in "ch"
)
"""Synchronised takes: side camera, and a second camera about 42° off the front."""


def opened(lift: Lift) -> Lift:
    """``lift`` with every view gate at 0°: each check judges from wherever the camera stood."""
    gates = {name: t.model_copy(update={"value": 0.0})
             for name, t in lift.thresholds.items() if name.endswith("_min_yaw")}
    return lift.model_copy(update={"thresholds": lift.thresholds | gates})


@dataclass(frozen=True)
class Status:
    """One check's answer on one rep: found the fault, judged it absent, or abstained."""

    found: bool
    judged: bool
    reason: str = ""


def statuses(report: Report, rep: int, lift: Lift) -> dict[str, Status]:
    """Each fault code of ``lift`` on rep ``rep`` of ``report``."""
    verdict = report.reps[rep]
    found = {f.code for f in verdict.faults}
    refused = {a.check: a.reason for a in verdict.abstained}
    out = {}
    for code in lift.faults:
        check = "swing_height" if code in ("low_swing", "high_swing") else code
        if code in found:
            out[code] = Status(True, True)
        elif check in refused or verdict.outcome == "ambiguous":
            out[code] = Status(False, False, refused.get(check, "rep not judged"))
        else:
            out[code] = Status(False, True)
    return out


def tally(
    report: Report, lift: Lift, labelled: list[dict[str, str]], notes: str,
    tallies: dict[tuple[str, str], Tally], bucket: str,
) -> None:
    for i, j in match(report, labelled):
        row = labelled[j]
        if "unclear" in (row["notes"] + notes).lower():
            continue
        truth = set(filter(None, row["faults"].split(";")))
        for code, status in statuses(report, i, lift).items():
            t = tallies[code, bucket]
            if not status.judged:
                t.abstained += 1
            elif status.found:
                t.tp += code in truth
                t.fp += code not in truth
            elif code in truth:
                t.fn += 1
            else:
                t.tn += 1


def agreement(first: Report, second: Report, lift: Lift) -> dict[str, list[int]]:
    """Per fault code: [reps judged by both cameras, of which they agree on]."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    as_labels = [{"start_s": str(r.start_s), "turn_s": str(r.turn_s), "end_s": str(r.end_s)}
                 for r in second.reps]
    for i, j in match(first, as_labels):
        a, b = statuses(first, i, lift), statuses(second, j, lift)
        for code in lift.faults:
            if a[code].judged and b[code].judged:
                out[code][0] += 1
                out[code][1] += a[code].found == b[code].found
    return out


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    clips, rep_labels = read_labels()
    runs = {"shipped": lambda lift: lift, "open": opened}
    tallies: dict[str, dict[tuple[str, str], Tally]] = {name: defaultdict(Tally) for name in runs}
    reports: dict[str, dict[str, Report]] = {name: {} for name in runs}
    yaws = {}
    for row in clips:
        video = CLIPS / row["file"]
        if not video.exists():
            continue
        base = load_lift(row["exercise"], row["variant"] if row["variant"] in
                         load_lift(row["exercise"]).variants else None)
        track = cached_track(video)
        for name, adjust in runs.items():
            lift = adjust(base)
            report = analyze_track(track, lift)
            reports[name][row["file"]] = report
            bucket = report.view.view
            yaws[row["file"]] = report.view.yaw_deg
            tally(report, lift, rep_labels.get(row["file"], []), row["notes"], tallies[name],
                  bucket)
    rows = []
    for name, by in tallies.items():
        for (code, bucket), t in sorted(by.items()):
            rows.append({"gates": name, "fault": code, "bucket": bucket, "TP": t.tp, "FP": t.fp,
                         "FN": t.fn, "TN": t.tn, "abstained": t.abstained,
                         "precision": _ratio(t.precision()), "recall": _ratio(t.recall())})
    print(table(list(rows[0]), [list(r.values()) for r in rows]))
    pairs = []
    for side, oblique in PAIRS:
        if not (CLIPS / oblique).exists():
            continue
        lift = opened(load_lift("deadlift", "kettlebell"))
        first = analyze_track(cached_track(CLIPS / side), lift)
        second = analyze_track(cached_track(CLIPS / oblique), lift)
        for code, (both, same) in sorted(agreement(first, second, lift).items()):
            pairs.append({"side": side, "second camera": oblique,
                          "yaw": round(second.view.yaw_deg, 1), "fault": code,
                          "judged by both": both, "agree": same})
    if pairs:
        print()
        print(table(list(pairs[0]), [list(r.values()) for r in pairs]))
    payload = {"checks": rows, "pairs": pairs,
               "yaw_deg": {k: round(v, 1) for k, v in sorted(yaws.items())}}
    print(f"written to {write_result('views', payload)}")
    return payload


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
