"""``propose_groupings``: the optimiser applied to real councils and services.

Value of a group
----------------
For each service, the pair score ``s[a, b]`` is :func:`partnerfit.scoring.pairwise_scores`
(the shortlist's criteria, value functions and weights, 0-100, symmetric). The value of a
group is the sum over its pairs of ``s[a, b] - min_pair_score`` (default 50, the neutral
score). A council alone scores 0, so a pair is grouped only when its score beats
``min_pair_score`` on balance, and poor pairs are never forced together just to collect
points (with ``min_pair_score=0`` every feasible grouping beats staying alone). The plan's
objective is the sum of the chosen groups' values over all services, plus ``consistency``
for every council pair that shares a group in each service beyond the first (see
:func:`partnerfit.grouping.solve_services`). Every service is solved jointly and exactly:
the plan carries the proven bound and relative gap.

Savings in the group value
--------------------------
With ``costs`` (the annual cost base of the service per council, in any one currency unit,
e.g. GBP m), a group of two or more also earns ``savings_weight`` x its net present value
from the savings model (:func:`partnerfit.savings.group_npv`: economies of scale, one-off
transition and IT migration costs, Green Book 3.5% over ``savings.years``), so one unit of
NPV is worth ``savings_weight`` points of pair score. ``value="savings"`` uses the NPV alone,
``"scores+savings"`` (the default with costs) adds it to the pair-score value. A council
whose cost is not given (or given as ``None``/NaN) is *unknown*: no cost is invented for it;
a group containing it earns no savings value, its plan rows say "savings not estimated", and
``Plan.notes`` lists the councils. Known groups' rows carry the NPV, annual saving and
one-off cost in their reason.

Delivery model and lead
-----------------------
Each group's delivery model and lead council follow the documented rule of
:func:`partnerfit.delivery.choose_delivery_model`, applied *after* the optimisation, because in
the current value model the delivery model does not change a group's value: the pair scores
do not depend on it, and the savings model's one-off IT migration cost is charged on every
member but the one with the largest cost base whoever leads and whichever system the group
adopts. (Were a value to depend on the model, the choice would have to move inside the
optimisation.) The rule is fed, per service, from the data on ``as_of`` (the user's ``links``
and ``systems`` when given):

* ``lead_roles`` -- how many arrangements for that service running on ``as_of``
  (:func:`partnerfit.links.load_links`) each council leads (role ``lead``), and ``hosted``,
  their names, quoted in the reason;
* ``system`` -- the council's IT system for the service's functions (``systems`` in
  ``criteria/services.yaml``) from :func:`partnerfit.links.systems_on`: vendor and product,
  compared ignoring case as the shortlist's "same system" does. A council with no known
  system (or, for a service on several functions, any function unknown) is unknown: never
  counted as running the same system or a different one;
* ``population`` and ``tier`` from the register. No capacity ``score`` is given: the register
  holds no honest capacity or performance measure to rank councils by.

Every row of the plan carries its group's reason in plain English.

Delivery model inside the optimisation
--------------------------------------
With ``models=True`` (or a list of models) the candidate columns become (group, service,
model, lead): ``sovereign`` (led by any member), ``federal``, ``joint_committee``, ``company``
and, with ``private_partner=True``, ``private_partner``; a group holding a running arrangement
may also extend it, and a group that is one keeps it (:mod:`partnerfit.grouping.choice`).
Each option is worth the group's pair value plus ``savings_weight`` x the central NPV of its
business case (:mod:`partnerfit.business_case`; with ``value="scores"`` the options of a
group tie and the tie goes to the best NPV, then lead strength -- 50 for a model without a
lead -- then model, then lead code).
``lead_capacity`` caps the services a council leads (rows of the joint model); a sovereign
lead needs ``min_lead_strength`` (mean of scale, existing hosting and the user's
``performance`` score); ``max_new_partnerships`` caps the new arrangements per council (an
extension counts as new for every member). Cost bases not given are estimated from a cited
national cost where one exists, and marked as estimates. Every plan, with or without model
choice, carries the options appraisal: :attr:`Plan.options`, :meth:`Plan.business_case`,
:meth:`Plan.npv_by_council`; every group is marked new, extending or keeping an arrangement.

Constraints
-----------
Councils whose tier does not deliver a service (:func:`partnerfit.services.tier_delivers`)
take no part in that service. Groups of two or more have ``min_size..max_size`` members and,
with ``contiguous=True``, are connected on the register's adjacency on ``as_of`` restricted to
the chosen councils (land borders and fixed links -- bridges and tunnels, such as the Menai
bridges or the Forth and Tay bridges; with ``water=True`` also councils facing each other across
water and councils joined by a scheduled ferry; see :func:`partnerfit.register.adjacency`). With
``keep_existing=True``, the arrangements running on ``as_of`` for a service
(:func:`partnerfit.links.load_links`) are kept as fixed groups: the members inside the chosen
set (and eligible) of each arrangement form one group; arrangements sharing a council are
merged; an arrangement with only one member inside the chosen set fixes nothing. Fixed groups
are exempt from the size, contiguity and distance rules.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._checks import check_int, check_names, check_number
from .._dates import DateLike, to_date, today
from ..errors import DataValidationError, InfeasibleError
from ..jurisdiction import separate_pairs
from ..layers import prepare_layers
from ..links import load_systems, systems_on
from ..register import adjacency, distance_matrix, find_council, load_councils
from ..savings import SavingsAssumptions, estimate_group, group_npv
from ..services import check_service, tier_delivers
from . import clock
from .alone import alone_reason
from .choice import LeadFacts, ModelChoice, OptionColumns, option_columns
from .columns import GroupTotal, enumerate_groups
from .decide import (
    ModelAsk,
    appraise_plan,
    chosen_options,
    decided_choices,
    lead_facts,
    model_choice,
    model_spec,
)
from .diagnose import explain_infeasible, infeasible_message
from .facts import (
    cost_bases,
    delivery_attributes,
    existing_groups,
    group_value_function,
    running_arrangements,
    savings_reason,
)
from .model import ServiceProblem
from .multi import MultiResult, solve_joint
from .options import SolverOptions
from .plan import Plan, PlanSpec, build_plan
from .robust import Resolver
from .select import resolve_councils, resolve_pairs, select_councils
from .values import group_values, pairwise_values

__all__ = ["propose_groupings", "select_councils"]

_VALUE_MODES = ("scores", "savings", "scores+savings")


def propose_groupings(
    councils: Iterable[str] | str,
    services: str | Iterable[str],
    *, as_of: DateLike = None, min_size: int = 2, max_size: int = 4, contiguous: bool = True,
    water: bool = False, max_distance_km: float | None = None, must_group: Iterable[str] = (),
    together: Iterable[Sequence[str]] = (), apart: Iterable[Sequence[str]] = (),
    exclude: Iterable[str] = (), keep_existing: bool = False,
    max_new_partnerships=None, weights=None, links=None, systems=None, consistency=0.0,
    min_pair_score: float = 50.0,
    costs=None, value: str | None = None, savings_weight: float = 1.0, savings=None,
    solver: str = "highs", time_limit: float | None = None, mip_gap: float = 0.0,
    verbose: bool = False,
    models=None, lead_capacity=None, performance=None, min_lead_strength=None,
    private_partner: bool = False, case=None, split="population",
    add_links=None, add_systems=None, drop_links: Iterable[str] = (),
    min_population=None, max_population=None, min_cost_base=None, max_cost_base=None) -> Plan:
    """Propose partner groupings for a set of councils and one or more services.

    Parameters
    ----------
    councils : iterable of str or str
        Names or codes (resolved on ``as_of``), or a selector such as
        ``"region:North West"``, ``"county:Lancashire"`` or ``"nation:Wales"``
        (see :func:`select_councils`).
    services : str or iterable of str
        Service ids.
    as_of : date-like, optional
        Date of the map, arrangements and systems (default today).
    min_size, max_size : int
        Bounds on the size of a group of two or more (a council may also stay alone).
    contiguous : bool
        Groups must be connected on the adjacency graph of the date.
    water : bool
        Count councils facing each other across water, and councils joined by a ferry, as
        adjacent. Bridges and tunnels count either way.
    max_distance_km : float, optional
        Largest centroid distance between any two members of a group.
    must_group : iterable of str
        Councils that may not stay alone (in every service they deliver).
    together, apart : iterable of (str, str)
        Pairs that must / must not share a group (``together``: in services both deliver).
    exclude : iterable of str
        Councils removed from the chosen set (each must be in it).
    keep_existing : bool
        Keep the arrangements running on ``as_of`` as fixed groups (see module docstring).
    max_new_partnerships : int or sequence of int, optional
        Per council (sorted code order for a sequence), the most distinct new groups it may
        join across all services (a group shared by services counts once; existing ones not).
    weights, links, systems
        As for :func:`partnerfit.shortlist` (a path or a table, validated the same way); they
        also feed the delivery model (existing hosts, shared IT systems) and ``keep_existing``.
    consistency : float or array_like, default 0.0
        Value per council pair for each service it shares beyond the first (points on the
        pair-score scale); an array is ``(n, n)`` in sorted code order.
    min_pair_score : float, default 50.0
        Pair score (0-100) below which pairing loses value; see the module docstring.
    costs : mapping or pandas.Series, optional
        Annual cost base per council (name or code -> amount, e.g. GBP m; NaN = unknown, never
        guessed), or service id -> such a mapping; adds the savings NPV to the group value.
    value : {"scores", "savings", "scores+savings"}, optional
        What a group is worth: pair scores only (the default without ``costs``), the
        savings NPV only, or both added (the default with ``costs``).
    savings_weight : float, default 1.0
        Points of group value per unit of NPV (in the units of ``costs``).
    savings : partnerfit.savings.SavingsAssumptions, optional
        Parameters of the savings model (default :class:`SavingsAssumptions()`).
    solver : {"highs", "cbc"}
    time_limit : float, optional
        Seconds for the whole call, enumeration included; the best plan and its gap.
    mip_gap : float, default 0.0
        Relative gap at which to stop.
    verbose : bool, default False
        Show the solver's own log.
    models, lead_capacity, performance, min_lead_strength, private_partner, case, split
        Delivery model and lead chosen by the optimiser (``models=True``); see "Delivery
        model inside the optimisation" in the module docstring.
    add_links, add_systems, drop_links
        Your data layered on the bundled tables, as for :func:`partnerfit.shortlist`.
    min_population, max_population, min_cost_base, max_cost_base : float, optional
        Bounds on a group's total population (register, on ``as_of``) and total cost base
        (``costs``) for every group of two or more; a council alone is not bound by them.

    Returns
    -------
    Plan
        ``.groups`` one row per (group, service, council) with role, delivery model,
        reason and status; ``.objective``, ``.bound``, ``.gap``, ``.status``; ``.verify()``.

    Raises
    ------
    UnknownCouncilError, UnknownServiceError
        If a council cannot be found (close matches suggested) or a service id is unknown.
    DataValidationError
        If arguments are malformed (all problems listed).
    InfeasibleError
        If the constraints cannot all be met (the councils in conflict are named).
    """
    _check_numbers(min_size=min_size, max_size=max_size, max_distance_km=max_distance_km,
                   min_pair_score=min_pair_score, savings_weight=savings_weight,
                   time_limit=time_limit, mip_gap=mip_gap, consistency=consistency)
    exclude, must_group = check_names(exclude, "exclude"), check_names(must_group, "must_group")
    options = SolverOptions(solver=solver, time_limit=time_limit, mip_gap=mip_gap,
                            verbose=verbose)
    ask = ModelAsk(models, lead_capacity, performance, min_lead_strength, private_partner,
                   case, split)
    layers = prepare_layers(links=links, add_links=add_links, drop_links=drop_links,
                            systems=systems, add_systems=add_systems)
    plan = _propose(_Request(
        councils, services, as_of, min_size, max_size, contiguous, water, max_distance_km,
        must_group, together, apart, exclude, keep_existing, max_new_partnerships, weights,
        layers.links, layers.systems, consistency, min_pair_score, costs, value,
        savings_weight, savings, options, ask,
        _checked_totals(min_population, max_population, min_cost_base, max_cost_base)))
    plan.notes[:0] = layers.notes
    return plan


def _checked_totals(*bounds) -> dict:
    """The population and cost-base bounds given (each a positive number)."""
    names = ("min_population", "max_population", "min_cost_base", "max_cost_base")
    return {k: check_number(v, k, low=0, meaning="a group total", example="250000")
            for k, v in zip(names, bounds) if v is not None}


def _check_numbers(*, min_size, max_size, max_distance_km, min_pair_score, savings_weight,
                   time_limit, mip_gap, consistency) -> None:
    """Each number argument of :func:`propose_groupings` finite and in range (else an
    :class:`~partnerfit.errors.ArgumentError` naming it)."""
    check_int(min_size, "min_size", low=1, meaning="members of the smallest group", example="2")
    check_int(max_size, "max_size", low=1, meaning="members of the largest group", example="4")
    if max_distance_km is not None:
        check_number(max_distance_km, "max_distance_km", above=0,
                     meaning="kilometres between two members", example="50")
    check_number(min_pair_score, "min_pair_score", low=0, high=100,
                 meaning="the pair score below which two councils are not grouped")
    check_number(savings_weight, "savings_weight", low=0, example="1.0")
    if time_limit is not None:
        check_number(time_limit, "time_limit", above=0, meaning="seconds", example="60")
    check_number(mip_gap, "mip_gap", low=0, below=1,
                 meaning="the proven gap accepted, 0.01 = 1%", example="0.01")
    if np.ndim(consistency) == 0:
        check_number(consistency, "consistency", example="10")


@dataclass(frozen=True)
class _Request:
    """What :func:`propose_groupings` was asked, as given (see its parameters)."""

    councils: Iterable[str] | str
    services: str | Iterable[str]
    as_of: DateLike
    min_size: int
    max_size: int
    contiguous: bool
    water: bool
    max_distance_km: float | None
    must_group: Iterable[str]
    together: Iterable[Sequence[str]]
    apart: Iterable[Sequence[str]]
    exclude: Iterable[str]
    keep_existing: bool
    max_new_partnerships: Any
    weights: Any
    links: Any
    systems: Any
    consistency: Any
    min_pair_score: float
    costs: Any
    value: str | None
    savings_weight: float
    savings: SavingsAssumptions | None
    options: SolverOptions
    ask: ModelAsk
    totals: dict  # min_population ... max_cost_base given (see _checked_totals)


def _propose(req: _Request) -> Plan:
    """Check the request, set up each service, explain or solve, and assemble the plan.

    The time limit covers the whole call: the enumeration of candidate groups stops when it
    runs out, and the solver gets what is left (see :mod:`.clock`)."""
    t_begin = clock.now()
    deadline = clock.work_deadline(t_begin, req.options.time_limit)
    date = to_date(req.as_of) or today()
    svc = _checked_services(req.services)
    sel = _selection(req.councils, date, req.exclude, req.together, req.apart, req.must_group)
    mode = req.value if req.value is not None else (
        "scores" if req.costs is None else "scores+savings")
    problems = sel.problems + _value_problems(mode, req.value, req.costs, req.savings_weight)
    if problems:
        raise DataValidationError("propose_groupings arguments", problems)
    cost_by_s, notes = (cost_bases(req.costs, svc, sel.codes, date) if req.costs is not None
                        else ({}, []))
    if req.savings is not None:
        req.savings.validate()
    ctx = _context(req, sel, date, mode, cost_by_s)
    ctx.deadline = deadline
    ctx.case_choice = model_choice(req.ask, req.savings, ctx.codes, date)
    ctx.choice = ctx.case_choice if req.ask.models else None
    t0 = time.perf_counter()
    setups = {s: _service_setup(s, ctx, notes) for s in svc}
    max_new = req.max_new_partnerships
    cap = int(max_new) if max_new is not None and np.ndim(max_new) == 0 else max_new
    labels = [f"{ctx.reg.at[c, 'name']} ({c})" for c in ctx.codes]
    pre = explain_infeasible(svc, {s: u.enumerated for s, u in setups.items()}, ctx.codes,
                             labels, ctx.edges, req.contiguous, req.min_size, req.max_size,
                             req.max_distance_km, ctx.dist, sel.together, sel.apart,
                             sel.must_group, cap, {s: u.eligible for s, u in setups.items()},
                             date)
    if pre:
        raise InfeasibleError(infeasible_message(pre))
    used = _constraints_used(req, sel, mode)
    options = req.options
    if deadline is not None:
        options = options.with_time_limit(max(deadline - clock.now(), 0.0))
    res = _solve(setups, options, req.consistency, cap, labels, used,
                 ctx.choice.lead_capacity if ctx.choice is not None else None)
    return _plan(ctx, setups, res, req.consistency, used, notes, t0)


def _constraints_used(req: _Request, sel: _Selection, mode: str) -> dict:
    """The constraints and options the plan is solved under, for reports."""
    consistency = req.consistency
    used = {"min_size": req.min_size, "max_size": req.max_size, "contiguous": req.contiguous,
            "water": req.water, "max_distance_km": req.max_distance_km,
            "must_group": sorted(sel.must_group), "together": sel.together,
            "apart": sel.apart, "exclude": sorted(sel.excluded),
            "keep_existing": req.keep_existing,
            "max_new_partnerships": req.max_new_partnerships,
            "consistency": (consistency if np.ndim(consistency) == 0
                            else "per-pair matrix"),
            "min_pair_score": req.min_pair_score, "value": mode}
    if req.costs is not None:
        used["savings_weight"] = req.savings_weight
    used.update(req.ask.constraints())
    used.update(req.totals)
    options = req.options
    used.update({"solver": options.solver, "time_limit": options.time_limit,
                 "mip_gap": options.mip_gap})
    return used


def _checked_services(services) -> list[str]:
    """The service ids, each in the catalogue and given once."""
    svc = [services] if isinstance(services, str) else list(services)
    if not svc:
        raise DataValidationError("services", ["no service given"])
    for s in svc:
        check_service(s)
    if len(set(svc)) != len(svc):
        raise DataValidationError("services", [f"services listed twice: {svc}"])
    return svc


@dataclass
class _Selection:
    """The chosen councils and the pair and must-group constraints, resolved to codes."""

    codes: list[str]
    excluded: list[str]
    pos: dict[str, int]
    together: list[tuple[str, str]]
    apart: list[tuple[str, str]]
    must_group: set[str]
    problems: list[str]  # found while resolving (raised with the other argument problems)


def _selection(councils, date, exclude, together, apart, must_group) -> _Selection:
    """Resolve the councils (less ``exclude``), the pairs and ``must_group`` on ``date``."""
    codes = resolve_councils(councils, date)
    problems: list[str] = []
    excl = []
    for x in exclude:
        c = find_council(x, date)
        if c not in codes:
            problems.append(f"exclude: {x!r} ({c}) is not among the chosen councils")
        excl.append(c)
    codes = [c for c in codes if c not in set(excl)]
    if len(codes) < 1:
        problems.append("no council left to group")
    if problems:
        raise DataValidationError("propose_groupings arguments", problems)
    pos = {c: i for i, c in enumerate(codes)}
    must_pairs = resolve_pairs("together", together, date, pos, problems)
    forbid = resolve_pairs("apart", apart, date, pos, problems)
    must_alone_not = set()
    for x in must_group:
        c = find_council(x, date)
        if c not in pos:
            problems.append(f"must_group: {x!r} ({c}) is not among the chosen councils")
        must_alone_not.add(c)
    clash = set(must_pairs) & set(forbid)
    problems += [f"{a} and {b} are both 'together' and 'apart'" for a, b in sorted(clash)]
    return _Selection(codes, excl, pos, must_pairs, forbid, must_alone_not, problems)


def _value_problems(mode: str, value, costs, savings_weight) -> list[str]:
    """Problems with ``value``, ``costs`` and ``savings_weight`` taken together."""
    problems = []
    if mode not in _VALUE_MODES:
        problems.append(f"value={value!r}; use one of {', '.join(map(repr, _VALUE_MODES))}")
    elif mode != "scores" and costs is None:
        problems.append(f"value={mode!r} needs cost data: pass costs={{council: annual cost}}")
    if not np.isfinite(savings_weight) or savings_weight < 0:
        problems.append(f"savings_weight={savings_weight!r} must be a non-negative number")
    return problems


@dataclass
class _Context:
    """Everything the per-service set-up reads: the request, the selection, the map on the
    date, the facts (arrangements, systems) and the value mode and costs."""

    req: _Request
    sel: _Selection
    date: object
    reg: pd.DataFrame
    edges: np.ndarray
    dist: np.ndarray | None
    running_links: pd.DataFrame
    systems: object
    mode: str
    cost_by_s: dict
    choice: ModelChoice | None = None
    running_systems: pd.DataFrame | None = None
    case_choice: ModelChoice | None = None
    deadline: float | None = None  # clock value by which the solve must end

    @property
    def codes(self) -> list[str]:
        return self.sel.codes

    @property
    def pos(self) -> dict[str, int]:
        return self.sel.pos


def _context(req: _Request, sel: _Selection, date, mode: str, cost_by_s: dict) -> _Context:
    """The map (adjacency among the chosen councils, distances) and facts on ``date``."""
    codes, pos = sel.codes, sel.pos
    reg = load_councils(date).loc[codes]
    adj = adjacency(date, water=req.water)
    inside = adj[adj["a"].isin(pos) & adj["b"].isin(pos)]
    edges = np.array([[pos[a], pos[b]] for a, b in zip(inside["a"], inside["b"])],
                     dtype=np.int64).reshape(-1, 2)
    dist = distance_matrix(codes).to_numpy() if req.max_distance_km is not None else None
    running_links = running_arrangements(date, req.links)
    systems = req.systems
    if systems is not None:  # a user's table or file, validated once (rows named if bad)
        systems = load_systems(systems=systems)
    return _Context(req, sel, date, reg, edges, dist, running_links, systems, mode, cost_by_s,
                    running_systems=systems_on(date, systems=systems))


@dataclass
class _ServiceSetup:
    """One service ready to solve: who takes part, its groups, values and kept groups."""

    eligible: set[str]
    problem: ServiceProblem
    value_function: Callable
    fixed: list[list[str]]  # kept arrangements (codes)
    enumerated: tuple  # (groups, eligible mask, must pairs, fixed) for explain_infeasible
    facts: LeadFacts | None = None  # what the options and business cases are priced from
    options: OptionColumns | None = None  # delivery-model columns (models=...)
    score: np.ndarray | None = None  # pair scores less min_pair_score (None: not valued)


def _service_setup(s: str, ctx: _Context, notes: list[str]) -> _ServiceSetup:
    """Eligibility, pair scores, kept arrangements, candidate groups and their values."""
    codes, pos = ctx.codes, ctx.pos
    ok = _delivers(s, ctx)
    eligible = {c for c, k in zip(codes, ok) if k}
    score = _pair_scores(s, ctx)
    existing = existing_groups(s, ctx.running_links, eligible)
    fixed = existing if ctx.req.keep_existing else []
    fixed_idx = [[pos[c] for c in g] for g in fixed]
    mp = [(pos[a], pos[b]) for a, b in ctx.sel.together if ok[pos[a]] and ok[pos[b]]]
    fp = [(pos[a], pos[b]) for a, b in ctx.sel.apart]
    _check_kept(s, fixed, ctx.sel, eligible)
    groups = enumerate_groups(len(codes), ctx.edges, ctx.req.min_size, ctx.req.max_size, allowed=ok,
                              totals=_group_totals(s, ctx, ok),
                              forbidden_pairs=np.array(fp, np.int64).reshape(-1, 2),
                              must_pairs=np.array(mp, np.int64).reshape(-1, 2),
                              max_distance=ctx.req.max_distance_km, distance=ctx.dist,
                              contiguous=ctx.req.contiguous, include=fixed_idx or None,
                              time_limit=clock.left(ctx.deadline))
    pair_part = score if ctx.mode != "savings" else None
    values = group_values(groups, pairwise=pair_part, labels=codes)
    cost = ctx.cost_by_s.get(s)
    if cost is not None:
        values = values + _savings_values(s, groups, cost, eligible, ctx, notes)
    must_all = np.array([c in ctx.sel.must_group for c in codes], dtype=bool)
    enumerated = (groups, ok, mp, fixed)
    facts = lead_facts(s, codes, eligible, ctx.reg, ctx.date, ctx.req.links, ctx.running_links,
                       ctx.running_systems, cost, pair_part,
                       ctx.req.savings_weight if ctx.mode != "scores" else 0.0, notes)
    opts, leads = None, None
    if ctx.choice is not None:
        opts = option_columns(groups, facts, ctx.choice, fixed_idx)
        groups, values, leads = opts.groups, opts.values, opts.leads
    problem = ServiceProblem(groups, values, fixed_groups=fixed_idx or None,
                             must_group_nodes=must_all & ok,
                             existing_groups=[[pos[c] for c in g] for g in existing] or None,
                             leads=leads)
    value_fn = group_value_function(pair_part, cost, ctx.req.savings_weight, ctx.req.savings, codes)
    return _ServiceSetup(eligible, problem, value_fn, fixed, enumerated, facts, opts, pair_part)


def _group_totals(s: str, ctx: _Context, ok: np.ndarray) -> list[GroupTotal]:
    """The population and cost-base bounds of service ``s``; a council taking part whose
    population or cost base is unknown is named (never guessed)."""
    t = ctx.req.totals
    pop = ctx.reg["population"].to_numpy(float) if "population" in ctx.reg else None
    out = []
    for name, vals, lo, hi in (("population", pop, t.get("min_population"),
                                t.get("max_population")),
                               ("cost base", ctx.cost_by_s.get(s), t.get("min_cost_base"),
                                t.get("max_cost_base"))):
        if lo is None and hi is None:
            continue
        arg = "min_population/max_population" if name == "population" else \
            "min_cost_base/max_cost_base"
        if vals is None:
            raise DataValidationError("propose_groupings", [
                f"{arg} needs a {name} for {s}; give costs=... or drop {arg}"])
        vals = np.where(ok, np.asarray(vals, float), 0.0)
        unknown = [f"{ctx.reg.at[c, 'name']} ({c})" for c, k, v in zip(ctx.codes, ok, vals)
                   if k and not np.isfinite(v)]
        if unknown:
            raise DataValidationError("propose_groupings", [
                (f"{s}: {name} unknown for {', '.join(unknown)}; {arg} cannot be checked for "
                "their groups -- give their figures, exclude them or drop the limit")])
        out.append(GroupTotal(name, vals, lo, hi))
    return out


def _delivers(s: str, ctx: _Context) -> np.ndarray:
    """Which chosen councils deliver the service (their tier); raise if none does."""
    ok = np.array([tier_delivers(ctx.reg.at[c, "tier"], s) for c in ctx.codes], dtype=bool)
    if not ok.any():
        tiers = ", ".join(sorted(set(ctx.reg["tier"])))
        raise DataValidationError("propose_groupings", [
            (f"none of the chosen councils delivers {s!r} (their tiers: {tiers}); drop the "
            "service or choose councils of a tier that delivers it")])
    return ok


#: Points below zero a pair value takes, per council of the largest group squared, when the two
#: councils cannot share the service (its law is separate): no group can make it up.
NO_SHARING = 100.0


def _pair_scores(s: str, ctx: _Context) -> np.ndarray:
    """Pair scores less ``min_pair_score`` (the diagonal 0), in code order."""
    from ..scoring import pairwise_scores

    codes = ctx.codes
    score = pairwise_scores(codes, s, as_of=ctx.date, weights=ctx.req.weights, links=ctx.req.links,
                            systems=ctx.systems).loc[codes, codes].to_numpy(dtype=float)
    score = score - float(ctx.req.min_pair_score)
    # councils whose law for the service is separate (e.g. Scottish building standards and
    # English building control) cannot share it: a pair value no group can make up for
    apart = separate_pairs(ctx.reg["nation"].reindex(codes).fillna("").to_numpy(), s, ctx.date)
    score[apart] = -NO_SHARING * max(1, int(ctx.req.max_size)) ** 2
    np.fill_diagonal(score, 0.0)
    return score


def _check_kept(s: str, fixed: list[list[str]], sel: _Selection, eligible: set[str]) -> None:
    """A kept arrangement may not split a 'together' pair nor hold an 'apart' pair."""
    for g in fixed:
        for a, b in sel.together:
            if (a in g) != (b in g) and a in eligible and b in eligible:
                raise InfeasibleError(f"{s}: {a} and {b} must be together, but the kept "
                                      f"arrangement {g} holds only one of them")
        for a, b in sel.apart:
            if a in g and b in g:
                raise InfeasibleError(f"{s}: {a} and {b} must be apart, but the kept "
                                      f"arrangement {g} holds both")


def _savings_values(s: str, groups, cost: np.ndarray, eligible: set[str], ctx: _Context,
                    notes: list[str]) -> np.ndarray:
    """``savings_weight`` x each group's NPV (0 where a cost is unknown, noted once)."""
    npv_g = group_npv(groups.members, cost, ctx.req.savings)
    unknown_g = ~np.isfinite(npv_g)
    unknown = [c for c in sorted(eligible) if not np.isfinite(cost[ctx.pos[c]])]
    if unknown:
        notes.append(f"{s}: cost base unknown for " + ", ".join(
            f"{ctx.reg.at[c, 'name']} ({c})" for c in unknown) +
            "; groups with them earn no savings value (not estimated)")
    return ctx.req.savings_weight * np.where(unknown_g, 0.0, npv_g)


