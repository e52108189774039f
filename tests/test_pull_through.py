"""The pull-through on synthetic lifters: its new checks (arms_bent, and short_pause in the
paused variant) put a rep just inside and just outside their thresholds, sized from the lift's
own values so the tests keep their meaning when a threshold is retuned; the reused hinge checks
with the pull-through's own depth; and the variant-only check listed and made only where it
belongs. No real pull-through clip exists (the lift says so in ``validated_on``)."""

from __future__ import annotations

import math
import subprocess
import sys
from functools import cache

import numpy as np
import pytest
from synthetic import FPS, SIDE, Synthetic, View, dim, hinge

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.kinematics import kinematics
from formcheck.landmarks import SIDES, joint
from formcheck.lift import Lift
from formcheck.lift_words import every_check
from formcheck.overlay import fault_mark
from formcheck.report import Report

REPS = 3
DEPTH, KNEES = 60.0, 20.0
"""A clean pull-through: the trunk 60° forward at the bottom, soft knees."""
HELD = 0.8
"""A bottom held well past the paused variant's pause."""


@cache
def lift(variant: str | None = None) -> Lift:
    return load_lift("pull_through", variant)


def pull_through(view: View = SIDE, **kw: float) -> Synthetic:
    return hinge(REPS, **{"depth_deg": DEPTH, "knee_bend_deg": KNEES, **kw}, view=view)


def analyze(clip: Synthetic, variant: str | None = None) -> Report:
    return analyze_track(clip.track, lift(variant), evidence=None)


def faults(report: Report) -> list[list[tuple[str, str]]]:
    return [[(f.code, f.severity) for f in rep.faults] for rep in report.reps]


def true_hold(pause_s: float, still: float, *, depth: float = DEPTH, move_s: float = 0.8
              ) -> float:
    """How long the generator's trunk stays within ``still`` of its deepest: the pause, and the
    ends of the cosine-eased descent and rise (``move_s`` each) that come that close."""
    eased = math.acos(1.0 - 2.0 * still / depth) / math.pi  # share of a move spent near the end
    return pause_s + 2.0 * move_s * eased


def pause_for_hold(hold: float) -> float:
    """The bottom pause that makes the measured hold ``hold``."""
    return hold - true_hold(0.0, lift("paused").value("pause_still"))


@pytest.mark.parametrize("elbow", [180.0, 140.0])
def test_generator_elbow_angle_is_what_formcheck_measures(elbow):
    clip = pull_through(elbow_deg=elbow)
    np.testing.assert_allclose(clip.truth["elbow_angle"], elbow, atol=1e-9)
    np.testing.assert_allclose(kinematics(clip.track).elbow_angle.facing.value, elbow, atol=1e-3)


def test_straight_arms_keep_the_generator_as_it_was():
    straight, default = pull_through(elbow_deg=180.0), pull_through()
    np.testing.assert_array_equal(straight.track.landmarks, default.track.landmarks)


@pytest.mark.parametrize("variant", ["cable", "band", "paused"])
@pytest.mark.parametrize("view", [View(90), View(-90), View(noise_px=2.0, seed=3)],
                         ids=["facing_right", "facing_left", "jitter"])
def test_clean_pull_through_is_all_valid_reps_without_faults(variant, view):
    report = analyze(pull_through(view, pause_s=HELD), variant)
    assert report.rep_count == report.valid == REPS, report.warnings
    for rep in report.reps:
        assert (rep.outcome, rep.score, rep.faults, rep.abstained) == ("valid", 100, [], [])
    checks = {c.check for c in report.reps[0].checks}
    assert ("short_pause" in checks) == (variant == "paused")
    assert report.warnings == []


@pytest.mark.parametrize(("margin", "severity"),
                         [(2.0, None), (-2.0, "minor"), ("major", "major")],
                         ids=["inside", "outside", "major"])
