"""Reports for results that do not build their own: a council's programme and a backtest.

Each function returns a :class:`partnerfit.report.Report`, which
:func:`partnerfit.export.write` turns into Excel, HTML, Markdown or CSV.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pandas as pd

from ..evaluate import METHODS
from ..report import DATA_SOURCES, Figure, Report, Section, Table, format_date

__all__ = ["backtest_report", "programme_report"]

_ADDITIVE = (
    "Scores use the bundled criteria, value functions and weights with the linear additive "
    "model of the DCLG multi-criteria analysis manual, unless stated otherwise."
)


def _as_date(value: Any) -> _dt.date | None:
    """A date for the report header, or None."""
    return None if value is None else pd.Timestamp(value).date()


#: Up to this many partners per service, the programme is shown one row per service.
_WIDE_UP_TO = 3
_ORDINALS = ("1st", "2nd", "3rd")


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


def programme_report(table: pd.DataFrame, council_name: str, *, as_of: Any = None,
                     weights_source: str = "the default weight profile") -> Report:
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

    Returns
    -------
    Report
        The best partners per service (side by side, one row per service, when there are
        at most three), how many services each partner council appears in, and (with the
        side-by-side view) the same rows one partner per row.
    """
    ranked = table[["service_name", "rank", "name", "code", "score"]].rename(
        columns={"service_name": "service", "name": "partner"})
    n_services = table["service"].nunique()
    top = int(table["rank"].max()) if len(table) else 0
    if len(table):
        best = table[table["rank"] == 1]
        counts = (table.groupby(["code", "name"], sort=False)
                  .agg(services=("service", "nunique"),
                       first=("rank", lambda r: int((r == 1).sum())),
                       mean_score=("score", "mean"))
                  .reset_index())
        counts["share"] = counts["services"] / n_services
        counts = counts.sort_values(["services", "first", "code"],
                                    ascending=[False, False, True], kind="mergesort")
        counts = counts[["name", "code", "services", "share", "first", "mean_score"]].rename(
            columns={"name": "partner", "services": f"services in top {top}",
                     "share": "share of services", "first": "services ranked first",
                     "mean_score": "mean score"})
        leader = best["name"].value_counts()
        lead_name = min(leader.index[leader == leader.max()],
                        key=lambda n: best.loc[best["name"] == n, "code"].iloc[0])
        intro = (f"{council_name} delivers {n_services} services. For each, the {top} "
                 f"highest-scoring partner councils are listed. {lead_name} ranks first for "
                 f"{int(leader.max())} of the {n_services} services.")
    else:
        counts = pd.DataFrame({"partner": pd.Series(dtype=object),
                               "code": pd.Series(dtype=object)})
        intro = f"No service of {council_name} has an eligible partner."
    long_table = Table("Programme data", ranked, formats={"score": "float1"},
                       caption=f"Top {top} partners for each service, one row per partner; "
                               "score out of 100")
    if 0 < top <= _WIDE_UP_TO:
        main = Table("Programme", _side_by_side(table, top),
                     formats={f"{_ORDINALS[i]} score": "float1" for i in range(top)},
                     caption=f"Top {top} partners for each service; scores out of 100")
        data = [Section("Programme data", tables=[long_table])]
    else:
        main, data = long_table, []
    sections = [
        Section("Best partners by service", paragraphs=[intro], tables=[main]),
        Section("Partners across the programme",
                paragraphs=[("Councils that rank highly for many services are natural "
                             "partners for a wider programme of sharing.")],
                tables=[Table("Recurring partners", counts,
                              formats={"share of services": "percent", "mean score": "float1"}
                              if len(table) else {},
                              caption="How many services each partner council appears in")]),
        *data,
    ]
    return Report(
        title=f"Shared-service programme for {council_name}",
        subtitle=f"As at {format_date(as_of, long=True)}" if as_of is not None else "",
        sections=sections,
        sources=list(DATA_SOURCES),
        assumptions=[_ADDITIVE, f"Weights: {weights_source}, the same for every service."],
        generated_on=_as_date(as_of),
    )


def backtest_report(result: Any, *, figure: bool = True) -> Report:
    """Report a :class:`partnerfit.evaluate.BacktestResult`.

    Parameters
    ----------
    result : BacktestResult
    figure : bool, default True
        Include the hit@k curves (``result.plot()``) when the result can draw them.

    Returns
    -------
    Report
        Overall metrics per method, metrics by service family and by focal tier, every
        scored case and every skipped case with its reason.
    """
    pct = {c: "percent" for c in ("hit@1", "hit@3", "hit@5", "hit@10")}
    metrics = {**pct, "mrr": "float2", "median_rank": "float1"}

    def grouped(frame: pd.DataFrame, label: str) -> Table:
        flat = frame.reset_index()
        return Table(label, flat, formats={k: v for k, v in metrics.items() if k in flat},
                     caption=f"Metrics by {label.lower().removeprefix('by ')}")

    summary = result.summary.reset_index()
    cases = result.cases.copy()
    paragraphs = [(f"{len(result.cases)} cases scored, {len(result.skipped)} skipped. Each "
                   "real partner is ranked among every eligible candidate as at the date the "
                   "pair came together, with its own partnership removed from the data.")]
    if result.sampled:
        paragraphs.append(result.sampled)
    figures = []
    if figure and callable(getattr(result, "plot", None)) and len(result.cases):
        figures.append(Figure("Hit rates", result.plot(),
                              caption="Share of cases whose real partner is in the top k, "
                                      "by method"))
    return Report(
        title="Backtest against real shared-service arrangements",
        sections=[
            Section("How often the real partner is near the top", paragraphs=paragraphs,
                    tables=[Table("Summary", summary,
                                  formats={k: v for k, v in metrics.items() if k in summary},
                                  caption="Hit rates, mean reciprocal rank (MRR) and median "
                                          "rank of the real partner, by method")],
                    figures=figures),
            Section("Breakdowns", tables=[grouped(result.by_family, "By family"),
                                          grouped(result.by_tier, "By tier")]),
            Section("Cases", tables=[Table("Cases", cases, caption="Every scored case"),
                                     Table("Skipped", result.skipped.copy(),
                                           caption="Cases not scored, with the reason")]),
        ],
        sources=list(DATA_SOURCES),
        assumptions=[("Baselines, scored on the same cases: "
                      + "; ".join(METHODS[m] for m in result.methods if m != "weights")
                      + ". Ties count as expected values under random tie-breaking."),
                     _ADDITIVE],
    )
