"""Delivery-model columns: each candidate group becomes (group, model, lead) options.

For one service, every enumerated group ``g`` can be delivered as ``sovereign`` led by any
member, or ``federal`` / ``joint_committee`` / ``company`` / ``private_partner`` (no single
lead); a group holding a running arrangement can also *extend* it (the others join on its
model and lead), and a group that *is* a running arrangement (its members among the chosen
councils) is *kept* as it runs. Each option's value is the group's pair value plus
``savings_weight`` x the central NPV of its business case (:mod:`partnerfit.business_case`),
through the ``value=`` modes: with ``value="scores"`` the weight is 0 and the options of a
group tie; ties are broken by NPV, then lead strength (a model without a lead counts as 50,
the neutral score, so a lead weaker than that loses a tie to a shared team), then the model's
order, then the lead's code.

Column generation: non-dominated options only
-------------------------------------------
A lead-less option uses no lead capacity, so of a group's lead-less options only the best
can be chosen in an optimal plan: any other is dominated (same members, no more value, same
resources). A sovereign option led by ``i`` uses one unit of ``i``'s capacity, so it is kept
only when it beats that best lead-less option (value higher, or equal and better on the tie
order); without a lead capacity only the group's single best option is kept, so the model
adds no column at all. This is exact (every optimal plan over all options has an equally good
one over the kept options, by swapping each dominated option for its dominator), and cheaper
than "aggregate then expand" because the options are priced once, vectorised over all groups
(:func:`option_columns`); only groups touching a running arrangement are priced one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..business_case import ARM_LENGTH, LEAD_MODELS, MODELS, CaseAssumptions, option_case
from ..errors import DataValidationError
from ..savings import scale_saving_rate
from .columns import Groups
from .values import pairwise_values

__all__ = ["LeadFacts", "ModelChoice", "OptionColumns", "lead_strength", "option_columns",
           "option_value"]

_EPS = 1e-9
#: Strength a model without a lead counts as in the tie order (the neutral 0-100 score).
NEUTRAL_STRENGTH = 50.0


@dataclass(frozen=True)
class ModelChoice:
    """What the user asked of the delivery models (see :func:`partnerfit.propose_groupings`).

    Attributes
    ----------
    models : tuple of str
        Models offered (``private_partner`` only when enabled).
    lead_capacity : numpy.ndarray or None
        Per council (code order), services it may lead (``inf``: no limit).
    performance : dict
        Code -> performance score 0-100 supplied by the user (part of lead strength).
    min_lead_strength : float or None
        Smallest lead strength (0-100) a sovereign lead must have.
    case : CaseAssumptions
        The business-case parameters.
    split : str
        How a group's flows are shared between its members.
    split_custom : dict or None
        Weights for ``split="custom"``.
    """

    models: tuple
    lead_capacity: np.ndarray | None
    performance: dict
    min_lead_strength: float | None
    case: CaseAssumptions
    split: str = "population"
    split_custom: dict | None = None


@dataclass
class LeadFacts:
    """Facts of one service the options are priced from (code order, one per council)."""

    codes: list
    cost: np.ndarray  # NaN = unknown
    population: np.ndarray
    hosting: np.ndarray  # running arrangements for the service each council leads
    system: list  # IT system label or None
    pair: np.ndarray | None  # pair scores less the neutral score (None: not in the value)
    weight: float  # points per unit of NPV (0 with value="scores")
    arrangements: pd.DataFrame  # existing_arrangements() restricted to eligible members
    estimated: bool = False  # cost bases estimated from a cited national cost


def lead_strength(pos: int, nodes, facts: LeadFacts, performance: dict) -> float:
    """Lead strength 0-100 of node ``pos`` in a group: the mean of the known parts --
    scale (100 x its population / the largest member's), hosting (100 if it already leads a
    running arrangement for the service, else 0) and the user's performance score."""
    pops = [facts.population[v] for v in nodes]
    parts = []
    if np.all(np.isfinite(pops)) and max(pops) > 0:
        parts.append(100.0 * facts.population[pos] / max(pops))
    parts.append(100.0 if facts.hosting[pos] > 0 else 0.0)
    perf = performance.get(facts.codes[pos])
    if perf is not None:
        parts.append(float(perf))
    return float(np.mean(parts))


