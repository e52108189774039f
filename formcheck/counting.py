"""Counting: the lift's reps in a clip, when each is made, and what is not a rep, with why.

Apart from :mod:`formcheck.reps` (which cuts any driver signal) because this is where the lift
comes in: which series drives its reps, when its reps are made (``made_at``: at the lockout, at
a swing's apex, standing tall on a box, with the driver at its top, with the chin over the
bar, racked, back at the top), and what only the body tells,
such as a lifter walking off after the set.
``analyze`` and ``live`` count through :func:`find_reps`.

Example:
    >>> from formcheck.config import load_lift
    >>> from formcheck.kinematics import kinematics
    >>> from formcheck.track import PoseTrack
    >>> from formcheck.analysis import analysis_series
    >>> lift = load_lift("deadlift")
    >>> found = find_reps(kinematics(PoseTrack.load("set.track.npz"), analysis_series(lift)), lift)
    >>> len(found.reps), found.partial  # it opens standing still before the set: no partial
    (10, [])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from formcheck.holds import sustained
from formcheck.kinematics import Kinematics
from formcheck.lift import MADE_SERIES, Lift
from formcheck.metrics import vertical_velocity
from formcheck.reps import (
    STARTS_UNDER_WAY,
    Partial,
    Rep,
    RepSettings,
    Segments,
    Turn,
    normalise,
    reached_near_top,
    segment,
)
from formcheck.series import Sided
from formcheck.sight import OffPicture


def rep_settings(lift: Lift) -> RepSettings:
    return RepSettings(
        enter=lift.value("rep_enter"),
        leave=lift.value("rep_leave"),
        hold_tolerance=lift.value("rep_hold_tolerance"),
        min_range=lift.value("rep_min_range"),
        min_duration_s=lift.value("rep_min_duration"),
    )


class Line(NamedTuple):
    """The driver as a straight line of its stand-in (:func:`stand_in_line`)."""

    slope: float
    intercept: float
    low: float = -np.inf
    high: float = np.inf
    """How far an estimate may go: the driver's range over the frames the line was fitted on,
    widened by that range once more each way (a steep line fitted over few frames must not
    invent a knee bent past any knee)."""


def driver_signal(kin: Kinematics, lift: Lift, line: Line | None = None) -> np.ndarray:
    """The series whose maximum is the lift's turnaround, NaN where the joints were unclear:
    a sided driver's facing side, or a single driver (read from both sides at once); where
    the lift names a ``driver_stand_in``, its gaps filled from it (:func:`stood_in`) along
    ``line``, or one fitted over ``kin`` (live passes the line of its whole window to its
    last second, too short to fit one)."""
    driver = _trusted(kin, lift.driver, lift)
    if lift.driver_stand_in is None:
        return driver
    return stood_in(driver, _trusted(kin, lift.driver_stand_in, lift), line)


def driver_line(kin: Kinematics, lift: Lift) -> Line | None:
    """The line along which the lift's stand-in fills its driver over ``kin``, if any."""
    if lift.driver_stand_in is None:
        return None
    return stand_in_line(_trusted(kin, lift.driver, lift),
                         _trusted(kin, lift.driver_stand_in, lift))


def _trusted(kin: Kinematics, name: str, lift: Lift) -> np.ndarray:
    """The series ``name`` where its landmarks are clear: a sided one on the facing side; one
    measured in 3-D where the facing side is a close call (:data:`CLOSE_CALL`), on the far
    side where the facing side is unclear and the far side is clear.

    Why: from the front, or with a lifter turned part-way, which side faces the camera is a
    close call (a live window and the whole set may call it differently), and either hip is
    as well placed in the world landmarks; the hips of a lift on both legs open and close
    together (a single-leg lift, judged on its working leg, is not filled). From the side the
    far hip is hidden and guessed (BichraiX good007's, 17° from the near one's), and a 2-D
    angle on the far side is another projection: neither fills."""
    measure = kin[name]
    least = lift.value("min_visibility")
    if not isinstance(measure, Sided):
        return measure.trusted(least)
    near = measure.facing.trusted(least)
    if (name not in HIPS_3D or kin.working_leg is not None
            or kin.facing_confidence >= CLOSE_CALL):
        return near
    return np.where(np.isfinite(near), near, measure.far.trusted(least))


