"""The options appraisal of a plan for reports: every model considered per group and why the
chosen one wins, each council against doing nothing, and the partners' yearly cash flows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...business_case import SOURCES
from ...report import Section, Table
from ...services import services

if TYPE_CHECKING:
    from ...grouping.plan import Plan

__all__ = ["appraisal_sections"]

_MODEL_WORDS = {"sovereign": "Sovereign (one council delivers for the others)",
                "federal": "Federal (a shared team run jointly)",
                "joint_committee": "Joint committee", "company": "Council-owned company",
                "private_partner": "Private partner (outsourcing)"}
_STATUS_WORDS = {"new": "new arrangement", "extending": "extends", "keeping": "keeps"}
_INTRO = ("For each proposed group, every delivery option considered, with its value to the "
          "plan, its net present value (central case, and the low and high cases with and "
          "without the Green Book optimism-bias uplift) and the year it pays back. Money is in "
          "the units of the cost bases given; where none were given the cost bases are "
          "estimates (GBP m a year) from a cited national figure, marked 'yes' under estimate.")
_DO_NOTHING = ("Each council's share of its group's net present value, against doing nothing "
               "(carrying on alone, worth 0 by definition). Shares follow the split rule of the "
               "plan.")
_FLOWS = ("Each partner's share of its group's yearly savings, costs and net cash flow "
          "(central case; year 0 holds the one-off costs).")


def _service_name(sid: str) -> str:
    cat = services()
    return str(cat.at[sid, "name"]) if sid in cat.index else sid.replace("_", " ")


def _option_words(row, names: dict) -> str:
    words = _MODEL_WORDS.get(row["model"], row["model"].replace("_", " "))
    if row["lead"]:
        words += f", led by {names.get(row['lead'], row['lead'])}"
    if row["status"] != "new":
        words = f"{_STATUS_WORDS[row['status']]} {row['arrangement_name']}: {words}"
    return words


def _options_table(plan: Plan, names: dict) -> pd.DataFrame:
    opts = plan.options
    members = plan.groups.groupby(["group", "service"])["name"].agg(", ".join)
    out = pd.DataFrame({
        "group": opts["group"].astype(int),
        "service": [_service_name(s) for s in opts["service"]],
        "members": [members[(g, s)] for g, s in zip(opts["group"], opts["service"])],
        "option": [_option_words(r, names) for _, r in opts.iterrows()],
        "value": opts["value"].astype(float),
        "NPV (central)": opts["npv"].astype(float),
        "NPV (low)": opts["npv_low"].astype(float),
        "NPV (high)": opts["npv_high"].astype(float),
        "payback year": [("" if p is None or (isinstance(p, float) and np.isnan(p))
                          else str(int(p))) for p in opts["payback_year"]],
        "chosen": ["yes" if c else "" for c in opts["chosen"]],
        "estimate": ["yes" if e else "" for e in opts["estimate"]],
    })
    return out.sort_values(["group", "value", "option"], ascending=[True, False, True],
                           kind="mergesort").reset_index(drop=True)


def _why_paragraphs(plan: Plan) -> list[str]:
    g = plan.groups
    out = []
    for (gid, svc), rows in g.groupby(["group", "service"], sort=True):
        reason = str(rows["reason"].iloc[0])
        if len(rows) < 2 or "chosen delivery:" not in reason:
            continue
        why = reason[reason.index("chosen delivery:"):]
        out.append(f"Group {int(gid)} ({_service_name(svc)}: {', '.join(rows['name'])}): "
                   f"{why}.")
    return out


def appraisal_sections(plan: Plan) -> list[Section]:
    """The options appraisal sections of a plan's report (empty when it has no group of two
    or more)."""
    if plan.options.empty:
        return []
    names = dict(zip(plan.groups["council"], plan.groups["name"]))
    by = plan.npv_by_council()
    nothing = pd.DataFrame({
        "council": by["name"], "service": [_service_name(s) for s in by["service"]],
        "group": by["group"].astype(int), "share": by["share"].astype(float),
        "NPV of the chosen option": by["npv"].astype(float),
        "NPV of doing nothing": by["do_nothing"].astype(float),
        "difference": (by["npv"] - by["do_nothing"]).astype(float),
        "estimate": ["yes" if e else "" for e in by["estimate"]]})
    flows = plan.business_case()
    cash = pd.DataFrame({
        "council": [names.get(c, c) for c in flows["council"]],
        "service": [_service_name(s) for s in flows["service"]],
        "group": flows["group"].astype(int), "year": flows["year"].astype(int),
        "savings": flows["savings"].astype(float), "costs": flows["costs"].astype(float),
        "net": flows["net"].astype(float)})
    money = {"value": "float2", "NPV (central)": "float2", "NPV (low)": "float2",
             "NPV (high)": "float2", "group": "int", "payback year": "text"}
    sources = [f"{k.replace('_', ' ')}: {v.replace('source_shares', 'source shares')}"
               for k, v in SOURCES.items()]
    return [
        Section("Options appraisal", paragraphs=[_INTRO, *_why_paragraphs(plan)],
                tables=[Table("Options", _options_table(plan, names), formats=money,
                              caption="Every delivery option considered for each group")]),
        Section("Each council against doing nothing", paragraphs=[_DO_NOTHING],
                tables=[Table("Against doing nothing", nothing,
                              formats={"group": "int", "share": "percent",
                                       "NPV of the chosen option": "float2",
                                       "NPV of doing nothing": "float2",
                                       "difference": "float2"})]),
        Section("Yearly cash flows per partner", paragraphs=[_FLOWS],
                tables=[Table("Cash flows", cash,
                              formats={"group": "int", "year": "int", "savings": "float2",
                                       "costs": "float2", "net": "float2"})]),
        Section("Business case assumptions and sources", paragraphs=sources),
    ]
