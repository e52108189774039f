"""The pull-up's checks on synthetic hangs of exactly known geometry: a rep just inside and just
outside each threshold, the count, and what is not a pull-up (a hanging knee raise)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.analysis import analyze_track, run_analysis, upside_down, upside_down_warning
from formcheck.config import load_lift
from formcheck.kinematics import kinematics
from formcheck.metrics import TRUNK_SHARE_OF_STATURE
from formcheck.report import Report
from formcheck.track import PoseTrack
from formcheck.view import ViewEstimate
from tests.synthetic import (
    ARM,
    ELBOW_SHARE,
    PX_PER_M,
    SHIN,
    THIGH,
    TRUNK,
    Body,
    Key,
    Synthetic,
    render,
    timeline,
)
from tests.test_judging import turned_half

UPPER, FORE = ELBOW_SHARE * ARM, (1.0 - ELBOW_SHARE) * ARM
MOUTH_ABOVE_SHOULDER = 0.30 * TRUNK - 0.02 * PX_PER_M
"""The mouth's height above the shoulder in this rigid head (see ``_body``)."""
FRONT = ViewEstimate("front", 1.0, 0.0)
HANGING = load_lift("pull_up").upright
"""The pull-up's cue for which way is up: the shoulders above the hips."""
"""The elbows are drawn bending in the image plane, as a camera in front sees them bend out."""


def elbow_for_clearance(clearance: float) -> float:
    """The elbow angle that puts the mouth ``clearance`` trunk lengths over the hands."""
    reach = MOUTH_ABOVE_SHOULDER - clearance * TRUNK  # shoulder below the wrist, pixels
    cosine = (UPPER**2 + FORE**2 - reach**2) / (2 * UPPER * FORE)
    return math.degrees(math.acos(cosine))


def _direction(deg: np.ndarray) -> np.ndarray:
    """Unit vectors ``deg`` from straight down, positive towards +x; y down."""
    r = np.radians(deg)
    return np.stack([np.sin(r), np.cos(r)], axis=-1)


def _body(elbow: np.ndarray, hip: np.ndarray, knee: np.ndarray) -> Body:
    """A lifter hanging from hands at the origin: shoulder straight below them at the reach the
    elbow angle leaves, the elbow bent forward, trunk vertical, hip and knee flexing forward."""
    e = np.radians(elbow)
    reach = np.sqrt(UPPER**2 + FORE**2 - 2 * UPPER * FORE * np.cos(e))
    n = len(elbow)
    wrist = np.zeros((n, 2))
    shoulder = np.stack([np.zeros(n), reach], axis=-1)
    at_shoulder = np.arccos(np.clip((UPPER**2 + reach**2 - FORE**2) / (2 * UPPER * reach), -1, 1))
    elbow_pt = shoulder + UPPER * np.stack([np.sin(at_shoulder), -np.cos(at_shoulder)], axis=-1)
    hip_pt = shoulder + np.array([0.0, TRUNK])
    thigh = 180.0 - hip
    knee_pt = hip_pt + THIGH * _direction(-thigh)
    ankle = knee_pt + SHIN * _direction(-thigh + (180.0 - knee))
    up, m = np.array([0.0, -1.0]), PX_PER_M
    ear = shoulder + 0.30 * TRUNK * up
    eye = ear + np.array([0.08 * m, 0.0]) + 0.04 * m * up
    nose = ear + np.array([0.10 * m, 0.0]) + 0.02 * m * up
    def off(dx: float, dy: float) -> np.ndarray:
        return np.array([dx, dy]) * m

    points = {
        "wrist": wrist, "pinky": wrist + off(0, -0.07), "index": wrist + off(0, -0.08),
        "thumb": wrist + off(0, -0.05), "elbow": elbow_pt, "shoulder": shoulder,
        "hip": hip_pt, "knee": knee_pt, "ankle": ankle,
        "heel": ankle + off(-0.06, 0.05), "foot_index": ankle + off(0.17, 0.06),
        "ear": ear, "eye": eye, "eye_inner": eye + off(0.01, 0), "eye_outer": eye - off(0.01, 0),
        "nose": nose, "mouth": ear + off(0.10, 0.02),
    }
    return Body(points, np.zeros(n))