HIPS_3D = ("hip_angle_3d", "hip_flexion_3d")
"""The drivers and lockout read on either hip from the front (:func:`_trusted`); not on a lift
judged on its working leg, whose far hip is the free leg's."""


CLOSE_CALL = 0.5
"""Agreement of the frames on the facing side (:attr:`Kinematics.facing_confidence`) under
which it is a close call. Measured on the labelled clips of the lifts with a 3-D hip driver or
lockout: 0.18-0.31 filmed from the front or turning (Ulisses' deadlift, jf9ss9's, a front-on
swing; jf9ss9's live window at 21 s 0.24), 0.6 the next, 0.8-1.0 from the side."""


STAND_IN_MIN_FRAMES = 15
"""Fewest frames in which driver and stand-in must both be seen for a line fitted between them
to say anything: half a second at 30 frames/s. formcheck choice."""

STAND_IN_MIN_CORRELATION = 0.9
"""How closely the stand-in must follow the driver (the absolute correlation over the frames
both are seen in) before it fills the driver's gaps. Measured: a squat's knee flexion against
its hip's height over the knee, -0.89 to -0.997 over the 10 labelled squat clips (the lowest an
edited montage; -0.96 on the one with gaps to fill, TheSebitzu's front squat, whose ankles are
unclear in 141 of its 289 frames); a stand-in that follows the driver less closely fills
nothing. formcheck choice of where to stop."""


def stand_in_line(driver: np.ndarray, stand_in: np.ndarray) -> Line | None:
    """The straight line that best maps ``stand_in`` onto ``driver`` over the frames where both
    are seen; None where they are seen together too seldom or follow each other too loosely
    (:data:`STAND_IN_MIN_FRAMES`, :data:`STAND_IN_MIN_CORRELATION`)."""
    both = np.isfinite(driver) & np.isfinite(stand_in)
    if both.sum() < STAND_IN_MIN_FRAMES:
        return None
    x, y = stand_in[both], driver[both]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(x, y)[0, 1]
    if not abs(r) >= STAND_IN_MIN_CORRELATION:  # NaN too: a constant series follows nothing
        return None
    slope, intercept = np.polyfit(x, y, 1)
    span = float(y.max() - y.min())
    return Line(float(slope), float(intercept), float(y.min()) - span, float(y.max()) + span)


def stood_in(driver: np.ndarray, stand_in: np.ndarray, line: Line | None = None) -> np.ndarray:
    """``driver``, with each frame where it is unseen and ``stand_in`` is seen estimated from
    ``stand_in`` along ``line`` (by default :func:`stand_in_line` of these frames).

    Why: a front camera often loses the ankles of a squatting lifter (knee sleeves, baggy
    trousers, the rack's uprights), and with them the knee's angle, while it sees the hips and
    knees, whose heights move with the knee's bend. The line is the clip's own, so the stand-in
    needs no unit of the driver's; a frame where the driver is seen keeps its value, and an
    estimate stays within the line's bounds. A filled frame counts as seen downstream (the
    lifter was tracked there: hips and knees were clear).
    """
    gaps = ~np.isfinite(driver) & np.isfinite(stand_in)
    if not gaps.any():
        return driver
    if line is None and (line := stand_in_line(driver, stand_in)) is None:
        return driver
    filled = driver.copy()
    filled[gaps] = np.clip(line.intercept + line.slope * stand_in[gaps], line.low, line.high)
    return filled


