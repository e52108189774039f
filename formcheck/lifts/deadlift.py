"""Deadlift, barbell or kettlebell: push the floor away with the hips set high enough, chest and
hips rising together, the bar close, the back flat, and finish standing tall without leaning
back."""

from __future__ import annotations

from formcheck import rules
from formcheck.rules import RepContext, Verdict

FAULTS = (
    "squatted_hinge", "hips_rise_first", "rounded_back",
    "bar_drift", "incomplete_lockout", "hyperextension",
)
"""The faults this lift's checks can report."""


def check(ctx: RepContext) -> list[Verdict]:
    return [
        rules.squatted_hinge(
            ctx, "Set the hips higher and push them back: it is a hinge, not a squat."
        ),
        rules.hips_rise_first(
            ctx, "Chest and hips rise together: push the floor away, don't shoot the hips up."
        ),
        rules.rounded_back(
            ctx, "Brace and keep the back flat: chest proud, lats tight, before the weight moves."
        ),
        rules.bar_drift(ctx, "Keep the weight close: drag it up the legs over mid-foot."),
        rules.incomplete_lockout(ctx, "Finish tall: squeeze the glutes and stand all the way up."),
        rules.hyperextension(ctx, "Stand tall, don't lean back: stack the ribs over the hips."),
    ]
