"""Cutting a lift into reps from one driver signal, with hysteresis relative to the lifter's range.

Every lift here is an excursion away from a rest position and back: the hinge leaves standing
and returns, the thrust leaves the floor and returns, the swing leaves the backswing and
returns. So a rep is: rest → turnaround → rest, where the driver signal (say, trunk inclination)
crosses a high threshold between two visits below a low one. Thresholds are fractions of the
lifter's own range in the clip, so a tall lifter seen close up and a short one seen from afar
are cut the same way; an absolute minimum range and duration keep set-up, walk-outs, re-grips
and a knocked camera from counting.

Example:
    >>> from formcheck.kinematics import kinematics
    >>> from formcheck.track import PoseTrack
    >>> kin = kinematics(PoseTrack.load("set.track.npz"))
    >>> reps = segment_reps(kin.hip_angle_3d.facing.value, kin.times, RepSettings())
    >>> len(reps), [(round(r.start_s, 1), round(r.turn_s, 1)) for r in reps[:2]]
    (10, [(3.1, 4.2), (5.6, 6.5)])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from formcheck.holds import held_for

Turn = Literal["top", "bottom"]


@dataclass(frozen=True)
class RepSettings:
    """How reps are found; see the lift's TOML file for the values used and their sources."""

    enter: float = 0.6
    """Fraction of the clip's range the driver must pass for an excursion to begin."""
    leave: float = 0.35
    """Fraction of the range the driver must fall back under for the excursion to end."""
    rest_tolerance: float = 0.08
    """Fraction of the range within which the driver counts as still at its rest value: the
    rep starts when the driver last leaves this band and ends when it first re-enters it (a
    top-start rep, where the lifter then stays in it: :func:`_at_rest`)."""
    hold_tolerance: float = 0.2
    """Fraction of the rep's amplitude within which the driver counts as held at its
    turnaround: the turnaround is the middle of that hold (a paused top or bottom)."""
    min_range: float = 25.0
    """Smallest excursion that is a rep, in the driver's own unit (degrees for angles)."""
    min_duration_s: float = 0.6
    """Shortest rep; anything quicker is a twitch or a tracking glitch."""
    min_rest_s: float = 0.2
    """Rest seen before a rep the clip ends in: less, and the pull may have begun before the
    clip (or before a cut to another shot), so its start was never seen. Also how long a
    lifter back at the top of a top-start rep must stay there for the rep to end there."""
    opening_tolerance: float = 0.14
    """How near the rest level its reps return to (as a fraction of the range above it) the
    lifter of a lift made back at the top must come before the first turnaround for that
    first excursion to be a whole rep. One that never comes this near, and leaves rest within
    ``min_rest_s`` of the clip's first frame, was on the way down when the clip opened: its
    start is not in the clip. A library constant, not a lift's threshold. Measured on the
    development clips (benchmarks.common.kept_apart): openings labelled as a whole first rep
    lie 0.09 of the range or less above the rest level (a lifter standing still reads a little
    off it: vivekkumar's dumbbell RDL), the Ulisses front squat's, labelled as opening part-way
    down, 0.18; midway, rounded. Nearer, it cannot tell: calimiro's squat_13, labelled as
    opening on the way down, opens 0.08 above (the squat's own ``rep_leave`` lists it).
    formcheck choice."""
    range_percentiles: tuple[float, float] = (1.0, 99.0)
    """The clip's range, robust to a few wild frames (the driver is smoothed already) yet
    reached by a single rep in a minute of standing around."""


