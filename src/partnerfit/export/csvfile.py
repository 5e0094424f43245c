"""Write one table of a report as CSV.

CSV is for data, not display: numbers are written in full (percentages as the
fractions they are, no thousands separators), dates as ``YYYY-MM-DD``, missing
values as empty fields. The file is UTF-8 with a byte-order mark so that Excel
reads accented names (Ynys Môn) correctly. Text that Excel would run as a formula
(starting ``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed with an
apostrophe, the usual defence against CSV formula injection.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ExportError
from ..formatting import NUMERIC_FORMATS, cell_date, format_value, is_missing
from ..report import Report, Table
from ._atomic import write_text

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(text: str) -> str:
    """Prefix text Excel would read as a formula with an apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _field(value: Any, fmt: str) -> Any:
    """One CSV field."""
    if is_missing(value):
        return ""
    if fmt in NUMERIC_FORMATS:
        if isinstance(value, (int, np.integer)):
            return str(int(value))
        return repr(float(value))
    if fmt == "date":
        return cell_date(value).isoformat()
    return _safe_text(format_value(value, "text"))


def pick_table(report: Report, table: str | None = None) -> Table:
    """Return the one table a CSV export writes.

    Parameters
    ----------
    report : Report
    table : str, optional
        The table's name; needed when the report has more than one table.

    Returns
    -------
    Table

    Raises
    ------
    ExportError
        If the report has no tables, or several and ``table`` does not name one.
    """
    tables = [t for _, t in report.tables()]
    names = ", ".join(repr(t.name) for t in tables)
    if table is None:
        if len(tables) == 1:
            return tables[0]
        if not tables:
            raise ExportError(f"Report {report.title!r} has no tables to write as CSV.")
        raise ExportError(
            f"Report {report.title!r} has {len(tables)} tables ({names}); CSV holds one. "
            "Pass table=<name>, or write .xlsx to get them all."
        )
    for candidate in tables:
        if candidate.name == table:
            return candidate
    raise ExportError(f"Report {report.title!r} has no table named {table!r}; it has {names}.")


def render_csv(report: Report, *, table: str | None = None) -> str:
    """Return one table of the report as CSV text (``\\r\\n`` line ends, no BOM).

    Parameters
    ----------
    report : Report
    table : str, optional
        Which table, by name; needed when the report has several.

    Returns
    -------
    str
    """
    report.validate()
    chosen = pick_table(report, table)
    formats = chosen.column_formats()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_safe_text(label) for label in formats])
    for row in chosen.display_frame().itertuples(index=False, name=None):
        writer.writerow([_field(value, fmt) for value, fmt in zip(row, formats.values())])
    return buffer.getvalue()


def write_csv(report: Report, path: str | os.PathLike, *, table: str | None = None) -> Path:
    """Write one table of the report as a CSV file (UTF-8 with BOM) at ``path``, atomically.

    Parameters
    ----------
    report : Report
    path : str or os.PathLike
    table : str, optional
        Which table, by name; needed when the report has several.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    return write_text(path, render_csv(report, table=table), encoding="utf-8-sig")
