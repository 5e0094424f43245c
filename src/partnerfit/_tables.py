"""Helpers shared by the table readers (:mod:`partnerfit.links`, :mod:`partnerfit.systems`).

One read function for every user or bundled table (CSV, Excel or DataFrame), line numbers for
messages, date periods and the "is this council code acceptable on this date" check.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataValidationError, UnknownCouncilError
from .reading import read_table as _read_any
from .register import coverage_start, find_council

__all__ = ["REGISTER_START", "council_problem", "line_numbers", "parse_period", "read_table",
           "text_columns"]

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
REGISTER_START = coverage_start()  # the first day the register covers all of Britain


def parse_period(text: str, *, end: bool) -> tuple[pd.Timestamp | None, str]:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a start is the first day of the period
    written, an end the last day. Returns (date, precision) or raises ValueError."""
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError(text)
    year, month, day = m.groups()
    if day:
        ts = pd.Timestamp(int(year), int(month), int(day))
        return ts, "day"
    if month:
        ts = pd.Timestamp(int(year), int(month), 1)
        return (ts + pd.offsets.MonthEnd(0) if end else ts), "month"
    ts = pd.Timestamp(int(year), 1, 1)
    return (pd.Timestamp(int(year), 12, 31) if end else ts), "year"


def read_table(source: str | Path | pd.DataFrame, what: str) -> tuple[pd.DataFrame, str]:
    """The table as text with a ``line`` column, through the package's one reader
    (:func:`partnerfit.reading.read_table`)."""
    return _read_any(source, what=what, line_column="line")


def line_numbers(df: pd.DataFrame) -> pd.Series:
    if "line" in df.columns:
        return df["line"].astype(int)
    return pd.Series(np.arange(len(df)) + 2, index=df.index)


def text_columns(df: pd.DataFrame, name: str, required: tuple[str, ...],
                 optional: tuple[str, ...] = (), *, expected: tuple[str, ...] | None = None
                 ) -> tuple[pd.DataFrame, pd.Series]:
    """A read table's columns checked and cleaned the same way for every register: the
    ``required`` columns present (else an error listing ``expected``, default ``required``),
    absent ``optional`` ones added empty, all as stripped text, a ``file`` column (``name``
    unless the rows carry their own). Returns the table and each row's line."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataValidationError(name, [(f"missing column(s): {', '.join(missing)}; expected "
                                         f"{', '.join(expected or required)}")])
    for c in optional:
        if c not in df.columns:
            df[c] = ""
    cols = [*required, *(c for c in optional if c not in required)]
    df = df.fillna("").astype({c: str for c in cols})
    for c in cols:
        df[c] = df[c].str.strip()
    if "file" not in df.columns:
        df["file"] = name
    return df, line_numbers(df)


def council_problem(code: str, name: str, date: pd.Timestamp | None,
                     reg: pd.DataFrame) -> str | None:
    """Why ``code`` is not acceptable on ``date`` (None if fine)."""
    if code not in reg.index:
        hint = ""
        try:
            guess = find_council(name or code, date)
            hint = f"; did you mean {guess} ({reg.at[guess, 'name']})?"
        except UnknownCouncilError as exc:
            if exc.suggestions:
                hint = f"; close matches: {', '.join(exc.suggestions[:3])}"
        return f"council {code!r} ({name}) is not a GSS code in the register{hint}"
    if date is None:
        return None
    when = max(date, REGISTER_START)
    vf, vt = reg.at[code, "valid_from"], reg.at[code, "valid_to"]
    if (pd.notna(vf) and vf > when) or (pd.notna(vt) and vt < when):
        same = reg[(reg["id"] == reg.at[code, "id"]) & (reg.index != code)]
        live = [c for c in same.index if (pd.isna(same.at[c, "valid_from"]) or
                                          same.at[c, "valid_from"] <= when) and
                (pd.isna(same.at[c, "valid_to"]) or same.at[c, "valid_to"] >= when)]
        span = (f"{f'before {REGISTER_START:%Y-%m-%d}' if pd.isna(vf) else f'{vf:%Y-%m-%d}'} to "
                f"{'today' if pd.isna(vt) else f'{vt:%Y-%m-%d}'}")
        fix = f"; on that date its code was {live[0]}" if live else ""
        return (f"council {code} ({reg.at[code, 'name']}) was not in force on "
                f"{when:%Y-%m-%d} (in force {span}){fix}")
    return None
