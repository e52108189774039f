"""The checks a coach makes, written once and shared by the lifts that need them.

A check looks at one rep and returns a :class:`~formcheck.report.Fault` when it sees the fault,
``None`` when the rep passes, or an :class:`~formcheck.report.Abstention` when it cannot tell:
the camera does not see the plane the check measures in, or the joints it needs were not
visible enough. It never guesses. Every limit comes from the lift's thresholds by name.

Every rule is registered in :data:`RULES` with what it can report, what it reads and which
thresholds it needs; a lift's TOML file names the rules it uses and gives their cues, and
loading the lift checks all of that up front (:func:`formcheck.config.load_lift`). A new lift
that reuses these rules is a TOML file; a genuinely new check is one more registered rule, in
the module of its family of lifts (:mod:`formcheck.rules.core` holds what they share).
"""

from formcheck.rules import clean, floor, hinge, jump, pull_up, row, sided, squat, swing_thrust
from formcheck.rules.core import (
    RULES,
    Measured,
    RepContext,
    Rule,
    Trace,
    Verdict,
    judged_with,
    run_checks,
)
from formcheck.rules.hinge import NEVER_STANDING

FAMILIES = (hinge, swing_thrust, squat, row, floor, pull_up, sided, clean, jump)
"""The modules whose rules register on import: every rule a lift can name."""

__all__ = ["FAMILIES", "NEVER_STANDING", "RULES", "Measured", "RepContext", "Rule", "Trace",
           "Verdict", "judged_with", "run_checks"]
