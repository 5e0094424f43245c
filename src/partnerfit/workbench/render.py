"""HTML for the workbench's panels: the ranked table with rank changes, the contribution bars,
the robustness verdict and the stakeholder comparison. Plain functions of the model's tables,
so that they are tested without a browser; every text is in officer words (names, labels)."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..sensitivity.verdict import chance_text

__all__ = ["bars_html", "changes_html", "move_text", "plan_html", "ranking_html",
           "stakeholders_html", "verdict_html"]

#: One colour per criterion in the contribution bars (colour-blind safe, Okabe-Ito order).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442",
           "#999999", "#000000", "#7f3c8d", "#11a579")
_COLOURS = {"green": "#00703c", "amber": "#f47738", "red": "#d4351c"}
_TABLE = ("<table style='border-collapse:collapse;font-size:0.9em'>")
_TH = "<th style='text-align:left;padding:2px 8px;border-bottom:1px solid #999'>"
_TD = "<td style='padding:2px 8px'>"


def _e(x: Any) -> str:
    return html.escape(str(x))


def move_text(moved: float) -> tuple[str, str]:
    """A rank change as a mark and in words: ``("▲ 2", "up 2 places")``."""
    if moved is None or (isinstance(moved, float) and math.isnan(moved)):
        return "new", "new in the table"
    n = int(moved)
    if n > 0:
        return f"▲ {n}", f"up {n} place{'s' if n != 1 else ''}"
    if n < 0:
        return f"▼ {-n}", f"down {-n} place{'s' if n != -1 else ''}"
    return "–", "no change"


def ranking_html(table: pd.DataFrame, changes: pd.DataFrame, view: Any) -> str:
    """The ranked table: rank, change since the last view, council, score, kind of council,
    distance and what is unknown."""
    from ..export.builders.shortlist import TIER_NAMES  # the export stack, only when drawn

    moved = dict(zip(changes["code"], changes["moved"], strict=True))
    head = "".join(f"{_TH}{h}</th>" for h in ("Rank", "Change", "Council", "Score",
                                              "Kind of council", "Distance", "Unknown values"))
    rows = []
    for k, r in enumerate(table.itertuples(index=False)):
        mark, words = move_text(moved.get(r.code, math.nan))
        colour = "#00703c" if mark.startswith("▲") else "#d4351c" if mark.startswith("▼") \
            else "#505a5f"
        shade = " style='background:#f4f6f8'" if k % 2 else ""
        dist = getattr(r, "distance_km", math.nan)
        rows.append(
            f"<tr{shade} data-code='{_e(r.code)}'>{_TD}{int(r.rank)}</td>"
            f"<td style='padding:2px 8px;color:{colour}' title='{words}'>{mark}</td>"
            f"{_TD}{_e(r.name)}</td>{_TD}{float(r.score):.1f}</td>"
            f"{_TD}{_e(TIER_NAMES.get(str(r.tier), str(r.tier)))}</td>"
            f"{_TD}{'' if pd.isna(dist) else f'{float(dist):.0f} km'}</td>"
            f"<td style='padding:2px 8px;font-size:0.85em'>{_e(r.flags)}</td></tr>")
    caption = (f"<caption style='text-align:left;font-weight:bold'>{_e(view.service_name)} "
               f"partners for {_e(view.council_name)}: the best {len(table)} of "
               f"{len(view.scores)}</caption>")
    return (f"{_TABLE}{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
            "</tbody></table>")


def changes_html(changes: pd.DataFrame) -> str:
    """One sentence: who moved most since the last view."""
    moved = changes[changes["moved"].fillna(0) != 0]
    if moved.empty:
        return "<p>No change in the order shown since the last view.</p>"
    parts = []
    for r in moved.head(5).itertuples(index=False):
        _, words = move_text(r.moved)
        parts.append(f"{_e(r.name)} {words} to {int(r.rank)}")
    more = f" and {len(moved) - 5} more" if len(moved) > 5 else ""
    return f"<p>Since the last view: {'; '.join(parts)}{more}.</p>"


def bars_html(contributions: pd.DataFrame, labels: Mapping[str, str]) -> str:
    """Stacked bars of each criterion's points per candidate (0-100 scale), with a key."""
    cols = list(contributions.columns)
    colour = {c: PALETTE[k % len(PALETTE)] for k, c in enumerate(cols)}
    key = " ".join(f"<span style='display:inline-block;margin-right:10px'><span style='"
                   f"display:inline-block;width:10px;height:10px;background:{colour[c]}'>"
                   f"</span> {_e(c)}</span>" for c in cols)
    rows = []
    for name, row in contributions.iterrows():
        segs = "".join(
            f"<div title='{_e(c)}: {float(v):.1f} points' style='width:{max(float(v), 0):.3f}%;"
            f"background:{colour[c]};height:14px'></div>" for c, v in row.items())
        rows.append(f"<div style='display:flex;align-items:center;margin:2px 0'>"
                    f"<div style='width:14em;font-size:0.9em'>{_e(name)}</div>"
                    f"<div style='display:flex;width:30em;background:#f3f2f1'>{segs}</div>"
                    f"<div style='margin-left:6px;font-size:0.9em'>{row.sum():.1f}</div></div>")
    return (f"<p><b>Points each criterion adds to the score</b> (out of 100)</p>"
            f"<div style='font-size:0.85em;margin-bottom:6px'>{key}</div>{''.join(rows)}")