def pull_up(
    reps: int = 3, *, hang_deg: float = 175.0, clearance: float = 0.2, kip_deg: float = 0.0,
    descent_s: float = 1.5, ascent_s: float = 1.0, top_s: float = 0.3, hang_s: float = 0.8,
    knee_raise: bool = False, knee_deg: float = 180.0,
) -> Synthetic:
    """``reps`` pull-ups from a hang with the elbows at ``hang_deg`` to a top with the mouth
    ``clearance`` trunk lengths over the hands, hips and knees flexing ``kip_deg`` on the way
    up (a kip), lowered in ``descent_s``. ``knee_raise``: the arms stay straight and the knees
    come up instead (a hanging knee raise, never a pull-up). ``knee_deg``: the knees held
    bent this far throughout, as a lifter hangs with the ankles crossed."""
    top_elbow = hang_deg if knee_raise else elbow_for_clearance(clearance)
    legs = 90.0 if knee_raise else kip_deg
    hang = {"elbow": hang_deg, "hip": 180.0, "knee": knee_deg}
    top = {"elbow": top_elbow, "hip": 180.0 - legs, "knee": knee_deg - legs}
    keys = [Key({}, 0.0, hang_s)]
    for _ in range(reps):
        keys += [Key(top, ascent_s, top_s, "top"), Key(hang, descent_s, hang_s)]
    line = timeline(hang, keys)
    body = _body(line["elbow"], line["hip"], line["knee"])
    track = render(body, line.times, yaw_deg=90.0, origin=(0.4, 0.06), height=1000)
    return Synthetic(track, body, line)


def analysed_track(track: PoseTrack) -> Report:
    """``track`` analysed as a pull-up seen from the front, every check judging."""
    return analyze_track(track, load_lift("pull_up"), view=FRONT, evidence=None)


def analysed(clip: Synthetic) -> Report:
    return analysed_track(clip.track)


def faults(report: Report, code: str) -> list[float]:
    return [f.value for rep in report.reps for f in rep.faults if f.code == code]


def test_counts_each_pull_up_at_its_top() -> None:
    clip = pull_up(reps=3)
    report = analysed(clip)
    assert report.rep_count == 3 and report.valid == 3
    assert [rep.turn_s for rep in report.reps] == pytest.approx(clip.times("top"), abs=0.1)


def test_a_hanging_knee_raise_is_never_a_pull_up() -> None:
    assert analysed(pull_up(reps=3, knee_raise=True)).rep_count == 0


@pytest.mark.parametrize(("clearance", "no_reps"), [(0.11, 0), (0.05, 3)])
def test_chin_not_over_bar_is_a_no_rep(clearance: float, no_reps: int) -> None:
    report = analysed(pull_up(reps=3, clearance=clearance))
    assert report.rep_count == 3 and report.no_rep == no_reps
    if no_reps:
        assert faults(report, "chin_not_over_bar") == pytest.approx([clearance] * 3, abs=0.01)
        assert "chin never cleared the bar" in report.reps[0].reason


@pytest.mark.parametrize(("hang", "flagged"), [(158.0, False), (152.0, True), (136.0, True)])
def test_no_dead_hang_just_inside_and_outside(hang: float, flagged: bool) -> None:
    report = analysed(pull_up(reps=3, hang_deg=hang))
    found = [f for rep in report.reps for f in rep.faults if f.code == "no_dead_hang"]
    assert bool(found) == flagged
    if flagged:
        assert found[0].value == pytest.approx(hang, abs=1.0)
        assert found[0].severity == ("major" if hang < 140 else "minor")


def test_no_dead_hang_abstains_from_the_side() -> None:
    clip = pull_up(reps=2, hang_deg=130.0)
    report = analyze_track(clip.track, load_lift("pull_up"), evidence=None)
    assert report.view.view == "side"
    assert not faults(report, "no_dead_hang")
    assert any(a.check == "no_dead_hang" for a in report.reps[0].abstained)


