"""Peak memory of ``formcheck analyze`` on a long video against a short one (target ≤ 1.2×).

Both videos are made here by looping one shared clip (never kept): ``--short-minutes`` (1) and
``--long-minutes`` (60). Each analysis runs in a fresh process that reports its own peak RSS,
so the two numbers are comparable and nothing of one run stays resident in the other.

    python -m benchmarks.memory [--quick] [--model lite] [--long-minutes 60]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import LOOP_FPS, looped, shared_clip, table, write_result

SOURCE = "deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016c_1.mp4"

_MEASURE = """
import json, resource, sys, time
import formcheck
start = time.perf_counter()
report = formcheck.analyze(sys.argv[1], "deadlift", variant="kettlebell", model=sys.argv[2])
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"peak_rss_mb": own, "helper_peak_rss_mb": helper,
                  "seconds": time.perf_counter() - start, "reps": report.rep_count}))
"""
"""Peak RSS of the analysing process and of its largest pose helper (a long video is shared
between processes, see formcheck.pose.extract_pose); their sum bounds what both held at once."""


def measure(video: Path, model: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(video), model],
        capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lite", help="lite keeps an hour of video affordable")
    parser.add_argument("--short-minutes", type=float, default=1.0)
    parser.add_argument("--long-minutes", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="4 s against 12 s (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.short_minutes, args.long_minutes = 4 / 60, 12 / 60
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in (args.short_minutes, args.long_minutes):
            started = time.perf_counter()
            video = looped(shared_clip(SOURCE), minutes * 60, Path(tmp))
            made = time.perf_counter() - started
            result = measure(video, args.model)
            total = result["peak_rss_mb"] + result["helper_peak_rss_mb"]
            rows.append({"minutes": minutes, "frames": round(minutes * 60 * LOOP_FPS),
                         "peak_rss_mb": result["peak_rss_mb"],
                         "helper_peak_rss_mb": result["helper_peak_rss_mb"],
                         "total_peak_rss_mb": total, "analyze_s": result["seconds"],
                         "reps": result["reps"], "make_video_s": made})
            video.unlink()
    ratio = rows[1]["total_peak_rss_mb"] / rows[0]["total_peak_rss_mb"]
    print(table(["minutes", "frames", "peak RSS (MB)", "helper peak (MB)", "total (MB)",
                 "analyze (s)", "reps", "make video (s)"],
                [list(r.values()) for r in rows]))
    print(f"long / short total peak RSS: {ratio:.2f} (target ≤ 1.2)")
    payload = {"source": SOURCE, "model": args.model, "rows": rows, "ratio": ratio}
    name = "memory_quick" if args.quick else "memory"
    print(f"written to {write_result(name, payload)}")
    return payload


if __name__ == "__main__":
    main()
