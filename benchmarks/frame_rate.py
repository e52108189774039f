"""Analysing at 30 frames a second: what it changes on every labelled clip filmed faster.

For each labelled clip whose video runs above 35 fps, the pose track is made twice with the real
full model, once from every frame (``--fps source``) and once at the default cap of 30 frames a
second, and the clip is analysed both ways with every check judging (``--all-checks``) and as
a user gets it (each check gated by its evidence): rep counts, each rep's outcome and faults,
and how far its start, turnaround, end and made moment moved. Then one clip is analysed from
the video both ways, timed in the same run: the cost the cap saves.

    python -m benchmarks.frame_rate [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence

import numpy as np

from benchmarks.accuracy import labelled_lift, read_labels
from benchmarks.common import CLIPS, cached_track, table, write_result
from formcheck.analysis import analyze_track
from formcheck.api import analyze
from formcheck.pose import DEFAULT_MAX_FPS
from formcheck.report import Report
from formcheck.video import VideoInfo

FAST = 35.0
"""A clip filmed above this many frames a second is read at fewer under the default cap."""

TIMED = "deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016k_1.mp4"
"""The clip analysed from its video both ways (18.5 s at 60 fps, the newcomer's clip)."""


def short(file: str) -> str:
    """A clip's name short enough for a table and still told apart (its end kept)."""
    name = file.split("/")[-1]
    return name if len(name) <= 40 else f"{name[:14]}…{name[-25:]}"


def verdicts(report: Report) -> list[tuple[str, tuple[str, ...]]]:
    """Each rep's outcome and the faults it was given (with severity)."""
    return [(rep.outcome, tuple(sorted(f"{f.code}:{f.severity}" for f in rep.faults)))
            for rep in report.reps]


def moved(source: Report, capped: Report) -> list[float]:
    """Seconds each rep's start, turnaround, end and made moment moved, rep by rep (counts
    equal), or nothing to compare."""
    if source.rep_count != capped.rep_count:
        return []
    return [abs(getattr(a, name) - getattr(b, name))
            for a, b in zip(source.reps, capped.reps, strict=True)
            for name in ("start_s", "turn_s", "end_s", "made_s")
            if getattr(a, name) is not None and getattr(b, name) is not None]


def compare(quick: bool) -> tuple[list[dict[str, object]], list[float]]:
    clips, _ = read_labels()
    rows, shifts = [], []
    for row in clips:
        video = CLIPS / row["file"]
        if not video.exists() or (quick and row["file"] != TIMED):
            continue
        fps = VideoInfo.from_path(video).fps
        if fps <= FAST:
            continue
        lift = labelled_lift(row)
        tracks = cached_track(video, max_fps=None), cached_track(video)
        judged = [analyze_track(t, lift, evidence=None) for t in tracks]
        gated = [analyze_track(t, lift) for t in tracks]
        shift = moved(*judged)
        shifts += shift
        rows.append({
            "clip": short(row["file"]), "fps": round(fps, 2),
            "frames": f"{len(tracks[0])} -> {len(tracks[1])}",
            "reps": f"{judged[0].rep_count} -> {judged[1].rep_count}",
            "same verdicts (all checks)": verdicts(judged[0]) == verdicts(judged[1]),
            "same verdicts (as shipped)": verdicts(gated[0]) == verdicts(gated[1]),
            "largest shift (s)": round(max(shift), 3) if shift else None,
        })
    return rows, shifts


def timed(quick: bool) -> dict[str, float]:
    """Seconds to analyse :data:`TIMED` from its video at every frame and at the cap."""
    video = CLIPS / TIMED
    seconds = {}
    for name, rate in (("source", None), ("capped", DEFAULT_MAX_FPS)):
        started = time.perf_counter()
        analyze(video, "deadlift", variant="kettlebell", max_fps=rate,
                workers=1 if quick else None)
        seconds[name] = time.perf_counter() - started
    return seconds


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one clip (CI)")
    args = parser.parse_args(argv)
    rows, shifts = compare(args.quick)
    print(table(list(rows[0]), [list(r.values()) for r in rows]) if rows else "no fast clips")
    load = os.getloadavg()[0]
    seconds = timed(args.quick)
    ratio = seconds["capped"] / seconds["source"]
    print(f"\nrep moments moved: median {np.median(shifts) if shifts else 0:.3f} s, "
          f"largest {max(shifts, default=0):.3f} s over {len(shifts)} moments")
    print(f"{TIMED.split('/')[-1]}: every frame {seconds['source']:.1f} s, at "
          f"{DEFAULT_MAX_FPS:g} fps {seconds['capped']:.1f} s: {ratio:.2f} of the time "
          f"(load average {load:.1f} before, {os.getloadavg()[0]:.1f} after)")
    payload = {"clips": rows, "shift_median_s": float(np.median(shifts)) if shifts else 0.0,
               "shift_max_s": max(shifts, default=0.0), "seconds": seconds,
               "time_ratio": ratio, "load_average": load}
    name = "frame_rate_quick" if args.quick else "frame_rate"
    print(f"written to {write_result(name, payload)}")
    return payload


if __name__ == "__main__":
    main()
