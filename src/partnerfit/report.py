"""A small, generic report model that every partnerfit result can export through.

A :class:`Report` is a title, some :class:`Section` objects and the sources and
assumptions behind the numbers. Each section holds paragraphs of plain text,
:class:`Table` objects (a :class:`pandas.DataFrame` plus how to show each column)
and :class:`Figure` objects (a matplotlib figure or ready-made PNG/SVG bytes).

Writers in :mod:`partnerfit.export` turn a report into an Excel workbook, one
self-contained HTML page, Markdown or (for one table) CSV. Result objects
(``Shortlist``, ``Plan`` ...) offer ``to_report()`` so that they can be written
with :func:`partnerfit.export.write`.

Column formats
--------------
``"percent"``
    The column holds *fractions*: 0.25 is shown as 25.0%.
``"int"``
    Whole numbers with thousands separators: 350,000.
``"float1"``, ``"float2"``
    One or two decimal places, with thousands separators: 3.1, 3.14.
``"km"``
    A distance in kilometres, one decimal place: 12.3 km.
``"date"``
    A date, shown the GOV.UK way for tables: 1 Apr 2025.
``"text"``
    Shown as it is; ``True``/``False`` are shown as Yes/No.

Numbers are rounded half away from zero on their shortest decimal form, as
Excel does, so the HTML, Markdown and Excel exports show the same digits.
Missing values (``None``, ``NaN``, ``NaT``, ``pd.NA``) are shown as empty cells.
A column with no entry in ``formats`` gets one from its values (see
:func:`infer_format`).
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import numbers
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataValidationError, PartnerfitError

#: The column formats a :class:`Table` understands.
FORMATS: tuple[str, ...] = ("percent", "int", "float1", "float2", "km", "date", "text")

#: Formats whose cells are numbers (right-aligned in every writer).
NUMERIC_FORMATS: frozenset[str] = frozenset({"percent", "int", "float1", "float2", "km"})

#: Decimal places shown for each numeric format.
DECIMALS: dict[str, int] = {"percent": 1, "int": 0, "float1": 1, "float2": 2, "km": 1}

#: Dots per inch used when a matplotlib figure is rendered to PNG.
FIGURE_DPI = 150

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LONG_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


DATA_SOURCES = (
    "Council register: mySociety (CC BY 4.0), GOV.UK registers, ONS (OGL v3)",
    ("Arrangements and IT systems: partnerfit registers, each row sourced "
     "(councils/arrangements*.csv, councils/systems*.csv; origins and licences in "
     "councils/SOURCES.md)"),
)
"""Where the bundled data comes from: the sources line of every report built from it."""


class ExportError(PartnerfitError):
    """A report could not be written: a figure failed to draw, a file cannot be replaced ..."""


# ----------------------------------------------------------------------------------------
# Cell values
# ----------------------------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    """Return True for ``None``, ``NaN``, ``NaT`` and ``pd.NA`` (shown as an empty cell).

    Parameters
    ----------
    value : object
        One cell.

    Returns
    -------
    bool
    """
    if value is None:
        return True
    if isinstance(value, (str, bytes, list, tuple, dict, set, np.ndarray)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_number(value: Any) -> bool:
    """True for real numbers (Python or numpy), but not booleans."""
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (numbers.Real, np.number))


def _is_date(value: Any) -> bool:
    """True for dates, datetimes, pandas Timestamps and numpy datetime64 values."""
    return isinstance(value, (_dt.date, np.datetime64))


def to_date(value: Any) -> _dt.date | _dt.datetime:
    """Return a date cell as a naive :class:`datetime.date` or :class:`datetime.datetime`.

    A value at midnight becomes a plain date. A time-zone-aware value keeps its wall-clock
    time and loses the zone (Excel cannot store zones).

    Parameters
    ----------
    value : datetime.date, datetime.datetime, pandas.Timestamp or numpy.datetime64

    Returns
    -------
    datetime.date or datetime.datetime
    """
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    if stamp == stamp.normalize():
        return stamp.date()
    return stamp.to_pydatetime()


def format_date(value: Any, *, long: bool = False) -> str:
    """Show a date the GOV.UK way: ``1 Apr 2025`` (or ``1 April 2025`` if ``long``).

    Parameters
    ----------
    value : date-like
    long : bool, default False
        Spell the month out.

    Returns
    -------
    str
        Independent of the locale.
    """
    day = to_date(value)
    months = _LONG_MONTHS if long else _MONTHS
    return f"{day.day} {months[day.month - 1]} {day.year}"


def _decimal(value: Any) -> Decimal:
    """The shortest decimal form of a number (what Excel rounds, too)."""
    if isinstance(value, (int, np.integer)):
        return Decimal(int(value))
    return Decimal(repr(float(value)))


def format_number(value: Any, fmt: str) -> str:
    """Show a number in one of the numeric formats.

    Parameters
    ----------
    value : real number
    fmt : {"percent", "int", "float1", "float2", "km"}

    Returns
    -------
    str
        Rounded half away from zero, with thousands separators; ``-0.0`` is shown
        as ``0.0``; infinities as ``∞`` and ``-∞``.
    """
    as_float = float(value)
    if math.isinf(as_float):
        return "∞" if as_float > 0 else "-∞"
    places = DECIMALS[fmt]
    number = _decimal(value)
    if fmt == "percent":
        number = number * 100
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    text = f"{rounded:,.{places}f}"
    if fmt == "percent":
        return text + "%"
    if fmt == "km":
        return text + " km"
    return text


def format_value(value: Any, fmt: str) -> str:
    """Show one cell as text, the same way in every text writer (HTML, Markdown).

    Parameters
    ----------
    value : object
        The cell.
    fmt : str
        One of :data:`FORMATS`.

    Returns
    -------
    str
        ``""`` for a missing value.

    Raises
    ------
    ValueError
        If ``fmt`` is not one of :data:`FORMATS`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown column format {fmt!r}; use one of: {', '.join(FORMATS)}.")
    if is_missing(value):
        return ""
    if fmt in NUMERIC_FORMATS:
        return format_number(value, fmt)
    if fmt == "date":
        return format_date(value)
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    return str(value)


def infer_format(series: pd.Series) -> str:
    """Choose a display format for a column that has none.

    Parameters
    ----------
    series : pandas.Series
        The column.

    Returns
    -------
    str
        ``"int"`` for integer columns, ``"float2"`` for other numbers, ``"date"``
        for datetime columns (or object columns holding only dates) and ``"text"``
        for everything else, including booleans (shown as Yes/No).
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "text"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float2"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if dtype == object:
        present = [v for v in series if not is_missing(v)]
        if present and all(_is_date(v) for v in present):
            return "date"
    return "text"


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
        ok, want = _is_number, "numbers"
    elif fmt == "date":
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return []
        ok, want = _is_date, "dates"
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

    def __post_init__(self) -> None:
        if isinstance(self.frame, pd.DataFrame):
            self.frame = self.frame.copy()
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
        if not duplicates:
            for position, column in enumerate(labels):
                fmt = self.formats.get(column)
                if fmt in FORMATS:
                    problems.extend(_value_problems(frame.iloc[:, position], column, fmt))
        if problems:
            raise DataValidationError(source, problems)

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
    """

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


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
