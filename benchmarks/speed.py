"""Speed per model variant and resolution: decode-only, inference-only and whole-``analyze``
frames per second, the ratio whole / inference-only (target ≥ 0.9) and the multiple of real time
(target ≥ 2× for the full model at 720p).

The inputs are made here from one shared side-view clip (TBY66 c: a real lifter, 10 reps),
rescaled so its short side is 480, 720 or 1080 pixels, at 30 fps, looped to ``--seconds`` (a
minute: a set filmed on a phone), and never kept. ``analyze`` runs twice: in one process, which
is what the whole / inference ratio judges, and as it runs by default, where the video is shared
between one process per core. All numbers of a row come from the same run, so
their ratios hold on a noisy shared machine.

    python -m benchmarks.speed [--quick] [--runs 720:full 480:lite ...] [--seconds 60]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import formcheck
from benchmarks.common import LOOP_FPS, looped, shared_clip, table, write_result
from formcheck.pose import PoseEstimator, PoseSettings
from formcheck.video import read_frames

SOURCE = "deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016c_1.mp4"
RUNS = ["480:full", "720:lite", "720:full", "720:heavy", "1080:full"]
"""Size and model of each row: every model at 720p, the full model at every size (the whole
grid takes three times as long for little more insight)."""
INFERENCE_FRAMES = 300
"""Frames decoded up front for the inference-only figure (10 s; a minute of 1080p RGB would be
11 GB)."""


REPEATS = 2
"""Decoding and inference-only are measured this many times and the best kept: other work on a
shared machine only ever slows a run down, so the fastest run is the least disturbed. The two
analyses of a minute each run once."""


def decode_fps(video: Path) -> tuple[float, int]:
    """Frames per second of decoding alone, and how many frames there are."""
    start = time.perf_counter()
    n = sum(1 for _ in read_frames(video))
    return n / (time.perf_counter() - start), n


def inference_fps(video: Path, model: str) -> float:
    """The model alone on frames decoded beforehand."""
    decoded = list(itertools.islice(read_frames(video), INFERENCE_FRAMES))
    with PoseEstimator(PoseSettings(model=model)) as estimator:
        start = time.perf_counter()
        for frame in decoded:
            estimator.estimate(frame)
        return len(decoded) / (time.perf_counter() - start)


def analyze_fps(video: Path, frames: int, model: str, workers: int | None
                ) -> tuple[float, int]:
    """Everything ``formcheck analyze`` does, model loading and the verdicts included."""
    start = time.perf_counter()
    report = formcheck.analyze(video, "deadlift", variant="kettlebell", model=model,
                               workers=workers)
    return frames / (time.perf_counter() - start), report.rep_count


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", default=RUNS, help="size:model pairs")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="3 s of 480p, lite only (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.seconds = ["480:lite"], 3.0
    runs = [(int(size), model) for size, model in (run.split(":") for run in args.runs)]
    source = shared_clip(SOURCE)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size, group in itertools.groupby(runs, key=lambda run: run[0]):
            video = looped(source, args.seconds, Path(tmp), short_side=size)
            decode, frames = max(decode_fps(video) for _ in range(REPEATS))
            for _, model in group:
                inference = max(inference_fps(video, model) for _ in range(REPEATS))
                alone, reps = analyze_fps(video, frames, model, workers=1)
                shared, _ = analyze_fps(video, frames, model, workers=None)
                rows.append({
                    "size": f"{size}p", "model": model, "decode_fps": decode,
                    "inference_fps": inference, "analyze_one_process_fps": alone,
                    "one_process_over_inference": alone / inference, "analyze_fps": shared,
                    "x_real_time": shared / LOOP_FPS, "reps": reps,
                })
    headers = ["size", "model", "decode fps", "inference fps", "analyze fps (1 process)",
               "1 process / inference", "analyze fps (default)", "× real time", "reps"]
    print(table(headers, [list(r.values()) for r in rows]))
    payload = {"source": SOURCE, "fps": LOOP_FPS, "seconds": args.seconds, "rows": rows}
    name = "speed_quick" if args.quick else "speed"
    print(f"written to {write_result(name, payload)}")
    return payload


if __name__ == "__main__":
    main()
