"""Write a report as one Excel workbook (openpyxl).

One sheet per table, in report order, then a "Sources and assumptions" sheet.
Every table sheet has a bold, frozen header row with an autofilter; numbers are
real numbers with Excel number formats (percentages as fractions shown ``0.0%``,
dates as real dates); column widths follow the content. Text is always stored as
text, never as a formula, so a council note such as ``=HYPERLINK("x")`` cannot run
(formula injection). The file's bytes depend only on the report.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from ..errors import DataValidationError
from ..formatting import NUMERIC_FORMATS, cell_date, format_value, is_missing
from ..report import Report

_MARK_COLOUR = "A6A6A6"  # grey hatching of marked cells
from ._atomic import atomic_path

#: Name of the last sheet, listing the report's details, sources and assumptions.
SOURCES_SHEET = "Sources and assumptions"
#: The sheet holding the report's charts, as pictures.
CHARTS_SHEET = "Charts"

#: Excel number format for each column format.
NUMBER_FORMATS: dict[str, str] = {
    "percent": "0.0%",
    "int": "#,##0",
    "float1": "#,##0.0",
    "float2": "#,##0.00",
    "km": '#,##0.0" km"',
    "date": "d mmm yyyy",
    "text": "@",
}

#: Column widths (in characters) are the longest shown value plus padding, within these.
MIN_WIDTH, MAX_WIDTH = 8, 60

_MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_MAX_CELL_TEXT = 32_767
_MAX_ROWS, _MAX_COLUMNS = 1_048_576, 16_384
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_BOLD = Font(bold=True)


def _shorten(name: str, limit: int) -> str:
    """Cut ``name`` to ``limit`` characters, at a word break if one is near the end."""
    if len(name) > limit:
        cut = name[: limit + 1].rfind(" ")
        name = name[:cut] if cut >= limit * 2 // 3 else name[:limit]
    return name.rstrip().rstrip("'").rstrip() or "Table"


def sheet_names(names: list[str], reserved: tuple[str, ...] = (SOURCES_SHEET,)) -> list[str]:
    """Turn table names into valid, unique Excel sheet names.

    Characters Excel forbids (``[ ] : * ? / \\``) become spaces, leading and trailing
    apostrophes go, names are cut to 31 characters, and a name already taken
    (Excel ignores case) gets a suffix `` (2)``, `` (3)`` ... within the 31.

    Parameters
    ----------
    names : list of str
        Wanted names, in sheet order.
    reserved : tuple of str
        Names already in use (kept as they are).

    Returns
    -------
    list of str
        One valid name per input, in the same order.
    """
    used = {name.casefold() for name in reserved}
    out = []
    for wanted in names:
        base = " ".join(_BAD_SHEET_CHARS.sub(" ", str(wanted)).split()).strip("'").strip()
        if not base or base.casefold() == "history":  # "History" is reserved by Excel
            base = f"{base} table".strip() if base else "Table"
        candidate = _shorten(base, _MAX_SHEET_NAME)
        number = 2
        while candidate.casefold() in used:
            suffix = f" ({number})"
            candidate = _shorten(base, _MAX_SHEET_NAME - len(suffix)) + suffix
            number += 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def _set_text(cell: Any, text: str) -> None:
    """Store ``text`` as a string cell, never a formula, whatever it starts with."""
    cell.value = text
    cell.data_type = "s"
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited


def _text_problem(text: str, where: str) -> str | None:
    """Why Excel cannot store ``text``, or None."""
    bad = ILLEGAL_CHARACTERS_RE.search(text)
    if bad:
        return (
            f"{where}: the text holds the control character {bad.group()!r}, which Excel "
            "cannot store; remove it from the data."
        )
    if len(text) > _MAX_CELL_TEXT:
        return f"{where}: the text is {len(text):,} characters long; Excel's limit is 32,767."
    return None


def _put(cell: Any, value: Any, fmt: str, where: str, problems: list[str]) -> str:
    """Write one value into ``cell`` in format ``fmt``; return the text shown (for widths)."""
    if is_missing(value):
        return ""
    if fmt in NUMERIC_FORMATS:
        number = int(value) if isinstance(value, (int, np.integer)) else float(value)
        if isinstance(number, float) and math.isinf(number):
            problems.append(f"{where}: the value is infinite, which Excel cannot store.")
            return ""
        cell.value = number
        cell.number_format = NUMBER_FORMATS[fmt]
        return format_value(value, fmt)
    if fmt == "date":
        cell.value = cell_date(value)
        cell.number_format = NUMBER_FORMATS["date"]
        return format_value(value, fmt)
    text = format_value(value, "text")
    problem = _text_problem(text, where)
    if problem:
        problems.append(problem)
        return ""
    _set_text(cell, text)
    cell.number_format = NUMBER_FORMATS["text"]
    return text


def _mark(cell: Any, reason: str) -> None:
    """Hatch a marked cell (unknown value filled by a policy) and say why in a note."""
    cell.fill = PatternFill(fill_type="lightUp", fgColor=_MARK_COLOUR)
    cell.comment = Comment(reason, "partnerfit")


def _finish_sheet(ws: Any, widths: list[int], wrap: list[bool]) -> None:
    """Bold frozen header, autofilter and column widths."""
    ncols = len(widths)
    last = get_column_letter(max(ncols, 1))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{max(ws.max_row, 1)}"
    for position, width in enumerate(widths, 1):
        letter = get_column_letter(position)
        ws.column_dimensions[letter].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
        if wrap[position - 1]:
            for (cell,) in ws.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _write_table_sheet(ws: Any, table: Any, problems: list[str]) -> None:
    """Fill one sheet from a table."""
    frame = table.display_frame()
    formats = table.column_formats()
    nrows, ncols = frame.shape
    if nrows + 1 > _MAX_ROWS or ncols > _MAX_COLUMNS:
        problems.append(
            f"sheet {ws.title!r}: {nrows:,} rows x {ncols:,} columns is more than Excel "
            "allows (1,048,575 data rows, 16,384 columns); split the table."
        )
        return
    widths, wrap = [], []
    for position, (label, fmt) in enumerate(formats.items(), 1):
        where = f"sheet {ws.title!r}, header of column {position}"
        problem = _text_problem(label, where)
        if problem:
            problems.append(problem)
        else:
            header = ws.cell(row=1, column=position)
            _set_text(header, label)
            header.font = _BOLD
            if fmt in NUMERIC_FORMATS:
                header.alignment = Alignment(horizontal="right")
        longest = len(label) + 1
        for offset, value in enumerate(frame.iloc[:, position - 1].tolist()):
            row = offset + 2
            where = f"sheet {ws.title!r}, row {row}, column {label!r}"
            cell = ws.cell(row=row, column=position)
            shown = _put(cell, value, fmt, where, problems)
            mark = table.mark_of(offset, label)
            if mark:
                _mark(cell, mark)
            longest = max(longest, max((len(line) for line in shown.split("\n")), default=0))
        widths.append(longest)
        wrap.append(fmt == "text" and longest + 2 > MAX_WIDTH)
    _finish_sheet(ws, widths, wrap)


def _sources_rows(report: Report, names: list[str]) -> list[tuple[str, Any, str]]:
    """The rows of the sources sheet: (item, detail, format of detail)."""
    rows: list[tuple[str, Any, str]] = [("Title", report.title, "text")]
    if report.subtitle:
        rows.append(("Subtitle", report.subtitle, "text"))
    if report.generated_for:
        rows.append(("Prepared for", report.generated_for, "text"))
    if report.generated_on:
        rows.append(("Date", report.generated_on, "date"))
    for name, (_, table) in zip(names, report.tables()):
        rows.append((f"Sheet '{name}'", table.caption or table.name, "text"))
    for number, (_, figure) in enumerate(report.figures(), 1):
        rows.append(
            (
                f"Figure {number}",
                (
                    f"{figure.caption or figure.name} (on the {CHARTS_SHEET} sheet)"
                ),
                "text",
            )
        )
    for section in report.sections:
        for paragraph in section.paragraphs:
            rows.append((f"Note: {section.heading}", paragraph, "text"))
    for number, source in enumerate(report.sources, 1):
        rows.append((f"Source {number}", source, "text"))
    if not report.sources:
        rows.append(("Sources", "None given.", "text"))
    for number, assumption in enumerate(report.assumptions, 1):
        rows.append((f"Assumption {number}", assumption, "text"))
    if not report.assumptions:
        rows.append(("Assumptions", "None given.", "text"))
    return rows


def _write_charts_sheet(ws: Any, report: Report) -> None:
    """Every figure of the report as a picture, one below the other, each under its caption
    (the caption says what the chart shows for readers who cannot see it)."""
    from openpyxl.drawing.image import Image as SheetImage

    row = 1
    for number, (_, figure) in enumerate(report.figures(), 1):
        data, mime = figure.image()
        cell = ws.cell(row=row, column=1)
        _set_text(cell, f"Figure {number}: {figure.caption or figure.name}. {figure.alt_text}"
                  if figure.alt_text != (figure.caption or figure.name)
                  else f"Figure {number}: {figure.caption or figure.name}")
        cell.font = _BOLD
        if mime != "image/png":
            _set_text(ws.cell(row=row + 1, column=1),
                      "(an SVG chart: see the HTML report)")
            row += 3
            continue
        picture = SheetImage(io.BytesIO(data))
        scale = min(1.0, 900 / picture.width)  # at most 900 pixels wide
        picture.width, picture.height = picture.width * scale, picture.height * scale
        ws.add_image(picture, f"A{row + 1}")
        row += int(picture.height / 20) + 4  # default rows are 20 pixels high
    ws.column_dimensions["A"].width = 100


def _write_sources_sheet(ws: Any, report: Report, names: list[str], problems: list[str]) -> None:
    """Fill the "Sources and assumptions" sheet."""
    for position, label in enumerate(("Item", "Detail"), 1):
        cell = ws.cell(row=1, column=position)
        _set_text(cell, label)
        cell.font = _BOLD
    widths = [len("Item"), len("Detail")]
    for row, (item, detail, fmt) in enumerate(_sources_rows(report, names), 2):
        where = f"sheet {ws.title!r}, row {row}"
        widths[0] = max(widths[0], len(_put(ws.cell(row, 1), item, "text", where, problems)))
        shown = _put(ws.cell(row, 2), detail, fmt, where, problems)
        widths[1] = max(widths[1], len(shown))
    _finish_sheet(ws, widths, [False, widths[1] + 2 > MAX_WIDTH])


def build_workbook(report: Report) -> Workbook:
    """Build the workbook for ``report`` in memory.

    Parameters
    ----------
    report : Report

    Returns
    -------
    openpyxl.Workbook

    Raises
    ------
    DataValidationError
        If the report is invalid or holds values Excel cannot store (control
        characters, infinite numbers, text over 32,767 characters), listing every one.
    """
    report.validate()
    tables = [table for _, table in report.tables()]
    names = sheet_names([table.name for table in tables])
    workbook = Workbook()
    workbook.remove(workbook.active)
    problems: list[str] = []
    for name, table in zip(names, tables):
        _write_table_sheet(workbook.create_sheet(name), table, problems)
    if any(True for _ in report.figures()):
        _write_charts_sheet(workbook.create_sheet(CHARTS_SHEET), report)
    _write_sources_sheet(workbook.create_sheet(SOURCES_SHEET), report, names, problems)
    if problems:
        raise DataValidationError(f"Excel export of {report.title!r}", problems)
    workbook.active = 0
    stamp = (
        _dt.datetime.combine(report.generated_on, _dt.time())
        if report.generated_on
        else _dt.datetime(2000, 1, 1)
    )
    props = workbook.properties
    props.title = report.title[:255]
    props.creator = "partnerfit"
    props.lastModifiedBy = "partnerfit"
    props.created = stamp
    props.modified = stamp
    return workbook


class _FixedTimeZipFile(zipfile.ZipFile):
    """A ZipFile that stamps every member with 1 Jan 1980, so the bytes never depend on time."""

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl writes each worksheet to a scratch file and adds it by name, which
        # would stamp the member with the scratch file's modification time.
        with open(filename, "rb") as handle:
            data = handle.read()
        name = arcname if arcname is not None else os.path.basename(filename)
        self.writestr(name, data, compress_type, compresslevel)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


def write_excel(report: Report, path: str | os.PathLike) -> Path:
    """Write ``report`` as an Excel workbook at ``path`` (atomically).

    Parameters
    ----------
    report : Report
    path : str or os.PathLike
        Usually ending ``.xlsx``.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    DataValidationError
        If the report holds values Excel cannot store (nothing is written).
    ExportError
        If the file cannot be written or replaced.
    """
    return save_workbook(build_workbook(report), path)


def save_workbook(workbook: Workbook, path: str | os.PathLike) -> Path:
    """Save an openpyxl workbook at ``path`` atomically, with bytes that never depend on the
    time (every archive member stamped 1 Jan 1980; set the workbook's properties yourself).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    with atomic_path(path) as temp:
        archive = _FixedTimeZipFile(temp, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        try:
            ExcelWriter(workbook, archive).save()
        finally:
            archive.close()
    return Path(os.fspath(path)).expanduser()
