"""IT systems councils run, per function: load and validate bundled or user tables, and say
which system each council ran on a date.

The bundled register is every ``councils/systems*.csv``, one row per (council, function,
observation), each with its source.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ._dates import DateLike, to_date, today
from ._paths import data_dir
from ._tables import council_problem, line_numbers, read_table
from ._yaml import did_you_mean
from .errors import DataValidationError
from .register import load_councils
from .services import SYSTEM_FUNCTIONS

__all__ = ["SYSTEM_COLUMNS", "combine_systems", "load_systems", "read_systems", "systems_on"]

SYSTEM_COLUMNS = ("council", "council_name", "function", "vendor", "product", "year_observed",
                  "notes", "source_title", "source_publisher", "source_date", "source_url")


def read_systems(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read and validate an IT systems table (CSV, Excel or DataFrame).

    Columns as :data:`SYSTEM_COLUMNS`. ``vendor`` may be ``unknown`` (kept as unknown, never
    treated as a match or a mismatch). Returns the typed table with ``year_observed`` as int.
    """
    df, name = read_table(source, "systems")
    missing = [c for c in SYSTEM_COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError(name, [(f"missing column(s): {', '.join(missing)}; expected "
                                         f"{', '.join(SYSTEM_COLUMNS)}")])
    df = df.fillna("").astype({c: str for c in SYSTEM_COLUMNS})
    for c in SYSTEM_COLUMNS:
        df[c] = df[c].str.strip()
    line = line_numbers(df)
    if "file" not in df.columns:
        df["file"] = name

    def at(i) -> str:
        return f"{df.at[i, 'file']} line {line[i]}" if df.at[i, "file"] != name else \
            f"line {line[i]}"

    reg = load_councils()
    problems: list[str] = []
    years: list[int | None] = []
    for i in df.index:
        r = df.loc[i]
        if r["function"] not in SYSTEM_FUNCTIONS:
            problems.append(f"{at(i)}: function {r['function']!r} is not one of "
                            f"{', '.join(SYSTEM_FUNCTIONS)}"
                            f"{did_you_mean(r['function'], SYSTEM_FUNCTIONS)}")
        if not r["vendor"]:
            problems.append(f"{at(i)}: vendor is empty (write 'unknown' if it is not known)")
        y = r["year_observed"]
        if not re.fullmatch(r"\d{4}", y):
            problems.append(f"{at(i)}: year_observed {y!r} is not a year such as 2014")
            years.append(None)
            year_date = None
        else:
            years.append(int(y))
            year_date = pd.Timestamp(int(y), 12, 31)
        if not r["source_title"] or not (r["source_url"] or r["source_publisher"]):
            problems.append(f"{at(i)}: no source; every row needs source_title and a "
                            "source_url or source_publisher")
        # a system is acceptable if the council was in force at some point of that year
        p = council_problem(r["council"], r["council_name"], year_date, reg)
        if p is not None and (r["council"] not in reg.index or year_date is None or
                              council_problem(r["council"], r["council_name"],
                                               pd.Timestamp(int(y), 1, 1), reg) is not None):
            problems.append(f"{at(i)}: {p}")
    key = ["council", "function", "vendor", "product", "year_observed"]
    for k, idx in df.groupby(key).groups.items():
        if len(idx) > 1:
            problems.append(f"{at(idx[1])}: duplicate of {at(idx[0])} ({', '.join(k)})")
    if problems:
        raise DataValidationError(name, problems)
    df["year_observed"] = pd.array(years, dtype="Int64")
    df["line"] = line
    return df.sort_values(["council", "function", "year_observed"]).reset_index(drop=True)


@lru_cache(maxsize=1)
def _bundled_systems() -> pd.DataFrame:
    frames = []
    for f in sorted(data_dir("councils").glob("systems*.csv")):
        df, _ = read_table(f, "systems")
        df["file"] = f"councils/{f.name}"
        df["line"] = line_numbers(df)
        frames.append(df)
    if not frames:
        return read_systems(pd.DataFrame(columns=SYSTEM_COLUMNS))
    return read_systems(pd.concat(frames, ignore_index=True))


def load_systems(*, systems: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:
    """The IT systems table (bundled, or a user's file/DataFrame validated the same way)."""
    return (_bundled_systems() if systems is None else read_systems(systems)).copy()


def combine_systems(base: pd.DataFrame, extra: str | Path | pd.DataFrame) -> pd.DataFrame:
    """A user's systems table layered on another: the user's rows replace every row of ``base``
    for the same (council, function), and add the rest."""
    mine = read_systems(extra)
    keys = set(zip(mine["council"], mine["function"]))
    keep = [k not in keys for k in zip(base["council"], base["function"])]
    out = pd.concat([base[keep], mine], ignore_index=True)
    return out.sort_values(["council", "function", "year_observed"]).reset_index(drop=True)


def systems_on(as_of: DateLike, *, systems: pd.DataFrame | None = None,
               max_age: int = 10) -> pd.DataFrame:
    """The system each council ran for each function on a date, where known.

    Uses the latest observation made in or before the year of ``as_of`` and at most ``max_age``
    years earlier; observations made later are not used (a system seen in 2020 says nothing
    reliable about 2009). Councils are mapped to their code in force on ``as_of`` (``None``:
    today).

    Returns
    -------
    pandas.DataFrame
        Columns ``council, function, vendor, product, year_observed, source``; a
        (council, function) absent from it is unknown.
    """
    date = to_date(as_of) or today()
    table = load_systems() if systems is None else systems
    year = date.year
    ok = table["year_observed"].notna() & (table["year_observed"] <= year) & (
        table["year_observed"] >= year - max_age) & (table["vendor"].str.lower() != "unknown")
    t = table[ok].sort_values(["council", "function", "year_observed", "vendor", "product"])
    t = t.groupby(["council", "function"], as_index=False).tail(1).copy()
    reg = load_councils()
    live = load_councils(date)
    code_of_id = pd.Series(live.index, index=live["id"])
    t["council"] = code_of_id.reindex(reg.loc[t["council"], "id"].to_numpy()).to_numpy()
    t = t[pd.notna(t["council"])]
    t["source"] = t["source_title"] + ", " + t["source_publisher"] + ", " + t["source_url"]
    return t[["council", "function", "vendor", "product", "year_observed", "source"]
             ].reset_index(drop=True)
