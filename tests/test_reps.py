"""Rep cutting: formcheck.reps.segment_reps on driver signals, and find_reps on synthetic tracks.

The drivers and tracks come from tests/synthetic.py, so the true number of reps and the time of
every turnaround are known. Counts are asserted exactly; times to within a frame or two.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic import (
    FPS,
    Key,
    Synthetic,
    View,
    concat,
    crop,
    dim,
    drop,
    excursions,
    hinge,
    knock,
    swing,
    thrust,
    timeline,
)

from formcheck.config import load_lift
from formcheck.counting import find_reps, still_at_top
from formcheck.kinematics import kinematics
from formcheck.reps import (
    UNDER_WAY,
    Rep,
    RepSettings,
    _at_rest,
    reached_near_top,
    segment,
    segment_reps,
)
from formcheck.track import PoseTrack

FRAME = 1.0 / FPS
DEFAULT = RepSettings(min_range=25.0)
"""Hinge-sized defaults: drivers here are angles travelling 100 degrees."""


def cut(values: np.ndarray, times: np.ndarray, rep_settings: RepSettings = DEFAULT) -> list[Rep]:
    reps = segment_reps(values, times, rep_settings)
    assert_well_formed(reps, times)
    return reps


def assert_well_formed(reps: list[Rep], times: np.ndarray) -> None:
    """What every list of reps must satisfy, whatever the signal."""
    for number, rep in enumerate(reps, start=1):
        assert rep.index == number
        assert 0 <= rep.start <= rep.turn <= rep.end < len(times)
        assert (rep.start_s, rep.turn_s, rep.end_s) == (
            times[rep.start], times[rep.turn], times[rep.end]
        )
        assert 0.0 <= rep.coverage <= 1.0
        assert rep.first_half_s >= 0 and rep.second_half_s >= 0
    for before, after in itertools.pairwise(reps):
        assert before.end <= after.start, "reps overlap"


def assert_turns_at(reps: list[Rep], marks: np.ndarray, tolerance_s: float = 1.5 * FRAME) -> None:
    assert len(reps) == len(marks)
    np.testing.assert_allclose([rep.turn_s for rep in reps], marks, atol=tolerance_s)


# segment_reps on driver signals


@pytest.mark.parametrize("reps", [1, 2, 5])
def test_every_excursion_is_one_rep_turning_at_its_peak(reps):
    line = excursions(reps)
    found = cut(line["driver"], line.times)
    assert_turns_at(found, line.at("turn"))
    assert all(rep.coverage == 1.0 for rep in found)


def test_rep_starts_when_the_driver_leaves_rest_and_ends_when_it_returns():
    line = excursions(2, move_s=0.8, peak_hold_s=0.4, rest_hold_s=1.0)
    found = cut(line["driver"], line.times)
    for rep, peak in zip(found, line.at("turn"), strict=True):
        # the rest band is 8 % of the range: the cosine ease leaves it 18 % into the move
        leaves = peak - 0.2 - 0.8 + 0.18 * 0.8
        np.testing.assert_allclose([rep.start_s, rep.end_s], [leaves, 2 * peak - leaves],
                                   atol=1.5 * FRAME)


@pytest.mark.parametrize("seed", range(5))
def test_count_is_exact_under_noise(seed):
    line = excursions(4)
    noisy = line["driver"] + np.random.default_rng(seed).normal(0.0, 3.0, len(line.times))
    assert_turns_at(cut(noisy, line.times), line.at("turn"), tolerance_s=0.15)


def _ending_at_the_top(reps: int, rest_hold_s: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """``reps`` complete excursions, then one more that the clip ends on, held at the top."""
    line = excursions(reps + 1, rest_hold_s=rest_hold_s)
    last_turn = line.at("turn")[-1]
    keep = line.times <= last_turn + 0.3
    return line["driver"][keep], line.times[keep]


def test_a_rep_the_clip_ends_on_counts_only_once_made():
    driver, times = _ending_at_the_top(2)
    assert len(cut(driver, times)) == 2  # without `made`: a top-start lift, not back at the top
    made = driver >= 170.0  # the lockout, reached near the top
    found = segment_reps(driver, times, DEFAULT, made=made)
    assert_well_formed(found, times)
    assert [rep.lowered for rep in found] == [True, True, False]
    last = found[-1]
    assert last.end == len(times) - 1 and last.eccentric_s is None
    # turns where the top was first held, not in the middle of a hold the clip cuts short,
    # and is made where the lockout was reached there
    assert last.made_s == times[last.start + np.flatnonzero(made[last.start:])[0]]
    near_top = 180.0 - DEFAULT.hold_tolerance * 100.0
    first_near = np.flatnonzero(driver[last.start:] >= near_top)[0] + last.start
    assert abs(last.turn - first_near) <= 2


def test_a_pull_the_clip_ends_on_short_of_lockout_is_not_a_rep():
    driver, times = _ending_at_the_top(1)
    never = np.zeros(len(times), dtype=bool)
    assert len(segment_reps(driver, times, DEFAULT, made=never)) == 1


def test_a_return_seen_only_in_the_clips_last_frame_is_no_lowering() -> None:
    """A clip whose last frame cuts to another take of the lifter at rest (calimiro's
    pull-up_10: a still camera, the same scene) drops the driver to rest in that one frame.
    The pull the clip was in is one the clip ends in: counted if made, listed if not."""
    driver, times = _ending_at_the_top(1)
    driver = np.append(driver, 80.0)  # the next take: back at rest
    times = np.append(times, times[-1] + FRAME)
    unmade = segment(driver, times, DEFAULT, made=driver >= 185.0)  # never made
    assert len(unmade.reps) == 1 and unmade.partial[-1].reason.startswith(
        "the clip ends before the rep was made")
    made = segment(driver, times, DEFAULT, made=driver >= 170.0)
    assert [rep.lowered for rep in made.reps] == [True, False]
    assert made.reps[-1].end == len(times) - 2  # the other take's frame is not the lifter's
    # live, every return is first seen in the newest frame; a stretch before the lifter left
    # the picture ends where they left, not at an edit
    for kwargs in ({"so_far": True}, {"ends_clip": False}):
        seen = segment(driver, times, DEFAULT, made=driver >= 185.0, **kwargs)
        assert len(seen.reps) == 2 and seen.reps[-1].lowered
    top_start = segment(driver, times, DEFAULT, turn_at="bottom")
    assert len(top_start.reps) == 1
    assert top_start.partial[-1].reason == "the clip ends before the return to the top"
    # seen back at rest for two frames, it was lowered
    twice = segment(np.append(driver, 80.0), np.append(times, times[-1] + FRAME), DEFAULT,
                    made=np.append(driver, 80.0) >= 185.0)
    assert len(twice.reps) == 2 and twice.reps[-1].lowered


def test_a_pull_with_no_rest_seen_before_it_is_not_made():
    # a clip (or a cut to another shot) that opens as the pull begins: its start was not seen
    line = excursions(1, lead_s=0.0, move_s=0.8, peak_hold_s=2.0)
    keep = line.times <= line.at("turn")[-1] + 0.3
    driver, times = line["driver"][keep], line.times[keep]
    assert segment_reps(driver, times, DEFAULT, made=driver >= 170.0) == []


@pytest.mark.parametrize(("back_to", "counted"), [(80.0, 2), (86.0, 2), (100.0, 1)])
def test_a_top_start_rep_is_made_only_once_back_near_its_starting_rest(back_to, counted):
    # the clip ends as the second excursion returns to ``back_to``: past ``leave`` (0.35 of the
    # 80-180 range is 115) is not back at rest; within rest_tolerance of the start (88) is
    line = excursions(2, rest_hold_s=0.6)
    last = line.at("turn")[-1]
    keep = (line.times <= last) | (line["driver"] >= back_to)
    keep[: np.flatnonzero(line.times > last)[0]] = True
    driver, times = line["driver"][keep], line.times[keep]
    found = segment(driver, times, DEFAULT)  # no `made`: a top-start lift, made back at rest
    assert len(found.reps) == counted
    if counted == 1:
        assert "before the return to the top" in found.partial[-1].reason


def test_a_top_start_rep_is_back_where_the_lifter_stays_not_where_they_first_stand() -> None:
    # a lunge: the knees straighten, then the rear foot stepping in bends its knee again (a
    # quarter of the range) before the lifter stays there, at 2.3 s; then the next rep
    line = timeline({"driver": 80.0}, [
        Key({}, 0.0, 0.5), Key({"driver": 180.0}, 0.8, 0.2), Key({"driver": 80.0}, 0.5),
        Key({"driver": 105.0}, 0.1), Key({"driver": 80.0}, 0.2, 1.0),
        Key({"driver": 180.0}, 0.8, 0.2), Key({"driver": 80.0}, 0.8, 1.0)])
    settled = 2.3
    back = segment(line["driver"], line.times, DEFAULT, turn_at="bottom").reps[0]
    assert settled - 0.1 <= back.end_s <= settled and back.made_s == back.end_s
    # a lift turning at its top is made there and ends where it first comes back: the bump
    # is the rest before the next rep
    for made in (None, line["driver"] >= 170.0):
        lowered = segment(line["driver"], line.times, DEFAULT, made=made).reps[0]
        assert lowered.end_s < settled - 0.3


@pytest.mark.parametrize(("frames", "stays"), [(5, False), (6, True), (7, True)])
def test_a_stay_of_six_frames_at_30_a_second_lasts_the_least_rest(frames: int, stays: bool):
    # back at the top, a bob out of the band, then ``frames`` frames in it before the next
    # rep's rise: each frame stands for its interval, so six frames at 30 a second are 0.2 s
    level = np.array([0.3, 0.0, 0.3, *[0.0] * frames, 0.5, 0.6])
    times = np.arange(level.size) * FRAME
    assert _at_rest(level, times, np.arange(level.size), DEFAULT) == (3 if stays else 1)


@pytest.mark.parametrize(("opens_at", "counted"), [(0.1, 3), (0.3, 2)])
def test_a_top_start_clip_opening_on_the_way_down_lists_its_first_rep(opens_at, counted):
    # the clip opens as the first rep is under way, ``opens_at`` of the 80-180 range from
    # the top: under ``leave`` (0.35), so hysteresis holds it at rest, yet at 0.3 the lifter
    # was already well on the way, far past where a lifter standing still reads
    line = excursions(3)
    first = np.flatnonzero(line["driver"] >= 80.0 + 100.0 * opens_at)[0]
    driver, times = line["driver"][first:], line.times[first:]
    found = segment(driver, times, DEFAULT, turn_at="bottom")
    assert [rep.index for rep in found.reps] == list(range(1, counted + 1))
    assert_well_formed(found.reps, times)
    listed = [p for p in found.partial if p.reason == UNDER_WAY]
    assert len(listed) == 3 - counted
    # a floor-start lift is made at the top, which the clip shows: counted either way
    assert len(segment(driver, times, DEFAULT, made=driver >= 170.0).reps) == 3


@pytest.mark.parametrize("opening", ["steps to the top", "still", "shifts, then still"])
def test_a_top_start_clip_opening_off_the_top_at_rest_counts_its_first_rep(opening):
    # a lifter a quarter of the range off the rest level the reps return to (kneeling upright
    # before glute-ham raises that end leaning back) who steps to it before the first rep, or
    # stays there until the rep (after a shift as recording starts): the rep began in the clip
    line = excursions(3, lead_s=1.0)
    driver, first_turn = line["driver"].copy(), line.at("turn")[0]
    if opening == "steps to the top":
        driver[line.times < 0.3] = 105.0
    else:
        before = line.times < first_turn
        driver[before] = np.maximum(driver[before], 105.0)
    if opening == "shifts, then still":
        driver[line.times < 0.15] = np.linspace(115.0, 105.0, int((line.times < 0.15).sum()))
    found = segment(driver, line.times, DEFAULT, turn_at="bottom")
    assert len(found.reps) == 3 and not found.partial


def test_what_is_not_a_rep_is_listed_with_why():
    driver, times = _ending_at_the_top(1)
    found = segment(driver, times, DEFAULT)  # a top-start lift: made back at the top
    assert len(found.reps) == 1
    last, = found.partial
    assert last.reason == "the clip ends before the return to the top"
    assert last.end_s == times[-1] and last.start_s > found.reps[0].end_s
    short = segment(driver, times, DEFAULT, made=np.zeros(len(times), dtype=bool))
    assert [p.reason for p in short.partial] == [
        "the clip ends before the rep was made (its lockout, apex or top)"]
    line = excursions(2)
    opened = line.times >= line.at("turn")[0] - 0.6  # the clip opens rising into the first top
    first = segment(line["driver"][opened], line.times[opened], DEFAULT)
    assert len(first.reps) == 1 and first.partial[0].reason.startswith("at the top when the clip")
    twitch = excursions(1, move_s=0.2, peak_hold_s=0.0)  # the whole way, in 0.4 s
    quick = segment(twitch["driver"], twitch.times, DEFAULT)
    assert quick.reps == [] and [p.reason for p in quick.partial] == [
        "lasts 0.33 s, less than a rep's 0.6 s"]  # rest band to rest band


@pytest.mark.parametrize(("ends_at", "listed"), [(110.0, False), (130.0, True), (138.0, True)])
def test_a_rise_the_clip_ends_in_short_of_enter_is_listed_not_dropped(
        ends_at: float, listed: bool) -> None:
    # the clip ends as the second pull rises through ``ends_at`` (range 80-180: ``leave`` is
    # 115, ``enter`` 140): past ``leave`` the lifter has left rest, yet no excursion began
    line = excursions(2)
    second = line.times > (line.at("turn")[0] + line.at("turn")[1]) / 2
    rising = second & (line["driver"] > ends_at)
    keep = line.times < line.times[np.flatnonzero(rising)[0]]
    found = segment(line["driver"][keep], line.times[keep], DEFAULT,
                    made=line["driver"][keep] >= 170.0)
    assert len(found.reps) == 1
    assert [p.reason.startswith("the clip ends during a movement that reached")
            for p in found.partial] == ([True] if listed else [])
    if listed:
        assert found.partial[0].start_s > found.reps[0].end_s - 1e-9
        assert found.partial[0].end_s == line.times[keep][-1]
        assert found.partial[0].reason.endswith(
            "% of the clip's range, short of the 60 % a rep must pass (rep_enter)")


def test_a_rise_the_clip_ends_on_made_below_enter_is_a_rep() -> None:
    """A lockout reached as the clip ends counts however far below ``enter`` it lies of a range
    an earlier, higher rep stretched (a hip thrust overarched once: the Sebitzu clip at 30
    frames a second, 0.58 of its range at the lockout the clip ends on)."""
    line = excursions(2)
    first = line.times < (line.at("turn")[0] + line.at("turn")[1]) / 2
    driver = np.where(first, 80.0 + (line["driver"] - 80.0) * 1.4, line["driver"])  # to 220
    rising = ~first & (line["driver"] > 160.0)  # 0.57 of the 80-220 range; enter is 0.6
    end = np.flatnonzero(rising)[0]
    hold = line.times[end - 1] + FRAME * np.arange(1, 10)  # held there 0.3 s as the clip ends
    driver = np.concatenate([driver[:end], np.full(len(hold), 160.0)])
    times = np.concatenate([line.times[:end], hold])
    found = segment(driver, times, DEFAULT, made=driver >= 150.0)
    assert [rep.lowered for rep in found.reps] == [True, False] and found.partial == []
    assert found.reps[-1].end == len(times) - 1
    unmade = segment(driver, times, DEFAULT, made=np.zeros(len(times), dtype=bool))
    assert len(unmade.reps) == 1 and unmade.partial[0].reason.startswith(
        "the clip ends during a movement that reached 57 %")


def test_a_twitch_as_the_clip_ends_is_not_a_movement_like_a_rep() -> None:
    line = excursions(1, lead_s=1.0)
    driver = np.concatenate([line["driver"], [80.0, 130.0, 130.0]])  # two frames at half way
    times = np.concatenate([line.times, line.times[-1] + FRAME * np.arange(1, 4)])
    found = segment(driver, times, DEFAULT, made=driver >= 170.0)
    assert len(found.reps) == 1 and found.partial == []


@pytest.mark.parametrize(("opens_s", "listed"), [(0.1, False), (-0.2, False), (-0.4, False),
                                                  (-0.5, True), (-0.6, True)])
def test_a_clip_opening_still_at_the_top_lists_no_partial_but_one_rising_into_it_does(
        opens_s, listed):
    # the first top is held from 0.2 s before its "turn" mark to 0.2 s after: opening inside the
    # hold is a lifter standing before the set, and so is opening within hold_tolerance (20 %)
    # of the top (0.4 s before the mark, 87 % of the way up); opening lower (0.5 s before the
    # mark, 70 % up), the pull rising into it is cut by the clip
    line = excursions(2)
    opened = line.times >= line.at("turn")[0] + opens_s
    found = segment(line["driver"][opened], line.times[opened], DEFAULT)
    assert len(found.reps) == 1
    assert bool(found.partial) == listed
    gappy = line["driver"][opened].copy()
    gappy[:3] = np.nan  # an unmeasured first frame may hide a pull: listed
    assert segment(gappy, line.times[opened], DEFAULT).partial


def test_made_is_at_the_top_for_floor_start_lifts_and_back_at_the_top_otherwise():
    line = excursions(1)
    top, = segment_reps(line["driver"], line.times, DEFAULT, turn_at="top")
    bottom, = segment_reps(line["driver"], line.times, DEFAULT, turn_at="bottom")
    assert top.made_s == top.turn_s and bottom.made_s == bottom.end_s


def test_a_held_top_is_made_where_it_is_reached_and_turns_in_the_middle() -> None:
    """A lockout held for 2 s is counted when it is reached, as a lifter counts it, not a
    second later; the rep still turns in the middle of the hold. A rep whose lockout is never
    reached on the way has its turnaround stand for it."""
    line = excursions(2, peak_hold_s=2.0)
    made = line["driver"] >= 170.0  # the lockout, reached near the top
    reps = segment_reps(line["driver"], line.times, DEFAULT, made=made)
    assert len(reps) == 2
    for rep in reps:
        reached = rep.start + int(np.flatnonzero(made[rep.start:])[0])
        assert rep.made_s == line.times[reached]
        assert rep.turn_s - rep.made_s >= 0.9  # half the hold
    short = segment_reps(line["driver"], line.times, DEFAULT, made=np.zeros_like(made))
    assert [rep.made_s for rep in short] == [rep.turn_s for rep in short]


def test_a_lockout_reached_late_in_the_hold_is_made_then() -> None:
    """A lockout first reached after the middle of the hold (a lifter who creeps up into it)
    is made when it is reached, never before."""
    line = excursions(1, peak_hold_s=2.0)
    (rep,) = segment_reps(line["driver"], line.times, DEFAULT)
    made = np.zeros(len(line.times), dtype=bool)
    made[rep.turn + 10:] = True
    (late,) = segment_reps(line["driver"], line.times, DEFAULT, made=made)
    assert late.turn_s == rep.turn_s and late.made_s == line.times[rep.turn + 10]


def test_a_rep_is_made_where_a_creeping_height_stops_rising_not_at_the_drivers_hold() -> None:
    """A glute bridge: the hips rise 100 in ten frames, creep up 10 more over the next ten
    (the hip angle already within its hold), stay, and come down. With the height to read, the
    rep is made at the first frame within 5 % of that 110 rise of the top (105, frame 15) where
    the lift's own condition holds; unmeasured frames are skipped, and a rep whose height is
    never near its top where it is made, or never measured, keeps its moment."""
    height = np.concatenate([np.linspace(0.0, 100.0, 11), np.linspace(101.0, 110.0, 10),
                             np.full(5, 110.0), np.linspace(88.0, 0.0, 5)])
    times = np.arange(len(height)) * FRAME
    rep = Rep(index=1, start=0, turn=22, end=30, start_s=0.0, turn_s=float(times[22]),
              end_s=float(times[30]), turn_at="top", coverage=1.0, reached_s=float(times[8]))
    made = np.arange(len(height)) >= 8
    assert reached_near_top([rep], height, made, times, 0.05)[0].made_s == times[15]
    later = reached_near_top([rep], height, np.arange(len(height)) >= 18, times, 0.05)
    assert later[0].made_s == times[18]
    gaps = height.copy()
    gaps[[14, 15]] = np.nan
    assert reached_near_top([rep], gaps, made, times, 0.05)[0].made_s == times[16]
    assert reached_near_top([rep], height, np.zeros_like(made), times, 0.05) == [rep]
    assert reached_near_top([rep], np.full(len(times), np.nan), made, times, 0.05) == [rep]


def test_made_must_give_one_flag_per_frame() -> None:
    line = excursions(1)
    flags = (line["driver"] >= 170.0).astype(float)  # 0/1 read as flags, not frame numbers
    assert segment_reps(line["driver"], line.times, DEFAULT, made=flags)
    with pytest.raises(ValueError, match="made has"):
        segment(line["driver"], line.times, DEFAULT, made=flags[:-1])


@pytest.mark.parametrize(("peak_hold_s", "rest_hold_s"), [(2.0, 0.0), (0.0, 2.0), (3.0, 3.0)])
def test_pauses_at_the_turnaround_or_at_rest_do_not_split_or_merge_reps(peak_hold_s, rest_hold_s):
    line = excursions(3, peak_hold_s=peak_hold_s, rest_hold_s=rest_hold_s)
    # the turnaround of a paused rep is the middle of the pause
    assert_turns_at(cut(line["driver"], line.times), line.at("turn"))


def test_turn_at_bottom_labels_the_halves_the_other_way_round():
    """An RDL's driver (trunk inclination) peaks at the bottom: the lowering comes first."""
    line = excursions(2, move_s=0.6, peak_hold_s=0.0)
    found = segment_reps(line["driver"], line.times, DEFAULT, turn_at="bottom")
    assert_turns_at(found, line.at("turn"))
    for rep in found:
        assert rep.eccentric_s == rep.first_half_s and rep.concentric_s == rep.second_half_s
    top = segment_reps(line["driver"], line.times, DEFAULT, turn_at="top")
    assert all(rep.eccentric_s == rep.second_half_s for rep in top)


