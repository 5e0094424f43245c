"""A plan's options appraisal read back: partners' cash flows and NPVs, and the checks of the
delivery-model constraints that :meth:`Plan.verify` adds when the optimiser chose the models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .plan import Plan, PlanSpec

__all__ = ["capacity_problems", "cash_flows", "council_npv", "model_problems"]

FLOW_COLUMNS = ["group", "service", "council", "year", "savings", "costs", "net", "discounted",
                "model", "estimate"]


def cash_flows(plan: Plan) -> pd.DataFrame:
    """Yearly central cash flows of every chosen group, shared between its partners."""
    rows = []
    for (gid, svc), (opt, shares) in sorted(plan.option_cases.items()):
        flows = opt["_case"].flows
        central = flows[flows["case"] == "central"]
        for code, share in shares.items():
            for r in central.itertuples():
                rows.append({"group": gid, "service": svc, "council": code, "year": r.year,
                             "savings": share * r.savings, "costs": share * r.costs,
                             "net": share * r.net, "discounted": share * r.discounted,
                             "model": opt["model"], "estimate": opt["estimate"]})
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)


def council_npv(plan: Plan) -> pd.DataFrame:
    """Each partner's share of its group's central NPV (summing to the group's)."""
    names = plan.groups.drop_duplicates("council").set_index("council")["name"]
    rows = []
    for (gid, svc), (opt, shares) in sorted(plan.option_cases.items()):
        for code, share in shares.items():
            rows.append({"group": gid, "service": svc, "council": code,
                         "name": names.get(code, code), "share": share,
                         "npv": share * opt["npv"], "do_nothing": 0.0,
                         "estimate": opt["estimate"]})
    return pd.DataFrame(rows, columns=["group", "service", "council", "name", "share", "npv",
                                       "do_nothing", "estimate"])


def model_problems(svc: str, gid, codes: list[str], grp: pd.DataFrame,
                   spec: PlanSpec) -> list[str]:
    """A group's delivery model offered, its lead a member and strong enough."""
    p: list[str] = []
    model = grp["model"].iloc[0]
    status = grp["status"].iloc[0] if "status" in grp.columns else "new"
    if len(codes) < 2 or status != "new":
        return p
    if spec.models is not None and model not in spec.models:
        p.append(f"{svc} group {gid}: delivery model {model!r} was not offered")
    leads = grp.loc[grp["role"] == "lead", "council"].tolist()
    if model == "sovereign" and leads and spec.min_lead_strength is not None and \
            spec.lead_strength is not None:
        nodes = sorted(spec.codes.index(c) for c in codes)
        st = spec.lead_strength[svc](leads[0], nodes)
        if st < spec.min_lead_strength - 1e-9:
            p.append(f"{svc} group {gid}: lead {leads[0]} has strength {st:.1f}, below the "
                     f"minimum {spec.min_lead_strength:g}")
    return p


def capacity_problems(groups: pd.DataFrame, capacity: dict) -> list[str]:
    """Councils leading more services than their lead capacity allows."""
    led = groups[groups["role"] == "lead"].groupby("council")["service"].nunique()
    return [f"{c} leads {int(k)} services, more than its limit of {capacity[c]:g}"
            for c, k in led.items() if c in capacity and k > capacity[c] + 1e-9]