@dataclass(frozen=True)
class Rep:
    """One rep: frame indices and times of its start, turnaround and end."""

    index: int
    start: int
    turn: int
    end: int
    start_s: float
    turn_s: float
    end_s: float
    turn_at: Turn
    """Whether the turnaround is the top (deadlift, swing, thrust) or the bottom (RDL, good
    morning) of the movement; decides which half is eccentric."""
    coverage: float
    """Share of the rep's frames in which the driver was measured (not a gap)."""
    lowered: bool = True
    """Whether the return to rest is in the clip. A floor-start lift is made at its top, so a
    clip that ends at the lockout still holds the rep; its end is then the last frame the
    driver was measured in (the lifter's last seen, not an end card after them)."""
    reached_s: float | None = None
    """When the rep's top was reached, made (the lockout, the chin over the bar): the first
    frame of the hold at its turnaround where the lift says so, where a lifter counts a
    floor-start rep; ``turn_s`` is the middle of the hold, where the movement turns (a lift
    naming a ``made_series``: where that height stops rising, :func:`reached_near_top`,
    which may come after ``turn_s``, as it often does in a rep the clip ends in). None
    where that never holds (a lockout short of the lift's), for a lift with no such condition,
    or for a rep built by hand: :attr:`made_s` is then ``turn_s``."""

    @property
    def first_half_s(self) -> float:
        return self.turn_s - self.start_s

    @property
    def second_half_s(self) -> float:
        return self.end_s - self.turn_s

    @property
    def eccentric_s(self) -> float | None:
        """Lowering time: before the turnaround when it is the bottom, after it when the top;
        None when the clip ends before the lowering."""
        if self.turn_at == "bottom":
            return self.first_half_s
        return self.second_half_s if self.lowered else None

    @property
    def concentric_s(self) -> float:
        """Lifting time, the other half."""
        return self.second_half_s if self.turn_at == "bottom" else self.first_half_s

    @property
    def made_s(self) -> float:
        """When a lifter would count the rep: a floor-start lift (turning at the top: deadlift,
        thrust, swing) when it reaches its top, not after holding it; a top-start lift (turning
        at the bottom: RDL, good morning) back at the top."""
        if self.turn_at == "bottom":
            return self.end_s
        return self.turn_s if self.reached_s is None else self.reached_s

    @property
    def frames(self) -> slice:
        return slice(self.start, self.end + 1)

    @property
    def concentric(self) -> slice:
        """Frames of the lifting half, the turnaround included at its end or start."""
        if self.turn_at == "bottom":
            return slice(self.turn, self.end + 1)
        return slice(self.start, self.turn + 1)


STARTS_UNDER_WAY = {
    "top": "at the top when the clip starts (standing before the set, or a lockout or apex "
           "whose lift is not in the clip)",
    "bottom": "under way when the clip starts: its start is not in the clip",
}
"""Why the excursion a clip opens in is not a rep, by where the lift turns."""

UNDER_WAY = STARTS_UNDER_WAY["bottom"]
"""Why a rep the clip opens on the way into is not one, wherever the lift turns."""


@dataclass(frozen=True)
class Partial:
    """A movement like a rep that is not counted, and why: cut by the clip's start or end,
    short of the lift's range, or (:func:`formcheck.counting.find_reps`) a lifter standing up
    without the weight. Listed so that nothing is dropped silently."""

    start_s: float
    end_s: float
    reason: str


@dataclass(frozen=True)
class Segments:
    """What a driver signal was cut into: the reps counted, and the movements that were not."""

    reps: list[Rep]
    partial: list[Partial]


def driver_range(driver: np.ndarray, settings: RepSettings) -> tuple[float, float] | None:
    """The lifter's rest and far ends of the driver in this clip (robust percentiles), or None
    when nothing was measured; live shows the phase against the same range reps are cut on."""
    finite = driver[np.isfinite(driver)]
    if finite.size == 0:
        return None
    lo, hi = np.percentile(finite, settings.range_percentiles)
    return float(lo), float(hi)


def normalise(driver: np.ndarray, settings: RepSettings, range_from: np.ndarray | None = None
              ) -> tuple[np.ndarray, float]:
    """The driver rescaled to 0 at the clip's rest end and 1 at its far end, and that range;
    ``range_from``: the driver whose ends those are (default: ``driver`` itself)."""
    found = driver_range(driver if range_from is None else range_from, settings)
    span = 0.0 if found is None else found[1] - found[0]
    if found is None or span <= 0:
        return np.full(driver.shape, np.nan), 0.0
    return (driver - found[0]) / span, span


