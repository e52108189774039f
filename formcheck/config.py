"""Lift definitions and their thresholds, read from one TOML file per lift.

A threshold is data, not a magic number in a rule: it has a name, a value, a unit, what it
means and where the value comes from (a coaching text or a measurement on real clips). Users
override any of them with ``--config FILE``::

    [thresholds]
    lockout_hip_angle = 170                       # just the value
    [thresholds.back_bend]                        # or with your own source
    value = 0.05
    source = "our physio, 2026-11"

Example:
    >>> lift = load_lift("kettlebell_swing", variant="american")
    >>> lift.threshold("swing_height_min")
    Threshold(name='swing_height_min', value=1.8, unit='shoulder heights above the hip', ...)
    >>> lift.faults[-2:]
    ('low_swing', 'high_swing')

Every threshold, shipped or overridden, is checked when the lift loads, because a bad value does
not fail later: against NaN or infinity every comparison comes out the same, so a check silently
turns off, and a negative duration or a share above 1 quietly means something no rule intends. So
a value must be finite and within the range its unit allows (:data:`UNIT_RANGES`: a magnitude as an
angle, a duration, a count, a ratio or a share cannot be negative, and angles stop at 180°,
shares at 1; a signed position such as degrees from level or an offset in trunk lengths only has
to be finite). The ranges are wide on purpose: they refuse only the impossible, not the unwise.
A ``<name>_major`` limit must stay strictly beyond its minor ``<name>`` on the side the lift's
defaults put it, or every fault would be graded major (or never); the defaults give the
direction because some checks fault below their limit and others above it. And a config may
hold only ``[thresholds]``: any other table or key is refused by name, since a typo such as
``[treshold]`` silently ignored looks exactly like an override that took effect.
"""

from __future__ import annotations

import math
import os
import sys
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from formcheck.errors import FormcheckError
from formcheck.files import display, read_small_text
from formcheck.lift import (
    UPRIGHT,
    CheckSpec,
    Fact,
    Hands,
    Lift,
    SideChoice,
    Threshold,
    UprightLandmark,
)
from formcheck.stretch import SHARED, Criterion, Pose, PositionCheck, SideSpec

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

LIFT_PATH_ENV = "FORMCHECK_LIFT_PATH"
"""Folders (``os.pathsep``-separated) of more lift TOML files, searched before the shipped ones:
a lift of your own, or your own version of a shipped one, without touching the package."""

MADE_AT = {
    "lockout": "a rep counts at lockout",
    "apex": "a rep counts at the apex",
    "standing_tall": "a rep counts standing tall at its top (stepping off after it ends the rep)",
    "top": "a rep counts with the driver at its top",
    "chin_over_bar": "a rep counts with the chin over the bar",
    "rack": "a rep counts once the bar is racked on the shoulders (the catch)",
    "return": "a rep counts back at the top",
}
"""How each ``made_at`` reads in the docs."""

MADE_AT_THRESHOLD = {
    "lockout": (("no_rep_hip_angle", "the lockout a made rep reaches"),),
    "apex": (("no_rep_hip_angle", "the lockout a made rep reaches"),),
    "standing_tall": (("no_rep_hip_angle", "how far the hips open standing tall in a made rep"),
                      ("made_still", "the driver's speed under which the lifter stands still")),
    "top": (("made_top", "the driver's value at the top a made rep reaches"),),
    "chin_over_bar": (("no_rep_chin_clearance", "the chin's clearance over the bar a made rep "
                       "reaches"),),
    "rack": (("rack_elbow_height", "how high the elbows come up under a racked bar"),),
}
"""The thresholds each ``made_at`` reads to tell a made rep (``return`` needs none: a rep back
at the top is made), and what each means."""

CONFIG_LIFT_KEYS = frozenset({
    "title", "description", "validated_on", "driver", "driver_stand_in", "turn_at", "made_at",
    "made_series", "set_ends_standing", "judged_leg", "judged_side", "upright", "posture",
    "hands", "stance", "default_variant", "variants", "checks", "thresholds",
})
"""What a lift's TOML file may hold at its top level."""

VARIANT_KEYS = frozenset({"thresholds", "judged_leg", "hands"})
"""What a ``[variants.NAME]`` table may hold: threshold overrides, the leg its checks judge and
where it keeps the hands (a check only some variants make says so itself: ``variants = [...]``
in its ``[[checks]]``)."""

WORKING_LEG_THRESHOLDS = ("working_leg_knee_gap", "working_leg_ankle_gap")
"""What :func:`formcheck.legs.working_leg` tells the legs apart with."""

