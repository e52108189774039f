"""Reports as spreadsheet rows: the columns of ``analyze --csv``, ``reps.csv`` and ``summary.csv``.

Why derived from the models: a number added to :class:`~formcheck.report.RepReport` or
:class:`~formcheck.report.Report` (a tempo, a bar speed in m/s) is a column at once, with no
column list to keep in step. Every numeric field is a column named after it; a nested model's
fields and a mapping's keys are flattened as ``parent.child`` (``measures.hip_angle_start``,
``view.yaw_deg``). Units are in the names (``_s``: seconds, ``_deg``: degrees, ``_m_s``: metres
per second) or, for ``measures.*``, documented: joint angles and inclinations in degrees.

Every key column is named ``clip`` in every table, so the tables join on it. No cell can run as a
spreadsheet formula (:func:`~formcheck.csvsafe.csv_safe`).

Example:
    >>> import formcheck
    >>> report = formcheck.analyze("set.track.npz", "deadlift", variant="kettlebell")
    >>> rows = report.rep_rows(clip="set.mp4")
    >>> rows[0]["clip"], rows[0]["rep"], rows[0]["concentric_s"], rows[0]["measures.hip_angle_turn"]
    ('set.mp4', 1, 1.0, 173.41)
    >>> csv_text(rows, first=REP_FIRST, last=REP_LAST).splitlines()[0][:40]
    'clip,exercise,variant,rep,outcome,start_'
"""

from __future__ import annotations

import csv
import io
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from formcheck.csvsafe import csv_safe

KEY = "clip"
"""The column naming the clip in every table: the join key."""

RENAMED = {"index": "rep", "rep_count": "reps"}
"""Fields whose column has a shorter name, kept from the tables' first versions."""

Cell = int | float | str | None
Kind = Literal["number", "model", "mapping"]


def _kind(annotation: Any) -> tuple[Kind, Any] | None:
    """How a field of this type becomes columns (with the nested model, if it is one), or None:
    text and lists are not measures, and nor is ``bool`` (a flag). ``X | None`` counts as
    ``X``, and ``int | float`` as a number."""
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = {_kind(arg) for arg in get_args(annotation) if arg is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    if annotation in (int, float):
        return "number", None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    if get_origin(annotation) is dict and _kind(get_args(annotation)[1]) == ("number", None):
        return "mapping", None
    return None


def _fields(model: type[BaseModel], skip: Iterable[str],
            prefix: str) -> Iterator[tuple[str, str, Kind, Any]]:
    """``(field, column, kind, nested model)`` for each field of ``model`` that makes columns."""
    for name, field in model.model_fields.items():
        kind = _kind(field.annotation)
        if name not in skip and kind is not None:
            yield name, prefix + (name if prefix else RENAMED.get(name, name)), *kind


def numeric_columns(model: type[BaseModel], *, skip: Iterable[str] = (),
                    prefix: str = "") -> list[str]:
    """The columns :func:`numeric_cells` makes of every ``model``, whatever its values: the
    header of a table with no row yet (a mapping's keys come only with its values)."""
    names = []
    for _, column, kind, nested in _fields(model, skip, prefix):
        if kind == "number":
            names.append(column)
        elif kind == "model":
            names += numeric_columns(nested, prefix=column + ".")
    return names


def numeric_cells(model: BaseModel, *, skip: Iterable[str] = (),
                  prefix: str = "") -> dict[str, Cell]:
    """Every numeric field of ``model``, nested models and mappings of numbers flattened as
    ``parent.child``, in the model's field order; ``skip`` names top-level fields left out."""
    cells: dict[str, Cell] = {}
    for name, column, kind, _ in _fields(type(model), skip, prefix):
        value = getattr(model, name)
        if kind == "number":
            cells[column] = value
        elif kind == "model" and value is not None:
            cells |= numeric_cells(value, prefix=column + ".")
        elif kind == "mapping":
            cells |= {f"{column}.{key}": item for key, item in (value or {}).items()}
    return cells


REP_FIRST = ("clip", "exercise", "variant", "rep", "outcome")
REP_LAST = ("faults", "abstained", "reason")
"""The per-rep table's text columns around its numbers (first: what the row is; last: why)."""


def columns(rows: Iterable[Mapping[str, Any]], first: Sequence[str],
            last: Sequence[str]) -> list[str]:
    """``first``, then every other column the rows have (in the order they appear), then
    ``last``: rows of several lifts (other measures) share one header."""
    fixed = set(first) | set(last)
    middle = dict.fromkeys(key for row in rows for key in row if key not in fixed)
    return [*first, *middle, *last]


def csv_text(rows: Sequence[Mapping[str, Any]], *, first: Sequence[str], last: Sequence[str],
             header: Sequence[str] = ()) -> str:
    """``rows`` as CSV text; columns as :func:`columns` orders them (``header``: columns always
    present, even with no row to show them); a cell a row lacks is empty."""
    buffer = io.StringIO()
    names = columns([dict.fromkeys(header), *rows], first, last)
    writer = csv.DictWriter(buffer, names, restval="")
    writer.writeheader()
    writer.writerows({key: csv_safe(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()
