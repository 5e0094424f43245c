"""Several services at once, with a value for keeping the same partners across services.

Joint model
-----------
For services ``s`` with candidate groups ``g`` (their own eligibility, constraints and
values ``v[g, s]``) and a consistency value ``beta[i, j] >= 0`` per council pair::

    max  sum_{g,s} v[g,s] x[g,s]  +  sum_{i<j} beta[i,j] * max(0, k[i,j] - 1)

where ``k[i,j]`` is the number of services in which ``i`` and ``j`` share a group. So a pair
earns ``beta`` for every service it shares *beyond the first* (the "back-office hub"
synergy: the second, third, ... service run with the same partner is cheaper to set up and
govern). Because ``max(0, k - 1) = k - min(k, 1)`` and ``min(k, 1) = max_s p[i,j,s]`` for a
0/1 plan, the model is linear with one *continuous* variable per pair::

    max  sum v'[g,s] x[g,s] - sum_{i<j} beta[i,j] u[i,j]
    s.t. sum_{g contains i} x[g,s] = 1                 (every service, every active node)
         sum_{g contains i,j} x[g,s] - u[i,j] <= 0    (every service, every pair)
         0 <= u <= 1,  x binary

with ``v'[g,s] = v[g,s] + sum of beta over the pairs inside g``. Only pairs that can be
together in two or more services get a ``u``. ``max_new_partnerships`` adds one continuous
``y`` per distinct new group (``y >= x[g,s]``) and ``sum_{G contains i} y[G] <= m_i``: a new
partnership counts once however many services it covers.

Solution strategy: a block-coordinate heuristic (solve each service exactly with the
consistency bonus that the other services' current groups would earn, repeat until no
gain), run from two starts -- the services solved alone, and one partition for all
(:func:`common_plan`) -- gives the incumbent: the better end. The joint LP's duals start a
Lagrangian phase over the pair-linking rows (one exact, warm-started partitioning solve per
service per iteration; its bound is the sum of the services' proven bounds). The joint MIP
restricted to every column those single-service solves chose combines their plans into a
better incumbent, and the window search (:mod:`.windows`) re-solves the joint model
exactly on small windows of nearby councils. If time is left, the joint model goes through
the LP bound, reduced-cost fixing and a warm-started MIP
(:func:`partnerfit.grouping.model.solve_with_fixing`). The reported bound is a proven
upper bound on the joint optimum.

Under a time limit, after the joint LP (at most :data:`LP_SHARE` of it) the coordinate
ascent may use :data:`ASCENT_SHARE` of the time left (its first run half of that, its second
the rest); the first Lagrangian iteration (at the
LP's duals) may use the rest, later iterations :data:`SUBGRADIENT_SHARE` of it, the
restricted joint MIP :data:`COMBINE_SHARE` of what is then left, the window search the rest.

Why the bound stays about 2% above the plan on the 5-service benchmark
(``benchmarks/diag_multi.py``): for one pair on its own, the LP's credit (the services it
shares, less its largest share in any one service) is the most that any mix of whole plans
could give it. The slack is in the mix of plans: if one plan puts a pair together in
services 1 and 2 and another in services 3 and 4, each plan earns it ``beta`` (one service
beyond the first), but the LP credits their average with ``1.5 * beta`` (a share of 0.5
in four services, less the largest share, 0.5). Every relaxation tried stays within 0.5% of
the joint LP there: the Lagrangian over the services, the joint model solved exactly on
regions of about 30 councils with the LP's prices between them, and HiGHS's own cuts on the
whole model. The plan, for its part, gains under 0.1% when the joint model is re-solved
exactly on windows of 60 councils.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import DataValidationError, InfeasibleError, SolverError
from . import clock
from ._backends import SolveOut, run_solver
from .fixing import solve_with_fixing
from .joint import JointModel, build_joint_model
from .model import ServiceProblem, solve_service
from .options import SolverOptions
from .status import HasSolveStatus, SolveStatus, relative_gap, within_gap
from .windows import window_search

__all__ = ["MultiResult", "ServiceProblem", "ServiceSolves", "common_plan",
           "consistency_value",
           "solve_joint", "solve_services"]

# seconds of the time limit left for the restricted joint MIP after the Lagrangian phase
COMBINE_S = 1.0
# share of the time left that the first joint LP may use (the rest: the search for a plan)
LP_SHARE = 0.7
# shares of the time left that the subgradient method and then the restricted joint MIP
# may use; the rest goes to the window search (on the 300-council benchmark the
# subgradient iterations after the first lowered the bound by nothing, while the windows
# found better plans)
SUBGRADIENT_SHARE = 0.4
# share of the time left after the joint LP that the coordinate ascent may use
ASCENT_SHARE = 0.5
COMBINE_SHARE = 0.3
# first step scale of the subgradient method; halved after two iterations without a better
# bound (starting large and halving beat a smaller constant start on the multi bench)
THETA0 = 2.0
# relative gap of the exact single-service solves inside the joint search
SERVICE_GAP = 1e-6


@dataclass
class MultiResult(HasSolveStatus):
    """Outcome of :func:`solve_services`.

    Attributes
    ----------
    chosen : dict
        Service name -> ascending indices of the chosen groups in that service's ``Groups``.
    solve_status : SolveStatus
        Objective, bound, gap, status, solver, time and group columns; each is also an
        attribute of the result (``result.objective`` ...):
    objective, bound, gap : float
        Joint objective (group values plus consistency value), proven bound, relative gap.
    status : str
        ``"optimal"`` or ``"time_limit"``.
    n_columns_solved : int
        Columns of the joint model (groups and linking variables).
    service_values : dict
        Service name -> sum of the chosen groups' values in that service.
    consistency : float
        Consistency value earned.
    heuristic_objective : float
        Objective of the coordinate-ascent incumbent.
    """

    chosen: dict
    solve_status: SolveStatus
    n_columns_solved: int
    service_values: dict
    consistency: float
    heuristic_objective: float
    log: list[str] = field(default_factory=list)


def consistency_value(plan_groups: Mapping[str, Sequence[Sequence[int]]], beta, n: int):
    """Consistency value of a plan: ``sum_{i<j} beta[i,j] * max(0, k[i,j] - 1)``.

    Parameters
    ----------
    plan_groups : mapping
        Service -> list of chosen groups (node lists).
    beta : float or array_like (n, n)
        Value per pair per shared service beyond the first.
    n : int
        Number of nodes.

    Returns
    -------
    float
    """
    b = np.broadcast_to(np.asarray(beta, dtype=float), (n, n))
    count: dict[tuple[int, int], int] = {}
    for groups in plan_groups.values():
        for g in groups:
            g = sorted(int(v) for v in g)
            for a in range(len(g)):
                for c in range(a + 1, len(g)):
                    count[(g[a], g[c])] = count.get((g[a], g[c]), 0) + 1
    return float(sum(b[i, j] * max(0, k - 1) for (i, j), k in count.items()))


def solve_services(
    services: Mapping[str, ServiceProblem],
    *,
    consistency=0.0,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    max_new_partnerships=None,
    labels: Sequence[str] | None = None,
    presolve: bool = True,
    heuristic_rounds: int = 5,
    lagrangian_iters: int = 40,
    threads: int | None = None,
    verbose: bool = False,
) -> MultiResult:
    """Jointly choose groups for several services (see module docstring for the model).

    Parameters
    ----------
    services : mapping of str to ServiceProblem
        One entry per service; all on the same ``n_nodes``.
    consistency : float or array_like of shape (n, n), default 0.0
        ``beta``: value per council pair for each service shared beyond the first
        (non-negative, symmetric).
    solver : {"highs", "cbc"}
        MILP back end.
    time_limit : float, optional
        Seconds for the whole solve; the best plan and its proven gap are returned.
    mip_gap : float
        Relative gap at which to stop.
    max_new_partnerships : int or array_like of int, optional
        Per council, the largest number of distinct new groups (across all services) it may
        join. A group shared by several services counts once.
    labels : sequence of str, optional
        Node names for messages.
    presolve : bool
        Use the coordinate-ascent incumbent, LP bound and reduced-cost fixing; False builds
        and solves the plain joint MILP (the naive baseline).
    heuristic_rounds : int
        Maximum coordinate-ascent rounds.
    lagrangian_iters : int
        Maximum subgradient iterations of the Lagrangian bound phase.
    threads : int, optional
        Solver threads.
    verbose : bool
        Show solver logs.

    Returns
    -------
    MultiResult

    Raises
    ------
    InfeasibleError, SolverError, DataValidationError
    """
    options = SolverOptions(solver=solver, time_limit=time_limit, mip_gap=mip_gap,
                            threads=threads, presolve=presolve, verbose=verbose)
    return solve_joint(services, options, consistency=consistency,
                       max_new_partnerships=max_new_partnerships, labels=labels,
                       heuristic_rounds=heuristic_rounds, lagrangian_iters=lagrangian_iters)


def solve_joint(services: Mapping[str, ServiceProblem], options: SolverOptions, *,
                consistency=0.0, max_new_partnerships=None,
                labels: Sequence[str] | None = None, heuristic_rounds: int = 5,
                lagrangian_iters: int = 40, lead_capacity=None) -> MultiResult:
    """:func:`solve_services` with its solver settings in one :class:`SolverOptions`.

    Build the joint model, find an incumbent (coordinate ascent), bound it (Lagrangian
    phase, combined by a restricted joint MIP), close the gap (reduced-cost fixing), check
    the plan; see the module docstring.

    Parameters
    ----------
    services : mapping of str to ServiceProblem
        One entry per service; all on the same ``n_nodes``.
    options : SolverOptions
        Solver, time limit (for the whole solve), gap, threads, presolve and logging.
    consistency, max_new_partnerships, labels, heuristic_rounds, lagrangian_iters
        As in :func:`solve_services`.
    lead_capacity : int or array_like, optional
        Per council, the largest number of services it may lead (columns carry their lead
        in :attr:`ServiceProblem.leads`); see :func:`~.joint.build_joint_model`.

    Returns
    -------
    MultiResult
    """
    t0 = clock.now()
    deadline = clock.work_deadline(t0, options.time_limit)
    options.check()
    n, beta = _checked_services(services, consistency)
    log: list[str] = []
    model = build_joint_model(services, beta, n, max_new_partnerships, labels, lead_capacity)
    log.append(model.describe())
    search = _Search()
    if options.presolve:
        solves = ServiceSolves(model, services, options, max_new_partnerships, labels,
                               deadline)
        if model.n_pairs and deadline is not None:
            # first, so a bound is sure when it finishes; at most LP_SHARE of the time, so
            # a loaded machine still leaves the search time for a plan
            joint_lp(model, search, options, clock.now() + LP_SHARE * (clock.left(deadline)
                                                                      or 0.0), log)
        # the coordinate ascent may use ASCENT_SHARE of the time left: the first
        # Lagrangian iteration, the bound's main gain, must have time to finish
        ascent_incumbent(model, solves, search, heuristic_rounds,
                         _share(deadline, ASCENT_SHARE, 0.0) if model.n_pairs else deadline,
                         log, t0)
        if model.n_pairs:
            lagrangian_phase(model, solves, search, options, deadline, lagrangian_iters, log)
    out = close_gap(model, search, options, deadline, log)
    return _joint_result(model, services, out, beta, options, clock.now() - t0,
                         search.incumbent_value, log)


def _checked_services(services: Mapping[str, ServiceProblem],
                      consistency) -> tuple[int, np.ndarray]:
    """Number of nodes and the ``(n, n)`` consistency values; all problems raised at once."""
    names = list(services)
    if not names:
        raise DataValidationError("solve_services", ["no services given"])
    n = services[names[0]].groups.n_nodes
    problems = [f"service {s!r}: groups are for {services[s].groups.n_nodes} nodes, not {n}"
                for s in names if services[s].groups.n_nodes != n]
    beta = np.broadcast_to(np.asarray(consistency, dtype=float), (n, n)).copy()
    if np.any(beta < 0) or not np.allclose(beta, beta.T):
        problems.append("consistency must be non-negative and symmetric")
    for s in names:
        v = np.asarray(services[s].values, dtype=float)
        if v.shape != (len(services[s].groups),) or not np.all(np.isfinite(v)):
            problems.append(f"service {s!r}: values must be finite, one per group")
    if problems:
        raise DataValidationError("solve_services", problems)
    return n, beta


@dataclass
class _Search:
    """State of the joint search: best plan, incumbent, proven bound and the joint LP."""

    choice: list | None = None  # best plan found (block indices per service)
    value: float = -np.inf
    incumbent: np.ndarray | None = None  # best feasible plan as a joint solution
    incumbent_value: float = -np.inf
    bound: float = np.inf  # proven (Lagrangian) upper bound
    lp: SolveOut | None = None

    def offer(self, choice: list, value: float) -> None:
        """Keep ``choice`` as the best plan if it is worth more."""
        if value > self.value:
            self.choice, self.value = choice, value

    def promote(self, model: JointModel) -> None:
        """Make the best plan the incumbent if it is feasible and better."""
        if self.choice is not None and model.feasible(self.choice) and \
                self.value > self.incumbent_value:
            self.incumbent, self.incumbent_value = model.full_x(self.choice), self.value


class ServiceSolves:
    """Exact single-service solves inside the joint search.

    Every column such a solve chooses is remembered in :attr:`pool` (the restricted
    joint MIP's columns).

    Parameters
    ----------
    model : JointModel
        The joint model (one block per service).
    services : mapping of str to ServiceProblem
        The services' own constraints.
    options : SolverOptions
        Solver settings; each solve is exact to :data:`SERVICE_GAP` with the levers on.
    max_new, labels
        As in :func:`solve_services`.
    deadline : float or None
        ``clock.now()`` value (:mod:`.clock`) by which to stop.
    """

    def __init__(self, model: JointModel, services: Mapping[str, ServiceProblem],
                 options: SolverOptions, max_new, labels, deadline: float | None) -> None:
        self.model = model
        self.specs = [services[b.name] for b in model.blocks]
        self.options = replace(options, mip_gap=SERVICE_GAP, presolve=True)
        self.max_new, self.labels, self.deadline = max_new, labels, deadline
        self.pool = np.zeros(model.n_cols, dtype=bool)

    def solve(self, si: int, vals: np.ndarray, start=None,
              until: float | None = None) -> tuple[np.ndarray, float]:
        """Service ``si`` with values ``vals``: (chosen block indices, proven bound)."""
        b = self.model.blocks[si]
        deadline = self.deadline if until is None else until
        tl = clock.left(deadline)  # 0 once the deadline has passed: a quick plan, no bound
        problem = replace(self.specs[si], groups=self.specs[si].groups.subset(b.cols),
                          values=vals)
        res = solve_service(problem, self.options.with_time_limit(tl),
                            max_new_partnerships=self.max_new, labels=self.labels,
                            start=start)
        self.pool[b.col_off + res.chosen] = True
        return res.chosen, res.bound


def coordinate_ascent(model: JointModel, solves: ServiceSolves, choice: list, rounds: int,
                      deadline: float | None) -> tuple[list, float]:
    """Block coordinate ascent: re-solve each service given the others' groups."""
    cur = model.value(choice)
    blocks, pbeta = model.blocks, model.pair_beta
    for _ in range(rounds):
        improved = False
        for si, b in enumerate(blocks):
            if deadline is not None and clock.now() > deadline - 1:
                return choice, cur
            k_other = sum((model.pairs_together(sj, choice[sj]) for sj in range(len(blocks))
                           if sj != si), np.zeros(model.n_pairs))
            gain = np.where(k_other[b.pidx] >= 1, pbeta[b.pidx], 0.0)
            bonus = np.bincount(b.hcol, weights=gain, minlength=b.n_cols)
            trial = list(choice)
            trial[si] = solves.solve(si, b.vals + bonus, start=choice[si])[0]
            val = model.value(trial)
            if val > cur + 1e-9:
                choice, cur, improved = trial, val, True
        if not improved:
            break
    return choice, cur


def common_plan(model: JointModel, solves: ServiceSolves) -> list[np.ndarray] | None:
    """One partition for every service: the groups that are candidates in all of them,
    valued at the sum of their services' values plus the consistency value they would
    earn if every service chose them (``beta`` for each pair in each service beyond the
    first). A heuristic plan: None if there is no such partition (e.g. a fixed group of
    one service is not a candidate of another); the caller checks
    :meth:`JointModel.feasible`."""
    blocks = model.blocks
    if len(blocks) < 2 or not model.n_pairs:
        return None
    index = [{tuple(int(v) for v in m if v >= 0): i for i, m in enumerate(b.members)}
             for b in blocks]
    where = np.array([[ix.get(key, -1) for ix in index] for key in index[0]], np.int64)
    sel = np.flatnonzero((where >= 0).all(axis=1))
    vals = sum((blocks[si].vals[where[sel, si]] for si in range(len(blocks))),
               (len(blocks) - 1) * blocks[0].bonus[sel])
    spec = solves.specs[0]
    problem = replace(spec, groups=spec.groups.subset(blocks[0].cols[sel]), values=vals,
                      leads=None)
    try:
        res = solve_service(problem, solves.options.with_time_limit(
            clock.left(solves.deadline)), max_new_partnerships=solves.max_new,
            labels=solves.labels)
    except InfeasibleError:
        return None
    chosen = sel[res.chosen]
    return [np.sort(where[chosen, si]) for si in range(len(blocks))]


def ascent_incumbent(model: JointModel, solves: ServiceSolves, search: _Search,
                     rounds: int, deadline: float | None, log: list[str], t0: float) -> None:
    """Incumbent: coordinate ascent on the consistency value from each start -- each
    service alone, and one partition for all (:func:`common_plan`) -- keeping the better
    end. The start worth more is not the better start: on the 5-service benchmark one
    partition for all starts higher (2617 against 2592) and ends lower (2659 against
    2681). Under a deadline the first ascent may use half the time left, the second the
    rest."""
    first = [solves.solve(si, b.vals) for si, b in enumerate(model.blocks)]
    alone = [ch for ch, _ in first]
    if not model.n_pairs and not model.capped:  # services are independent: bounds add up
        search.bound = float(sum(bd for _, bd in first))
    log.append(f"independent services: objective {model.value(alone):.6g}")
    starts = [("each service alone", alone)]
    common = common_plan(model, solves)
    if common is not None and model.feasible(common):
        log.append(f"one partition for all services: objective {model.value(common):.6g}")
        starts.append(("one partition for all", common))
    ends = []
    for k, (name, start) in enumerate(starts):
        choice, value = start, model.value(start)
        if model.n_pairs:
            until = deadline if k == len(starts) - 1 else _share(deadline, 0.5, 0.0)
            choice, value = coordinate_ascent(model, solves, start, rounds, until)
            log.append(f"coordinate ascent from {name}: objective {value:.6g} "
                       f"({clock.now() - t0:.1f}s)")
        ends.append((value, model.feasible(choice), choice))
    # the best feasible end (the best end if none is feasible: a start for the search)
    value, ok, choice = max(ends, key=lambda e: (e[1], e[0]))
    search.choice, search.value = choice, value
    if ok:
        search.incumbent, search.incumbent_value = model.full_x(choice), value


def lagrangian_phase(model: JointModel, solves: ServiceSolves, search: _Search,
                     options: SolverOptions, deadline: float | None, max_iter: int,
                     log: list[str]) -> None:
    """Joint LP, Lagrangian bound over the pair rows, polish and combine the plans found."""
    lp = search.lp
    if lp is None:
        if clock.expired(deadline, margin=1.0):
            log.append("joint LP: out of time")
            return
        joint_lp(model, search, options, deadline, log)
        lp = search.lp
    assert lp is not None
    if lp.status != "optimal" or lp.row_dual is None:
        return
    search.bound = lp.bound
    lam = [_lp_multipliers(b.prow[b.present], b.present, lp.row_dual, model.n_pairs)
           for b in model.blocks]
    bound, plans, value = subgradient_bound(
        model, solves, lam, search.value, options.mip_gap,
        None if deadline is None else deadline - COMBINE_S, max_iter, log,
        later=_share(deadline, SUBGRADIENT_SHARE, COMBINE_S))
    search.bound = min(search.bound, bound)
    if plans is not None:
        search.offer(plans, value)
    mip_gap = options.mip_gap
    if plans is not None and relative_gap(search.value, search.bound) > mip_gap:
        polished, val = coordinate_ascent(model, solves, plans, 2, deadline)
        if val > search.value and model.feasible(polished):
            search.choice, search.value = polished, val
    if relative_gap(search.value, search.bound) > mip_gap:
        assert search.choice is not None
        combined = restricted_joint_mip(model, solves.pool, search.choice, options,
                                        _share(deadline, COMBINE_SHARE, 0.0), log)
        if combined is not None:
            val = model.value(combined)
            if val > search.value + 1e-9 and model.feasible(combined):
                search.choice, search.value = combined, val
    search.promote(model)
    if relative_gap(search.value, search.bound) > mip_gap and search.incumbent is not None \
            and not clock.expired(deadline, margin=COMBINE_S):
        better, val = window_search(model, model.choice_of(search.incumbent), options,
                                    deadline, log)
        search.offer(better, val)
        search.promote(model)
    log.append(f"Lagrangian phase: bound {search.bound:.6g}, best plan "
               f"{search.value:.6g}, gap {relative_gap(search.value, search.bound):.3%}")


def _share(deadline: float | None, share: float, keep: float) -> float | None:
    """The clock value by which a step may use ``share`` of the time left before
    ``deadline`` (less ``keep`` seconds); None without a deadline."""
    if deadline is None:
        return None
    return clock.now() + share * max(deadline - keep - clock.now(), 0.0)


def joint_lp(model: JointModel, search: _Search, options: SolverOptions,
             deadline: float | None, log: list[str]) -> None:
    """The joint LP relaxation: its bound (and duals, for the Lagrangian phase)."""
    t_lp = clock.now()
    search.lp = lp = run_solver(model.problem, options.with_time_limit(clock.left(deadline)),
                                integer=False)
    log.append(f"joint LP bound {lp.bound:.6g} ({clock.now() - t_lp:.1f}s)"
               if lp.status == "optimal" else
               f"joint LP: {lp.status} ({clock.now() - t_lp:.1f}s), no bound from it")
    if lp.status == "optimal":
        search.bound = min(search.bound, lp.bound)


def _lp_multipliers(rows: np.ndarray, present: np.ndarray, row_dual: np.ndarray,
                    n_pairs: int) -> np.ndarray:
    """Starting multipliers of one service's pair rows: the joint LP's duals."""
    lam = np.zeros(n_pairs)
    lam[present] = np.maximum(-row_dual[rows], 0.0)
    return lam


def restricted_joint_mip(model: JointModel, pool: np.ndarray, choice: list,
                         options: SolverOptions, deadline: float | None,
                         log: list[str]) -> list[np.ndarray] | None:
    """Best joint plan using only pooled columns (a heuristic: the bound is untouched)."""
    keep = pool | model.always
    x0 = model.full_x(choice) if model.feasible(choice) else None
    if clock.expired(deadline, margin=0.5):
        log.append("restricted joint MIP: out of time")
        return None
    t_r = clock.now()
    limit = None if deadline is None else max(deadline - clock.now() - 0.5, 0.1)
    out = run_solver(model.problem.columns(keep), options.with_time_limit(limit),
                     start=None if x0 is None else x0[keep])
    log.append(f"restricted joint MIP on {int(keep[:model.n_x].sum())} pooled columns: "
               f"{out.status}, obj {out.objective:.6g} ({clock.now() - t_r:.1f}s)")
    if out.x is None:
        return None
    x = np.zeros(model.n_cols)
    x[keep] = out.x
    return model.choice_of(x)


def close_gap(model: JointModel, search: _Search, options: SolverOptions,
              deadline: float | None, log: list[str]) -> SolveOut:
    """The final joint solution: the incumbent if proven (or out of time), else fixing."""
    inc, inc_val, bound = search.incumbent, search.incumbent_value, search.bound
    if inc is not None and within_gap(relative_gap(inc_val, bound), options.mip_gap):
        return SolveOut("optimal", inc, inc_val, max(bound, inc_val))
    if inc is not None and deadline is not None and deadline - clock.now() < 5.0:
        return SolveOut("time_limit", inc, inc_val, max(bound, inc_val))
    out = solve_with_fixing(model.problem, options, deadline=deadline, incumbent=inc,
                            always_keep=model.always,
                            n_partition_rows=model.n_partition_rows, log=log, lp=search.lp,
                            cut_rounds=0)  # joint LPs are slow: no cut rounds here
    if out.x is None and inc is not None:
        out = SolveOut("time_limit", inc, inc_val, bound)
    elif out.x is not None and inc is not None and \
            float(model.problem.c @ out.x) < inc_val - 1e-9:
        out.x = inc
    out.bound = min(out.bound, bound) if out.status != "infeasible" else out.bound
    return out


def _joint_result(model: JointModel, services: Mapping[str, ServiceProblem], out: SolveOut,
                  beta: np.ndarray, options: SolverOptions, time_s: float,
                  heuristic_objective: float, log: list[str]) -> MultiResult:
    """Check the final solution and report it: chosen groups, values, proven gap."""
    if out.status == "infeasible":
        raise InfeasibleError("No joint plan meets the constraints: max_new_partnerships "
                              "(or the cap on services a council leads) cannot be met together "
                              "with the councils that must be grouped; raise the cap or let "
                              "some councils stay alone")
    if out.x is None:
        raise SolverError(f"{options.solver} found no joint plan within the time limit; raise "
                          "time_limit")
    chosen, service_values = {}, {}
    for b, sel in zip(model.blocks, model.choice_of(out.x)):
        chosen[b.name] = b.cols[sel]
        service_values[b.name] = float(b.vals[sel].sum())
    plan_groups = {s: services[s].groups.members[chosen[s]] for s in services}
    cons = consistency_value({s: [r[r >= 0] for r in g] for s, g in plan_groups.items()},
                             beta, model.n)
    objective = float(sum(service_values.values()) + cons)
    bound = max(float(out.bound), objective)
    gap = relative_gap(objective, bound)
    status = "optimal" if within_gap(gap, options.mip_gap) else "time_limit"
    solved = SolveStatus(objective, bound, gap, status, options.solver, time_s, model.n_x)
    return MultiResult(chosen, solved, int(model.n_cols), service_values, cons,
                       heuristic_objective, log)


@dataclass
class _Subgradient:
    """Progress of the subgradient method: best bound, step scale, timing of iterations."""

    theta: float = THETA0
    best_bound: float = np.inf
    stall: int = 0
    last: float = 0.0  # seconds of the last iteration
    before: float = 0.0  # and of the one before

    def record(self, value: float) -> None:
        """Keep a better bound; halve the step after two iterations without one."""
        if value < self.best_bound - 1e-9 * max(1.0, abs(value)):
            self.best_bound, self.stall = value, 0
        else:
            self.stall += 1
            if self.stall >= 2:
                self.theta, self.stall = self.theta / 2, 0

    def no_time_for_another(self, now: float, budget: float | None) -> bool:
        """Whether another iteration would overrun: as long as the last one, longer if
        iterations are growing (they do as the multipliers move)."""
        growth = max(1.0, self.last / self.before) if self.before > 0 else 1.0
        return budget is not None and now + self.last * growth > budget


def _dual_value(model: JointModel, solves: ServiceSolves, lam: list[np.ndarray],
                prev: list | None, budget: float | None) -> tuple[float, list, list]:
    """Lagrangian value for ``lam``: each service solved exactly with its priced values.

    Returns (value, plans, pairs together per service).
    """
    weights = [b.vals + b.bonus - np.bincount(b.hcol, weights=lam[si][b.pidx],
                                              minlength=b.n_cols)
               for si, b in enumerate(model.blocks)]
    # sequential on purpose: concurrent HiGHS solves in threads are not reliable
    # each service exactly: with warm starts this is as fast as a loose gap, and a
    # loose gap's proven bound is looser, which slows the bound's descent
    # (a solve cut short by the phase's deadline still returns a proven bound)
    outs = [solves.solve(si, weights[si], start=None if prev is None else prev[si],
                         until=budget)
            for si in range(len(model.blocks))]
    z = 0.0
    plans, together = [], []
    for si, (ch, bound) in enumerate(outs):
        z += bound
        plans.append(ch)
        together.append(model.pairs_together(si, ch))
    lam_sum = np.sum(lam, axis=0)
    return z + float(np.maximum(lam_sum - model.pair_beta, 0.0).sum()), plans, together


def _step(model: JointModel, lam: list[np.ndarray], together: list, step_scale: float,
          gap_to_close: float) -> bool:
    """Move the multipliers along the subgradient; False when it is zero."""
    lam_sum = np.sum(lam, axis=0)
    over = (lam_sum > model.pair_beta + 1e-12).astype(float)
    grads = [over - p for p in together]
    norm2 = float(sum(np.dot(g, g) for g in grads))
    if norm2 == 0:
        return False
    step = step_scale * gap_to_close / norm2
    for si, g in enumerate(grads):
        lam[si] = np.maximum(lam[si] - step * g, 0.0)
        mask = np.zeros(model.n_pairs, dtype=bool)
        mask[model.blocks[si].present] = True
        lam[si][~mask] = 0.0
    return True


def subgradient_bound(model: JointModel, solves: ServiceSolves, lam: list[np.ndarray],
                      best_val: float, mip_gap: float, deadline: float | None,
                      max_iter: int, log: list[str], *, later: float | None = None,
                      theta0: float = THETA0) -> tuple[float, list | None, float]:
    """Subgradient optimisation of the Lagrangian dual of the pair-linking rows.

    Relaxing ``sum_g x[g,s] - u[p] <= 0`` with multipliers ``lam[s][p] >= 0`` splits the
    joint model into one exact partitioning problem per service (values
    ``v + sum over pairs of (beta - lam)``) plus ``max(0, sum_s lam - beta)`` per pair.
    For *any* ``lam >= 0`` the sum of the services' proven bounds and that term is an
    upper bound on the joint optimum; each service's plan is also a feasible joint plan.

    The first iteration (at the starting multipliers, usually the joint LP's duals: most
    of what the method gains) may run until ``deadline``, the others only until ``later``
    (when given). ``theta0`` is the first step scale (:data:`THETA0`).

    Returns
    -------
    (float, list or None, float)
        Best bound, the best plan found (None if none beat ``best_val``), its value.
    """
    state = _Subgradient(theta=theta0)
    best_choice = None
    start = clock.now()
    budget = None if deadline is None else deadline - 0.5
    done = 0
    prev = None  # last iteration's plans: each is a warm start for its service
    for it in range(max_iter):
        t_it = clock.now()
        if state.no_time_for_another(t_it, budget) or (
                it and later is not None and state.no_time_for_another(t_it, later)):
            break
        done = it + 1
        value, plans, together = _dual_value(model, solves, lam, prev, budget)
        if not np.isfinite(value):  # a service ran out of time: no bound, no step
            log.append(f"  iteration {it + 1}: out of time")
            break
        state.record(value)
        prev = plans
        val = model.value(plans)
        log.append(f"  iteration {it + 1}: value {value:.6g}, plans {val:.6g}, "
                   f"theta {state.theta:.3g} ({clock.now() - t_it:.1f}s)")
        if val > best_val and model.feasible(plans):
            best_val, best_choice = val, plans
        if within_gap(relative_gap(best_val, state.best_bound), mip_gap):
            break
        moved = _step(model, lam, together, state.theta, value - best_val)
        if not moved:
            break
        state.last, state.before = clock.now() - t_it, state.last
    log.append(f"Lagrangian: {done} iterations ({clock.now() - start:.1f}s)")
    return state.best_bound, best_choice, best_val
