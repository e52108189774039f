"""The committed pose tracks (tests/tracks) are what today's code makes of their clips.

Most tests of real clips judge these tracks rather than run the model (tests/tracks/README.md),
so a change to the code that makes tracks must make them again; these tests say when it has not.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.common import TRACK_FIXTURES, TRACK_FORMAT, track_name
from benchmarks.fixtures import stale
from formcheck.pose import DEFAULT_MAX_FPS, PoseSettings, extract_pose
from formcheck.track import PoseTrack
from tests.conftest import clip

SENTINEL = "romanian_deadlift/jeff-j-chen__MediaPipe-PoseReader__rdl.mp4"
"""The shortest clip with a committed track (1.8 s)."""


def test_every_committed_track_is_of_todays_format() -> None:
    assert any(TRACK_FIXTURES.glob("*.npz"))
    old = stale()
    assert not old, (f"{len(old)} tracks in tests/tracks are of an older format: "
                     "python -m benchmarks.fixtures makes them again")


@pytest.mark.slow
def test_todays_code_makes_the_committed_track_again(pose_model) -> None:
    """Catches a change to the pipeline that forgot to raise TRACK_FORMAT. Another CPU's
    MediaPipe differs in the last decimals, so landmarks agree to well under a pixel, not bit
    for bit; a changed pipeline (a filter, a crop, a rotation, the contour) moves far more."""
    video = clip(SENTINEL)
    committed = PoseTrack.load(
        TRACK_FIXTURES / track_name(video, "full", DEFAULT_MAX_FPS, f"v{TRACK_FORMAT}"))
    made = extract_pose(video, PoseSettings(model="full", max_fps=DEFAULT_MAX_FPS))
    assert made.times.tolist() == committed.times.tolist()
    assert (made.present == committed.present).mean() >= 0.95
    both = made.present & committed.present
    for name in ("landmarks", "world", "back_contour"):
        difference = np.abs(getattr(made, name)[both] - getattr(committed, name)[both])
        assert np.nanmedian(difference) < 1e-3, name