JUDGED_LEG = {
    "facing": "checks read the leg nearer the camera",
    "working": "checks read the working leg (the planted one, found from the pose)",
}
"""What each ``judged_leg`` means, as the docs say it: ``facing`` when both legs do the same
work, ``working`` in a single-leg lift, whose working leg may be the far one
(:mod:`formcheck.legs`)."""


def _lift_files() -> dict[str, Traversable]:
    """Every lift's TOML file by name: the user's folders first, then the shipped ones."""
    folders: list[Traversable] = [
        Path(folder) for folder in os.environ.get(LIFT_PATH_ENV, "").split(os.pathsep) if folder
    ]
    folders.append(resources.files("formcheck.lifts"))
    return _toml_files(folders)


def _toml_files(folders: list[Traversable]) -> dict[str, Traversable]:
    """Every TOML file in ``folders`` but ``common.toml``, by name; the first folder holding a
    name wins."""
    found: dict[str, Traversable] = {}
    for folder in folders:
        if not folder.is_dir():
            raise FormcheckError(f"${LIFT_PATH_ENV}: {folder} is not a folder")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".toml") and entry.name != "common.toml":
                found.setdefault(entry.name.removesuffix(".toml"), entry)
    return found


def definition_files() -> dict[str, Path]:
    """Every file lifts and holds are defined in, by what a user calls it: the TOML files of
    the folders on ``$FORMCHECK_LIFT_PATH`` (``common.toml`` too) and the shipped ones. No
    output may be written over one (:meth:`formcheck.outputs.Outputs.check`): a report saved
    over a user's lift would lose it and leave the lift unreadable."""
    folders = [Path(f) for f in os.environ.get(LIFT_PATH_ENV, "").split(os.pathsep) if f]
    folders += [shipped for package in ("formcheck.lifts", "formcheck.poses")
                if isinstance(shipped := resources.files(package), Path)]  # not in a zip
    return {f"the lift file {path.name} in {display(folder)}": path for folder in folders
            if folder.is_dir() for path in sorted(folder.glob("*.toml"))}


def lift_variants() -> dict[str, tuple[str, ...]]:
    """Each lift's variants, read from its file without any check: cheap enough for every
    ``--help`` and shell completion, which list them. A lift whose file does not read is listed
    with no variants, and nothing is listed if the lift folders do not read; loading the lift
    (:func:`load_lift`) says what is wrong."""
    try:
        files = _lift_files()
    except FormcheckError:
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for name in lift_names():
        try:
            variants = _read_toml(name, _definition_text(files[name])).get("variants")
        except FormcheckError:
            variants = None
        found[name] = tuple(variants) if isinstance(variants, dict) else ()
    return found


def lift_names() -> tuple[str, ...]:
    """The lifts formcheck knows: the shipped ones in their usual order, then any others."""
    names = list(_lift_files())
    return tuple(sorted(names, key=lambda n: (SHIPPED.index(n) if n in SHIPPED else len(SHIPPED),
                                              n)))


LIFT_THRESHOLDS = ("rep_min_range",)
"""Thresholds the rep finder needs that ``common.toml`` cannot set for every lift (how far the
driver must travel depends on the lift)."""

SHIPPED = (
    "deadlift", "romanian_deadlift", "single_leg_rdl", "good_morning", "kettlebell_swing",
    "hip_thrust", "rack_pull", "pull_through", "glute_ham_raise", "ball_leg_curl",
    "back_squat", "reverse_lunge", "barbell_row", "dumbbell_row", "pull_up", "power_clean",
    "box_jump",
)
"""The order in which ``formcheck exercises`` and the docs list the shipped lifts."""


INF = math.inf
UNIT_RANGES: dict[str, tuple[float, float]] = {
    "deg": (0.0, 180.0),  # joint angles, inclinations from vertical, yaw, ranges of motion
    "deg from level": (-90.0, 90.0),  # trunk inclination minus 90°: signed
    "deg from upright": (-90.0, 90.0),  # a kneeling body forward (+) or back (-) of vertical
    "visibility score (0-1)": (0.0, 1.0),
    "share of frames": (0.0, 1.0),
    "share of the clip's range": (0.0, 1.0),
    "share of the rep's amplitude": (0.0, 1.0),
    "share of the rise": (0.0, 1.0),
    "s": (0.0, INF),
    "thigh lengths": (0.0, INF),  # a distance from a knee, over that leg's thigh
    "frames": (0.0, INF),
    "ratio": (0.0, INF),  # knee flexion over hip flexion
    "chord lengths": (-INF, INF),  # bow beyond the lifter's standing back: signed
    "trunk lengths": (-INF, INF),  # hands ahead of (+) or behind (-) mid-foot
    "trunk lengths per s": (0.0, INF),  # a speed
    "shoulder heights above the hip": (-INF, INF),  # hands above (+) or below (-) the hip
}
"""The values each threshold unit allows (both ends included): a limit outside its unit's
range cannot be met or cannot be missed. A unit missing here fails the lift's load, so a new
unit gets a range decided for it rather than none."""

