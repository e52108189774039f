"""Checks whose measure a camera off the side used to distort, on synthetic lifters of exactly
known geometry filmed from the side and from oblique angles (issue #14)."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import View, hinge

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.kinematics import kinematics

RDL = load_lift("romanian_deadlift")
LIMIT = RDL.value("hinge_trunk_inclination")


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
