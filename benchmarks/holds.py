"""Held stretches: hold start, end and duration against the labels made by eye.

    python -m benchmarks.holds [--quick]

For every clip in ``benchmarks/labels/beyond_hinge/holds.csv`` at hand, ``formcheck hold`` with
the clip's stretch (every check judging, as the evidence is measured) on its cached track; each
labelled hold is matched to the detected hold overlapping it most, and the errors are detected
minus labelled (seconds). The pigeon clip has no figure-four (none was found): it is run as a
figure-four, where no hold should be found, and as a hamstring stretch, the nearest pose, to
show what the position criteria alone let through. The detected side is shown beside the
labelled one (blank: no side, e.g. the feet together; ``unclear``: not readable by eye).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from benchmarks.common import CLIPS, ROOT, cached_track, table, write_result
from formcheck.config import load_pose
from formcheck.hold_analysis import run_hold
from formcheck.hold_report import HoldReport

LABELS = ROOT / "benchmarks" / "labels" / "beyond_hinge" / "holds.csv"

POSES = {
    "downward_dog": ("downward_dog",),
    "hamstring_stretch": ("hamstring_stretch",),
    "pigeon_stretch": ("figure_four", "hamstring_stretch"),
}
"""The stretches each labelled folder is run as: its own, or (the pigeon) the ones it is not."""

QUICK = "downward_dog/palFitness__WORKOUT-HOME.github.io__downward_dog2.mp4"

TOLERANCE_S = 1.0
"""How far a detected hold's start, end and duration may be from the labels (the issue)."""


def labelled() -> dict[str, list[dict[str, str]]]:
    """The labelled holds, by clip."""
    clips: dict[str, list[dict[str, str]]] = {}
    with LABELS.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            clips.setdefault(row["file"], []).append(row)
    return clips


def runs(quick: bool) -> Iterator[tuple[str, str, list[dict[str, str]], HoldReport]]:
    """(clip, stretch, its labelled holds, the report) for each labelled clip at hand."""
    for file, holds in labelled().items():
        video = CLIPS / file
        if not video.exists() or (quick and file != QUICK):
            continue
        track = cached_track(video)
        for pose in POSES[file.split("/")[0]]:
            yield file, pose, holds, run_hold(track, load_pose(pose), evidence=None).report


def matched(label: dict[str, str], report: HoldReport
            ) -> tuple[float, float, str | None] | None:
    """The detected hold overlapping the labelled one most: (start, end, side); None if none
    overlaps it."""
    start, end = float(label["start_s"]), float(label["end_s"])
    overlaps = [(min(end, h.end_s) - max(start, h.start_s), h) for h in report.holds]
    best = max(overlaps, key=lambda o: o[0], default=(0.0, None))
    hold = best[1]
    return None if hold is None or best[0] <= 0 else (hold.start_s, hold.end_s, hold.side)


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one clip (CI)")
    args = parser.parse_args(argv)
    rows, clips = [], []
    for file, pose, holds, report in runs(args.quick):
        own = file.split("/")[0] == pose
        errors = []
        for label in holds:
            found = matched(label, report)
            start, end = float(label["start_s"]), float(label["end_s"])
            if found is not None and own:
                errors.append((found[0] - start, found[1] - end,
                               (found[1] - found[0]) - (end - start)))
            rows.append([Path(file).stem[:40], pose, label["hold"], start, end,
                         *((None,) * 4 if found is None else
                           (found[0], found[1], round(found[0] - start, 3),
                            round(found[1] - end, 3))),
                         "" if found is None else (found[2] or "-"), label["side"] or "-"])
        spread = np.abs(np.array(errors)) if errors else np.zeros((0, 3))
        expected = len(holds) if own else 0
        clips.append({
            "file": file, "pose": pose, "expected": expected, "detected": report.hold_count,
            "matched": len(errors),
            "max_abs_error_s": {key: float(spread[:, i].max()) if errors else None
                                for i, key in enumerate(("start", "end", "duration"))},
            "pass": report.hold_count == expected and bool((spread <= TOLERANCE_S).all()),
            "holds": [h.model_dump() for h in report.holds],
        })
    print(table(["clip", "run as", "hold", "label start", "label end", "start", "end",
                 "start err", "end err", "side", "label side"], rows))
    print()
    print(table(["clip", "run as", "holds expected", "detected", "matched",
                 "max |start err| (s)", "max |end err| (s)", "max |duration err| (s)",
                 "count right, all within 1 s"],
                [[Path(c["file"]).stem[:40], c["pose"], c["expected"], c["detected"],
                  c["matched"], *c["max_abs_error_s"].values(), c["pass"]] for c in clips]))
    name = "holds_quick" if args.quick else "holds"
    print(f"written to {write_result(name, {'clips': clips})}")
    return {"clips": clips}


if __name__ == "__main__":
    main()