CONFIG_TABLES = ("thresholds",)
"""The only top-level tables a ``--config`` file may hold."""


def _kind(value: object) -> str:
    """The TOML name of ``value``'s type: users write TOML, not Python."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array", dict: "a table"}
    return names.get(type(value), "a date or time")


def _read_toml(source: str | os.PathLike[str], text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FormcheckError(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:  # tomllib recurses into each nested array or table
        raise FormcheckError(f"{source}: not valid TOML (nested too deeply)") from None


def _definition_text(entry: Traversable) -> str:
    """A lift or pose file's text, or a one-line error: a user's folder may hold anything."""
    if isinstance(entry, Path):
        return read_small_text(entry, "lift file")
    return entry.read_text(encoding="utf-8")  # shipped inside a package that is not a folder


def _read_config(path: Path) -> dict[str, Any]:
    """The ``[thresholds]`` table of the user's config; anything else in the file is refused,
    since an ignored table or key would look like an override that took effect."""
    user = _read_toml(path, read_small_text(path, "config"))
    unknown = sorted(set(user) - set(CONFIG_TABLES))
    if unknown:
        raise FormcheckError(
            f"{path}: unknown top-level table or key {', '.join(unknown)}; "
            f"a config may hold only: {', '.join(f'[{t}]' for t in CONFIG_TABLES)}"
        )
    return user.get("thresholds", {})


def _thresholds(table: dict[str, Any], origin: str) -> dict[str, Threshold]:
    try:
        return {name: Threshold(name=name, **spec) for name, spec in table.items()}
    except TypeError as exc:
        raise FormcheckError(f"{origin}: bad threshold entry ({exc})") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
        )
        raise FormcheckError(f"{origin}: bad threshold entry ({problems})") from None


def _apply_overrides(
    thresholds: dict[str, Threshold],
    overrides: object,
    defaults: dict[str, Threshold],
    origin: str,
) -> dict[str, Threshold]:
    """``thresholds`` with the values (and optionally sources) from ``origin`` laid over,
    checked against the lift's ``defaults`` (see :func:`_check`)."""
    if not isinstance(overrides, dict):
        raise FormcheckError(
            f"{origin}: thresholds must be a table ([thresholds] then name = value lines), "
            f"not {_kind(overrides)}"
        )
    unknown = sorted(set(overrides) - set(thresholds))
    if unknown:
        raise FormcheckError(
            f"{origin}: unknown threshold(s) {', '.join(unknown)}; "
            f"this lift has: {', '.join(sorted(thresholds))}"
        )
    merged = dict(thresholds)
    for name, override in overrides.items():
        spec = override if isinstance(override, dict) else {"value": override}
        extra = sorted(set(spec) - {"value", "source"})
        if extra:
            raise FormcheckError(
                f"{origin}: threshold {name} may set value and source only, not {', '.join(extra)}"
            )
        value = spec.get("value")
        if not isinstance(value, int | float) or isinstance(value, bool):
            got = f", not {_kind(value)}" if "value" in spec else ""
            raise FormcheckError(f"{origin}: threshold {name} needs a numeric value{got}")
        try:
            value = float(value)
        except OverflowError:  # an integer past any float
            raise FormcheckError(f"{origin}: threshold {name} must be a finite number, not an "
                                 f"integer of {value.bit_length()} bits") from None
        source = spec.get("source", f"set in {origin}")
        if not isinstance(source, str):
            raise FormcheckError(
                f"{origin}: threshold {name} source must be a string, not {_kind(source)}"
            )
        merged[name] = thresholds[name].model_copy(
            update={"value": value, "source": source}
        )
    return _check(merged, defaults, origin)


def _check(
    thresholds: dict[str, Threshold], defaults: dict[str, Threshold], origin: str
) -> dict[str, Threshold]:
    """``thresholds``, refused (naming ``origin``) unless every value is finite, within its
    unit's range and every major limit beyond its minor one as in ``defaults``. Run after each
    layer is applied, so the earlier layers already passed and the culprit is ``origin``."""
    for t in thresholds.values():
        if t.unit not in UNIT_RANGES:
            raise FormcheckError(f"{origin}: threshold {t.name} has unit {t.unit!r}, which has "
                                 "no allowed range in formcheck.config.UNIT_RANGES")
        if not math.isfinite(t.value):
            raise FormcheckError(
                f"{origin}: threshold {t.name} must be a finite number, not {t.value}"
            )
        low, high = UNIT_RANGES[t.unit]
        if not low <= t.value <= high:
            allowed = f"at least {low:g}" if high == INF else f"between {low:g} and {high:g}"
            raise FormcheckError(
                f"{origin}: threshold {t.name} ({t.value:g}) must be {allowed} ({t.unit})"
            )
        minor = thresholds.get(t.name.removesuffix("_major"))
        if t.name.endswith("_major") and minor is not None:
            above = defaults[t.name].value > defaults[minor.name].value
            if t.value == minor.value or (t.value > minor.value) != above:
                raise FormcheckError(
                    f"{origin}: threshold {t.name} ({t.value:g}) must be "
                    f"{'above' if above else 'below'} {minor.name} ({minor.value:g}), "
                    "as in the lift's defaults"
                )
    return thresholds


