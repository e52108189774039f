"""The documentation's generated parts match the code, so the docs cannot drift."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from formcheck.lift_words import thresholds_markdown
from formcheck.rules import RULES

DOCS = Path(__file__).resolve().parents[1] / "docs"
MARKER = "<!-- generated below by: formcheck exercises --markdown -->"


def test_rules_doc_lists_the_thresholds_in_force() -> None:
    text = (DOCS / "rules.md").read_text()
    assert MARKER in text, "docs/rules.md lost its generated section"
    generated = text.split(MARKER, 1)[1].strip()
    assert generated == thresholds_markdown().strip(), (
        "docs/rules.md is out of date: regenerate its last section with "
        "`formcheck exercises --markdown`"
    )


def test_every_fault_code_is_documented() -> None:
    text = (DOCS / "rules.md").read_text()
    for rule in RULES.values():
        for code in rule.faults:
            assert f"`{code}`" in text, f"docs/rules.md never names {code} ({rule.name})"


def test_robustness_doc_names_tests_that_exist() -> None:
    """Every test docs/robustness.md cites as checking a behaviour is there to check it."""
    text = (DOCS / "robustness.md").read_text()
    cited = re.findall(r"`(test_\w+\.py)?::(\w+)", text)
    assert len(cited) >= 20
    module = ""
    for named, name in cited:
        module = named or module  # `::name` cites another test of the module named before it
        source = (DOCS.parent / "tests" / module).read_text()
        assert f"def {name}(" in source, f"docs/robustness.md cites a missing {module}::{name}"


README = DOCS.parent / "README.md"
DEMO_INTRO = "prints what a coach would say:"
ELIDED = "…"
"""A README line holding only this (indented or not) stands for one or more lines left out."""


def readme_demo_block() -> list[str]:
    """The lines of the README's code block after "... prints what a coach would say:"."""
    text = README.read_text()
    assert DEMO_INTRO in text, "the README lost its demo output"
    block = text.split(DEMO_INTRO, 1)[1].split("```", 2)[1]
    return block.strip("\n").splitlines()


def matches_with_elisions(shown: list[str], printed: list[str]) -> bool:
    """Whether ``shown`` is ``printed`` with some runs of lines replaced by one ``…`` line each:
    every run of shown lines between two ``…`` is printed in one piece, in order, and each
    ``…`` stands for at least one line."""
    pieces: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == ELIDED:
            pieces.append([])
        else:
            pieces[-1].append(line)
    if len(pieces) == 1:
        return shown == printed
    first, *middle, last = pieces
    if printed[:len(first)] != first or (last and printed[-len(last):] != last):
        return False
    at, end = len(first) + 1, len(printed) - len(last) - 1  # each … hides a line at least
    for piece in middle:
        found = next((i for i in range(at, end - len(piece) + 1)
                      if printed[i:i + len(piece)] == piece), None)
        if found is None:
            return False
        at = found + len(piece) + 1
    return at <= end + 1


def test_matches_with_elisions() -> None:
    printed = ["a", "b", "c", "d", "e"]
    assert matches_with_elisions(["a", "…", "c", "…", "e"], printed)
    assert matches_with_elisions(["a", "…", "e"], printed)
    assert not matches_with_elisions(["a", "…", "b", "c", "d", "e"], printed)  # … hides none
    assert not matches_with_elisions(["a", "…", "d", "…", "c", "e"], printed)  # out of order
    assert not matches_with_elisions(["a", "b", "c", "d"], printed)


def test_readme_demo_output_is_what_analyze_prints(tmp_path: Path) -> None:
    """The README's demo output cannot drift: it is the `make demo` command's output (on a
    terminal wide enough not to wrap; the table's trailing padding ignored)."""
    done = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", "samples/kb_deadlift_side.track.npz",
         "--exercise", "deadlift", "--variant", "kettlebell",
         "--json", str(tmp_path / "demo.json"), "--csv", str(tmp_path / "demo.csv")],
        capture_output=True, text=True, timeout=300, cwd=DOCS.parent,
        env=os.environ | {"COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    printed = [line.rstrip() for line in done.stdout.splitlines()]
    shown = readme_demo_block()
    assert matches_with_elisions(shown, printed), (
        "README.md's demo output is out of date; it should be (elide with lines of …):\n"
        + "\n".join(printed)
    )