def hysteresis(level: np.ndarray, enter: float, leave: float) -> np.ndarray:
    """Per frame: 1 inside an excursion, 0 at rest, -1 before the first decided frame.

    Between the thresholds (and through NaN gaps) a frame keeps the state of the last frame
    that was decided, which is what stops noise around one threshold from splitting a rep.
    """
    code = np.full(level.shape, -1, dtype=np.int8)
    code[level >= enter] = 1
    code[level <= leave] = 0
    decided = np.where(code >= 0, np.arange(level.size), -1)
    last = np.maximum.accumulate(decided) if level.size else decided
    return np.where(last >= 0, code[np.maximum(last, 0)], -1)


def segment_reps(
    driver: np.ndarray,
    times: np.ndarray,
    settings: RepSettings | None = None,
    *,
    turn_at: Turn = "top",
    made: np.ndarray | None = None,
) -> list[Rep]:
    """Reps in a driver signal whose turnaround is its maximum (negate it for a minimum); the
    reps of :func:`segment`."""
    return segment(driver, times, settings, turn_at=turn_at, made=made).reps


def segment(
    driver: np.ndarray,
    times: np.ndarray,
    settings: RepSettings | None = None,
    *,
    turn_at: Turn = "top",
    made: np.ndarray | None = None,
    range_from: np.ndarray | None = None,
    so_far: bool = False,
    ends_clip: bool = True,
) -> Segments:
    """The reps in a driver signal whose turnaround is its maximum, and the excursions that are
    not reps, with why.

    An excursion already under way when the clip starts is not a rep: its start was never seen.
    Without ``made``, neither is a first rep the clip opens already on its way out of, which
    hysteresis holds at rest while under ``leave`` (:func:`_opens_on_the_way`). One the clip
    ends in is a rep only where ``made`` (per frame: the lift's lockout reached) says it was
    made before the end, after at least ``min_rest_s`` of rest: a lifter counts a pull at
    lockout, whether or not the camera stays for the lowering. ``ends_clip``: the driver runs
    to the clip's end (not to where the lifter left the picture: :func:`formcheck.counting.
    in_sight`), so an excursion back under ``leave`` only in its last measured frame is one
    the clip ends in, that frame not the lifter's: one frame shows no lowering, and a clip's
    last frame is where an edit cuts to another shot. Not while the set goes on (``so_far``),
    where every return is first seen in the newest frame. Without ``made`` (a top-start
    lift, made only back at the top) it is not a rep. ``made`` also says when each rep was made
    (:attr:`Rep.reached_s`). ``range_from``: the driver of the whole clip when ``driver`` is a
    stretch of it, cut against the whole clip's range.

    ``so_far``: the driver of a set still going on (live). A first rep it ends in, made, counts
    however briefly the lifter was at rest before it: lowered, it will be a whole rep (its
    start at rest was seen, however briefly), and only a set that ends on this lockout can show
    that its start may have been before the stream's.
    """
    settings = settings or RepSettings()
    times = np.asarray(times, dtype=np.float64)
    driver = np.asarray(driver, dtype=np.float64)
    if made is not None:
        made = np.asarray(made, dtype=bool)
        if made.shape != driver.shape:
            raise ValueError(f"made has {made.shape} frames, the driver {driver.shape}")
    level, span = normalise(driver, settings, range_from)
    if span < settings.min_range:
        return Segments([], [])
    state = hysteresis(level, settings.enter, settings.leave)
    change = np.flatnonzero(np.diff(state)) + 1
    enters = change[(state[change] == 1) & (state[change - 1] == 0)]
    leaves = change[(state[change] == 0) & (state[change - 1] == 1)]
    rests = np.flatnonzero(state == 0)
    reps: list[Rep] = []
    partial: list[Partial] = []
    decided = state[state >= 0]
    if decided.size and decided[0] == 1:
        until = int(leaves[0]) if leaves.size else level.size - 1
        if not (turn_at == "top" and _opens_still_at_top(level[: until + 1], settings)):
            partial.append(Partial(float(times[0]), float(times[until]),
                                   STARTS_UNDER_WAY[turn_at]))
    measured = np.flatnonzero(np.isfinite(level))
    last = int(measured[-1]) if measured.size else -1
    for enter in enters:
        after = leaves[leaves > enter]
        cut_back = ends_clip and not so_far and after.size > 0 and after[0] == last
        if after.size == 0 or cut_back:
            # a still camera's next take of the lifter, whose cut the picture does not show,
            # reads as a one-frame lowering: drop that frame
            shown, made_by = _without(level, made, last) if cut_back else (level, made)
            tail = _made_at_end(shown, span, times, state, int(enter), made_by, settings, so_far)
            if isinstance(tail, str):
                partial.append(Partial(float(times[enter]), float(times[-1]), tail))
            else:
                start, turn, end, reached = tail
                reps.append(_rep(len(reps) + 1, start, turn, end, times, level, turn_at,
                                 lowered=False, reached=reached))
            break
        leave = int(after[0])
        rest_before = rests[rests < enter]
        previous_leave = leaves[leaves < enter]
        floor = int(previous_leave[-1]) if previous_leave.size else 0
        before = np.arange(max(floor, int(rest_before[0])), enter)
        following = enters[enters > leave]
        ceiling = int(following[0]) if following.size else level.size
        after_rest = np.arange(leave, ceiling)
        start = _band_edge(level, before, settings.rest_tolerance, last=True)
        back = _band_edge(level, after_rest, settings.rest_tolerance, last=False)
        end = _at_rest(level, times, after_rest, settings) if turn_at == "bottom" else back
        if made is None and _return_cut(level, after_rest, start, settings):
            partial.append(Partial(float(times[start]), float(times[-1]),
                                   "the clip ends before the return to the top"))
            break
        span_frames = slice(start, end + 1)
        top = start + _plateau(level[span_frames], settings.hold_tolerance)
        turn = int(top[0] + top[-1]) // 2
        amplitude = (np.nanmax(level[span_frames]) - np.nanmin(level[span_frames])) * span
        # how long the movement took, to its first return: a bob before the lifter stays
        # back at the top does not make a twitch last as long as a rep
        short = _short_of_a_rep(amplitude, float(times[back] - times[start]), settings)
        if short is not None:
            partial.append(Partial(float(times[start]), float(times[end]), short))
            continue
        reps.append(_rep(len(reps) + 1, start, turn, end, times, level, turn_at, lowered=True,
                         reached=_made_on_top(made, top)))
    if (made is None and reps and not any(cut.start_s < reps[0].start_s for cut in partial)
            and _opens_on_the_way(level, times, reps, settings)):
        first, *reps = reps
        partial.insert(0, Partial(float(times[0]), first.end_s, UNDER_WAY))
        reps = [replace(rep, index=i) for i, rep in enumerate(reps, start=1)]
    cut = bool(partial) and partial[-1].end_s == float(times[-1])  # the end listed already
    rising = None if cut else _rising_at_end(level, span, times, state, settings)
    if rising is not None:
        left, listed = rising
        # a rise the clip ends on is made at its lockout, as the lift itself says (``made``),
        # whether or not it passed ``enter`` of a range an earlier rep may have stretched
        tail = None if made is None else _made_at_end(level, span, times, state, left, made,
                                                      settings, so_far)
        if tail is None or isinstance(tail, str):
            partial.append(listed)
        else:
            start, turn, end, reached = tail
            reps.append(_rep(len(reps) + 1, start, turn, end, times, level, turn_at,
                             lowered=False, reached=reached))
    return Segments(reps, partial)


