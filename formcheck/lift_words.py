"""A lift and a held stretch in words: what ``formcheck exercises`` prints and docs/rules.md
holds, generated from the lift files so that neither can drift from the values in force.

Example:
    >>> print(driver_words(load_lift("back_squat")))
    knee flexion (estimated from hip above knee where its landmarks are unclear)
"""

from __future__ import annotations

from formcheck.config import (
    JUDGED_LEG,
    MADE_AT,
    lift_names,
    load_lift,
    load_pose,
    pose_names,
)
from formcheck.lift import UPRIGHT, CheckSpec, Lift
from formcheck.stretch import Pose


def counted(number: int, noun: str) -> str:
    """"1 rep", "10 reps": a summary, a note or an error is read as sentences."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def every_check(name: str) -> tuple[CheckSpec, ...]:
    """Every check the lift ``name`` makes in any of its variants, the default variant's first:
    what ``formcheck exercises`` and the docs list."""
    lift = load_lift(name)
    made = (c for v in (lift.variant, *lift.variants) for c in load_lift(name, v).checks)
    return tuple({c.rule: c for c in made}.values())


def check_label(check: CheckSpec) -> str:
    """The check's rule, and the variants that alone make it."""
    return check.rule + (f" ({', '.join(check.variants)} only)" if check.variants else "")


def variant_notes(name: str) -> list[str]:
    """Which side lift ``name`` judges when that is not simply the near one: per rep, for a
    lift whose working side changes within a set (``[judged_side]``), which variants judge
    another leg than the lift's own, and which keep the hands elsewhere (one line each), so
    that ``formcheck exercises`` and the docs show it; the checks a variant alone makes are
    marked in the checks' list (:func:`check_label`)."""
    base = load_lift(name)
    choice = base.judged_side
    per_rep = [] if choice is None else [
        f"each rep is judged on its working {choice.limb}, found rep by rep: the side whose "
        f"{choice.series.replace('_', ' ')} is the {choice.works} of the two"
        + (f"; compared between the sides over the set: {', '.join(choice.compare)}"
           if choice.compare else "")]
    variants = [load_lift(name, variant) for variant in base.variants]
    return (per_rep
            + [f"variant {lift.variant}: {JUDGED_LEG[lift.judged_leg]}"
               for lift in variants if lift.judged_leg != base.judged_leg]
            + [f"variant {lift.variant}, named with --variant: hands {lift.hands}"
               + (f" (the wrong-name guard holds it to {fact_words(lift)})"
                  if fact_words(lift) else "")
               for lift in variants if lift.hands != base.hands])


def fact_words(lift: Lift) -> str:
    """What the wrong-name guard holds every clip of ``lift`` to, by its posture, hands and
    stance."""
    return "; ".join(f"{fact.means} {fact.bounds}" for fact in lift.shows)


def driver_words(lift: Lift, quote: str = "") -> str:
    """The series a lift's reps turn on, as ``formcheck exercises`` names it, and what stands in
    for it where its landmarks are unclear; ``quote`` marks the series' names (Markdown's
    backtick)."""
    def name(series: str) -> str:
        return f"{quote}{series}{quote}" if quote else series.replace("_", " ")

    stand_in = (f" (estimated from {name(lift.driver_stand_in)} where its landmarks are unclear)"
                if lift.driver_stand_in else "")
    return name(lift.driver) + stand_in


def made_words(lift: Lift, quote: str = "") -> str:
    """When a rep of the lift counts, as ``formcheck exercises`` and docs/rules.md say it."""
    if lift.made_series is None:
        return MADE_AT[lift.made_at]
    series = (f"{quote}{lift.made_series}{quote}" if quote
              else lift.made_series.replace("_", " "))
    return (f"{MADE_AT[lift.made_at]}, where {series} stops rising (within "
            f"{quote}rep_made_tolerance{quote} of its highest in the rep)")


def posture_words(lift: Lift) -> str:
    """The lift's posture, hands and stance and what they rule out, as ``formcheck exercises`` and
    docs/rules.md say it: a user whose clip is flagged as another lift reads here why."""
    facts = fact_words(lift)
    stance = "" if lift.stance == "square" else f"; stance: {lift.stance}"
    return (f"posture: {lift.posture}; hands: {lift.hands}{stance}"
            + (f" (the wrong-name guard takes a clip for another lift unless it shows {facts})"
               if facts else ""))


