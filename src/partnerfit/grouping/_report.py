"""``Plan.to_report()``: a grouping plan as a :class:`partnerfit.report.Report`."""

from __future__ import annotations

import pandas as pd

__all__ = ["plan_report"]

_LABELS = {
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
    "solver": "Solver",
    "time_limit": "Time limit (s)",
    "mip_gap": "Gap at which to stop",
}


def _text(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [(" and ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v))
                 for v in value]
        return "; ".join(items) if items else "none"
    return str(value)


def plan_report(plan, *, figures: bool = True):
    """Build an exportable report from a :class:`~partnerfit.grouping.Plan`.

    Parameters
    ----------
    plan : Plan
    figures : bool, default True
        Include the plan map (needs matplotlib).

    Returns
    -------
    partnerfit.report.Report
    """
    from ..report import DATA_SOURCES, Figure, Report, Section, Table, format_date
    from .plan import _group_overview, _summary_lines

    g = plan.groups
    overview = _group_overview(g)
    overview["group"] = overview["group"].astype(int)
    members = g[["group", "service", "council", "name", "role", "model"]].copy()
    members["group"] = members["group"].astype(int)
    solve = pd.DataFrame({
        "measure": ["objective", "bound", "gap", "status", "solver", "seconds",
                    "candidate groups"],
        "value": [f"{plan.objective:.6g}", f"{plan.bound:.6g}", f"{plan.gap:.4%}", plan.status,
                  plan.solver, f"{plan.time_s:.2f}", f"{plan.n_columns:,}"],
    })
    cons = pd.DataFrame({
        "constraint": [_LABELS.get(k, k) for k in plan.constraints],
        "keyword": list(plan.constraints),
        "value": [_text(v) for v in plan.constraints.values()],
    })
    n_groups = int((g.groupby(["service", "group"]).size() > 1).sum())
    n_alone = int((g["role"] == "alone").sum())
    proven = ("proven optimal (gap 0)" if plan.gap == 0 else
              f"within {plan.gap:.2%} of the proven bound")
    intro = (f"{n_groups} group(s) of two or more and {n_alone} council-service(s) left "
             f"alone, over {g['service'].nunique()} service(s); the plan is {proven}.")
    sections = [
        Section("Summary", paragraphs=[intro, *_summary_lines(plan, why=False)[1:]]),
        Section("Proposed groups",
                paragraphs=[("The first table has one row per group and service: its delivery "
                             "model, lead council, members and why (stated once for the "
                             "group). The second has one row per council, group and service, "
                             "with its role.")],
                tables=[Table("Groups", overview, formats={"group": "int"},
                              caption="Proposed groups, delivery model, lead and why"),
                        Table("Members", members, formats={"group": "int"},
                              caption=("Each council's group and role (the group's reason is "
                                       "in the Groups table)"))]),
        Section("Solve",
                paragraphs=[("The objective is the sum of the chosen groups' values; the bound "
                            "is a proven upper limit on any plan meeting the constraints, so "
                            "the gap says how far from the best possible plan this one can be.")],
                tables=[Table("Solve", solve, formats={"value": "text"})]),
        Section("Constraints used", tables=[Table("Constraints", cons)]),
    ]
    if figures:
        sections[1].figures.append(Figure("Plan map", plan.plot(),
                                          caption="Proposed groups on the map, leads marked"))
    date = pd.Timestamp(plan.as_of).date() if plan.as_of is not None else None
    return Report(
        title="Proposed shared-service groupings",
        subtitle=f"As at {format_date(date, long=True)}" if date else "",
        sections=sections,
        sources=list(DATA_SOURCES),
        assumptions=list(plan.notes) + [
            ("Group value: the shortlist's pairwise criterion scores (and, when cost data is "
             "given, the savings model's NPV); see partnerfit.grouping.propose."),
            ("Delivery models follow the documented rule in partnerfit.delivery (existing "
             "host, scale, shared IT system, else federal), applied after the optimisation: "
             "in the current value model the delivery model does not change a group's "
             "value.")],
        generated_on=date,
    )
