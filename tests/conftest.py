"""Shared fixtures: the real clips in ../shared (skipped, with the reason, when absent)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import psutil
import pytest
from corpus import Lifter, make_lifter

from benchmarks.common import committed_track
from formcheck.track import PoseTrack

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CLIPS = SHARED / "clips"

collect_ignore_glob = ["corpus.py", "synthetic*.py"]
"""Helpers the tests import, not tests: their docstring examples sketch a use and are not run
(``pytest tests`` would otherwise collect them under ``--doctest-modules``)."""

TBY66 = "deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016{}_1.mp4"
"""The four side-view kettlebell deadlift clips: c correct, h hips first, k knee dominant,
r rounded back."""
RUSSIAN_SWING = "kettlebell_swing/Ulisses-coach__kbtrainer__kbsRusso.mp4"
RACK_PULL = "rack_pull/vivekkumar20041806__gym__dumbbell_rack_pull.mp4"
"""A dumbbell partial pull from mid-shin, side view, 5 pulls, the last held at lockout to the
clip's end."""


def clip(name: str) -> Path:
    """Path of a shared clip, skipping the test when the shared folder is not beside the repo."""
    path = CLIPS / name
    if not path.exists():
        pytest.skip(f"real clip not available: {path} (../shared/clips is absent on this machine)")
    return path


PROGRESS_LINE = re.compile(r"formcheck: .* · elapsed \d+:\d{2}")
"""A progress line, printed every few seconds off a terminal (formcheck.progress.plain_lines)."""


def without_progress(stderr: str) -> list[str]:
    """The non-blank lines of ``stderr`` but the progress lines: a job that runs longer than a
    few seconds (a loaded machine) prints them, and they are not what a test checks."""
    return [line for line in stderr.splitlines()
            if line.strip() and not PROGRESS_LINE.fullmatch(line)]


def gone(pids: list[int], within: float) -> bool:
    """Whether every process in ``pids`` ends within ``within`` seconds (a zombie has ended;
    it only awaits its parent)."""
    deadline = time.monotonic() + within
    while True:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                continue
        if not alive:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


@pytest.fixture(scope="session")
def real_track():
    """Pose track of a shared clip with the real full model, as committed in tests/tracks.
    Never extracted here: a test of a clip without one would quietly cost CI the model's time
    over it on every fresh machine, so it fails saying how to add it."""

    def committed(name: str) -> PoseTrack:
        path = committed_track(clip(name))
        if not path.exists():
            pytest.fail(f"{name} has no committed track: python -m benchmarks.fixtures {name}")
        return PoseTrack.load(path)

    return committed


@pytest.fixture(scope="session")
def pose_model() -> Path:
    """The full pose model, fetched (or built) up front so that a command under test does not
    print the one-time fetch messages that belong to its first real use."""
    from formcheck.models import model_path

    return model_path("full")


@pytest.fixture(scope="session")
def lifter(tmp_path_factory: pytest.TempPathFactory) -> Lifter:
    """Four reps of the correct TBY66 kettlebell deadlift (2.5-9.9 s of the clip, at 30 fps):
    the real lifter the robustness corpus (tests/corpus.py) films awkwardly."""
    return make_lifter(clip(TBY66.format("c")), tmp_path_factory.mktemp("lifter"), 2.5, 9.9)


@pytest.fixture(scope="session")
def short_lifter(tmp_path_factory: pytest.TempPathFactory) -> Lifter:
    """The first two of those reps (2.5-6.1 s): enough for a case that needs a rep or two."""
    return make_lifter(clip(TBY66.format("c")), tmp_path_factory.mktemp("short"), 2.5, 6.1)
