"""Kettlebell swing: hike the bell back with a deep hip hinge (not a squat), snap the hips
through to a tall plank, and let the bell float to chest height (Russian) or overhead
(American) without leaning back."""

from __future__ import annotations

from formcheck import rules
from formcheck.rules import RepContext, Verdict

FAULTS = (
    "shallow_hinge", "squatted_hinge", "incomplete_lockout",
    "hyperextension", "low_swing", "high_swing",
)
"""The faults this lift's checks can report."""


def check(ctx: RepContext) -> list[Verdict]:
    return [
        rules.shallow_hinge(ctx, "Hike it deeper: hips back, forearms to the inner thighs."),
        rules.squatted_hinge(ctx, "Hinge, don't squat: hips back, shins near vertical."),
        rules.incomplete_lockout(ctx, "Snap the hips through: finish in a tall standing plank."),
        rules.hyperextension(ctx, "Finish tall, don't lean back: ribs down, glutes tight."),
        rules.swing_height(
            ctx,
            low_cue="Drive the hips harder so the bell floats up to the target height.",
            high_cue="Let the hips, not the arms, decide the height: stop at the target.",
        ),
    ]
