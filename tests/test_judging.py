"""When a rep cannot be judged whatever its checks say: gaps in tracking, an upside-down
picture, a cut in the video's timestamps, too few frames per second; and the report's notes on
a video that is damaged, too short, or without trustworthy timestamps.

Synthetic tracks (tests/synthetic.py) with the damage applied to the track, so these run in the
fast suite; test_robustness.py checks the same behaviours on real videos, end to end.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from synthetic import concat, crop, drop, hinge, swing, thrust

from formcheck.analysis import UPSIDE_DOWN, analyze_track, upside_down
from formcheck.config import load_lift
from formcheck.kinematics import kinematics
from formcheck.report import Abstention, Report
from formcheck.track import ARRAY_FIELDS, PoseTrack

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
    return analyze_track(track, load_lift(lift), evidence=None)


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


# --- timing: cuts in the timestamps, no timestamps, too few frames per second --------------


def joined_across_rep_two(clip) -> tuple[PoseTrack, float]:
    """The clip with a second around rep 2's lockout cut out and the rest joined on, as two
    recordings played one after the other: the lockout is gone, yet the joined frames look like
    one rep. Also the time of the first frame after the join."""
    top = clip.times("top")[1]
    before, after = crop(clip.track, 0.0, top - 0.5), crop(clip.track, top + 0.5)
    return concat(before, after), round(float(before.times[-1]) + 1 / before.fps, 3)


def with_meta(track: PoseTrack, **meta) -> PoseTrack:
    return replace(track, meta={**track.meta, **meta})


@pytest.mark.parametrize(
    ("kind", "size_s", "note"),
    [
        ("restart", -4.2, "the video's timestamps restart at {at:.1f} s (two recordings "
                          "joined?): treated as a cut"),
        ("jump", 10.0, "the video's timestamps jump 10.0 s ahead at {at:.1f} s (frames lost, or "
                       "recordings joined?): treated as a cut"),
    ],
)
def test_a_rep_across_a_cut_in_the_timestamps_is_ambiguous(kind, size_s, note):
    track, at = joined_across_rep_two(hinge(3, from_floor=True))
    blind = analyze(track)
    cut = {"at_s": at, "kind": kind, "size_s": size_s}
    report = analyze(with_meta(track, time_cuts=[cut]))
    assert blind.reps[1].outcome == "valid", "without the cut, the joined frames pass for a rep"
    assert [r.outcome for r in report.reps] == ["valid", "ambiguous", "valid"]
    assert report.reps[1].score is None
    timing = report.reps[1].abstained[0]
    assert timing.check == "timing" and timing.reason.endswith(
        "inside this rep: the frames before and after that cut need not be one movement")
    assert note.format(at=at) in report.warnings
    for got, clean in zip([report.reps[0], report.reps[2]], [blind.reps[0], blind.reps[2]],
                          strict=True):
        assert got == clean, "a rep clear of the cut is judged as if there were none"


def test_a_cut_makes_a_failed_lockout_ambiguous_not_a_no_rep():
    failed = load_lift("deadlift").value("no_rep_hip_angle") - 15.0
    clip = hinge(3, from_floor=True, lockout_deg=[180.0, failed, 180.0])
    rep = analyze(clip.track).reps[1]
    assert rep.outcome == "no_rep"
    cut = {"at_s": round(rep.turn_s, 3), "kind": "restart", "size_s": -3.0}
    hidden = analyze(with_meta(clip.track, time_cuts=[cut])).reps[1]
    assert hidden.outcome == "ambiguous" and hidden.abstained[0].check == "timing"


def test_many_cuts_are_one_note():
    track = hinge(3, from_floor=True).track
    cuts = [{"at_s": t, "kind": "restart", "size_s": -1.0} for t in (0.5, 1.0, 1.5, 2.0, 9.5)]
    notes = [w for w in analyze(with_meta(track, time_cuts=cuts)).warnings if "timestamps" in w]
    assert notes == ["the video's timestamps break 5 times, first at 0.5 s and last at 9.5 s: "
                     "each is treated as a cut"]


@pytest.mark.parametrize(
    ("stated", "note"),
    [
        (True, "the video has no timestamps; timing assumes 25 fps (the stream's nominal rate)"),
        (False, "the video has no timestamps and states no frame rate; timing assumes 25 fps"),
    ],
)
def test_a_video_without_timestamps_says_what_it_assumed(stated, note):
    track = UPRIGHT["deadlift"]().track
    plain = analyze(track)
    report = analyze(with_meta(track, no_timestamps={"assumed_fps": 25.0, "stated": stated}))
    assert report.warnings == [note, *plain.warnings]
    assert report.reps == plain.reps


def thinned(track: PoseTrack, fps: float, start_s: float = 0.0) -> PoseTrack:
    """The frames from ``start_s`` on kept only at about ``fps`` a second (those before all
    kept): what a camera filming at that rate would have recorded."""
    ticks = np.arange(start_s, track.times[-1], 1.0 / fps)
    later = np.unique(np.searchsorted(track.times, ticks - 1e-9))
    rows = np.union1d(np.flatnonzero(track.times < start_s), later)
    return replace(track, **{name: getattr(track, name)[rows] for name in ARRAY_FIELDS})


@pytest.mark.parametrize("fps", [2.0, 5.0])
def test_too_few_frames_per_second_make_every_rep_ambiguous_never_a_no_rep(fps):
    failed = load_lift("deadlift").value("no_rep_hip_angle") - 15.0
    clip = hinge(3, from_floor=True, lockout_deg=[180.0, failed, 180.0])
    assert [r.outcome for r in analyze(clip.track).reps] == ["valid", "no_rep", "valid"]
    report = analyze(thinned(clip.track, fps))
    assert report.rep_count == 3
    reason = f"the video has {fps:.1f} frames/s; at least 8 are needed to judge a rep"
    for rep in report.reps:
        assert rep.outcome == "ambiguous" and rep.score is None
        assert rep.abstained[0] == Abstention(check="frame_rate", reason=reason)
    assert f"{reason}: its reps are marked ambiguous" in report.warnings


def test_enough_frames_per_second_change_nothing():
    clip = hinge(3, from_floor=True)
    full, sparse = analyze(clip.track), analyze(thinned(clip.track, 10.0))
    assert [(r.outcome, r.score) for r in sparse.reps] == [(r.outcome, r.score) for r in full.reps]
    assert not any("frames/s" in w for w in sparse.warnings)


def test_the_frame_rate_is_judged_per_rep_on_the_frames_really_there():
    """A phone that drops to 4 frames/s half-way (heat, low light): only the reps filmed after
    that are ambiguous. Dropped frames at random elsewhere are not a low rate."""
    clip = hinge(4, from_floor=True)
    split = float(clip.times("bottom")[2])  # between reps 2 and 3
    rng = np.random.default_rng(1)
    keep = np.flatnonzero((rng.random(len(clip.track)) > 1 / 3) | (clip.track.times >= split))
    track = thinned(replace(clip.track, **{name: getattr(clip.track, name)[keep]
                                           for name in ARRAY_FIELDS}), 4.0, start_s=split)
    report = analyze(track)
    assert [r.outcome for r in report.reps] == ["valid", "valid", "ambiguous", "ambiguous"]
    assert {a.check for r in report.reps[2:] for a in r.abstained} == {"frame_rate"}


def test_one_frame_a_second_is_not_reported_as_the_lifter_out_of_sight():
    report = analyze(thinned(UPRIGHT["deadlift"]().track, 1.0))
    assert not any("out of sight" in w for w in report.warnings)
    assert any(w.startswith("the video has 1.0 frames/s") for w in report.warnings)
