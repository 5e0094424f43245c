"""Parse dates: the ``as_of=`` dates users pass and the date cells of reports.

:func:`to_date` is the package's one date parser. Everything that takes a date (``as_of=``
arguments, report cells, report headers) goes through it, so a date means the same everywhere:
a naive :class:`pandas.Timestamp`, its time zone dropped (the wall-clock time is kept).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import TypeAlias, overload

import numpy as np
import pandas as pd

from .errors import ArgumentError, ArgumentTypeError

#: What ``as_of=`` and other date arguments accept.
DateLike: TypeAlias = str | _dt.date | _dt.datetime | pd.Timestamp | np.datetime64 | None


@overload
def to_date(value: None, name: str = ..., *, keep_time: bool = ...) -> None: ...


@overload
def to_date(value: str | _dt.date | np.datetime64, name: str = ..., *,
            keep_time: bool = ...) -> pd.Timestamp: ...


def to_date(value: DateLike, name: str = "as_of", *, keep_time: bool = False
            ) -> pd.Timestamp | None:
    """Turn a date-like value into a naive :class:`pandas.Timestamp` (``None`` stays ``None``).

    Parameters
    ----------
    value : str, datetime.date, datetime.datetime, pandas.Timestamp, numpy.datetime64 or None
        A string must be written ``YYYY-MM-DD``.
    name : str, default "as_of"
        What the value is, for error messages.
    keep_time : bool, default False
        Keep the time of day; by default the result is at midnight.

    Returns
    -------
    pandas.Timestamp or None
        Without a time zone: a zone-aware value keeps its wall-clock time.

    Raises
    ------
    ArgumentError
        In plain English when the value is not a date (e.g. ``"2009-13-01"``) or is missing
        (a ``PartnerfitError`` and a ``ValueError``).
    ArgumentTypeError
        When the value is of a type that cannot hold a date (also a ``TypeError``).

    Examples
    --------
    >>> to_date("2009-06-01")
    Timestamp('2009-06-01 00:00:00')
    >>> to_date(pd.Timestamp("2025-04-01 14:30", tz="Europe/London"), keep_time=True)
    Timestamp('2025-04-01 14:30:00')
    """
    if value is None:
        return None
    if isinstance(value, (_dt.date, np.datetime64)):  # pandas.Timestamp is a datetime
        ts = pd.Timestamp(value)
    elif isinstance(value, str):
        try:
            ts = pd.Timestamp(_dt.date.fromisoformat(value.strip()))
        except ValueError as exc:
            why = f" ({exc})" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()) else ""
            raise ArgumentError(
                f"{name}={value!r} is not a date{why}; write it as YYYY-MM-DD, "
                "e.g. '2014-04-01'."
            ) from None
    else:
        raise ArgumentTypeError(f"{name} must be a date or a 'YYYY-MM-DD' string, not {type(value).__name__}.")
    if pd.isna(ts):
        raise ArgumentError(f"{name} is missing; give a date such as '2014-04-01'.")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts if keep_time else ts.normalize()


def today() -> pd.Timestamp:
    """Today's date (the default ``as_of`` where a date is needed)."""
    return pd.Timestamp(_dt.date.today())
