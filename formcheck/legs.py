"""Which leg a single-leg lift is judged on: the working leg, the one that carries the load.

Why: every sided series is offered for the side nearer the camera (:class:`formcheck.series.
Sided`), which in a two-leg lift does the same work as the far one. In a single-leg hip thrust
the working leg (foot planted, knee bent) may be the far one, and the near one the free leg,
held straight out or up: its hip angle says nothing of the lockout. A lift whose TOML says
``judged_leg = "working"`` is judged on the working leg, found here once per clip from the pose.

How, once per clip from the medians over its frames: the two legs must be bent unalike (their
3-D knee angles, which compare whichever leg faces the camera, differ by at least
``working_leg_knee_gap``; a free leg is held straight or tucked, the working knee at ~90°), and
one foot must be the lower by at least ``working_leg_ankle_gap``: that leg is the working one.
Both, because each alone misleads: a camera looking down at an angle shows one of two planted
feet well above the other in the image (0.58 trunk lengths on the PapitomasterDeveloper barbell
thrust), and the knee angles alone cannot tell a free leg tucked to the chest (its knee the
more bent) from the working one. Every frame counts, seen well or not: the working leg is often
the far one, which the model is less sure of; the checks then read that leg's own reliability
and abstain where it was not seen, saying it is the far leg (:mod:`formcheck.rules`). A lifter
changing legs within a clip is judged on the leg of most of the clip: film each leg as a clip
of its own.
"""

from __future__ import annotations

from dataclasses import replace

from formcheck.kinematics import Kinematics, _nanmedian
from formcheck.lift import Lift
from formcheck.series import Side
from formcheck.sides import offered_for


def working_leg(kin: Kinematics, lift: Lift) -> Side | None:
    """The leg that works in a single-leg lift (see the module's docstring); None when the legs
    do alike (a two-leg set, or legs not seen)."""
    knees = _nanmedian(kin.knee_angle_3d.left.value - kin.knee_angle_3d.right.value)
    lower = _nanmedian(kin.ankle_gap.value)
    if not (abs(knees) >= lift.value("working_leg_knee_gap")
            and abs(lower) >= lift.value("working_leg_ankle_gap")):
        return None
    return "left" if lower > 0 else "right"


def on_leg(kin: Kinematics, leg: Side) -> Kinematics:
    """``kin`` with every sided series offered for ``leg`` instead of the side facing the
    camera (which ``kin.facing`` still names), ``leg`` named its working leg."""
    return replace(offered_for(kin, leg), working_leg=leg)


def judged_kinematics(kin: Kinematics, lift: Lift) -> Kinematics:
    """The kinematics ``lift``'s reps and checks read: ``kin`` itself, or for a lift judged on
    its working leg (``judged_leg = "working"``) offered for that leg when one is found."""
    if lift.judged_leg != "working":
        return kin
    leg = working_leg(kin, lift)
    return kin if leg is None else on_leg(kin, leg)