@pytest.mark.parametrize(("kip", "flagged"), [(30.0, False), (70.0, True)])
def test_kipping_just_inside_and_outside(kip: float, flagged: bool) -> None:
    report = analysed(pull_up(reps=3, kip_deg=kip))
    assert report.rep_count == 3
    values = faults(report, "kipping")
    assert bool(values) == flagged
    if flagged:
        # the rep starts at the edge of the rest band, the legs a few degrees on their way
        assert all(value > 40.0 for value in values)


@pytest.mark.parametrize(("descent", "flagged"), [(0.7, False), (0.6, True)])
def test_fast_descent_just_inside_and_outside(descent: float, flagged: bool) -> None:
    """The lowering is the rep's eccentric_s: from the middle of the top hold to the edge of
    the rest band, so a little shorter than the drawn descent plus half the hold."""
    report = analysed(pull_up(reps=3, descent_s=descent, hang_s=0.5))
    assert report.rep_count == 3
    values = faults(report, "fast_descent")
    assert bool(values) == flagged
    if flagged:
        assert values == pytest.approx([rep.eccentric_s for rep in report.reps], abs=1e-3)


SYNTHETIC_STATURE_CM = 100.0 * TRUNK / PX_PER_M / TRUNK_SHARE_OF_STATURE
"""The height at which the image scale is the synthetic lifter's exactly."""


@pytest.mark.parametrize("height_cm", [None, SYNTHETIC_STATURE_CM])
def test_set_metrics_measure_the_body_rising_to_the_bar(height_cm: float | None) -> None:
    """A hanging lifter's feet rise with the body, so heights are taken above the hands: the
    shoulders' (the wrist slot) and the hip's rise towards them, exactly as drawn, from the
    world landmarks and from the image at the synthetic lifter's stature alike."""
    clip = pull_up(reps=3, clearance=0.1)
    analysis = run_analysis(clip.track, load_lift("pull_up"), view=FRONT, evidence=None,
                            height_cm=height_cm)
    assert len(analysis.reps) == 3
    times = clip.track.times
    for rep, reported in zip(analysis.reps, analysis.report.reps, strict=True):
        # the trunk hangs rigidly under the shoulders: both rise alike, as far as the shoulder
        below_hands = (clip.body["wrist"][:, 1] - clip.body["shoulder"][:, 1]) / PX_PER_M
        lift = slice(rep.start, rep.turn + 1)
        rise = below_hands[rep.turn] - below_hands[rep.start]
        speed = rise / (times[rep.turn] - times[rep.start])
        for point in (reported.metrics.wrist, reported.metrics.hip):
            assert point.rom_m == pytest.approx(np.ptp(below_hands[rep.frames]), abs=0.005)
            assert point.mean_speed_m_s == pytest.approx(speed, abs=0.005)
            assert point.peak_speed_m_s == pytest.approx(
                np.max(np.gradient(below_hands[lift], times[lift])), rel=0.1)
    # three reps drawn alike: no velocity loss; the body rises at hundreds of mm a second
    assert analysis.report.set_metrics.velocity_loss_pct == pytest.approx(0.0, abs=1.0)
    assert analysis.report.set_metrics.mean_wrist_speed_m_s > 0.3
    assert analysis.report.set_metrics.heights_above == "hands"


def test_bent_knees_do_not_turn_a_hanging_lifter_upside_down() -> None:
    """Knees bent past a right angle put the feet above the knees, which for a lifter on their
    feet means a picture stored upside down; a hanging lifter is read by the trunk instead,
    which hangs upright from the bar and is inverted only in an inverted picture."""
    clip = pull_up(reps=2, knee_deg=60.0)
    kin = kinematics(clip.track)
    assert upside_down(kin, slice(None))  # the knees' cue misfires on this lifter
    assert not upside_down(kin, slice(None), HANGING)
    report = analysed(clip)
    assert report.rep_count == 2 and report.valid == 2
    assert not any(a.check == "orientation" for rep in report.reps for a in rep.abstained)
    assert not any("upside down" in warning for warning in report.warnings)
    turned = turned_half(clip.track)
    assert upside_down(kinematics(turned), slice(None), HANGING)
    assert upside_down_warning(HANGING) in analysed_track(turned).warnings
