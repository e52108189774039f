"""The benchmark code runs (its --quick mode); its numbers are for people, not for asserts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TBY66, clip

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["accuracy", "holds", "live_counts", "views", "turned",
                                  "set_metrics", "pose_throughput", "speed", "utilisation",
                                  "memory", "live_latency"])
def test_benchmark_quick_mode_runs(name: str, pose_model: Path) -> None:
    clip(TBY66.format("c"))
    done = subprocess.run([sys.executable, "-m", "benchmarks", name, "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "|" in done.stdout
    result = json.loads((ROOT / "benchmarks" / "results" / f"{name}_quick.json").read_text())
    assert "machine" in result


def test_a_turned_track_is_the_same_reps_filmed_further_round(real_track) -> None:
    """benchmarks.turned: a turn of 0° is the real track exactly; a turn of 45° toward the
    front is what the view estimate reads 45° nearer the front, with the same reps."""
    from benchmarks.turned import turned
    from formcheck.analysis import analyze_track
    from formcheck.config import load_lift
    from formcheck.view import estimate_view

    track = real_track(TBY66.format("c"))
    same = turned(track, 0)
    assert np.array_equal(same.landmarks, track.landmarks, equal_nan=True)
    assert np.array_equal(same.world, track.world, equal_nan=True)
    side, round45 = estimate_view(track).yaw_deg, estimate_view(turned(track, 45)).yaw_deg
    assert side - 45 - 3 < round45 < side - 45 + 3
    lift = load_lift("deadlift", "kettlebell")
    reps = [analyze_track(t, lift, evidence=None).rep_count for t in (track, turned(track, 45))]
    assert reps == [10, 10]