def test_a_gap_inside_a_rep_keeps_one_rep_with_lower_coverage():
    line = excursions(3)
    values = line["driver"].copy()
    peak = line.at("turn")[1]
    gap = (line.times >= peak - 0.5) & (line.times < peak)  # the end of the rise and the top
    values[gap] = np.nan
    found = cut(values, line.times)
    assert len(found) == 3
    assert [rep.coverage == 1.0 for rep in found] == [True, False, True]
    middle = found[1]
    assert middle.coverage == pytest.approx(1 - gap.sum() / (middle.end - middle.start + 1))


@pytest.mark.parametrize(
    ("start_s", "end_s", "expected"),
    [
        (0.0, math.inf, 4),
        (1.2, math.inf, 3),  # opens mid-rise of rep 1
        (1.8, math.inf, 3),  # opens during rep 1's peak hold
        (0.0, 7.5, 3),  # ends mid-fall of rep 4
        (1.8, 7.5, 2),
    ],
)
def test_reps_cut_by_the_clip_edges_are_not_counted(start_s, end_s, expected):
    line = excursions(4)  # peaks at 1.5, 3.5, 5.5, 7.5 s
    keep = (line.times >= start_s) & (line.times < end_s)
    assert len(cut(line["driver"][keep], line.times[keep])) == expected


