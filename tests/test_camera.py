"""A moving camera: how far the picture moved between frames, when the camera moved, and what
counting does with a lifter the camera lost.

Pictures here are made with a known move (a window slid over a textured scene), and tracks
with known geometry (tests/synthetic.py) with the camera's steps set by hand; the robustness
tests (tests/test_robustness.py) pan and swing a camera over a real lifter and run the model;
the last tests read the committed tracks of real clips labelled by eye.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from synthetic import dim, drop, hinge
from test_shots import changes, scene

from formcheck.analysis import analyze_track
from formcheck.camera import (
    MOVE_MIN,
    MOVE_REPORTED,
    camera_moves,
    camera_shift,
    lifter_box,
    thumbnail,
)
from formcheck.config import load_lift
from formcheck.counting import find_reps
from formcheck.kinematics import kinematics
from formcheck.landmarks import Landmark
from formcheck.shots import edit_cuts
from formcheck.sight import OffPicture, camera_motion, off_picture
from formcheck.track import PoseTrack
from tests.conftest import TBY66

FPS = 30.0
WIDTH, HEIGHT = 480, 270


def room(seed: int = 0) -> np.ndarray:
    """A room twice the frame's size to film: smooth blobs (walls, floor) with sharp-edged
    objects (racks, plates, a door) on them, where corners can be followed."""
    rng = np.random.default_rng(seed)
    image = np.concatenate([np.concatenate([scene(seed + 2 * r + c) for c in range(2)], axis=1)
                            for r in range(2)], axis=0)[: 2 * HEIGHT, : 2 * WIDTH].copy()
    for _ in range(60):
        x, y = rng.integers(0, 2 * WIDTH - 30), rng.integers(0, 2 * HEIGHT - 30)
        w, h = rng.integers(8, 30, 2)
        image[y:y + h, x:x + w] = rng.integers(0, 256, 3)
    return image


def view(scene_: np.ndarray, x: float, y: float = 0.0) -> np.ndarray:
    """The frame a camera pointed at (x, y) pixels into ``scene_`` films."""
    x, y = round(x), round(y)
    return scene_[y:y + HEIGHT, x:x + WIDTH]


@pytest.mark.parametrize(("dx", "dy"), [(6, 0), (-11, 0), (0, 5), (4, -3), (25, 0)])
def test_a_known_move_of_the_camera_is_measured_to_the_pixel(dx: int, dy: int) -> None:
    """The camera turns by (dx, dy) pixels: the picture moves the other way by as much."""
    scene_ = room()
    before, after = view(scene_, 200, 100), view(scene_, 200 + dx, 100 + dy)
    shift = camera_shift(thumbnail(before), thumbnail(after), None) * WIDTH
    np.testing.assert_allclose(shift, [-dx, -dy], atol=0.5)


def test_a_lifter_moving_in_a_still_picture_is_no_move_of_the_camera() -> None:
    """A figure rising a fifth of the frame between two frames, inside its box: the picture
    outside it did not move."""
    frame = view(room(), 200, 100)
    before, after = frame.copy(), frame.copy()
    before[120:260, 200:260], after[70:210, 200:260] = 30, 30
    box = np.array([180, 50, 280, 268]) / np.array([WIDTH, HEIGHT, WIDTH, HEIGHT])
    shift = camera_shift(thumbnail(before), thumbnail(after), box)
    np.testing.assert_allclose(shift, [0.0, 0.0], atol=0.5 / WIDTH)


def test_a_picture_with_nothing_to_follow_is_unknown_not_still() -> None:
    """A plain wall: no corners, so no move can be told, and none is claimed."""
    plain = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    assert np.isnan(camera_shift(thumbnail(plain), thumbnail(plain), None)).all()


def test_the_lifter_box_covers_the_landmarks_and_what_moves_with_them() -> None:
    points = np.full((33, 3), np.nan)
    points[:4, :2] = [[0.4, 0.2], [0.6, 0.2], [0.45, 0.9], [0.55, 0.9]]
    np.testing.assert_allclose(lifter_box(points), [0.35, 0.025, 0.65, 1.0])
    assert lifter_box(np.full((33, 3), np.nan)) is None


def steps(seconds: float, moves: dict[tuple[float, float], float]) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    """Times at 30 frames a second and each frame's step, the picture moving ``share`` of the
    frame's width evenly over each ``(start, end)`` span of ``moves``."""
    times = np.arange(round(seconds * FPS)) / FPS
    shift = np.zeros((len(times), 2))
    shift[0] = np.nan
    for (start, end), share in moves.items():
        inside = (times > start) & (times <= end + 1e-9)
        shift[inside, 0] = share / inside.sum()
    return times, shift


