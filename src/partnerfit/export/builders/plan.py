"""The report of a grouping :class:`~partnerfit.grouping.plan.Plan`: groups, solve, constraints."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from ...formatting import format_date, name_in_sentence
from ...grouping.overview import group_overview
from ...report import DATA_SOURCES, Figure, Report, Section, Table
from ...services import services
from ._common import BOUNDARY_SOURCE, report_date
from .appraisal import appraisal_sections

if TYPE_CHECKING:
    from ...grouping.plan import Plan

__all__ = ["plan_report"]

#: Delivery models as officers name them.
MODEL_NAMES = {"alone": "alone", "sovereign": "one council delivers for the others",
               "federal": "a shared team run jointly", "joint_committee": "joint committee",
               "company": "council-owned company", "private_partner": "private partner"}

#: How each keyword of :func:`partnerfit.propose_groupings` reads in the constraints table.
CONSTRAINT_LABELS = {
    "min_size": "Smallest group (of two or more)",
    "max_size": "Largest group",
    "contiguous": "Groups must share land borders (contiguous)",
    "water": "Councils across water count as neighbours",
    "max_distance_km": "Largest distance between members (km)",
    "must_group": "Councils that must join a group",
    "together": "Pairs that must be together",
    "apart": "Pairs that must be apart",
    "exclude": "Councils left out",
    "keep_existing": "Existing arrangements kept as they are",
    "max_new_partnerships": "Most new partnerships per council",
    "consistency": "Value of the same partner in a further service (points)",
    "min_pair_score": "Pair score below which pairing loses value",
    "value": "Group value",
    "savings_weight": "Points per unit of NPV",
    "models": "Delivery models offered",
    "lead_capacity": "Most services one council may lead",
    "min_lead_strength": "Smallest strength of a lead council (0-100)",
    "min_population": "Smallest population of a group",
    "max_population": "Largest population of a group",
    "min_cost_base": "Smallest cost base of a group",
    "max_cost_base": "Largest cost base of a group",
    "private_partner": "Outsourcing offered",
    "split": "How a group's costs and savings are shared",
    "solver": "Solver",
    "time_limit": "Time limit (s)",
    "mip_gap": "Gap at which to stop",
}

_MEMBERS_INTRO = ("The first table has one row per group and service: its delivery model, lead "
                  "council, members and why (stated once for the group). The second has one row "
                  "per council, group and service, with its role.")
_SOLVE_INTRO = ("The objective is the sum of the chosen groups' values; the bound is a proven "
                "upper limit on any plan meeting the constraints, so the gap says how far from "
                "the best possible plan this one can be.")
_ASSUMPTIONS = (
    ("Group value: the shortlist's pairwise criterion scores (and, when cost data is given, the "
     "savings model's NPV); see partnerfit.grouping.propose."),
    ("Delivery models are chosen by the optimiser among the options offered when asked "
     "(models=True); otherwise they follow the documented rule in partnerfit.delivery "
     "(existing host, scale, shared IT system, else federal), applied after the optimisation."),
)


def _constraint_text(value: Any) -> str:
    """A constraint's value in words: ``none``, ``yes``/``no``, pairs joined with ``and``,
    ids (a service, a delivery model) as words."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [(" and ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v))
                 for v in value]
        return _officer_words("; ".join(items)) if items else "none"
    return _officer_words(str(value))


def _intro(plan: Plan) -> str:
    """How many groups and councils left alone, and how close to the best possible it is."""
    g = plan.groups
    n_groups = int((g.groupby(["service", "group"]).size() > 1).sum())
    n_alone = int((g["role"] == "alone").sum())
    n_services = g["service"].nunique()
    if plan.gap == 0:
        proven = "the best possible under the constraints given (proven)"
    elif math.isfinite(plan.gap):
        proven = f"within {plan.gap:.2%} of the best possible under the constraints given"
    else:
        proven = ("the best found in the time allowed; how far it is from the best possible "
                  "could not be proven in that time")
    return (f"{n_groups} group{'' if n_groups == 1 else 's'} of two or more councils, and "
            f"{n_alone} case{'' if n_alone == 1 else 's'} of a council left to deliver a "
            f"service alone, over {n_services} service{'' if n_services == 1 else 's'}; the "
            f"plan is {proven}. How it was solved is in the technical appendix.")


def _service_name(sid: object) -> str:
    cat = services()
    return str(cat.at[sid, "name"]) if sid in cat.index else str(sid).replace("_", " ")


def _officer_words(text: str) -> str:
    """Service ids in a note (``revenues_benefits: ...``) as their names."""
    cat = services()
    return re.sub(r"\b[a-z]+(?:_[a-z0-9]+)+\b",
                  lambda m: (str(cat.at[m.group(0), "name"]) if m.group(0) in cat.index
                             else m.group(0).replace("_", " ")), text)


