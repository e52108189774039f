"""Lift definitions and their thresholds, read from one TOML file per lift.

A threshold is data, not a magic number in a rule: it has a name, a value, a unit, what it
means and where the value comes from (a coaching text or a measurement on real clips). Users
override any of them with ``--config FILE``::

    [thresholds]
    lockout_hip_angle = 170                       # just the value
    [thresholds.rounded_back_bend]                # or with your own source
    value = 0.05
    source = "our physio, 2026-11"

Example:
    >>> lift = load_lift("kettlebell_swing", variant="american")
    >>> lift.threshold("swing_height_min")
    Threshold(name='swing_height_min', value=1.9, unit='shoulder heights', ...)
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from formcheck.errors import FormcheckError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

LIFTS = (
    "deadlift",
    "romanian_deadlift",
    "single_leg_rdl",
    "good_morning",
    "kettlebell_swing",
    "hip_thrust",
)


class Threshold(BaseModel):
    """One named limit a rule compares a measurement with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value: float
    unit: str
    means: str
    source: str


class Lift(BaseModel):
    """A lift as the analysis needs it: how reps are found and every threshold its rules use."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    variant: str
    variants: tuple[str, ...]
    driver: Literal["hip_angle", "hip_angle_3d", "trunk_inclination", "wrist_height"]
    turn_at: Literal["top", "bottom"]
    thresholds: dict[str, Threshold]

    def threshold(self, name: str) -> Threshold:
        return self.thresholds[name]

    def value(self, name: str) -> float:
        return self.thresholds[name].value


def _read_toml(source: str | os.PathLike[str], text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FormcheckError(f"{source}: not valid TOML ({exc})") from None


def _thresholds(table: dict[str, Any], origin: str) -> dict[str, Threshold]:
    try:
        return {name: Threshold(name=name, **spec) for name, spec in table.items()}
    except (TypeError, ValidationError) as exc:
        raise FormcheckError(f"{origin}: bad threshold entry ({exc})") from None


def _apply_overrides(
    thresholds: dict[str, Threshold], overrides: dict[str, Any], origin: str
) -> dict[str, Threshold]:
    """``thresholds`` with the values (and optionally sources) from ``origin`` laid over."""
    unknown = sorted(set(overrides) - set(thresholds))
    if unknown:
        raise FormcheckError(
            f"{origin}: unknown threshold(s) {', '.join(unknown)}; "
            f"this lift has: {', '.join(sorted(thresholds))}"
        )
    merged = dict(thresholds)
    for name, override in overrides.items():
        spec = override if isinstance(override, dict) else {"value": override}
        if not isinstance(spec.get("value"), int | float) or isinstance(spec["value"], bool):
            raise FormcheckError(f"{origin}: threshold {name} needs a numeric value")
        extra = set(spec) - {"value", "source"}
        if extra:
            raise FormcheckError(f"{origin}: threshold {name} may set value and source only")
        merged[name] = thresholds[name].model_copy(
            update={"value": float(spec["value"]),
                    "source": spec.get("source", f"set in {origin}")}
        )
    return merged


def load_lift(
    name: str,
    variant: str | None = None,
    config: str | os.PathLike[str] | None = None,
) -> Lift:
    """The lift ``name`` with its variant's thresholds and the user's ``config`` overrides."""
    if name not in LIFTS:
        raise FormcheckError(f"unknown exercise {name!r}; choose one of: {', '.join(LIFTS)}")
    folder = resources.files("formcheck.lifts")
    common = _read_toml("common.toml", folder.joinpath("common.toml").read_text())
    doc = _read_toml(f"{name}.toml", folder.joinpath(f"{name}.toml").read_text())
    variants = tuple(doc.get("variants", {}))
    chosen = variant or doc["default_variant"]
    if chosen not in variants:
        raise FormcheckError(
            f"{name} has no variant {chosen!r}; choose one of: {', '.join(variants)}"
        )
    thresholds = _thresholds(common["thresholds"], "common.toml") | _thresholds(
        doc["thresholds"], f"{name}.toml"
    )
    thresholds = _apply_overrides(
        thresholds,
        doc["variants"][chosen].get("thresholds", {}),
        f"{name}.toml [variants.{chosen}]",
    )
    if config is not None:
        path = Path(config)
        try:
            user = _read_toml(path, path.read_text())
        except OSError as exc:
            raise FormcheckError(f"cannot read config {path}: {exc.strerror or exc}") from None
        thresholds = _apply_overrides(thresholds, user.get("thresholds", {}), str(path))
    return Lift(
        name=name,
        title=doc["title"],
        variant=chosen,
        variants=variants,
        driver=doc["driver"],
        turn_at=doc["turn_at"],
        thresholds=thresholds,
    )


def thresholds_markdown(lifts: tuple[str, ...] = LIFTS) -> str:
    """Every lift's thresholds as markdown tables: the reference in docs/rules.md, generated
    from the TOML files so the documentation cannot drift from the values in force."""
    parts = []
    for name in lifts:
        lift = load_lift(name)
        parts += [
            f"### {name}",
            "",
            f"{lift.title}. Variants: {', '.join(lift.variants)} (default {lift.variant}). "
            f"Reps turn at the {lift.turn_at} of `{lift.driver}`.",
            "",
            "| threshold | value | unit | means | source |",
            "|---|---|---|---|---|",
            *(
                f"| `{t.name}` | {t.value:g} | {t.unit} | {t.means} | {t.source} |"
                for t in lift.thresholds.values()
            ),
            "",
        ]
    return "\n".join(parts)