def _without(level: np.ndarray, made: np.ndarray | None, frame: int
             ) -> tuple[np.ndarray, np.ndarray | None]:
    """``level`` and ``made`` with ``frame`` unmeasured and not made."""
    level = level.copy()
    level[frame] = np.nan
    if made is not None:
        made = made.copy()
        made[frame] = False
    return level, made


def _short_of_a_rep(amplitude: float, duration_s: float, settings: RepSettings, *,
                    lift_only: bool = False) -> str | None:
    """Why an excursion is too small or too quick for a rep, or None; ``lift_only``: only its
    lifting half (and any hold at the top) is in the clip, which must last half of what a
    whole rep must."""
    if amplitude < settings.min_range:
        return (f"travels {amplitude:.3g}, less than a rep's {settings.min_range:g} "
                "(rep_min_range)")
    shortest = settings.min_duration_s / (2 if lift_only else 1)
    if duration_s < shortest:
        return (f"{'its lift ' if lift_only else ''}lasts {duration_s:.2f} s, less than "
                f"{'half ' if lift_only else ''}a rep's {settings.min_duration_s:g} s")
    return None


def _rep(
    index: int, start: int, turn: int, end: int, times: np.ndarray, level: np.ndarray,
    turn_at: Turn, *, lowered: bool, reached: int | None = None,
) -> Rep:
    """``reached``: the frame where the rep was made (:func:`_made_on_top`), if known."""
    return Rep(
        index=index, start=start, turn=turn, end=end,
        start_s=float(times[start]), turn_s=float(times[turn]), end_s=float(times[end]),
        turn_at=turn_at, coverage=float(np.isfinite(level[start:end + 1]).mean()),
        lowered=lowered, reached_s=None if reached is None else float(times[reached]),
    )


