"""formcheck.kinematics against hand-computed geometry and synthetic skeletons.

The synthetic lifter is a 3-D skeleton (metres, hip-centred, y down, facing -z, i.e. the camera,
at yaw 0) turned about the vertical axis and projected orthographically into a 16:9 frame. A
non-square frame makes any angle computed from unscaled normalised coordinates come out wrong.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from formcheck.geometry import angle_at, inclination_to_vertical
from formcheck.kinematics import Kinematics, kinematics
from formcheck.landmarks import SIDES, Landmark, joint
from formcheck.track import PoseTrack
from formcheck.view import ViewThresholds, estimate_view

WIDTH, HEIGHT, FPS = 1280, 720, 30.0
PX_PER_M = 400.0

LIFTER: dict[str, tuple[float, float, float]] = {
    # left side (x > 0); the right side is its mirror image
    "hip": (0.10, 0.0, 0.0),
    "knee": (0.10, 0.45, 0.0),
    "ankle": (0.10, 0.88, 0.0),
    "heel": (0.10, 0.93, 0.05),
    "foot_index": (0.10, 0.95, -0.15),
    "shoulder": (0.18, -0.50, 0.0),
    "elbow": (0.20, -0.22, 0.0),
    "wrist": (0.20, 0.05, 0.0),
    "pinky": (0.20, 0.12, 0.0),
    "index": (0.20, 0.13, -0.01),
    "thumb": (0.19, 0.10, -0.02),
    "ear": (0.07, -0.65, 0.0),
    "eye": (0.03, -0.68, -0.08),
    "eye_inner": (0.02, -0.68, -0.09),
    "eye_outer": (0.05, -0.68, -0.07),
}
LOWER_BODY = ("hip", "knee", "ankle", "heel", "foot_index")
TRUNK_M = 0.5
TOL_DEG = 1e-4
"""Tracks store float32: angles are exact to about 1e-5 degrees."""


def skeleton(flex_deg: float = 0.0, **moved: tuple[float, float, float]) -> np.ndarray:
    """(33, 3) standing lifter; ``flex_deg`` hinges everything above the hips forward."""
    parts = LIFTER | moved
    p = np.zeros((33, 3))
    for name, (x, y, z) in parts.items():
        p[joint("left", name)] = (x, y, z)
        p[joint("right", name)] = (-x, y, z)
    p[Landmark.NOSE] = (0.0, -0.65, -0.11)
    p[Landmark.MOUTH_LEFT] = (0.02, -0.60, -0.09)
    p[Landmark.MOUTH_RIGHT] = (-0.02, -0.60, -0.09)
    upper = np.ones(33, dtype=bool)
    upper[[joint(side, name) for side in SIDES for name in LOWER_BODY]] = False
    a = math.radians(flex_deg)
    y, z = p[upper, 1].copy(), p[upper, 2].copy()
    p[upper, 1] = y * math.cos(a) - z * math.sin(a)
    p[upper, 2] = y * math.sin(a) + z * math.cos(a)
    return p


def pose_track(
    yaw_deg: float,
    body: np.ndarray | None = None,
    *,
    n: int = 30,
    rise_m_per_s: float = 0.0,
    px_per_m: float = PX_PER_M,
) -> PoseTrack:
    """A lifter seen with the camera turned ``yaw_deg`` about the vertical axis.

    Yaw +90: the lifter faces image left (-x) with their left side towards the camera.
    """
    body = skeleton() if body is None else body
    a = math.radians(yaw_deg)
    turned = body.copy()
    turned[:, 0] = body[:, 0] * math.cos(a) + body[:, 2] * math.sin(a)
    turned[:, 2] = -body[:, 0] * math.sin(a) + body[:, 2] * math.cos(a)
    track = PoseTrack.empty(n, width=WIDTH, height=HEIGHT, fps=FPS)
    times = np.arange(n) / FPS
    track.times[:] = times
    track.present[:] = True
    track.world[:] = turned
    lift = rise_m_per_s * times[:, None]
    track.landmarks[..., 0] = (WIDTH / 2 + px_per_m * turned[:, 0]) / WIDTH
    track.landmarks[..., 1] = (HEIGHT / 2 + px_per_m * (turned[:, 1] - lift)) / HEIGHT
    track.landmarks[..., 2] = px_per_m * turned[:, 2] / WIDTH
    track.visibility[:] = np.clip(0.85 - turned[:, 2], 0.0, 1.0)
    track.presence[:] = 1.0
    return track


def hip_angle_3d(flex_deg: float) -> float:
    """Shoulder-hip-knee in 3-D: the shoulders sit 8 cm wider than the hips, so not 180 - flex."""
    lateral = LIFTER["shoulder"][0] - LIFTER["hip"][0]
    down = -TRUNK_M * math.cos(math.radians(flex_deg))
    return math.degrees(math.acos(down / math.hypot(lateral, TRUNK_M)))


def facing(k: Kinematics, name: str) -> np.ndarray:
    return getattr(k, name).facing.value


# angle_at and inclination_to_vertical


def test_angle_at_hand_computed_cases():
    b = np.zeros((4, 2))
    a = np.array([[1.0, 0], [1, 0], [1, 0], [1, 0]])
    c = np.array([[0.0, 1], [-2, 0], [3, 3], [5, 0]])
    np.testing.assert_allclose(angle_at(a, b, c), [90, 180, 45, 0], atol=1e-12)


def test_angle_at_in_3d_and_independent_of_scale_and_translation():
    a, b, c = np.array([[1.0, 0, 0]]), np.array([[0.0, 0, 0]]), np.array([[0.0, 0, 2]])
    assert angle_at(a, b, c)[0] == pytest.approx(90)
    offset = np.array([3.0, -1, 7])
    assert angle_at(5 * a + offset, 5 * b + offset, 5 * c + offset)[0] == pytest.approx(90)


def test_angle_at_is_nan_when_undefined():
    b = np.zeros((3, 2))
    a = np.array([[0.0, 0], [1, 0], [np.nan, 0]])
    c = np.array([[1.0, 0], [0, 0], [0, 1]])
    assert np.isnan(angle_at(a, b, c)).all()


def test_inclination_signs_and_range():
    low = np.zeros((6, 2))
    high = np.array([[0.0, -1], [1, 0], [-1, 0], [0, 1], [1, -1], [-1, -1]])  # y down
    np.testing.assert_allclose(inclination_to_vertical(low, high), [0, 90, 90, 180, 45, 45])


def test_inclination_in_3d_and_degenerate():
    low = np.zeros((3, 3))
    high = np.array([[0.0, -1, 1], [0, 0, 0], [np.nan, 0, 0]])
    out = inclination_to_vertical(low, high)
    assert out[0] == pytest.approx(45)
    assert np.isnan(out[1:]).all()


# kinematics on synthetic lifters


@pytest.mark.parametrize("yaw", [90, -90])
def test_side_view_angles_of_a_hinge(yaw):
    k = kinematics(pose_track(yaw, skeleton(flex_deg=45)))
    for side in SIDES:
        np.testing.assert_allclose(k.trunk_inclination[side].value, 45, atol=TOL_DEG)
        np.testing.assert_allclose(k.hip_angle[side].value, 135, atol=TOL_DEG)
        np.testing.assert_allclose(k.knee_angle[side].value, 180, atol=TOL_DEG)
        np.testing.assert_allclose(k.shin_inclination[side].value, 0, atol=TOL_DEG)
        np.testing.assert_allclose(k.hip_angle_3d[side].value, hip_angle_3d(45), atol=TOL_DEG)
    assert k.trunk_length_px == pytest.approx(TRUNK_M * PX_PER_M)


def test_world_angles_do_not_depend_on_the_view_but_image_angles_do():
    body = skeleton(flex_deg=60)
    front = kinematics(pose_track(0, body))
    oblique = kinematics(pose_track(35, body))
    for k in (front, oblique):
        np.testing.assert_allclose(facing(k, "hip_angle_3d"), hip_angle_3d(60), atol=TOL_DEG)
    assert np.all(facing(front, "hip_angle") > 150)


@pytest.mark.parametrize(("yaw", "side", "forward"), [(90, "left", -1.0), (-90, "right", 1.0)])
def test_facing_side_and_forward_direction(yaw, side, forward):
    k = kinematics(pose_track(yaw))
    assert (k.facing, k.forward) == (side, forward)
    assert k.facing_confidence == pytest.approx(1.0)
    assert k.hip_angle.facing is k.hip_angle[side]
    other = "right" if side == "left" else "left"
    assert np.all(k.hip_angle.facing.reliability > k.hip_angle[other].reliability)


def test_facing_side_is_moot_in_a_front_view():
    k = kinematics(pose_track(0))
    assert k.facing_confidence == pytest.approx(0.0)
    assert math.isnan(k.forward)
    assert np.isnan(facing(k, "trunk_lean")).all()


def test_facing_side_falls_back_on_visibility_without_depth():
    track = pose_track(90)
    track.world[:] = np.nan
    track.visibility[:] = 0.9
    track.visibility[:, [joint("right", name) for name in LIFTER]] = 0.4
    assert kinematics(track).facing == "left"


def test_reliability_is_the_lowest_visibility_used():
    track = pose_track(90)
    track.visibility[5, joint("left", "knee")] = 0.2
    k = kinematics(track, smoothing="none")
    assert k.knee_angle.left.reliability[5] == pytest.approx(0.2)
    assert k.trunk_inclination.left.reliability[5] > 0.9
    assert np.all(np.isfinite(k.knee_angle.left.trusted(0.5)[[4, 6]]))
    assert np.isnan(k.knee_angle.left.trusted(0.5)[5])


def test_wrist_height_is_scale_free():
    hanging = kinematics(pose_track(90))
    np.testing.assert_allclose(facing(hanging, "wrist_height"), -0.1, atol=1e-5)
    raised = skeleton(elbow=(0.18, -0.5, -0.3), wrist=(0.18, -0.5, -0.6))
    for px_per_m in (150.0, 600.0):
        k = kinematics(pose_track(90, raised, px_per_m=px_per_m))
        np.testing.assert_allclose(facing(k, "wrist_height"), 1.0, atol=1e-5)
    overhead = skeleton(elbow=(0.18, -0.8, 0.0), wrist=(0.18, -1.0, 0.0))
    np.testing.assert_allclose(facing(kinematics(pose_track(90, overhead)), "wrist_height"), 2.0)


def test_wrist_height_is_undefined_with_the_trunk_near_horizontal():
    k = kinematics(pose_track(90, skeleton(flex_deg=80)))
    assert np.isnan(facing(k, "wrist_height")).all()


@pytest.mark.parametrize("yaw", [90, -90])
def test_wrist_offset_is_positive_in_front_of_mid_foot_whichever_way_the_lifter_faces(yaw):
    reaching = skeleton(elbow=(0.18, -0.3, -0.2), wrist=(0.18, -0.1, -0.4))
    k = kinematics(pose_track(yaw, reaching))
    mid_foot_z = (0.05 - 0.15) / 2
    np.testing.assert_allclose(facing(k, "wrist_offset"), (mid_foot_z + 0.4) / TRUNK_M)
    behind = kinematics(pose_track(yaw, skeleton(wrist=(0.2, 0.05, 0.2))))
    assert np.all(facing(behind, "wrist_offset") < 0)


def jittery_track(seed: int = 0) -> PoseTrack:
    track = pose_track(90, skeleton(flex_deg=30), n=90)
    rng = np.random.default_rng(seed)
    track.landmarks[..., :2] += rng.normal(0, 3 / HEIGHT, track.landmarks[..., :2].shape)
    return track


def test_smoothing_modes_run_and_zero_phase_reduces_jitter():
    track = jittery_track()
    spread = {}
    for mode in ("zero_phase", "causal", "none"):
        k = kinematics(track, smoothing=mode)
        assert k.smoothing == mode
        assert k.hip_angle.left.value.shape == (90,)
        spread[mode] = np.std(facing(k, "hip_angle")[10:-10])
    assert spread["zero_phase"] < 0.5 * spread["none"]
    assert spread["causal"] < spread["none"]
    with pytest.raises(ValueError):
        kinematics(track, smoothing="median")  # type: ignore[arg-type]


def test_causal_mode_does_not_look_ahead():
    track, future = jittery_track(), jittery_track()
    future.landmarks[60:] = jittery_track(seed=1).landmarks[60:]
    now, later = kinematics(track, smoothing="causal"), kinematics(future, smoothing="causal")
    # scale-free series divide by the clip's trunk length, a clip-level constant: angles only
    for name in ("hip_angle", "knee_angle", "trunk_inclination", "trunk_lean"):
        np.testing.assert_array_equal(facing(now, name)[:60], facing(later, name)[:60])


def test_short_gaps_bridged_long_gaps_kept():
    track = pose_track(90, n=60)
    for rows in (slice(10, 12), slice(30, 45)):
        track.present[rows] = False
        track.landmarks[rows] = track.world[rows] = track.visibility[rows] = np.nan
    bridged = kinematics(track, max_gap_s=0.25)
    knee = facing(bridged, "knee_angle")
    assert np.isfinite(knee[10:12]).all()
    assert np.isnan(knee[30:45]).all()
    assert np.all(bridged.knee_angle.facing.reliability[30:45] == 0)
    assert np.isnan(facing(kinematics(track, smoothing="causal"), "knee_angle")[10:12]).all()
    assert np.isnan(facing(kinematics(track, max_gap_s=0.0), "knee_angle")[10:12]).all()


def test_empty_and_absent_tracks_give_nan_not_errors():
    empty = kinematics(PoseTrack.empty(0, width=WIDTH, height=HEIGHT, fps=FPS))
    assert empty.hip_angle.left.value.shape == (0,)
    nobody = PoseTrack.empty(10, width=WIDTH, height=HEIGHT, fps=FPS)
    nobody.times[:] = np.arange(10) / FPS
    for mode in ("zero_phase", "causal", "none"):
        k = kinematics(nobody, smoothing=mode)
        assert np.isnan(k.hip_height.left.value).all()
        assert np.all(k.hip_height.left.reliability == 0)
    assert math.isnan(k.trunk_length_px)


def test_only_the_series_asked_for_are_computed():
    k = kinematics(pose_track(90), ["knee_angle", "back_bend", "knee_angle"])
    assert list(k.series) == ["knee_angle", "back_bend"]
    np.testing.assert_array_equal(k["knee_angle"].facing.value, facing(kinematics(pose_track(90)),
                                                                       "knee_angle"))
    with pytest.raises(AttributeError, match=r"'hip_angle' was not computed.*knee_angle"):
        k.hip_angle  # noqa: B018
    with pytest.raises(KeyError, match="no series 'elbow'"):
        k["elbow"]
    with pytest.raises(ValueError, match="unknown series 'elbow'"):
        kinematics(pose_track(90), ["elbow"])
    # one name is one series, not its letters
    assert list(kinematics(pose_track(90), "knee_angle").series) == ["knee_angle"]


def test_kinematics_survive_pickling():
    k = kinematics(pose_track(90), ["hip_angle"])
    again = pickle.loads(pickle.dumps(k))
    np.testing.assert_array_equal(again.hip_angle.facing.value, k.hip_angle.facing.value)


# estimate_view


@pytest.mark.parametrize(
    ("yaw", "view"),
    [
        (0, "front"),
        (180, "front"),
        (20, "front"),
        (45, "oblique"),
        (-40, "oblique"),
        (135, "oblique"),
        (70, "side"),
        (90, "side"),
        (-90, "side"),
    ],
)
def test_view_of_a_standing_lifter(yaw, view):
    estimate = estimate_view(pose_track(yaw))
    assert estimate.view == view
    assert estimate.confidence == pytest.approx(1.0)
    folded = abs((yaw + 90) % 180 - 90)
    assert estimate.yaw_deg == pytest.approx(folded, abs=0.05)  # arccos near 1 is touchy


@pytest.mark.parametrize(("yaw", "view"), [(0, "front"), (90, "side")])
def test_view_survives_a_deep_hinge(yaw, view):
    assert estimate_view(pose_track(yaw, skeleton(flex_deg=70))).view == view


def test_view_unknown_without_enough_frames_and_thresholds_are_overridable():
    track = pose_track(45, n=10)
    track.landmarks[3:] = track.world[3:] = np.nan
    assert estimate_view(track).view == "unknown"
    assert math.isnan(estimate_view(track).yaw_deg)
    lenient = ViewThresholds(side_min_yaw_deg=40.0, min_frames=2)
    assert estimate_view(track, lenient).view == "side"


def test_view_from_image_alone_when_world_is_missing():
    track = pose_track(90)
    track.world[:] = np.nan
    assert estimate_view(track).view == "unknown"
    track = pose_track(90)
    track.world[:, :, 2] = 0.0  # a model that gets depth wrong: world cue says front
    estimate = estimate_view(track)
    assert estimate.yaw_deg == pytest.approx(45, abs=0.05)