def load_lift(
    name: str,
    variant: str | None = None,
    config: str | os.PathLike[str] | None = None,
) -> Lift:
    """The lift ``name`` with its variant's thresholds and the user's ``config`` overrides.

    Everything is checked here, before any work: the file's keys, each check's rule and cues,
    that every threshold a rule needs is there, and every value (see the module docstring).
    """
    files = _lift_files()
    if name not in files and name in pose_names():
        raise FormcheckError(f"{name} is a held stretch, not a lift of reps: time it with "
                             f"`formcheck hold --pose {name}`")
    if name not in files:
        raise FormcheckError(
            f"unknown exercise {name!r}; choose one of: {', '.join(lift_names())}"
        )
    origin = f"{name}.toml"
    common = _read_toml("common.toml",
                        resources.files("formcheck.lifts").joinpath("common.toml").read_text())
    doc = _read_toml(origin, _definition_text(files[name]))
    unknown = sorted(set(doc) - CONFIG_LIFT_KEYS)
    missing = sorted({"title", "driver", "turn_at", "default_variant", "variants", "checks",
                      "thresholds"} - set(doc))
    if unknown or missing:
        raise FormcheckError(
            f"{origin}: " + "; ".join(
                ([f"unknown key(s) {', '.join(unknown)}"] if unknown else [])
                + ([f"missing {', '.join(missing)}"] if missing else [])
            ) + f"; a lift file holds: {', '.join(sorted(CONFIG_LIFT_KEYS))}"
        )
    variants = tuple(doc["variants"])
    chosen = variant or doc["default_variant"]
    if chosen not in variants:
        raise FormcheckError(
            f"{name} has no variant {chosen!r}; choose one of: {', '.join(variants)}"
        )
    shared = _thresholds(common["thresholds"], "common.toml")
    defaults = shared | _thresholds(doc["thresholds"], origin)
    _check(shared, shared, "common.toml")
    _check(defaults, defaults, origin)
    absent = [name for name in LIFT_THRESHOLDS if name not in defaults]
    if absent:
        raise FormcheckError(f"{origin}: every lift needs threshold(s) {', '.join(absent)}")
    every_check = _checks(doc["checks"], defaults, origin, variants)
    checks = tuple(c for c in every_check if not c.variants or chosen in c.variants)
    _check_driver(doc["driver"], origin)
    if "driver_stand_in" in doc:
        _check_stand_in(doc["driver_stand_in"], doc["driver"], origin)
    posture = doc.get("posture", "standing")  # Lift refuses any other than its Posture
    upright = _upright(doc.get("upright", list(UPRIGHT)), origin)
    if doc.get("made_at", "return") not in MADE_AT:
        raise FormcheckError(f"{origin}: made_at must be one of {', '.join(MADE_AT)}, "
                             f"not {doc['made_at']!r}")
    for needed, meaning in MADE_AT_THRESHOLD.get(doc.get("made_at", "return"), ()):
        if needed not in defaults:
            raise FormcheckError(f"{origin}: made_at = {doc['made_at']!r} needs the threshold "
                                 f"{needed} ({meaning})")
    if "made_series" in doc:
        _check_made_series(doc, defaults, origin)
    judged_side = _judged_side(doc.get("judged_side"), doc["checks"], origin)
    if judged_side is not None and doc.get("judged_leg", "facing") != "facing":
        raise FormcheckError(f"{origin}: judged_side (a working side per rep) and judged_leg "
                             "= 'working' (one per clip) exclude each other")
    variant_specs = _variant_specs(doc["variants"], origin)
    spec = variant_specs[chosen]
    hands = _hands(doc, variant_specs, chosen, named=variant is not None, origin=origin)
    stance = doc.get("stance", "square")  # Lift refuses any other than its Stance
    judged_leg = spec.get("judged_leg", doc.get("judged_leg", "facing"))
    for where, leg in (("", doc.get("judged_leg", "facing")),
                       *((f" [variants.{v}]", s.get("judged_leg", "facing"))
                         for v, s in variant_specs.items())):
        if leg not in JUDGED_LEG:
            raise FormcheckError(f"{origin}{where}: judged_leg must be one of "
                                 f"{', '.join(JUDGED_LEG)}, not {leg!r}")
        absent = [t for t in WORKING_LEG_THRESHOLDS if t not in defaults]
        if leg == "working" and absent:
            raise FormcheckError(f"{origin}{where}: judged_leg = 'working' needs the "
                                 f"threshold(s) {', '.join(absent)} (how the legs differ)")
    # every variant, not just the chosen one: a broken shipped variant fails any load (and test)
    by_variant = {
        v: _apply_overrides(defaults, spec.get("thresholds", {}), defaults,
                            f"{origin} [variants.{v}]")
        for v, spec in doc["variants"].items()
    }
    thresholds = by_variant[chosen]
    if config is not None:
        path = Path(config)
        thresholds = _apply_overrides(thresholds, _read_config(path), defaults, str(path))
    try:
        return Lift(
            name=name,
            title=doc["title"],
            description=doc.get("description", ""),
            validated_on=doc.get("validated_on", "not validated yet"),
            variant=chosen,
            variants=variants,
            driver=doc["driver"],
            driver_stand_in=doc.get("driver_stand_in"),
            turn_at=doc["turn_at"],
            made_at=doc.get("made_at", "return"),
            made_series=doc.get("made_series"),
            set_ends_standing=doc.get("set_ends_standing", False),
            judged_leg=judged_leg,
            judged_side=judged_side,
            upright=upright,
            posture=posture,
            hands=hands,
            stance=stance,
            shows=tuple(fact for table, kind in (("postures", posture), ("hands", hands),
                                                 ("stances", stance))
                        for fact in _facts(common.get(table, {}).get(str(kind), {}),
                                           f"common.toml [{table}.{kind}]")),
            checks=checks,
            thresholds=thresholds,
            defaults={n: t.value for n, t in defaults.items()},
        )
    except ValidationError as exc:
        raise FormcheckError(f"{origin}: {_first_problem(exc)}") from None