def _made_at_end(
    level: np.ndarray, span: float, times: np.ndarray, state: np.ndarray, enter: int,
    made: np.ndarray | None, settings: RepSettings, so_far: bool = False,
) -> tuple[int, int, int, int | None] | str:
    """(start, turn, end, made frame) of the excursion the clip ends in, if it was made; else
    why not.

    Its turnaround is where the lockout is first held (within ``hold_tolerance`` of the peak):
    the middle of a hold the clip cuts short is unknown, the moment it was reached is not.
    ``so_far``: :func:`segment`'s (no least rest before a first rep).
    """
    if made is None:
        return "the clip ends before the return to the top"
    if not made[enter:].any():
        return "the clip ends before the rep was made (its lockout, apex or top)"
    previous = np.flatnonzero(state[:enter] == 1)
    rest = np.flatnonzero(state[: enter] == 0)
    rest = rest[rest > previous[-1]] if previous.size else rest
    unseen = (f"less than {settings.min_rest_s:g} s at rest before it: its start may be "
              "before the clip (or a cut)")
    if rest.size == 0:
        return unseen
    window = np.arange(int(rest[0]), enter)
    start = _band_edge(level, window, settings.rest_tolerance, last=True)
    settled = _band_edge(level, window, settings.rest_tolerance, last=False)
    # an earlier excursion bounds the rest: the start was seen, however brief the rest
    if not (previous.size or so_far) and times[start] - times[settled] < settings.min_rest_s:
        return unseen
    peak, low = np.nanmax(level[start:]), np.nanmin(level[start:])
    amplitude = peak - low
    tail = np.nan_to_num(level[enter:], nan=-np.inf)
    top = enter + np.flatnonzero(tail >= peak - settings.hold_tolerance * amplitude)
    short = _short_of_a_rep(amplitude * span, float(times[-1] - times[start]), settings,
                            lift_only=True)
    if short is not None:
        return short
    return start, int(top[0]), int(np.flatnonzero(np.isfinite(level))[-1]), _made_on_top(made, top)


def _rising_at_end(level: np.ndarray, span: float, times: np.ndarray, state: np.ndarray,
                   settings: RepSettings) -> tuple[int, Partial] | None:
    """A movement the clip ends in before it reaches ``enter``: the lifter left rest and was
    still under way (above ``leave``) at the last measured frame; with the frame where it left
    rest. Hysteresis keeps such a frame at rest, so no excursion begins and nothing would say
    the movement was seen; a lifter whose last rep the camera stops filming half-way up asks
    where it went."""
    measured = np.flatnonzero(np.isfinite(level))
    at_rest = np.flatnonzero(level <= settings.leave)
    if not measured.size or not at_rest.size or state[measured[-1]] == 1:
        return None
    left, last = int(at_rest[-1]), int(measured[-1])
    if last <= left:
        return None
    began = np.flatnonzero(state[:left] == 1)
    window = np.arange(int(began[-1]) + 1 if began.size else 0, left + 1)
    start = _band_edge(level, window, settings.rest_tolerance, last=True)
    peak = float(np.nanmax(level[left:]))
    share = peak - float(level[start])  # of the clip's range: what the cut rise covered
    # a twitch or a glitch as the clip ends is no movement like a rep: too small, or quicker
    # over its share of the range than the lift of the quickest rep (half of min_duration_s)
    if (share * span < settings.min_range
            or times[last] - times[start] < share * settings.min_duration_s / 2):
        return None
    return left + 1, Partial(
        float(times[start]), float(times[last]),
        f"the clip ends during a movement that reached {math.floor(100 * peak)} % of the "
        f"clip's range, short of the {100 * settings.enter:g} % a rep must pass (rep_enter)")


