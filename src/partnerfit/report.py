"""A small, generic report model that every partnerfit result can export through.

A :class:`Report` is a title, some :class:`Section` objects and the sources and
assumptions behind the numbers. Each section holds paragraphs of plain text,
:class:`Table` objects (a :class:`pandas.DataFrame` plus how to show each column)
and :class:`Figure` objects (a matplotlib figure or ready-made PNG/SVG bytes).

Writers in :mod:`partnerfit.export` turn a report into an Excel workbook, one
self-contained HTML page, Markdown or (for one table) CSV. Result objects
(``Shortlist``, ``Plan`` ...) offer ``to_report()`` so that they can be written
with :func:`partnerfit.export.write`.

Cells are shown by :mod:`partnerfit.formatting` (column formats ``percent``, ``int``,
``float1``, ``float2``, ``km``, ``date`` and ``text``; its names are importable from here too).
The builders that turn each result into a report live in :mod:`partnerfit.export.builders`.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .errors import DataValidationError, ExportError
from .formatting import (
    DECIMALS,
    FORMATS,
    NUMERIC_FORMATS,
    format_date,
    format_number,
    format_value,
    infer_format,
    is_date,
    is_missing,
    is_number,
)

__all__ = [
    "DATA_SOURCES",
    "DECIMALS",
    "FIGURE_DPI",
    "FORMATS",
    "MARK",
    "NUMERIC_FORMATS",
    "ExportError",
    "Figure",
    "Report",
    "Section",
    "Table",
    "figure_image",
    "format_date",
    "format_number",
    "format_value",
    "infer_format",
    "is_missing",
]

#: Written after the value of a marked table cell (see :attr:`Table.marks`) in every export.
MARK = "*"

#: Dots per inch used when a matplotlib figure is rendered to PNG.
FIGURE_DPI = 150

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


DATA_SOURCES = (
    "Council register: mySociety (CC BY 4.0), GOV.UK registers, ONS (OGL v3)",
    ("Arrangements and IT systems: partnerfit registers, each row sourced "
     "(councils/arrangements*.csv, councils/systems*.csv; origins and licences in "
     "councils/SOURCES.md)"),
)
"""Where the bundled data comes from: the sources line of every report built from it."""


def _column_label(label: Any) -> str:
    """Return a column label as text (MultiIndex tuples are joined with ' / ')."""
    if isinstance(label, tuple):
        return " / ".join(str(part) for part in label if str(part) != "")
    return str(label)


def _value_problems(series: pd.Series, column: str, fmt: str) -> list[str]:
    """Check that a column's values suit its format; one sentence per bad column."""
    dtype = series.dtype
    if fmt in NUMERIC_FORMATS:
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            return []
        ok, want = is_number, "numbers"
    elif fmt == "date":
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return []
        ok, want = is_date, "dates"
    else:
        return []
    bad = [
        (position, value)
        for position, value in enumerate(series)
        if not is_missing(value) and not ok(value)
    ]
    if not bad:
        return []
    shown = ", ".join(f"row {position + 1} ({value!r})" for position, value in bad[:3])
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    message = (
        f"column {column!r} has format {fmt!r} but holds values that are not {want}: "
        f"{shown}{more}; convert the column (e.g. pd.to_numeric / pd.to_datetime) "
        "or give it the 'text' format."
    )
    return [message]


# ----------------------------------------------------------------------------------------
# The report model
# ----------------------------------------------------------------------------------------