def verdict_html(verdict: Any, view: Any) -> str:
    """The robustness verdict in colour and in words, with the top-3 chances."""
    if verdict is None:
        return ("<p><b>Robustness:</b> not judged (it needs at least two candidates and two "
                "weighted criteria).</p>")
    names = view.names
    top3 = ", ".join(f"{_e(names.get(c, c))} {chance_text(float(p))}"
                     for c, p in verdict.top3.head(5).items())
    return (f"<p><span style='display:inline-block;padding:2px 8px;color:white;"
            f"background:{_COLOURS[verdict.colour]}'><b>{_e(verdict.word.capitalize())}</b>"
            f"</span> {_e(verdict.sentence)}</p>"
            f"<p style='font-size:0.9em'>Chance of a top-3 place under plausible weights: "
            f"{top3}.</p>")


def stakeholders_html(table: pd.DataFrame) -> str:
    """The stakeholder comparison (ranks side by side) and where the sets agree."""
    sets = list(table.attrs.get("sets", []))
    top = table.attrs.get("top")
    names = dict(zip(table.index, table["name"], strict=True))
    if table.attrs.get("agree_first"):
        first = table.index[table[sets[0]] == 1][0]
        agree = f"Every set puts {_e(names[first])} first."
    else:
        firsts = [f"{_e(s)}: {_e(names[table.index[table[s] == 1][0]])}" for s in sets
                  if (table[s] == 1).any()]
        agree = "The sets disagree on first place (" + "; ".join(firsts) + ")."
    common = [names.get(c, c) for c in table.attrs.get("common_top", [])]
    agree += (f" In every set's top {top}: {_e(', '.join(common))}." if common else
              f" No council is in every set's top {top}.")
    head = "".join(f"{_TH}{_e(h)}</th>" for h in ["Council", *sets, "Best", "Worst"])
    rows = "".join(
        f"<tr>{_TD}{_e(r['name'])}</td>" + "".join(f"{_TD}{int(r[s])}</td>" for s in sets)
        + f"{_TD}{int(r['best_rank'])}</td>{_TD}{int(r['worst_rank'])}</td></tr>"
        for _, r in table.iterrows())
    return (f"<p>{agree}</p>{_TABLE}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
            "</table>")


def plan_html(plan: Any) -> str:
    """A grouping plan in words: whether it is proven best, then each group with its members,
    delivery model and lead, service by service; councils left alone named."""
    from ..export.builders.plan import MODEL_NAMES
    from ..formatting import format_date
    from ..services import services

    cat = services()
    if plan.status == "optimal":
        proof = "proven the best possible for these settings"
    else:
        proof = (f"the best found; at most {plan.gap:.1%} below the best possible "
                 f"({_e(plan.status)})")
    parts = [f"<p><b>Plan for {format_date(plan.as_of, long=True)}</b>: {proof}.</p><ul>"]
    g = plan.groups
    for service, rows in g.groupby("service", sort=False):
        name = _e(cat.at[service, "name"]) if service in cat.index else _e(service)
        alone = []
        for _, grp in rows.groupby("group", sort=True):
            members = list(grp["name"])
            model = str(grp["model"].iloc[0])
            if model == "alone" or len(members) == 1:
                alone += members
                continue
            leads = list(grp.loc[grp["role"] == "lead", "name"])
            lead = f"lead {_e(', '.join(leads))}" if leads else "no single lead"
            parts.append(f"<li>{name}: {_e(', '.join(members))} "
                         f"({_e(MODEL_NAMES.get(model, model.replace('_', ' ')))}; {lead})</li>")
        if alone:
            parts.append(f"<li>{name}, staying alone: {_e(', '.join(alone))}</li>")
    return "".join(parts) + "</ul>"