def _return_cut(level: np.ndarray, window: np.ndarray, start: int,
                settings: RepSettings) -> bool:
    """Whether the clip ends on the way back to rest: ``window`` (an excursion's frames from
    falling under ``leave``) runs into the clip's last measured frame without coming back
    within ``rest_tolerance`` of the level the excursion started from. ``leave`` only ends the
    excursion; a lift made back at the top (an RDL, a squat) is not made while the lifter is
    still rising through it, half-way between the turnaround and standing."""
    seen = window[np.isfinite(level[window])]
    if not seen.size or seen[-1] != np.flatnonzero(np.isfinite(level))[-1]:
        return False
    return bool(np.min(level[seen]) > level[start] + settings.rest_tolerance)


def _opens_still_at_top(opening: np.ndarray, settings: RepSettings) -> bool:
    """Whether a clip that opens at the top (``opening``: its level, 0 at rest and 1 at the
    clip's far end, until it first falls under ``leave``) opens already held there: a lifter
    standing before the set (or at a lockout whose pull is not in the clip), no movement in
    the clip before it, so no partial rep. Held: its first frame within ``hold_tolerance`` (of
    the clip's range) of the opening's peak, the band a turnaround's hold is measured in (a
    lifter settling into a stand shifts the TBY66 hips by 15°, an eighth of their range). A
    pull the clip opens in rises into that band from below, and an unmeasured first frame may
    hide one: both are listed."""
    if not opening.size or not np.isfinite(opening[0]):
        return False
    return bool(opening[0] >= np.nanmax(opening) - settings.hold_tolerance)


def _opens_on_the_way(level: np.ndarray, times: np.ndarray, reps: list[Rep],
                      settings: RepSettings) -> bool:
    """Whether the first of ``reps`` (of a lift made back at the top) was already under way
    when the clip opened: the lifter came no nearer the rest level before its turnaround
    than ``opening_tolerance`` above the one the reps return to (the median of their ends),
    and the rep left rest less than ``min_rest_s`` after the clip's first measured frame,
    as a pull with less rest than that before it is one whose start may be before the clip.

    Hysteresis alone holds such an opening at rest whenever it lies under ``leave``, a band
    wide enough for a lifter who stands a little differently between reps; a user who pressed
    record as the bar passed the knees did not film a whole rep, and a coach would not count
    it. A lifter who stands still first, wherever (kneeling upright before glute-ham raises
    that end leaning back), or steps to the top, began the rep in the clip, and it counts. So
    does a lowering slow enough to stay within ``rest_tolerance`` of where the clip opened for
    ``min_rest_s`` (slower than 0.4 of the range a second where the clip opens): what the clip
    shows of it reads as a rest."""
    before = np.flatnonzero(np.isfinite(level[: reps[0].turn + 1]))
    rest = float(np.nanmedian(level[[rep.end for rep in reps]]))
    return bool(before.size) and bool(
        level[before].min() > rest + settings.opening_tolerance
        and times[reps[0].start] - times[before[0]] < settings.min_rest_s)


def _band_edge(level: np.ndarray, window: np.ndarray, tolerance: float, *, last: bool) -> int:
    """The last (or first) frame of ``window`` within ``tolerance`` of the window's lowest level.

    Why not simply the lowest frame: a lifter who pauses at rest has a flat minimum, and the rep
    begins when the pause ends (and ends when the next pause begins: its first frame), not at
    its noisiest dip.
    """
    values = level[window]
    near = window[values <= np.nanmin(values) + tolerance]
    return int(near[-1] if last else near[0])