@dataclass(eq=False)
class Table:
    """A table of results and how to show each of its columns.

    The frame and the formats are copied when the table is made, so later changes
    to the caller's objects do not change the report.

    Parameters
    ----------
    name : str
        Short name; becomes the Excel sheet name (shortened to Excel's rules).
    frame : pandas.DataFrame
        The data. Percent columns hold fractions (0.25 means 25%).
    formats : dict of str to str, optional
        Shown column label (see :meth:`display_frame`) to one of :data:`FORMATS`.
        Columns left out are inferred with :func:`infer_format`.
    caption : str, optional
        One sentence saying what the table shows.
    index : bool, default False
        Whether to show the frame's index as the first column(s).
    marks : pandas.DataFrame, optional
        Cells to mark, e.g. values that were unknown and filled by a missing-data policy:
        one row per row of ``frame`` (by position), columns among the shown labels, the
        reason as text ("" = not marked). Marked cells are hatched and starred in every
        export (:data:`MARK` after the value).

    Raises
    ------
    DataValidationError
        Listing every problem: not a DataFrame, no columns, duplicate column labels,
        an unknown format, a format for a column the table lacks, or values that do
        not suit their format (text in a number column ...).
    """

    name: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    caption: str = ""
    index: bool = False
    marks: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if isinstance(self.frame, pd.DataFrame):
            self.frame = self.frame.copy()
        if isinstance(self.marks, pd.DataFrame):
            self.marks = self.marks.copy().reset_index(drop=True)
        self.formats = dict(self.formats or {})
        self.validate()

    def validate(self) -> None:
        """Check the table again (fields may have changed since it was made).

        Raises
        ------
        DataValidationError
            Listing every problem found.
        """
        source = f"table {self.name!r}"
        if not isinstance(self.frame, pd.DataFrame):
            raise DataValidationError(
                source,
                [f"frame must be a pandas DataFrame, not {type(self.frame).__name__}."],
            )
        problems = []
        if not isinstance(self.name, str) or not self.name.strip():
            problems.append("the table has no name; give it a short name such as 'Shortlist'.")
        if not isinstance(self.caption, str):
            problems.append(f"caption must be text, not {type(self.caption).__name__}.")
        frame = self.display_frame()
        labels = list(frame.columns)
        if not labels:
            problems.append("the table has no columns.")
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        for label in duplicates:
            problems.append(
                f"two or more shown columns are labelled {label!r}; rename them so each "
                "label is unique (the index, if shown, counts as a column)."
            )
        for column, fmt in self.formats.items():
            if fmt not in FORMATS:
                problems.append(
                    f"column {column!r} has unknown format {fmt!r}; "
                    f"use one of: {', '.join(FORMATS)}."
                )
            if column not in labels:
                problems.append(
                    f"formats names column {column!r}, which the table does not have "
                    f"(its columns are: {', '.join(map(repr, labels))})."
                )
        problems.extend(self._mark_problems(labels, len(frame)))
        if not duplicates:
            for position, column in enumerate(labels):
                fmt = self.formats.get(column, "")
                if fmt in FORMATS:
                    problems.extend(_value_problems(frame.iloc[:, position], column, fmt))
        if problems:
            raise DataValidationError(source, problems)

    def _mark_problems(self, labels: list[str], n: int) -> list[str]:
        if self.marks is None:
            return []
        if not isinstance(self.marks, pd.DataFrame):
            return [f"marks must be a pandas DataFrame, not {type(self.marks).__name__}."]
        problems = [f"marks names column {c!r}, which the table does not show."
                    for c in self.marks.columns if c not in labels]
        if len(self.marks) != n:
            problems.append(f"marks has {len(self.marks)} rows but the table {n}; give one "
                            "row per table row.")
        return problems

    def mark_of(self, row: int, label: str) -> str:
        """The mark of a shown cell ("" if none).

        Parameters
        ----------
        row : int
            Row position (0 = first row).
        label : str
            Shown column label.
        """
        if self.marks is None or label not in self.marks.columns:
            return ""
        value = self.marks.iat[row, self.marks.columns.get_loc(label)]
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) \
            else str(value)

    def display_frame(self) -> pd.DataFrame:
        """Return the frame as it is shown: index as leading columns if asked, text labels.

        Returns
        -------
        pandas.DataFrame
            A new frame whose column labels are strings and whose index is 0..n-1.
            An unnamed index is shown under the label ``"index"`` (``"level_0"`` ...
            for a MultiIndex).
        """
        frame = self.frame.copy()
        if self.index:
            single = frame.index.nlevels == 1
            names = [
                _column_label(n) if n is not None else ("index" if single else f"level_{i}")
                for i, n in enumerate(frame.index.names)
            ]
            index_part = frame.index.to_frame(index=False)
            index_part.columns = names
            body = frame.reset_index(drop=True)
            frame = pd.concat([index_part, body], axis=1)
        else:
            frame = frame.reset_index(drop=True)
        frame.columns = [_column_label(c) for c in frame.columns]
        return frame

    def column_formats(self) -> dict[str, str]:
        """Return the format of every shown column, explicit or inferred.

        Returns
        -------
        dict of str to str
            Shown column label to format, in column order.
        """
        frame = self.display_frame()
        return {
            column: self.formats.get(column) or infer_format(frame.iloc[:, position])
            for position, column in enumerate(frame.columns)
        }