def find_reps(kin: Kinematics, lift: Lift, *, so_far: bool = False,
              cuts: Sequence[float] = (), away: Sequence[OffPicture] = ()) -> Segments:
    """The lift's reps, counting one the clip ends in if it was made (:func:`made_frames`),
    the lifter then stood in place, not walked off, and (``lift.set_ends_standing``) no rep
    with its lowering came before it; and what was not counted, with why. ``cuts``: times
    where an edited video changes shot (:func:`spliced`); ``away``: spans in which the lifter
    was out of the picture (:func:`in_sight`).

    ``so_far``: the reps of a set still going on (live), where a pull the stream ends on at
    lockout is the rep just made, whatever came before: only the end of the set can tell it
    from standing up without the weight, so live counts it now and the end decides.
    """
    driver = driver_signal(kin, lift)
    made = made_frames(kin, lift, driver)
    found = in_sight(driver, kin.times, rep_settings(lift), turn_at=lift.turn_at, made=made,
                     away=away, so_far=so_far)
    found = spliced(caught(kin, lift, made, topped(kin, lift, made, bent_over(
        kin, lift, held_on(kin, lift, found)))), cuts)
    last = found.reps[-1] if found.reps else None
    if last is None or last.lowered:
        return found
    if "feet_x" in MADE_SERIES[lift.made_at] and walked_off(kin, lift, last):
        reason = "the lifter then walked off: stood up without the weight, not a lockout"
    elif (lift.set_ends_standing and len(found.reps) > 1 and not so_far
          and still_at_top(driver, last, rep_settings(lift))):
        reason = ("a last rise after the set with no lowering in the clip: a last pull, or "
                  "standing up without the weight, which the pose alone cannot tell apart")
    else:
        return found
    return Segments(found.reps[:-1],
                    [*found.partial, Partial(last.start_s, last.end_s, reason)])


def in_sight(driver: np.ndarray, times: np.ndarray, settings: RepSettings, *, turn_at: Turn,
             made: np.ndarray | None, away: Sequence[OffPicture], so_far: bool = False
             ) -> Segments:
    """:func:`~formcheck.reps.segment`, each stretch of the clip between the spans in which
    the lifter was out of the picture (``away``, :func:`formcheck.sight.off_picture`) cut on
    its own, against the whole clip's range.

    Why apart: nothing is known of the movement out of the picture. Cut as one, the driver
    before a span and after it join into a 'rep' that may be two, or hide the turnaround of
    one. Cut apart, a stretch's ends are where the lifter left the picture and came back, as a
    clip's ends are: a rep made in sight before the lifter left (a lockout reached, then the
    camera swung away) is counted, and one under way as they left or came back is listed, not
    counted, with why (:func:`_across`). ``so_far`` (:func:`find_reps`) reaches only the last
    stretch, the one the stream ends in: a stretch the lifter left the picture from is never
    lowered in sight."""
    reps: list[Rep] = []
    partial: list[Partial] = []
    level, _ = normalise(driver, settings)
    seen = np.isfinite(level)
    starts = [0, *(int(np.searchsorted(times, span.end_s)) for span in away)]
    stops = [*(int(np.searchsorted(times, span.start_s)) + 1 for span in away), len(times)]
    before: _Edge | None = None  # how the stretch before the span just passed ended
    for k, (first, stop) in enumerate(zip(starts, stops, strict=True)):
        found = (segment(driver[first:stop], times[first:stop], settings, turn_at=turn_at,
                         made=None if made is None else made[first:stop], range_from=driver,
                         so_far=so_far and k == len(away), ends_clip=k == len(away))
                 if stop - first > 1 else Segments([], []))
        measured = first + np.flatnonzero(seen[first:stop])
        others = list(found.partial)
        if before is not None and measured.size:  # the lifter came back as this stretch begins
            coming = next((cut for cut in others if cut.start_s == times[first]
                           and cut.reason in STARTS_UNDER_WAY.values()), None)
            if coming is not None:
                others.remove(coming)
            partial += _across(away[k - 1], before, coming, level[measured[0]] > settings.leave,
                               settings)
        reps += [replace(rep, index=len(reps) + i + 1, start=rep.start + first,
                         turn=rep.turn + first, end=rep.end + first)
                 for i, rep in enumerate(found.reps)]
        before = None
        if k < len(away) and measured.size:  # the lifter leaves as this stretch ends
            last = measured[-1]
            leaving = next((cut for cut in others if cut.end_s == times[last]
                            and cut.reason.startswith("the clip ends")), None)
            if leaving is not None:
                others.remove(leaving)
            made_last = bool(reps) and not reps[-1].lowered and reps[-1].end == last
            before = _Edge(leaving, bool(level[last] > settings.leave), made_last)
        partial += others
    return Segments(reps, sorted(partial, key=lambda cut: cut.start_s))


