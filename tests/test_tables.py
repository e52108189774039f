"""The CSV tables carry every numeric measure of the report models, under the same key column."""

from __future__ import annotations

import csv
import io

from pydantic import BaseModel
from test_cli import SAMPLE

from formcheck.api import analyze
from formcheck.report import RepReport
from formcheck.tables import numeric_cells, numeric_columns


def _report():
    return analyze(SAMPLE, "deadlift", variant="kettlebell")


def test_rep_csv_has_every_numeric_measure_of_each_rep() -> None:
    report = _report()
    rows = list(csv.DictReader(io.StringIO(report.csv_text())))
    assert len(rows) == report.rep_count == 10
    for rep, row in zip(report.reps, rows, strict=True):
        assert row["clip"] == report.source and row["rep"] == str(rep.index)
        assert float(row["concentric_s"]) == rep.concentric_s
        assert float(row["eccentric_s"]) == rep.eccentric_s
        for name, value in rep.measures.items():
            assert float(row[f"measures.{name}"]) == value
    assert list(rows[0])[:5] == ["clip", "exercise", "variant", "rep", "outcome"]
    assert list(rows[0])[-3:] == ["faults", "abstained", "reason"]
    assert "measures.hip_angle_turn" in rows[0] and "start_s" in rows[0]


class _Speeds(BaseModel):
    peak_m_s: float
    mean_m_s: float | None


class _Measured(RepReport):
    """A rep report that another change extends with set metrics."""

    speeds: _Speeds
    note: str | None = None
    flag: bool = False


def test_a_numeric_field_added_later_is_a_column_without_code() -> None:
    rep = _report().reps[0]
    extended = _Measured(**rep.model_dump(), speeds=_Speeds(peak_m_s=1.2, mean_m_s=None))
    cells = numeric_cells(extended)
    assert cells["speeds.peak_m_s"] == 1.2 and cells["speeds.mean_m_s"] is None
    assert "note" not in cells and "flag" not in cells and "faults" not in cells
    assert cells["rep"] == rep.index and cells["measures.knee_angle_start"] is not None
    assert {"speeds.peak_m_s", "speeds.mean_m_s", "rep", "score"} <= set(
        numeric_columns(_Measured))


def test_a_report_with_no_reps_still_has_the_whole_header() -> None:
    report = _report().model_copy(update={"reps": []})
    header = report.csv_text().splitlines()
    assert len(header) == 1
    assert {"clip", "rep", "concentric_s", "score", "reason"} <= set(header[0].split(","))