def test_a_pan_is_one_move_from_its_start_to_its_end() -> None:
    times, shift = steps(6.0, {(2.0, 3.0): 0.2})
    (move,) = camera_moves(times, shift)
    assert move.start_s == pytest.approx(2.0, abs=1.5 / FPS)
    assert move.end_s == pytest.approx(3.0, abs=1.5 / FPS)
    assert move.size == pytest.approx(0.2, abs=0.01)


def test_a_still_camera_and_a_steady_hand_are_no_move() -> None:
    """Noise of following points in a still picture, and a hand that sways the picture back
    and forth by less than :data:`MOVE_REPORTED`."""
    times, _ = steps(6.0, {})
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.0003, (len(times), 2))
    assert camera_moves(times, noise) == []
    sway = np.zeros((len(times), 2))
    sway[:, 0] = np.diff(0.4 * MOVE_REPORTED * np.sin(2 * np.pi * times), prepend=0.0)
    assert np.abs(np.diff(np.cumsum(sway[:, 0]))).sum() > 4 * MOVE_MIN, "it does move"
    assert camera_moves(times, sway) == []


def test_steps_across_a_cut_or_a_gap_in_the_frames_are_not_the_camera() -> None:
    """What points did across a change of shot, or across frames never seen, is no pan."""
    times, shift = steps(6.0, {})
    shift[90] = [0.3, 0.0]
    assert camera_moves(times, shift, cuts=[times[90]]) == []
    gapped = np.r_[times[:90], times[90:] + 0.5]
    assert camera_moves(gapped, shift) == []


def test_a_track_made_before_the_camera_was_measured_shows_no_move() -> None:
    times, _ = steps(3.0, {})
    assert camera_moves(times, np.full((len(times), 2), np.nan)) == []


def test_a_whip_pan_is_no_cut_but_a_cut_from_a_still_camera_is() -> None:
    """Frames that change like a cut while the camera was followed turning the same way frame
    after frame are a pan; a change of shot from a still picture stays a cut, whatever step the
    points followed across it give."""
    scene_ = room()
    frames = [view(scene_, x) for x in [0] * 10 + [12, 30, 55, 80, 100, 110]]
    times = np.arange(len(frames)) / FPS
    picture = changes(frames)
    shift = np.array([[np.nan, np.nan]] + [camera_shift(thumbnail(a), thumbnail(b), None)
                                            for a, b in itertools.pairwise(frames)])
    assert len(edit_cuts(times, picture)) > 0, "the pan changes the picture as a cut does"
    assert list(edit_cuts(times, picture, shift=shift)) == []
    spliced = frames[:10] + [view(room(7), 0)] * 6
    jumped = np.zeros((len(spliced), 2))
    jumped[10] = [0.05, 0.0]
    assert [round(t, 3) for t in edit_cuts(times, changes(spliced), shift=jumped)] == [0.333]


def swung(track: PoseTrack, start_s: float, end_s: float) -> PoseTrack:
    """``track`` filmed by a camera that turns away from the lifter over half a second around
    ``start_s`` (the picture moving 0.8 of its width, the lifter in it moving with it), the
    lifter lost from ``start_s`` to ``end_s``, and the camera turning back around ``end_s``."""
    out = drop(track, start_s, end_s)

    def ramp(begin: float) -> np.ndarray:
        return np.clip((out.times - begin) / 0.5, 0.0, 1.0)

    offset = -0.8 * (ramp(start_s - 0.2) - ramp(end_s - 0.3))
    out.landmarks[:, :, 0] += offset[:, None].astype(np.float32)
    shift = np.zeros((len(out), 2))
    shift[1:, 0] = np.diff(offset)
    shift[0] = np.nan
    return PoseTrack(**{**vars(out), "camera_shift": shift})


def test_a_rep_whose_turnaround_the_camera_swung_away_from_is_listed_not_counted() -> None:
    """The camera swings away as an RDL goes down and back as it comes up: its bottom was out
    of the picture, and the reps either side are counted as they were."""
    track = hinge(4, top_pause_s=0.8).track
    lift = load_lift("romanian_deadlift")
    before = analyze_track(track, lift)
    second = before.reps[1]
    report = analyze_track(swung(track, second.turn_s - 0.35, second.turn_s + 0.35), lift)
    assert report.rep_count == 3
    assert [r.turn_s for r in report.reps] == pytest.approx(
        [before.reps[i].turn_s for i in (0, 2, 3)], abs=1.5 / FPS)
    (listed,) = report.not_counted
    assert "out of the picture" in listed.reason and "part-way through it" in listed.reason
    assert "the camera moved" in listed.reason
    assert listed.start_s < second.turn_s < listed.end_s
    assert report.camera_moves and any("out of the picture" in w for w in report.warnings)