class _Edge(NamedTuple):
    """How a stretch ended as the lifter left the picture: a movement cut there (``leaving``),
    whether the lifter was away from rest (``moving``), and whether its last rep was made
    there, counted without its lowering (``made``)."""

    leaving: Partial | None
    moving: bool
    made: bool


def _across(span: OffPicture, before: _Edge, coming: Partial | None, came_moving: bool,
            settings: RepSettings) -> list[Partial]:
    """What was not counted across a ``span`` out of the picture, from how the stretch before
    it ended (``before``) and how the one after began (``coming``: a movement under way cut
    there; ``came_moving``: the lifter away from rest).

    A movement under way as the lifter left and still under way as they came back is one rep
    cut by the span: listed once, whether it was made unseen. One under way at one end only is
    said as a clip's end or start cutting it is. The lowering of a rep made and counted as the
    lifter left is that rep's, unless the span was long enough to hold another rep."""
    where = f"{span.start_s:.1f} to {span.end_s:.1f} s ({span.why})"
    if before.made and (coming is not None or came_moving):
        if coming is None or span.end_s - span.start_s < settings.min_duration_s:
            return []
        return [replace(coming, reason=f"under way when the lifter came back into the picture "
                        f"after {where}: its start was not seen")]
    if (before.leaving is not None or before.moving) and (coming is not None or came_moving):
        return [Partial(span.start_s if before.leaving is None else before.leaving.start_s,
                        span.end_s if coming is None else coming.end_s,
                        f"the lifter was out of the picture from {where} part-way through it: "
                        "whether it was made cannot be seen")]
    out = []
    if before.leaving is not None:
        out.append(replace(before.leaving, reason=before.leaving.reason.replace(
            "the clip ends", f"the lifter left the picture at {span.start_s:.1f} s ({span.why})")))
    if coming is not None:
        out.append(replace(coming, reason=f"under way when the lifter came back into the "
                           f"picture after {where}: its start was not seen"))
    return out


WALK_OFF_TRUNKS = 0.5
"""Ankles moving sideways by more than half a trunk length after a top the clip ends on: the
lifter stepped away, having let go of the weight (they stood up without it; a lockout is held
with the feet planted). Measured on the labelled clips: 0.0-0.3 trunk lengths while a lockout
is held to the clip's end, 1.2-1.7 for lifters walking off after their set."""


def still_at_top(driver: np.ndarray, rep: Rep, settings: RepSettings) -> bool:
    """Whether the driver is still near the top of ``rep`` at the clip's end: a lowering under
    way (below ``enter`` of the range) shows the weight in the hands, which a lifter standing
    up without it never does."""
    level, _ = normalise(driver, settings)
    after = level[rep.turn:rep.end + 1]  # its end: the lifter's last frame, not a cut after it
    after = after[np.isfinite(after)]
    return not after.size or float(after[-1]) >= settings.enter


def made_frames(kin: Kinematics, lift: Lift, driver: np.ndarray) -> np.ndarray | None:
    """Per frame, whether a rep under way there has been made (``lift.made_at``): hips open
    to the lockout (``no_rep_hip_angle``, in 3-D), and for a swing, the bell past its apex
    (the driver falling), for a box jump the feet still (``made_still``: standing on the box,
    not taking off or landing); the driver itself past its top (``made_top``: a row's
    elbows bent as far as the bar at the torso takes them, whatever the hips do); for a pull-up
    the mouth over the hands (``no_rep_chin_clearance``); for a clean the bar racked
    (:func:`racked`); None for a top-start lift, made only back at the top."""
    if lift.made_at == "return":
        return None
    if lift.made_at == "top":
        return np.nan_to_num(driver, nan=-np.inf) >= lift.value("made_top")
    if lift.made_at == "chin_over_bar":
        mouth = kin.mouth_over_hands.trusted(lift.value("min_visibility"))
        return np.nan_to_num(mouth, nan=-np.inf) >= lift.value("no_rep_chin_clearance")
    if lift.made_at == "rack":
        return racked(kin, lift)
    hips = _trusted(kin, "hip_angle_3d", lift)
    made = np.nan_to_num(hips, nan=-np.inf) >= lift.value("no_rep_hip_angle")
    if lift.made_at == "apex":
        made &= np.diff(driver, prepend=np.nan) < 0
    if lift.made_at == "standing_tall":  # NaN (one frame, a gap) is no stillness
        speed = np.abs(vertical_velocity(driver, kin.times))
        made &= np.nan_to_num(speed, nan=np.inf) < lift.value("made_still")
    return made


