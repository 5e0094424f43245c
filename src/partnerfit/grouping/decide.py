"""What the optimiser is asked about delivery models, the facts options are priced from,
and the options appraisal of a solved plan (every option considered, business cases, shares).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..business_case import (
    LEAD_MODELS,
    CaseAssumptions,
    estimated_cost_bases,
    split_shares,
)
from ..errors import DataValidationError
from ..existing import existing_arrangements
from ..register import find_council, load_councils
from ..savings import SavingsAssumptions
from ..services import tier_delivers
from .choice import LeadFacts, ModelChoice, check_models, lead_strength, option_value
from .facts import system_labels

__all__ = ["ModelAsk", "appraise_plan", "chosen_options", "lead_facts", "model_choice"]

_EPS = 1e-7
MODEL_WORDS = {"sovereign": "sovereign (one council delivers for the others)",
               "federal": "federal (a shared team run jointly)",
               "joint_committee": "joint committee", "company": "council-owned company",
               "private_partner": "private partner (outsourcing)", "alone": "alone"}


@dataclass(frozen=True)
class ModelAsk:
    """The delivery-model arguments of :func:`partnerfit.propose_groupings`, as given."""

    models: object = None
    lead_capacity: object = None
    performance: object = None
    min_lead_strength: object = None
    private_partner: bool = False
    case: CaseAssumptions | None = None
    split: object = "population"

    def constraints(self) -> dict:
        """The model arguments for the plan's constraints table (only those in use)."""
        if not self.models:
            return {}
        out = {"models": list(check_models(self.models, self.private_partner)),
               "lead_capacity": self.lead_capacity,
               "min_lead_strength": self.min_lead_strength,
               "private_partner": self.private_partner}
        out["split"] = self.split if isinstance(self.split, str) else "custom"
        return out


def _per_council(name: str, given, codes: list[str], date, problems: list[str],
                 lo: float, hi: float) -> dict[str, float]:
    """A mapping council (name or code) -> number, resolved to codes and range-checked."""
    out: dict[str, float] = {}
    if given is None:
        return out
    if not isinstance(given, Mapping):
        problems.append(f"{name}: give a mapping council -> number, not {type(given).__name__}")
        return out
    for key, v in given.items():
        code = find_council(str(key), date)
        try:
            x = float(v)
        except (TypeError, ValueError):
            problems.append(f"{name}: {key!r} has {v!r}, not a number")
            continue
        if not (lo <= x <= hi):
            problems.append(f"{name}: {key!r} has {x:g}; give a number from {lo:g} to {hi:g}")
        elif code not in codes:
            problems.append(f"{name}: {key!r} ({code}) is not among the chosen councils")
        else:
            out[code] = x
    return out


def model_choice(ask: ModelAsk, savings: SavingsAssumptions | None, codes: list[str],
                 date) -> ModelChoice:
    """Check and resolve the model arguments (every problem raised at once)."""
    problems: list[str] = []
    on = bool(ask.models)
    if not on:
        for k in ("lead_capacity", "performance", "min_lead_strength"):
            if getattr(ask, k) is not None:
                problems.append(f"{k} needs models=True (the optimiser choosing the model)")
        if ask.private_partner:
            problems.append("private_partner needs models=True")
    models = check_models(ask.models, ask.private_partner) if on else ()
    cap = None
    if ask.lead_capacity is not None:
        cap = np.full(len(codes), np.inf)
        if isinstance(ask.lead_capacity, Mapping):
            for c, v in _per_council("lead_capacity", ask.lead_capacity, codes, date, problems,
                                     0, 1e9).items():
                cap[codes.index(c)] = v
        elif isinstance(ask.lead_capacity, (int, np.integer)) and ask.lead_capacity >= 0:
            cap[:] = float(ask.lead_capacity)
        else:
            problems.append(f"lead_capacity={ask.lead_capacity!r}: give a whole number of "
                            "services (0 or more) or a mapping council -> number")
    perf = _per_council("performance", ask.performance, codes, date, problems, 0, 100)
    mls = ask.min_lead_strength
    if mls is not None and not (isinstance(mls, (int, float)) and 0 <= mls <= 100):
        problems.append(f"min_lead_strength={mls!r}: give a number from 0 to 100")
    case = ask.case or CaseAssumptions()
    if ask.case is None and savings is not None:
        case = case.with_(savings=savings)
    if not isinstance(case, CaseAssumptions):
        problems.append("case must be a partnerfit.business_case.CaseAssumptions")
    split, custom = ask.split, None
    if isinstance(split, Mapping):
        custom = _per_council("split", split, codes, date, problems, 0, 1e18)
        split = "custom"
    elif split not in ("population", "cost_base", "equal"):
        problems.append(f"split={split!r}: use 'population', 'cost_base', 'equal' or a "
                        "mapping council -> weight")
    if problems:
        raise DataValidationError("propose_groupings arguments", problems)
    case.validate()
    return ModelChoice(models, cap, perf, None if mls is None else float(mls),  # type: ignore[arg-type]  # checked above
                       case,
                       str(split), custom)


