"""Solve a maximisation MILP exactly with an LP bound, a restricted-MIP incumbent and fixing.

The steps of :func:`solve_with_fixing`, each a function here:

1. **LP relaxation** (:func:`lp_bounds`) -- its duals give a global bound ``U`` and, per
   column, a bound ``U_j`` on every plan using the column (Lagrangian bounds, valid for any
   multipliers). An integral LP optimum is optimal at once.
2. **Subset-row cuts** (:func:`tighten_with_cuts`) -- rounds of cuts on the packing rows,
   each re-solving the LP over a pool of columns by column generation (with HiGHS one LP
   re-solved from its basis as priced columns are added, until none prices out), lower the
   bounds. On a problem with many more columns than rows the first LP is found the same
   way.
3. **Restricted MIP** (:func:`restricted_incumbent`) -- the MIP over the columns with the
   smallest reduced costs (plus those always kept) gives the incumbent; it is widened while
   the incumbent is too weak to fix many columns.
4. **Reduced-cost fixing** (:func:`fix_and_solve`) -- columns with ``U_j`` below the
   incumbent cannot be in an optimal plan and are dropped; if every survivor was in the
   restricted MIP its optimum is proven, else a final MIP runs on the survivors,
   warm-started from the incumbent.

The reported bound is always a proven upper bound on the full problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import clock
from ._backends import (
    IncrementalLP,
    LinearProblem,
    SolveOut,
    lagrangian_bounds,
    run_solver,
    signed_duals,
)
from .cuts import packing_rows, separate_subset_rows, with_cuts
from .local import improve_partition
from .options import SolverOptions
from .status import relative_gap, within_gap

__all__ = ["LPBounds", "lp_bounds", "out_of_time", "presolve_ok", "remaining",
           "restricted_incumbent", "solve_with_fixing", "tighten_with_cuts"]

# columns per partition row in the cut-loop LP pool and in the restricted MIP (with cuts)
POOL_PER_ROW = 8
RESTRICTED_PER_ROW_CUT = 3
RESTRICTED_PER_ROW = 8
PRICING_ROUNDS = 10
CG_ROUNDS = 100  # column-generation rounds (HiGHS)
CG_START_PER_ROW = 8  # first LP by pricing: columns per row to start from
WIDEN_FACTOR = 2  # widen the restricted MIP when fixing leaves this many times more
CUT_SHARE = 0.4  # share of the time left that subset-row cut rounds may use
DEFAULT_OPTIONS = SolverOptions()
# MIPs with more columns than this run without HiGHS's presolve under a time limit: its
# passes do not check the limit (a 9,707-column final MIP after fixing, groups of 2-6 with
# delivery-model choice: one pass took 30 s of a 20 s limit, the presolve 88 s of 79 s;
# without it the same MIP kept its 30 s limit and proved a better bound)
MIP_PRESOLVE_MAX_COLS = 5000


def remaining(deadline: float | None) -> float | None:
    """Seconds left until ``deadline`` (at least 0.05), or None without a deadline."""
    if deadline is None:
        return None
    return max(deadline - clock.now(), 0.05)


def _until(options: SolverOptions, deadline: float | None) -> SolverOptions:
    return options.with_time_limit(remaining(deadline))


def presolve_ok(n_cols: int, deadline: float | None) -> bool:
    """Whether a MIP of ``n_cols`` columns may use HiGHS's presolve (see
    :data:`MIP_PRESOLVE_MAX_COLS`)."""
    return deadline is None or n_cols <= MIP_PRESOLVE_MAX_COLS


def _integral(problem: LinearProblem, x: np.ndarray | None) -> bool:
    mask = problem.integer
    return x is not None and bool(np.all(np.abs(x[mask] - np.round(x[mask])) <= 1e-7))


@dataclass
class LPBounds:
    """What the LP phase proves, and the model the MIPs are solved on.

    Attributes
    ----------
    work : LinearProblem
        The problem with the cuts found so far.
    ub : float
        Proven upper bound on the full problem.
    col_ub : numpy.ndarray
        Per column, a proven bound on every plan that uses it.
    x : numpy.ndarray
        The last LP point (all columns).
    loss : numpy.ndarray
        Reduced-cost loss of each column at the last LP (orders the restricted MIP).
    triples : list of (int, int, int)
        Subset-row cuts added (row triples).
    """

    work: LinearProblem
    ub: float
    col_ub: np.ndarray
    x: np.ndarray
    loss: np.ndarray
    triples: list = field(default_factory=list)


def lp_bounds(problem: LinearProblem, lp: SolveOut) -> LPBounds:
    """Global and per-column bounds from an optimal LP with row duals."""
    assert lp.row_dual is not None and lp.x is not None
    ub, col_ub = lagrangian_bounds(problem, lp.row_dual)
    ub = min(ub, lp.bound) if np.isfinite(lp.bound) else ub
    return LPBounds(problem, ub, col_ub, lp.x, ub - col_ub)


def _priced_lp(work: LinearProblem, pool: np.ndarray, options: SolverOptions,
               deadline: float | None) -> SolveOut:
    """LP over ``pool`` (updated in place), pricing in columns that would improve it.

    With HiGHS this is column generation on one LP re-solved from its last basis, each
    round adding the (at most ``max(rows, 200)``) most profitable columns, until no column
    prices out (the LP is then optimal over *all* columns, so its Lagrangian bound equals
    its value) or :data:`CG_ROUNDS` rounds; with CBC, :data:`PRICING_ROUNDS` LPs from
    scratch, each adding every profitable column.
    """
    if options.solver == "highs":
        return _column_generation(work, pool, options, deadline)
    for pricing in range(PRICING_ROUNDS):
        if pricing and clock.expired(deadline):
            break
        lpc = run_solver(work.columns(pool), _until(options, deadline), integer=False)
        if lpc.status != "optimal" or lpc.row_dual is None or pricing == PRICING_ROUNDS - 1:
            break
        profit = work.c + work.A.T @ signed_duals(work, lpc.row_dual)  # -reduced cost
        enter = ~pool & (profit > 1e-9)
        if not enter.any():
            break
        pool |= enter
    return lpc


def _column_generation(work: LinearProblem, pool: np.ndarray, options: SolverOptions,
                       deadline: float | None) -> SolveOut:
    """:func:`_priced_lp` with HiGHS: one LP, columns added to it, warm re-solves."""
    order = np.flatnonzero(pool)
    lp = IncrementalLP(work.columns(order), options)
    cap = max(work.n_rows, 200)
    A = work.A.tocsc()
    converged = False
    for rounds in range(CG_ROUNDS):
        out = lp.solve(remaining(deadline))
        if out.status != "optimal" or out.row_dual is None:
            break
        profit = work.c + A.T @ signed_duals(work, out.row_dual)  # -reduced cost
        enter = np.flatnonzero(~pool & (profit > 1e-9))
        converged = not enter.size
        if converged or rounds == CG_ROUNDS - 1 or clock.expired(deadline):
            break
        if enter.size > cap:  # the most profitable first, ties by column index
            enter = enter[np.lexsort((enter, -profit[enter]))[:cap]]
        lp.add_columns(work.c[enter], A[:, enter], work.col_hi[enter])
        pool[enter] = True
        order = np.concatenate([order, enter])
    if out.x is not None:  # back to the order of the pool's columns
        x = np.zeros(work.n_cols)
        x[order] = out.x
        out.x = x[pool]
    if not converged:  # the pool's LP value bounds nothing; the duals still give one
        out.bound = np.inf
    return out


def _cut_round(problem: LinearProblem, bounds: LPBounds, packing: np.ndarray,
               pool_keep: np.ndarray, n_pool_max: int, options: SolverOptions,
               deadline: float | None) -> bool:
    """One round of cuts and re-priced LP; update ``bounds``; True to go on."""
    n = problem.n_cols
    new = separate_subset_rows(problem, bounds.x, packing, set(bounds.triples))
    if not new:
        return False
    bounds.triples += new
    bounds.work = work = with_cuts(problem, bounds.triples)
    # LP over a pool of the most promising columns; the bound from its duals is taken
    # over *all* columns (lagrangian_bounds), so it stays valid
    pool = np.zeros(n, bool)
    pool[np.lexsort((np.arange(n), bounds.loss))[:n_pool_max]] = True
    pool |= (bounds.x > 1e-9) | pool_keep
    lpc = _priced_lp(work, pool, options, deadline)
    if lpc.status != "optimal" or lpc.row_dual is None or lpc.x is None:
        return False
    ub_c, col_ub_c = lagrangian_bounds(work, lpc.row_dual)
    prev = bounds.ub
    bounds.ub = min(bounds.ub, ub_c)
    bounds.col_ub = np.minimum(bounds.col_ub, col_ub_c)
    bounds.loss = ub_c - col_ub_c
    bounds.x = np.zeros(n)
    bounds.x[pool] = lpc.x
    if _integral(problem, bounds.x) and \
            ub_c <= float(problem.c @ bounds.x) + 1e-9 * max(1.0, abs(ub_c)):
        return False
    return prev - bounds.ub > 1e-6 * max(1.0, abs(bounds.ub))


def tighten_with_cuts(problem: LinearProblem, bounds: LPBounds, options: SolverOptions, *,
                      deadline: float | None, rounds: int, n_partition_rows: int | None,
                      always_keep: np.ndarray | None, incumbent: np.ndarray | None,
                      log: list[str]) -> None:
    """Rounds of subset-row cuts: a tighter bound, so fixing removes far more columns."""
    t_cut = clock.now()
    packing = packing_rows(problem)
    n_pool_max = max(POOL_PER_ROW * (n_partition_rows or problem.n_rows), 1000)
    pool_keep = np.zeros(problem.n_cols, bool)
    if always_keep is not None:
        pool_keep |= always_keep
    if incumbent is not None:
        pool_keep |= np.asarray(incumbent) > 1e-9
    # the cuts may use CUT_SHARE of the time left: the rest finds and proves a plan
    left = clock.left(deadline)
    cut_deadline = None if left is None else clock.now() + CUT_SHARE * left
    for _ in range(rounds):
        if clock.expired(cut_deadline, margin=0.5):
            break
        if not _cut_round(problem, bounds, packing, pool_keep, n_pool_max, options,
                          cut_deadline):
            break
    log.append(f"subset-row cuts: {len(bounds.triples)} in "
               f"{clock.now() - t_cut:.2f}s, bound {bounds.ub:.6g}")


@dataclass
class Incumbent:
    """The restricted MIP's best plan and the columns reduced-cost fixing keeps."""

    x: np.ndarray | None
    objective: float
    restricted: np.ndarray  # columns of the last restricted MIP
    survive: np.ndarray  # columns that can be in an optimal plan
    proven: bool  # the last restricted MIP was solved to optimality (gap 0)
    tol: float = 0.0