def test_wiggles_at_rest_and_dither_around_the_threshold_are_not_reps():
    line = excursions(2, rest_hold_s=3.0)
    t = line.times
    values = line["driver"].copy()
    rest = values <= 80.0 + 1e-9
    values[rest] += 25.0 * np.sin(2 * np.pi * 2.0 * t[rest]) ** 2  # 0-25 deg, 4 times a second
    first_rise = (t > 0.5) & (t < 1.3)
    values[first_rise] += 12.0 * np.sin(2 * np.pi * 6.0 * t[first_rise])  # dither at the 0.6 mark
    assert len(cut(values, t)) == 2


def test_a_clip_with_less_than_the_minimum_range_has_no_reps():
    line = excursions(3, peak=80.0 + 24.0)
    assert cut(line["driver"], line.times) == []
    assert len(cut(line["driver"], line.times, RepSettings(min_range=20.0))) == 3


@pytest.mark.parametrize(("move_s", "counted"), [(0.1, False), (0.2, False), (0.45, True)])
def test_excursions_quicker_than_the_minimum_duration_are_not_reps(move_s, counted):
    quick = excursions(1, move_s=move_s, peak_hold_s=0.0)
    slow = excursions(2, move_s=0.8)
    values = np.concatenate([slow["driver"], quick["driver"]])
    times = np.concatenate([slow.times, slow.times[-1] + FRAME + quick.times])
    found = cut(values, times)
    assert len(found) == 2 + counted
    # and the rule is the duration threshold itself, not the move time
    assert all(rep.end_s - rep.start_s >= DEFAULT.min_duration_s for rep in found)


