"""Which side works in each rep, for lifts whose working arm or leg changes within a set.

Why per rep: a one-arm row's working arm changes between sets (kbRowSerrote: five reps with
the left arm, then five with the right) or every rep (an alternating row passes the bell from
hand to hand at the top); a reverse lunge's front leg alternates every rep. A side chosen
once per clip (:attr:`formcheck.series.Sided.facing`, :mod:`formcheck.legs`) would judge half
of such a set on the free arm or the rear leg.

How: the lift's ``[judged_side]`` table (:class:`formcheck.lift.SideChoice`) names a sided
series and whether the working side's is the ``higher`` or the ``lower``, in the median from
the rep's start to its turnaround: the way there, where the working limb does the work (a
row's pull, before a bell passed at the top is lowered in the other hand; a lunge's descent,
as the rear knee drops to the floor). Every frame counts, seen well or not: the working limb
is often the far one from the camera. The rep's checks then read every sided series on that
side (:func:`offered_for`), exactly as a single-leg lift's read its working leg.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from formcheck.kinematics import Kinematics, _nanmedian
from formcheck.lift import Lift, SideChoice
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


def working_side(kin: Kinematics, choice: SideChoice, rep: Rep) -> Side | None:
    """The side that works in ``rep`` (see the module's docstring); None when neither side's
    series was measured in it."""
    frames = slice(rep.start, rep.turn + 1)
    means = {side: _nanmedian(kin[choice.series][side].value[frames])
             for side in ("left", "right")}
    shown = {side: value for side, value in means.items() if np.isfinite(value)}
    if not shown:
        return None
    pick = max if choice.works == "higher" else min
    return pick(shown, key=shown.__getitem__)


def rep_kinematics(kin: Kinematics, lift: Lift, rep: Rep) -> tuple[Kinematics, Side | None]:
    """What ``rep``'s checks read, and its working side: ``kin`` offered for that side in a
    lift judged per rep (``[judged_side]``), else ``kin`` itself and None."""
    if lift.judged_side is None:
        return kin, None
    side = working_side(kin, lift.judged_side, rep)
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