def _restricted_start(problem: LinearProblem, bounds: LPBounds, size: int,
                      keep_always: np.ndarray, incumbent: np.ndarray | None):
    """First restricted column set, and the incumbent given (x, value) if any."""
    order = np.lexsort((np.arange(problem.n_cols), bounds.loss))
    restricted = keep_always.copy()
    restricted[order[:size]] = True
    restricted |= bounds.x > 1e-9
    best_x, best_obj = None, -np.inf
    if incumbent is not None:
        best_x, best_obj = np.asarray(incumbent, float), float(problem.c @ incumbent)
        restricted |= best_x > 1e-9
    return order, restricted, best_x, best_obj


def restricted_incumbent(problem: LinearProblem, bounds: LPBounds, options: SolverOptions, *,
                         deadline: float | None, incumbent: np.ndarray | None,
                         always_keep: np.ndarray | None, restricted_size: int | None,
                         n_partition_rows: int | None, log: list[str]) -> Incumbent:
    """MIP over the most promising columns, widened (up to twice) while it fixes too few."""
    n = problem.n_cols
    keep_always = np.zeros(n, bool) if always_keep is None else always_keep.copy()
    per_row = RESTRICTED_PER_ROW_CUT if bounds.triples else RESTRICTED_PER_ROW
    size = restricted_size if restricted_size is not None else \
        per_row * (n_partition_rows or problem.n_rows)
    order, restricted, best_x, best_obj = _restricted_start(problem, bounds, size,
                                                            keep_always, incumbent)
    found = Incumbent(best_x, best_obj, restricted, restricted, False)
    for attempt in range(3):
        if clock.expired(deadline):
            log.append("restricted MIP: out of time")
            break
        t1 = clock.now()
        start_sub = found.x[restricted] if found.x is not None else None
        rmip = run_solver(bounds.work.columns(restricted), _until(options, deadline),
                          start=start_sub,
                          mip_presolve=presolve_ok(int(restricted.sum()), deadline))
        found.proven = rmip.status == "optimal" and options.mip_gap == 0.0
        found.restricted = restricted
        if rmip.x is not None and rmip.objective > found.objective:
            found.x = np.zeros(n)
            found.x[restricted] = rmip.x
            found.objective = float(problem.c @ found.x)
        log.append(f"restricted MIP on {int(restricted.sum())} columns: {rmip.status}, "
                   f"obj {found.objective:.6g} ({clock.now() - t1:.2f}s)")
        if found.x is None:
            break
        found.tol = 1e-7 * max(1.0, abs(found.objective))
        found.survive = (bounds.col_ub >= found.objective - found.tol) | (found.x > 1e-9) \
            | ~problem.integer
        n_new = int(np.sum(found.survive & ~restricted))
        # a weak incumbent leaves many survivors: widen the restricted MIP and try again
        if n_new <= WIDEN_FACTOR * restricted.sum() or attempt == 2 or (
                deadline is not None and clock.now() > deadline - 1.0):
            break
        size *= 2
        restricted = restricted | keep_always
        restricted[order[:size]] = True
    return found


