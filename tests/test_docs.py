"""The documentation's generated parts match the code, so the docs cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from formcheck.config import thresholds_markdown
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