def lead_facts(s: str, codes: list[str], eligible: set, reg: pd.DataFrame, date, links,
               running_links: pd.DataFrame, running_systems: pd.DataFrame, cost, pair,
               weight: float, notes: list[str]) -> LeadFacts:
    """The facts one service's options and business cases are priced from."""
    pop = pd.to_numeric(reg["population"], errors="coerce").to_numpy(dtype=float)
    if cost is None:
        allc = load_councils(date)
        england = allc[allc.index.str.startswith("E") &
                       allc["tier"].map(lambda t: tier_delivers(t, s))]
        est, note = estimated_cost_bases(s, pd.Series(pop, index=codes),
                                         float(pd.to_numeric(england["population"],
                                                             errors="coerce").sum()))
        notes.append(note)
        cost = np.full(len(codes), np.nan) if est is None else est.to_numpy(dtype=float)
        estimated = est is not None
    else:
        cost, estimated = np.asarray(cost, float), False
    lead = running_links[(running_links["role"] == "lead") & (running_links["service"] == s)]
    hosting = lead.groupby("council")["arrangement"].nunique().reindex(codes).fillna(0)
    system = system_labels(s, codes, running_systems).tolist()
    arrs = existing_arrangements(sorted(eligible), s, date, links=links)
    return LeadFacts(codes, cost, pop, hosting.to_numpy(dtype=int), system, pair, weight, arrs,
                     estimated)


def chosen_options(setups: Mapping, chosen: Mapping, lead_cap) -> dict[str, list[dict]]:
    """Per service, the chosen option of each group: equal-value ties resolved in the
    documented tie order (NPV, lead strength, model, lead code) within the lead capacity."""
    usage: dict[int, int] = {}
    out: dict[str, list[dict]] = {}
    picks: dict[str, list[int]] = {}
    for s, u in setups.items():
        oc = u.options
        alts = []
        for j in chosen[s]:
            same = np.flatnonzero((oc.base == oc.base[j]) & (np.abs(oc.values - oc.values[j])
                                                              <= _EPS))
            alts.append(sorted(same, key=lambda k: oc.rank[k]))
        picks[s] = []
        for j, cands in zip(chosen[s], alts):
            pick = next((k for k in cands if oc.leads[k] < 0 or lead_cap is None or
                         usage.get(int(oc.leads[k]), 0) < lead_cap[oc.leads[k]]), j)
            if oc.leads[pick] >= 0:
                usage[int(oc.leads[pick])] = usage.get(int(oc.leads[pick]), 0) + 1
            picks[s].append(int(pick))
    if lead_cap is not None and any(v > lead_cap[k] for k, v in usage.items()):
        picks = {s: [int(j) for j in chosen[s]] for s in setups}  # keep the solver's choice
    for s, u in setups.items():
        oc = u.options
        out[s] = [{"nodes": [int(v) for v in oc.groups.members[k] if v >= 0],
                   "model": oc.model[k], "lead": None if oc.leads[k] < 0 else int(oc.leads[k]),
                   "status": oc.status[k], "arrangement": oc.arrangement[k],
                   "value": float(oc.values[k])} for k in picks[s]]
    return out


def _status_of(nodes: list[int], facts: LeadFacts):
    """(status, arrangement row) of a group chosen by the rule: keeping, extending or new."""
    codes = {facts.codes[v] for v in nodes}
    for arr in facts.arrangements.to_dict("records"):
        inside = set(arr["members"])
        if len(inside) >= 2 and inside <= codes:
            return ("keeping" if inside == codes else "extending"), arr
    return "new", None