def _polish(problem: LinearProblem, bounds: LPBounds, found: Incumbent,
            deadline: float | None, log: list[str]) -> None:
    """Local search on the incumbent; a better plan updates it and the columns that
    survive fixing."""
    assert found.x is not None
    t = clock.now()
    x = improve_partition(problem, found.x, deadline=deadline)
    value = float(problem.c @ x)
    log.append(f"local search: {found.objective:.6g} -> {max(value, found.objective):.6g} "
               f"({clock.now() - t:.2f}s)")
    if value > found.objective + 1e-9 * max(1.0, abs(value)):
        found.x, found.objective, found.proven = x, value, False
        found.tol = 1e-7 * max(1.0, abs(value))
        found.survive = (bounds.col_ub >= value - found.tol) | (x > 1e-9) | ~problem.integer


def fix_and_solve(problem: LinearProblem, bounds: LPBounds, found: Incumbent,
                  options: SolverOptions, *, deadline: float | None,
                  log: list[str]) -> SolveOut:
    """Drop the columns fixed out by their bounds; prove the incumbent or solve the rest."""
    assert found.x is not None
    n_surv = int(found.survive.sum())
    log.append(f"reduced-cost fixing: {n_surv} of {problem.n_cols} columns can be in an "
               "optimal plan")
    if found.proven and not np.any(found.survive & ~found.restricted):
        log.append("all surviving columns were in the restricted MIP: proven optimal")
        return SolveOut("optimal", found.x, found.objective, found.objective,
                        n_final=int(found.restricted.sum()))
    if clock.expired(deadline):
        log.append("final MIP: out of time; the incumbent is returned with the LP bound")
        return out_of_time(problem, found.x, bounds.ub, options, n_final=n_surv)
    t2 = clock.now()
    survive = found.survive
    out = run_solver(bounds.work.columns(survive), _until(options, deadline),
                     start=found.x[survive], mip_presolve=presolve_ok(n_surv, deadline))
    log.append(f"final MIP on {n_surv} columns: {out.status} ({clock.now() - t2:.2f}s)")
    best_x, best_obj = found.x, found.objective
    if out.x is not None and out.objective >= best_obj - found.tol:
        best_x = np.zeros(problem.n_cols)
        best_x[survive] = out.x
        best_obj = float(problem.c @ best_x)
    # plans using a fixed-out column are worth < incumbent, so the survivors' bound holds
    ub = bounds.ub
    bound = min(ub, max(out.bound, best_obj)) if out.status != "infeasible" else ub
    status = "optimal" if within_gap(relative_gap(best_obj, bound), options.mip_gap) \
        else "time_limit"
    if out.status == "optimal":
        status = "optimal"
        bound = min(bound, max(out.bound, best_obj))
    return SolveOut(status, best_x, best_obj, max(bound, best_obj), n_final=n_surv)