def test_degenerate_drivers_give_no_reps():
    times = np.arange(50) * FRAME
    for values in (np.full(50, np.nan), np.full(50, 120.0), np.zeros(50)):
        assert cut(values, times) == []
    assert cut(np.array([]), np.array([])) == []
    assert cut(np.array([100.0]), np.array([0.0])) == []


# find_reps on synthetic tracks


LIFT_CLIPS = {
    "deadlift": (lambda **kw: hinge(4, from_floor=True, **kw), "top"),
    "romanian_deadlift": (lambda **kw: hinge(4, depth_deg=80, knee_bend_deg=20, **kw), "bottom"),
    "good_morning": (lambda **kw: hinge(4, depth_deg=85, knee_bend_deg=15, **kw), "bottom"),
    "kettlebell_swing": (lambda **kw: swing(4, **kw), "top"),
    "hip_thrust": (lambda **kw: thrust(4, **kw), "top"),
}


def track_reps(clip: Synthetic | PoseTrack, lift: str) -> list[Rep]:
    track = clip.track if isinstance(clip, Synthetic) else clip
    found = find_reps(kinematics(track), load_lift(lift)).reps
    assert_well_formed(found, track.times)
    return found


@pytest.mark.parametrize("lift", LIFT_CLIPS)
def test_tracks_give_one_rep_per_lift_turning_where_the_lifter_did(lift):
    make, turn = LIFT_CLIPS[lift]
    clip = make()
    found = track_reps(clip, lift)
    assert_turns_at(found, clip.times(turn)[: len(found)], tolerance_s=2.5 * FRAME)
    assert len(found) == 4


