"""The report of a :class:`~partnerfit.results.Shortlist`: ranked partners and why.

The main body (summary, the best ten, how robust the ranking is, who was screened out and why,
in a few lines) prints on at most three A4 pages; the appendices hold the breakdown by
criterion, the weights, the stability intervals, every council screened out and the rank
acceptability chart; the full ranking of every candidate is in the Excel workbook only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from ...formatting import MISSING_WORDS, format_date, name_in_sentence
from ...report import DATA_SOURCES, Figure, Report, Section, Table
from ...sensitivity import describe_stability, stability_intervals
from ...sensitivity.verdict import THRESHOLDS_TEXT, chance_text, robustness_verdict
from ._common import BOUNDARY_SOURCE
from .brief import recommendation_sentence

if TYPE_CHECKING:
    from ...results import Shortlist
    from ...sensitivity.verdict import Verdict

__all__ = ["TIER_NAMES", "screened_summary", "shortlist_report"]

#: Council tiers as officers name them.
TIER_NAMES = {"county": "County", "non_metropolitan_district": "District",
              "unitary": "Unitary", "metropolitan_borough": "Metropolitan borough",
              "london_borough": "London borough", "welsh_unitary": "Welsh unitary",
              "scottish_unitary": "Scottish unitary", "sui_generis": "Other (sui generis)",
              "partnership": "Existing partnership"}

#: Rows of the ranked table in the main body.
MAIN_ROWS = 10



def _words(text: str) -> str:
    """Identifiers in a description (``same_county``) as words (``same county``)."""
    return re.sub(r"\b[A-Za-z]+(?:_[A-Za-z0-9]+)+\b", lambda m: m.group(0).replace("_", " "),
                  text)


def _tier(tier: object) -> str:
    return TIER_NAMES.get(str(tier), str(tier).replace("_", " "))


def _reason_group(reason: str) -> str:
    """A screening reason without its dates, so that like reasons are counted together."""
    if re.match(r"not in force on .*\(ended", reason):
        return "abolished or merged before this date"
    if re.match(r"not in force on .*\(began", reason):
        return "created after this date"
    return reason


def screened_summary(screened: pd.DataFrame) -> pd.DataFrame:
    """Councils screened out, counted by reason (dates taken out), most common first.

    Parameters
    ----------
    screened : pandas.DataFrame
        :attr:`Shortlist.screened` (``code, name, reason``).

    Returns
    -------
    pandas.DataFrame
        Columns ``reason``, ``councils`` (count) and ``for example`` (up to three names).
    """
    if screened.empty:
        return pd.DataFrame({"reason": pd.Series(dtype=object),
                             "councils": pd.Series(dtype=int),
                             "for example": pd.Series(dtype=object)})
    groups = screened["reason"].astype(str).map(_reason_group)
    rows = []
    for reason, part in screened.groupby(groups, sort=False):
        names = sorted(part["name"].astype(str))
        rows.append({"reason": reason, "councils": len(part),
                     "for example": ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")})
    out = pd.DataFrame(rows)
    return out.sort_values(["councils", "reason"], ascending=[False, True],
                           kind="mergesort").reset_index(drop=True)


def _ranked_table(sl: Shortlist, rows: pd.DataFrame, name: str, caption: str, *,
                  codes: bool = False) -> Table:
    frame = pd.DataFrame({
        "rank": rows["rank"].astype(int), "council": rows["name"],
        # an existing partnership has no ONS code (its code is the arrangement id)
        **({"ONS code": rows["code"].where(rows["kind"] == "council", "") if "kind" in rows
            else rows["code"]} if codes else {}),
        "kind of council": [_tier(t) for t in rows["tier"]],
        "score (of 100)": rows["score"].astype(float),
    })
    formats = {"rank": "int", "score (of 100)": "float1"}
    if "distance_km" in rows:
        frame["distance (km)"] = rows["distance_km"].astype(float)
        formats["distance (km)"] = "km"
    if sl.two_way is not None:  # where this council would stand on each candidate's own list
        frame[f"{sl.council_name} on their own list"] = [
            "" if sl.is_partnership(c) else sl.two_way.place(c) for c in rows["code"]]
    frame["data not known"] = rows["flags"].str.replace(r"unknown: \w+ \d+", "unknown",
                                                        regex=True)
    if "members" in rows and any(len(m) for m in rows["members"]):
        names = sl.councils["name"]
        frame["members (existing partnership)"] = [
            ", ".join(sorted(str(names.get(c, c)) for c in m)) for m in rows["members"]]
    if "committed" in rows and rows["committed"].astype(bool).any():
        frame["already committed to"] = rows["committed"].to_numpy()
    if "regime" in rows and (rows["regime"] != "").any():  # only where the law differs
        frame["law differs"] = rows["regime"]
    return Table(name, frame, formats=formats, caption=caption)


def _summary_lines(sl: Shortlist, full: pd.DataFrame, verdict: Verdict | None) -> list[str]:
    lines = [sl.opening(),
             recommendation_sentence(sl, full, verdict.word if verdict else "not assessed")]
    n_parts = int((full["kind"] == "partnership").sum()) if "kind" in full else 0
    scored = (f"{len(full) - n_parts} councils and {n_parts} existing partnership"
              f"{'' if n_parts == 1 else 's'} were" if n_parts else f"{len(full)} councils were")
    lines.append(f"{scored} scored as {name_in_sentence(sl.service_name)} "
                 f"partners for {sl.council_name} as at {format_date(sl.as_of, long=True)}, "
                 f"using {sl.weights_source}; {len(sl.screened)} were screened out (below).")
    for label, n, how in sl.unknown_counts():
        lines.append(f"{label} is not known for {n} of {len(full)} candidates ({how}); such "
                     "cells are marked in the table.")
    if sl.two_way is not None:
        lines.append(sl.two_way_summary(full) + f" (The column '{sl.council_name} on their own "
                     f"list' is where {sl.council_name} would rank on each candidate's own "
                     "shortlist for the same service, date and weights.)")
    return lines + list(sl.notes)


def _robustness_section(sl: Shortlist, verdict: Verdict) -> Section:
    """The verdict, the chance of each candidate that matters of a top-3 place, the chart."""
    from ...plot.sensitivity import plot_stability

    codes = list(verdict.top3.index)
    names = sl.names
    ranks = sl.ranks()
    frame = pd.DataFrame({
        "council": [names[c] for c in codes],
        "rank now": [int(ranks[c]) for c in codes],
        "chance of being in the top 3": [chance_text(float(verdict.top3[c])) for c in codes],
    })
    text = [f"Verdict: {verdict.word} ({verdict.colour}). {verdict.sentence}",
            ("The table lists every council with at least a 1% chance of a top-3 place when "
             "each weight is drawn between half and one and a half times its value, in order "
             "of their average rank over those weightings."),
            THRESHOLDS_TEXT]
    return Section("How robust the ranking is", paragraphs=text,
                   tables=[Table("Chance of top 3", frame, formats={"rank now": "int"},
                                 caption="Chance of being in the top 3 under plausible weights")],
                   figures=[Figure("Stability", plot_stability(sl),
                                   caption="Weight ranges over which the leader stays first",
                                   alt=("Chart of each criterion's weight range over which "
                                        f"{verdict_leader(sl)} stays first; the words above "
                                        "give the narrowest one."))])


def verdict_leader(sl: Shortlist) -> str:
    """The name of the council ranked first."""
    return str(sl.full_table()["name"].iloc[0])


def _short_label(label: str) -> str:
    """A criterion label without its group: "Geography: distance" -> "distance"."""
    return label.split(": ", 1)[1] if ": " in label else label


def _appendix(sl: Shortlist, shown: pd.DataFrame, verdict: Verdict | None,
              figures: bool) -> list[Section]:
    crit_ids = [c for c in sl.criteria if sl.weights[c] > 0]
    # headers without the group ("distance", not "Geography: distance") so that the widest
    # table of the report still fits an A4 page; Appendix B names each criterion in full
    short = {c: _short_label(sl.criteria[c].label) for c in crit_ids}
    if len(set(short.values())) < len(short):
        short = {c: sl.criteria[c].label for c in crit_ids}
    breakdown = shown[["rank", "name", *[f"{c}_contribution" for c in crit_ids]]].rename(
        columns={"name": "council", **{f"{c}_contribution": short[c] for c in crit_ids}})
    flags = sl.flags.reindex(shown["code"].to_numpy())
    missing = sl.missing.reindex(shown["code"].to_numpy())
    marks = pd.DataFrame({short[c]: flags[c].where(missing[c], "").fillna("")
                          .to_numpy() for c in crit_ids})
    caption = ("Points per criterion; * and hatching: the value is unknown and was filled in "
               "(the summary says how)" if (marks != "").any().any() else "")
    weights = pd.DataFrame({
        "criterion": [c.label for c in sl.criteria.values()],
        "weight": [sl.weights[c] for c in sl.criteria],
        "value function": [_words(c.value.describe()) for c in sl.criteria.values()],
        "when not known": [MISSING_WORDS.get(str(c.missing), str(c.missing))
                           for c in sl.criteria.values()],
    })
    out = [
        Section("Appendix A: points by criterion",
                paragraphs=["Points each criterion contributes (weight x 0-100 value)."],
                tables=[Table("Breakdown", breakdown,
                              formats={short[c]: "float1" for c in crit_ids},
                              caption=caption, marks=marks)],
                appendix=True),
        Section("Appendix B: weights and value functions",
                paragraphs=[f"Weights: {sl.weights_source}."],
                tables=[Table("Weights", weights, formats={"weight": "percent"})],
                appendix=True),
    ]
    if verdict is not None:
        st = stability_intervals(sl)
        table = pd.DataFrame({"criterion": st["label"], "weight now": st["weight"],
                              "leader first from": st["top1_low"],
                              "leader first to": st["top1_high"],
                              "top 3 unchanged from": st["topk_low"],
                              "top 3 unchanged to": st["topk_high"]})
        out.append(Section("Appendix C: weight ranges in detail",
                           paragraphs=describe_stability(sl),
                           tables=[Table("Stability", table,
                                         formats={c: "percent" for c in table.columns[1:]})],
                           appendix=True))
        if figures and verdict.smaa is not None:
            from ...plot.sensitivity import plot_acceptability

            out[-1].figures.append(Figure(
                "Chance of each rank", plot_acceptability(verdict.smaa, top=10),
                caption="Chance of each rank under plausible weights, in order of average rank",
                alt=("Heat map of each council's chance of each rank when every weight is drawn "
                     "between half and one and a half times its value; the table 'Chance of "
                     "top 3' gives the figures that matter.")))
    screened = sl.screened.rename(columns={"name": "council"})[["council", "code", "reason"]]
    out.append(Section("Appendix D: every council screened out",
                       tables=[Table("Screened", screened.reset_index(drop=True))],
                       appendix=True))
    return out


def _map_appendix(sl: Shortlist, n_scored: int, map_options: dict | None) -> list[Section]:
    """The best candidates on the council boundary map (an appendix, so that the main body
    stays within three pages; the brief carries a map on its one page)."""
    options = dict(map_options or {})
    if options.pop("kind", "map") == "none":
        return []
    n = min(MAIN_ROWS, n_scored)
    figure = Figure("Candidates map", sl.plot(top=n, kind="map", **options),
                    caption=f"The {n} best candidates on the council boundary map, shaded by "
                            "partner score",
                    alt=f"Map of council areas with the {n} best candidates shaded by their "
                        "score and named; the table 'The best partners' gives the same figures.")
    return [Section("Appendix E: the best candidates on the map", figures=[figure],
                    appendix=True)]


def shortlist_report(sl: Shortlist, *, top: int | None = 30, sensitivity: bool = True,
                     figures: bool = True, map_options: dict | None = None) -> Report:
    """Build the report of a shortlist.

    Parameters
    ----------
    sl : Shortlist
    top : int or None, default 30
        Candidates in the breakdown appendix (None: all). The main body shows the best
        ten; the workbook's "Full ranking" sheet holds every candidate.
    sensitivity : bool, default True
        Add the robustness verdict, chart and stability intervals (additive scores, two or
        more candidates).
    figures : bool, default True
        Add the charts (needs matplotlib).
    map_options : dict, optional
        Passed to ``sl.plot(kind="map")`` (``label``, ``councils``); ``{"kind": "none"}``
        leaves the map out.

    Returns
    -------
    Report
        Main body: summary, the best ten, robustness, screening by reason. Appendices:
        breakdown, weights, stability intervals, every council screened out. Workbook
        only: the full ranking.
    """
    full = sl.full_table()
    shown = full.head(top) if top else full
    robust = sensitivity and sl.method == "additive" and len(sl.scores) > 1
    verdict = robustness_verdict(sl) if robust else None
    main = Section("Summary", paragraphs=_summary_lines(sl, full, verdict))
    ranked = Section(
        "The best partners",
        tables=[_ranked_table(sl, full.head(MAIN_ROWS), "Ranked",
                              f"The best {min(MAIN_ROWS, len(full))} of {sl.scored_words(full)} "
                              "scored (all are in the Excel workbook)")])
    if figures and len(sl.scores):
        ranked.figures.append(Figure("Contributions", sl.plot(top=min(MAIN_ROWS, len(full))),
                                     caption="Points each criterion contributes to the score",
                                     alt="Stacked bars of each criterion's points for the "
                                         "best councils, in the order of the table."))
    # the councils screened out, counted by reason, close the summary (each is listed in
    # Appendix D), so that the main body stays within three pages
    main.paragraphs.append(f"{len(sl.screened)} councils were not scored; the reasons are "
                           "counted below and every council is listed in Appendix D.")
    main.tables.append(Table("Screened by reason", screened_summary(sl.screened),
                             formats={"councils": "int"}))
    sections = [main, ranked]
    if verdict is not None:
        section = _robustness_section(sl, verdict)
        if not figures:
            section.figures = []
        sections.append(section)
    sections += _appendix(sl, shown, verdict, figures)
    if figures and len(sl.scores):
        sections += _map_appendix(sl, len(full), map_options)
    sections.append(Section("Full ranking", workbook_only=True,
                            tables=[_ranked_table(sl, full, "Full ranking",
                                                  f"All {sl.scored_words(full)} scored",
                                                  codes=True)]))
    return Report(
        title=f"{sl.service_name} partners for {sl.council_name}",
        subtitle=f"As at {format_date(sl.as_of, long=True)}",
        sections=sections,
        sources=list(DATA_SOURCES) + ([BOUNDARY_SOURCE] if figures and len(sl.scores) else []),
        assumptions=[
            ("Scores follow the linear additive model of the DCLG multi-criteria analysis "
             "manual unless stated otherwise."),
            "Populations are 2020 mid-year estimates for every date."],
        generated_on=sl.as_of.date(),
    )