def out_of_time(problem: LinearProblem, x: np.ndarray | None, bound: float,
                options: SolverOptions, n_final: int | None = None) -> SolveOut:
    """What a solve returns when its time is up before it could run a solver call: the
    plan ``x`` it has (if any) with the proven ``bound`` (``inf`` if it has none)."""
    if x is None:
        return SolveOut("no_solution", None, -np.inf, bound, message="out of time",
                        n_final=n_final)
    value = float(problem.c @ x)
    bound = max(bound, value)
    status = "optimal" if within_gap(relative_gap(value, bound), options.mip_gap) \
        else "time_limit"
    return SolveOut(status, x, value, bound, message="out of time", n_final=n_final)


def _direct(problem: LinearProblem, options: SolverOptions, deadline: float | None,
            start: np.ndarray | None) -> SolveOut:
    """The plain MILP on every column (nothing run once the deadline has passed)."""
    if clock.expired(deadline):
        return out_of_time(problem, start, np.inf, options)
    return run_solver(problem, _until(options, deadline), start=start)


def _lp_by_pricing(problem: LinearProblem, options: SolverOptions, deadline: float | None,
                   always_keep: np.ndarray | None) -> SolveOut | None:
    """The LP relaxation by column generation from the :data:`CG_START_PER_ROW` columns of
    highest value per row they cover (and ``always_keep``); None when that start is
    infeasible or the pricing did not finish (then the full LP is solved)."""
    n = problem.n_cols
    per_row = problem.c / np.maximum(np.diff(problem.A.tocsc().indptr), 1)
    pool = np.zeros(n, bool) if always_keep is None else always_keep.copy()
    pool[np.lexsort((np.arange(n), -per_row))[:CG_START_PER_ROW * problem.n_rows]] = True
    out = _column_generation(problem, pool, options, deadline)
    if out.status != "optimal" or not np.isfinite(out.bound) or out.x is None:
        return None
    x = np.zeros(n)
    x[pool] = out.x
    out.x = x
    return out


