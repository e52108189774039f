"""Good morning: bar (or hands) on the upper back, push the hips back with soft knees and a
flat back until the torso is near parallel, then drive the hips forward to stand tall."""

from __future__ import annotations

from formcheck import rules
from formcheck.rules import RepContext, Verdict

FAULTS = ("shallow_hinge", "squatted_hinge", "rounded_back", "incomplete_lockout")
"""The faults this lift's checks can report."""


def check(ctx: RepContext) -> list[Verdict]:
    return [
        rules.shallow_hinge(ctx, "Bow further: push the hips back until the torso nears level."),
        rules.squatted_hinge(ctx, "Keep the shins still and the knees soft: hips go back."),
        rules.rounded_back(ctx, "Keep the chest up and the back flat all the way down."),
        rules.incomplete_lockout(ctx, "Stand all the way up between reps."),
    ]
