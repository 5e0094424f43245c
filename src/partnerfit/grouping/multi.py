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
gain) gives the incumbent. The joint LP's duals start a Lagrangian phase over the
pair-linking rows (one exact, warm-started partitioning solve per service per iteration; its
bound is the sum of the services' proven bounds). The joint MIP restricted to every column
those single-service solves chose combines their plans into a better incumbent. If time is
left, the joint model goes through the LP bound, reduced-cost fixing and a warm-started MIP
(:func:`partnerfit.grouping.model.solve_with_fixing`). The reported bound is a proven upper
bound on the joint optimum.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..errors import DataValidationError, InfeasibleError, SolverError
from ._backends import SOLVERS, LinearProblem, SolveOut, run_solver
from .enumerate import Groups
from .model import prepare_columns, relative_gap, solve_partition, solve_with_fixing

__all__ = ["MultiResult", "ServiceProblem", "consistency_value", "solve_services"]


@dataclass
class ServiceProblem:
    """One service's candidate groups, their values and its own constraints.

    Attributes
    ----------
    groups : Groups
        Candidate groups for this service (eligibility already applied).
    values : numpy.ndarray
        Value of each group for this service.
    fixed_groups : list of node lists, optional
        Existing arrangements kept as they are.
    must_group_nodes : array_like, optional
        Nodes that may not stay alone in this service.
    existing_groups : list of node lists, optional
        Groups that are existing (not new) partnerships without being forced.
    """

    groups: Groups
    values: np.ndarray
    fixed_groups: list | None = None
    must_group_nodes: object = None
    existing_groups: list | None = None


@dataclass
class MultiResult:
    """Outcome of :func:`solve_services`.

    Attributes
    ----------
    chosen : dict
        Service name -> ascending indices of the chosen groups in that service's ``Groups``.
    objective, bound, gap : float
        Joint objective (group values plus consistency value), proven bound, relative gap.
    status : str
        ``"optimal"`` or ``"time_limit"``.
    service_values : dict
        Service name -> sum of the chosen groups' values in that service.
    consistency : float
        Consistency value earned.
    heuristic_objective : float
        Objective of the coordinate-ascent incumbent.
    """

    chosen: dict
    objective: float
    bound: float
    gap: float
    status: str
    solver: str
    time_s: float
    n_columns: int
    n_columns_solved: int
    service_values: dict
    consistency: float
    heuristic_objective: float
    log: list[str] = field(default_factory=list)


def _pair_list(members: np.ndarray):
    """All (column, a, b) with a < b members of the column."""
    cols, aa, bb = [], [], []
    w = members.shape[1]
    idx = np.arange(members.shape[0])
    for p in range(w):
        for q in range(p + 1, w):
            ok = (members[:, p] >= 0) & (members[:, q] >= 0)
            cols.append(idx[ok])
            aa.append(members[ok, p])
            bb.append(members[ok, q])
    if not cols:
        z = np.zeros(0, np.int64)
        return z, z, z
    return np.concatenate(cols), np.concatenate(aa), np.concatenate(bb)


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
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + float(time_limit)
    if solver not in SOLVERS:
        raise SolverError(f"unknown solver {solver!r}; use one of {', '.join(SOLVERS)}")
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
        sp_ = services[s]
        v = np.asarray(sp_.values, dtype=float)
        if v.shape != (len(sp_.groups),) or not np.all(np.isfinite(v)):
            problems.append(f"service {s!r}: values must be finite, one per group")
    if problems:
        raise DataValidationError("solve_services", problems)
    log: list[str] = []

    # ---- columns per service ----------------------------------------------------------
    blocks = []  # per service: dict(cols, vals, members, need)
    for s in names:
        spec = services[s]
        try:
            prep = prepare_columns(spec.groups, fixed_groups=spec.fixed_groups,
                                   must_group_nodes=spec.must_group_nodes,
                                   max_new_partnerships=max_new_partnerships,
                                   existing_groups=spec.existing_groups, labels=labels)
        except InfeasibleError as exc:
            raise InfeasibleError(f"Service {s!r}: {exc}") from exc
        usable = prep.usable.copy()
        usable[prep.fixed_idx] = True  # kept as the only columns covering their nodes
        cols = np.flatnonzero(usable)
        mem = spec.groups.members[cols]
        new = spec.groups.sizes[cols] >= 2
        ex = np.array([c in prep.existing_idx for c in cols], dtype=bool)
        blocks.append({"name": s, "cols": cols, "members": mem,
                       "vals": np.asarray(spec.values, float)[cols],
                       "need": prep.need | prep.covered, "new": new & ~ex})
    # ---- pairs that can be shared in two or more services ------------------------------
    pair_keys_by_s = []
    for b in blocks:
        c, a, bb = _pair_list(b["members"])
        key = a * n + bb
        b["pair_col"], b["pair_key"] = c, key
        pair_keys_by_s.append(np.unique(key))
    allk, cnt = np.unique(np.concatenate(pair_keys_by_s), return_counts=True) \
        if pair_keys_by_s else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    pk = allk[cnt >= 2]
    pk = pk[beta[pk // n, pk % n] > 0]
    pbeta = beta[pk // n, pk % n]
    n_pairs = len(pk)

    # ---- joint LinearProblem --------------------------------------------------------------
    col_off, c_parts, rows_i, rows_j, rows_v = 0, [], [], [], []
    row_off = 0
    row_lo, row_hi = [], []
    for b in blocks:
        ncol = len(b["cols"])
        bonus = np.zeros(ncol)
        pos = np.searchsorted(pk, b["pair_key"])
        posc = np.minimum(pos, max(n_pairs - 1, 0))
        hit = (pos < n_pairs) & (pk[posc] == b["pair_key"]) if n_pairs else \
            np.zeros(len(pos), bool)
        np.add.at(bonus, b["pair_col"][hit], pbeta[posc[hit]])
        b["bonus"] = bonus
        b["pidx"], b["hcol"] = posc[hit], b["pair_col"][hit]
        c_parts.append(b["vals"] + bonus)
        # partition rows
        need_nodes = np.flatnonzero(b["need"])
        node_row = -np.ones(n, np.int64)
        node_row[need_nodes] = row_off + np.arange(len(need_nodes))
        mm = b["members"]
        colidx = np.repeat(np.arange(ncol), mm.shape[1]).reshape(mm.shape)
        ok = mm >= 0
        rows_i.append(node_row[mm[ok]])
        rows_j.append(col_off + colidx[ok])
        rows_v.append(np.ones(int(ok.sum())))
        row_lo.append(np.ones(len(need_nodes)))
        row_hi.append(np.ones(len(need_nodes)))
        row_off += len(need_nodes)
        # pair rows: sum_{g ∋ pair} x[g,s] - u_pair <= 0  (rows numbered by pair index)
        if n_pairs:
            present = np.unique(posc[hit])
            prow = -np.ones(n_pairs, np.int64)
            prow[present] = row_off + np.arange(len(present))
            rows_i.append(prow[posc[hit]])
            rows_j.append(col_off + b["pair_col"][hit])
            rows_v.append(np.ones(int(hit.sum())))
            b["prow"] = prow
            b["present"] = present
            row_lo.append(np.full(len(present), -np.inf))
            row_hi.append(np.zeros(len(present)))
            row_off += len(present)
        b["col_off"] = col_off
        col_off += ncol
    n_x = col_off
    # u columns
    u_off = n_x
    for b in blocks:
        if n_pairs:
            rows_i.append(b["prow"][b["present"]])
            rows_j.append(u_off + b["present"])
            rows_v.append(-np.ones(len(b["present"])))
    c_parts.append(-pbeta)
    n_cols = n_x + n_pairs
    # y columns for max_new_partnerships
    y_keys = None
    if max_new_partnerships is not None:
        cap = np.broadcast_to(np.asarray(max_new_partnerships), (n,)).astype(float)
        keyrows = []
        for b in blocks:
            mm = b["members"][b["new"]]
            keyrows.append(np.where(mm < 0, n, mm))
        w = max(k.shape[1] for k in keyrows)
        keyrows = [np.pad(k, ((0, 0), (0, w - k.shape[1])), constant_values=n)
                   for k in keyrows]
        allrows = np.concatenate(keyrows)
        y_keys, inv = np.unique(allrows, axis=0, return_inverse=True)
        inv = inv.ravel()
        n_y = len(y_keys)
        start = 0
        for b in blocks:
            idx_new = np.flatnonzero(b["new"])
            ids = inv[start:start + len(idx_new)]
            start += len(idx_new)
            r = row_off + np.arange(len(idx_new))
            rows_i += [r, r]
            rows_j += [b["col_off"] + idx_new, n_cols + ids]
            rows_v += [np.ones(len(idx_new)), -np.ones(len(idx_new))]
            row_lo.append(np.full(len(idx_new), -np.inf))
            row_hi.append(np.zeros(len(idx_new)))
            row_off += len(idx_new)
        # per node: sum of y over groups containing it <= cap
        gi, gn = np.nonzero(y_keys < n)
        nodes = y_keys[gi, gn]
        rows_i.append(row_off + nodes)
        rows_j.append(n_cols + gi)
        rows_v.append(np.ones(len(gi)))
        row_lo.append(np.full(n, -np.inf))
        row_hi.append(cap.copy())
        row_off += n
        c_parts.append(np.zeros(n_y))
        n_cols += n_y
    A = sp.csc_matrix((np.concatenate(rows_v), (np.concatenate(rows_i),
                                                 np.concatenate(rows_j))),
                      shape=(row_off, n_cols))
    c = np.concatenate(c_parts)
    integer = np.zeros(n_cols, dtype=bool)
    integer[:n_x] = True
    problem = LinearProblem(c, A, np.concatenate(row_lo), np.concatenate(row_hi),
                            np.ones(n_cols), integer)
    log.append(f"joint model: {n_x} group columns, {n_pairs} pair variables, "
               f"{row_off} rows")
    # columns every restricted model keeps: the continuous ones and each council alone
    always = ~integer
    for b in blocks:
        always[b["col_off"]:b["col_off"] + len(b["cols"])] |= \
            (b["members"] >= 0).sum(axis=1) == 1

    def full_x(choice: list[np.ndarray]) -> np.ndarray:
        x = np.zeros(n_cols)
        for b, ch in zip(blocks, choice):
            x[b["col_off"] + ch] = 1.0
        if n_pairs:
            for b in blocks:
                sel = x[b["col_off"]:b["col_off"] + len(b["cols"])]
                p = np.zeros(n_pairs)
                hit_cols = sel[b["pair_col"]] > 0.5
                pos = np.searchsorted(pk, b["pair_key"][hit_cols])
                ok = (pos < n_pairs)
                ok[ok] &= pk[pos[ok]] == b["pair_key"][hit_cols][ok]
                p[pos[ok]] = 1.0
                x[u_off:u_off + n_pairs] = np.maximum(x[u_off:u_off + n_pairs], p)
        if y_keys is not None:
            # y = max of x over the group's services
            yx = np.zeros(len(y_keys))
            Ay = A[:, n_cols - len(y_keys):].tocsr()
            Ax = A[:, :n_x].tocsr()
            rows_y = np.flatnonzero(np.asarray((Ay < 0).sum(axis=1)).ravel() > 0)
            xv = Ax[rows_y] @ x[:n_x]
            yid = Ay[rows_y].indices
            np.maximum.at(yx, yid, xv)
            x[n_cols - len(y_keys):] = yx
        return x

    def pairs_together(b, ch) -> np.ndarray:
        sel = np.zeros(len(b["cols"]), dtype=bool)
        sel[ch] = True
        p = np.zeros(n_pairs)
        p[b["pidx"][sel[b["hcol"]]]] = 1.0
        return p

    def joint_value(choice) -> float:
        val = sum(float(b["vals"][ch].sum()) for b, ch in zip(blocks, choice))
        if n_pairs:
            k = sum(pairs_together(b, ch) for b, ch in zip(blocks, choice))
            val += float(np.sum(pbeta * np.maximum(k - 1.0, 0.0)))
        return val

    # every column any single-service solve chose: the restricted joint MIP's columns
    pool = np.zeros(n_cols, dtype=bool)

    def solve_one(si, vals, gap=1e-6, start=None, until=None):
        b = blocks[si]
        out = _solve_block(b, vals, services[b["name"]], solver, max_new_partnerships,
                           labels, deadline if until is None else until, threads, gap,
                           verbose, start)
        pool[b["col_off"] + out[0]] = True
        return out

    def restricted_joint(choice):
        """Best joint plan using only pooled columns (a heuristic: the bound is untouched)."""
        keep = pool | always
        x0 = full_x(choice) if is_feasible(choice) else None
        t_r = time.perf_counter()
        out = run_solver(problem.columns(keep), solver, mip_gap=mip_gap, threads=threads,
                         time_limit=None if deadline is None else
                         max(deadline - time.perf_counter() - 0.5, 0.1),
                         start=None if x0 is None else x0[keep], verbose=verbose)
        log.append(f"restricted joint MIP on {int(keep[:n_x].sum())} pooled columns: "
                   f"{out.status}, obj {out.objective:.6g} ({time.perf_counter() - t_r:.1f}s)")
        if out.x is None:
            return None
        x = np.zeros(n_cols)
        x[keep] = out.x
        return [np.flatnonzero(x[b["col_off"]:b["col_off"] + len(b["cols"])] > 0.5)
                for b in blocks]

    def ascent(choice, rounds):
        """Block coordinate ascent: re-solve each service given the others."""
        cur = joint_value(choice)
        for _ in range(rounds):
            improved = False
            for si, b in enumerate(blocks):
                if deadline is not None and time.perf_counter() > deadline - 1:
                    return choice, cur
                k_other = sum((pairs_together(b2, choice[sj]) for sj, b2 in enumerate(blocks)
                               if sj != si), np.zeros(n_pairs))
                gain = np.where(k_other[b["pidx"]] >= 1, pbeta[b["pidx"]], 0.0)
                bonus = np.bincount(b["hcol"], weights=gain, minlength=len(b["cols"]))
                trial = list(choice)
                trial[si] = solve_one(si, b["vals"] + bonus, start=choice[si])[0]
                val = joint_value(trial)
                if val > cur + 1e-9:
                    choice, cur, improved = trial, val, True
            if not improved:
                break
        return choice, cur

    def is_feasible(choice) -> bool:
        return y_keys is None or _feasible(problem, full_x(choice))

    # ---- heuristic incumbent: block coordinate ascent ------------------------------------
    incumbent = None
    heur_obj = -np.inf
    lag_bound = np.inf
    lp = None
    if presolve:
        first = [solve_one(si, b["vals"]) for si, b in enumerate(blocks)]
        choice = [ch for ch, _ in first]
        if not n_pairs and y_keys is None:  # services are independent: bounds add up
            lag_bound = float(sum(bd for _, bd in first))
        log.append(f"independent services: objective {joint_value(choice):.6g}")
        if n_pairs:
            choice, _ = ascent(choice, heuristic_rounds)
        best_choice, best_val = choice, joint_value(choice)
        if is_feasible(choice):
            incumbent, heur_obj = full_x(choice), best_val
        log.append(f"coordinate ascent: objective {best_val:.6g} "
                   f"({time.perf_counter() - t0:.1f}s)")
        # ---- LP bound and Lagrangian decomposition over services -------------------------
        if n_pairs:
            t_lp = time.perf_counter()
            lp = run_solver(problem, solver, integer=False, threads=threads, verbose=verbose,
                            time_limit=None if deadline is None else
                            max(deadline - time.perf_counter(), 0.1))
            log.append(f"joint LP bound {lp.bound:.6g} ({time.perf_counter() - t_lp:.1f}s)")
            if lp.status == "optimal" and lp.row_dual is not None:
                lag_bound = lp.bound
                lam = []
                for b in blocks:
                    lam_s = np.zeros(n_pairs)
                    rows = b["prow"][b["present"]]
                    lam_s[b["present"]] = np.maximum(-lp.row_dual[rows], 0.0)
                    lam.append(lam_s)
                res = _lagrangian(blocks, lam, pbeta, n_pairs, solve_one, pairs_together,
                                  joint_value, is_feasible, best_val, mip_gap,
                                  None if deadline is None else deadline - COMBINE_S,
                                  t0, lagrangian_iters, log)
                lag_bound = min(lag_bound, res[0])
                if res[2] > best_val:
                    best_choice, best_val = res[1], res[2]
                if res[1] is not None and relative_gap(best_val, lag_bound) > mip_gap:
                    polished, val = ascent(res[1], 2)
                    if val > best_val and is_feasible(polished):
                        best_choice, best_val = polished, val
                if relative_gap(best_val, lag_bound) > mip_gap:
                    combined = restricted_joint(best_choice)
                    if combined is not None:
                        val = joint_value(combined)
                        if val > best_val + 1e-9 and is_feasible(combined):
                            best_choice, best_val = combined, val
                if is_feasible(best_choice) and best_val > heur_obj:
                    incumbent, heur_obj = full_x(best_choice), best_val
                log.append(f"Lagrangian phase: bound {lag_bound:.6g}, best plan "
                           f"{best_val:.6g}, gap {relative_gap(best_val, lag_bound):.3%}")
    if incumbent is not None and relative_gap(heur_obj, lag_bound) <= mip_gap + 1e-12:
        out = SolveOut("optimal", incumbent, heur_obj, max(lag_bound, heur_obj))
    elif incumbent is not None and deadline is not None and \
            deadline - time.perf_counter() < 5.0:
        out = SolveOut("time_limit", incumbent, heur_obj, max(lag_bound, heur_obj))
    else:
        out = solve_with_fixing(problem, solver=solver, deadline=deadline, mip_gap=mip_gap,
                                threads=threads, incumbent=incumbent, always_keep=always,
                                n_partition_rows=int(sum(b["need"].sum() for b in blocks)),
                                presolve=presolve, verbose=verbose, log=log, lp=lp,
                                cut_rounds=0)  # joint LPs are slow: no cut rounds here
        if out.x is None and incumbent is not None:
            out = SolveOut("time_limit", incumbent, heur_obj, lag_bound)
        elif out.x is not None and incumbent is not None and \
                float(c @ out.x) < heur_obj - 1e-9:
            out.x = incumbent
        out.bound = min(out.bound, lag_bound) if out.status != "infeasible" else out.bound
    if out.status == "infeasible":
        raise InfeasibleError("No joint plan meets the constraints: max_new_partnerships "
                              "cannot be met together with the councils that must be grouped; "
                              "raise max_new_partnerships or let some councils stay alone")
    if out.x is None:
        raise SolverError(f"{solver} found no joint plan within the time limit; raise "
                          "time_limit")
    x = out.x
    chosen, service_values = {}, {}
    for b in blocks:
        sel = np.flatnonzero(x[b["col_off"]:b["col_off"] + len(b["cols"])] > 0.5)
        chosen[b["name"]] = b["cols"][sel]
        service_values[b["name"]] = float(b["vals"][sel].sum())
    plan_groups = {s: services[s].groups.members[chosen[s]] for s in names}
    cons = consistency_value({s: [r[r >= 0] for r in g] for s, g in plan_groups.items()},
                             beta, n)
    objective = float(sum(service_values.values()) + cons)
    bound = max(float(out.bound), objective)
    gap = relative_gap(objective, bound)
    status = "optimal" if gap <= mip_gap + 1e-12 else "time_limit"
    return MultiResult(chosen, objective, bound, gap, status, solver, time.perf_counter() - t0,
                       n_x, int(n_cols), service_values, cons, heur_obj, log)


def _feasible(problem: LinearProblem, x: np.ndarray, tol: float = 1e-7) -> bool:
    act = problem.A @ x
    return bool(np.all(act >= problem.row_lo - tol) and np.all(act <= problem.row_hi + tol))


def _solve_block(b, vals, spec: ServiceProblem, solver, max_new, labels, deadline, threads,
                 gap=0.0, verbose=False, start=None):
    """Single-service solve on the block's columns; returns (chosen block indices, bound)."""
    groups = spec.groups.subset(b["cols"])
    fixed = spec.fixed_groups
    tl = None if deadline is None else max(deadline - time.perf_counter(), 0.5)
    res = solve_partition(groups, vals, solver=solver, time_limit=tl, fixed_groups=fixed,
                          must_group_nodes=spec.must_group_nodes,
                          max_new_partnerships=max_new, existing_groups=spec.existing_groups,
                          labels=labels, threads=threads, mip_gap=gap, verbose=verbose,
                          start=start)
    return res.chosen, res.bound


# seconds of the time limit left for the restricted joint MIP after the Lagrangian phase
COMBINE_S = 1.0
# first step scale of the subgradient method; halved after two iterations without a better
# bound (starting large and halving beat a smaller constant start on the multi bench)
THETA0 = 2.0


def _lagrangian(blocks, lam, pbeta, n_pairs, solve_one, pairs_together, joint_value,
                is_feasible, best_val, mip_gap, deadline, t0, max_iter, log):
    """Subgradient optimisation of the Lagrangian dual of the pair-linking rows.

    Relaxing ``sum_g x[g,s] - u[p] <= 0`` with multipliers ``lam[s][p] >= 0`` splits the
    joint model into one exact partitioning problem per service (values
    ``v + sum over pairs of (beta - lam)``) plus ``max(0, sum_s lam - beta)`` per pair.
    For *any* ``lam >= 0`` the sum of the services' proven bounds and that term is an
    upper bound on the joint optimum; each service's plan is also a feasible joint plan.

    Returns (best bound, best plan found, its value).
    """
    best_bound, best_choice, theta, stall, it = np.inf, None, THETA0, 0, -1
    start = time.perf_counter()
    budget = None if deadline is None else deadline - 0.5
    last, before, done = 0.0, 0.0, 0
    prev = None  # last iteration's plans: each is a warm start for its service
    for it in range(max_iter):
        t_it = time.perf_counter()
        # stop when another iteration would overrun the time limit: as long as the last
        # one, longer if iterations are growing (they do as the multipliers move)
        growth = max(1.0, last / before) if before > 0 else 1.0
        if budget is not None and t_it + last * growth > budget:
            break
        done = it + 1
        z, plans, together = 0.0, [], []
        weights = [b["vals"] + b["bonus"] - np.bincount(b["hcol"], weights=lam[si][b["pidx"]],
                                                        minlength=len(b["cols"]))
                   for si, b in enumerate(blocks)]
        # sequential on purpose: concurrent HiGHS solves in threads are not reliable
        # each service exactly: with warm starts this is as fast as a loose gap, and a
        # loose gap's proven bound is looser, which slows the bound's descent
        # (a solve cut short by the phase's deadline still returns a proven bound)
        outs = [solve_one(si, weights[si], start=None if prev is None else prev[si],
                          until=budget)
                for si in range(len(blocks))]
        for b, (ch, bound) in zip(blocks, outs):
            z += bound
            plans.append(ch)
            together.append(pairs_together(b, ch))
        lam_sum = np.sum(lam, axis=0)
        value = z + float(np.maximum(lam_sum - pbeta, 0.0).sum())
        if value < best_bound - 1e-9 * max(1.0, abs(value)):
            best_bound, stall = value, 0
        else:
            stall += 1
            if stall >= 2:
                theta, stall = theta / 2, 0
        prev = plans
        val = joint_value(plans)
        log.append(f"  iteration {it + 1}: value {value:.6g}, plans {val:.6g}, "
                   f"theta {theta:.3g} ({time.perf_counter() - t_it:.1f}s)")
        if val > best_val and is_feasible(plans):
            best_val, best_choice = val, plans
        if relative_gap(best_val, best_bound) <= mip_gap + 1e-12:
            break
        over = (lam_sum > pbeta + 1e-12).astype(float)
        grads = [over - p for p in together]
        norm2 = float(sum(np.dot(g, g) for g in grads))
        if norm2 == 0:
            break
        step = theta * (value - best_val) / norm2
        last, before = time.perf_counter() - t_it, last
        for si, g in enumerate(grads):
            lam[si] = np.maximum(lam[si] - step * g, 0.0)
            mask = np.zeros(n_pairs, dtype=bool)
            mask[blocks[si]["present"]] = True
            lam[si][~mask] = 0.0
    log.append(f"Lagrangian: {done} iterations ({time.perf_counter() - start:.1f}s)")
    return best_bound, best_choice, best_val
