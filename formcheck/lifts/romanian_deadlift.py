"""Romanian deadlift: from standing, push the hips back with soft knees and a flat back until
the torso is well forward, then drive the hips through to stand tall."""

from __future__ import annotations

from formcheck import rules
from formcheck.rules import RepContext, Verdict

FAULTS = ("shallow_hinge", "squatted_hinge", "rounded_back", "incomplete_lockout")
"""The faults this lift's checks can report."""


def check(ctx: RepContext) -> list[Verdict]:
    return [
        rules.shallow_hinge(
            ctx, "Push the hips further back until you feel the hamstrings stretch."
        ),
        rules.squatted_hinge(ctx, "Soft knees, not bent knees: send the hips back, not down."),
        rules.rounded_back(ctx, "Keep the back flat: chest proud, bar close to the legs."),
        rules.incomplete_lockout(ctx, "Finish each rep: squeeze the glutes and stand tall."),
    ]