@dataclass(eq=False)
class Figure:
    """A chart: a matplotlib Figure or PNG/SVG bytes already rendered.

    Parameters
    ----------
    name : str
        Short name; used for side-car file names in Markdown output.
    figure_or_bytes : matplotlib.figure.Figure or bytes
        The chart. A Figure is rendered to PNG at :data:`FIGURE_DPI` when exported.
    caption : str, optional
        One sentence saying what the chart shows.
    alt : str, optional
        Text alternative for screen readers. Falls back to the caption, then the name.
    """

    name: str
    figure_or_bytes: Any
    caption: str = ""
    alt: str = ""

    @property
    def alt_text(self) -> str:
        """The text alternative actually used: ``alt``, else ``caption``, else ``name``."""
        return self.alt.strip() or self.caption.strip() or self.name

    def image(self) -> tuple[bytes, str]:
        """Return the image bytes and their MIME type.

        Returns
        -------
        tuple of (bytes, str)
            ``(data, "image/png")`` or ``(data, "image/svg+xml")``.

        Raises
        ------
        ExportError
            If the bytes are neither PNG nor SVG, the object is not a figure, or
            the figure fails to draw.
        """
        return figure_image(self.figure_or_bytes, name=self.name)


@dataclass
class Section:
    """One headed part of a report.

    Parameters
    ----------
    heading : str
        The section heading.
    paragraphs : list of str, optional
        Plain text; each item is one paragraph.
    tables : list of Table, optional
    figures : list of Figure, optional
        Shown after the tables.
    appendix : bool, default False
        Part of the appendices: printed HTML starts the first appendix on a new page, so
        the main body can be kept short.
    workbook_only : bool, default False
        Only in the Excel workbook (e.g. the full ranking of several hundred rows); HTML and
        Markdown leave it out.
    """

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    appendix: bool = False
    workbook_only: bool = False