@pytest.mark.parametrize("lift", LIFT_CLIPS)
@pytest.mark.parametrize("seed", [0, 1])
def test_tracks_with_pixel_noise_give_the_exact_count(lift, seed):
    make, turn = LIFT_CLIPS[lift]
    clip = make(view=View(noise_px=3.0, seed=seed))
    assert_turns_at(track_reps(clip, lift), clip.times(turn), tolerance_s=0.15)


def test_a_short_dropout_is_bridged_and_costs_no_coverage():
    clip = hinge(3, from_floor=True)
    top = clip.times("top")[1]
    found = track_reps(drop(clip.track, top - 0.3, top - 0.1), "deadlift")
    assert len(found) == 3
    assert all(rep.coverage == 1.0 for rep in found)


@pytest.mark.filterwarnings("ignore:Mean of empty slice")  # see test_dropouts_raise_no_...
def test_a_long_dropout_inside_a_rep_leaves_one_rep_with_lower_coverage():
    clip = hinge(3, from_floor=True)
    top = clip.times("top")[1]
    found = track_reps(drop(clip.track, top - 0.5, top + 0.1), "deadlift")
    assert len(found) == 3
    assert found[1].coverage < 0.9
    assert found[0].coverage == found[2].coverage == 1.0


def test_a_knocked_camera_changes_no_rep():
    clip = hinge(3, from_floor=True)
    steady = track_reps(clip, "deadlift")
    for at_s in (0.5, clip.times("bottom")[1], clip.times("top")[1]):
        knocked = track_reps(knock(clip.track, at_s, dx_px=90.0, dy_px=-40.0), "deadlift")
        assert [(r.start, r.turn, r.end) for r in knocked] == [
            (r.start, r.turn, r.end) for r in steady
        ]


