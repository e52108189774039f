"""Single-leg Romanian deadlift: hinge on one leg, the free leg reaching back in line with the
torso, back flat, until the torso is near level; then stand tall on the stance leg."""

from __future__ import annotations

from formcheck import rules
from formcheck.rules import RepContext, Verdict

FAULTS = ("shallow_hinge", "rounded_back")
"""The faults this lift's checks can report."""


def check(ctx: RepContext) -> list[Verdict]:
    return [
        rules.shallow_hinge(
            ctx, "Hinge further: reach the back leg long until torso and leg are near level."
        ),
        rules.rounded_back(ctx, "Keep the back flat from head to heel of the free leg."),
    ]
