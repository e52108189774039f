"""Run every benchmark, print its tables, and write them to benchmarks/results/tables.md.

benchmarks/RESULTS.md is written by hand from these tables (each with what it means, the run's
load and what changed since the last one), so a run never overwrites it; the raw numbers of
each benchmark are in ``benchmarks/results/<name>.json``.

    python -m benchmarks            # the full set (about 1.5 hours on 2 cores; 45 min of it memory)
    python -m benchmarks --quick    # seconds per benchmark: checks the code runs (CI)
    python -m benchmarks accuracy speed   # some of them
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
from collections.abc import Sequence

from benchmarks.common import ROOT, machine
from formcheck.files import atomic_write

BENCHMARKS = {
    "accuracy": "Accuracy against the labelled clips",
    "holds": "Held stretches: hold times against the labels",
    "live_counts": "Live counting: when each rep is counted, and agreement with analyze",
    "views": "Each check per camera view: precision, recall, abstention; two-camera agreement",
    "turned": "Each check from a camera turned off the side (simulated): agreement, precision",
    "recognition": "Recognising the lift (--exercise auto) and the wrong-name guard",
    "set_metrics": "Set metrics: world landmarks against the image scaled by the lifter's height",
    "frame_rate": "Analysing at 30 frames a second: what it changes on clips filmed faster",
    "pose_throughput": "Pose pipeline throughput (one clip, per model)",
    "speed": "Speed per model and resolution",
    "utilisation": "Where analyze loses the machine's limit: CPU use per process",
    "memory": "Memory: a long video against a short one",
    "batch_scaling": "Batch scoring: clips per minute",
    "live_latency": "Live feedback: latency and frame rate at 640×480",
}
SUMMARY = ROOT / "benchmarks" / "results" / "tables.md"


class _Tee(io.StringIO):
    """Collects what a benchmark prints while still showing it."""

    def write(self, text: str) -> int:
        sys.__stdout__.write(text)
        return super().write(text)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"any of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    names = [n for n in BENCHMARKS if n in args.names] or [
        n for n in BENCHMARKS if _available(n)
    ]
    facts = machine()
    sections = [
        "# Benchmark results",
        "",
        f"Measured {facts['date']} on {facts['cpus']} CPUs ({facts['processor']}), Python "
        f"{facts['python']}, by `python -m benchmarks{' --quick' if args.quick else ''}`. "
        "The machine is shared, so compare ratios within a table, not across runs.",
    ]
    for name in names:
        print(f"\n## {BENCHMARKS[name]}\n", flush=True)
        captured = _Tee()
        with contextlib.redirect_stdout(captured):
            importlib.import_module(f"benchmarks.{name}").main(["--quick"] if args.quick else [])
        lines = [line for line in captured.getvalue().splitlines()
                 if not line.startswith("written to")]
        sections += ["", f"## {BENCHMARKS[name]}", "", *lines]
    if not args.quick:
        with atomic_write(SUMMARY) as tmp:
            tmp.write_text("\n".join(sections) + "\n")
        print(f"\ntables written to {SUMMARY} (benchmarks/RESULTS.md is edited by hand)")


def _available(name: str) -> bool:
    return (ROOT / "benchmarks" / f"{name}.py").exists()


if __name__ == "__main__":
    main()
