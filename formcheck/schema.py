"""The JSON Schema of the report, with the names in force: the lifts and fault codes.

Why not in :mod:`formcheck.report`: the enums come from the lift files and the rule registry,
which depend on the report's types; derived here, a new lift or rule appears in the schema
without anyone listing it by hand.

Example:
    >>> schema = report_schema()
    >>> "deadlift" in schema["properties"]["exercise"]["enum"]
    True
"""

from __future__ import annotations

from typing import Any

from formcheck.config import lift_names, load_pose, pose_names
from formcheck.hold_report import HoldReport
from formcheck.report import Report
from formcheck.rules import RULES


def report_schema() -> dict[str, Any]:
    """:class:`Report`'s JSON Schema, its ``exercise`` and fault ``code`` limited to what this
    formcheck knows (lifts on ``$FORMCHECK_LIFT_PATH`` included)."""
    schema = Report.model_json_schema()
    schema["properties"]["exercise"]["enum"] = list(lift_names())
    codes = sorted({code for rule in RULES.values() for code in rule.faults})
    schema["$defs"]["Fault"]["properties"]["code"]["enum"] = codes
    return schema


def hold_schema() -> dict[str, Any]:
    """:class:`~formcheck.hold_report.HoldReport`'s JSON Schema (``formcheck hold``), its
    ``pose`` and position fault ``code`` limited to the stretches this formcheck knows."""
    schema = HoldReport.model_json_schema()
    schema["properties"]["pose"]["enum"] = list(pose_names())
    codes = sorted({code for name in pose_names() for code in load_pose(name).faults})
    schema["$defs"]["PositionFault"]["properties"]["code"]["enum"] = codes
    return schema
