"""The one-page brief of a shortlist or a plan: what an officer takes to cabinet.

A :class:`Brief` holds the recommendation in one sentence, the existing arrangements, the top
three and why, a red / amber / green robustness verdict (in words too), the map and the
sources. :mod:`partnerfit.export.brief` writes it as HTML, PDF or Word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from ...errors import PartnerfitError
from ...existing import existing_arrangements
from ...formatting import format_date, name_in_sentence
from ...report import DATA_SOURCES, Figure
from ...sensitivity.verdict import (
    PLAN_THRESHOLDS_TEXT,
    THRESHOLDS_TEXT,
    chance_text,
    plan_verdict,
    robustness_verdict,
)
from ...services import services

if TYPE_CHECKING:
    from ...grouping.plan import Plan
    from ...results import Shortlist

__all__ = ["Brief", "plan_brief", "recommendation_sentence", "shortlist_brief"]

_MODEL_WORDS = {"sovereign": "one council delivers for the others",
                "federal": "a shared team run jointly", "joint_committee": "a joint committee",
                "company": "a council-owned company", "private_partner": "a private partner",
                "shared_service": "a shared service", "shared_management": "shared management"}


@dataclass
class Brief:
    """A one-page brief.

    Attributes
    ----------
    title, subtitle : str
    recommendation : str
        The recommendation in one plain sentence.
    existing : list of str
        The arrangements already running, one sentence each.
    top_heading : str
    top_columns : list of str
        Column labels of the top-three table.
    top_rows : list of list of str
        The top three, already in words and rounded figures.
    verdict_colour : {"green", "amber", "red", "grey"}
    verdict_word : str
        The verdict in words ("robust", "fairly robust", "fragile", "not assessed").
    verdict_text : str
    figure : Figure or None
        The map, with its alt text.
    opening : str
        The sentence the brief opens with: the council's running arrangements for the
        service, or that the register holds none (a shortlist's brief; "" for a plan's).
    sources : list of str
    notes : list of str
        How the verdict is set, ties, what the brief leaves out.
    """

    title: str
    subtitle: str
    recommendation: str
    existing: list[str]
    top_heading: str
    top_columns: list[str]
    top_rows: list[list[str]]
    verdict_colour: str
    verdict_word: str
    verdict_text: str
    figure: Figure | None = None
    opening: str = ""
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _service_name(sid: str) -> str:
    cat = services()
    return str(cat.at[sid, "name"]) if sid in cat.index else sid.replace("_", " ")


def _model_words(model: object) -> str:
    text = str(model or "").strip()
    return _MODEL_WORDS.get(text, text.replace("_", " "))


def _existing_sentences(codes: list[str], service: str, as_of: object, names: dict,
                        who: str, links: pd.DataFrame | None = None) -> list[str]:
    """One sentence per arrangement for ``service`` running on ``as_of`` holding ``codes``."""
    found = existing_arrangements(codes, service, as_of, links=links)
    svc = name_in_sentence(_service_name(service))
    when = format_date(as_of, long=True)
    if found.empty:
        return [f"No shared arrangement for {svc} involving {who} is recorded on {when}."]
    out = []
    for row in found.itertuples(index=False):
        members = [names.get(c, c) for c in row.all_members]
        lead = f", led by {names.get(row.lead, row.lead)}" if row.lead else ""
        since = f", since {row.start}" if row.start else ""
        model = _model_words(row.model)
        out.append(f"{row.name}: {', '.join(members)} ({model}{lead}{since}).")
    return out


def _why(sl: Shortlist, code: str, row: pd.Series) -> str:
    """The two criteria that earn the candidate most points, and its distance."""
    contrib = sl.contributions.loc[code]
    weights = sl.weights
    best = contrib[weights > 0].sort_values(ascending=False, kind="stable").head(2)
    parts = [f"{sl.criteria[c].label} {contrib[c]:.0f} of {weights[c] * 100:.0f} points"
             for c in best.index]
    if "distance_km" in row and pd.notna(row["distance_km"]):
        parts.append(f"{row['distance_km']:.0f} km away")
    return "; ".join(parts)


def recommendation_sentence(sl: Shortlist, table: pd.DataFrame, verdict_word: str) -> str:
    """The recommendation: the leader, its margin (or the tie), and the verdict word."""
    svc = name_in_sentence(sl.service_name)
    first = table.iloc[0]
    if len(table) == 1:
        return (f"{first['name']} is the only eligible partner for {sl.council_name}'s {svc} "
                f"(score {first['score']:.1f} out of 100).")
    second = table.iloc[1]
    tied = table[table["score"].round(1) == round(float(first["score"]), 1)]
    if len(tied) > 1:
        names = ", ".join(tied["name"].iloc[:-1]) + " and " + tied["name"].iloc[-1]
        return (f"{names} are tied as the strongest partners for {sl.council_name}'s {svc} "
                f"(score {first['score']:.1f} out of 100 each); the choice between them is for "
                "the council, not the scores.")
    gap = float(first["score"]) - float(second["score"])
    verdict = "" if verdict_word == "not assessed" else \
        f"; the recommendation is {verdict_word}"
    return (f"{first['name']} is the strongest partner for {sl.council_name}'s {svc} (score "
            f"{first['score']:.1f} out of 100, {gap:.1f} points ahead of {second['name']})"
            f"{verdict}.")


def _shortlist_map(sl: Shortlist, table: pd.DataFrame, partners: list[str]) -> Figure | None:
    """The council, its top three and its existing partners, zoomed on them: every candidate
    whose centre lies in that frame is shaded by its score."""
    from ...plot.shortlist_map import plot_shortlist_map
    from ...register import load_councils

    reg = load_councils(sl.as_of)
    councils = table[table["code"].isin(reg.index)]
    top = list(councils["code"].head(3))
    core = [c for c in dict.fromkeys([sl.council, *top, *partners]) if c in reg.index]
    if len(core) < 2:
        return None
    x = reg["easting"].astype(float)
    y = reg["northing"].astype(float)
    pad = 10_000.0
    x0, x1 = x[core].min() - pad, x[core].max() + pad
    y0, y1 = y[core].min() - pad, y[core].max() + pad
    inside = [c for c in councils["code"]
              if x0 <= x[c] <= x1 and y0 <= y[c] <= y1]
    svc = name_in_sentence(sl.service_name)
    title = f"{sl.council_name} and its best partners for {svc}"
    label = list(dict.fromkeys([*top, *[c for c in partners if c in reg.index]]))
    fig = plot_shortlist_map(sl, top=3, councils=[*core, *inside], label=label, title=title,
                             source_note=False)
    fig.set_size_inches(6.0, 4.6)
    names = sl.names
    alt = (f"Map of {sl.council_name} (red) and the candidate councils around it, shaded by "
           f"partner score; named: {', '.join(str(names.get(c, c)) for c in label)}.")
    return Figure("Map", fig, caption=title, alt=alt)


def shortlist_brief(sl: Shortlist, *, figure: bool = True) -> Brief:
    """Build the one-page brief of a shortlist.

    Parameters
    ----------
    sl : Shortlist
        An additive shortlist with at least one candidate.
    figure : bool, default True
        Draw the map (needs matplotlib).

    Returns
    -------
    Brief
    """
    table = sl.full_table()
    if table.empty:
        from ...errors import ExportError

        raise ExportError(f"No eligible partners for {sl.council_name} "
                          f"({sl.service_name}): there is nothing to brief on.")
    names = dict(zip(table["code"], table["name"]))
    names[sl.council] = sl.council_name
    if sl.method == "additive" and len(table) > 1:
        verdict = robustness_verdict(sl)
        colour, word, vtext = verdict.colour, verdict.word, verdict.sentence
        top3 = verdict.top3
    else:
        colour, word = "grey", "not assessed"
        vtext = ("Robustness is not assessed: it needs the additive scoring method and at "
                 "least two candidates.")
        top3 = pd.Series(dtype=float)
    head = table.head(3)
    rows = [[str(int(r["rank"])), str(r["name"]), f"{r['score']:.1f}",
             chance_text(float(top3.get(r["code"], 0.0))) if len(top3) else "not assessed",
             _why(sl, r["code"], r)]
            for _, r in head.iterrows()]
    notes = [THRESHOLDS_TEXT]
    rounded = table["score"].round(1)
    if rounded.head(3).isin(rounded.drop(rounded.head(3).index)).any() or \
            rounded.head(3).duplicated().any():
        notes.append("Councils with the same score to one decimal place are tied; the table "
                     "lists tied councils by their ONS code, which is not a preference.")
    ctx_links = getattr(sl.context, "links", None)
    links = ctx_links if isinstance(ctx_links, pd.DataFrame) else None
    existing = _existing_sentences([sl.council], sl.service, sl.as_of, names, sl.council_name,
                                   links=links)
    partners = sorted({c for m in existing_arrangements([sl.council], sl.service, sl.as_of,
                                                         links=links)["all_members"] for c in m})
    fig = _shortlist_map(sl, table, partners) if figure else None
    when = format_date(sl.as_of, long=True)
    return Brief(
        title=f"{sl.service_name}: a partner for {sl.council_name}",
        subtitle=f"Brief for cabinet, as at {when}",
        recommendation=recommendation_sentence(sl, table, word),
        opening=sl.opening(),
        existing=existing,
        top_heading=f"The top three of {len(table)} councils scored, and why",
        top_columns=["Rank", "Council", "Score (of 100)", "Chance of top 3", "Why"],
        top_rows=rows,
        verdict_colour=colour, verdict_word=word, verdict_text=vtext,
        figure=fig,
        sources=[*DATA_SOURCES,
                 (f"Scores: partnerfit, {sl.weights_source}; "
                  f"{len(sl.screened)} councils screened out; the full ranking is in the "
                  "shortlist report.")],
        notes=notes,
    )


def _plan_robustness(plan: Plan, samples: int) -> tuple[str, str, str]:
    """Colour, word and sentence of the plan's robustness (grey when not assessed)."""
    proven = ("the plan is the best possible under the constraints given"
              + (" (proven)" if plan.gap == 0 else
                 f", to within {plan.gap:.1%} of the best possible"))
    if samples <= 0:
        return ("grey", "not assessed",
                f"Robustness is not assessed in this brief; {proven}.")
    try:
        recurrence = plan.robustness(samples, seed=0)
    except PartnerfitError as exc:
        return ("grey", "not assessed",
                f"Robustness is not assessed: {str(exc).rstrip('.')}; {proven}.")
    colour, word, sentence = plan_verdict(recurrence, samples)
    return colour, word, f"{sentence} Without the random moves, {proven}."


