"""How values are shown to people: dates, numbers, table cells, names in sentences.

Every layer may import this module (it imports nothing of partnerfit but the date parser), so
a date or a percentage reads the same in a shortlist summary, a plot title, the command line
and every report format.

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

Numbers are rounded half away from zero on their shortest decimal form, as Excel does, so the
HTML, Markdown and Excel exports show the same digits. Missing values (``None``, ``NaN``,
``NaT``, ``pd.NA``) are shown as empty cells. A column with no format gets one from its values
(see :func:`infer_format`).
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from ._dates import to_date

__all__ = [
    "DECIMALS",
    "FORMATS",
    "MISSING_WORDS",
    "NUMERIC_FORMATS",
    "cell_date",
    "format_date",
    "format_number",
    "format_value",
    "infer_format",
    "is_date",
    "is_missing",
    "is_number",
    "name_in_sentence",
    "tier_in_sentence",
]

#: The column formats a report table understands.
FORMATS: tuple[str, ...] = ("percent", "int", "float1", "float2", "km", "date", "text")

#: Formats whose cells are numbers (right-aligned in every writer).
NUMERIC_FORMATS: frozenset[str] = frozenset({"percent", "int", "float1", "float2", "km"})

#: Decimal places shown for each numeric format.
DECIMALS: dict[str, int] = {"percent": 1, "int": 0, "float1": 1, "float2": 2, "km": 1}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LONG_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")


# ---------------------------------------------------------------------------- kinds of value

#: What happens to a candidate whose value of a criterion is not known, in officer words (by
#: the criterion's missing-data policy).
MISSING_WORDS = {"neutral": "scored as a middling 50",
                 "expected": "scored as the average of the candidates where it is known",
                 "pessimistic": "scored as the worst value",
                 "renormalise": "their other criteria's weights rescaled",
                 "exclude": "those candidates left out"}


def is_missing(value: Any) -> bool:
    """Return True for ``None``, ``NaN``, ``NaT`` and ``pd.NA`` (shown as an empty cell).

    Parameters
    ----------
    value : object
        One cell.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(pd.NaT), is_missing(""), is_missing([None])
    (True, True, False, False)
    """
    if value is None:
        return True
    if isinstance(value, (str, bytes, list, tuple, dict, set, np.ndarray)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def is_number(value: Any) -> bool:
    """Return True for real numbers (Python or numpy), but not booleans.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (numbers.Real, np.number))


def is_date(value: Any) -> bool:
    """Return True for dates, datetimes, pandas Timestamps and numpy datetime64 values.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    return isinstance(value, (_dt.date, np.datetime64))


# ---------------------------------------------------------------------------- dates

def cell_date(value: Any) -> _dt.date | _dt.datetime:
    """Return a date cell as a naive :class:`datetime.date` or :class:`datetime.datetime`.

    A value at midnight becomes a plain date. A time-zone-aware value keeps its wall-clock
    time and loses the zone (Excel cannot store zones).

    Parameters
    ----------
    value : datetime.date, datetime.datetime, pandas.Timestamp or numpy.datetime64

    Returns
    -------
    datetime.date or datetime.datetime

    Examples
    --------
    >>> cell_date(pd.Timestamp("2025-04-01"))
    datetime.date(2025, 4, 1)
    >>> cell_date(np.datetime64("2025-04-01T09:30"))
    datetime.datetime(2025, 4, 1, 9, 30)
    """
    stamp = to_date(value, "date", keep_time=True)
    if stamp == stamp.normalize():
        return stamp.date()
    return stamp.to_pydatetime()


def format_date(value: Any, *, long: bool = False) -> str:
    """Show a date the GOV.UK way: ``1 Apr 2025`` (or ``1 April 2025`` if ``long``).

    Parameters
    ----------
    value : date-like
        Anything :func:`partnerfit._dates.to_date` reads.
    long : bool, default False
        Spell the month out.

    Returns
    -------
    str
        Independent of the locale.

    Examples
    --------
    >>> format_date("2025-04-01"), format_date("2025-04-01", long=True)
    ('1 Apr 2025', '1 April 2025')
    """
    day = to_date(value, "date")
    months = _LONG_MONTHS if long else _MONTHS
    return f"{day.day} {months[day.month - 1]} {day.year}"


# ---------------------------------------------------------------------------- numbers and cells

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

    Examples
    --------
    >>> format_number(0.2565, "percent"), format_number(1234.25, "float1")
    ('25.7%', '1,234.3')
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
    """Show one cell as text, the same way in every text writer (HTML, Markdown, terminal).

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
        if present and all(is_date(v) for v in present):
            return "date"
    return "text"


# ---------------------------------------------------------------------------- names in sentences

def name_in_sentence(name: str) -> str:
    """A service name for the middle of a sentence.

    The first letter is lowered unless the first word is an abbreviation written in capitals.

    Parameters
    ----------
    name : str
        A catalogue name (``services()["name"]``).

    Returns
    -------
    str

    Examples
    --------
    >>> name_in_sentence("Revenues & benefits"), name_in_sentence("HR & payroll")
    ('revenues & benefits', 'HR & payroll')
    """
    first = name.split(" ", 1)[0]
    return name if first.isupper() else name[:1].lower() + name[1:]


def tier_in_sentence(tier: str) -> str:
    """A council tier id for a sentence: its words, without underscores.

    Parameters
    ----------
    tier : str
        A tier id of the register (``"non_metropolitan_district"`` ...).

    Returns
    -------
    str

    Examples
    --------
    >>> tier_in_sentence("non_metropolitan_district")
    'non metropolitan district'
    """
    return tier.replace("_", " ")