def walked_off(kin: Kinematics, lift: Lift, rep: Rep) -> bool:
    """Whether the lifter's feet moved sideways more than :data:`WALK_OFF_TRUNKS` between
    the rep's top and the clip's end."""
    feet = kin.feet_x.trusted(lift.value("min_visibility"))[rep.turn:rep.end + 1]
    feet = feet[np.isfinite(feet)]
    return bool(feet.size) and float(feet.max() - feet.min()) > WALK_OFF_TRUNKS


LET_GO_S = 0.2
"""Seconds a hand must be seen below its elbow for a hanging lifter to have let go of the bar:
longer than a glitch of the model's, far shorter than dropping off, standing and jumping back
up (3.5 s in TRetraint's pull-up clip)."""


def held_on(kin: Kinematics, lift: Lift, found: Segments) -> Segments:
    """``found`` without the excursions in which a hanging lifter (``lift.hangs``) let go of
    the bar for :data:`LET_GO_S`: standing with the hands at the shoulders is the top of a
    pull-up to the pose alone, and only letting go on the way there tells them apart."""
    if not lift.hangs:
        return found

    def let_go(rep: Rep) -> str | None:
        frames = slice(rep.start, rep.end + 1)
        if np.any(sustained(kin.let_go[frames].astype(float), kin.times[frames], LET_GO_S) == 1):
            return ("the lifter let go of the bar during it (a hand below its elbow): not a "
                    "pull from a hang")
        return None

    return set_apart(found, let_go)


def bent_over(kin: Kinematics, lift: Lift, found: Segments) -> Segments:
    """``found`` without the excursions a lift pulled bent over (``lift.bent_over``: a row)
    made standing: the trunk (3-D) nearer upright than ``rep_min_trunk_inclination``, its
    median from the rep's start to its top (a rep whose trunk was never measured stays).
    Carrying the weight, setting it down and picking it up bend the working elbow as a row
    does (a one-arm row's change of arms), upright."""
    if not lift.bent_over:
        return found
    trunk = _trusted(kin, "trunk_inclination_3d", lift)
    least = lift.value("rep_min_trunk_inclination")

    def standing(rep: Rep) -> str | None:
        pull = trunk[rep.start:rep.turn + 1]
        if not np.isfinite(pull).any() or (median := float(np.nanmedian(pull))) >= least:
            return None
        return (f"the trunk stayed {median:.0f}° from upright (a row is pulled bent over past "
                f"{least:g}°: rep_min_trunk_inclination): standing with the weight, not a row")

    return set_apart(found, standing)


def topped(kin: Kinematics, lift: Lift, made: np.ndarray | None, found: Segments
           ) -> Segments:
    """``found`` with each rep made where the lift's ``made_series`` (a thrust's hips'
    height) stops rising (:func:`formcheck.reps.reached_near_top`), if it names one."""
    if lift.made_series is None or made is None:
        return found
    height = _trusted(kin, lift.made_series, lift)
    return Segments(reached_near_top(found.reps, height, made, kin.times,
                                     lift.value("rep_made_tolerance")), found.partial)