@pytest.mark.parametrize("lift", ["deadlift", "romanian_deadlift"])
def test_partial_reps_at_the_track_edges_are_not_counted(lift):
    make, turn = LIFT_CLIPS[lift]
    clip = make()
    marks = clip.times(turn)
    # open just after rep 1's turnaround, close just before rep 4's
    cropped = crop(clip.track, marks[0] + 0.1, marks[3] - 0.1)
    assert_turns_at(track_reps(cropped, lift), marks[1:3] - (marks[0] + 0.1), 2.5 * FRAME)


def test_a_small_hinge_between_reps_is_not_a_rep():
    """A re-grip or a half-hearted dip between RDLs, a fifth of their depth, is not counted."""
    sets = hinge(2, depth_deg=80, knee_bend_deg=20).track
    dip = hinge(1, depth_deg=16, knee_bend_deg=4, lead_in_s=0.5).track
    assert len(track_reps(concat(sets, dip, sets), "romanian_deadlift")) == 4


@pytest.mark.parametrize("lift", ["romanian_deadlift", "deadlift"])
def test_a_single_rep_in_a_long_clip_is_found(lift):
    clip = (hinge(1, depth_deg=80, knee_bend_deg=20, lead_in_s=20.0, tail_s=20.0)
            if lift == "romanian_deadlift"
            else hinge(1, from_floor=True, lead_in_s=20.0, tail_s=20.0))
    assert len(track_reps(clip, lift)) == 1


