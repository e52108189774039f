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
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from benchmarks.accuracy import (
    Tally,
    labelled_lift,
    match,
    read_labels,
    score_faults,
    statuses,
)
from benchmarks.common import CLIPS, ROOT, cached_track, table, write_result
from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.evidence import EVIDENCE, Evidence
from formcheck.lift import Lift
from formcheck.report import Report
from formcheck.rules import RULES, judged_with

PAIRS = tuple(
    (f"deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016{take}_1.mp4",
     f"deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016{take}_2.mp4")
    for take in "ch"
)
"""Synchronised takes: side camera, and a second camera about 42° off the front."""

EVIDENCE_FILE = ROOT / "formcheck" / "evidence.toml"


def opened(lift: Lift) -> Lift:
    """``lift`` with every view gate at 0°: each check judges from wherever the camera stood."""
    gates = {name: t.model_copy(update={"value": 0.0})
             for name, t in lift.thresholds.items() if name.endswith("_min_yaw")}
    return lift.model_copy(update={"thresholds": lift.thresholds | gates})


def agreement(first: Report, second: Report, lift: Lift,
              into: dict[str, list[int]] | None = None) -> dict[str, list[int]]:
    """Per fault code: [reps judged by both cameras, of which they agree on, clear on the
    first and fault on the second, fault on the first and clear on the second], added to
    ``into`` if given."""
    out: dict[str, list[int]] = into if into is not None else {}
    as_labels = [{"start_s": str(r.start_s), "turn_s": str(r.turn_s), "end_s": str(r.end_s)}
                 for r in second.reps]
    for i, j in match(first, as_labels):
        a, b = statuses(first, i, lift), statuses(second, j, lift)
        for code in lift.faults:
            if a[code].judged and b[code].judged:
                counts = out.setdefault(code, [0, 0, 0, 0])
                counts[0] += 1
                counts[1] += a[code].found == b[code].found
                counts[2] += b[code].found and not a[code].found
                counts[3] += a[code].found and not b[code].found
    return out


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one synchronised take only (CI)")
    parser.add_argument("--write", action="store_true",
                        help="write the gates-open tallies to formcheck/evidence.toml")
    args = parser.parse_args(argv)
    clips, rep_labels = read_labels()
    pairs_used = PAIRS[:1] if args.quick else PAIRS
    if args.quick:
        clips = [c for c in clips if c["file"] in pairs_used[0]]
    runs = {"shipped": lambda lift: lift, "open": opened}
    tallies: dict[str, dict[tuple[str, str], Tally]] = {name: defaultdict(Tally) for name in runs}
    reports: dict[str, dict[str, Report]] = {name: {} for name in runs}
    yaws = {}
    used: dict[str, set[tuple[tuple[str, float], ...]]] = defaultdict(set)
    for row in clips:
        video = CLIPS / row["file"]
        if not video.exists():
            continue
        base = labelled_lift(row)
        track = cached_track(video)
        for spec in base.checks:
            values = tuple(sorted(judged_with(RULES[spec.rule], base).items()))
            for code in spec.faults:
                used[code].add(values)
        for name, adjust in runs.items():
            lift = adjust(base)
            report = analyze_track(track, lift, evidence=None if name == "open" else EVIDENCE)
            reports[name][row["file"]] = report
            bucket = report.view.view
            yaws[row["file"]] = report.view.yaw_deg
            by = tallies[name]
            score_faults(report, lift, rep_labels.get(row["file"], []), row["notes"],
                         lambda code, by=by, bucket=bucket: by[code, bucket])
    rows = []
    for name, by in tallies.items():
        for (code, bucket), t in sorted(by.items()):
            rows.append({"gates": name, "fault": code, "bucket": bucket, "TP": t.tp, "FP": t.fp,
                         "FN": t.fn, "TN": t.tn, "abstained": t.abstained,
                         "precision": _ratio(t.precision), "recall": _ratio(t.recall)})
    print(table(list(rows[0]), [list(r.values()) for r in rows]))
    summary = []
    for name, by in tallies.items():
        tp, fp, fn, unseen = (sum(getattr(t, k) for t in by.values())
                              for k in ("tp", "fp", "fn", "abstained_true"))
        angled = [r for r in reports[name].values() if r.view.view in ("side", "oblique")]
        reps = sum(r.rep_count for r in angled)
        summary.append({
            "gates": name, "TP": tp, "FP": fp, "FN": fn,
            "precision": _ratio(tp / (tp + fp) if tp + fp else None),
            "recall": _ratio(tp / (tp + fn) if tp + fn else None),
            "recall, abstaining = missed": _ratio(tp / (tp + fn + unseen) if tp + fn + unseen
                                                  else None),
            "reps filmed 25-90°": reps,
            "ambiguous %": round(100 * sum(r.ambiguous for r in angled) / max(reps, 1), 1),
            "checks judged %": round(100 * _judged_share(angled), 1),
        })
    print()
    print(table(list(summary[0]), [list(r.values()) for r in summary]))
    pairs = []
    for side, oblique in pairs_used:
        if not (CLIPS / oblique).exists():
            continue
        lift = opened(load_lift("deadlift", "kettlebell"))
        first = analyze_track(cached_track(CLIPS / side), lift, evidence=None)
        second = analyze_track(cached_track(CLIPS / oblique), lift, evidence=None)
        for code, (both, same, *_) in sorted(agreement(first, second, lift).items()):
            pairs.append({"side": side, "second camera": oblique,
                          "yaw": round(second.view.yaw_deg, 1), "fault": code,
                          "judged by both": both, "agree": same})
    if pairs:
        print()
        print(table(list(pairs[0]), [list(r.values()) for r in pairs]))
    if args.write and not args.quick:
        measured = (f"{dt.date.today()}: {len(reports['open'])} labelled clips "
                    "(tests/labels, benchmarks/labels), full model, every view gate open")
        evidence = Evidence(
            {code: {bucket: t for (c, bucket), t in tallies["open"].items() if c == code}
             for code in {c for c, _ in tallies["open"]}},
            measured,
            {code: [dict(values) for values in sorted(sets)] for code, sets in used.items()},
        )
        EVIDENCE_FILE.write_text(evidence.to_toml())
        print(f"evidence written to {EVIDENCE_FILE}")
    payload = {"checks": rows, "summary": summary, "pairs": pairs,
               "yaw_deg": {k: round(v, 1) for k, v in sorted(yaws.items())}}
    print(f"written to {write_result('views_quick' if args.quick else 'views', payload)}")
    return payload


def _judged_share(reports: list[Report]) -> float:
    """Share of (rep, check) pairs on which the check judged."""
    reps = [rep for r in reports for rep in r.reps]
    return sum(rep.judged_checks for rep in reps) / max(sum(len(rep.checks) for rep in reps), 1)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
