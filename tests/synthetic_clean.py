"""Synthetic power cleans of exactly known geometry (see :mod:`synthetic` for how tracks are
made).

Apart from :mod:`synthetic` so that lifts added in parallel do not all edit one file. A clean
moves the arms as no hinge does: they hang through the pull, then the elbows whip round under
the bar and rack it on the shoulders. So the arm is drawn from two channels of its own, the
upper arm's and the forearm's directions (degrees from straight up, positive forward, as every
segment in :mod:`synthetic`): hanging both are 180; racked, the upper arm points forward
(``RACK_UPPER``) and the forearm folds back up to the shoulder (``RACK_FORE``).
"""

from __future__ import annotations

import math
from dataclasses import replace

from synthetic import (
    ARM,
    ELBOW_SHARE,
    SIDE,
    TRUNK,
    Key,
    Synthetic,
    View,
    _direction,
    _finish,
    chain,
    legs_and_trunk,
)
from synthetic import timeline as make_timeline

RACK_UPPER, RACK_FORE = 100.0, -40.0
"""The racked arm: the elbow forward, a little below the shoulder (0.1 trunk lengths), the
wrist 0.39 trunk lengths above the shoulder, an elbow angle of 40°."""

PULL_UPPER, PULL_FORE = 250.0, 100.0
"""The top of the pull under: the elbows up and back (0.2 trunk lengths below the shoulders),
the bar at the chest, the wrists below the elbows."""
PULL_REACH = (ELBOW_SHARE * math.sin(math.radians(PULL_UPPER))
              + (1.0 - ELBOW_SHARE) * math.sin(math.radians(PULL_FORE))) * ARM / TRUNK
"""How far the wrists lie in front of the (upright) trunk at the top of the pull under, in
trunk lengths (0.08): what ``loop`` adds to."""
TURN_UPPER, TURN_FORE = 180.0, 0.0
"""The turnover: the elbows straight under the shoulders, the forearms up, the bar at the
shoulders in line with the trunk."""

FLOOR = {"trunk": 50.0, "thigh": -70.0, "shin": 20.0}
"""The start from the floor: the trunk 50° over, hips low behind the knees."""
HANG = {"trunk": 25.0, "thigh": -20.0, "shin": 10.0}
"""The hang: the bar at mid-thigh, the trunk 25° over."""
KNEE = {"trunk": 35.0, "thigh": -25.0, "shin": 5.0}
"""The bar past the knees, the hips still closed (hip angle about 120°)."""
TALL = {"trunk": 0.0, "thigh": 0.0, "shin": 0.0}


def power_clean(
    reps: int = 3,
    *,
    start: str = "floor",
    pull_elbow_deg: float = 180.0,
    loop: float = 0.0,
    catch_thigh_deg: float = 35.0,
    catch_shin_deg: float = 15.0,
    catch_trunk_deg: float = 15.0,
    lead_in_s: float = 1.0,
    view: View = SIDE,
) -> Synthetic:
    """Standing, then ``reps`` power cleans from the floor (``start``: or the hang), each one
    from its start (held 0.5 s), past the knees (held 0.2 s), to the hips' full extension
    (held 0.3 s), the pull under (the elbows up, held 0.15 s, then round under the bar), the
    catch (held 0.4 s, marked "catch") and the stand with the bar racked (held 0.5 s), then
    lowered back to the start. The pauses are there so that each phase is measured apart
    from the next at any frame rate; real second pulls take 0.2 s.

    Faults, on every rep: ``pull_elbow_deg`` the elbows bent to that angle from the floor to
    the hips' extension (arms pulling early); ``loop`` the wrists that many trunk lengths
    further forward at the top of the pull under (the bar swinging out); the catch at
    ``catch_thigh_deg`` thighs and ``catch_shin_deg`` shins from vertical (hips low: a squat
    catch; knees straight: a stiff one), the trunk ``catch_trunk_deg`` over.
    """
    bottom = FLOOR if start == "floor" else HANG
    hanging = {"upper": 180.0, "fore": 180.0, "loop": 0.0}
    bent = _bent(pull_elbow_deg)
    pull = {"upper": PULL_UPPER, "fore": PULL_FORE, "loop": loop}
    turn = {"upper": TURN_UPPER, "fore": TURN_FORE, "loop": 0.0}
    rack = {"upper": RACK_UPPER, "fore": RACK_FORE, "loop": 0.0}
    catch = {"trunk": catch_trunk_deg, "thigh": -catch_thigh_deg, "shin": catch_shin_deg}
    keys = [Key({}, 0.0, lead_in_s), Key(bottom | hanging, 1.0, 0.5, "start")]
    for _ in range(reps):
        keys += [
            Key(KNEE | bent, 0.4, 0.2),
            Key(TALL | bent, 0.25, 0.3),
            Key(TALL | pull, 0.2, 0.15),
            Key(catch | turn, 0.15),
            Key(catch | rack, 0.15, 0.4, "catch"),
            Key(TALL | rack, 0.5, 0.5),
            Key(TALL | hanging, 0.5),
            Key(bottom | hanging, 0.7, 0.5, "start"),
        ]
    line = make_timeline(TALL | hanging | {"bulge": 0.0}, keys, view.fps)
    shoulder = legs_and_trunk(line["shin"], line["thigh"], line["trunk"])["shoulder"]
    elbow = shoulder + ELBOW_SHARE * ARM * _direction(line["upper"])
    wrist = elbow + (1.0 - ELBOW_SHARE) * ARM * _direction(line["fore"])
    wrist[:, 0] += line["loop"] * TRUNK
    body = chain(line["shin"], line["thigh"], line["trunk"], line["bulge"], wrist=wrist)
    return _finish(replace(body, points=body.points | {"elbow": elbow}), line, view)


def _bent(elbow_deg: float) -> dict[str, float]:
    """Hanging arms bent to ``elbow_deg``: the upper arm hanging, the forearm swung forward."""
    return {"upper": 180.0, "fore": elbow_deg, "loop": 0.0}


__all__ = ["PULL_REACH", "SIDE", "power_clean"]
