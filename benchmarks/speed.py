"""Speed per model variant and resolution: decode-only, inference-only and whole-``analyze``
frames per second, the ratio whole / inference-only (target ≥ 0.9) and the multiple of real time
(target ≥ 2× for the full model at 720p).

The inputs are made here from one shared side-view clip (TBY66 c: a real lifter, 10 reps),
rescaled so its short side is 480, 720 and 1080 pixels, at 30 fps, and never kept. All numbers
for one row come from the same run, so their ratios hold on a noisy shared machine.

    python -m benchmarks.speed [--quick] [--models lite full heavy] [--seconds 10]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import cv2

import formcheck
from benchmarks.common import shared_clip, table, write_result
from formcheck.pose import PoseEstimator, PoseSettings
from formcheck.video import VideoSink, read_frames

SOURCE = "deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016c_1.mp4"
FPS = 30.0


def make_input(source: Path, short_side: int, seconds: float, folder: Path) -> Path:
    """The source clip at ``short_side`` pixels and 30 fps (every other frame of the 60 fps
    original), as H.264 like a phone would write it."""
    path = folder / f"input_{short_side}p.mp4"
    frames = itertools.islice(read_frames(source), 0, int(2 * seconds * FPS), 2)
    first = next(frames)
    height, width = first.image.shape[:2]
    scale = short_side / min(height, width)
    size = (round(width * scale / 2) * 2, round(height * scale / 2) * 2)
    with VideoSink(path, width=size[0], height=size[1], fps=FPS) as sink:
        for frame in itertools.chain([first], frames):
            sink.write(cv2.resize(frame.image, size, interpolation=cv2.INTER_CUBIC))
    return path


REPEATS = 2
"""Each measurement is taken this many times, interleaved, and the best kept: other work on a
shared machine only ever slows a run down, so the fastest run is the least disturbed."""


def decode_fps(video: Path) -> float:
    start = time.perf_counter()
    n = sum(1 for _ in read_frames(video))
    return n / (time.perf_counter() - start)


def inference_fps(video: Path, model: str) -> float:
    """The model alone on frames decoded beforehand."""
    decoded = list(read_frames(video))
    with PoseEstimator(PoseSettings(model=model)) as estimator:
        start = time.perf_counter()
        for frame in decoded:
            estimator.estimate(frame)
        return len(decoded) / (time.perf_counter() - start)


def analyze_fps(video: Path, model: str) -> tuple[float, int]:
    """Everything ``formcheck analyze`` does, model loading and the verdicts included."""
    frames = sum(1 for _ in read_frames(video))
    start = time.perf_counter()
    report = formcheck.analyze(video, "deadlift", variant="kettlebell", model=model)
    return frames / (time.perf_counter() - start), report.rep_count


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["lite", "full", "heavy"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[480, 720, 1080])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="2 s of 480p, lite only (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.models, args.sizes, args.seconds = ["lite"], [480], 2.0
    source = shared_clip(SOURCE)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            video = make_input(source, size, args.seconds, Path(tmp))
            decode = max(decode_fps(video) for _ in range(REPEATS))
            for model in args.models:
                runs = [(inference_fps(video, model), analyze_fps(video, model))
                        for _ in range(REPEATS)]
                inference = max(r[0] for r in runs)
                whole, reps = max(r[1] for r in runs)
                rows.append({
                    "size": f"{size}p", "model": model, "decode_fps": decode,
                    "inference_fps": inference, "analyze_fps": whole,
                    "whole_over_inference": whole / inference, "x_real_time": whole / FPS,
                    "reps": reps,
                })
    headers = ["size", "model", "decode fps", "inference fps", "analyze fps",
               "analyze / inference", "× real time", "reps"]
    print(table(headers, [list(r.values()) for r in rows]))
    payload = {"source": SOURCE, "fps": FPS, "seconds": args.seconds, "rows": rows}
    name = "speed_quick" if args.quick else "speed"
    print(f"written to {write_result(name, payload)}")
    return payload


if __name__ == "__main__":
    main()
