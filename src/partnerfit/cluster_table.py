"""Clusters: sub-regional groupings of councils that are not themselves sharing arrangements.

Combined authorities, city regions, LEP areas, sub-regional bodies and groupings named in
public strategy documents (the Mid Lancashire cluster of Team Lancashire), and a user's own
groupings, as one table with validity dates and sources: ``councils/clusters.csv`` (bundled,
built by ``scripts/build_clusters.py``; attribution in ``councils/SOURCES.md``). The "same
area" criterion reads them: two councils in the same cluster on the date are ``same_cluster``.
A grouping defined by a sharing partnership is that partnership (``councils/arrangements_*``),
never a cluster.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ._dates import DateLike, to_date
from ._paths import bundled
from ._tables import council_problem, parse_period, read_table, text_columns
from .errors import DataValidationError
from .register import load_councils

__all__ = ["CLUSTER_COLUMNS", "CLUSTER_TYPES", "cluster_members", "load_clusters",
           "read_clusters"]

#: Kinds of cluster.
CLUSTER_TYPES = ("combined_authority", "city_region", "lep_area", "county_area",
                 "sub_regional", "user")
#: Columns of a cluster table, in order (``type``, ``council_name``, dates, notes and sources
#: may be left out of a user's table: ``type`` is then ``user``).
CLUSTER_COLUMNS = ("cluster", "name", "type", "council", "council_name", "start", "end",
                   "notes", "source_title", "source_publisher", "source_date", "source_url")
_REQUIRED = ("cluster", "name", "council")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def read_clusters(source: str | Path | pd.DataFrame, *, require_source: bool = False
                  ) -> pd.DataFrame:
    """Read and validate a cluster table (CSV, Excel or DataFrame); the input is not changed.

    Parameters
    ----------
    source : path or pandas.DataFrame
        One row per (cluster, council), columns :data:`CLUSTER_COLUMNS` (only ``cluster``,
        ``name`` and ``council`` are required). ``council`` is a GSS code in force over the
        membership; ``start``/``end`` are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (empty: from
        the source's date, or always; still a member).
    require_source : bool, default False
        Every row must name its source (the bundled table is read this way).

    Returns
    -------
    pandas.DataFrame
        The rows with ``start``/``end`` as dates (a start is the first day of the period
        written, an end the last), ``valid_from`` (start, or the source's date when the start
        is not given; NaT: always), and ``file``/``line`` of each row.

    Raises
    ------
    DataValidationError
        Every problem at once, each with its file and line.
    """
    df, name = read_table(source, "clusters")
    df, line = text_columns(df, name, _REQUIRED, CLUSTER_COLUMNS[2:], expected=CLUSTER_COLUMNS)
    df.loc[df["type"] == "", "type"] = "user"
    reg = load_councils()
    problems: list[str] = []
    starts, ends, valid = [], [], []
    for i in df.index:
        r = df.loc[i]
        at = f"line {line[i]}"
        s, e, seen, bad = _dates(r)
        problems += [f"{at}: {p}" for p in bad + _row_problems(r, require_source)]
        p = council_problem(r["council"], r["council_name"], s if s is not None else seen, reg)
        if p is None and e is not None:
            p = council_problem(r["council"], r["council_name"], e, reg)
        if p:
            problems.append(f"{at}: {p}")
        starts.append(s)
        ends.append(e)
        valid.append(s if s is not None else seen)
    df["start"] = pd.to_datetime(pd.Series(starts, index=df.index, dtype=object))
    df["end"] = pd.to_datetime(pd.Series(ends, index=df.index, dtype=object))
    df["valid_from"] = pd.to_datetime(pd.Series(valid, index=df.index, dtype=object))
    df["line"] = line
    problems += _table_problems(df)
    if problems:
        raise DataValidationError(name, problems)
    return df.reset_index(drop=True)


def _dates(r: pd.Series) -> tuple[pd.Timestamp | None, pd.Timestamp | None,
                                  pd.Timestamp | None, list[str]]:
    """A row's start, end and source date, and its problems with them."""
    out: dict[str, pd.Timestamp | None] = {}
    bad = []
    for col, end in (("start", False), ("end", True), ("source_date", False)):
        out[col] = None
        if r[col]:
            try:
                out[col] = parse_period(r[col], end=end)[0]
            except ValueError:
                bad.append(f"{col} {r[col]!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    s, e = out["start"], out["end"]
    if s is not None and e is not None and e < s:
        bad.append(f"end {r['end']} is before start {r['start']}")
    return s, e, out["source_date"], bad


def _row_problems(r: pd.Series, require_source: bool) -> list[str]:
    out = []
    if not _ID.match(r["cluster"]):
        out.append(f"cluster id {r['cluster']!r} must be lower-case letters, digits and "
                   "hyphens, e.g. 'mid-lancashire'")
    if not r["name"]:
        out.append(f"cluster {r['cluster']!r} has no name (the name officers read, e.g. "
                   "'Liverpool City Region Combined Authority')")
    if r["type"] not in CLUSTER_TYPES:
        out.append(f"type {r['type']!r} is not one of {', '.join(CLUSTER_TYPES)}")
    if require_source and (not r["source_title"] or not r["source_publisher"]):
        out.append("no source; every row needs source_title and source_publisher")
    return out


def _table_problems(df: pd.DataFrame) -> list[str]:
    """One name and type per cluster; a council listed once per period of a cluster."""
    out = []
    for cid, rows in df.groupby("cluster", sort=True):
        for col in ("name", "type"):
            if rows[col].nunique() > 1:
                lines = ", ".join(str(x) for x in rows["line"])
                out.append(f"lines {lines}: cluster {cid!r} has more than one {col} "
                           f"({', '.join(sorted(rows[col].unique()))}); give it one")
        for code, same in rows.groupby("council"):
            if len(same) < 2:
                continue
            same = same.sort_values("valid_from", na_position="first")
            ends = same["end"].tolist()
            starts = same["valid_from"].tolist()
            for k in range(1, len(same)):
                if pd.isna(ends[k - 1]) or pd.isna(starts[k]) or starts[k] <= ends[k - 1]:
                    out.append(f"line {same['line'].iloc[k]}: council {code} is listed in "
                               f"cluster {cid!r} again (line {same['line'].iloc[k - 1]}) for an "
                               "overlapping period; keep one row per period")
    return out


@lru_cache(maxsize=1)
def _bundled() -> pd.DataFrame:
    return read_clusters(bundled("councils", "clusters.csv"), require_source=True)


def load_clusters(as_of: DateLike = None, *,
                  clusters: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:
    """The clusters of councils (bundled, plus a user's), optionally those in force on a date.

    Parameters
    ----------
    as_of : date-like, optional
        Keep only memberships in force on this date (default: every row, whatever its dates).
    clusters : path or pandas.DataFrame, optional
        A user's clusters (columns :data:`CLUSTER_COLUMNS`; only ``cluster``, ``name`` and
        ``council`` are required, ``type`` defaults to ``user``), added to the bundled ones.
        A user's cluster id that is also a bundled id is an error.

    Returns
    -------
    pandas.DataFrame
        One row per (cluster, council, period): ``cluster, name, type, council,
        council_name, start, end, valid_from, notes, source_*``, ``file`` and ``line``.

    Raises
    ------
    DataValidationError
        A problem in the user's table, naming its line.

    Examples
    --------
    >>> import partnerfit as pf
    >>> lcr = pf.load_clusters("2015-06-01").query("cluster == 'liverpool-city-region-ca'")
    >>> sorted(lcr["council_name"])
    ['Halton', 'Knowsley', 'Liverpool', 'Sefton', 'St. Helens', 'Wirral']
    """
    table = _bundled().copy()
    if clusters is not None:
        own = read_clusters(clusters)
        clash = sorted(set(own["cluster"]) & set(table["cluster"]))
        if clash:
            named = dict(zip(table["cluster"], table["name"], strict=True))
            raise DataValidationError(str(own["file"].iloc[0]), [
                f"cluster id {c!r} is already a bundled cluster ({named[c]}); give your "
                "cluster another id" for c in clash])
        table = pd.concat([table, own], ignore_index=True)
    date = to_date(as_of)
    if date is None:
        return table
    live = (table["valid_from"].isna() | (table["valid_from"] <= date)) & \
        (table["end"].isna() | (table["end"] >= date))
    return table[live].reset_index(drop=True)


def cluster_members(as_of: DateLike = None, *,
                    clusters: str | Path | pd.DataFrame | None = None
                    ) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """Council code -> the clusters it is in on ``as_of``, and cluster id -> name."""
    table = load_clusters(as_of, clusters=clusters)
    members: dict[str, set[str]] = {}
    for code, cid in zip(table["council"], table["cluster"], strict=True):
        members.setdefault(code, set()).add(cid)
    names = dict(zip(table["cluster"], table["name"], strict=True))
    return {k: frozenset(v) for k, v in members.items()}, names
