"""Shell completion and the lift choices ``--help`` lists, for the command line.

Why here and not a dependency: typer (in the lock) brings completion scripts for bash, zsh and
fish; ``formcheck completion SHELL`` prints one, and the shell then runs ``formcheck`` with
:data:`COMPLETE_VAR` set to ask what completes the word being typed. Lifts and variants are
read from the lift files without checking them (:func:`~formcheck.config.lift_variants`), so
``--help`` and every TAB stay quick.

Example:
    >>> "complete -o default -F _formcheck_completion formcheck" in completion_script("bash")
    True
    >>> complete_lift("kettle")
    ['kettlebell_swing']
"""

from __future__ import annotations

from typing import Literal

import typer
from typer.completion import get_completion_script

from formcheck.config import lift_variants, pose_names

Shell = Literal["bash", "zsh", "fish"]

COMPLETE_VAR = "_FORMCHECK_COMPLETE"
"""The variable the completion scripts set when they ask formcheck for completions."""

LIFTS = lift_variants()
"""Every lift and its variants, for help texts and completion."""

POSES = pose_names()
"""Every held stretch, for help texts and completion."""

POSE_HELP = f"Held stretch: {', '.join(POSES)} (see `formcheck exercises`)."
LIFT_HELP = (f"Lift: {', '.join(LIFTS)} (see `formcheck exercises LIFT`), or auto: recognise "
             "it from the pose.")
VARIANT_HELP = "Lift variant (default: the lift's usual one); " + "; ".join(
    f"{name}: {', '.join(variants)}" for name, variants in LIFTS.items()) + "."


def completion_script(shell: Shell) -> str:
    """The script that makes ``shell`` complete ``formcheck`` (typer's own scripts)."""
    return get_completion_script(prog_name="formcheck", complete_var=COMPLETE_VAR, shell=shell)


def complete_lift(incomplete: str) -> list[str]:
    """The lifts whose name starts with what is typed."""
    return [name for name in (*LIFTS, "auto") if name.startswith(incomplete)]


def complete_pose(incomplete: str) -> list[str]:
    """The held stretches whose name starts with what is typed."""
    return [name for name in POSES if name.startswith(incomplete)]


def complete_variant(ctx: typer.Context, incomplete: str) -> list[str]:
    """The chosen lift's variants that start with what is typed (every lift's, before a lift
    is chosen)."""
    chosen = ctx.params.get("exercise")
    variants = LIFTS.get(chosen, ()) if chosen else [v for vs in LIFTS.values() for v in vs]
    return [v for v in dict.fromkeys(variants) if v.startswith(incomplete)]
