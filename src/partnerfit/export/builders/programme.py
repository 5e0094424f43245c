"""The report of a council's programme: its best partners for every service it delivers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...formatting import format_date
from ...report import DATA_SOURCES, Report, Section, Table
from ._common import ADDITIVE_MODEL, report_date

__all__ = ["partner_sets", "programme_report"]

#: Up to this many partners per service, the programme is shown one row per service.
_WIDE_UP_TO = 3
_ORDINALS = ("1st", "2nd", "3rd")
_RECURRING_INTRO = ("Councils that rank highly for many services are natural partners for a "
                    "wider programme of sharing.")


def _side_by_side(table: pd.DataFrame, top: int) -> pd.DataFrame:
    """One row per service: the 1st, 2nd ... partner and their scores, side by side."""
    place = table.groupby("service", sort=False).cumcount()
    rows = []
    for (_, name), part in table.groupby(["service", "service_name"], sort=False):
        row: dict[str, Any] = {"service": name}
        for i in range(top):
            hit = part[place.loc[part.index] == i]
            row[f"{_ORDINALS[i]} choice"] = hit["name"].iloc[0] if len(hit) else None
            row[f"{_ORDINALS[i]} score"] = float(hit["score"].iloc[0]) if len(hit) else None
        rows.append(row)
    frame = pd.DataFrame(rows)
    for i in range(top):
        frame[f"{_ORDINALS[i]} score"] = frame[f"{_ORDINALS[i]} score"].astype(float)
    return frame


def _recurring_partners(table: pd.DataFrame, top: int) -> pd.DataFrame:
    """Each partner council: in how many services' top ``top`` it is, how often first."""
    if not len(table):
        return pd.DataFrame({"partner": pd.Series(dtype=object), "code": pd.Series(dtype=object)})
    counts = (table.groupby(["code", "name"], sort=False)
              .agg(services=("service", "nunique"),
                   first=("rank", lambda r: int((r == 1).sum())),
                   mean_score=("score", "mean"))
              .reset_index())
    counts["share"] = counts["services"] / table["service"].nunique()
    counts = counts.sort_values(["services", "first", "code"],
                                ascending=[False, False, True], kind="mergesort")
    return counts[["name", "code", "services", "share", "first", "mean_score"]].rename(
        columns={"name": "partner", "services": f"services in top {top}",
                 "share": "share of services", "first": "services ranked first",
                 "mean_score": "mean score"})


def _intro(table: pd.DataFrame, council_name: str, top: int) -> str:
    """How many services, and which partner ranks first most often (ties: lowest code)."""
    if not len(table):
        return f"No service of {council_name} has an eligible partner."
    n_services = table["service"].nunique()
    best = table[table["rank"] == 1]
    leader = best["name"].value_counts()
    lead_name = min(leader.index[leader == leader.max()],
                    key=lambda n: best.loc[best["name"] == n, "code"].iloc[0])
    return (f"{council_name} delivers {n_services} services. For each, the {top} "
            f"highest-scoring partner councils are listed. {lead_name} ranks first for "
            f"{int(leader.max())} of the {n_services} services.")


def partner_sets(table: pd.DataFrame) -> pd.DataFrame:
    """Services grouped by their best partners (the same councils in the same order).

    Parameters
    ----------
    table : pandas.DataFrame
        The programme (``service, service_name, rank, code, name, score``).

    Returns
    -------
    pandas.DataFrame
        One row per distinct list of best partners, most services first: ``best partners (in
        order)``, ``services`` (their names) and ``number of services``.
    """
    ordered = table.sort_values(["rank", "code"], kind="mergesort")
    lists = ordered.groupby("service_name", sort=False)["name"].agg(", ".join)
    order = list(dict.fromkeys(table["service_name"]))
    rows: dict[str, list[str]] = {}
    for name in order:
        rows.setdefault(lists[name], []).append(name)
    out = pd.DataFrame({"best partners (in order)": list(rows),
                        "services": ["; ".join(v) for v in rows.values()],
                        "number of services": [len(v) for v in rows.values()]})
    return out.sort_values("number of services", ascending=False,
                           kind="mergesort").reset_index(drop=True)


def _differs(sets: pd.DataFrame, n_services: int) -> str:
    """What differs between services, in words."""
    if sets.empty:
        return ""
    first = sets.iloc[0]
    if len(sets) == 1:
        return (f"Every service has the same best partners, in the same order: "
                f"{first['best partners (in order)']}.")
    return (f"{int(first['number of services'])} of the {n_services} services have the same "
            f"best partners, in the same order: {first['best partners (in order)']}. The "
            f"other {n_services - int(first['number of services'])} differ, as the table "
            "shows; the full list by service is in the appendix.")


def _by_service_tables(table: pd.DataFrame, top: int) -> tuple[Table, list[Section]]:
    """The main table and, when it is the side-by-side view, the long table's own section."""
    ranked = table[["service_name", "rank", "name", "code", "score"]].rename(
        columns={"service_name": "service", "name": "partner"})
    long_table = Table("Programme data", ranked, formats={"score": "float1"},
                       caption=f"Top {top} partners for each service, one row per partner; "
                               "score out of 100")
    if not 0 < top <= _WIDE_UP_TO:
        return long_table, []
    main = Table("Programme", _side_by_side(table, top),
                 formats={f"{_ORDINALS[i]} score": "float1" for i in range(top)},
                 caption=f"Top {top} partners for each service; scores out of 100")
    return main, [Section("Programme data", tables=[long_table], workbook_only=True)]


def programme_report(table: pd.DataFrame, council_name: str, *, as_of: Any = None,
                     weights_source: str = "the default weight profile", notes: list[str] | None = None) -> Report:
    """Report a council's programme view: its best partners for every service it delivers.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`partnerfit.programme`: columns ``service, service_name, rank,
        code, name, score``, services in catalogue order.
    council_name : str
        The focal council, for the title.
    as_of : date-like, optional
        Date of the analysis (printed on the report).
    weights_source : str
        Where the weights came from, for the assumptions.
    notes : list of str, optional
        What the user's own data did (added, changed, replaced), for the assumptions.

    Returns
    -------
    Report
        The best partners per service (side by side, one row per service, when there are
        at most three), how many services each partner council appears in, and (with the
        side-by-side view) the same rows one partner per row.
    """
    top = int(table["rank"].max()) if len(table) else 0
    main, data = _by_service_tables(table, top)
    recurring = Table("Recurring partners", _recurring_partners(table, top),
                      formats={"share of services": "percent", "mean score": "float1"}
                      if len(table) else {},
                      caption="How many services each partner council appears in")
    sets = partner_sets(table)
    n_services = int(table["service"].nunique()) if len(table) else 0
    sections = [
        Section("What differs between services",
                paragraphs=[_intro(table, council_name, top), _differs(sets, n_services)],
                tables=[Table("Partner sets", sets, formats={"number of services": "int"},
                              caption="Services with the same best partners, together")]
                if len(table) else []),
        Section("Partners across the programme", paragraphs=[_RECURRING_INTRO],
                tables=[recurring]),
        Section("Appendix: best partners by service", tables=[main], appendix=True),
        *data,
    ]
    return Report(
        title=f"Shared-service programme for {council_name}",
        subtitle=f"As at {format_date(as_of, long=True)}" if as_of is not None else "",
        sections=sections,
        sources=list(DATA_SOURCES),
        assumptions=[*(notes or []), ADDITIVE_MODEL,
                     f"Weights: {weights_source}, the same for every service."],
        generated_on=report_date(as_of),
    )
