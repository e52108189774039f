"""Checks whose measure the camera's angle or the model's landmark placement used to distort,
on synthetic lifters of exactly known geometry (issue #14)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from synthetic import TRUNK, Synthetic, View, hinge

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.kinematics import kinematics
from formcheck.landmarks import joint
from formcheck.track import PoseTrack

RDL = load_lift("romanian_deadlift")
LIMIT = RDL.value("hinge_trunk_inclination")
REPS = 3


def shallow_hinge_values(depth: float, yaw: float) -> tuple[int, list[float]]:
    """Reps found and the shallow_hinge values flagged, for RDLs to trunk ``depth``."""
    clip = hinge(2, depth_deg=depth, knee_bend_deg=20, view=View(yaw_deg=yaw))
    report = analyze_track(clip.track, RDL, evidence=None)
    return report.rep_count, [f.value for rep in report.reps for f in rep.faults
                              if f.code == "shallow_hinge"]


@pytest.mark.parametrize("yaw", [90.0, 60.0, 45.0])
def test_a_deep_enough_hinge_is_not_shallow_from_an_oblique_camera(yaw: float) -> None:
    """A hinge a little deeper than the limit is clean from each angle, though its image,
    whose forward lean shrinks by about sin(yaw) (the shoulders' and hips' widths shift it
    too), reads short of the limit off the side: what the image-angle measure flagged."""
    deep = LIMIT + 5.0
    image = kinematics(hinge(2, depth_deg=deep, knee_bend_deg=20, view=View(yaw_deg=yaw)).track,
                       ["trunk_inclination"]).trunk_inclination.facing.value
    if yaw < 90.0:
        assert np.nanmax(image) < LIMIT
    else:
        assert np.nanmax(image) == pytest.approx(deep, abs=0.1)
    assert shallow_hinge_values(deep, yaw) == (2, [])


@pytest.mark.parametrize("yaw", [90.0, 60.0])
def test_a_shallow_hinge_is_flagged_with_its_true_depth_off_the_side(yaw: float) -> None:
    """From 45° the image hip angle of so shallow a hinge travels too little for its reps to
    be counted, so the oblique case here is 60°."""
    shallow = LIMIT - 8.0
    assert shallow_hinge_values(shallow, yaw) == (2, pytest.approx([shallow] * 2, abs=1.0))


DEADLIFT = load_lift("deadlift")
PULL_THROUGH = load_lift("pull_through")
LOCKOUT = DEADLIFT.value("lockout_hip_angle")


def near_hip_misplaced(clip: Synthetic, back: float) -> PoseTrack:
    """The track with the near (right) hip's landmark ``back`` trunk lengths behind where it is
    (away from the toes) in every frame: off the shoulder-knee line, it reads a bent hip at a
    full lockout, as a landmark the model drags onto a plate covering that hip does."""
    track = copy.deepcopy(clip.track)
    track.landmarks[:, joint("right", "hip"), 0] -= back * TRUNK / track.width
    return track


def lockouts(track: PoseTrack) -> list[float]:
    report = analyze_track(track, DEADLIFT, evidence=None)
    assert report.rep_count == 2
    return [f.value for rep in report.reps for f in rep.faults if f.code == "incomplete_lockout"]


def test_a_lockout_is_not_short_because_one_hip_landmark_is_misplaced() -> None:
    """The near hip's landmark a quarter of the trunk off its place bends its angle well short
    of the limit all through a full lockout; the far hip still reads it open, so no fault. A
    short lockout bends both hips, and is still found with its angle."""
    clip = hinge(2, from_floor=True)
    misplaced = near_hip_misplaced(clip, 0.25)
    kin = kinematics(misplaced, ["hip_angle"])
    assert kin.facing == "right"
    assert np.nanmax(kin.hip_angle.right.value) < LOCKOUT - 10
    assert lockouts(misplaced) == []
    short = LOCKOUT - 5
    assert lockouts(hinge(2, from_floor=True, lockout_deg=short).track) == pytest.approx(
        [short] * 2, abs=0.3)


def feet_reversed(clip: Synthetic) -> PoseTrack:
    """The track with each heel and toe swapped: the clip's forward, read from the feet, then
    points backwards, as it does for the reps of a lifter who turns round (or a film that cuts
    to his other side) after it was read."""
    track = copy.deepcopy(clip.track)
    for side in ("left", "right"):
        heel, toe = joint(side, "heel"), joint(side, "foot_index")
        track.landmarks[:, [heel, toe]] = track.landmarks[:, [toe, heel]]
    return track


@pytest.mark.parametrize("lean_back", [0.0, DEADLIFT.value("lean_back") + 5])
def test_lean_back_is_read_from_each_reps_own_forward(lean_back: float) -> None:
    """With the clip's forward the wrong way, the clip-wide sign read each pull's forward lean
    at the floor as a lean back. Each rep's forward is the way its trunk leans furthest, so an
    upright lockout stays clean and a real lean-back is found on every rep."""
    clip = hinge(REPS, from_floor=True, lean_back_deg=lean_back)
    track = feet_reversed(clip)
    assert kinematics(track, ["trunk_lean"]).forward == -kinematics(clip.track, []).forward
    report = analyze_track(track, DEADLIFT, evidence=None)
    assert report.rep_count == REPS
    found = [f.value for rep in report.reps for f in rep.faults if f.code == "hyperextension"]
    assert found == ([] if lean_back == 0 else pytest.approx([lean_back] * REPS, abs=0.5))


def test_a_pull_whose_back_angle_holds_while_the_knees_straighten_is_not_hips_first() -> None:
    """Rippetoe's first pull: the knees straighten with the back angle kept, so hips and
    shoulders rise together by the same height. From the floor the shoulders have further to
    go, so the hips' share of their own rise ran ahead of the shoulders' in every such pull
    (0.34 here; jf9ss9's good pulls read 0.29-0.39 against 0.25); the heights do not. The
    same pull with the shoulders rising a quarter as much is hips first."""
    def pull(follow: float) -> list[float]:
        clip = hinge(REPS, from_floor=True, depth_deg=45, knee_bend_deg=90, hips_first=1.0,
                     shoulders_follow=follow)
        report = analyze_track(clip.track, DEADLIFT, evidence=None)
        assert report.rep_count == REPS
        return [f.value for rep in report.reps for f in rep.faults
                if f.code == "hips_rise_first"]

    assert pull(1.0) == []
    assert len(pull(0.25)) == REPS


@pytest.mark.parametrize("margin", [-5.0, 5.0])
def test_a_pull_throughs_lean_back_is_looked_for_in_the_stand_after_its_rep(
        margin: float) -> None:
    """A pull-through's reps turn at the bottom and are cut where the trunk passes vertical,
    so a lean-back at the top lies between two reps, in neither one's own frames: it is
    looked for in the stand after each rep. Just inside ``lean_back`` is clean, just past it
    found on every rep with its size."""
    lean = PULL_THROUGH.value("lean_back") + margin
    report = analyze_track(hinge(REPS, depth_deg=60, knee_bend_deg=20, lean_back_deg=lean).track,
                           PULL_THROUGH, evidence=None)
    assert report.rep_count == REPS
    found = [f.value for rep in report.reps for f in rep.faults if f.code == "hyperextension"]
    assert found == ([] if margin < 0 else pytest.approx([lean] * REPS, abs=0.5))