def thresholds_markdown(lifts: tuple[str, ...] | None = None,
                        poses: tuple[str, ...] | None = None) -> str:
    """Every lift's and held stretch's thresholds as markdown tables (by default all of them):
    the reference in docs/rules.md, generated from the TOML files so the documentation cannot
    drift from the values in force."""
    from formcheck.evidence import EVIDENCE

    parts = []
    for name in lift_names() if lifts is None else lifts:
        lift, notes = load_lift(name), variant_notes(name)
        parts += [
            f"### {name}",
            "",
            f"{lift.title}. Variants: {', '.join(lift.variants)} (default {lift.variant}). "
            f"Reps turn at the {lift.turn_at} of {driver_words(lift, '`')}; "
            f"{made_words(lift, '`')}. "
            f"Validated on: {lift.validated_on}." + (
                "" if lift.upright == UPRIGHT else
                f" A picture is taken as upside down when the {lift.upright[0]}s show below "
                f"the {lift.upright[1]}s (`upright`; the usual knees below the ankles is "
                "normal in this lift).") + (
                f" {posture_words(lift)[0].upper()}{posture_words(lift)[1:]}."),
            "",
            *(f"- {note}" for note in notes),
            *([""] if notes else []),
            "| check (rule) | faults it reports | judges from (precision on flagged reps) | cue |",
            "|---|---|---|---|",
            *(
                f"| `{check.rule}`{check_label(check).removeprefix(check.rule)} | "
                f"{', '.join(f'`{code}`' for code in check.faults)} | "
                f"{EVIDENCE.judges_from(check.faults)} | " + " / ".join(check.cues.values())
                + " |"
                for check in every_check(name)
            ),
            "",
            "| threshold | value | unit | means | source |",
            "|---|---|---|---|---|",
            *(
                f"| `{t.name}` | {t.value:g} | {t.unit} | {t.means} | {t.source} |"
                for t in lift.thresholds.values()
            ),
            "",
        ]
    return "\n".join(parts + [pose_markdown(name) for name in
                              (pose_names() if poses is None else poses)])


def position_words(pose: Pose) -> list[str]:
    """What puts a lifter in ``pose``'s position, one line per criterion, and its side."""
    lines = [
        f"in position: `{c.series}` {'on either side ' if c.leg == 'either' else ''}"
        f"{c.inside} {pose.value(c.limit):g} (`{c.limit}`), left past "
        f"{pose.value(c.limit + '_leave'):g}" for c in pose.position]
    if pose.side is not None:
        lines.append(f"side: {pose.side.means}, the leg with the "
                     f"{'larger' if pose.side.pick == 'max' else 'smaller'} `{pose.side.series}`"
                     + (f" (past `{pose.side.least}`)" if pose.side.least else ""))
    return lines


def pose_markdown(name: str) -> str:
    """One held stretch's position, checks and thresholds as markdown (docs/rules.md)."""
    from formcheck.evidence import EVIDENCE

    pose = load_pose(name)
    return "\n".join([
        f"### {name} (held stretch: `formcheck hold`)",
        "",
        f"{pose.title}. Held, not counted: time in the position against "
        f"{pose.value('hold_target_min'):g}-{pose.value('hold_target_max'):g} s; each check's "
        f"fault is the share of the held time past its threshold. Validated on: "
        f"{pose.validated_on}.",
        "",
        *(f"- {line}" for line in position_words(pose)),
        "",
        "| check (fault) | measure | judges from (precision on flagged reps) | cue |",
        "|---|---|---|---|",
        *(f"| `{c.fault}` | `{c.series}` {c.worse} `{c.limit}` | "
          f"{EVIDENCE.judges_from((pose.evidence_code(c),))} | {c.cue} |" for c in pose.checks),
        "",
        "| threshold | value | unit | means | source |",
        "|---|---|---|---|---|",
        *(f"| `{t.name}` | {t.value:g} | {t.unit} | {t.means} | {t.source} |"
          for t in pose.thresholds.values()),
        "",
    ])