def _first_problem(exc: ValidationError) -> str:
    """Where in the file and what is wrong, of the first problem pydantic found."""
    problem = exc.errors()[0]
    return f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"


def _checks(
    table: object, thresholds: dict[str, Threshold], origin: str, variants: tuple[str, ...]
) -> tuple[CheckSpec, ...]:
    """The lift's checks, each naming a registered rule with all of its cues, and every
    threshold those rules need present: a lift that cannot run fails when it loads, not as a
    ``KeyError`` half-way through a video. A check may name the only ``variants`` that make
    it (a paused variant's pause), each one of the lift's."""
    from formcheck.rules import RULES

    if not isinstance(table, list) or not table or not all(isinstance(c, dict) for c in table):
        raise FormcheckError(f"{origin}: checks must be one or more [[checks]] tables")
    specs = []
    for i, check in enumerate(table, start=1):
        rule = RULES.get(check.get("rule", ""))
        if rule is None:
            raise FormcheckError(
                f"{origin}: check {i} names rule {check.get('rule')!r}; the rules are: "
                f"{', '.join(sorted(RULES))}"
            )
        only = check.get("variants", [])
        if not isinstance(only, list) or not set(only) <= set(variants) or (
                "variants" in check and not only):
            raise FormcheckError(
                f"{origin}: check {i} ({rule.name}) variants must list some of the lift's "
                f"variants ({', '.join(variants)}), not {only!r}"
            )
        cues = {k: v for k, v in check.items() if k not in ("rule", "variants")}
        if set(cues) != set(rule.cues) or not all(isinstance(v, str) and v for v in cues.values()):
            raise FormcheckError(
                f"{origin}: check {i} ({rule.name}) needs the cue text(s) "
                f"{', '.join(rule.cues)}, and only those; it has: {', '.join(cues) or 'none'}"
            )
        absent = [t for t in rule.thresholds if t not in thresholds]
        if absent:
            raise FormcheckError(
                f"{origin}: check {i} ({rule.name}) needs threshold(s) {', '.join(absent)}"
            )
        specs.append(CheckSpec(rule=rule.name, cues=cues, faults=rule.faults, series=rule.series,
                               variants=tuple(only)))
    return tuple(specs)


def _variant_specs(table: object, origin: str) -> dict[str, dict[str, Any]]:
    """Each variant's table, refused if it holds anything but :data:`VARIANT_KEYS`: an ignored
    key would look like a variant that took effect."""
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        raise FormcheckError(f"{origin}: variants must be tables ([variants.NAME])")
    for name, spec in table.items():
        unknown = sorted(set(spec) - VARIANT_KEYS)
        if unknown:
            raise FormcheckError(
                f"{origin} [variants.{name}]: unknown key(s) {', '.join(unknown)}; "
                f"a variant holds: {', '.join(sorted(VARIANT_KEYS))}"
            )
    return table


