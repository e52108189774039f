"""Live feedback at 640×480: capture-to-overlay latency (p50, p95), frames per second and the
share of frames dropped, per model variant; and what one judgement of the set costs.

The source is a shared side-view clip (TBY66 c: a real lifter, 10 reps) letterboxed into
640×480 frames, as a webcam would deliver them, and played at its own rate (60 fps) exactly
as ``formcheck live --source`` plays it: a frame that arrives while the previous one is still
being processed is dropped, as a camera's would be. Latency runs from the moment a frame is
handed over to the moment its annotated overlay is drawn (pose, live judgement, drawing; the
window or web page adds a copy on top). A judgement re-judges the whole window of the set
(``LiveSettings.context_s``) every ``judge_every_s``; its cost is measured on a real track
repeated to the window's length.

With ``--busy N``, N other processes keep a core busy each meanwhile.

    python -m benchmarks.live_latency [--quick] [--models lite full heavy] [--seconds 20]
                                      [--busy 2]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

import cv2
import numpy as np

from benchmarks.common import cached_track, shared_clip, table, write_result
from formcheck.config import load_lift
from formcheck.live import FrameTiming, LiveSession, LiveSettings, run_live
from formcheck.pose import PoseSettings
from formcheck.track import PoseTrack, TrackBuilder
from formcheck.video import Frame, read_frames

SOURCE = "deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016c_1.mp4"
SIZE = (640, 480)


def webcam_frames(seconds: float) -> Iterator[Frame]:
    """The clip's first ``seconds``, letterboxed into 640×480 like a webcam's frames."""
    width, height = SIZE
    for frame in itertools.takewhile(lambda f: f.time_s < seconds,
                                     read_frames(shared_clip(SOURCE))):
        h, w = frame.image.shape[:2]
        scale = min(width / w, height / h)
        size = (round(w * scale), round(h * scale))
        canvas = np.zeros((height, width, 3), np.uint8)
        left, top = (width - size[0]) // 2, (height - size[1]) // 2
        canvas[top:top + size[1], left:left + size[0]] = cv2.resize(
            frame.image, size, interpolation=cv2.INTER_AREA)
        yield Frame(frame.index, frame.time_s, canvas)


def live_run(model: str, seconds: float) -> dict[str, object]:
    timings: list[FrameTiming] = []
    session = run_live(
        webcam_frames(seconds), load_lift("deadlift", "kettlebell"), paced=True, fps=60.0,
        pose_settings=PoseSettings(model=model), on_frame=timings.append,
    )
    latency = np.array([t.latency_s for t in timings[1:]]) * 1000
    offered = len(timings) + timings[-1].dropped
    played_s = timings[-1].time_s - timings[0].time_s  # the recording plays in real time
    return {
        "model": model,
        "frames_offered": offered,
        "frames_processed": len(timings),
        "dropped_share": timings[-1].dropped / offered,
        "fps": (len(timings) - 1) / played_s,
        "latency_p50_ms": float(np.percentile(latency, 50)),
        "latency_p95_ms": float(np.percentile(latency, 95)),
        "reps": len(session.reps) if session is not None else 0,
    }


def repeated(track: PoseTrack, seconds: float) -> PoseTrack:
    """``track`` played again and again, end to end, for ``seconds``."""
    builder = TrackBuilder(width=track.width, height=track.height, fps=track.fps)
    period = float(track.times[-1]) + 1.0 / track.fps
    for loop in range(int(np.ceil(seconds / period))):
        for i in range(len(track)):
            pose = track.frame(i)
            builder.append(replace(pose, time_s=pose.time_s + loop * period))
    return builder.build()


def judgement_ms(track: PoseTrack, context_s: float, repeats: int = 5) -> tuple[float, float]:
    """Median time of one judgement, and of one counting between judgements, over a full
    window of ``context_s`` seconds."""
    settings = LiveSettings(context_s=context_s, judge_every_s=math.inf, count_every_s=math.inf)
    session = LiveSession(load_lift("deadlift", "kettlebell"), width=track.width,
                          height=track.height, fps=track.fps, settings=settings)
    window = repeated(track, context_s)
    for i in range(len(window)):
        session.add(window.frame(i))
    session.judge()  # every rep so far made final, as it would have been on the way
    costs: dict[str, list[float]] = {"judge": [], "count": []}
    for _ in range(repeats):
        for name, step in (("judge", session.judge), ("count", session.count)):
            begin = time.perf_counter()
            step()
            costs[name].append(time.perf_counter() - begin)
    return float(np.median(costs["judge"])) * 1000, float(np.median(costs["count"])) * 1000


@contextlib.contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """``count`` processes spinning on the CPU for as long as the block runs: the other work a
    lifter's laptop does (a browser, a screen recorder) while the live view plays."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(count)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["lite", "full", "heavy"])
    parser.add_argument("--seconds", type=float, default=20.0, help="of the clip, per model")
    parser.add_argument("--busy", type=int, default=0,
                        help="processes keeping a core busy each while the live runs play")
    parser.add_argument("--quick", action="store_true", help="3 s, lite only (CI)")
    args = parser.parse_args(argv)
    contexts = [30.0, 60.0, 120.0]
    if args.quick:
        args.models, args.seconds, contexts = ["lite"], 3.0, [30.0]
    with busy_cores(args.busy):
        rows = [live_run(model, args.seconds) for model in args.models]
    print(f"{args.busy} other busy process(es); load average {os.getloadavg()[0]:.1f}")
    print(table(
        ["model", "fps", "latency p50 (ms)", "latency p95 (ms)", "frames dropped", "reps"],
        [[r["model"], r["fps"], r["latency_p50_ms"], r["latency_p95_ms"],
          f"{r['dropped_share']:.0%}", r["reps"]] for r in rows],
    ))
    track = cached_track(shared_clip(SOURCE))
    judged = [dict(zip(("context_s", "judgement_ms", "count_ms"), (c, *judgement_ms(track, c)),
                       strict=True)) for c in contexts]
    print()
    print(table(["window judged (s of 60 fps)", "one judgement (ms)", "one counting (ms)"],
                [[f"{j['context_s']:.0f}", j["judgement_ms"], j["count_ms"]] for j in judged]))
    payload = {"clip": SOURCE, "size": list(SIZE), "seconds": args.seconds, "busy": args.busy,
               "quick": args.quick, "rows": rows, "judgements": judged}
    name = "live_latency_quick" if args.quick else "live_latency" + (
        f"_busy{args.busy}" if args.busy else "")
    print(f"written to {write_result(name, payload)}")
    return payload


if __name__ == "__main__":
    main()