def _at_rest(level: np.ndarray, times: np.ndarray, window: np.ndarray,
             settings: RepSettings) -> int:
    """Where a top-start rep (turning at the bottom, made back at the top) is back: the first
    frame of ``window`` (its return to the next rep's rise) within ``rest_tolerance`` of the
    window's lowest level that stays there for ``min_rest_s``, or to the window's end (the
    clip's; frames unmeasured neither break nor make the stay); if none stays that long, the
    first within it at all.

    Why not simply the first: standing up is not the end of every return. A lunge's knees
    straighten before the rear foot is back beside the front one, and stepping it in bends its
    knee again (0.4 s early on three labelled reps); a squatter may rock once at the top. The
    lifter is back when they stay there, for as long as a rest before a first rep must last
    to show its start was seen."""
    values = level[window]
    measured = np.flatnonzero(np.isfinite(values))  # an unmeasured frame is skipped over
    near = values[measured] <= np.nanmin(values) + settings.rest_tolerance
    frame = float(np.median(np.diff(times[window]))) if len(window) > 1 else 0.0
    # n frames stand for n frame intervals (six at 30 a second are 0.2 s)
    lasted = held_for(near, times[window[measured]]) + frame
    to_the_end = np.logical_and.accumulate(near[::-1])[::-1]
    stays = near & (to_the_end | (lasted >= settings.min_rest_s - 1e-9))  # float sums
    return int(window[measured[np.argmax(stays if stays.any() else near)]])


def reached_near_top(reps: list[Rep], height: np.ndarray, made: np.ndarray, times: np.ndarray,
                     tolerance: float) -> list[Rep]:
    """``reps`` (turning at their top), each made at the first of its frames ``made`` holds in
    where ``height`` comes within ``tolerance`` of its rise in the rep (from the lowest before
    its highest) of that highest; a rep in which it never does, or ``height`` is unmeasured,
    keeps the moment it was made, as does one whose height is highest where it starts.

    Why: the driver's hold at a turnaround (``hold_tolerance`` of the rep's amplitude) is wide
    where the last of the movement comes slowly. A thrust's hips open most of the way fast and
    then creep up for up to half a second (glute bridges) while the hip angle is already within
    a fifth of its peak; a lifter counts the thrust when the hips stop rising. A rep the clip
    ends in rises to its last frame: its highest is the highest yet."""
    kept = []
    for rep in reps:
        window = height[rep.start:rep.end + 1]
        if not np.isfinite(window).any():
            kept.append(rep)
            continue
        peak_at = int(np.nanargmax(window))
        peak, low = window[peak_at], np.nanmin(window[:peak_at + 1])
        if not peak > low:  # highest where the rep starts: no rise to read
            kept.append(rep)
            continue
        near = np.nan_to_num(window, nan=-np.inf) >= peak - tolerance * (peak - low)
        hits = np.flatnonzero(near & made[rep.start:rep.end + 1])
        kept.append(replace(rep, reached_s=float(times[rep.start + hits[0]])) if hits.size
                    else rep)
    return kept


def _plateau(level: np.ndarray, tolerance: float) -> np.ndarray:
    """The frames that come within ``tolerance`` of the rep's peak, as a share of the rep's own
    amplitude: the hold at its turnaround, whose middle (first to last frame) is the turn.

    A lifter holding the top of a thrust (or pausing at the bottom of an RDL) turns around in
    the middle of the hold; the single highest frame within it is just noise, and the hold may
    sag in the middle (a thrust's hips settle), so the hold is all the frames near the peak.
    """
    peak, low = np.nanmax(level), np.nanmin(level)
    return np.flatnonzero(np.nan_to_num(level, nan=-np.inf) >= peak - tolerance * (peak - low))


def _made_on_top(made: np.ndarray | None, top: np.ndarray) -> int | None:
    """Where the rep was made: the first of the ``top`` frames (the hold at its turnaround)
    where ``made`` says so. A lifter counts a pull when the lockout is reached, not half-way
    through holding it, and a box jump standing tall on the box, not on landing. None where it
    never is (a lockout short of the lift's), or without ``made``: the turnaround stands for
    it."""
    if made is None:
        return None
    hits = top[made[top]]
    return int(hits[0]) if hits.size else None