def _hands(doc: dict[str, Any], variants: dict[str, dict[str, Any]], chosen: str, *,
           named: bool, origin: str) -> str:
    """Where the lift keeps the hands in the ``chosen`` variant, if the user ``named`` one;
    otherwise where every variant keeps them, or ``anywhere`` where they differ: a clip of a
    squat named without a variant may be a bodyweight one, arms hanging or hands on the hips,
    and the guard must not hold it to the default barbell's bar on the back. Every variant's is
    checked, as its thresholds are, so that a broken variant fails any load."""
    every = {v: spec.get("hands", doc.get("hands", "anywhere")) for v, spec in variants.items()}
    for where, spec in (("", doc), *((f" [variants.{v}]", s) for v, s in variants.items())):
        if "hands" in spec and spec["hands"] not in get_args(Hands):
            raise FormcheckError(f"{origin}{where}: hands must be one of "
                                 f"{', '.join(get_args(Hands))}, not {spec['hands']!r}")
    return every[chosen] if named or len(set(every.values())) == 1 else "anywhere"


def _check_driver(driver: object, origin: str, key: str = "driver") -> None:
    """A lift's reps are cut from the facing side of a sided series, or from a single one:
    name one that is."""
    from formcheck.series import SERIES

    usable = [name for name, spec in SERIES.items() if spec.kind in ("sided", "single")]
    if driver not in usable:
        raise FormcheckError(f"{origin}: {key} {driver!r} is not a sided or single series; "
                             f"choose one of: {', '.join(usable)}")


def _check_made_series(doc: dict[str, Any], defaults: dict[str, Threshold], origin: str
                       ) -> None:
    """A series whose highest in a rep is its top (a height, say) says when a rep is made: a
    sided one, for a lift made at its top by a condition of its own (``made_at``; a clean's
    catch says it already), with the band near that top it is made in."""
    from formcheck.series import SERIES

    name = doc["made_series"]
    sided = [series for series, spec in SERIES.items() if spec.kind == "sided"]
    if name not in sided:
        raise FormcheckError(f"{origin}: made_series {name!r} is not a sided series; choose "
                             f"one of: {', '.join(sided)}")
    if doc["turn_at"] != "top" or doc.get("made_at", "return") in ("return", "rack"):
        raise FormcheckError(f"{origin}: made_series is for a lift turning at its top and made "
                             "there (turn_at = 'top', made_at other than 'return' or 'rack', "
                             "whose catch says when it is made)")
    if "rep_made_tolerance" not in defaults:
        raise FormcheckError(f"{origin}: made_series needs the threshold rep_made_tolerance "
                             "(how near its highest the height makes the rep)")


def _check_stand_in(stand_in: object, driver: str, origin: str) -> None:
    """A driver's stand-in fills the same side's frames (a sided driver's facing side) or the
    same single series, so it must be of the driver's kind, and another series."""
    from formcheck.series import SERIES

    _check_driver(stand_in, origin, "driver_stand_in")
    assert isinstance(stand_in, str)  # a series' name, _check_driver made sure
    if stand_in == driver or SERIES[stand_in].kind != SERIES[driver].kind:
        raise FormcheckError(f"{origin}: driver_stand_in {stand_in!r} must be another "
                             f"{SERIES[driver].kind} series than the driver {driver!r}")


def _judged_side(table: object, checks: list[Any], origin: str) -> SideChoice | None:
    """The lift's ``[judged_side]`` table, its series a sided one and the checks it compares
    among the lift's ``checks`` (see :class:`~formcheck.lift.SideChoice`); None if it has
    none."""
    from formcheck.series import SERIES

    if table is None:
        return None
    try:
        choice = SideChoice.model_validate(table)
    except ValidationError as exc:
        raise FormcheckError(f"{origin}: judged_side: {_first_problem(exc)}") from None
    spec = SERIES.get(choice.series)
    if spec is None or spec.kind != "sided":
        raise FormcheckError(f"{origin}: judged_side series {choice.series!r} is not a sided "
                             "series")
    named = {check.get("rule") for check in checks if isinstance(check, dict)}
    unknown = [check for check in choice.compare if check not in named]
    if unknown:
        raise FormcheckError(f"{origin}: judged_side compare names {', '.join(unknown)}, not "
                             "among the lift's checks")
    return choice