def test_the_model_losing_a_lifter_in_the_picture_keeps_the_rep_counted() -> None:
    """The same frames lost with a still camera and the lifter mid-picture (a plate in front
    of the body): whoever filmed it saw the rep, and it is counted, not judged."""
    track = hinge(4, top_pause_s=0.8).track
    lift = load_lift("romanian_deadlift")
    second = analyze_track(track, lift).reps[1]
    report = analyze_track(drop(track, second.turn_s - 0.35, second.turn_s + 0.35), lift)
    assert report.rep_count == 4 and report.not_counted == []
    assert report.reps[1].outcome == "ambiguous"


def lost_at_the_edge(half_s: float) -> PoseTrack:
    """Four RDLs filmed by a still camera, the lifter lost for ``half_s`` either side of the
    second one's bottom with both hips at the picture's edge just before."""
    track = hinge(4, top_pause_s=0.8).track
    turn = analyze_track(track, load_lift("romanian_deadlift")).reps[1].turn_s
    lost = drop(track, turn - half_s, turn + half_s)
    last = int(np.flatnonzero(lost.times < turn - half_s)[-1])
    lost.landmarks[last, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP], 0] = 0.995
    return lost


def away(track: PoseTrack) -> list[OffPicture]:
    """Where the lifter in ``track`` (no edits) was out of the picture."""
    return off_picture(track, camera_motion(track, []))


def test_a_lifter_last_seen_at_the_edge_of_a_still_picture_left_it() -> None:
    """No camera motion, but the trunk at the picture's edge just before the lifter is lost:
    they walked (or were framed) out of it."""
    lost = lost_at_the_edge(0.35)
    (span,) = away(lost)
    assert span.why == "the lifter was at the picture's edge"
    report = analyze_track(lost, load_lift("romanian_deadlift"))
    assert report.rep_count == 3 and "picture's edge" in report.not_counted[0].reason


def test_a_lockout_reached_before_the_camera_swung_away_is_counted() -> None:
    """A deadlift made in sight (hips locked out), then the camera swings away for the rest of
    the hold and comes back as the bar is lowered: the lifter counted it at lockout."""
    clip = hinge(3, from_floor=True, top_pause_s=1.2)
    lift = load_lift("deadlift")
    before = analyze_track(clip.track, lift)
    second = before.reps[1]
    track = swung(clip.track, second.made_s + 0.2, second.turn_s + 0.5)
    found = find_reps(kinematics(track), lift, away=away(track))
    assert len(found.reps) == 3
    assert found.reps[1].made_s == pytest.approx(second.made_s, abs=1.5 / FPS)
    assert [p.reason for p in found.partial] == [p.reason for p in before.not_counted]


def test_a_lockout_made_then_lost_half_out_of_the_picture_is_counted_once() -> None:
    """As above, but the hips unseen for the last frames before the lifter is lost and the
    first after they come back (half out of the picture): the rep is counted, and not listed
    as well as a rep the lifter left the picture part-way through."""
    clip = hinge(3, from_floor=True, top_pause_s=1.2)
    lift = load_lift("deadlift")
    before = analyze_track(clip.track, lift)
    second = before.reps[1]
    start, end = second.made_s + 0.2, second.turn_s + 0.5
    track = dim(dim(swung(clip.track, start, end), ["hip"], 0.0, start - 0.1, start),
                ["hip"], 0.0, end, end + 0.1)
    found = find_reps(kinematics(track), lift, away=away(track))
    assert len(found.reps) == 3
    assert found.reps[1].made_s == pytest.approx(second.made_s, abs=1.5 / FPS)
    assert not any("part-way through it" in p.reason for p in found.partial)


def test_a_short_loss_at_the_picture_s_edge_is_no_leaving() -> None:
    """Lost for a fifth of a second with the trunk at the edge: a blink of the model's, bridged
    like any short gap; the rep stays counted."""
    lost = lost_at_the_edge(0.1)
    assert away(lost) == []
    assert analyze_track(lost, load_lift("romanian_deadlift")).rep_count == 4


def test_spans_out_of_the_picture_name_what_took_the_lifter_out() -> None:
    track = hinge(3).track
    lost = swung(track, 3.0, 3.6)
    (span,) = away(lost)
    assert isinstance(span, OffPicture) and span.why.startswith("the camera moved at")


@pytest.mark.clips
def test_a_still_camera_on_a_tripod_is_never_said_to_move(real_track) -> None:
    """Four real clips filmed from a stand, by eye (benchmarks/labels/camera.csv)."""
    for name in [TBY66.format(k) for k in "chkr"]:
        track = real_track(name)
        assert np.isfinite(track.camera_shift[1:]).mean() > 0.9, name
        assert camera_motion(track, []) == [], name
