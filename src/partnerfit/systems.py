"""IT systems councils run, per function: load and validate bundled or user tables, and say
which system each council ran on a date.

The bundled register is every ``councils/systems*.csv``, one row per (council, function,
observation), each with its source.

Dates. A row's evidence covers a period: ``in_use_from`` / ``in_use_to`` where the source states
them; the year observed otherwise. A row dated only by the year observed also counts
:data:`ASSUMED_YEARS` years before and after that year (measured against the rows whose
source states a contract period: see :func:`assumed_years_check`), never across a stated change
of system for the same council and function; on such dates it is marked "assumed from an
observation in YYYY". A date query uses a row only on dates its evidence covers.

Partnerships. A row whose ``arrangement`` column names an arrangement of the links table (its
source describes that partnership, e.g. a council moving onto its partner's platform) is used
only while that arrangement is in the links table in use, so holding an arrangement out of the
links (as the backtest does) holds its systems records out too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ._dates import DateLike, to_date, today
from ._paths import data_dir
from ._tables import council_problem, line_numbers, parse_period, read_table, text_columns
from ._yaml import did_you_mean
from .errors import DataValidationError
from .register import load_councils
from .services import SYSTEM_FUNCTIONS, services

__all__ = [
    "ASSUMED_YEARS",
    "OPTIONAL_SYSTEM_COLUMNS",
    "SYSTEM_COLUMNS",
    "assumed_years_check",
    "combine_systems",
    "evidence_windows",
    "function_name",
    "load_systems",
    "read_systems",
    "systems_coverage",
    "systems_in_use",
    "systems_on",
]

SYSTEM_COLUMNS = ("council", "council_name", "function", "vendor", "product", "year_observed",
                  "notes", "source_title", "source_publisher", "source_date", "source_url")
#: Columns a systems table may add: the period the source states, and the arrangement a record
#: describes (see the module docstring).
OPTIONAL_SYSTEM_COLUMNS = ("in_use_from", "in_use_to", "arrangement")
#: A row dated only by the year observed counts this many years before and after that year.
#: Checked against the rows whose source states the period (:func:`assumed_years_check`): the
#: largest N for which the system was still in use N years from the observation in at least half
#: of the stated ends (each stated start and each stated end is one check).
ASSUMED_YEARS = 2
_DAY = pd.Timedelta(days=1)
_SOONEST, _LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31")


def read_systems(source: str | Path | pd.DataFrame, *, undated_ok: bool = False,
                 origin: str = "") -> pd.DataFrame:
    """Read and validate an IT systems table (CSV, Excel or DataFrame).

    Parameters
    ----------
    source : path or pandas.DataFrame
        Columns as :data:`SYSTEM_COLUMNS`, optionally :data:`OPTIONAL_SYSTEM_COLUMNS`
        (``in_use_from`` / ``in_use_to`` as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``: a start is
        the first day of the period written, an end the last). ``vendor`` may be ``unknown``
        (kept as unknown, never treated as a match or a mismatch).
    undated_ok : bool, default False
        Accept rows with neither a year observed nor a period (a user's own statement of what
        runs: used on every date and shown as undated).
    origin : str, optional
        Where the rows come from, shown with their source (``"your data (survey.xlsx)"``);
        empty for the bundled register.

    Returns
    -------
    pandas.DataFrame
        The typed table: ``year_observed`` as an integer (NA when undated), ``in_use_from`` /
        ``in_use_to`` as dates (NaT when not stated), ``arrangement`` ("" when none),
        ``origin``, ``source`` (a citation), ``file`` and ``line``.

    Raises
    ------
    DataValidationError
        Listing every problem with its line.
    """
    df, name = read_table(source, "systems")
    if isinstance(source, pd.DataFrame) and "in_use_from" in df.columns and \
            pd.api.types.is_datetime64_any_dtype(df["in_use_from"]):
        df = _as_written(df)
    df, line = text_columns(df, name, SYSTEM_COLUMNS, OPTIONAL_SYSTEM_COLUMNS)
    if "origin" not in df.columns:
        df["origin"] = origin

    def at(i) -> str:
        return f"{df.at[i, 'file']} line {line[i]}" if df.at[i, "file"] != name else \
            f"line {line[i]}"

    problems: list[str] = []
    years, froms, tos = _check_rows(df, at, undated_ok, problems)
    key = ["council", "function", "vendor", "product", "year_observed", "in_use_from"]
    for k, idx in df.groupby(key).groups.items():
        if len(idx) > 1:
            problems.append(f"{at(idx[1])}: duplicate of {at(idx[0])} "
                            f"({', '.join(v for v in k if v)})")
    if problems:
        raise DataValidationError(name, problems)
    df["year_observed"] = pd.array(years, dtype="Int64")
    df["in_use_from"] = pd.to_datetime(pd.Series(froms, index=df.index, dtype=object))
    df["in_use_to"] = pd.to_datetime(pd.Series(tos, index=df.index, dtype=object))
    df["line"] = line
    df["source"] = [_cite(r) for r in df.itertuples()]
    return df.sort_values(["council", "function", "year_observed", "line"]
                          ).reset_index(drop=True)


def _cite(r) -> str:
    parts = [p for p in (r.source_title, r.source_publisher, r.source_date, r.source_url) if p]
    text = ", ".join(parts)
    if r.origin:
        return f"{r.origin}: {text}" if text else r.origin
    return text


def _as_written(df: pd.DataFrame) -> pd.DataFrame:
    """A table already returned by :func:`read_systems`, back to the written form."""
    df = df.copy()
    for c in ("in_use_from", "in_use_to"):
        df[c] = ["" if pd.isna(v) else f"{v:%Y-%m-%d}" for v in df[c]]
    df["year_observed"] = ["" if pd.isna(v) else str(int(v)) for v in df["year_observed"]]
    return df.drop(columns=["source"], errors="ignore")


def _check_rows(df: pd.DataFrame, at, undated_ok: bool, problems: list[str]
                ) -> tuple[list[int | None], list, list]:
    reg = load_councils()
    years: list[int | None] = []
    froms: list[pd.Timestamp | None] = []
    tos: list[pd.Timestamp | None] = []
    for i in df.index:
        r = df.loc[i]
        if r["function"] not in SYSTEM_FUNCTIONS:
            problems.append(f"{at(i)}: function {r['function']!r} is not one of "
                            f"{', '.join(SYSTEM_FUNCTIONS)}"
                            f"{did_you_mean(r['function'], SYSTEM_FUNCTIONS)}")
        if not r["vendor"]:
            problems.append(f"{at(i)}: vendor is empty (write 'unknown' if it is not known)")
        f_, t_ = _period(r, at(i), problems)
        froms.append(f_)
        tos.append(t_)
        y = r["year_observed"]
        if y == "" and undated_ok:
            years.append(None)
        elif not re.fullmatch(r"\d{4}", y):
            problems.append(f"{at(i)}: year_observed {y!r} is not a year such as 2014")
            years.append(None)
        else:
            years.append(int(y))
        if not r["origin"] and (not r["source_title"] or
                                not (r["source_url"] or r["source_publisher"])):
            problems.append(f"{at(i)}: no source; every row needs source_title and a "
                            "source_url or source_publisher")
        p = _in_force_problem(r["council"], r["council_name"], years[-1], f_, t_, reg)
        if p is not None:
            problems.append(f"{at(i)}: {p}")
    return years, froms, tos


def _period(r, where: str, problems: list[str]) -> tuple[pd.Timestamp | None,
                                                          pd.Timestamp | None]:
    out: list[pd.Timestamp | None] = []
    for col, end in (("in_use_from", False), ("in_use_to", True)):
        if not r[col]:
            out.append(None)
            continue
        try:
            out.append(parse_period(r[col], end=end)[0])
        except ValueError:
            problems.append(f"{where}: {col} {r[col]!r} is not a date (YYYY, YYYY-MM or "
                            "YYYY-MM-DD; empty if the source does not say)")
            out.append(None)
    a, b = out
    if a is not None and b is not None and b < a:
        problems.append(f"{where}: in_use_to {r['in_use_to']} is before in_use_from "
                        f"{r['in_use_from']}")
    return a, b


def _in_force_problem(code: str, name: str, year: int | None, start: pd.Timestamp | None,
                      end: pd.Timestamp | None, reg: pd.DataFrame) -> str | None:
    """Why ``code`` cannot carry this row: not a code, or not in force at any point of the
    year observed (or of the stated period when no year is given)."""
    if year is not None:
        lo, hi = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    else:
        lo = start if start is not None else (end if end is not None else None)
        hi = end if end is not None else lo
    p = council_problem(code, name, hi, reg)
    if p is None or code not in reg.index or lo is None:
        return p
    return None if council_problem(code, name, lo, reg) is None else p


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
    mine = extra if isinstance(extra, pd.DataFrame) and "source" in extra.columns and \
        "origin" in extra.columns else read_systems(extra)
    keys = set(zip(mine["council"], mine["function"]))
    keep = [k not in keys for k in zip(base["council"], base["function"])]
    out = pd.concat([base[keep], mine], ignore_index=True)
    return out.sort_values(["council", "function", "year_observed"]).reset_index(drop=True)


# --------------------------------------------------------------------------- dates

def evidence_windows(table: pd.DataFrame, years: int = ASSUMED_YEARS) -> pd.DataFrame:
    """The period each row's evidence covers, stated and assumed.

    Parameters
    ----------
    table : pandas.DataFrame
        As :func:`read_systems` returns.
    years : int, default :data:`ASSUMED_YEARS`
        How many years before and after the year observed an undated end counts.

    Returns
    -------
    pandas.DataFrame
        Same index: ``seen_from`` / ``seen_to`` (the stated period, or the year observed where
        an end is not stated) and ``counts_from`` / ``counts_to`` (with the assumed years,
        clipped at the day before another system of the same council and function is stated
        to start, and the day after one is stated to end). Undated user rows cover every date.
    """
    obs = table["year_observed"]
    y = pd.to_numeric(obs, errors="coerce").astype(float)
    obs_lo = pd.to_datetime(pd.DataFrame({"year": y, "month": 1.0, "day": 1.0}),
                            errors="coerce") \
        if len(table) else pd.Series(dtype="datetime64[ns]")
    obs_hi = obs_lo + pd.offsets.YearEnd(0)
    sf, st = table["in_use_from"], table["in_use_to"]
    seen_from = sf.where(sf.notna(), obs_lo.where(st.isna() | (obs_lo <= st), st))
    seen_to = st.where(st.notna(), obs_hi.where(sf.isna() | (obs_hi >= sf), sf))
    counts_from = sf.where(sf.notna(), seen_from - pd.DateOffset(years=years))
    counts_to = st.where(st.notna(), seen_to + pd.DateOffset(years=years))
    undated = obs.isna() & sf.isna() & st.isna()
    for s in (seen_from, counts_from):
        s[undated] = _SOONEST
    for s in (seen_to, counts_to):
        s[undated] = _LATEST
    out = pd.DataFrame({"seen_from": seen_from, "seen_to": seen_to,
                        "counts_from": counts_from, "counts_to": counts_to}, index=table.index)
    return _clip_at_changes(table, out)


def _clip_at_changes(table: pd.DataFrame, win: pd.DataFrame) -> pd.DataFrame:
    """Assumed ends stop at a stated change to another system (same council and function)."""
    known = table["vendor"].str.lower() != "unknown"
    t = table.loc[known, ["council", "function", "vendor", "product", "in_use_from",
                          "in_use_to"]].join(win)
    t["row"] = t.index
    pairs = t.merge(t, on=["council", "function"], suffixes=("", "_o"))
    pairs = pairs[(pairs["vendor"].str.lower() != pairs["vendor_o"].str.lower()) |
                  (pairs["product"].str.lower() != pairs["product_o"].str.lower())]
    later = pairs[pairs["in_use_from"].isna() & pairs["in_use_from_o"].notna() &
                  (pairs["in_use_from_o"] > pairs["seen_to"])]
    stop = (later["in_use_from_o"] - _DAY).groupby(later["row"]).min()
    earlier = pairs[pairs["in_use_to"].isna() & pairs["in_use_to_o"].notna() &
                    (pairs["in_use_to_o"] < pairs["seen_from"])]
    begin = (earlier["in_use_to_o"] + _DAY).groupby(earlier["row"]).max()
    win = win.copy()
    to_ = win.loc[stop.index, "counts_to"]
    win.loc[stop.index, "counts_to"] = to_.where(to_ <= stop, stop)
    from_ = win.loc[begin.index, "counts_from"]
    win.loc[begin.index, "counts_from"] = from_.where(from_ >= begin, begin)
    # (in_use_from stated: that end is not assumed and is left alone)
    return win


def assumed_years_check(table: pd.DataFrame | None = None,
                        horizons: range = range(9)) -> pd.DataFrame:
    """How far from the year observed a system was still in use, in the rows stating a period.

    Each stated ``in_use_from`` gives the years the system was in use before the middle of the
    year observed, and each stated ``in_use_to`` the years after it. For each horizon N, the
    share of those stated ends at least N years from the observation: the evidence behind
    :data:`ASSUMED_YEARS`.

    Returns
    -------
    pandas.DataFrame
        Index N; columns ``before`` (share of stated starts at least N years before the
        observation), ``after`` (stated ends), ``both`` (pooled), ``starts``, ``ends`` (counts).
    """
    t = load_systems() if table is None else table
    t = t[t["year_observed"].notna()]
    mid = pd.to_datetime({"year": t["year_observed"].astype(int), "month": 7, "day": 1}) \
        if len(t) else pd.Series(dtype="datetime64[ns]")
    before = ((mid - t["in_use_from"]).dt.days / 365.25).dropna()
    after = ((t["in_use_to"] - mid).dt.days / 365.25).dropna()
    rows = {}
    for n in horizons:
        a, b = int((before >= n).sum()), int((after >= n).sum())
        total = len(before) + len(after)
        rows[n] = {"before": a / len(before) if len(before) else float("nan"),
                   "after": b / len(after) if len(after) else float("nan"),
                   "both": (a + b) / total if total else float("nan"),
                   "starts": len(before), "ends": len(after)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "N"
    return out


def systems_on(as_of: DateLike, *, systems: pd.DataFrame | None = None,
               max_age: int = ASSUMED_YEARS, arrangements: Iterable[str] | None = None
               ) -> pd.DataFrame:
    """The system each council ran for each function on a date, where the evidence covers it.

    A row counts on the dates of its evidence (see :func:`evidence_windows`): its stated period,
    else ``max_age`` years either side of the year observed. Where several rows cover the date,
    a stated or observed one beats an assumed one, then the nearest in time, then the latest
    observed. Councils are mapped to their code in force on ``as_of`` (``None``: today).

    Parameters
    ----------
    as_of : date-like
    systems : pandas.DataFrame, optional
        As :func:`load_systems` returns (default the bundled register).
    max_age : int, default :data:`ASSUMED_YEARS`
        Years an observation counts before and after the year observed.
    arrangements : iterable of str, optional
        Ids of the arrangements in the links table in use: a row describing an arrangement
        (``arrangement`` column) is used only if its id is among them. Default: the bundled
        links table's ids.

    Returns
    -------
    pandas.DataFrame
        Columns ``council, function, vendor, product, year_observed, source, assumed,
        evidence, origin, arrangement``; ``evidence`` says what covers the date ("in use from
        2011-04-01 to 2021-03-31", "observed in 2020", "assumed from an observation in 2025").
        A (council, function) absent from it is unknown.
    """
    date = to_date(as_of) or today()
    table = load_systems() if systems is None else systems
    for c in OPTIONAL_SYSTEM_COLUMNS:
        if c not in table.columns:
            table = table.assign(**{c: pd.NaT if c != "arrangement" else ""})
    for c in ("origin", "source"):
        if c not in table.columns:
            table = table.assign(**{c: ""})
    if arrangements is None:
        arrangements = _bundled_arrangement_ids()
    ids = set(arrangements)
    usable = (table["vendor"].str.lower() != "unknown") & (
        (table["arrangement"] == "") | table["arrangement"].isin(ids))
    table = table[usable]
    win = evidence_windows(table, max_age)
    covers = (win["counts_from"] <= date) & (win["counts_to"] >= date)
    t = table[covers].join(win[covers])
    reg = load_councils()
    live = load_councils(date)
    code_of_id = pd.Series(live.index, index=live["id"])
    t = t.assign(council=code_of_id.reindex(reg.loc[t["council"], "id"].to_numpy()).to_numpy())
    t = t[pd.notna(t["council"])]
    t["assumed"] = (t["seen_from"] > date) | (t["seen_to"] < date)
    gap = np.maximum((t["seen_from"] - date).dt.days, (date - t["seen_to"]).dt.days)
    t["gap"] = np.maximum(gap, 0)
    t["latest"] = -t["year_observed"].astype(float).fillna(0.0)
    t = t.sort_values(["council", "function", "gap", "latest", "vendor", "product"])
    t = t.groupby(["council", "function"], as_index=False).head(1)
    t["evidence"] = [_evidence_text(r) for r in t.itertuples()]
    return t[["council", "function", "vendor", "product", "year_observed", "source", "assumed",
              "evidence", "origin", "arrangement"]].reset_index(drop=True)


def systems_in_use(systems: pd.DataFrame | None, arrangements: Iterable[str]) -> pd.DataFrame:
    """The systems register (default bundled) without the rows describing an arrangement that is
    not among ``arrangements`` (the ids of the links table in use)."""
    table = load_systems() if systems is None else systems
    if "arrangement" not in table.columns:
        return table
    ids = set(arrangements)
    return table[(table["arrangement"] == "") | table["arrangement"].isin(ids)]


def systems_coverage(as_of: DateLike = None, *, systems: pd.DataFrame | None = None
                     ) -> pd.DataFrame:
    """How much of the country the IT systems evidence covers on a date, per function.

    Parameters
    ----------
    as_of : date-like, optional
        The date (default today).
    systems : pandas.DataFrame, optional
        As :func:`load_systems` returns (default the bundled register).

    Returns
    -------
    pandas.DataFrame
        One row per IT function (index: function id), columns ``name`` (plain name),
        ``delivering`` (councils in force whose tier delivers the service of that name in the
        service catalogue, or else any service using the function), ``with_evidence`` (of those, councils with a known
        system on the date), ``assumed`` (of those, known only by an observation in another
        year, see :func:`evidence_windows`) and ``share`` (with_evidence / delivering).
    """
    date = to_date(as_of) or today()
    reg = load_councils(date)
    on = systems_on(date, systems=systems)
    rows = []
    for f in SYSTEM_FUNCTIONS:
        codes = set(reg.index[reg["tier"].isin(function_tiers(f))])
        known = on[(on["function"] == f) & on["council"].isin(codes)]
        n = len(codes)
        rows.append({"function": f, "name": function_name(f),
                     "delivering": n, "with_evidence": int(known["council"].nunique()),
                     "assumed": int(known.loc[known["assumed"], "council"].nunique()),
                     "share": known["council"].nunique() / n if n else float("nan")})
    return pd.DataFrame(rows).set_index("function")


_FUNCTION_NAMES = {"finance": "Finance", "hr_payroll": "HR & payroll",
                   "revenues_benefits": "Revenues & benefits", "housing": "Housing",
                   "crm": "Customer relationship management (CRM)",
                   "document_management": "Document management",
                   "social_care": "Social care", "environmental_health": "Environmental health",
                   "building_control": "Building control", "licensing": "Licensing",
                   "waste": "Waste", "planning": "Planning"}


def function_tiers(function: str) -> set[str]:
    """The council tiers that run an IT function: those delivering the service of the same
    name in the service catalogue where there is one (revenues & benefits, not counter fraud),
    else any service using the function."""
    cat = services()
    using = [function] if function in cat.index else [
        s for s in cat.index if function in cat.at[s, "systems"]]
    return {t for s in using for t in cat.at[s, "delivered_by"]}


def function_name(function: str) -> str:
    """The plain name of an IT function (``hr_payroll`` -> "HR & payroll")."""
    return _FUNCTION_NAMES.get(function, function.replace("_", " "))


def _evidence_text(r) -> str:
    if r.assumed:
        return f"assumed from an observation in {int(r.year_observed)}"
    if pd.isna(r.year_observed) and pd.isna(r.in_use_from) and pd.isna(r.in_use_to):
        return "undated"
    if pd.notna(r.in_use_from) or pd.notna(r.in_use_to):
        a = "" if pd.isna(r.in_use_from) else f" from {r.in_use_from:%Y-%m-%d}"
        b = "" if pd.isna(r.in_use_to) else f" to {r.in_use_to:%Y-%m-%d}"
        return f"in use{a}{b}"
    return f"observed in {int(r.year_observed)}"


def _bundled_arrangement_ids() -> frozenset[str]:
    """Arrangement ids of the bundled links table, read without importing links (which
    imports this module)."""
    return _arrangement_ids_cached()


@lru_cache(maxsize=1)
def _arrangement_ids_cached() -> frozenset[str]:
    ids: set[str] = set()
    for f in sorted(data_dir("councils").glob("arrangements*.csv")):
        df, _ = read_table(f, "arrangements")
        if "arrangement" in df.columns:
            ids |= set(df["arrangement"].astype(str).str.strip())
    return frozenset(ids)