def _solve(setups: dict[str, _ServiceSetup], options: SolverOptions, consistency, cap,
           labels: list[str], used: dict, lead_capacity=None) -> MultiResult:
    """The joint solve; an infeasibility it proves is restated with the constraints."""
    problems = {s: u.problem for s, u in setups.items()}
    try:
        return solve_joint(problems, options, consistency=consistency,
                           max_new_partnerships=cap, labels=labels,
                           lead_capacity=lead_capacity)
    except InfeasibleError as exc:
        active = [k for k in ("must_group", "together", "apart", "keep_existing")
                  if used[k]] + (["max_new_partnerships"]
                                 if used["max_new_partnerships"] is not None else [])
        inner = str(exc)
        for head in ("No plan meets the constraints:", "No joint plan meets the constraints:"):
            inner = inner.replace(head, "")
        raise InfeasibleError(infeasible_message([
            (f"with groups of {used['min_size']} to {used['max_size']}, the constraints "
            f"{', '.join(active) or 'given'} cannot all hold at once: {inner.strip()}")])
        ) from exc


def _plan(ctx: _Context, setups: dict[str, _ServiceSetup], res: MultiResult, consistency,
          used: dict, notes: list[str], t0: float) -> Plan:
    """The plan: chosen groups with their delivery model, lead and reasons, its spec, and
    its options appraisal."""
    codes, sel = ctx.codes, ctx.sel
    picked = (chosen_options(setups, res.chosen, ctx.choice.lead_capacity)
              if ctx.choice is not None else None)
    if picked is not None:
        chosen = {s: [p["nodes"] for p in picked[s]] for s in setups}
    else:
        chosen = {s: [[int(v) for v in u.problem.groups.members[j] if v >= 0]
                      for j in res.chosen[s]] for s, u in setups.items()}
    beta = consistency if np.ndim(consistency) == 0 else np.asarray(consistency, float)
    spec = PlanSpec(codes=codes, eligible={s: u.eligible for s, u in setups.items()},
                    value_functions={s: u.value_function for s, u in setups.items()},
                    min_size=ctx.req.min_size, max_size=ctx.req.max_size, edges=ctx.edges,
                    contiguous=ctx.req.contiguous, max_distance=ctx.req.max_distance_km,
                    distance=ctx.dist, must_pairs=sel.together, forbidden_pairs=sel.apart,
                    must_group=sel.must_group, fixed={s: u.fixed for s, u in setups.items()},
                    consistency=beta, **model_spec(ctx.choice, setups, codes))
    attrs = delivery_attributes(list(setups), codes, ctx.reg, ctx.running_links,
                                ctx.running_systems)
    snap = ctx.reg[[c for c in ("name", "tier", "population", "easting", "northing")
                    if c in ctx.reg.columns]].copy()
    names = dict(zip(codes, ctx.reg["name"]))
    cap = ctx.req.max_new_partnerships
    cap = int(cap) if cap is not None and np.ndim(cap) == 0 else cap
    plan = build_plan(chosen, spec, objective=res.objective, bound=res.bound,
                      status=res.status, solver=res.solver, time_s=time.perf_counter() - t0,
                      n_columns=sum(len(u.problem.groups) for u in setups.values()),
                      names=ctx.reg["name"].tolist(), attributes=attrs, as_of=ctx.date,
                      councils=snap, constraints=used, notes=notes,
                      extra_reasons=_savings_reasons(ctx, chosen) if picked is None else None,
                      decided=decided_choices(picked, codes, names))
    assert ctx.case_choice is not None
    appraise_plan(plan, setups, ctx.case_choice, picked, names)
    for row in plan.groups.index[plan.groups["role"] == "alone"]:
        s, c = plan.groups.at[row, "service"], plan.groups.at[row, "council"]
        facts = setups[s].facts
        if facts is not None and facts.pair is not None:
            plan.groups.at[row, "reason"] = alone_reason(
                c, s, facts.pair, codes, setups[s].eligible, float(ctx.req.min_pair_score), names)
    plan.resolver = _resolver(ctx, setups, consistency, cap)
    return plan


