"""Which side works in each rep, for lifts whose working arm or leg changes within a set.

Why per rep: a one-arm row's working arm changes between sets (kbRowSerrote: five reps with
the left arm, then five with the right) or every rep (an alternating row passes the bell from
hand to hand at the top); a reverse lunge's front leg alternates every rep. A side chosen
once per clip (:attr:`formcheck.series.Sided.facing`, :mod:`formcheck.legs`) would judge half
of such a set on the free arm or the rear leg.

How: the lift's ``[judged_side]`` table (:class:`formcheck.lift.SideChoice`) names a sided
series and whether the working side's is the ``higher`` or the ``lower``, in the median over
the upper half of the way from the rep's start to its turnaround (:func:`deciding_frames`),
where the working limb does the work (a row's pull; a lunge's descent, as the rear knee drops
to the floor). Every frame counts, seen well or not: the working limb is often the far one from
the camera. The rep's checks then read every sided series on that side (:func:`offered_for`),
exactly as a single-leg lift's read its working leg; the report gives it as the rep's ``side``,
and compares the measures the lift names between the sides over the set (:func:`side_balance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from formcheck.counting import driver_signal
from formcheck.kinematics import Kinematics, _nanmedian
from formcheck.lift import Lift
from formcheck.report import RepReport, SideBalance
from formcheck.reps import Rep
from formcheck.series import Side, Sided


def other(side: Side) -> Side:
    """The other side: a lunge's rear leg, given its front one."""
    return "right" if side == "left" else "left"


def offered_for(kin: Kinematics, side: Side) -> Kinematics:
    """``kin`` with every sided series offered for ``side`` instead of the side facing the
    camera (which ``kin.facing`` still names)."""
    series = {name: replace(m, facing_side=side) if isinstance(m, Sided) else m
              for name, m in kin.series.items()}
    return replace(kin, series=series)


def working_side(kin: Kinematics, lift: Lift, rep: Rep) -> Side | None:
    """The side that works in ``rep`` (see the module's docstring) by ``lift.judged_side``;
    None when neither side's series was measured there."""
    choice = lift.judged_side
    assert choice is not None
    frames = deciding_frames(driver_signal(kin, lift), rep)
    medians = {side: _nanmedian(kin[choice.series][side].value[frames])
               for side in ("left", "right")}
    shown = {side: value for side, value in medians.items() if np.isfinite(value)}
    if not shown:
        return None
    pick = max if choice.works == "higher" else min
    return pick(shown, key=shown.__getitem__)


def deciding_frames(driver: np.ndarray, rep: Rep) -> np.ndarray:
    """The frames that tell a rep's working side: the upper half of the way from its start to
    its turnaround (the driver past half-way between its values there), where the working limb
    does the work. Not the whole way: a first rep's start may reach back into the set-up
    (kbRowSerrote: the free hand put on the knee while the bell still hangs, which picked the
    free arm), and not the turnaround alone: an alternating row passes the bell from hand to
    hand there, both elbows bent (gorkatrece, two of five reps)."""
    frames = np.arange(rep.start, rep.turn + 1)
    low, high = driver[rep.start], driver[rep.turn]
    if not (np.isfinite(low) and np.isfinite(high)):
        return frames
    return frames[np.nan_to_num(driver[frames], nan=-np.inf) >= low + 0.5 * (high - low)]


def rep_kinematics(kin: Kinematics, lift: Lift, rep: Rep) -> tuple[Kinematics, Side | None]:
    """What ``rep``'s checks read, and its working side: ``kin`` offered for that side in a
    lift judged per rep (``[judged_side]``), else ``kin`` itself and None."""
    if lift.judged_side is None:
        return kin, None
    side = working_side(kin, lift, rep)
    return (kin, None) if side is None else (offered_for(kin, side), side)


def side_balance(reps: Sequence[RepReport], lift: Lift) -> list[SideBalance]:
    """Each of the lift's compared checks (``judged_side.compare``): its per-rep measure (in
    each rep's ``measures`` under the check's name) averaged over the reps worked on each side,
    and the difference judged against ``<check>_asymmetry`` where the lift has it."""
    if lift.judged_side is None:
        return []
    out = []
    for check in lift.judged_side.compare:
        values: dict[Side, list[float]] = {"left": [], "right": []}
        for rep in reps:
            value = rep.measures.get(check)
            if rep.side is not None and value is not None:
                values[rep.side].append(value)
        means = {side: round(float(np.mean(v)), 3) if v else None for side, v in values.items()}
        left, right = means["left"], means["right"]
        difference = None if left is None or right is None else round(left - right, 3)
        limit = lift.thresholds.get(f"{check}_asymmetry")
        out.append(SideBalance(
            check=check, unit="" if limit is None else limit.unit, left_mean=left,
            right_mean=right,
            left_reps=len(values["left"]), right_reps=len(values["right"]),
            difference=difference,
            uneven=None if difference is None or limit is None
            else abs(difference) > limit.value))
    return out
