"""Shared fixtures: the real clips in ../shared (skipped, with the reason, when absent)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import formcheck
from formcheck.pose import PoseSettings, extract_pose
from formcheck.track import PoseTrack

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CLIPS = SHARED / "clips"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

TBY66 = "deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016{}_1.mp4"
"""The four side-view kettlebell deadlift clips: c correct, h hips first, k knee dominant,
r rounded back."""
RUSSIAN_SWING = "kettlebell_swing/Ulisses-coach__kbtrainer__kbsRusso.mp4"


def clip(name: str) -> Path:
    """Path of a shared clip, skipping the test when the shared folder is not beside the repo."""
    path = CLIPS / name
    if not path.exists():
        pytest.skip(f"real clip not available: {path} (../shared/clips is absent on this machine)")
    return path


TRACK_CACHE = Path(__file__).resolve().parent / ".track-cache"
"""Tracks extracted from shared clips, kept between local runs (gitignored; CI starts empty)."""

_PIPELINE = ("pose.py", "contour.py", "video.py", "track.py", "models.py")


def _pipeline_digest() -> str:
    """Hash of the code that makes a track, so a cached track is never older than that code."""
    package = Path(formcheck.__file__).parent
    digest = hashlib.sha256()
    for name in _PIPELINE:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def real_track():
    """Pose track of a shared clip with the real full model, extracted once and cached."""
    version = _pipeline_digest()

    def get(name: str) -> PoseTrack:
        video = clip(name)
        key = f"{Path(name).stem}-{video.stat().st_size}-{version}.npz"
        cached = TRACK_CACHE / key
        if cached.exists():
            return PoseTrack.load(cached)
        track = extract_pose(video, PoseSettings(model="full"))
        track.save(cached)
        return track

    return get


@pytest.fixture(scope="session")
def pose_model() -> Path:
    """The full pose model, fetched (or built) up front so that a command under test does not
    print the one-time fetch messages that belong to its first real use."""
    from formcheck.models import model_path

    return model_path("full")