def _resolver(ctx: _Context, setups: dict[str, _ServiceSetup], consistency,
              cap) -> Resolver | str:
    """What :meth:`Plan.robustness` re-solves, or why it cannot."""
    if ctx.choice is not None:
        return "robustness is not available with the delivery-model choice (models=...) yet"
    if any(u.score is None for u in setups.values()):
        return "robustness perturbs pair scores, which are not part of the value='savings' plan"
    mps = float(ctx.req.min_pair_score)
    scores, extra = {}, {}
    for s, u in setups.items():
        assert u.score is not None
        sc = u.score + mps
        np.fill_diagonal(sc, 0.0)
        scores[s] = sc
        extra[s] = u.problem.values - pairwise_values(u.problem.groups, u.score)
    return Resolver(list(ctx.codes), {s: u.problem for s, u in setups.items()}, scores, mps,
                    extra, consistency, cap, ctx.req.options,
                    score_inputs={"as_of": ctx.date, "links": ctx.req.links,
                                  "systems": ctx.systems})


def _savings_reasons(ctx: _Context, chosen: dict[str, list[list[int]]]) -> dict:
    """``(service, codes) -> savings sentence`` for every chosen group of two or more."""
    out = {}
    for s, groups in chosen.items():
        cost = ctx.cost_by_s.get(s)
        if cost is None:
            continue
        for grp in groups:
            if len(grp) < 2:
                continue
            gc = tuple(sorted(ctx.codes[v] for v in grp))
            given = [cost[ctx.pos[c]] for c in gc]
            est = estimate_group(dict(zip(gc, given, strict=True)), ctx.req.savings)
            out[(s, gc)] = savings_reason(est, given, ctx.reg)
    return out