@pytest.mark.parametrize("yaw", [90.0, -90.0], ids=["facing_right", "facing_left"])
def test_arms_bent_just_inside_and_outside_its_thresholds(margin, severity, yaw):
    limit = lift().value("straight_arm_angle")
    elbow = lift().value("straight_arm_angle_major") - 2.0 if margin == "major" else limit + margin
    report = analyze(pull_through(View(yaw), elbow_deg=elbow))
    assert report.rep_count == REPS
    for rep in report.reps:
        assert [(f.code, f.severity) for f in rep.faults] == (
            [("arms_bent", severity)] if severity else [])
        if severity:
            (fault,) = rep.faults
            assert fault.value == pytest.approx(elbow, abs=0.1)
            assert fault.threshold_name.removesuffix("_major") == "straight_arm_angle"
            assert fault.cue.startswith("Keep the arms straight")
        # elbows pulled back that far reach the back's outline standing up: it is not traced
        hidden = [a for a in rep.abstained if a.check == "rounded_back"]
        assert [a.check for a in rep.abstained] == [a.check for a in hidden]
        assert all("arms were behind the back" in a.reason for a in hidden)


@pytest.mark.parametrize(("margin", "fault"), [(0.15, False), (-0.15, True)],
                         ids=["inside", "outside"])
def test_short_pause_just_inside_and_outside_the_stated_pause(margin, fault):
    paused = lift("paused")
    hold = paused.value("pause_s") + margin
    clip = pull_through(pause_s=pause_for_hold(hold))
    report = analyze(clip, "paused")
    assert faults(report) == [[("short_pause", "minor")] if fault else []] * REPS
    for rep in report.reps:
        for found in rep.faults:
            assert found.value == pytest.approx(hold, abs=2.5 / FPS)
            assert found.threshold == paused.value("pause_s") and found.unit == "s"
    assert faults(analyze(clip, "cable")) == [[]] * REPS  # no pause asked for


def test_a_rep_turning_without_a_pause_is_a_short_pause_in_the_paused_variant_only():
    clip = pull_through(pause_s=0.0)
    report = analyze(clip, "paused")
    assert faults(report) == [[("short_pause", "minor")]] * REPS
    expected = true_hold(0.0, lift("paused").value("pause_still"))
    assert all(rep.faults[0].value == pytest.approx(expected, abs=2.5 / FPS)
               for rep in report.reps)
    assert faults(analyze(clip, "band")) == [[]] * REPS


@pytest.mark.parametrize(("margin", "severity"), [(3.0, None), (-4.0, "minor")],
                         ids=["inside", "outside"])
def test_shallow_hinge_at_the_pull_through_depth(margin, severity):
    depth = lift().value("hinge_trunk_inclination") + margin
    report = analyze(pull_through(depth_deg=depth, knee_bend_deg=10.0))
    assert faults(report) == [[("shallow_hinge", severity)] if severity else []] * REPS
    if severity:
        assert report.reps[0].faults[0].value == pytest.approx(depth, abs=0.3)


@pytest.mark.parametrize(
    ("hidden", "view", "reason"),
    [(("wrist",), View(), "clearly visible in only 0%"),
     (("elbow",), View(), "clearly visible in only 0%"),
     ((), View(yaw_deg=0), "needs a side view")],
    ids=["wrist", "elbow", "front"])
def test_arms_bent_abstains_on_unseen_arms_and_front_views(hidden, view, reason):
    """The hands work between the legs, often hidden: a guessed wrist is not judged."""
    track = pull_through(view, depth_deg=85.0, elbow_deg=120.0).track  # deep: seen from the front
    if hidden:
        track = dim(track, hidden, visibility=lift().value("min_visibility") - 0.01)
    report = analyze_track(track, lift(), evidence=None)
    assert report.rep_count == REPS
    for rep in report.reps:
        assert "arms_bent" not in [f.code for f in rep.faults]
        (abstained,) = [a for a in rep.abstained if a.check == "arms_bent"]
        assert reason in abstained.reason