def _upright(pair: object, origin: str) -> tuple[UprightLandmark, UprightLandmark]:
    """The lift's ``upright`` pair: two different landmarks with a height series, the one
    kept higher first (see :attr:`formcheck.lift.Lift.upright`)."""
    names = get_args(UprightLandmark)
    if (not isinstance(pair, list) or len(pair) != 2 or pair[0] == pair[1]
            or not all(name in names for name in pair)):
        raise FormcheckError(
            f"{origin}: upright must name two different landmarks, the one the lift keeps "
            f"higher first, from: {', '.join(names)}; not {pair!r}"
        )
    return pair[0], pair[1]


def _facts(table: dict[str, Any], origin: str) -> tuple[Fact, ...]:
    """A posture's, hands' or stance's facts (:class:`formcheck.lift.Fact`), each bounding a
    clip measure of the recogniser's and bounded on one side at least."""
    from formcheck.recognise import MEASURES  # recognise loads lifts: import it when used

    facts = []
    for name, spec in table.items():
        try:
            fact = Fact(name=name, **spec)
        except TypeError as exc:
            raise FormcheckError(f"{origin}.{name}: bad fact ({exc})") from None
        except ValidationError as exc:
            raise FormcheckError(f"{origin}.{name}: {_first_problem(exc)}") from None
        if fact.feature not in MEASURES:
            raise FormcheckError(f"{origin}.{name}: unknown feature {fact.feature!r}; "
                                 f"choose one of: {', '.join(MEASURES)}")
        if not (math.isfinite(fact.at_least) or math.isfinite(fact.at_most)):
            raise FormcheckError(f"{origin}.{name}: a fact needs at_least or at_most")
        facts.append(fact)
    return tuple(facts)


# Held stretches (formcheck.stretch): read and checked as the lifts are, from formcheck/poses.

POSE_KEYS = frozenset({"title", "description", "validated_on", "side", "position", "checks",
                       "thresholds"})
"""What a pose's TOML file may hold at its top level."""

POSE_SHIPPED = ("downward_dog", "hamstring_stretch", "figure_four")
"""The order in which ``formcheck exercises`` and the docs list the shipped poses."""


def _pose_files() -> dict[str, Traversable]:
    return _toml_files([resources.files("formcheck.poses")])


def pose_names() -> tuple[str, ...]:
    """The held stretches formcheck knows, the shipped ones in their usual order."""
    return tuple(sorted(_pose_files(), key=lambda n: (
        POSE_SHIPPED.index(n) if n in POSE_SHIPPED else len(POSE_SHIPPED), n)))


def load_pose(name: str, config: str | os.PathLike[str] | None = None) -> Pose:
    """The held stretch ``name`` with the user's ``config`` overrides, checked as a lift is
    (:func:`load_lift`): the file's keys, each criterion's and check's series and thresholds,
    every value, and every ``_leave`` limit on the outer side of the limit it relaxes."""
    files = _pose_files()
    if name not in files:
        raise FormcheckError(f"unknown pose {name!r}; choose one of: {', '.join(pose_names())}")
    origin = f"{name}.toml"
    doc = _read_toml(origin, _definition_text(files[name]))
    unknown = sorted(set(doc) - POSE_KEYS)
    missing = sorted({"title", "position", "checks", "thresholds"} - set(doc))
    if unknown or missing:
        raise FormcheckError(
            f"{origin}: " + "; ".join(
                ([f"unknown key(s) {', '.join(unknown)}"] if unknown else [])
                + ([f"missing {', '.join(missing)}"] if missing else [])
            ) + f"; a pose file holds: {', '.join(sorted(POSE_KEYS))}"
        )
    lifts = _read_toml("common.toml",
                       resources.files("formcheck.lifts").joinpath("common.toml").read_text())
    poses = _read_toml("poses/common.toml",
                       resources.files("formcheck.poses").joinpath("common.toml").read_text())
    shared = (_thresholds({n: lifts["thresholds"][n] for n in SHARED}, "common.toml")
              | _thresholds(poses["thresholds"], "poses/common.toml"))
    defaults = shared | _thresholds(doc["thresholds"], origin)
    _check(defaults, defaults, origin)
    position = tuple(Criterion(**entry) for entry in _entries(
        doc["position"], "position", {"leg"}, defaults, origin))
    checks = tuple(PositionCheck(**entry)
                   for entry in _entries(doc["checks"], "checks",
                                         {"fault", "cue", "leg", "needs_view", "baseline"},
                                         defaults, origin))
    side = _side(doc.get("side"), defaults, origin)
    thresholds = defaults
    if config is not None:
        path = Path(config)
        thresholds = _apply_overrides(thresholds, _read_config(path), defaults, str(path))
    _check_leave(position, thresholds, str(config) if config is not None else origin)
    try:
        return Pose(name=name, title=doc["title"], description=doc.get("description", ""),
                    validated_on=doc.get("validated_on", "not validated yet"),
                    position=position, side=side, checks=checks, thresholds=thresholds,
                    defaults={n: t.value for n, t in defaults.items()})
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise FormcheckError(f"{origin}: {where}: {problem['msg']}") from None


