"""Where a default ``analyze`` loses the machine's limit: each process's CPU use over the run.

Issue #20's limit is every usable core running the model: ``cores × inference-only
throughput``. This benchmark runs, on the same minute of 720p video (the speed benchmark's
looped TBY66 clip) and in one run:

* the model alone in this process on frames decoded beforehand (the issue's limit per core);
* the model alone in two processes at once, one per core: the most two cores give when both
  run the model, which memory bandwidth and shared caches may hold below twice one core;
* a helper process's start-up: a fresh interpreter importing formcheck's pose stage and
  building a landmarker, before it reads a frame;
* ``formcheck.analyze`` as it runs by default, while a thread samples the CPU time of this
  process and of every process it starts (``/proc``) every 50 ms.

The idle core-seconds of the analysis (``cores × wall − CPU used``) are then split by where they
happen: while the pose stage runs (one process waiting for the other: the parts are uneven,
or a helper is still starting) and after it (the analysis and outputs, on one core). Linux
only (``/proc``). The analysis is also compared with the two processes' model alone: on a
shared virtual machine two busy cores may give less than twice one, which no scheduling of
formcheck's can recover.

    python -m benchmarks.utilisation [--quick] [--repeat 2] [--seconds 60] [--size 720]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import formcheck
from benchmarks.common import LOOP_FPS, ROOT, looped, shared_clip, table, write_result
from benchmarks.speed import SOURCE, inference_fps
from formcheck.progress import Stage
from formcheck.video import usable_cores

SAMPLE_S = 0.05
"""How often the CPU times are read: fine enough to see a helper start (seconds)."""
BUSY = 0.5
"""A process using less than this share of a core in a sample is waiting, not working."""
_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of a live process, from ``/proc``; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * _TICK_S


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid``, from the kernel's list per thread (0.3 ms): cheap
    enough to read every sample. (Walking all of ``/proc`` instead, 4.6 ms each time, cost the
    sampled process ~9 % of a core at 20 samples a second, enough to make its part of the video
    finish 5 s after its helper's on a 60 s clip, an imbalance the analysis does not have
    unsampled.)"""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class Sampler(threading.Thread):
    """Reads the CPU seconds of this process and its children every :data:`SAMPLE_S`."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float, dict[int, float]]] = []
        self.stop = threading.Event()
        self.start_s = time.perf_counter()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(SAMPLE_S):
            own = os.times()
            helpers = {pid: cpu for pid in children(me)
                       if (cpu := cpu_seconds(pid)) is not None}
            self.samples.append((time.perf_counter() - self.start_s, own.user + own.system,
                                 helpers))


def concurrent_inference_fps(video: Path, model: str, processes: int) -> list[float]:
    """The model alone, in ``processes`` processes started together: each one's frames/s."""
    code = ("import sys; from benchmarks.speed import inference_fps; "
            "print(inference_fps(__import__('pathlib').Path(sys.argv[1]), sys.argv[2]))")
    runs = [subprocess.Popen([sys.executable, "-c", code, os.fspath(video), model], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    return [float(run.communicate()[0].split()[-1]) for run in runs]


def helper_start_s(model: str) -> float:
    """Wall time for a fresh interpreter to import the pose stage and build a landmarker: what
    a helper process spends before its first frame (the model file is cached by then)."""
    code = ("from formcheck.pose import PoseEstimator, PoseSettings; "
            f"PoseEstimator(PoseSettings(model={model!r})).close()")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - start


def sampled_analysis(video: Path, model: str) -> dict[str, float]:
    """A default ``analyze`` of ``video`` with its CPU use sampled; where the idle time fell."""
    stages: dict[Stage, float] = {}
    sampler = Sampler()

    def progress(stage: Stage, done: int, total: int | None) -> None:
        stages.setdefault(stage, time.perf_counter() - sampler.start_s)

    sampler.start()
    cpu0 = sum(os.times()[:2])
    formcheck.analyze(video, "deadlift", variant="kettlebell", model=model, progress=progress)
    wall = time.perf_counter() - sampler.start_s
    sampler.stop.set()
    sampler.join()
    pose_end = stages.get("analysis", wall)
    cores = usable_cores()
    helper_cpu: dict[int, float] = {}
    busy_parent = waiting_parent = 0.0
    previous_t, previous_own = 0.0, cpu0
    for t, own, helpers in sampler.samples:
        helper_cpu.update(helpers)
        rate = (own - previous_own) / (t - previous_t)
        if t <= pose_end:
            if rate >= BUSY:
                busy_parent += t - previous_t
            else:
                waiting_parent += t - previous_t
        previous_t, previous_own = t, own
    own_cpu = sum(os.times()[:2]) - cpu0
    used = own_cpu + sum(helper_cpu.values())
    after_pose_cpu = _cpu_between(sampler.samples, pose_end, wall, cpu0)
    return {
        "wall_s": wall, "pose_stage_s": pose_end, "after_pose_s": wall - pose_end,
        "cpu_s": used, "parent_cpu_s": own_cpu, "helpers_cpu_s": sum(helper_cpu.values()),
        "helpers": len(helper_cpu), "idle_core_s": cores * wall - used,
        "idle_in_pose_stage_core_s": cores * pose_end - (used - after_pose_cpu),
        "idle_after_pose_core_s": cores * (wall - pose_end) - after_pose_cpu,
        "parent_waiting_in_pose_stage_s": waiting_parent,
    }


def _cpu_between(samples: Sequence[tuple[float, float, dict[int, float]]], start: float,
                 stop: float, cpu0: float) -> float:
    """CPU seconds every sampled process used from ``start`` to ``stop``."""
    def total(at: float) -> float:
        seen: dict[int, float] = {}
        own = cpu0
        for t, own_t, helpers in samples:
            if t > at:
                break
            seen.update(helpers)
            own = own_t
        return own + sum(seen.values())

    return total(stop) - total(start)


def _round(video: Path, model: str, cores: int
           ) -> tuple[float, float, float, dict[str, float]]:
    """One of each measure, in turn, so that a machine whose speed drifts (a shared one) slows
    all of them alike: the model alone, the model in one process per core, a helper's start-up
    and the sampled analysis."""
    alone = inference_fps(video, model)
    together = sum(concurrent_inference_fps(video, model, cores))
    return alone, together, helper_start_s(model), sampled_analysis(video, model)


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--size", type=int, default=720, help="short side of the video")
    parser.add_argument("--model", default="full")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every measure, taken in turn; the fastest of each kept")
    parser.add_argument("--quick", action="store_true", help="6 s of 480p, lite (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.size, args.model = 6.0, 480, "lite"
    cores = usable_cores()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        video = looped(shared_clip(SOURCE), args.seconds, Path(tmp), short_side=args.size)
        frames = round(args.seconds * LOOP_FPS)
        rounds = [_round(video, args.model, cores) for _ in range(args.repeat)]
    alone = max(r[0] for r in rounds)
    together = max(r[1] for r in rounds)
    start_s = min(r[2] for r in rounds)
    run = min((r[3] for r in rounds), key=lambda run: run["wall_s"])
    limit_s = frames / (cores * alone)
    row = {
        "frames": frames, "rounds": args.repeat, "inference_fps": alone,
        "inference_fps_together": together,
        "together_over_cores_x_alone": together / (cores * alone),
        "helper_start_s": start_s, **run,
        "analyze_fps": frames / run["wall_s"], "limit_s": limit_s,
        "throughput_over_limit": limit_s / run["wall_s"],
        "throughput_over_together": frames / run["wall_s"] / together,
        "load_average_before": load_before, "load_average": os.getloadavg()[0],
    }
    print(f"## Where `analyze` loses the limit ({args.seconds:g} s of {args.size}p, "
          f"{args.model} model, {cores} cores, load average {row['load_average']:.1f})\n")
    print(table(["measure", "value"], [[k, v] for k, v in row.items()]))
    payload = {"source": SOURCE, "seconds": args.seconds, "size": args.size,
               "model": args.model, "row": row}
    name = "utilisation_quick" if args.quick else "utilisation"
    print(f"written to {write_result(name, payload)}")
    return payload


if __name__ == "__main__":
    main()