def spliced(found: Segments, cuts: Sequence[float]) -> Segments:
    """``found`` without the reps an edit cut (:func:`formcheck.shots.edit_cuts`, times of
    the first frame of each new shot) runs through before they are made: the movement before
    the cut and the one after it were filmed apart, whatever the landmarks make of them. A cut
    on the very frame a rep is made leaves it counted: the rep came back to the top in the shot
    before, and a live session (its smoothing a few frames behind) sees that return as late as
    the cut's frame. A cut after a rep was made (a floor-start lift's lowering) leaves it
    counted too; its verdicts then abstain (:func:`formcheck.analysis.cut_abstention`)."""

    def cut(rep: Rep) -> str | None:
        inside = [at for at in cuts if rep.start_s < at < rep.made_s]
        if not inside:
            return None
        return (f"the video cuts to another shot at {inside[0]:.1f} s, before the rep was "
                "made: a movement spliced from two shots is not a rep")

    return set_apart(found, cut) if len(cuts) else found


def set_apart(found: Segments, why: Callable[[Rep], str | None]) -> Segments:
    """``found`` with each rep ``why`` gives a reason for moved to the movements not counted,
    with that reason; the reps left numbered again from 1."""
    reps, partial = [], list(found.partial)
    for rep in found.reps:
        reason = why(rep)
        if reason is None:
            reps.append(replace(rep, index=len(reps) + 1))
        else:
            partial.append(Partial(rep.start_s, rep.end_s, reason))
    return Segments(reps, sorted(partial, key=lambda p: p.start_s))


def racked(kin: Kinematics, lift: Lift) -> np.ndarray:
    """Per frame, whether the bar is racked on the shoulders: the elbows up in front, within
    ``rack_elbow_height`` of the shoulders' height, the wrists above them (forearms up under
    the bar) and the hands still against the shoulders (:data:`RACK_STILL`), all held for
    :data:`RACK_HOLD_S`. None of these alone will do: the elbows ride as high in the pull
    under, with the wrists below them or still whipping up; as the elbows come round under
    the bar the hands pause at the face, but the elbows have dropped well below the shoulders;
    and in a curl the wrists reach the shoulders with the elbows down at the ribs."""
    seen = lift.value("min_visibility")
    elbow = np.nan_to_num(kin.elbow_over_shoulder.facing.trusted(seen), nan=-np.inf)
    forearm = np.nan_to_num(kin.forearm_rise.facing.trusted(seen), nan=-np.inf)
    still = np.nan_to_num(kin.wrist_speed.facing.trusted(seen), nan=np.inf) < RACK_STILL
    held = (elbow >= lift.value("rack_elbow_height")) & (forearm > 0) & still
    return sustained(held.astype(float), kin.times, RACK_HOLD_S) == 1


RACK_STILL = 0.8
"""Speed of the wrists against the shoulders, in trunk lengths per second, below which the
hands hold still: the bar has landed on the shoulders. Measured on the labelled clean clips:
2-8 as the bar is pulled under, 0.0-0.8 once racked.

The rack it makes (with ``rack_elbow_height`` -0.25 and :data:`RACK_HOLD_S`) begins within
0.2 s of the catch seen in the frames (the elbows through, the bar on the shoulders) in all
11 labelled reps (Ulisses-coach powerClean and hangPowerClean)."""

RACK_HOLD_S = 0.15
"""How long the rack must hold to be one: the hands pause for a frame or two at the top of
the pull under; every labelled catch is held 0.5 s or more, through the dip and the stand."""


def caught(kin: Kinematics, lift: Lift, made: np.ndarray | None, found: Segments) -> Segments:
    """``found`` with each rep of a clean (``made_at = "rack"``) turning at the catch: the
    first frame the bar is racked, where a lifter counts it, not the middle of the whole
    time the wrists stay up (the catch, the stand and any hold after). A rep never racked
    keeps its turnaround (and its check of the catch says it was not racked)."""
    if lift.made_at != "rack" or made is None:
        return found
    reps = []
    for rep in found.reps:
        racked_at = np.flatnonzero(made[rep.start:rep.end + 1])
        turn = rep.start + int(racked_at[0]) if racked_at.size else rep.turn
        at = float(kin.times[turn])
        reps.append(replace(rep, turn=turn, turn_s=at, reached_s=at))
    return Segments(reps, found.partial)