def _options_of(svc: str, gid: int, nodes: list[int], picked: dict, facts: LeadFacts,
                mc: ModelChoice, on: bool) -> list[dict]:
    """Every option considered for one chosen group, priced one by one."""
    if not on:
        cands = [(picked["model"], picked["lead"], picked["status"], picked["arrangement"])]
    else:
        cands = []
        status, arr = _status_of(nodes, facts)
        if status != "keeping":
            for mdl in mc.models:
                for lead in (nodes if mdl in LEAD_MODELS else [None]):
                    cands.append((mdl, lead, "new", None))
        if arr is not None and (status == "keeping" or arr["model"] in mc.models):
            mdl = arr["model"]
            lead = facts.codes.index(arr["lead"]) if (mdl in LEAD_MODELS and arr["lead"] in
                                                      [facts.codes[v] for v in nodes]) else None
            cands.append((mdl, lead, status, arr))
    rows = []
    for mdl, lead, status, arr in cands:
        val, case = option_value(nodes, mdl, lead, facts, mc, status, arr)
        strength = lead_strength(lead, nodes, facts, mc.performance) if lead is not None \
            else np.nan
        ok_strength = lead is None or mc.min_lead_strength is None or \
            strength >= mc.min_lead_strength - 1e-9
        valued = case is not None and case.valued
        rows.append({
            "group": gid, "service": svc, "model": mdl,
            "lead": facts.codes[lead] if lead is not None else "",
            "status": status, "arrangement": arr["arrangement"] if arr else "",
            "arrangement_name": arr["name"] if arr else "",
            "value": val, "npv": case.npv["central"] if valued else np.nan,
            "npv_low": case.npv["low"] if valued else np.nan,
            "npv_high": case.npv["high"] if valued else np.nan,
            "payback_year": case.payback_year if valued else None,
            "lead_strength": strength, "allowed": bool(ok_strength and (valued or mdl !=
                                                                        "private_partner")),
            "chosen": (mdl == picked["model"] and lead == picked["lead"]
                       and status == picked["status"]),
            "estimate": facts.estimated,
            "_case": case,
        })
    return rows


def appraise_plan(plan, setups: Mapping, mc: ModelChoice, picked: dict | None,
                  names: Mapping[str, str]) -> None:
    """Fill the plan's options table, business cases and partner shares, mark every group
    new / extending / keeping, and add why the chosen model wins to its reason."""
    g = plan.groups
    on = picked is not None
    rows: list[dict] = []
    cases: dict = {}
    status_col: list[tuple] = []
    reasons: dict = {}
    pos_of = {c: i for i, c in enumerate(plan.spec.codes)}
    for (gid, svc), grp in g.groupby(["group", "service"], sort=False):
        facts = setups[svc].facts
        nodes = sorted(pos_of[c] for c in grp["council"])
        if picked is not None:
            pick = next(p for p in picked[svc] if sorted(p["nodes"]) == nodes)
        else:
            status, arr = _status_of(nodes, facts)
            leads = grp.loc[grp["role"] == "lead", "council"].tolist()
            pick = {"model": grp["model"].iloc[0], "status": status, "arrangement": arr,
                    "lead": pos_of[leads[0]] if leads else None}
        arr = pick["arrangement"]
        status_col.append((gid, svc, pick["status"], arr["arrangement"] if arr else ""))
        if len(nodes) < 2:
            continue
        opts = _options_of(svc, int(gid), nodes, pick, facts, mc, on)
        chosen = next((o for o in opts if o["chosen"]), None)
        if chosen is not None and chosen["_case"] is not None:
            codes = [facts.codes[v] for v in nodes]
            shares = split_shares(codes, mc.split,
                                  population=dict(zip(facts.codes, facts.population)),
                                  cost=dict(zip(facts.codes, facts.cost)),
                                  custom=mc.split_custom)
            cases[(int(gid), svc)] = (chosen, shares)
        reasons[(gid, svc)] = _why(opts, names, pick, arr, mc)
        rows += opts
    table = pd.DataFrame(rows)
    plan.option_cases = cases
    plan.option_table = table.drop(columns=["_case"]) if len(table) else pd.DataFrame(
        columns=OPTION_COLUMNS)
    st = {(gid, svc): (s, a) for gid, svc, s, a in status_col}
    g["status"] = [st[(r.group, r.service)][0] for r in g.itertuples()]
    g["arrangement"] = [st[(r.group, r.service)][1] for r in g.itertuples()]
    g["reason"] = ["; ".join(x for x in (r.reason, reasons.get((r.group, r.service), ""))
                             if x) for r in g.itertuples()]


OPTION_COLUMNS = ["group", "service", "model", "lead", "status", "arrangement",
                  "arrangement_name", "value", "npv", "npv_low", "npv_high", "payback_year",
                  "lead_strength", "allowed", "chosen", "estimate"]


def _label(o: dict, names: Mapping[str, str]) -> str:
    """An option in words: "sovereign led by Carlisle", "extending X (federal)"."""
    words = o["model"].replace("_", " ")
    if o["lead"]:
        words += f" led by {names.get(o['lead'], o['lead'])}"
    if o["status"] == "extending":
        words = f"extending {o['arrangement_name']} ({words})"
    elif o["status"] == "keeping":
        words = f"keeping {o['arrangement_name']} ({words})"
    return words


