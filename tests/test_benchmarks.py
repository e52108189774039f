"""The benchmark code runs (its --quick mode); its numbers are for people, not for asserts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TBY66, clip

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["accuracy", "holds", "live_counts", "views", "set_metrics",
                                  "pose_throughput", "speed", "utilisation", "memory",
                                  "live_latency"])
def test_benchmark_quick_mode_runs(name: str, pose_model: Path) -> None:
    clip(TBY66.format("c"))
    done = subprocess.run([sys.executable, "-m", "benchmarks", name, "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "|" in done.stdout
    result = json.loads((ROOT / "benchmarks" / "results" / f"{name}_quick.json").read_text())
    assert "machine" in result
