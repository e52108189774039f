"""Edit cuts from the picture: a change of shot is found, and what changes a continuous shot
(the lifter moving, a camera panning, text drawn over the video, a first frame) is not.

Pictures are made here with known content; the last tests check the same on the tracks of a
real edited montage and of a clip with graphics drawn over it (tests/tracks).
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from synthetic import hinge

from formcheck.analysis import analyze_track
from formcheck.config import load_lift
from formcheck.counting import find_reps, spliced
from formcheck.kinematics import kinematics
from formcheck.reps import Partial
from formcheck.shots import CUT_CHANGE, edit_cuts, picture_change, signature
from formcheck.sight import shot_changes
from formcheck.track import PoseTrack

WIDTH, HEIGHT = 640, 360


@functools.cache
def scene(seed: int) -> np.ndarray:
    """A textured background: smooth blobs of colour, as a room's walls and floor are."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (9, 16, 3)).astype(np.float32)
    rows = np.linspace(0, 8, HEIGHT)
    columns = np.linspace(0, 15, WIDTH)
    r0, c0 = rows.astype(int).clip(max=7), columns.astype(int).clip(max=14)
    fr, fc = (rows - r0)[:, None, None], (columns - c0)[None, :, None]
    image = ((1 - fr) * (1 - fc) * small[r0][:, c0] + (1 - fr) * fc * small[r0][:, c0 + 1]
             + fr * (1 - fc) * small[r0 + 1][:, c0] + fr * fc * small[r0 + 1][:, c0 + 1])
    return image.astype(np.uint8)


def with_lifter(image: np.ndarray, x: int) -> np.ndarray:
    """``image`` with a dark figure a third of the frame tall standing at column ``x``."""
    out = image.copy()
    out[80:320, x:x + 90] = 20
    return out


def changes(frames: list[np.ndarray]) -> np.ndarray:
    signatures = [signature(frame) for frame in frames]
    return np.array([np.nan] + [picture_change(a, b)
                                for a, b in itertools.pairwise(signatures)])


def cuts_in(frames: list[np.ndarray]) -> list[float]:
    times = np.arange(len(frames)) / 30.0
    return [round(float(t), 3) for t in edit_cuts(times, changes(frames))]


def test_a_change_of_shot_is_a_cut_where_the_new_shot_starts() -> None:
    frames = [with_lifter(scene(1), 200 + 3 * i) for i in range(20)]
    frames += [with_lifter(scene(2), 300 - 3 * i) for i in range(20)]
    assert cuts_in(frames) == [round(20 / 30.0, 3)]


def test_a_lifter_moving_fast_across_the_picture_is_no_cut() -> None:
    frames = [with_lifter(scene(1), 20 * i) for i in range(27)]
    assert max(changes(frames)[1:]) < CUT_CHANGE
    assert cuts_in(frames) == []


def test_a_camera_panning_is_no_cut() -> None:
    wide = np.concatenate([scene(1), scene(3)], axis=1)
    frames = [wide[:, 8 * i:8 * i + WIDTH] for i in range(80)]
    assert cuts_in(frames) == []


def test_text_drawn_over_the_video_is_no_cut() -> None:
    """What julioccv13's clips do: arrows and captions appear over a third of the picture."""
    frames = [with_lifter(scene(1), 200) for _ in range(10)]
    captioned = frames[-1].copy()
    captioned[:, :200] = 255
    frames += [captioned] * 10
    before, after = signature(frames[9]), signature(frames[10])
    assert (np.abs(after - before) > 50).mean() > 0.25, "the caption changes a third of the cells"
    assert cuts_in(frames) == []


def test_a_cut_needs_frames_before_it_to_compare_with() -> None:
    """The second frame of a clip trimmed from another shot, and a track measured before
    formcheck measured the picture (NaN), have no cut."""
    assert cuts_in([scene(1), scene(2)]) == []
    assert edit_cuts(np.arange(5.0), np.full(5, np.nan)).size == 0
    assert edit_cuts(np.arange(1.0), np.zeros(1)).size == 0


def test_a_rep_spliced_from_two_shots_is_not_counted() -> None:
    """Three reps, the picture cut in the middle of the second: the descent of one movement and
    the rise of another look like one rep to the landmarks; it is listed with the cut."""
    clip = hinge(3, from_floor=True)
    track = clip.track
    lift = load_lift("deadlift")
    found = find_reps(kinematics(track), lift)
    second = found.reps[1]
    made = int(np.searchsorted(track.times, second.made_s))  # the lockout, before its hold
    frame = (second.start + made) // 2
    at = round(float(track.times[frame]), 3)
    cut = cut_at(track, frame)
    assert [round(t, 3) for t in shot_changes(cut)] == [at]
    report = analyze_track(cut, lift, evidence=None)
    assert report.rep_count == 2
    assert [(r.start_s, r.end_s) for r in report.reps] == [
        (round(r.start_s, 3), round(r.end_s, 3)) for r in (found.reps[0], found.reps[2])]
    (listed,) = [p for p in report.not_counted if p.start_s == round(second.start_s, 3)]
    assert listed.reason == (f"the video cuts to another shot at {at:.1f} s, before the rep was "
                             "made: a movement spliced from two shots is not a rep")
    assert any(w.startswith(f"the video cuts to another shot at {at:.1f} s (an edited video)")
               for w in report.warnings)