def _money(x: float) -> str:
    return "not estimated" if not np.isfinite(x) else f"{x:,.2f}"


def _same(a: float, b: float) -> bool:
    """Equal, or both unknown (NaN)."""
    return bool((np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-9)


def _tie_words(chosen: dict, nxt: dict) -> str:
    """Which step of the documented tie order settled a tie on value (NPV, then the lead's
    strength, then model and council code), in words."""
    if not _same(chosen["npv"], nxt["npv"]):
        return "; both are worth the same to the plan, and this one has the higher NPV"
    strength = [50.0 if np.isnan(o["lead_strength"]) else o["lead_strength"] for o in (chosen, nxt)]
    if abs(strength[0] - strength[1]) > 1e-9:
        return (f"; both are worth the same to the plan with the same NPV, and this one's lead "
                f"is stronger ({strength[0]:.0f} against {strength[1]:.0f} of 100; a shared team "
                "counts as 50)")
    return ("; a tie on value, NPV and lead strength, settled by the order of the models, then "
            "council code")


def _why(opts: list[dict], names: Mapping[str, str], pick: dict, arr, mc: ModelChoice) -> str:
    """Why the chosen option wins, in plain English."""
    chosen = next((o for o in opts if o["chosen"]), None)
    if chosen is None:
        return ""
    est = " (GBP m, from estimated cost bases)" if chosen["estimate"] else ""
    head = f"chosen delivery: {_label(chosen, names)}, NPV {_money(chosen['npv'])}{est}"
    if len(opts) == 1:
        verb = {"keeping": "keeps", "extending": "extends"}.get(pick["status"])
        return head + (f"; it {verb} {arr['name']}" if verb and arr else "")
    others = sorted((o for o in opts if not o["chosen"] and o["allowed"]),
                    key=lambda o: -o["value"])
    better = [o for o in others if o["value"] > chosen["value"] + 1e-9]
    if not better:
        nxt = others[0] if others else None
        tail = (f"; the best of {len(opts)} options considered"
                + (f" (next: {_label(nxt, names)}, NPV {_money(nxt['npv'])})" if nxt else ""))
        if nxt is not None and abs(nxt["value"] - chosen["value"]) <= 1e-9:
            tail += _tie_words(chosen, nxt)
        return head + tail
    top = better[0]
    why = "leads as many services as it may" if top["lead"] and mc.lead_capacity is not None \
        else "the constraints across services and councils"
    return (head + f"; {_label(top, names)} would be worth more for this group alone but is not "
            f"chosen because of {why}" + (f" ({names.get(top['lead'], top['lead'])})"
                                          if top["lead"] else ""))



def decided_choices(picked: dict | None, codes: list[str], names: Mapping[str, str]) -> dict:
    """``(service, codes) -> DeliveryChoice`` of the options the optimiser chose."""
    from ..delivery import DeliveryChoice

    if picked is None:
        return {}
    out = {}
    for s, opts in picked.items():
        for o in opts:
            gcodes = tuple(sorted(codes[v] for v in o["nodes"]))
            if len(gcodes) < 2:
                continue
            lead = codes[o["lead"]] if o["lead"] is not None else None
            out[(s, gcodes)] = DeliveryChoice(o["model"], lead, ())
    return out


def model_spec(choice: ModelChoice | None, setups: Mapping, codes: list[str]) -> dict:
    """The delivery-model part of the plan's spec (empty without model choice): option values
    recomputed one option at a time, the models offered and the lead limits."""
    if choice is None:
        return {}
    pos = {c: i for i, c in enumerate(codes)}

    def values_of(facts):
        arrs = {a["arrangement"]: a for a in facts.arrangements.to_dict("records")}

        def value(nodes, model, lead, status, arrangement):
            return option_value(nodes, model, None if lead is None else pos[lead], facts,
                                choice, status, arrs.get(arrangement))[0]
        return value

    def strength_of(facts):
        return lambda lead, nodes: lead_strength(pos[lead], nodes, facts, choice.performance)

    cap = None
    if choice.lead_capacity is not None:
        cap = {c: float(v) for c, v in zip(codes, choice.lead_capacity) if np.isfinite(v)}
    return {"option_values": {s: values_of(u.facts) for s, u in setups.items()},
            "models": tuple(choice.models), "lead_capacity": cap,
            "min_lead_strength": choice.min_lead_strength,
            "lead_strength": {s: strength_of(u.facts) for s, u in setups.items()}}
