"""Exact set-partitioning model over enumerated groups, with the speed levers.

Formulation (one service)::

    max  sum_g v_g x_g
    s.t. sum_{g contains i} x_g = 1        for every active node i   (partition)
         x_g in {0, 1}

Singleton groups are ordinary columns, so "stay alone" is a choice with its own value.
Constraints that only remove columns (contiguity, sizes, forbidden/must pairs, councils
that must be grouped, zero new partnerships) are applied to the column set; fixed groups
are chosen up front and every column overlapping them is removed.

Levers (all exact; the reported bound is always a proven upper bound):

1. **Decomposition** -- nodes linked by a shared column form independent blocks
   (connected components of the adjacency graph when groups are contiguous); each block
   is solved on its own and objectives/bounds add up.
2. **LP relaxation** -- the LP optimum gives a bound; if it is integral it is optimal.
3. **Heuristic incumbent** -- a restricted MIP over the columns with the smallest
   reduced costs (plus all singletons) usually finds the optimum at once.
4. **Reduced-cost fixing** -- with LP multipliers ``y`` every feasible plan using
   column ``g`` is worth at most ``U_g`` (a Lagrangian bound, valid for any ``y``);
   columns with ``U_g`` below the incumbent cannot be in any optimal plan and are
   dropped. If every surviving column was already in the restricted MIP, its optimum is
   proven globally optimal; otherwise a final MIP is solved on the survivors, warm-started
   from the incumbent.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import DataValidationError, InfeasibleError, SolverError
from ._backends import (
    SOLVERS,
    LinearProblem,
    SolveOut,
    lagrangian_bounds,
    run_solver,
    signed_duals,
)
from .enumerate import Groups

__all__ = ["PartitionResult", "relative_gap", "solve_partition", "solve_with_fixing"]


# columns per partition row in the cut-loop LP pool and in the restricted MIP (with cuts)
POOL_PER_ROW = 8
RESTRICTED_PER_ROW_CUT = 3


def relative_gap(objective: float, bound: float) -> float:
    """Relative optimality gap ``(bound - objective) / max(|bound|, |objective|, 1e-9)``.

    Zero when the objective is proven optimal; ``inf`` when no plan was found.
    """
    if not np.isfinite(objective):
        return float("inf")
    diff = max(bound - objective, 0.0)
    if diff <= 1e-9 * max(1.0, abs(bound)):
        return 0.0
    return float(diff / max(abs(bound), abs(objective), 1e-9))


@dataclass
class PartitionResult:
    """Outcome of :func:`solve_partition`.

    Attributes
    ----------
    chosen : numpy.ndarray
        Indices (into the ``Groups`` passed in) of the chosen groups, ascending.
    objective : float
        Sum of the chosen groups' values.
    bound : float
        Proven upper bound on the best possible objective.
    gap : float
        Relative gap, see :func:`relative_gap`.
    status : str
        ``"optimal"`` (gap within ``mip_gap``) or ``"time_limit"`` (a plan with a gap).
    solver : str
        Back end used for the MILPs.
    time_s : float
        Wall-clock seconds.
    n_columns : int
        Number of candidate groups passed in.
    n_columns_solved : int
        Columns left for the final MIP after fixing and reduced-cost fixing.
    n_blocks : int
        Independent blocks solved (decomposition).
    log : list of str
        One line per phase, for the curious.
    """

    chosen: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    solver: str
    time_s: float
    n_columns: int
    n_columns_solved: int = 0
    n_blocks: int = 1
    log: list[str] = field(default_factory=list)


def _name(labels, i) -> str:
    return str(labels[i]) if labels is not None else f"node {i}"


def _remaining(deadline):
    if deadline is None:
        return None
    return max(deadline - time.perf_counter(), 0.05)


def solve_with_fixing(
    problem: LinearProblem,
    *,
    solver: str = "highs",
    deadline: float | None = None,
    mip_gap: float = 0.0,
    threads: int | None = None,
    incumbent: np.ndarray | None = None,
    always_keep: np.ndarray | None = None,
    restricted_size: int | None = None,
    n_partition_rows: int | None = None,
    presolve: bool = True,
    verbose: bool = False,
    log: list[str] | None = None,
    lp: SolveOut | None = None,
    cut_rounds: int = 4,
) -> SolveOut:
    """Solve a maximisation MILP with LP bound, restricted-MIP incumbent and RC fixing.

    Parameters
    ----------
    problem : LinearProblem
        The MILP (maximisation).
    solver : {"highs", "cbc"}
        Back end for LPs and MILPs.
    deadline : float, optional
        ``time.perf_counter()`` value by which to stop.
    mip_gap : float
        Relative gap accepted by the final MIP.
    threads : int, optional
        Solver threads.
    incumbent : numpy.ndarray, optional
        A feasible solution to start from (e.g. from a heuristic).
    always_keep : numpy.ndarray of bool, optional
        Columns always kept in the restricted MIP (e.g. singletons, continuous linking
        variables).
    restricted_size : int, optional
        Number of lowest-reduced-cost columns in the restricted MIP (default
        ``max(8 * n_partition_rows, 2000)``).
    n_partition_rows : int, optional
        Rows that are partition constraints (default: all rows).
    presolve : bool
        If False, solve the full MILP directly (the naive baseline).
    lp : SolveOut, optional
        The LP relaxation if already solved (with row duals).
    cut_rounds : int
        Rounds of subset-row cuts on the packing rows before fixing (0 = none).

    Returns
    -------
    SolveOut
        ``x``, objective and a proven ``bound`` for the *full* problem.
    """
    log = log if log is not None else []
    n = problem.n_cols
    if not presolve:
        out = run_solver(problem, solver, time_limit=_remaining(deadline), mip_gap=mip_gap,
                         threads=threads, start=incumbent, verbose=verbose)
        log.append(f"direct MILP: {out.status}, obj {out.objective:.6g}, bound {out.bound:.6g}")
        return out
    t0 = time.perf_counter()
    if lp is None:
        lp = run_solver(problem, solver, integer=False, time_limit=_remaining(deadline),
                        threads=threads, verbose=verbose)
    if lp.status == "infeasible":
        return lp
    log.append(f"LP relaxation: {lp.status}, value {lp.objective:.6g} "
               f"({time.perf_counter() - t0:.2f}s)")
    if lp.row_dual is None or lp.status != "optimal":
        out = run_solver(problem, solver, time_limit=_remaining(deadline), mip_gap=mip_gap,
                         threads=threads, start=incumbent, verbose=verbose)
        log.append("no LP duals; direct MILP")
        return out
    ub, col_ub = lagrangian_bounds(problem, lp.row_dual)
    ub = min(ub, lp.bound) if np.isfinite(lp.bound) else ub
    int_mask = problem.integer

    def integral(xv):
        return xv is not None and bool(np.all(np.abs(xv[int_mask] - np.round(xv[int_mask]))
                                              <= 1e-7))

    if integral(lp.x):
        x = lp.x.copy()
        x[int_mask] = np.round(x[int_mask])
        log.append("LP optimum is integral: proven optimal")
        return SolveOut("optimal", x, float(problem.c @ x), max(ub, float(problem.c @ x)),
                        n_final=0)
    # subset-row cuts: a tighter LP bound, so reduced-cost fixing removes far more columns
    work, xl, loss = problem, lp.x, ub - col_ub
    triples: list = []
    if cut_rounds:
        t_cut = time.perf_counter()
        packing = _packing_rows(problem)
        n_pool_max = max(POOL_PER_ROW * (n_partition_rows or problem.n_rows), 1000)
        for _ in range(cut_rounds):
            if deadline is not None and time.perf_counter() > deadline - 0.5:
                break
            new = _separate_subset_rows(problem, xl, packing, set(triples))
            if not new:
                break
            triples += new
            work = _with_cuts(problem, triples)
            # LP over a pool of the most promising columns; the bound from its duals is
            # taken over *all* columns (lagrangian_bounds), so it stays valid
            pool = np.zeros(n, bool)
            pool[np.lexsort((np.arange(n), loss))[:n_pool_max]] = True
            pool |= (xl > 1e-9) | (always_keep if always_keep is not None else False)
            if incumbent is not None:
                pool |= np.asarray(incumbent) > 1e-9
            for pricing in range(10):  # price in the columns left out of the pool
                lpc = run_solver(work.columns(pool), solver, integer=False,
                                 time_limit=_remaining(deadline), threads=threads,
                                 verbose=verbose)
                if lpc.status != "optimal" or lpc.row_dual is None or pricing == 9:
                    break
                profit = work.c + work.A.T @ signed_duals(work, lpc.row_dual)  # -reduced cost
                enter = ~pool & (profit > 1e-9)
                if not enter.any():
                    break
                pool |= enter
            if lpc.status != "optimal" or lpc.row_dual is None:
                break
            ub_c, col_ub_c = lagrangian_bounds(work, lpc.row_dual)
            prev = ub
            ub = min(ub, ub_c)
            col_ub = np.minimum(col_ub, col_ub_c)
            loss = ub_c - col_ub_c
            xl = np.zeros(n)
            xl[pool] = lpc.x
            if integral(xl) and ub_c <= float(problem.c @ xl) + 1e-9 * max(1.0, abs(ub_c)):
                break
            if prev - ub <= 1e-6 * max(1.0, abs(ub)):
                break
        log.append(f"subset-row cuts: {len(triples)} in {time.perf_counter() - t_cut:.2f}s, "
                   f"bound {ub:.6g}")
    # restricted MIP over the most promising columns (the heuristic incumbent)
    keep_always = np.zeros(n, bool) if always_keep is None else always_keep.copy()
    per_row = RESTRICTED_PER_ROW_CUT if triples else 8
    size = restricted_size if restricted_size is not None else per_row * (n_partition_rows or problem.n_rows)
    order = np.lexsort((np.arange(n), loss))
    restricted = keep_always.copy()
    restricted[order[:size]] = True
    if xl is not None:
        restricted |= xl > 1e-9
    best_x, best_obj = None, -np.inf
    if incumbent is not None:
        best_x, best_obj = np.asarray(incumbent, float), float(problem.c @ incumbent)
        restricted |= best_x > 1e-9
    tol = 0.0
    survive = restricted
    restricted_optimal = False
    for attempt in range(3):
        t1 = time.perf_counter()
        sub = work.columns(restricted)
        start_sub = best_x[restricted] if best_x is not None else None
        rmip = run_solver(sub, solver, time_limit=_remaining(deadline), mip_gap=mip_gap,
                          threads=threads, start=start_sub, verbose=verbose)
        restricted_optimal = rmip.status == "optimal" and mip_gap == 0.0
        if rmip.x is not None and rmip.objective > best_obj:
            best_x = np.zeros(n)
            best_x[restricted] = rmip.x
            best_obj = float(problem.c @ best_x)
        log.append(f"restricted MIP on {int(restricted.sum())} columns: {rmip.status}, "
                   f"obj {best_obj:.6g} ({time.perf_counter() - t1:.2f}s)")
        if best_x is None:
            break
        tol = 1e-7 * max(1.0, abs(best_obj))
        survive = (col_ub >= best_obj - tol) | (best_x > 1e-9) | ~problem.integer
        n_new = int(np.sum(survive & ~restricted))
        # a weak incumbent leaves many survivors: widen the restricted MIP and try again
        if n_new <= restricted.sum() or attempt == 2 or (
                deadline is not None and time.perf_counter() > deadline - 1.0):
            break
        size *= 2
        restricted = restricted | keep_always
        restricted[order[:size]] = True
    if best_x is None:
        out = run_solver(problem, solver, time_limit=_remaining(deadline), mip_gap=mip_gap,
                         threads=threads, verbose=verbose)
        out.bound = min(out.bound, ub)
        log.append("no incumbent from the restricted MIP; full MILP")
        return out
    n_surv = int(survive.sum())
    log.append(f"reduced-cost fixing: {n_surv} of {n} columns can be in an optimal plan")
    if restricted_optimal and not np.any(survive & ~restricted):
        log.append("all surviving columns were in the restricted MIP: proven optimal")
        return SolveOut("optimal", best_x, best_obj, best_obj,
                        n_final=int(restricted.sum()))
    t2 = time.perf_counter()
    sub = work.columns(survive)
    out = run_solver(sub, solver, time_limit=_remaining(deadline), mip_gap=mip_gap,
                     threads=threads, start=best_x[survive], verbose=verbose)
    log.append(f"final MIP on {n_surv} columns: {out.status} ({time.perf_counter() - t2:.2f}s)")
    if out.x is not None and out.objective >= best_obj - tol:
        x = np.zeros(n)
        x[survive] = out.x
        best_x, best_obj = x, float(problem.c @ x)
    # plans using a fixed-out column are worth < incumbent, so the survivors' bound holds
    bound = min(ub, max(out.bound, best_obj)) if out.status != "infeasible" else ub
    status = "optimal" if relative_gap(best_obj, bound) <= mip_gap + 1e-12 else "time_limit"
    if out.status == "optimal":
        status = "optimal"
        bound = min(bound, max(out.bound, best_obj))
    return SolveOut(status, best_x, best_obj, max(bound, best_obj), n_final=n_surv)


def _packing_rows(problem: LinearProblem) -> np.ndarray:
    """Rows ``sum x_j <= 1`` or ``= 1`` whose columns are all 0/1 integer with coefficient 1.

    Subset-row cuts are valid on any three of them (see :func:`_separate_subset_rows`).
    """
    A = problem.A.tocsr()
    ok = (problem.row_hi == 1.0) & ((problem.row_lo == 1.0) | ~np.isfinite(problem.row_lo))
    binary = problem.integer & (problem.col_hi == 1.0)
    nnz = np.diff(A.indptr)
    good = (A.data == 1.0) & binary[A.indices]
    n_good = np.add.reduceat(good.astype(np.int64), A.indptr[:-1]) if A.nnz else \
        np.zeros(problem.n_rows, np.int64)
    n_good = np.where(nnz > 0, n_good, 0)
    return ok & (n_good == nnz) & (nnz > 0)


def _separate_subset_rows(problem: LinearProblem, x: np.ndarray, packing: np.ndarray,
                          known: set, max_cuts: int = 200) -> list[tuple[int, int, int]]:
    """Violated subset-row cuts on three packing rows ``S = {a, b, c}``.

    For 0/1 columns, two columns that each cover at least two rows of a three-row set must
    share a row, so at most one of them can be chosen::

        sum_{j : |rows(j) & S| >= 2} x_j <= 1

    is valid for every integer plan (Jepsen et al., 2008, with ``|S| = 3``). The left side
    at the LP point is ``W_ab + W_ac + W_bc - 2 T_abc`` with ``W`` the LP weight of the
    columns covering a pair and ``T`` of those covering all three. Returns the most
    violated triples first (ties by row index), at most ``max_cuts``.
    """
    A = problem.A.tocsc()
    frac = np.flatnonzero((x > 1e-6) & (x < 1 - 1e-6) & problem.integer)
    pair_w: dict[tuple[int, int], float] = {}
    trip_w: dict[tuple[int, int, int], float] = {}
    for j in frac:
        rows = A.indices[A.indptr[j]:A.indptr[j + 1]]
        rows = np.sort(rows[packing[rows]]).tolist()
        if len(rows) < 2:
            continue
        xj = float(x[j])
        for p in range(len(rows)):
            for q in range(p + 1, len(rows)):
                key = (rows[p], rows[q])
                pair_w[key] = pair_w.get(key, 0.0) + xj
                for r in range(q + 1, len(rows)):
                    key3 = (rows[p], rows[q], rows[r])
                    trip_w[key3] = trip_w.get(key3, 0.0) + xj
    nbr: dict[int, set] = {}
    for a, b in pair_w:
        nbr.setdefault(a, set()).add(b)
        nbr.setdefault(b, set()).add(a)
    found, seen = [], set()
    for (a, b), w_ab in pair_w.items():
        if w_ab <= 1e-6:
            continue
        for c in nbr[a] | nbr[b]:
            if c == a or c == b:
                continue
            t = tuple(sorted((a, b, c)))
            if t in seen or t in known:
                continue
            seen.add(t)
            lhs = (pair_w.get((t[0], t[1]), 0.0) + pair_w.get((t[0], t[2]), 0.0)
                   + pair_w.get((t[1], t[2]), 0.0) - 2.0 * trip_w.get(t, 0.0))
            if lhs > 1.0 + 1e-4:
                found.append((-lhs, t))
    found.sort()
    return [t for _, t in found[:max_cuts]]


def _with_cuts(problem: LinearProblem, triples: list) -> LinearProblem:
    """``problem`` with one subset-row cut row per triple appended (``<= 1``)."""
    if not triples:
        return problem
    tri = np.asarray(triples, dtype=np.int64)
    k = len(tri)
    sel = sp.csr_matrix((np.ones(3 * k), (np.repeat(np.arange(k), 3), tri.ravel())),
                        shape=(k, problem.n_rows))
    count = (sel @ problem.A.tocsc()).tocsr()
    count.data = (count.data >= 2).astype(float)
    count.eliminate_zeros()
    A = sp.vstack([problem.A, count]).tocsc()
    return LinearProblem(problem.c, A, np.concatenate([problem.row_lo, np.full(k, -np.inf)]),
                         np.concatenate([problem.row_hi, np.ones(k)]), problem.col_hi,
                         problem.integer)


def _as_index_groups(groups: Groups, fixed, labels) -> list[int]:
    idx = []
    problems = []
    for g in fixed or []:
        g = [int(v) for v in g]
        j = groups.index_of(g)
        if j < 0:
            problems.append(f"fixed group {[_name(labels, v) for v in g]} is not among the "
                            "candidate groups; pass it to enumerate_groups(include=...)")
        idx.append(j)
    if problems:
        raise InfeasibleError("Fixed arrangements cannot be kept:\n" +
                              "\n".join(f"  - {p}" for p in problems))
    return idx


def _node_mask(n: int, nodes, name: str) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    if nodes is None:
        return mask
    arr = np.asarray(nodes)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise DataValidationError(name, [f"boolean mask must have shape ({n},)"])
        return arr.copy()
    arr = arr.astype(np.int64).ravel()
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise DataValidationError(name, [f"node index outside 0..{n - 1}"])
    mask[arr] = True
    return mask


def solve_partition(
    groups: Groups,
    values,
    n_nodes: int | None = None,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    fixed_groups: Sequence[Iterable[int]] | None = None,
    must_group_nodes=None,
    max_new_partnerships=None,
    existing_groups: Sequence[Iterable[int]] | None = None,
    labels: Sequence[str] | None = None,
    decompose: bool = True,
    presolve: bool = True,
    threads: int | None = None,
    verbose: bool = False,
    start: Sequence[int] | None = None,
) -> PartitionResult:
    """Choose groups so that every active node is in exactly one, maximising total value.

    Parameters
    ----------
    groups : Groups
        Candidate groups from :func:`~partnerfit.grouping.enumerate_groups` (singletons
        are the "stay alone" option).
    values : array_like of shape (len(groups),)
        Value of each group (see :mod:`partnerfit.grouping.values`).
    n_nodes : int, optional
        Checked against ``groups.n_nodes`` when given.
    solver : {"highs", "cbc"}, default "highs"
        HiGHS through highspy, or CBC through PuLP.
    time_limit : float, optional
        Seconds for the whole solve; on expiry the best plan is returned with its gap.
    mip_gap : float, default 0.0
        Relative gap at which to stop (0 = prove optimality).
    fixed_groups : sequence of node lists, optional
        Groups that must be chosen as they are (existing arrangements kept).
    must_group_nodes : array_like of int or bool mask, optional
        Nodes that may not stay alone.
    max_new_partnerships : int or array_like of int, optional
        Per node, the largest number of *new* groups of two or more it may join (groups
        not in ``fixed_groups``/``existing_groups``). With one service only 0 is binding:
        the node keeps an existing group or stays alone.
    existing_groups : sequence of node lists, optional
        Groups that count as existing (not new) without being forced.
    labels : sequence of str, optional
        Node names (e.g. GSS codes) used in messages.
    decompose : bool, default True
        Solve independent blocks separately.
    presolve : bool, default True
        Use the LP bound, heuristic incumbent and reduced-cost fixing; False solves the
        plain MILP (the naive baseline).
    threads : int, optional
        Threads for CBC (HiGHS chooses its own thread pool once per process).
    verbose : bool
        Show solver logs.
    start : sequence of int, optional
        Indices of groups forming a plan to warm-start from (e.g. the previous solve of the
        same service with other values). In every independent block where it is a valid
        partition of the block's nodes it is the starting incumbent; elsewhere it is ignored.

    Returns
    -------
    PartitionResult

    Raises
    ------
    InfeasibleError
        If the constraints cannot all be met; the message names the councils and
        constraints in conflict.
    SolverError
        If the solver fails or is unavailable.
    """
    t_start = time.perf_counter()
    deadline = None if time_limit is None else t_start + float(time_limit)
    if solver not in SOLVERS:
        raise SolverError(f"unknown solver {solver!r}; use one of {', '.join(SOLVERS)}")
    n = groups.n_nodes
    if n_nodes is not None and int(n_nodes) != n:
        raise DataValidationError("solve_partition", [
            f"n_nodes={n_nodes} but the groups were enumerated for {n} nodes"])
    vals = np.asarray(values, dtype=float)
    if vals.shape != (len(groups),):
        raise DataValidationError("solve_partition", [
            f"values has shape {vals.shape}; expected ({len(groups)},), one per group"])
    if not np.all(np.isfinite(vals)):
        bad = np.flatnonzero(~np.isfinite(vals))[:10]
        raise DataValidationError("solve_partition", [
            f"group {[int(v) for v in groups.members[g] if v >= 0]} has a non-finite value "
            f"{vals[g]}" for g in bad])
    members = groups.members
    sizes = groups.sizes
    m = len(groups)
    log: list[str] = []
    prep = prepare_columns(groups, fixed_groups=fixed_groups, must_group_nodes=must_group_nodes,
                           max_new_partnerships=max_new_partnerships,
                           existing_groups=existing_groups, labels=labels)
    usable, fixed_idx, need, inc = prep.usable, prep.fixed_idx, prep.need, prep.incidence
    must_group = prep.must_group
    cols = np.flatnonzero(usable)
    start_mask = None
    if start is not None:
        start_idx = np.asarray(start, dtype=np.int64).ravel()
        if start_idx.size and (start_idx.min() < 0 or start_idx.max() >= m):
            raise DataValidationError("solve_partition", [
                f"start holds a group index outside 0..{m - 1}"])
        start_mask = np.zeros(m, dtype=bool)
        start_mask[start_idx] = True
        start_mask &= usable
    chosen = list(fixed_idx)
    objective = float(vals[fixed_idx].sum()) if fixed_idx else 0.0
    bound = objective
    status = "optimal"
    n_solved = 0
    # --- decomposition ----------------------------------------------------------------
    sub_members = members[cols]
    first = sub_members[:, 0]
    pairs = [np.stack([first, sub_members[:, p]], axis=1)
             for p in range(1, sub_members.shape[1])]
    pairs = np.concatenate(pairs) if pairs else np.zeros((0, 2), np.int64)
    pairs = pairs[pairs[:, 1] >= 0]
    if decompose:
        graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        _, comp = connected_components(graph, directed=False)
    else:
        comp = np.zeros(n, dtype=np.int64)
    col_comp = comp[first]
    blocks = [b for b in np.unique(comp[need])]
    sizes_blocks = {int(b): int(np.sum(need & (comp == b))) for b in blocks}
    # solve big blocks last so small ones do not starve; time is shared by size
    blocks.sort(key=lambda b: (sizes_blocks[int(b)], int(b)))
    remaining_nodes = sum(sizes_blocks.values())
    for b in blocks:
        bcols = cols[col_comp == b]
        bnodes = np.flatnonzero(need & (comp == b))
        if len(bcols) == 1:
            chosen.append(int(bcols[0]))
            objective += float(vals[bcols[0]])
            bound += float(vals[bcols[0]])
            remaining_nodes -= len(bnodes)
            continue
        share = None
        if deadline is not None:
            left = max(deadline - time.perf_counter(), 0.05)
            share = time.perf_counter() + left * len(bnodes) / max(remaining_nodes, 1)
        remaining_nodes -= len(bnodes)
        A = inc[bnodes][:, bcols].tocsc()
        ones = np.ones(len(bnodes))
        problem = LinearProblem(vals[bcols].copy(), A, ones, ones.copy(),
                                np.ones(len(bcols)), np.ones(len(bcols), dtype=bool))
        x0 = None
        if start_mask is not None:
            x0 = start_mask[bcols].astype(float)
            if not np.array_equal(A @ x0, ones):
                x0 = None  # not a partition of this block's nodes
        out = solve_with_fixing(problem, solver=solver, deadline=share, mip_gap=mip_gap,
                                threads=threads, always_keep=sizes[bcols] == 1,
                                presolve=presolve, verbose=verbose, log=log, incumbent=x0)
        n_solved += len(bcols) if out.n_final is None else out.n_final
        if out.status == "infeasible":
            raise InfeasibleError(_infeasible_message(bnodes, labels, must_group,
                                                      max_new_partnerships))
        if out.x is None:
            raise SolverError(f"{solver} found no plan within the time limit "
                              f"({out.message}); raise time_limit")
        pick = bcols[out.x > 0.5]
        chosen.extend(int(j) for j in pick)
        objective += float(vals[pick].sum())
        bound += float(out.bound)
        if out.status != "optimal":
            status = "time_limit"
    chosen_arr = np.array(sorted(chosen), dtype=np.int64)
    gap = relative_gap(objective, bound)
    if gap <= mip_gap + 1e-12:
        status = "optimal"
    return PartitionResult(chosen_arr, objective, max(bound, objective), gap, status, solver,
                           time.perf_counter() - t_start, m, n_solved, len(blocks), log)


@dataclass
class PreparedColumns:
    """Column filters of one service (see :func:`prepare_columns`)."""

    usable: np.ndarray  # bool per column, fixed groups excluded
    fixed_idx: list[int]
    existing_idx: set
    need: np.ndarray  # active nodes not covered by fixed groups
    covered: np.ndarray  # nodes covered by fixed groups
    must_group: np.ndarray
    incidence: sp.csc_matrix


def prepare_columns(groups: Groups, *, fixed_groups=None, must_group_nodes=None,
                    max_new_partnerships=None, existing_groups=None,
                    labels=None) -> PreparedColumns:
    """Apply the column-removing constraints of one service and check coverage.

    Parameters
    ----------
    groups : Groups
        Candidate groups.
    fixed_groups, must_group_nodes, max_new_partnerships, existing_groups, labels
        As in :func:`solve_partition`.

    Returns
    -------
    PreparedColumns

    Raises
    ------
    InfeasibleError
        If a fixed group is missing or overlaps another, or a council is left with no
        usable group; the message names them.
    """
    n = groups.n_nodes
    members = groups.members
    sizes = groups.sizes
    active = groups.active
    m = len(groups)

    # --- column filters -------------------------------------------------------------
    usable = np.ones(m, dtype=bool)
    usable &= np.all((members < 0) | active[np.maximum(members, 0)], axis=1)
    must_group = _node_mask(n, must_group_nodes, "must_group_nodes")
    single = sizes == 1
    usable[single & must_group[np.maximum(members[:, 0], 0)]] = False
    fixed_idx = _as_index_groups(groups, fixed_groups, labels)
    existing_idx = set(fixed_idx)
    for g in existing_groups or []:
        j = groups.index_of(g)
        if j >= 0:
            existing_idx.add(j)
    if max_new_partnerships is not None:
        cap = np.broadcast_to(np.asarray(max_new_partnerships), (n,)).astype(np.int64)
        is_new = (sizes >= 2)
        if existing_idx:
            is_new[list(existing_idx)] = False
        zero_cap = cap <= 0
        touches = np.any((members >= 0) & zero_cap[np.maximum(members, 0)], axis=1)
        usable &= ~(is_new & touches)
    # fixed groups: chosen, overlapping columns removed
    covered = np.zeros(n, dtype=bool)
    problems = []
    for j in fixed_idx:
        mem = members[j][members[j] >= 0]
        clash = mem[covered[mem]]
        if len(clash):
            problems.append(f"fixed groups overlap at {', '.join(_name(labels, v) for v in clash)}"
                            "; a council can be in only one group per service")
        if not active[mem].all():
            problems.append("fixed group " + str([_name(labels, v) for v in mem]) +
                            " includes a council that is left out (not allowed) for this service")
        covered[mem] = True
    if problems:
        raise InfeasibleError("Fixed arrangements conflict:\n" +
                              "\n".join(f"  - {p}" for p in problems))
    touches_fixed = np.any((members >= 0) & covered[np.maximum(members, 0)], axis=1)
    usable &= ~touches_fixed
    # coverage check: every active node not in a fixed group needs a usable column
    need = active & ~covered
    inc = groups.incidence()
    count = np.asarray(inc[:, usable].sum(axis=1)).ravel()
    orphan = np.flatnonzero(need & (count == 0))
    if len(orphan):
        raise InfeasibleError(_orphan_message(orphan, groups, usable, must_group,
                                              max_new_partnerships, covered, labels))
    return PreparedColumns(usable, fixed_idx, existing_idx, need, covered, must_group, inc)


def _orphan_message(orphan, groups, usable, must_group, max_new, covered, labels) -> str:
    inc = groups.incidence()
    total = np.asarray(inc.sum(axis=1)).ravel()
    lines = []
    for i in orphan:
        nm = _name(labels, i)
        if total[i] == 0:
            lines.append(f"{nm} has no candidate group at all: no neighbour it can join within "
                         "the size bounds, contiguity, distance and must/must-not pairs, and it "
                         "may not stay alone -- relax one of these")
            continue
        reasons = []
        if must_group[i]:
            reasons.append("it must be grouped and may not stay alone")
        if max_new is not None:
            reasons.append("max_new_partnerships forbids new groups for it or its neighbours")
        if covered.any():
            reasons.append("its possible partners are already taken by fixed arrangements")
        lines.append(f"{nm} cannot be placed in any group: " + "; ".join(
            reasons or ["every candidate group was removed by the constraints"]))
    return "No plan meets the constraints:\n" + "\n".join(f"  - {s}" for s in lines)


def _infeasible_message(nodes, labels, must_group, max_new) -> str:
    mg = [_name(labels, i) for i in nodes if must_group[i]]
    parts = ["the councils below cannot all be covered exactly once by the candidate groups"]
    if mg:
        parts.append("councils that must be grouped: " + ", ".join(mg[:20]) +
                     (" ..." if len(mg) > 20 else ""))
    if max_new is not None:
        parts.append("max_new_partnerships limits the groups they may join")
    names = ", ".join(_name(labels, i) for i in nodes[:30]) + (" ..." if len(nodes) > 30 else "")
    return ("No plan meets the constraints: " + "; ".join(parts) + f". Councils: {names}. "
            "Let some of them stay alone, or change the size bounds.")
