"""End to end: analyze_track on synthetic lifters whose faults are injected with known sizes.

Each injected fault is sized from the lift's own thresholds (``load_lift(...)``), a little past
the limit, so these tests keep meaning the same thing when a threshold is retuned; the fault
must then appear on every rep, alone, with the injected value. Clean lifts must come out valid
with no fault. Expected values come from the generator's exact geometry (tests/synthetic.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from synthetic import FPS, TRUNK, Synthetic, View, dim, hinge, swing, thrust
from typer.testing import CliRunner

from formcheck.analysis import analyze_track
from formcheck.cli import app
from formcheck.config import Lift, load_lift
from formcheck.kinematics import kinematics
from formcheck.report import SEVERITY_PENALTY, Fault, Report

REPS = 3


@cache
def lift(name: str, variant: str | None = None) -> Lift:
    return load_lift(name, variant)


def analyze(clip: Synthetic, name: str, variant: str | None = None) -> Report:
    return analyze_track(clip.track, lift(name, variant), evidence=None)


def shin_for_ratio(ratio: float, depth: float, knee_bend: float) -> float:
    """Shin inclination that makes knee/hip flexion ``ratio`` at a hinge's bottom.

    Hip flexion is depth + knee_bend - shin (see synthetic.hinge), so the ratio is
    knee_bend / (depth + knee_bend - shin).
    """
    return depth + knee_bend - knee_bend / ratio


def knee_for_ratio(ratio: float, depth: float) -> float:
    """Knee bend giving ``ratio`` when the shin takes its default third of the knee bend."""
    return ratio * depth / (1.0 - 2.0 * ratio / 3.0)


def true_hip_lead(clip: Synthetic) -> float:
    """rules.hips_rise_first's measure on the exact geometry of the first pull: from lift-off
    (the last frame the hands sit within the deadlift's ``lift_off_rise`` of their lowest) to
    the hips' highest, how much more the hips have risen than the shoulders, in trunk lengths."""
    truth, points = clip.truth, clip.body.points
    top = round(clip.times("top")[0] * FPS) + 1
    hip, shoulder = truth["hip_height"][:top], truth["shoulder_height"][:top]
    hands = (points["ankle"][:top, 1] - points["wrist"][:top, 1]) / TRUNK
    start = max(int(np.argmin(hip)), int(np.flatnonzero(
        hands <= hands.min() + lift("deadlift").value("lift_off_rise"))[-1]))
    stop = start + int(np.argmax(hip[start:])) + 1
    return float(np.max((hip[start:stop] - hip[start]) - (shoulder[start:stop] - shoulder[start])))


# the generator itself: what the rules are fed is the geometry the tests assume


def held(clip: Synthetic, mark: str) -> np.ndarray:
    """Frame indices at the middle of every hold marked ``mark``."""
    return np.round(clip.times(mark) * FPS).astype(int)


@pytest.mark.parametrize("yaw", [90, -90])
def test_generator_geometry_is_what_formcheck_measures(yaw):
    clip = hinge(2, depth_deg=70, knee_bend_deg=40, shin_deg=15, rounded=0.08,
                 lean_back_deg=10, view=View(yaw_deg=yaw))
    kin, truth = kinematics(clip.track), clip.truth
    bottom, top = held(clip, "bottom"), held(clip, "top")
    expected = {
        "hip_angle": (180 - (70 + 40 - 15), 180 - 10),  # the lean-back folds past 180
        "knee_angle": (180 - 40, 180),
        "trunk_inclination": (70, 10),
        "trunk_lean": (70, -10),
        "shin_inclination": (15, 0),
    }
    for name, (at_bottom, at_top) in expected.items():
        np.testing.assert_allclose(truth[name][bottom], at_bottom, atol=1e-9)
        np.testing.assert_allclose(truth[name][top], at_top, atol=1e-9)
        np.testing.assert_allclose(getattr(kin, name).facing.value[[*bottom, *top]],
                                   truth[name][[*bottom, *top]], atol=1e-3)
    np.testing.assert_allclose(kin.back_bend.value[bottom], 0.08, atol=1e-5)
    assert kin.forward == (1.0 if yaw > 0 else -1.0)
    assert kin.trunk_length_px == pytest.approx(TRUNK, rel=1e-4)


def test_generator_swing_and_thrust_geometry():
    clip = swing(2, height=1.3)
    kin = kinematics(clip.track)
    np.testing.assert_allclose(clip.truth["wrist_height"][held(clip, "top")], 1.3, atol=1e-9)
    assert np.nanmax(clip.truth["wrist_height"]) == pytest.approx(1.3)
    np.testing.assert_allclose(kin.wrist_height.facing.value[held(clip, "top")], 1.3, atol=1e-4)
    bridge = thrust(2, top_tilt_deg=-10, top_thigh_deg=5, shin_deg=12)
    kin, top = kinematics(bridge.track), held(bridge, "top")
    np.testing.assert_allclose(kin.trunk_inclination.facing.value[top], 80, atol=1e-3)
    np.testing.assert_allclose(kin.hip_angle.facing.value[top], 165, atol=1e-3)
    np.testing.assert_allclose(kin.shin_inclination.facing.value[top], 12, atol=1e-3)


# what a clean lift looks like


CLEAN: dict[str, tuple[str, str | None, Callable[..., Synthetic]]] = {
    "deadlift": ("deadlift", None, lambda **kw: hinge(REPS, from_floor=True, **kw)),
    "deadlift_kettlebell": ("deadlift", "kettlebell",
                            lambda **kw: hinge(REPS, from_floor=True, **kw)),
    "romanian_deadlift": ("romanian_deadlift", None,
                          lambda **kw: hinge(REPS, depth_deg=80, knee_bend_deg=20, **kw)),
    "good_morning": ("good_morning", None,
                     lambda **kw: hinge(REPS, depth_deg=85, knee_bend_deg=15, **kw)),
    "single_leg_rdl": ("single_leg_rdl", None,
                       lambda **kw: hinge(REPS, depth_deg=85, knee_bend_deg=15, **kw)),
    "swing_russian": ("kettlebell_swing", None, lambda **kw: swing(REPS, height=0.9, **kw)),
    "swing_american": ("kettlebell_swing", "american",
                       lambda **kw: swing(REPS, height=2.0, **kw)),
    "hip_thrust": ("hip_thrust", None, lambda **kw: thrust(REPS, **kw)),
    "glute_bridge": ("hip_thrust", "glute_bridge",
                     lambda **kw: thrust(REPS, top_tilt_deg=25, top_thigh_deg=25, **kw)),
}


def assert_clean(report: Report) -> None:
    assert report.rep_count == report.valid == REPS, report.warnings
    for rep in report.reps:
        assert (rep.outcome, rep.score, rep.faults, rep.abstained) == ("valid", 100, [], []), rep
    assert report.mean_score == 100
    assert report.warnings == []
    assert report.top_cues == []


@pytest.mark.parametrize("case", CLEAN)
@pytest.mark.parametrize("yaw", [90, -90], ids=["facing_right", "facing_left"])
def test_clean_lift_is_all_valid_reps_without_faults(case, yaw):
    name, variant, make = CLEAN[case]
    report = analyze(make(view=View(yaw_deg=yaw)), name, variant)
    assert_clean(report)
    assert report.view.view == "side"


@pytest.mark.parametrize("case", CLEAN)
def test_clean_lift_stays_clean_under_pixel_jitter(case):
    name, variant, make = CLEAN[case]
    assert_clean(analyze(make(view=View(noise_px=2.0, seed=3)), name, variant))


# one fault at a time


@dataclass(frozen=True)
class Case:
    """A lift with one fault injected past its threshold, and the value it must then read."""

    lift: str
    code: str
    limit: str
    """The threshold the fault is judged against (its ``_major`` twin decides severity)."""
    size: Callable[[Callable[[str], float]], float]
    """The injected size, from the lift's thresholds (a name -> value function)."""
    make: Callable[..., Synthetic]
    """The clip, from the size and a ``view``."""
    tolerance: float
    """How closely the fault's value must match the size (in the threshold's unit)."""
    variant: str | None = None
    value: Callable[[Synthetic], float] | None = None
    """What the fault must read when that is not the size itself (from the exact geometry)."""


def _thrust_tilt(tilt: float, hip_angle: float, **kw: float) -> Synthetic:
    """A thrust topping out with torso ``tilt`` and hip angle ``hip_angle``, thigh from tilt."""
    return thrust(REPS, top_tilt_deg=tilt, top_thigh_deg=tilt + (180.0 - hip_angle), **kw)


FAULTS: dict[str, Case] = {
    "deadlift_squatted": Case(
        "deadlift", "squatted_hinge", "knee_to_hip_flexion",
        lambda t: t("knee_to_hip_flexion") + 0.08,
        lambda r, **kw: hinge(REPS, from_floor=True, depth_deg=30, knee_bend_deg=110,
                              shin_deg=shin_for_ratio(r, 30, 110), **kw), 0.01),
    "deadlift_squat": Case(
        "deadlift", "squatted_hinge", "knee_to_hip_flexion",
        lambda t: t("knee_to_hip_flexion_major") + 0.1,
        lambda r, **kw: hinge(REPS, from_floor=True, depth_deg=30, knee_bend_deg=110,
                              shin_deg=shin_for_ratio(r, 30, 110), **kw), 0.01),
    "deadlift_hips_first": Case(  # knees straight before the trunk rises: lead ~0.42
        "deadlift", "hips_rise_first", "hip_lead", lambda t: 1.0,
        lambda share, **kw: hinge(REPS, from_floor=True, depth_deg=45, knee_bend_deg=90,
                                  hips_first=share, **kw), 0.02, value=true_hip_lead),
    "deadlift_hips_a_bit_first": Case(  # half the knee extension first: lead ~0.19
        "deadlift", "hips_rise_first", "hip_lead", lambda t: 0.5,
        lambda share, **kw: hinge(REPS, from_floor=True, depth_deg=45, knee_bend_deg=70,
                                  hips_first=share, **kw), 0.02, value=true_hip_lead),
    "deadlift_rounded": Case(  # value: see test_deadlift_rounded_value_is_the_bend_held_...
        "deadlift", "rounded_back", "back_bend", lambda t: t("back_bend") + 0.05,
        lambda bend, **kw: hinge(REPS, from_floor=True, rounded=bend, **kw), np.inf),
    "deadlift_short_lockout": Case(
        "deadlift", "incomplete_lockout", "lockout_hip_angle",
        lambda t: t("lockout_hip_angle") - 5,
        lambda angle, **kw: hinge(REPS, from_floor=True, lockout_deg=angle, **kw), 0.3),
    "deadlift_very_short_lockout": Case(
        "deadlift", "incomplete_lockout", "lockout_hip_angle",
        lambda t: t("lockout_hip_angle_major") - 5,
        lambda angle, **kw: hinge(REPS, from_floor=True, depth_deg=75, knee_bend_deg=70,
                                  lockout_deg=angle, **kw), 0.3),
    "deadlift_lean_back": Case(
        "deadlift", "hyperextension", "lean_back", lambda t: t("lean_back") + 5,
        lambda lean, **kw: hinge(REPS, from_floor=True, lean_back_deg=lean, **kw), 0.3),
    "deadlift_big_lean_back": Case(
        "deadlift", "hyperextension", "lean_back", lambda t: t("lean_back_major") + 5,
        lambda lean, **kw: hinge(REPS, from_floor=True, lean_back_deg=lean, **kw), 0.3),
    "deadlift_bar_drift": Case(
        "deadlift", "bar_drift", "bar_offset", lambda t: t("bar_offset") + 0.2,
        lambda offset, **kw: hinge(REPS, from_floor=True, bar_offset=offset, **kw), 0.01),
    "rdl_shallow": Case(
        "romanian_deadlift", "shallow_hinge", "hinge_trunk_inclination",
        lambda t: t("hinge_trunk_inclination") - 8,
        lambda depth, **kw: hinge(REPS, depth_deg=depth, knee_bend_deg=20, **kw), 0.3),
    "rdl_barely": Case(
        "romanian_deadlift", "shallow_hinge", "hinge_trunk_inclination",
        lambda t: max(t("hinge_trunk_inclination_major") - 3, t("rep_min_range") + 2),
        lambda depth, **kw: hinge(REPS, depth_deg=depth, knee_bend_deg=5, **kw), 0.3),
    "rdl_squatted": Case(
        "romanian_deadlift", "squatted_hinge", "knee_to_hip_flexion",
        lambda t: t("knee_to_hip_flexion") + 0.1,
        lambda r, **kw: hinge(REPS, depth_deg=70, knee_bend_deg=knee_for_ratio(r, 70), **kw),
        0.01),
    "stiff_legged_knees_bent": Case(
        "romanian_deadlift", "squatted_hinge", "knee_to_hip_flexion",
        lambda t: t("knee_to_hip_flexion") + 0.1,
        lambda r, **kw: hinge(REPS, depth_deg=70, knee_bend_deg=knee_for_ratio(r, 70), **kw),
        0.01, variant="stiff_legged"),
    "rdl_rounded": Case(
        "romanian_deadlift", "rounded_back", "back_bend", lambda t: t("back_bend") + 0.03,
        lambda bend, **kw: hinge(REPS, depth_deg=80, knee_bend_deg=20, rounded=bend, **kw),
        0.002),
    "good_morning_shallow": Case(
        "good_morning", "shallow_hinge", "hinge_trunk_inclination",
        lambda t: t("hinge_trunk_inclination") - 8,
        lambda depth, **kw: hinge(REPS, depth_deg=depth, knee_bend_deg=15, **kw), 0.3),
    "good_morning_rounded": Case(
        "good_morning", "rounded_back", "back_bend", lambda t: t("back_bend") + 0.03,
        lambda bend, **kw: hinge(REPS, depth_deg=85, knee_bend_deg=15, rounded=bend, **kw),
        0.002),
    "single_leg_rdl_shallow": Case(
        "single_leg_rdl", "shallow_hinge", "hinge_trunk_inclination",
        lambda t: t("hinge_trunk_inclination") - 8,
        lambda depth, **kw: hinge(REPS, depth_deg=depth, knee_bend_deg=15, **kw), 0.3),
    "swing_low": Case(
        "kettlebell_swing", "low_swing", "swing_height_min",
        lambda t: t("swing_height_min") - 0.25,
        lambda height, **kw: swing(REPS, height=height, **kw), 0.01),
    "swing_high": Case(
        "kettlebell_swing", "high_swing", "swing_height_max",
        lambda t: t("swing_height_max") + 0.25,
        lambda height, **kw: swing(REPS, height=height, **kw), 0.01),
    "american_swing_low": Case(
        "kettlebell_swing", "low_swing", "swing_height_min",
        lambda t: t("swing_height_min") - 0.3,
        lambda height, **kw: swing(REPS, height=height, **kw), 0.01, variant="american"),
    "swing_shallow_hike": Case(
        "kettlebell_swing", "shallow_hinge", "hinge_trunk_inclination",
        lambda t: t("hinge_trunk_inclination") - 7,
        lambda depth, **kw: swing(REPS, depth_deg=depth, **kw), 0.3),
    "swing_squatted": Case(
        "kettlebell_swing", "squatted_hinge", "knee_to_hip_flexion",
        lambda t: t("knee_to_hip_flexion") + 0.1,
        lambda r, **kw: swing(REPS, depth_deg=40, knee_bend_deg=45,
                              shin_deg=shin_for_ratio(r, 40, 45), **kw), 0.01),
    "swing_short_lockout": Case(
        "kettlebell_swing", "incomplete_lockout", "lockout_hip_angle",
        lambda t: t("lockout_hip_angle") - 5,
        lambda angle, **kw: swing(REPS, lockout_deg=angle, **kw), 0.3),
    "swing_lean_back": Case(
        "kettlebell_swing", "hyperextension", "lean_back", lambda t: t("lean_back") + 5,
        lambda lean, **kw: swing(REPS, lean_back_deg=lean, **kw), 0.3),
    "thrust_hips_low": Case(
        "hip_thrust", "torso_not_parallel", "torso_tilt_min", lambda t: t("torso_tilt_min") - 8,
        lambda tilt, **kw: _thrust_tilt(tilt, 170.0, **kw), 0.3),
    "thrust_arched": Case(
        "hip_thrust", "hyperextension", "torso_tilt_max", lambda t: t("torso_tilt_max") + 10,
        lambda tilt, **kw: _thrust_tilt(tilt, 170.0, **kw), 0.3),
    "thrust_shins": Case(
        "hip_thrust", "shins_not_vertical", "shin_inclination",
        lambda t: t("shin_inclination") + 8,
        lambda shin, **kw: thrust(REPS, shin_deg=shin, **kw), 0.3),
    "thrust_short_lockout": Case(
        "hip_thrust", "incomplete_lockout", "lockout_hip_angle",
        lambda t: t("lockout_hip_angle") - 5,
        lambda angle, **kw: _thrust_tilt(0.0, angle, **kw), 0.3),
    "glute_bridge_hips_low": Case(
        "hip_thrust", "torso_not_parallel", "torso_tilt_min", lambda t: t("torso_tilt_min") - 8,
        lambda tilt, **kw: _thrust_tilt(tilt, 170.0, **kw), 0.3, variant="glute_bridge"),
}




def run_case(case: Case, yaw: float = 90.0) -> tuple[Report, float, Lift]:
    """Analyse the case's clip; also return the value its fault must read."""
    chosen = lift(case.lift, case.variant)
    size = case.size(chosen.value)
    clip = case.make(size, view=View(yaw_deg=yaw))
    expected = size if case.value is None else case.value(clip)
    return analyze_track(clip.track, chosen, evidence=None), expected, chosen


def expected_severity(chosen: Lift, limit: str, value: float) -> str:
    """Major when the value is past the ``_major`` twin of ``limit`` (which side is past follows
    from which twin is the stricter one)."""
    minor, major = chosen.thresholds[limit], chosen.thresholds.get(f"{limit}_major")
    if major is None:
        return "minor"
    above = major.value > minor.value
    return "major" if (value > major.value if above else value < major.value) else "minor"


def only_fault(report: Report, code: str) -> list[Fault]:
    """The one fault of each rep, after checking that it is ``code`` and the rep is valid."""
    assert report.rep_count == REPS, report.warnings
    faults = []
    for rep in report.reps:
        assert [f.code for f in rep.faults] == [code], rep
        assert rep.abstained == [], rep.abstained
        assert rep.outcome == "valid"
        assert rep.score == 100 - SEVERITY_PENALTY[rep.faults[0].severity]
        faults.append(rep.faults[0])
    return faults


@pytest.mark.parametrize(
    "name", list(FAULTS)
)
@pytest.mark.parametrize("yaw", [90.0, -90.0], ids=["facing_right", "facing_left"])
def test_injected_fault_is_found_alone_on_every_rep_with_its_value(name, yaw):
    case = FAULTS[name]
    report, expected, chosen = run_case(case, yaw)
    for fault in only_fault(report, case.code):
        assert fault.threshold_name.removesuffix("_major") == case.limit
        assert fault.value == pytest.approx(expected, abs=case.tolerance)
        if np.isfinite(case.tolerance):
            assert fault.severity == expected_severity(chosen, case.limit, expected)
            assert fault.threshold == chosen.value(fault.threshold_name)
        assert fault.cue and fault.frames and fault.at_s
    assert report.top_cues == [report.reps[0].faults[0].cue]


def test_deadlift_rounded_value_is_the_bend_held_at_the_floor():
    chosen = lift("deadlift")
    bend = chosen.value("back_bend_major") + 0.03
    report = analyze(hinge(REPS, from_floor=True, rounded=bend), "deadlift")
    for fault in only_fault(report, "rounded_back"):
        # held over spine_sustain from just before lift-off, the first frames of the rise
        # (where the synthetic bulge eases off with depth) are in the window
        assert fault.value == pytest.approx(bend, abs=0.01)
        assert fault.severity == "major"


def test_variant_thresholds_change_the_verdict():
    """The same overhead swing is the American target and a Russian high swing; the same
    head-down bridge is a glute bridge and an arched hip thrust."""
    overhead = swing(REPS, height=2.0)
    assert_clean(analyze(overhead, "kettlebell_swing", "american"))
    only_fault(analyze(overhead, "kettlebell_swing", "russian"), "high_swing")
    bridge = thrust(REPS, top_tilt_deg=25, top_thigh_deg=25)
    assert_clean(analyze(bridge, "hip_thrust", "glute_bridge"))
    only_fault(analyze(bridge, "hip_thrust", "hip_thrust"), "hyperextension")


# no-rep


NO_REPS: dict[str, tuple[str, Callable[[float], Synthetic]]] = {
    "deadlift": ("deadlift", lambda top: hinge(
        REPS, from_floor=True, depth_deg=75, knee_bend_deg=90, shin_deg=30, lockout_deg=top,
        lead_in_s=0.2, tail_s=0.0)),
    "kettlebell_swing": ("kettlebell_swing", lambda top: swing(REPS, lockout_deg=top)),
    "hip_thrust": ("hip_thrust", lambda top: _thrust_tilt(
        0.0, top, bottom_thigh_deg=70.0, bottom_tilt_deg=-45.0)),
}


@pytest.mark.parametrize("name", NO_REPS)
def test_a_rep_whose_hips_never_open_past_the_no_rep_angle_is_a_no_rep(name):
    lift_name, make = NO_REPS[name]
    limit = lift(lift_name).value("no_rep_hip_angle")
    report = analyze(make(limit - 10.0), lift_name)
    assert report.rep_count == report.no_rep == REPS
    for rep in report.reps:
        assert (rep.outcome, rep.score) == ("no_rep", 0)
        lockout = next(f for f in rep.faults if f.code == "incomplete_lockout")
        assert lockout.value == pytest.approx(limit - 10.0, abs=0.3)
        assert lockout.severity == "major"
        assert "never reached lockout" in rep.reason
    assert report.mean_score == 0


def test_a_failed_pull_between_good_ones_is_a_no_rep():
    failed = lift("deadlift").value("no_rep_hip_angle") - 15.0
    clip = hinge(REPS, from_floor=True, lockout_deg=[180.0, failed, 180.0])
    report = analyze(clip, "deadlift")
    assert [rep.outcome for rep in report.reps] == ["valid", "no_rep", "valid"]


@pytest.mark.parametrize("lift_name", ["romanian_deadlift", "good_morning"])
@pytest.mark.parametrize("margin", [5.0, -5.0], ids=["passing", "short"])
def test_turn_at_bottom_lockout_reads_the_standing_hold(lift_name, margin):
    top = lift(lift_name).value("lockout_hip_angle") + margin
    report = analyze(hinge(4, depth_deg=80, knee_bend_deg=20, lockout_deg=top), lift_name)
    assert report.rep_count == 4
    if margin > 0:
        assert all(rep.faults == [] for rep in report.reps)
    else:
        # the clip's tail stands fully upright, so the last rep does finish tall
        for rep in report.reps[:-1]:
            assert [f.code for f in rep.faults] == ["incomplete_lockout"]
            assert rep.faults[0].value == pytest.approx(top, abs=0.3)


# abstaining: the camera, the visibility


SIDE_PLANE_CHECKS = {
    "romanian_deadlift": {"shallow_hinge", "squatted_hinge", "rounded_back",
                          "incomplete_lockout"},
    "kettlebell_swing": {"shallow_hinge", "squatted_hinge", "incomplete_lockout",
                         "hyperextension"},
}


@pytest.mark.parametrize(
    ("lift_name", "clip"),
    [
        ("romanian_deadlift", lambda: hinge(REPS, depth_deg=80, knee_bend_deg=20,
                                            view=View(yaw_deg=0))),
        ("kettlebell_swing", lambda: swing(REPS, height=0.3, view=View(yaw_deg=0))),
    ],
)
def test_front_view_abstains_on_side_plane_checks_but_still_judges_swing_height(lift_name, clip):
    """A rep is judged on the checks that can judge it; one that none can judge is ambiguous."""
    report = analyze(clip(), lift_name)
    assert report.view.view == "front"
    assert any("camera view is front" in w for w in report.warnings)
    for rep in report.reps:
        assert {a.check for a in rep.abstained} == SIDE_PLANE_CHECKS[lift_name]
        assert all("needs a side view" in a.reason for a in rep.abstained)
        results = {c.check: c.result for c in rep.checks}
        assert {c for c, r in results.items() if r == "not_judged"} == SIDE_PLANE_CHECKS[lift_name]
        if lift_name == "kettlebell_swing":
            assert (rep.outcome, rep.score) == ("valid", 90)
            assert rep.reason == "1 of 5 checks judged; faults: low_swing"
            assert [f.code for f in rep.faults] == ["low_swing"]
            assert rep.faults[0].value == pytest.approx(0.3, abs=0.01)
        else:
            assert (rep.outcome, rep.score) == ("ambiguous", None)
            assert rep.reason.startswith("cannot judge")


def test_front_view_deadlift_still_counts_its_reps():
    report = analyze(hinge(REPS, from_floor=True, view=View(yaw_deg=0)), "deadlift")
    assert report.rep_count == report.ambiguous == REPS


@pytest.mark.parametrize(
    ("hidden", "abstaining"),
    [
        (("wrist",), {"bar_drift", "hips_rise_first"}),
        (("heel", "foot_index"), {"bar_drift"}),
        (("ankle",), {"squatted_hinge", "hips_rise_first"}),
    ],
)
def test_landmarks_seen_below_min_visibility_make_their_checks_abstain(hidden, abstaining):
    clip = hinge(REPS, from_floor=True)
    limit = lift("deadlift").value("min_visibility")
    seen = analyze_track(dim(clip.track, hidden, visibility=limit), lift("deadlift"),
                         evidence=None)
    assert_clean(seen)
    unseen = analyze_track(dim(clip.track, hidden, visibility=limit - 0.01), lift("deadlift"),
                           evidence=None)
    assert unseen.rep_count == unseen.valid == REPS
    for rep in unseen.reps:
        assert {a.check for a in rep.abstained} == abstaining
        assert rep.faults == [] and rep.score == 100
        assert rep.reason.startswith(f"{6 - len(abstaining)} of 6 checks judged")


# thresholds from the user's config file


def _strict_config(tmp_path: Path) -> tuple[Synthetic, Path, float]:
    """A deadlift locking out 5 deg past the limit, and a config moving the limit 5 deg past it."""
    lockout = lift("deadlift").value("lockout_hip_angle") + 5.0
    config = tmp_path / "strict.toml"
    config.write_text(f"[thresholds]\nlockout_hip_angle = {lockout + 5.0}\n"
                      '[thresholds.lean_back]\nvalue = 10\nsource = "our physio"\n')
    return hinge(REPS, from_floor=True, lockout_deg=lockout), config, lockout


def test_a_config_file_override_changes_the_verdict(tmp_path: Path):
    clip, config, lockout = _strict_config(tmp_path)
    assert_clean(analyze(clip, "deadlift"))
    strict = load_lift("deadlift", config=config)
    assert strict.threshold("lean_back").source == "our physio"
    report = analyze_track(clip.track, strict, evidence=None)
    assert report.thresholds["lockout_hip_angle"] == lockout + 5.0
    for fault in only_fault(report, "incomplete_lockout"):
        assert fault.value == pytest.approx(lockout, abs=0.3)
        assert fault.threshold == lockout + 5.0


def test_the_cli_config_option_reaches_the_rules(tmp_path: Path):
    clip, config, _ = _strict_config(tmp_path)
    track = clip.track.save(tmp_path / "t.npz")
    out = tmp_path / "report.json"
    verdicts = {}
    for extra in ([], ["--config", str(config)]):
        done = CliRunner().invoke(
            app, ["analyze", str(track), "-e", "deadlift", "--json", str(out), "--all-checks",
                  *extra]
        )
        assert done.exit_code == 0, done.output
        doc = json.loads(out.read_text())
        verdicts[bool(extra)] = [[f["code"] for f in rep["faults"]] for rep in doc["reps"]]
    assert verdicts == {False: [[]] * REPS, True: [["incomplete_lockout"]] * REPS}


def test_soft_knees_pass_an_rdl_but_not_a_stiff_legged_deadlift():
    """The same hinge (knee flexion 0.45 of the hip's): an RDL's soft knees, too bent for the
    stiff-legged variant, which keeps the knees nearly straight."""
    clip = hinge(REPS, depth_deg=70, knee_bend_deg=knee_for_ratio(0.45, 70))
    assert_clean(analyze(clip, "romanian_deadlift"))
    stiff = analyze(clip, "romanian_deadlift", "stiff_legged")
    for rep in stiff.reps:
        assert [(f.code, f.severity) for f in rep.faults] == [("squatted_hinge", "minor")]
        assert rep.faults[0].value == pytest.approx(0.45, abs=0.01)