def _list_problems(owner: str, name: str, value: Any, kind: type | tuple) -> list[str]:
    """Problems with a field that must be a list of ``kind``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        return [f"{owner}: {name} must be a list, not {type(value).__name__}."]
    expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
    return [
        f"{owner}: {name}[{i}] must be a {expected}, not {type(item).__name__}."
        for i, item in enumerate(value)
        if not isinstance(item, kind)
    ]


@dataclass(eq=False)
class Report:
    """A whole report: what it is, its sections, and the evidence behind it.

    Parameters
    ----------
    title : str
    subtitle : str, optional
    generated_for : str, optional
        Free text, e.g. ``"Cabinet, 14 May 2025: shared revenues and benefits"``.
    sections : list of Section, optional
    sources : list of str, optional
        Where the data came from, one source per item.
    assumptions : list of str, optional
        Assumptions a reader should know about, one per item.
    generated_on : datetime.date, optional
        Date printed on the report and stored in the workbook's properties. Left
        out, no date is printed; either way the same inputs give the same bytes.
    """

    title: str
    subtitle: str = ""
    generated_for: str = ""
    sections: list[Section] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    generated_on: _dt.date | None = None

    def validate(self) -> None:
        """Check the whole report, every table included; report every problem at once.

        Raises
        ------
        DataValidationError
        """
        problems: list[str] = []
        if not isinstance(self.title, str) or not self.title.strip():
            problems.append("the report has no title; give it one.")
        for name in ("subtitle", "generated_for"):
            if not isinstance(getattr(self, name), str):
                problems.append(f"{name} must be text, not {type(getattr(self, name)).__name__}.")
        if self.generated_on is not None and not isinstance(self.generated_on, _dt.date):
            problems.append(
                f"generated_on must be a datetime.date, not {type(self.generated_on).__name__}."
            )
        problems += _list_problems("report", "sources", self.sources, str)
        problems += _list_problems("report", "assumptions", self.assumptions, str)
        problems += _list_problems("report", "sections", self.sections, Section)
        if not problems:
            for number, section in enumerate(self.sections, 1):
                owner = f"section {number} ({section.heading!r})"
                if not isinstance(section.heading, str):
                    problems.append(f"{owner}: heading must be text.")
                problems += _list_problems(owner, "paragraphs", section.paragraphs, str)
                problems += _list_problems(owner, "tables", section.tables, Table)
                problems += _list_problems(owner, "figures", section.figures, Figure)
        if not problems:
            for _, table in self.tables():
                try:
                    table.validate()
                except DataValidationError as exc:
                    problems += [f"{exc.source}: {p}" for p in exc.problems]
        if problems:
            raise DataValidationError(f"report {self.title!r}", problems)

    def tables(self) -> Iterator[tuple[Section, Table]]:
        """Yield every ``(section, table)`` pair in order."""
        for section in self.sections:
            for table in section.tables:
                yield section, table

    def figures(self) -> Iterator[tuple[Section, Figure]]:
        """Yield every ``(section, figure)`` pair in order."""
        for section in self.sections:
            for figure in section.figures:
                yield section, figure

    @property
    def date_text(self) -> str:
        """The report date spelt out (``1 April 2025``), or ``""`` when there is none."""
        return format_date(self.generated_on, long=True) if self.generated_on else ""

    @classmethod
    def from_table(
        cls,
        title: str,
        frame: pd.DataFrame,
        formats: dict[str, str] | None = None,
        *,
        caption: str = "",
        name: str | None = None,
        index: bool = False,
        **kwargs: Any,
    ) -> Report:
        """Make a one-table report (the usual input of a CSV export).

        Parameters
        ----------
        title : str
            Report title; also the table name unless ``name`` is given.
        frame : pandas.DataFrame
        formats : dict, optional
        caption : str, optional
        name : str, optional
            Table (sheet) name.
        index : bool, default False
            Show the frame's index as leading column(s).
        **kwargs
            Other :class:`Report` fields (``subtitle``, ``sources`` ...).

        Returns
        -------
        Report
        """
        table = Table(name or title, frame, dict(formats or {}), caption, index)
        return cls(title, sections=[Section(title, tables=[table])], **kwargs)


def figure_image(obj: Any, *, name: str = "figure", dpi: int = FIGURE_DPI) -> tuple[bytes, str]:
    """Return PNG or SVG bytes for a figure, with their MIME type.

    A matplotlib Figure is rendered to PNG with fixed dpi and no ``Software``
    metadata, so the same figure always gives the same bytes. The figure itself
    is not changed (no new canvas is attached).

    Parameters
    ----------
    obj : matplotlib.figure.Figure or bytes
    name : str
        Used in error messages.
    dpi : int
        Resolution for rendering a Figure.

    Returns
    -------
    tuple of (bytes, str)

    Raises
    ------
    ExportError
        If ``obj`` is neither a Figure nor PNG/SVG bytes, or drawing it fails.
    """
    if isinstance(obj, (bytes, bytearray, memoryview)):
        data = bytes(obj)
        if data.startswith(_PNG_SIGNATURE):
            return data, "image/png"
        head = data[:2048].lstrip().lower()
        if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in data[:4096]:
            return data, "image/svg+xml"
        raise ExportError(
            f"Figure {name!r}: the bytes given are neither a PNG nor an SVG image. "
            "Pass a matplotlib Figure, or the bytes of a PNG or SVG file."
        )
    if hasattr(obj, "savefig"):
        buffer = io.BytesIO()
        try:
            obj.savefig(
                buffer,
                format="png",
                dpi=dpi,
                metadata={"Software": None},
                facecolor="white",
                bbox_inches="tight",
            )
        except Exception as exc:
            raise ExportError(
                f"Figure {name!r} could not be drawn ({type(exc).__name__}: {exc}). "
                "Fix the figure (labels, data) or leave it out of the report; nothing was written."
            ) from exc
        return buffer.getvalue(), "image/png"
    raise ExportError(
        f"Figure {name!r} holds a {type(obj).__name__}; it must be a matplotlib Figure "
        "or the bytes of a PNG or SVG image."
    )
