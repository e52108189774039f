"""When a rep cannot be judged whatever its checks say: gaps in tracking, an upside-down
picture; and the report's notes on a video that is damaged or too short.

Synthetic tracks (tests/synthetic.py) with the damage applied to the track, so these run in the
fast suite; test_robustness.py checks the same behaviours on real videos, end to end.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from synthetic import crop, drop, hinge, swing, thrust

from formcheck.analysis import UPSIDE_DOWN, analyze_track, upside_down
from formcheck.config import load_lift
from formcheck.kinematics import kinematics
from formcheck.report import Report
from formcheck.track import PoseTrack

UPRIGHT = {
    "deadlift": lambda: hinge(3, from_floor=True),
    "romanian_deadlift": lambda: hinge(3, depth_deg=80, knee_bend_deg=20),
    "kettlebell_swing": lambda: swing(3),
    "hip_thrust": lambda: thrust(3),
}


def turned_half(track: PoseTrack) -> PoseTrack:
    """The same lifter in a picture turned 180 degrees (both image axes and world x, y flip)."""
    world = track.world.copy()
    world[..., :2] *= -1
    landmarks = track.landmarks.copy()
    landmarks[..., :2] = 1 - landmarks[..., :2]
    return replace(track, landmarks=landmarks, back_contour=1 - track.back_contour, world=world)


def analyze(track: PoseTrack, lift: str = "deadlift") -> Report:
    return analyze_track(track, load_lift(lift))


@pytest.mark.parametrize("lift", UPRIGHT)
def test_no_lift_filmed_upright_looks_upside_down(lift):
    track = UPRIGHT[lift]().track
    assert not upside_down(kinematics(track), slice(None))
    assert upside_down(kinematics(turned_half(track)), slice(None))


def test_an_upside_down_lifter_gets_every_rep_ambiguous_and_the_fix():
    upright = analyze(UPRIGHT["deadlift"]().track)
    report = analyze(turned_half(UPRIGHT["deadlift"]().track))
    assert report.rep_count == upright.rep_count == 3
    for rep in report.reps:
        assert rep.outcome == "ambiguous" and rep.faults == []
        assert [a.check for a in rep.abstained] == ["orientation"]
    assert UPSIDE_DOWN in report.warnings and UPSIDE_DOWN not in upright.warnings


def test_a_gap_that_could_hide_a_rep_makes_its_rep_ambiguous():
    clip = hinge(3, from_floor=True)
    top = clip.times("top")[1]
    report = analyze(drop(clip.track, top - 0.4, top + 0.4))
    assert [rep.outcome for rep in report.reps] == ["valid", "ambiguous", "valid"]
    gap = report.reps[1].abstained[0]
    assert gap.check == "tracking" and "long enough to hide a whole rep" in gap.reason
    assert any(w.startswith("the lifter was out of sight from") for w in report.warnings)


def test_a_gap_shorter_than_a_rep_between_reps_changes_nothing():
    clip = hinge(3, from_floor=True)
    clean = analyze(clip.track)
    bottom = clip.times("bottom")[2]  # the bar on the floor between pulls 1 and 2
    report = analyze(drop(clip.track, bottom - 0.25, bottom + 0.25))
    assert [r.outcome for r in report.reps] == [r.outcome for r in clean.reps]
    assert not any("out of sight" in w for w in report.warnings)


def test_an_unseen_lockout_is_ambiguous_not_a_no_rep():
    failed = load_lift("deadlift").value("no_rep_hip_angle") - 15.0
    clip = hinge(3, from_floor=True, lockout_deg=[180.0, failed, 180.0])
    top = clip.times("top")[1]
    assert analyze(clip.track).reps[1].outcome == "no_rep"
    hidden = analyze(drop(clip.track, top - 0.35, top + 0.35)).reps[1]
    assert hidden.outcome == "ambiguous" and hidden.score is None
    assert hidden.abstained[0].check == "tracking"


def test_a_truncated_video_is_one_note_at_the_top():
    track = UPRIGHT["deadlift"]().track
    track.meta["truncated"] = "decoding stopped early at damaged data (invalid data)"
    note = analyze(track).warnings[0]
    assert note == (f"the video ends early at {track.times[-1]:.1f} s: decoding stopped early "
                    "at damaged data (invalid data); only the frames before that were used")


@pytest.mark.parametrize("frames", [0, 1, 5])
def test_a_video_too_short_for_a_rep_says_so(frames):
    track = UPRIGHT["deadlift"]().track
    short = crop(track, 0.0, frames / track.fps - 1e-6) if frames else crop(track, 0.0, 0.0)
    report = analyze(short)
    assert report.rep_count == 0 and len(short) == frames
    assert any(w.startswith(f"the video is too short to hold a rep: {frames} frame(s)")
               for w in report.warnings)
    assert np.isfinite(report.duration_s)
