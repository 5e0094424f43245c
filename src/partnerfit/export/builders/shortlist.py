"""The report of a :class:`~partnerfit.results.Shortlist`: ranked partners and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ...formatting import format_date
from ...report import DATA_SOURCES, Figure, Report, Section, Table
from ...sensitivity import describe_stability, stability_intervals
from ._common import BOUNDARY_SOURCE

if TYPE_CHECKING:
    from ...results import Shortlist

__all__ = ["shortlist_report"]

#: Columns of the stability-intervals table shown in the report, when present.
_STABILITY_COLUMNS = ("label", "weight", "top1_low", "top1_high", "topk_low", "topk_high")


def _ranked_section(sl: Shortlist, shown: pd.DataFrame) -> Section:
    """The summary and the ranked partners, best first."""
    ranked = shown[["rank", "name", "code", "tier", "score", "distance_km", "flags"]]
    return Section("Ranked partners", paragraphs=[sl.summary()],
                   tables=[Table("Ranked", ranked, formats={"score": "float1",
                                                             "distance_km": "km"},
                                 caption="Best first; score out of 100")])


def _breakdown_section(sl: Shortlist, shown: pd.DataFrame) -> Section:
    """Each criterion's points (weight x value) for the candidates shown."""
    crit_ids = [c for c in sl.criteria if sl.weights[c] > 0]
    breakdown = shown[["rank", "name", *[f"{c}_contribution" for c in crit_ids]]].rename(
        columns={f"{c}_contribution": sl.criteria[c].label for c in crit_ids})
    flags = sl.flags.reindex(shown["code"].to_numpy())
    missing = sl.missing.reindex(shown["code"].to_numpy())
    marks = pd.DataFrame({sl.criteria[c].label: flags[c].where(missing[c], "").fillna("")
                          .to_numpy() for c in crit_ids})
    caption = ("Points per criterion; * and hatching: the value is unknown and was filled in "
               "(the summary says how)" if (marks != "").any().any() else "")
    return Section("Breakdown by criterion",
                   paragraphs=["Points each criterion contributes (weight x 0-100 value)."],
                   tables=[Table("Breakdown", breakdown,
                                 formats={sl.criteria[c].label: "float1" for c in crit_ids},
                                 caption=caption, marks=marks)])


def _weights_section(sl: Shortlist) -> Section:
    """Every criterion's weight, value function and missing-data policy."""
    weights = pd.DataFrame({
        "criterion": list(sl.criteria),
        "label": [c.label for c in sl.criteria.values()],
        "weight": [sl.weights[c] for c in sl.criteria],
        "value function": [c.value.describe() for c in sl.criteria.values()],
        "missing data": [c.missing for c in sl.criteria.values()],
    })
    return Section("Weights and value functions", paragraphs=[f"Weights: {sl.weights_source}."],
                   tables=[Table("Weights", weights, formats={"weight": "percent"})])


def _sensitivity_section(sl: Shortlist) -> Section:
    """The stability intervals of the weights, in words and as a table."""
    st = stability_intervals(sl)
    cols = [c for c in _STABILITY_COLUMNS if c in st.columns]
    return Section("Sensitivity to the weights", paragraphs=describe_stability(sl),
                   tables=[Table("Stability", st[cols],
                                 formats={c: "percent" for c in cols[1:]})])


def shortlist_report(sl: Shortlist, *, top: int | None = 30, sensitivity: bool = True,
                     figures: bool = True, map_options: dict | None = None) -> Report:
    """Build the report of a shortlist.

    Parameters
    ----------
    sl : Shortlist
    top : int or None, default 30
        Candidates shown in the ranked and breakdown tables (None: all).
    sensitivity : bool, default True
        Add the stability intervals of the weights (additive scores, two or more candidates).
    figures : bool, default True
        Add the chart of each criterion's contribution and the candidates on the map (needs
        matplotlib).
    map_options : dict, optional
        Passed to ``sl.plot(kind="map")`` (``label``, ``councils``); ``{"kind": "none"}``
        leaves the map out.

    Returns
    -------
    Report
        The ranked table, per-criterion breakdown, weights and value functions, councils
        screened out, stability intervals, and sources and assumptions.
    """
    full = sl.full_table()
    shown = full.head(top) if top else full
    sections = [
        _ranked_section(sl, shown),
        _breakdown_section(sl, shown),
        _weights_section(sl),
        Section("Councils screened out", tables=[Table("Screened", sl.screened.copy())]),
    ]
    if sensitivity and sl.method == "additive" and len(sl.scores) > 1:
        sections.append(_sensitivity_section(sl))
    if figures and len(sl.scores):
        sections[0].figures.append(Figure("Contributions", sl.plot(top=min(15, len(shown))),
                                          caption="Contribution of each criterion"))
        options = dict(map_options or {})
        if options.pop("kind", "map") != "none":
            n = min(15, len(shown))
            sections[0].figures.append(Figure(
                "Candidates map", sl.plot(top=n, kind="map", **options),
                caption=f"The {n} best candidates on the council boundary map, shaded by "
                        "partner score"))
    return Report(
        title=f"{sl.service_name} partners for {sl.council_name}",
        subtitle=f"As at {format_date(sl.as_of, long=True)}",
        sections=sections,
        sources=list(DATA_SOURCES) + ([BOUNDARY_SOURCE] if figures and len(sl.scores) else []),
        assumptions=list(sl.notes) + [
            ("Scores follow the linear additive model of the DCLG multi-criteria analysis "
             "manual unless stated otherwise."),
            "Populations are 2020 mid-year estimates for every date."],
        generated_on=sl.as_of.date(),
    )
