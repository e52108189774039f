"""What each check was measured to get right, per camera-view bucket, and the rule that a check
only speaks where that evidence holds up.

Why: a confident wrong verdict is worse than "can't tell from this angle". Every check's verdicts
were compared with faults labelled by eye on real reps (``python -m benchmarks.views``, which
writes ``evidence.toml`` beside this module), with the check allowed to judge from any angle.
Where the check's precision in a view bucket reaches :data:`MIN_PRECISION` on at least
:data:`MIN_FLAGGED` reps it flagged, it ships there; anywhere else it abstains and says so, with
the number measured. Evidence, not the geometry alone, decides. The precision holds for the
thresholds it was measured with, so a check judging with others (a variant no labelled clip
used, a user's ``--config``) abstains as well.

Example:
    >>> EVIDENCE.ships("squatted_hinge", "side")
    True
    >>> EVIDENCE.why_not(("hyperextension",), "side").startswith("not reliable")
    True
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

MIN_PRECISION = 0.85
"""Least share of a check's flagged reps that must truly show the fault, in a view bucket, for
the check to judge from that bucket. Source: issue #14 ("precision first": a wrong fault costs a
user's trust more than a missing one)."""

BUCKETS = ("side", "oblique", "front")
"""The camera-view buckets of :mod:`formcheck.view`, from the best view for the side plane."""

MIN_FLAGGED = 5
"""Fewest reps a check must have flagged in a bucket for its precision there to count as
measured: one or two hits say nothing. formcheck choice."""


@dataclass
class Tally:
    """One check's verdicts against the labels, in one view bucket (the benchmark counts into
    one as it goes)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def flagged(self) -> int:
        return self.tp + self.fp

    @property
    def labelled(self) -> int:
        """Reps it judged that carry a label."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        return self.tp / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def ships(self) -> bool:
        return self.flagged >= MIN_FLAGGED and (self.precision or 0.0) >= MIN_PRECISION


@dataclass(frozen=True)
class Evidence:
    """Tallies by fault code and view bucket, and what they allow."""

    tallies: dict[str, dict[str, Tally]]
    measured: str
    """When and on what the tallies were measured."""
    measured_with: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    """Per fault code, each set of threshold values its check used on the labelled clips (a
    lift and variant each): precision measured with other values is not measured at all."""

    def unmeasured_thresholds(self, code: str, values: dict[str, float]) -> str | None:
        """Why ``values`` (a check's thresholds in force) fall outside what ``code`` was measured
        with; None if they match a measured set, or nothing was recorded for the code."""
        known = self.measured_with.get(code)
        if not known or any(values == measured for measured in known):
            return None
        differ = sorted(name for name in values
                        if all(measured.get(name) != values[name] for measured in known))
        shown = ", ".join(f"{name} {values[name]:g}" for name in differ or values)
        return (f"its precision was not measured with these thresholds ({shown}); "
                "`--all-checks` judges anyway")

    def tally(self, code: str, bucket: str) -> Tally:
        return self.tallies.get(code, {}).get(bucket, Tally())

    def ships(self, code: str, bucket: str) -> bool:
        return self.tally(code, bucket).ships

    def worst(self, codes: tuple[str, ...], bucket: str) -> Tally:
        """The least precise of a check's fault codes in ``bucket``: what the check as a whole
        is measured to be (a code never flagged counts as least precise)."""
        return min((self.tally(code, bucket) for code in codes),
                   key=lambda t: (t.precision or 0.0, t.flagged))

    def why_not(self, codes: tuple[str, ...], bucket: str) -> str | None:
        """Why a check reporting ``codes`` may not judge from a ``bucket`` view; None if it
        may (every code it can report ships there)."""
        for code in codes:
            tally = self.tally(code, bucket)
            if tally.ships:
                continue
            if bucket == "unknown":
                return "the camera view could not be estimated"
            if tally.flagged == 0:
                return (f"not reliable from {_a(bucket)} view yet: never measured ({code} flagged "
                        f"on none of {tally.labelled} labelled reps)")
            few = " (too few to count)" if tally.flagged < MIN_FLAGGED else ""
            return (f"not reliable from {_a(bucket)} view yet: {tally.precision:.2f} precision on "
                    f"{tally.flagged} labelled reps it flagged{few}")
        return None

    def judges_from(self, codes: tuple[str, ...]) -> str:
        """The view buckets a check reporting ``codes`` judges from, with the precision that
        earned each; or that it judges from none yet, and its best measured bucket."""
        shipped, measured = [], []
        for bucket in BUCKETS:
            worst = self.worst(codes, bucket)
            if worst.flagged:
                words = f"{bucket} {worst.precision:.2f} on {worst.flagged}"
                (shipped if all(self.ships(code, bucket) for code in codes)
                 else measured).append(words)
        if shipped:
            return ", ".join(shipped)
        return "no view yet" + (f" (measured: {', '.join(measured)})" if measured else
                                " (never flagged a labelled rep)")

    def to_toml(self) -> str:
        """The tallies as ``evidence.toml`` holds them."""
        lines = ["# Written by `python -m benchmarks.views --write`: each check's verdicts against",
                 "# faults labelled by eye, per camera-view bucket. Do not edit by hand.",
                 f'measured = "{self.measured}"', ""]
        for code, buckets in sorted(self.tallies.items()):
            for bucket, t in sorted(buckets.items()):
                lines += [f"[tallies.{code}.{bucket}]",
                          f"tp = {t.tp}", f"fp = {t.fp}", f"fn = {t.fn}", f"tn = {t.tn}", ""]
        for code, sets in sorted(self.measured_with.items()):
            for values in sets:
                lines += [f"[[measured_with.{code}]]",
                          *(f"{name} = {value!r}" for name, value in sorted(values.items())), ""]
        return "\n".join(lines)


def _a(bucket: str) -> str:
    return f"an {bucket}" if bucket[0] in "aeiou" else f"a {bucket}"


def _read(doc: dict[str, Any]) -> Evidence:
    tallies = {code: {bucket: Tally(**counts) for bucket, counts in buckets.items()}
               for code, buckets in doc.get("tallies", {}).items()}
    measured_with = {code: [dict(values) for values in sets]
                     for code, sets in doc.get("measured_with", {}).items()}
    return Evidence(tallies, doc.get("measured", ""), measured_with)


def load_evidence() -> Evidence:
    """The evidence shipped with formcheck."""
    text = resources.files("formcheck").joinpath("evidence.toml").read_text(encoding="utf-8")
    return _read(tomllib.loads(text))


EVIDENCE = load_evidence()
"""The shipped evidence: what every analysis gates its checks on."""