def test_dropouts_raise_no_numpy_warnings():
    clip = hinge(2, from_floor=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        track_reps(drop(clip.track, 2.0, 2.5), "deadlift")


# properties


finite_or_nan = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.just(math.nan),
    st.sampled_from([0.0, 1e5, -1e5, 90.0, 180.0]),
)


@st.composite
def drivers(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Arbitrary drivers: noise, NaN runs, constants, spikes, empty, one frame, very long."""
    n = draw(st.one_of(st.integers(0, 3), st.integers(4, 300), st.just(5000)))
    kind = draw(st.sampled_from(["random", "constant", "spiky_wave", "nan_runs"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "random":
        values = np.array(draw(st.lists(finite_or_nan, min_size=n, max_size=n)) if n <= 300
                          else rng.normal(100, 50, n))
    elif kind == "constant":
        values = np.full(n, draw(finite_or_nan))
    else:
        t = np.arange(n)
        period = draw(st.integers(2, 200))
        values = 100 + 60 * np.sin(2 * np.pi * t / period) + rng.normal(0, 5, n)
        if kind == "spiky_wave":
            spikes = rng.random(n) < 0.05
            values[spikes] = rng.choice([-1e4, 1e4, 0.0], spikes.sum())
        else:
            values[rng.random(n) < draw(st.floats(0.0, 0.9))] = np.nan
    steps = rng.uniform(0.005, 0.1, n) if draw(st.booleans()) else np.full(n, FRAME)
    return values.astype(np.float64), np.cumsum(steps) - (steps[0] if n else 0.0)


rep_settings = st.builds(
    RepSettings,
    enter=st.floats(0.4, 0.9),
    leave=st.floats(0.05, 0.39),
    rest_tolerance=st.floats(0.0, 0.3),
    min_range=st.floats(0.0, 200.0),
    min_duration_s=st.floats(0.0, 2.0),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drivers(), rep_settings, st.sampled_from(["top", "bottom"]))
def test_any_driver_gives_well_formed_reps_and_never_raises(driver, rep_settings, turn_at):
    values, times = driver
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = segment_reps(values, times, rep_settings, turn_at=turn_at)
    assert_well_formed(found, times)
    for rep in found:
        assert rep.turn_at == turn_at
        assert rep.end_s - rep.start_s >= rep_settings.min_duration_s
        segment = values[rep.frames]
        assert np.isfinite(segment[[0, -1]]).all(), "a rep starts and ends on a measured frame"


@settings(max_examples=60, deadline=None)
@given(
    reps=st.integers(0, 6),
    move_s=st.floats(0.5, 1.2),
    peak_hold_s=st.floats(0.0, 1.5),
    rest_hold_s=st.floats(0.1, 1.5),
    amplitude=st.floats(30.0, 150.0),
    rest=st.floats(-50.0, 150.0),
    noise=st.floats(0.0, 0.01),
    gaps=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(1, 4)), max_size=4),
    seed=st.integers(0, 1000),
)
def test_noisy_gappy_excursions_are_counted_exactly(
    reps, move_s, peak_hold_s, rest_hold_s, amplitude, rest, noise, gaps, seed
):
    line = excursions(reps, rest=rest, peak=rest + amplitude, move_s=move_s,
                      peak_hold_s=peak_hold_s, rest_hold_s=rest_hold_s)
    values = line["driver"] + np.random.default_rng(seed).normal(0, noise * amplitude,
                                                                len(line.times))
    for where, frames in gaps:  # dropouts of up to 4 frames anywhere
        first = int(where * (len(values) - 1))
        values[first:first + frames] = np.nan
    found = cut(values, line.times)
    assert len(found) == reps
    for rep, peak in zip(found, line.at("turn"), strict=True):
        assert abs(rep.turn_s - peak) <= peak_hold_s / 2 + 0.25 * move_s + 2 * FRAME
        assert rep.start_s < peak < rep.end_s


@pytest.mark.parametrize("lead_s", [0.0, 0.5])
def test_a_first_pull_the_clip_ends_on_needs_a_rest_before_it_and_live_counts_it_anyway(
        lead_s) -> None:
    """A clip that opens just as the pull it ends on (at lockout) leaves rest may have opened
    during that pull: not counted. Live (``so_far``) counts it at lockout all the same: if the
    set goes on, its lowering makes it a whole rep, whose brief rest ``analyze`` accepts too."""
    line = excursions(1, lead_s=lead_s)
    at_top = line.times <= line.at("turn")[0]
    driver, times = line["driver"][at_top], line.times[at_top]
    ended = segment(driver, times, DEFAULT, made=driver >= 170.0)
    live = segment(driver, times, DEFAULT, made=driver >= 170.0, so_far=True)
    assert [rep.lowered for rep in live.reps] == [False] and live.partial == []
    if lead_s < DEFAULT.min_rest_s:
        assert ended.reps == [] and ended.partial[0].reason.startswith(
            "less than 0.2 s at rest before it")
    else:
        assert ended == live
    whole = segment(line["driver"], line.times, DEFAULT, made=line["driver"] >= 170.0)
    assert [rep.lowered for rep in whole.reps] == [True]


def test_a_last_pull_still_at_the_top_is_read_to_its_own_end_not_a_cut_after_it() -> None:
    """A deadlift set whose clip cuts, in its last frame, to another take of the lifter at rest
    (``set_ends_standing``): the last pull ends the frame before the cut, and whether the lifter
    was still at the top (a stand-up after parking the bar, to the pose) is read to there."""
    driver, times = _ending_at_the_top(2)
    driver = np.append(driver, 80.0)
    times = np.append(times, times[-1] + FRAME)
    found = segment(driver, times, DEFAULT, made=driver >= 170.0)
    last = found.reps[-1]
    assert not last.lowered and last.end == len(times) - 2
    assert still_at_top(driver, last, DEFAULT)
    assert not still_at_top(driver, replace(last, end=len(times) - 1), DEFAULT)


def test_a_3d_driver_unclear_on_the_facing_side_is_read_on_the_far_side_from_the_front(
        ) -> None:
    """Filmed from the front, which side faces the camera is a close call (a live window may
    call it otherwise than the whole set: jf9ss9's deadlift, whose left hip is unclear for five
    seconds): where the facing hip is unclear, the far side's 3-D hip angle, clear, counts the
    rep. From the side the far hip is guessed, and the rep keeps its gap; unclear on both
    sides, too."""
    def hidden(clip: Synthetic, sides: tuple[str, ...]) -> list[Rep]:
        top = clip.times("top")[1]
        return track_reps(dim(clip.track, ("shoulder", "hip", "knee"), 0.2, top - 0.6,
                              top + 0.6, sides=sides), "deadlift")

    front = hinge(3, from_floor=True, view=View(yaw_deg=0.0))
    facing = kinematics(front.track)
    assert facing.facing_confidence < 0.5
    found = hidden(front, (facing.facing,))
    assert len(found) == 3 and all(rep.coverage == 1.0 for rep in found)
    both = hidden(front, ("left", "right"))
    assert len(both) == 3 and both[1].coverage < 0.9
    side = hinge(3, from_floor=True)
    near = kinematics(side.track)
    assert near.facing_confidence > 0.5
    gap = hidden(side, (near.facing,))
    assert len(gap) == 3 and gap[1].coverage < 0.9


def test_find_reps_passes_so_far_on_to_the_stretch_the_stream_ends_in() -> None:
    """A deadlift stream opening 0.05 s before a pull it ends on at lockout: live counts the
    pull (``find_reps(so_far=True)``), a clip of the same frames does not (its start may be
    before the clip's)."""
    clip = hinge(2, from_floor=True)
    track = crop(clip.track, clip.times("bottom")[0] + 0.1, clip.times("top")[0])
    kin, lift = kinematics(track), load_lift("deadlift")
    ended, live = (find_reps(kin, lift, so_far=so_far) for so_far in (False, True))
    assert ended.reps == [] and ended.partial[0].reason.startswith("less than 0.2 s at rest")
    assert [rep.lowered for rep in live.reps] == [False] and live.partial == []
