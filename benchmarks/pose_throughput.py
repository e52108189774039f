"""Frames per second of decoding, of the pose model alone, and of the whole ``pose`` command.

All three run on the same frames of one shared clip, per model variant, in one process, so the
ratio whole / inference-only is meaningful on a shared, noisy machine: it is what the pipeline
around the model costs (target ≥ 0.9).

    python -m benchmarks.pose_throughput [--quick] [--clip deadlift/....mp4]
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Sequence

from benchmarks.common import shared_clip, table, write_result
from formcheck.pose import PoseEstimator, PoseSettings, estimate_frames
from formcheck.track import TrackBuilder
from formcheck.video import VideoInfo, read_frames

DEFAULT_CLIP = "deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016c_1.mp4"


def decode_fps(clip: str, frames: int) -> float:
    start = time.perf_counter()
    n = sum(1 for _ in itertools.islice(read_frames(clip), frames))
    return n / (time.perf_counter() - start)


def inference_fps(clip: str, frames: int, model: str) -> float:
    """The model alone: frames decoded beforehand, so only ``estimate`` is timed."""
    decoded = list(itertools.islice(read_frames(clip), frames))
    with PoseEstimator(PoseSettings(model=model)) as estimator:
        estimator.estimate(decoded[0])
        start = time.perf_counter()
        for frame in decoded[1:]:
            estimator.estimate(frame)
        return (len(decoded) - 1) / (time.perf_counter() - start)


def pipeline_fps(clip: str, frames: int, model: str) -> float:
    """Decode, model, identity and back contour, and the track being built, as ``pose`` does."""
    info = VideoInfo.from_path(clip)
    builder = TrackBuilder(width=info.width, height=info.height, fps=info.fps)
    source = itertools.islice(read_frames(clip), frames)
    poses = estimate_frames(source, PoseSettings(model=model))
    builder.append(next(poses)[1])
    start = time.perf_counter()
    for _, pose in poses:
        builder.append(pose)
    builder.build()
    return (len(builder) - 1) / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", default=DEFAULT_CLIP, help="shared clip, relative to clips/")
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--models", nargs="+", default=["lite", "full", "heavy"])
    parser.add_argument("--quick", action="store_true", help="a few frames, lite only (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.frames, args.models = 20, ["lite"]
    clip = str(shared_clip(args.clip))
    decode = decode_fps(clip, args.frames)
    rows = []
    for model in args.models:
        inference = inference_fps(clip, args.frames, model)
        whole = pipeline_fps(clip, args.frames, model)
        rows.append(
            {"model": model, "decode_fps": decode, "inference_fps": inference,
             "pipeline_fps": whole, "ratio": whole / inference}
        )
    headers = ["model", "decode fps", "inference-only fps", "whole pose fps", "whole / inference"]
    print(table(headers, [list(r.values()) for r in rows]))
    payload = {"clip": args.clip, "frames": args.frames, "quick": args.quick, "rows": rows}
    name = "pose_throughput_quick" if args.quick else "pose_throughput"
    print(f"written to {write_result(name, payload)}")
    return payload


if __name__ == "__main__":
    main()
