"""Facts a plan draws on besides the pair scores: kept arrangements, cost bases and savings,
and the hosting roles and IT systems the delivery rule reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..register import find_council
from ..savings import estimate_group

__all__ = ["cost_bases", "delivery_attributes", "existing_groups", "group_value_function",
           "running_arrangements", "savings_reason", "system_labels"]

_FUNCTION_WORDS = {"hr_payroll": "HR & payroll", "crm": "CRM"}


def running_arrangements(date, links) -> pd.DataFrame:
    """Arrangements running on ``date`` (the user's ``links`` if given; an empty DataFrame
    means none, as for the shortlist)."""
    from ..links import ARRANGEMENT_COLUMNS, load_links

    if isinstance(links, pd.DataFrame) and links.empty:
        return pd.DataFrame(columns=[*ARRANGEMENT_COLUMNS, "council_recorded"])
    return load_links(date, links=links)


def existing_groups(service, lk, eligible) -> list[list[str]]:
    lk = lk[(lk["service"] == service) & lk["council"].isin(eligible)]
    parts = [set(g) for _, g in lk.groupby("arrangement", sort=True)["council"] if len(set(g)) > 1]
    merged: list[set] = []
    for p in parts:  # merge arrangements that share a council
        hit = [m for m in merged if m & p]
        for m in hit:
            merged.remove(m)
            p |= m
        merged.append(p)
    return sorted((sorted(m) for m in merged), key=lambda g: g[0])


def cost_bases(costs, svc, codes, date) -> tuple[dict, list[str]]:
    """Cost base per service as arrays in code order (NaN = unknown), and notes."""
    if isinstance(costs, Mapping) and not isinstance(costs, pd.Series) and costs and \
            all(isinstance(k, str) and k in svc for k in costs):
        per = {s: costs.get(s) for s in svc}
    else:
        per = {s: costs for s in svc}
    pos = {c: i for i, c in enumerate(codes)}
    out, notes, problems = {}, [], []
    for s, table in per.items():
        if table is None:
            continue
        items = table.items() if isinstance(table, (Mapping, pd.Series)) else None
        if items is None:
            problems.append(f"costs for {s}: give a mapping or Series council -> annual cost, "
                            f"not {type(table).__name__}")
            continue
        arr = np.full(len(codes), np.nan)
        seen: dict[str, object] = {}
        outside = []
        for key, amount in items:
            code = find_council(key, date)
            if code in seen:
                problems.append(f"costs for {s}: {key!r} and {seen[code]!r} are the same "
                                f"council ({code}); give it once")
                continue
            seen[code] = key
            if amount is None or (isinstance(amount, float) and np.isnan(amount)):
                continue  # unknown, said so in the notes
            try:
                v = float(amount)
            except (TypeError, ValueError):
                problems.append(f"costs for {s}: {key!r} has cost {amount!r}, not a number")
                continue
            if not np.isfinite(v) or v < 0:
                problems.append(f"costs for {s}: {key!r} has cost {amount!r}; give a "
                                "non-negative annual amount, or None if unknown")
                continue
            if code not in pos:
                outside.append(f"{key} ({code})")
                continue
            arr[pos[code]] = v
        if outside:
            notes.append(f"{s}: costs given for councils outside the plan, not used: "
                         + ", ".join(outside))
        out[s] = arr
    if problems:
        raise DataValidationError("costs", problems)
    return out, notes


def system_labels(service: str, codes: Sequence[str], running: pd.DataFrame) -> pd.Series:
    """Each council's IT system for ``service`` (its catalogue functions), None if unknown.

    ``running`` is :func:`partnerfit.links.systems_on` for the plan's date. Two councils run
    the same system when vendor and product agree ignoring case (the shortlist's "same
    system"); the label shown is the spelling of the first council (by code) to run it. For a
    service on several functions (ICT: finance, HR & payroll, CRM) the system is the whole
    set, known only when every function is known, so a partly known council is unknown,
    never counted as the same or different.
    """
    from ..services import services

    functions = list(services().at[service, "systems"])
    out = pd.Series([None] * len(codes), index=pd.Index(codes), dtype=object)
    if not functions:
        return out
    rows = running[running["function"].isin(functions) & running["council"].isin(set(codes))]
    by = {(r.council, r.function): (r.vendor.strip(), r.product.strip())
          for r in rows.sort_values("council").itertuples()}
    spelling: dict[tuple[str, str], str] = {}
    for vendor, product in by.values():  # councils in code order
        key = (vendor.lower(), product.lower())
        if key not in spelling:
            shown = product if product and vendor.split()[0].lower() in product.lower() else (
                f"{vendor} {product}".strip())
            spelling[key] = shown
    for c in codes:
        if all((c, f) in by for f in functions):
            parts = [spelling[tuple(x.lower() for x in by[(c, f)])] for f in functions]
            out[c] = parts[0] if len(parts) == 1 else " with ".join(
                f"{x} ({_FUNCTION_WORDS.get(f, f.replace('_', ' '))})"
                for f, x in zip(functions, parts, strict=True))
    return out


def delivery_attributes(svc, codes, reg, running_links, running_systems) -> dict:
    """Per service, the facts the delivery rule (:mod:`partnerfit.delivery`) uses, on the
    plan's date: population and tier from the register; ``lead_roles`` and ``hosted``, the
    number and names of the arrangements for that service running on the date that each
    council leads; ``shares``, the names of every such arrangement it is in (any role);
    ``system``, its IT system for the service (None if unknown). No
    ``score``: the register has no capacity or performance measure to rank councils by."""
    out = {}
    lead = running_links[running_links["role"] == "lead"]
    for s in svc:
        mine = lead[(lead["service"] == s) & lead["council"].isin(set(codes))]
        mine = mine.drop_duplicates(["council", "arrangement"]).sort_values(
            ["council", "name", "arrangement"])
        count = mine.groupby("council")["arrangement"].nunique()
        label = mine["name"].where(mine["name"] != "", mine["arrangement"])
        names = label.groupby(mine["council"]).agg("; ".join)
        # every running arrangement for the service each council is in, whatever its role
        member = running_links[(running_links["service"] == s)
                               & running_links["council"].isin(set(codes))]
        member = member.drop_duplicates(["council", "arrangement"]).sort_values(
            ["council", "name", "arrangement"])
        in_label = member["name"].where(member["name"] != "", member["arrangement"])
        shares = in_label.groupby(member["council"]).agg("; ".join)
        out[s] = pd.DataFrame({
            "population": reg["population"], "tier": reg["tier"],
            "lead_roles": count.reindex(codes).fillna(0).astype(int).to_numpy(),
            "hosted": names.reindex(codes).to_numpy(),
            "shares": shares.reindex(codes).to_numpy(),
            "system": system_labels(s, codes, running_systems).to_numpy(),
        }, index=pd.Index(codes))
    return out


def group_value_function(score, cost, weight, assumptions, codes):
    """Group value recomputed one group at a time (for ``Plan.verify``), independently of
    the vectorised column values: pair part plus ``weight`` x the NPV of
    :func:`partnerfit.savings.estimate_group` where every member's cost is known."""

    def value(g) -> float:
        g = list(g)
        total = 0.0
        if score is not None:
            total += float(sum(score[a, b] for i, a in enumerate(g) for b in g[i + 1:]))
        if cost is not None and len(g) > 1:
            est = estimate_group({codes[v]: cost[v] for v in g}, assumptions)
            if est.known:
                total += weight * est.npv
        return total

    return value


def savings_reason(est, given, reg) -> str:
    if not est.known:
        unknown = [f"{reg.at[c, 'name']} ({c})" for c, v in zip(est.members, given, strict=True)
                   if not np.isfinite(v)]
        return "savings not estimated: cost base unknown for " + ", ".join(unknown)
    a = est.assumptions
    return (f"savings model: NPV {est.npv:,.3g} over {a.years} years at "
            f"{a.discount_rate:.1%} (saving {est.annual_saving:,.3g} a year at full scale, "
            f"one-off cost {est.one_off_cost:,.3g})")