def test_arms_bent_abstains_when_the_wrist_is_never_seen_for_a_held_bend():
    """The wrist seen in four frames of five: enough frames, but no stretch as long as a bend
    must be held (arm_sustain)."""
    track = dim(pull_through(elbow_deg=120.0).track, (), 0.0)  # a copy
    track.visibility[::5, [joint(side, "wrist") for side in SIDES]] = 0.0
    report = analyze_track(track, lift(), evidence=None)
    for rep in report.reps:
        (abstained,) = [a for a in rep.abstained if a.check == "arms_bent"]
        assert abstained.reason == (
            f"the arms were never seen for {lift().value('arm_sustain'):g} s at a stretch")


def test_the_annotated_video_marks_bent_arms_and_a_short_pause_on_the_body():
    report = analyze(pull_through(elbow_deg=140.0, pause_s=0.0), "paused")
    arms, pause = report.reps[0].faults
    side = "right"  # facing the camera at yaw 90
    marked = fault_mark(arms, lift("paused"), side)
    assert marked.chains == (tuple(joint(side, n) for n in ("shoulder", "elbow", "wrist")),)
    assert fault_mark(pause, lift("paused"), side).chains == (
        (joint(side, "shoulder"), joint(side, "hip")),)


def test_the_paused_check_is_made_and_listed_only_for_its_variant():
    assert "short_pause" in lift("paused").faults
    assert "short_pause" not in lift("cable").faults + lift("band").faults
    assert lift("cable").value("pause_s") == lift("paused").value("pause_s")
    listed = {check.rule: check.variants for check in every_check("pull_through")}
    assert listed["short_pause"] == ("paused",) and listed["arms_bent"] == ()
    shown = subprocess.run([sys.executable, "-m", "formcheck", "exercises", "pull_through"],
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert "short_pause (paused only)" in shown.stdout
    assert "synthetic tracks only" in shown.stdout


def test_analyze_runs_it_end_to_end(tmp_path):
    """The CLI on a saved track: reps counted and the paused variant's faults reported."""
    track = pull_through(pause_s=0.0, elbow_deg=140.0).track.save(tmp_path / "pt.track.npz")
    out = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(track), "-e", "pull_through",
         "--variant", "paused", "--json", str(out), "--all-checks"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = Report.model_validate_json(out.read_text())
    assert (report.exercise, report.variant, report.rep_count) == ("pull_through", "paused", REPS)
    assert faults(report) == [[("arms_bent", "minor"), ("short_pause", "minor")]] * REPS


HINGES = [
    "romanian_deadlift/jeff-j-chen__MediaPipe-PoseReader__rdl.mp4",
    "romanian_deadlift/TheSebitzu__gym-app-ai__rdl.mp4",
    "romanian_deadlift/Goondoc08__to-be-frank__rdl.mp4",
    "romanian_deadlift/monkeyshavefallenthetree__bassem__single_rdl.mp4",
    "romanian_deadlift/julioccv13__entrenamiento_2__rdl.mp4",
    "single_leg_rdl/Goondoc08__to-be-frank__sl-rdl.mp4",
    "single_leg_rdl/palFitness__WORKOUT-HOME.github.io__single_leg_deadlift.mp4",
]
"""Real hinges with straight arms (no real pull-through clip exists): the nearest motion."""


@pytest.mark.slow
@pytest.mark.parametrize("name", HINGES, ids=lambda name: name.split("__")[-1])
def test_on_real_hinges_it_cuts_the_reps_the_rdl_cuts_and_finds_no_bent_arm(real_track, name):
    """The same hinge, the same driver: a pull-through cuts a real hinge exactly as the RDL does
    (these are RDL reps, not pull-through labels); and straight arms holding a weight are
    never flagged as bent, every check judging."""
    track = real_track(name)
    # the RDL's driver (3-D hip flexion), even on the single-leg clips, whose own lift reads the
    # trunk's lean
    rdl = analyze_track(track, load_lift("romanian_deadlift"), evidence=None)
    report = analyze_track(track, lift(), evidence=None)
    assert [(r.start_s, r.turn_s, r.end_s) for r in report.reps] == [
        (r.start_s, r.turn_s, r.end_s) for r in rdl.reps]
    assert all("arms_bent" not in {f.code for f in rep.faults} for rep in report.reps)