def _lp_relaxation(problem: LinearProblem, options: SolverOptions, deadline: float | None,
                   lp: SolveOut | None, log: list[str],
                   always_keep: np.ndarray | None = None) -> SolveOut:
    """The LP relaxation (solved unless given; by column generation on big problems with
    HiGHS), logged unless infeasible."""
    t0 = clock.now()
    if lp is None and options.solver == "highs" and \
            problem.n_cols > CG_START_PER_ROW * 4 * problem.n_rows:
        lp = _lp_by_pricing(problem, options, deadline, always_keep)
    if lp is None:
        lp = run_solver(problem, _until(options, deadline), integer=False)
    if lp.status != "infeasible":
        log.append(f"LP relaxation: {lp.status}, value {lp.objective:.6g} "
                   f"({clock.now() - t0:.2f}s)")
    return lp


def solve_with_fixing(
    problem: LinearProblem,
    options: SolverOptions = DEFAULT_OPTIONS,
    *,
    deadline: float | None = None,
    incumbent: np.ndarray | None = None,
    always_keep: np.ndarray | None = None,
    restricted_size: int | None = None,
    n_partition_rows: int | None = None,
    log: list[str] | None = None,
    lp: SolveOut | None = None,
    cut_rounds: int = 4,
    polish: bool = False,
) -> SolveOut:
    """Solve a maximisation MILP with LP bound, restricted-MIP incumbent and RC fixing.

    Parameters
    ----------
    problem : LinearProblem
        The MILP (maximisation).
    options : SolverOptions
        Back end, gap (of the MIPs), threads, ``presolve`` (False: solve the full MILP
        directly, the naive baseline) and logging; its time limit is not used (see
        ``deadline``).
    deadline : float, optional
        ``clock.now()`` value (:mod:`.clock`) by which to stop.
    incumbent : numpy.ndarray, optional
        A feasible solution to start from (e.g. from a heuristic).
    always_keep : numpy.ndarray of bool, optional
        Columns always kept in the restricted MIP (e.g. singletons, continuous linking
        variables).
    restricted_size : int, optional
        Number of lowest-reduced-cost columns in the restricted MIP (default
        ``8 * n_partition_rows``, 3 per row after cuts).
    n_partition_rows : int, optional
        Rows that are partition constraints (default: all rows).
    log : list of str, optional
        One line per phase is appended.
    lp : SolveOut, optional
        The LP relaxation if already solved (with row duals).
    cut_rounds : int
        Rounds of subset-row cuts on the packing rows before fixing (0 = none).
    polish : bool
        Improve the restricted MIP's plan by local search before fixing when that MIP was
        not solved to optimality (:func:`~.local.improve_partition`; a pure partitioning
        problem only).

    Returns
    -------
    SolveOut
        ``x``, objective and a proven ``bound`` for the *full* problem.
    """
    log = log if log is not None else []
    if not options.presolve:
        out = _direct(problem, options, deadline, incumbent)
        log.append(f"direct MILP: {out.status}, obj {out.objective:.6g}, bound {out.bound:.6g}")
        return out
    if lp is None and clock.expired(deadline):
        log.append("out of time before the LP relaxation")
        return out_of_time(problem, incumbent, np.inf, options)
    lp = _lp_relaxation(problem, options, deadline, lp, log, always_keep)
    if lp.status == "infeasible":
        return lp
    if lp.row_dual is None or lp.status != "optimal":
        out = _direct(problem, options, deadline, incumbent)
        log.append("no LP duals; direct MILP")
        return out
    bounds = lp_bounds(problem, lp)
    if _integral(problem, lp.x):
        assert lp.x is not None
        x = lp.x.copy()
        x[problem.integer] = np.round(x[problem.integer])
        value = float(problem.c @ x)
        if bounds.ub <= value + 1e-9 * max(1.0, abs(value)):
            log.append("LP optimum is integral: proven optimal")
            return SolveOut("optimal", x, value, max(bounds.ub, value), n_final=0)
    if cut_rounds:
        tighten_with_cuts(problem, bounds, options, deadline=deadline, rounds=cut_rounds,
                          n_partition_rows=n_partition_rows, always_keep=always_keep,
                          incumbent=incumbent, log=log)
    found = restricted_incumbent(problem, bounds, options, deadline=deadline,
                                 incumbent=incumbent, always_keep=always_keep,
                                 restricted_size=restricted_size,
                                 n_partition_rows=n_partition_rows, log=log)
    if polish and found.x is not None and not found.proven:
        _polish(problem, bounds, found, deadline, log)
    if found.x is None:
        if clock.expired(deadline):
            log.append("no incumbent within the time limit")
            return out_of_time(problem, None, bounds.ub, options)
        out = run_solver(problem, _until(options, deadline))
        out.bound = min(out.bound, bounds.ub)
        log.append("no incumbent from the restricted MIP; full MILP")
        return out
    return fix_and_solve(problem, bounds, found, options, deadline=deadline, log=log)
