"""Hip thrust (shoulders on a bench) and glute bridge (from the floor): drive through the heels
until the hips are fully open, torso level and shins vertical at the top, without arching the
lower back."""

from __future__ import annotations

from formcheck import rules
from formcheck.rules import RepContext, Verdict

FAULTS = ("incomplete_lockout", "torso_not_parallel", "hyperextension", "shins_not_vertical")
"""The faults this lift's checks can report."""


def check(ctx: RepContext) -> list[Verdict]:
    return [
        rules.incomplete_lockout(ctx, "Drive all the way up: squeeze the glutes at the top."),
        rules.torso_tilt(
            ctx,
            low_cue="Drive the hips higher: finish with the torso level.",
            arch_cue="Ribs down at the top: extend the hips, not the lower back.",
        ),
        rules.shins_not_vertical(ctx, "Set the feet so the shins are vertical at the top."),
    ]
