"""Parse the dates users pass (``as_of=``) into :class:`pandas.Timestamp`."""

from __future__ import annotations

import datetime as _dt
from typing import TypeAlias

import pandas as pd

#: What ``as_of=`` and other date arguments accept.
DateLike: TypeAlias = str | _dt.date | _dt.datetime | pd.Timestamp | None


def to_date(value: DateLike, name: str = "as_of") -> pd.Timestamp | None:
    """Turn a date-like value into a midnight :class:`pandas.Timestamp` (``None`` stays ``None``).

    Raises
    ------
    ValueError
        In plain English when the value is not a date (e.g. ``"2009-13-01"``).
    """
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        ts = value
    elif isinstance(value, (_dt.date, _dt.datetime)):
        ts = pd.Timestamp(value)
    elif isinstance(value, str):
        try:
            ts = pd.Timestamp(_dt.date.fromisoformat(value.strip()))
        except ValueError:
            raise ValueError(
                f"{name}={value!r} is not a date; write it as YYYY-MM-DD, e.g. '2014-04-01'."
            ) from None
    else:
        raise TypeError(f"{name} must be a date or a 'YYYY-MM-DD' string, not {type(value).__name__}.")
    if pd.isna(ts):
        raise ValueError(f"{name} is missing; give a date such as '2014-04-01'.")
    return ts.tz_localize(None).normalize() if ts.tzinfo else ts.normalize()


def today() -> pd.Timestamp:
    """Today's date (the default ``as_of`` where a date is needed)."""
    return pd.Timestamp(_dt.date.today())