def plan_brief(plan: Plan, *, figure: bool = True, robustness: int = 20) -> Brief:
    """Build the one-page brief of a grouping plan.

    Parameters
    ----------
    plan : Plan
    figure : bool, default True
        Draw the plan map (needs matplotlib).
    robustness : int, default 20
        Plans re-made with the pair scores moved at random, for the verdict (seeded, so the
        verdict is reproducible); 0 leaves the verdict "not assessed".

    Returns
    -------
    Brief
    """
    from ...grouping.overview import group_overview

    g = plan.groups
    names = dict(zip(g["council"], g["name"]))
    overview = group_overview(g)
    sizes = g.groupby(["group", "service"]).size()
    multi = overview[[sizes[(r.group, r.service)] > 1 for r in overview.itertuples()]]
    alone = g[g["role"] == "alone"]
    svcs = [_service_name(s) for s in dict.fromkeys(g["service"])]
    svc_text = name_in_sentence(", ".join(svcs))
    if multi.empty:
        recommendation = (f"No group of two or more is proposed for {svc_text}: every council "
                          "is better left alone under the constraints given.")
    else:
        parts = [f"{r.members} ({name_in_sentence(_service_name(r.service))})"
                 for r in multi.itertuples()]
        recommendation = (f"Form {len(multi)} shared service group"
                          f"{'' if len(multi) == 1 else 's'}: " + "; ".join(parts)
                          + (f"; {alone['council'].nunique()} council"
                             f"{'' if alone['council'].nunique() == 1 else 's'} stay alone."
                             if len(alone) else "."))
    existing: list[str] = []
    for sid in dict.fromkeys(g["service"]):
        codes = sorted(set(g.loc[g["service"] == sid, "council"]))
        existing += _existing_sentences(codes, sid, plan.as_of, names, "these councils")
    rows = [[str(int(r.group)), _service_name(r.service), r.members,
             _model_words(r.model) + (f", led by {r.lead}" if r.lead else "")]
            for r in multi.head(3).itertuples()]
    colour, word, verdict_text = _plan_robustness(plan, robustness)
    fig = None
    if figure:
        fig = Figure("Map", plan.plot(), caption="The proposed groups on the map",
                     alt=("Map of the councils in the plan: each proposed group is one coloured "
                          "area, lead councils are starred, councils left alone are grey. "
                          + recommendation))
    when = format_date(plan.as_of, long=True) if plan.as_of is not None else ""
    return Brief(
        title="Proposed shared-service groups",
        subtitle=f"Brief for cabinet{', as at ' + when if when else ''}",
        recommendation=recommendation,
        existing=existing,
        top_heading=("The proposed groups" if len(multi) <= 3 else
                     f"Three of the {len(multi)} proposed groups (all are in the full report)"),
        top_columns=["Group", "Service", "Members", "How it is delivered"],
        top_rows=rows,
        verdict_colour=colour, verdict_word=word, verdict_text=verdict_text,
        figure=fig,
        sources=list(DATA_SOURCES),
        notes=[*([PLAN_THRESHOLDS_TEXT] if colour != "grey" else []),
               *[f"{r}." for r in alone["reason"].head(4)],
               *([(f"{len(alone) - 4} more councils are left alone; each reason is in the "
                   "full plan report.")] if len(alone) > 4 else []),
               ("Why each group, and the options weighed, are in the full plan report.")],
    )