def option_value(nodes, model: str, lead: int | None, facts: LeadFacts, choice: ModelChoice,
                 status: str = "new", arrangement: dict | None = None):
    """(value, OptionCase or None) of one option, priced one at a time with
    :func:`partnerfit.business_case.option_case` (None when a member's cost is unknown)."""
    nodes = sorted(int(v) for v in nodes)
    pair = 0.0
    if facts.pair is not None:
        pair = float(sum(facts.pair[a, b] for i, a in enumerate(nodes) for b in nodes[i + 1:]))
    cost = {facts.codes[v]: float(facts.cost[v]) for v in nodes}
    if len(nodes) < 2 or not all(np.isfinite(list(cost.values()))):
        return pair, None
    codes = [facts.codes[v] for v in nodes]
    joiners, anchor = (), None
    if arrangement is not None:
        inside = list(arrangement["members"])
        joiners = tuple(c for c in codes if c not in inside)
        anchor = arrangement["lead"] if arrangement["lead"] in inside else inside[0]
    case = option_case(codes, cost, model, None if lead is None else facts.codes[lead],
                       status=status, joiners=joiners, anchor=anchor,
                       systems={facts.codes[v]: facts.system[v] for v in nodes},
                       assumptions=choice.case)
    if not case.valued:
        return pair, case
    return pair + facts.weight * case.npv["central"], case


@dataclass
class OptionColumns:
    """One service's option columns (several may hold the same members).

    Attributes
    ----------
    groups : Groups
        The columns' members (rows repeat a group once per kept option).
    values : numpy.ndarray
    leads : numpy.ndarray
        Lead node per column (-1: none).
    model : list of str
    status : list of str
        ``new``, ``extending`` or ``keeping``.
    arrangement : list
        The running arrangement's row (dict) for extending/keeping columns, else None.
    base : numpy.ndarray
        Row of the enumerated group each column comes from.
    rank : numpy.ndarray
        Tie order (lower is preferred among equal values).
    n_options : int
        Options priced before the dominated ones were dropped.
    """

    groups: Groups
    values: np.ndarray
    leads: np.ndarray
    model: list
    status: list
    arrangement: list
    base: np.ndarray
    rank: np.ndarray
    n_options: int = 0
    notes: list = field(default_factory=list)


def _annuities(case: CaseAssumptions) -> tuple[float, float]:
    """Present value of the ramped saving per unit (years 1..T) and of 1 a year."""
    sa = case.savings
    t = np.arange(1, int(sa.years) + 1)
    disc = (1.0 + sa.discount_rate) ** t
    ramp = np.array([sa.ramp_up[min(i, len(sa.ramp_up) - 1)] for i in range(len(t))])
    return float(np.sum(ramp / disc)), float(np.sum(1.0 / disc))


def _stay_costs(C: np.ndarray, S: np.ndarray, mask: np.ndarray):
    """Cost base that need not move system: per lead position (sovereign) and for the
    lead-less target (the system most members run; ties by cost base, then name)."""
    m, w = C.shape
    same = (S[:, :, None] == S[:, None, :]) & (S[:, :, None] >= 0) & mask[:, None, :]
    cnt = same.sum(axis=2)
    wgt = np.einsum("mpq,mq->mp", same, C)
    sov = np.where(S >= 0, wgt, C)
    rows = np.arange(m)
    best = np.full(m, -1, np.int64)
    for p in range(w):
        ok = (S[:, p] >= 0) & mask[:, p]
        b = np.maximum(best, 0)
        more = (cnt[:, p] > cnt[rows, b]) | ((cnt[:, p] == cnt[rows, b]) & (
            (wgt[:, p] > wgt[rows, b] + 1e-12) |
            ((np.abs(wgt[:, p] - wgt[rows, b]) <= 1e-12) & (S[:, p] < S[rows, b]))))
        best = np.where(ok & ((best < 0) | more), p, best)
    leadless = np.where(best >= 0, wgt[rows, np.maximum(best, 0)],
                        np.where(mask, C, -np.inf).max(axis=1))
    return sov, leadless


def _model_npv(model: str, total, annual, movers, case: CaseAssumptions, af: float,
               pv1: float):
    """Central NPV of new arrangements of one model (vectorised over groups)."""
    sa = case.savings
    arm = model in ARM_LENGTH
    if model == "private_partner":
        annual = case.private_saving_rate * total
    one_off = (sa.transition_rate * total + sa.it_migration_rate * movers
               + float(case.setup_cost.get(model, 0.0)) * total
               + ((case.pension_strain_rate + case.tupe_rate) * total if arm else 0.0))
    bought = np.maximum(total - annual, 0.0)
    yearly = float(case.governance_cost.get(model, 0.0)) * total
    if arm:
        yearly = yearly + case.irrecoverable_vat_share * case.vat_rate * bought
    if model == "private_partner":
        yearly = yearly + case.private_opex_bias[1] * bought
    return annual * af - one_off * (1.0 + case.one_off_bias[1]) - yearly * pv1


