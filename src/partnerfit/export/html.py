"""Write a report as one self-contained HTML page.

The page needs nothing else to open: the CSS is inline, figures are embedded as
``data:`` URIs (PNG or SVG), there are no scripts, and a Content-Security-Policy
forbids fetching anything. It prints cleanly on A4 (header rows repeat on each
page; rows and figures are not split). Every piece of text is escaped.
"""

from __future__ import annotations

import base64
import functools
import os
import struct
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..formatting import NUMERIC_FORMATS, cell_date, format_value
from ..report import MARK, Report
from ._atomic import write_text


@functools.cache
def _environment() -> jinja2.Environment:
    """The jinja2 environment over the package's templates (autoescape on)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("partnerfit", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


@functools.cache
def _css() -> str:
    """The report stylesheet."""
    return resources.files("partnerfit").joinpath("templates", "report.css").read_text("utf-8")


#: Tables with at most this many rows are kept on one printed page when they fit.
KEEP_TOGETHER_ROWS = 25

#: Tables with more columns than this are set in smaller type so they fit an A4 page.
WIDE_COLUMNS = 7


def _cell_class(fmt: str) -> str:
    """CSS class of a column's cells: numbers right-aligned, numbers and dates unbroken."""
    if fmt in NUMERIC_FORMATS:
        return "pf-num"
    return "pf-date" if fmt == "date" else ""


def _cell(table: Any, row: int, label: str, value: Any, fmt: str, cls: str) -> dict[str, str]:
    """One cell for the template; a marked cell is hatched, starred and titled with why."""
    mark = table.mark_of(row, label)
    text = format_value(value, fmt)
    if not mark:
        return {"text": text, "cls": cls, "title": ""}
    return {"text": f"{text}{MARK}", "cls": f"{cls} pf-marked".strip(), "title": mark}


def _data_uri(data: bytes, mime: str) -> str:
    """``data:`` URI for an image."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _png_display_width(data: bytes) -> int | None:
    """Width in CSS pixels at which a PNG shows at its physical size, from its pHYs chunk.

    A matplotlib figure drawn 7 inches wide at 150 dpi is 1050 pixels; shown at 672
    CSS pixels (7 inches at 96 per inch) its text has the size the author chose.
    Returns None when the PNG does not say its resolution.
    """
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width = struct.unpack(">I", data[16:20])[0]
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        if kind == b"pHYs" and length == 9:
            per_x, _, unit = struct.unpack(">IIB", data[position + 8 : position + 17])
            if unit == 1 and per_x > 0:  # pixels per metre
                return max(1, round(width / (per_x * 0.0254) * 96))
            return None
        if kind in (b"IDAT", b"IEND"):
            return None
        position += 12 + length
    return None


def _context(report: Report) -> dict[str, Any]:
    """Everything the template needs, with every cell already formatted as text."""
    sections = []
    table_number = figure_number = 0
    first_appendix = True
    for section in report.sections:
        if section.workbook_only:
            continue
        tables = []
        for table in section.tables:
            table_number += 1
            formats = table.column_formats()
            classes = [_cell_class(fmt) for fmt in formats.values()]
            frame = table.display_frame()
            rows = [
                [_cell(table, i, label, value, fmt, cls)
                 for label, value, fmt, cls in zip(formats, row, formats.values(), classes)]
                for i, row in enumerate(frame.itertuples(index=False, name=None))
            ]
            tables.append(
                {
                    "number": table_number,
                    "caption": table.caption or table.name,
                    "columns": [
                        {"label": label, "cls": cls} for label, cls in zip(formats, classes)
                    ],
                    "rows": rows,
                    "keep": len(rows) <= KEEP_TOGETHER_ROWS,
                    "wide": len(formats) > WIDE_COLUMNS,
                }
            )
        figures = []
        for figure in section.figures:
            figure_number += 1
            data, mime = figure.image()
            figures.append(
                {
                    "number": figure_number,
                    "caption": figure.caption,
                    "alt": figure.alt_text,
                    "src": _data_uri(data, mime),
                    "width": _png_display_width(data) if mime == "image/png" else None,
                }
            )
        starts_appendix = section.appendix and first_appendix
        first_appendix = first_appendix and not section.appendix
        sections.append(
            {
                "starts_appendix": starts_appendix,
                "heading": section.heading,
                "paragraphs": section.paragraphs,
                "tables": tables,
                "figures": figures,
            }
        )
    return {
        "report": report,
        "sections": sections,
        "date": report.date_text,
        "date_iso": cell_date(report.generated_on).isoformat() if report.generated_on else "",
        "css": Markup(_css()),
    }


def render_html(report: Report) -> str:
    """Return the report as one self-contained HTML page.

    Parameters
    ----------
    report : Report

    Returns
    -------
    str
        The page. Same report, same text.

    Raises
    ------
    DataValidationError
        If the report is invalid.
    ExportError
        If a figure cannot be drawn.
    """
    report.validate()
    return _environment().get_template("report.html.j2").render(**_context(report))


def write_html(report: Report, path: str | os.PathLike) -> Path:
    """Write the report as one self-contained HTML file at ``path`` (atomically).

    Parameters
    ----------
    report : Report
    path : str or os.PathLike
        Usually ending ``.html``.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    DataValidationError
        If the report is invalid (nothing is written).
    ExportError
        If a figure cannot be drawn or the file cannot be written (nothing is written,
        an existing file is left as it was).
    """
    return write_text(path, render_html(report))
