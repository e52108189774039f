"""CSV cells that a spreadsheet shows as text, never runs as a formula.

Why: a CSV opened in Excel, LibreOffice or Google Sheets evaluates a cell that starts with
``=``, ``+``, ``-`` or ``@`` (and, in some of them, a tab or a carriage return) as a formula;
a clip named ``=HYPERLINK(...).mp4`` or ``-2+3.mp4`` would then run in the coach's
spreadsheet. As OWASP recommends, such text gets a leading single quote, which spreadsheets
show as text and do not evaluate. Numbers stay numbers: ``-0.5`` is not text.

Example:
    >>> csv_safe("=1+1"), csv_safe("-0.5"), csv_safe(-3), csv_safe("deadlift")
    ("'=1+1", '-0.5', -3, 'deadlift')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP's list)."""

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_safe(value: Any) -> Any:
    """``value`` as a CSV cell that is never a formula: text is quoted with ``'`` when it
    starts like one, unless it is a plain number; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`csv_safe`."""

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(writer: _Writer) -> SafeWriter:
    """Wrap ``csv.writer(...)`` so that no cell it writes can run as a spreadsheet formula."""
    return SafeWriter(writer)