def _group_lines(plan: Plan) -> list[str]:
    """One line per group of two or more: its service, members and how it is delivered."""
    overview = group_overview(plan.groups)
    lines = []
    for row in overview.itertuples(index=False):
        members = str(row.members).split(", ")
        if len(members) < 2:
            continue
        lead = f", led by {row.lead}" if row.lead else ""
        lines.append(f"Group {int(row.group)}, {name_in_sentence(_service_name(row.service))}: "
                     f"{row.members} ({_model_name(row.model)}{lead}).")
    return lines


def _model_name(model: object) -> str:
    return MODEL_NAMES.get(str(model), str(model).replace("_", " "))


def _groups_section(plan: Plan) -> Section:
    """The groups (one row per group and service) and their members (one row per council)."""
    overview = group_overview(plan.groups)
    overview["group"] = overview["group"].astype(int)
    overview["service"] = overview["service"].map(_service_name)
    overview["model"] = overview["model"].map(_model_name)
    overview = overview.rename(columns={"model": "delivery"})
    members = plan.groups[["group", "service", "name", "council", "role", "model"]].copy()
    members["group"] = members["group"].astype(int)
    members["service"] = members["service"].map(_service_name)
    members["model"] = members["model"].map(_model_name)
    members = members.rename(columns={"name": "council", "council": "ONS code",
                                      "model": "delivery"})
    return Section("Proposed groups", paragraphs=[_MEMBERS_INTRO],
                   tables=[Table("Groups", overview, formats={"group": "int"},
                                 caption="Proposed groups, delivery model, lead and why"),
                           Table("Members", members, formats={"group": "int"},
                                 caption=("Each council's group and role (the group's reason "
                                          "is in the Groups table)"))])


def _solve_section(plan: Plan) -> Section:
    """The solver's outcome: objective, bound, gap, status, solver, candidate groups (not the
    time taken, which differs between runs: see the CLI's ``--run-log``)."""
    solve = pd.DataFrame({
        "measure": ["objective", "bound", "gap", "status", "solver", "candidate groups"],
        "value": [f"{plan.objective:.6g}", f"{plan.bound:.6g}", f"{plan.gap:.4%}", plan.status,
                  plan.solver, f"{plan.n_columns:,}"],
    })
    return Section("Technical appendix: the solver", paragraphs=[_SOLVE_INTRO],
                   tables=[Table("Solve", solve, formats={"value": "text"})], appendix=True)


def _constraints_section(plan: Plan) -> Section:
    """The constraints and options the plan was solved under, as given."""
    cons = pd.DataFrame({
        "constraint": [CONSTRAINT_LABELS.get(k, k.replace("_", " ")) for k in plan.constraints],
        "value": [_constraint_text(v) for v in plan.constraints.values()],
    })
    return Section("Appendix: constraints used", tables=[Table("Constraints", cons)],
                   appendix=True)


def _map_caption(plan: Plan) -> str:
    """What the plan map shows, per service: its delivery models and leads, as drawn."""
    from ...services import services

    names = services()["name"].to_dict()
    parts = []
    for service, rows in plan.groups.groupby("service", sort=False):
        multi = rows.groupby("group").filter(lambda g: len(g) > 1)
        models = sorted(set(multi["model"]))
        leads = list(multi.loc[multi["role"] == "lead", "name"])
        text = f"{names.get(service, service)}: " + (", ".join(
            m.replace("_", " ") for m in models) or "no groups")
        text += f", led by {', '.join(map(str, leads))}" if leads else ", no single lead"
        parts.append(text)
    return ("Proposed groups on the council boundary map, one panel per service; lead councils "
            "starred. " + "; ".join(parts) + ".")


def plan_report(plan: Plan, *, figures: bool = True,
                map_options: dict[str, Any] | None = None) -> Report:
    """Build the report of a grouping plan.

    Parameters
    ----------
    plan : Plan
    figures : bool, default True
        Include the plan map (needs matplotlib).
    map_options : dict, optional
        Passed to ``plan.plot`` (e.g. ``kind``, ``label``).

    Returns
    -------
    Report
        The summary, the groups and their members, the options appraisal (every model
        considered, each council against doing nothing, yearly cash flows per partner), the
        solve (objective, bound, gap, status), the constraints used and the map.
    """
    sections = [
        Section("Summary", paragraphs=[_intro(plan), *_group_lines(plan)]),
        _groups_section(plan),
        *appraisal_sections(plan),
        _solve_section(plan),
        _constraints_section(plan),
    ]
    if figures:
        sections[1].figures.append(Figure("Plan map", plan.plot(**(map_options or {})),
                                          caption=_map_caption(plan)))
    date = report_date(plan.as_of)
    return Report(
        title="Proposed shared-service groupings",
        subtitle=f"As at {format_date(date, long=True)}" if date else "",
        sections=sections,
        sources=list(DATA_SOURCES) + ([BOUNDARY_SOURCE] if figures else []),
        assumptions=[*(_officer_words(n) for n in plan.notes), *_ASSUMPTIONS],
        generated_on=date,
    )