def _price(groups: Groups, facts: LeadFacts, choice: ModelChoice, system_ids: np.ndarray):
    """Values, NPVs and lead strengths of every (group, option), vectorised.

    Returns (values (m, w + L), npv (m, w + L), strength (m, w), valid (m, w + L)); the first
    ``w`` option columns are sovereign led by member position ``p``, then one per lead-less
    model offered."""
    members = groups.members
    mask = members >= 0
    idx = np.maximum(members, 0)
    cost = np.where(mask, facts.cost[idx], 0.0)
    unknown = np.any(mask & ~np.isfinite(cost), axis=1) | (mask.sum(axis=1) < 2)
    C = np.where(np.isfinite(cost), cost, 0.0)
    S = np.where(mask, system_ids[idx], -1)
    total = C.sum(axis=1)
    annual = total * scale_saving_rate(mask.sum(axis=1), choice.case.savings)
    af, pv1 = _annuities(choice.case)
    stay_sov, stay_free = _stay_costs(C, S, mask)
    pair = (pairwise_values(groups, facts.pair) if facts.pair is not None
            else np.zeros(len(groups)))
    leadless = [mdl for mdl in choice.models if mdl not in LEAD_MODELS]
    w = members.shape[1]
    npv = np.full((len(groups), w + len(leadless)), np.nan)
    if "sovereign" in choice.models:
        for p in range(w):
            npv[:, p] = _model_npv("sovereign", total, annual, total - stay_sov[:, p],
                                   choice.case, af, pv1)
    for k, mdl in enumerate(leadless):
        if mdl == "private_partner" and choice.case.private_saving_rate is None:
            continue  # not valued without a stated saving
        npv[:, w + k] = _model_npv(mdl, total, annual, total - stay_free, choice.case, af, pv1)
    npv[unknown] = np.nan
    values = pair[:, None] + facts.weight * np.where(np.isfinite(npv), npv, 0.0)
    pops = np.where(mask, facts.population[idx], np.nan)
    top = np.where(mask & np.isfinite(pops), pops, -np.inf).max(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = 100.0 * pops / np.where(top > 0, top, np.nan)[:, None]
    host = np.where(facts.hosting[idx] > 0, 100.0, 0.0)
    perf_arr = np.array([choice.performance.get(c, np.nan) for c in facts.codes], float)
    perf = np.where(mask, perf_arr[idx], np.nan)
    parts = np.stack([np.where(np.all(np.isfinite(np.where(mask, pops, 1.0)), axis=1)[:, None],
                               scale, np.nan), host, perf])
    strength = np.nanmean(parts, axis=0)
    valid = np.zeros_like(npv, dtype=bool)
    if "sovereign" in choice.models:
        valid[:, :w] = mask
        if choice.min_lead_strength is not None:
            valid[:, :w] &= strength >= choice.min_lead_strength - _EPS
    valid[:, w:] = True
    if "private_partner" in leadless and choice.case.private_saving_rate is None:
        valid[:, w + leadless.index("private_partner")] = False
    single = mask.sum(axis=1) < 2
    valid[single] = False
    return values, npv, strength, valid, leadless


def _tie_key(value: float, npv: float, strength: float, model: str, lead: str) -> tuple:
    """Order among options: value, then NPV, lead strength, model order, lead code."""
    return (-round(value, 9), -(npv if np.isfinite(npv) else -np.inf),
            -(strength if np.isfinite(strength) else NEUTRAL_STRENGTH), MODELS.index(model),
            lead)


def option_columns(groups: Groups, facts: LeadFacts, choice: ModelChoice,
                   fixed: list[list[int]] | None = None) -> OptionColumns:
    """The kept option columns of one service's enumerated groups (see module docstring).

    Parameters
    ----------
    groups : Groups
        Enumerated groups (singletons included: they stay one column, "alone").
    facts : LeadFacts
    choice : ModelChoice
    fixed : list of node lists, optional
        Groups kept as they are (``keep_existing``): one "keeping" column each.

    Returns
    -------
    OptionColumns
    """
    labels = sorted({s for s in facts.system if s})
    sid = {s: i for i, s in enumerate(labels)}
    system_ids = np.array([sid[s] if s else -1 for s in facts.system], np.int64)
    values, npv, strength, valid, leadless = _price(groups, facts, choice, system_ids)
    members = groups.members
    special = _arrangement_options(groups, facts, choice, fixed or [])
    fixed_rows = {groups.index_of(g) for g in fixed or []}
    has_cap = choice.lead_capacity is not None
    vec = _vector_kept(members, values, npv, strength, valid, leadless, has_cap)
    by_python = set(special) | (fixed_rows - {-1})
    keep = ~np.isin(vec["row"], sorted(by_python))
    out = {k: list(v[keep]) for k, v in vec.items()}
    n_options = int(valid.sum()) - int(valid[sorted(by_python)].sum()) if by_python else \
        int(valid.sum())
    for j in sorted(by_python):
        opts = special.get(j) or _python_options(j, members[j], values, npv, strength, valid,
                                                 leadless, facts)
        if not opts:
            continue
        n_options += len(opts)
        kept = _kept(opts, has_cap) if j not in fixed_rows else sorted(
            opts, key=lambda o: o[0])[:1]
        for rk, opt in enumerate(sorted(kept, key=lambda o: o[0])):
            for name, v in zip(("row", "rank", "value", "lead", "model", "status", "arr"),
                               (j, rk, opt[1], opt[2], MODELS.index(opt[3]), opt[4], opt[5])):
                out[name].append(v)
    alone = np.flatnonzero((members >= 0).sum(axis=1) == 1)
    for j in (int(x) for x in alone):
        if j not in by_python:
            for name, v in zip(("row", "rank", "value", "lead", "model", "status", "arr"),
                               (j, 0, 0.0, -1, -1, "new", None)):
                out[name].append(v)
    order = np.lexsort((np.array(out["rank"], np.int64), np.array(out["row"], np.int64)))
    base = np.array(out["row"], np.int64)[order]
    model_names = [("alone" if i < 0 else MODELS[i]) for i in np.array(out["model"])[order]]
    return OptionColumns(Groups(members[base], groups.n_nodes, groups.active.copy(),
                                complete=groups.complete),
                         np.array(out["value"], float)[order],
                         np.array(out["lead"], np.int64)[order], model_names,
                         [out["status"][i] for i in order], [out["arr"][i] for i in order],
                         base, np.array(out["rank"], np.int64)[order], n_options)


def _python_options(j: int, row: np.ndarray, values, npv, strength, valid, leadless,
                    facts: LeadFacts) -> list:
    """The priced options of row ``j`` as tuples (tie key, value, lead, model, status, None)."""
    w = len(row)
    opts = []
    for k in np.flatnonzero(valid[j]):
        mdl = "sovereign" if k < w else leadless[k - w]
        lead = int(row[k]) if k < w else -1
        key = _tie_key(values[j, k], npv[j, k], strength[j, k] if k < w else np.nan, mdl,
                       facts.codes[lead] if lead >= 0 else "")
        opts.append((key, float(values[j, k]), lead, mdl, "new", None))
    return opts


def _vector_kept(members, values, npv, strength, valid, leadless, has_cap) -> dict:
    """The non-dominated options of every row at once (see :func:`_kept`), in the tie order
    of :func:`_tie_key` (lead codes follow node order: the codes are sorted)."""
    w = members.shape[1]
    model_idx = np.array([MODELS.index("sovereign")] * w + [MODELS.index(x) for x in leadless],
                         np.int64)
    r, k = np.nonzero(valid)
    kw = np.minimum(k, w - 1)
    val, nv = values[r, k], npv[r, k]
    st = np.where(k < w, strength[r, kw], np.nan)
    lead = np.where(k < w, members[r, kw], -1)
    order = np.lexsort((lead, model_idx[k], -np.where(np.isfinite(st), st, NEUTRAL_STRENGTH),
                        -np.where(np.isfinite(nv), nv, -np.inf), -np.round(val, 9), r))
    r, k, val, lead = r[order], k[order], val[order], lead[order]
    pos = np.arange(len(r))
    first = np.r_[True, r[1:] != r[:-1]] if len(r) else np.zeros(0, bool)
    rank = pos - np.maximum.accumulate(np.where(first, pos, 0)) if len(r) else pos
    free = k >= w
    if has_cap:
        best_free = np.full(members.shape[0], np.iinfo(np.int64).max)
        np.minimum.at(best_free, r[free], rank[free])
        keep = np.where(free, rank == best_free[r], rank < best_free[r])
    else:
        keep = rank == 0
    return {"row": r[keep], "rank": rank[keep], "value": val[keep],
            "lead": np.where(free, -1, lead)[keep], "model": model_idx[k][keep],
            "status": np.array(["new"] * int(keep.sum()), dtype=object),
            "arr": np.array([None] * int(keep.sum()), dtype=object)}


def _kept(opts: list, has_cap: bool) -> list:
    """The non-dominated options of one group: the best lead-less one, and (with a lead
    capacity) every option with a lead that comes before it in the tie order."""
    opts = sorted(opts, key=lambda o: o[0])
    if not has_cap:
        return opts[:1]
    free = [o for o in opts if o[2] < 0]
    if not free:
        return opts
    best_free = free[0]
    return [o for o in opts if o[2] >= 0 and o[0] < best_free[0]] + [best_free]


def _arrangement_options(groups: Groups, facts: LeadFacts, choice: ModelChoice,
                         fixed: list[list[int]]) -> dict[int, list]:
    """Options of groups that are or contain a running arrangement, priced one by one."""
    pos = {c: i for i, c in enumerate(facts.codes)}
    out: dict[int, list] = {}
    members = groups.members
    for arr in facts.arrangements.to_dict("records"):
        inside = sorted(pos[c] for c in arr["members"] if c in pos)
        if len(inside) < 2:
            continue
        holds = np.all([np.any(members == v, axis=1) for v in inside], axis=0)
        for j in (int(x) for x in np.flatnonzero(holds)):
            nodes = [int(v) for v in members[j] if v >= 0]
            status = "keeping" if len(nodes) == len(inside) else "extending"
            mdl = arr["model"] if arr["model"] in MODELS else "federal"
            if status == "extending" and mdl not in choice.models:
                continue  # joining it means taking a model not offered (e.g. outsourcing)
            lead = pos.get(arr["lead"]) if mdl in LEAD_MODELS and arr["lead"] in pos else None
            val, case = option_value(nodes, mdl, lead, facts, choice, status, arr)
            npv = case.npv["central"] if case is not None and case.valued else np.nan
            key = _tie_key(val, npv, np.nan, mdl, facts.codes[lead] if lead is not None else "")
            opt = (key, val, -1 if lead is None else lead, mdl, status, arr)
            if status == "keeping":
                out[j] = [opt]
            else:
                out.setdefault(j, _new_options(j, nodes, facts, choice)).append(opt)
    fixed_rows = {groups.index_of(g) for g in fixed}
    for j in fixed_rows:
        if j >= 0 and j in out:
            out[j] = [o for o in out[j] if o[4] == "keeping"] or out[j][:1]
    return out


def _new_options(j: int, nodes: list[int], facts: LeadFacts, choice: ModelChoice) -> list:
    """Every new option of one group, priced one by one (for groups next to an
    arrangement)."""
    opts = []
    for mdl in choice.models:
        if mdl == "private_partner" and choice.case.private_saving_rate is None:
            continue
        leads = nodes if mdl in LEAD_MODELS else [None]
        for lead in leads:
            st = lead_strength(lead, nodes, facts, choice.performance) if lead is not None \
                else np.nan
            if lead is not None and choice.min_lead_strength is not None and \
                    st < choice.min_lead_strength - _EPS:
                continue
            val, case = option_value(nodes, mdl, lead, facts, choice)
            npv = case.npv["central"] if case is not None and case.valued else np.nan
            key = _tie_key(val, npv, st, mdl, facts.codes[lead] if lead is not None else "")
            opts.append((key, val, -1 if lead is None else lead, mdl, "new", None))
    return opts


def check_models(models, private_partner: bool) -> tuple:
    """The models offered, checked (``private_partner`` added when enabled)."""
    chosen = tuple(MODELS[:4]) if models in (None, True) else tuple(models)
    bad = [m for m in chosen if m not in MODELS]
    if bad:
        raise DataValidationError("models", [(f"unknown delivery models {bad}; use some of "
                                              f"{list(MODELS)}")])
    if "private_partner" in chosen and not private_partner:
        raise DataValidationError("models", [
            "private_partner is offered only when enabled: pass private_partner=True"])
    if private_partner and "private_partner" not in chosen:
        chosen = chosen + ("private_partner",)
    if not chosen:
        raise DataValidationError("models", ["no delivery model offered"])
    return chosen