def test_a_cut_after_the_rep_was_made_keeps_it_counted_and_unjudged() -> None:
    """A deadlift is made at lockout; a cut in its lowering leaves the count alone, but the
    lowering filmed in another shot cannot be judged."""
    track = hinge(3, from_floor=True).track
    lift = load_lift("deadlift")
    found = find_reps(kinematics(track), lift)
    second = found.reps[1]
    frame = (second.turn + second.end) // 2
    at = float(track.times[frame])
    assert spliced(found, [at]) == found
    report = analyze_track(cut_at(track, frame), lift, evidence=None)
    assert report.rep_count == 3
    assert report.reps[1].outcome == "ambiguous"
    assert report.reps[1].abstained[0].reason.startswith(
        f"the video cuts to another shot at {at:.1f} s, inside this rep")


def test_spliced_numbers_the_reps_left_and_keeps_the_partials_in_time_order() -> None:
    track = hinge(3, from_floor=True).track
    found = find_reps(kinematics(track), load_lift("deadlift"))
    first = found.reps[0]
    earlier = Partial(0.0, 0.1, "set-up")
    out = spliced(type(found)(found.reps, [earlier]), [first.made_s - 0.1])
    assert [r.index for r in out.reps] == [1, 2]
    assert [p.start_s for p in out.partial] == [0.0, first.start_s]


def cut_at(track: PoseTrack, frame: int) -> PoseTrack:
    """``track`` with a change of shot at ``frame`` (a continuous picture elsewhere)."""
    change = np.zeros(len(track), dtype=np.float32)
    change[0] = np.nan
    change[frame] = 40.0
    return PoseTrack(**{**vars(track), "picture_change": change})


@pytest.mark.parametrize("shift", [0, 1, 2])
@pytest.mark.parametrize("where", ["start", "turn"])
def test_a_cut_on_the_frame_a_rep_starts_or_is_made_leaves_it_counted(shift, where) -> None:
    """A cut on a rep's first frame: the rep is filmed whole in the new shot. On the frame it
    is made (a deadlift's lockout): it came up in the shot before, and a live session, whose
    smoothing runs a few frames behind, sees it made as late as the new shot's first frame.
    Whatever way the frame's time rounds (``shift`` moves every time by a third of a frame)."""
    clip = hinge(3, from_floor=True)
    track = PoseTrack(**{**vars(clip.track), "times": clip.track.times + shift / 90.0})
    lift = load_lift("deadlift")
    second = find_reps(kinematics(track), lift).reps[1]
    report = analyze_track(cut_at(track, getattr(second, where)), lift, evidence=None)
    assert report.rep_count == 3
    judged = report.reps[1]
    assert where == "turn" or judged.outcome == "valid", "a rep filmed in one shot is judged"


def test_a_change_into_or_out_of_frames_without_the_lifter_is_no_cut() -> None:
    """Someone walking in front of the camera, a hand over the lens: the whole picture changes
    and the same shot comes back; the lifter's absence tells it from a change of shot."""
    times = np.arange(40) / 30.0
    change = np.r_[np.nan, np.full(19, 1.0), 60.0, np.full(9, 0.0), 60.0, np.full(9, 1.0)]
    seen = np.ones(40, dtype=bool)
    assert edit_cuts(times, change).tolist() == [times[20], times[30]]
    seen[20:30] = False
    assert edit_cuts(times, change, seen).size == 0


def test_a_change_across_a_gap_in_the_frames_is_no_cut() -> None:
    """A live view that dropped frames while it was busy measures the change across the gap,
    in which a panning camera may have moved far: no cut can be told from that."""
    times = np.r_[np.arange(20) / 30.0, 20 / 30.0 + 0.25 + np.arange(20) / 30.0]
    change = np.r_[np.nan, np.full(19, 1.0), 30.0, np.full(19, 1.0)]
    assert edit_cuts(times, change).size == 0
    times[20] = times[19] + 1 / 30.0
    assert edit_cuts(times, change).tolist() == [times[20]]


MONTAGE = "back_squat/vivekkumar20041806__gym__dumbbell_goblet_squat.mp4"
"""An edited montage of goblet squats: side and front shots of one lifter spliced at ~2.0, 4.1,
5.1, 5.7, 8.8, 12.9, 14.8 and 17.9 s; four squats are filmed whole within one shot
(benchmarks/labels/clips.csv, labelled by eye)."""

CAPTIONED = "romanian_deadlift/julioccv13__entrenamiento_2__rdl.mp4"
"""One RDL in one shot, with arrows and lines drawn over the lifter from 2.2 to 3.5 s, and an
end card from 9.6 s (the picture changes whole, to one without the lifter)."""


@pytest.mark.slow
def test_an_edited_montage_counts_only_the_squats_filmed_whole(real_track) -> None:
    track = real_track(MONTAGE)
    assert [round(t, 3) for t in shot_changes(track)] == [2.033, 4.1, 5.733, 8.8, 12.933,
                                                          14.833, 17.9]
    report = analyze_track(track, load_lift("back_squat", "goblet"))
    assert report.rep_count == 4
    spliced_reps = [p for p in report.not_counted if "cuts to another shot" in p.reason]
    assert [(p.start_s, p.end_s) for p in spliced_reps] == [(4.067, 6.267), (8.833, 15.533)]


@pytest.mark.slow
def test_graphics_drawn_over_a_clip_are_no_cut(real_track) -> None:
    track = real_track(CAPTIONED)
    assert shot_changes(track) == []
    assert analyze_track(track, load_lift("romanian_deadlift")).rep_count == 1