def check_exercise_name(name: str) -> None:
    """Refuse a name that is neither a lift nor a held stretch, listing both where both are
    taken."""
    if name not in lift_names() and name not in pose_names():
        raise FormcheckError(f"unknown exercise {name!r}; choose a lift "
                             f"({', '.join(lift_names())}) or a held stretch "
                             f"({', '.join(pose_names())})")


def load_exercise(name: str, variant: str | None = None,
                  config: str | os.PathLike[str] | None = None) -> Lift | Pose:
    """The lift ``name`` (:func:`load_lift`), or the held stretch of that name
    (:func:`load_pose`), which has no variants: what ``live`` and ``batch`` take."""
    check_exercise_name(name)
    if name not in pose_names():
        return load_lift(name, variant, config)
    if variant:
        raise FormcheckError(f"{name} is a held stretch, which has no variants (not {variant!r})")
    return load_pose(name, config)


def _entries(table: object, kind: str, optional: set[str], thresholds: dict[str, Threshold],
             origin: str) -> list[dict[str, Any]]:
    """The ``[[kind]]`` tables, each naming a registered series and one threshold it must be
    ``above`` or ``below``, as keyword arguments (``limit`` and which side of it) for its
    model; any threshold a key names (a view gate, a ``_leave`` limit) must be there."""
    from formcheck.series import SERIES

    if not isinstance(table, list) or not table or not all(isinstance(e, dict) for e in table):
        raise FormcheckError(f"{origin}: {kind} must be one or more [[{kind}]] tables")
    required = {"series", "fault", "cue"} & (optional | {"series"})
    out = []
    for i, entry in enumerate(table, start=1):
        where = f"{origin}: {kind} {i}"
        unknown = sorted(set(entry) - {"series", "above", "below"} - optional)
        absent = sorted(required - set(entry))
        if unknown or absent:
            raise FormcheckError(f"{where}: " + "; ".join(
                ([f"unknown key(s) {', '.join(unknown)}"] if unknown else [])
                + ([f"missing {', '.join(absent)}"] if absent else [])))
        spec = SERIES.get(entry["series"])
        if spec is None or spec.kind == "mask":
            raise FormcheckError(f"{where}: series {entry.get('series')!r} is not a measured "
                                 "series (formcheck.series.SERIES)")
        sides = [key for key in ("above", "below") if key in entry]
        if len(sides) != 1:
            raise FormcheckError(f"{where}: give one threshold, as above = NAME or below = NAME")
        limit = entry[sides[0]]
        named = [limit, *([f"{limit}_leave"] if kind == "position" else []),
                 *([entry["needs_view"]] if "needs_view" in entry else [])]
        absent = [name for name in named if name not in thresholds]
        if absent:
            raise FormcheckError(f"{where} needs threshold(s) {', '.join(absent)}")
        rest = {k: v for k, v in entry.items() if k not in ("above", "below")}
        out.append(rest | {"limit": limit,
                           ("inside" if kind == "position" else "worse"): sides[0]})
    return out


def _side(table: object, thresholds: dict[str, Threshold], origin: str) -> SideSpec | None:
    """The pose's ``[side]`` table, if it has one."""
    from formcheck.series import SERIES

    if table is None:
        return None
    if not isinstance(table, dict):
        raise FormcheckError(f"{origin}: side must be a table ([side])")
    try:
        side = SideSpec(**table)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise FormcheckError(f"{origin}: [side]: {problems}") from None
    if side.series not in SERIES or SERIES[side.series].kind != "sided":
        raise FormcheckError(f"{origin}: [side] series {side.series!r} is not a sided series")
    if side.least is not None and side.least not in thresholds:
        raise FormcheckError(f"{origin}: [side] needs threshold {side.least}")
    return side


def _check_leave(position: tuple[Criterion, ...], thresholds: dict[str, Threshold],
                 origin: str) -> None:
    """Refuse a ``_leave`` limit on the inner side of the limit it relaxes: the position would
    be left as soon as it was entered (or, equal, flicker on its edge)."""
    for criterion in position:
        enter, leave = (thresholds[criterion.limit].value,
                        thresholds[f"{criterion.limit}_leave"].value)
        if leave == enter or (leave > enter) != (criterion.inside == "below"):
            raise FormcheckError(
                f"{origin}: threshold {criterion.limit}_leave ({leave:g}) must be "
                f"{'above' if criterion.inside == 'below' else 'below'} {criterion.limit} "
                f"({enter:g}): the position is left past it")
