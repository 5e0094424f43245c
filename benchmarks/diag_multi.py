"""Why the joint bound of the multi-service benchmark is weak (python benchmarks/diag_multi.py).

The instance is section 4 of ``bench_grouping.py`` (five services on the 300-node planar
map, groups of up to 4, consistency ``--beta``); ``--n 60`` takes the 60 nodes nearest the
middle instead, small enough for the exact joint MILP (``--exact``). Printed:

1. the sum of the services' own optima (no consistency value);
2. the plan of ``solve_services`` (``--limit`` s): its group values and consistency value;
3. the joint LP: its value split the same way (group values, and ``beta * (k - u)`` summed
   over the pairs: the consistency value the LP credits), and how fractional it is;
4. the Lagrangian value at the LP's duals: each service solved exactly with its priced
   pair values (the bound of the decomposition by service), beside each service's LP value
   at the same prices -- the difference is all that decomposing by service can take off
   the LP bound at those prices;
4b. with ``--subgradient K``: the Lagrangian bound after up to K subgradient iterations from
   the LP's duals (first step scale ``--theta``, at most ``--subgradient-limit`` s); each
   iteration's line is printed as it comes;
4c. with ``--regions R``: the bound of the joint model split into regions of about R nodes
   (k-means on the map, seeded), each solved exactly within ``--region-limit`` s, the
   groups crossing regions priced from the LP's duals (:func:`region_bound`; the regions'
   LPs add up to the joint LP, printed as a check);
4d. with ``--windows W``: the plan re-solved exactly on windows of W nodes until a pass
   gains nothing (:func:`partnerfit.grouping.windows.window_search`);
5. with ``--exact``: the optimum of the joint MILP, to place the plan and the bounds.

Findings (this machine, beta=0.5). On all 300 nodes the services' optima add to 2136.88;
the plan (60 s) is 2682.94 = 2061.94 group values + 621.00 consistency; the LP is 2743.29 =
2022.71 group values + 720.58 consistency (about 370 fractional columns per service): it
credits 100 more consistency than the plan earns. For one pair alone the LP's credit
(shares summed, less the largest) is the best any mix of whole plans gives it; the excess
comes from mixing plans in which the same pair shares different services. Bounds, against
the plan: Lagrangian at the LP duals 2737.64 (2.00% above; the services' own integrality
gaps at those prices add to 5.6); after 23 iterations at step scale 0.5 2733.80 (1.86%,
395 s beside a test run); regions of about 30 nodes 2730.22 (1.73%, 95 s); HiGHS's cuts on the whole
joint MIP (a separate run) 2742.80 after 256 s. Re-solving the plan on windows of 60 nodes
until no gain raised it to 2684.79 (+0.07%, 153 s). So neither side is easily moved, and
the bound is at least 1.7% above the plan however it is computed here. (Before MIPs under a limit
ran without HiGHS's restarts, ``--subgradient 40 --subgradient-limit 240`` had a service
solve run 7 minutes past the limit in its 24th iteration, in HiGHS's MIP presolve re-run at
a restart from the root node, which does not look at the clock.)

On the 60-node middle (exact optimum 536.07 in 151 s) the plan equals the optimum, the LP
is 1.6% above it, the converged Lagrangian bound (270 iterations) 0.65%, and regions of
about 20 nodes solved exactly 0.41% (``--n 60 --regions 20``). Cuts from each council's
groups across services (the tuple polytope of each council over the groups the LP uses),
tried on the same 60 nodes, lowered the LP by 0.5 of its 8.7 above the optimum: not pursued.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grouping import planar_instance

from partnerfit.grouping import (
    ServiceProblem,
    clock,
    enumerate_groups,
    pairwise_values,
    solve_partition,
    solve_services,
)
from partnerfit.grouping._backends import LinearProblem, run_solver, signed_duals
from partnerfit.grouping.joint import build_joint_model
from partnerfit.grouping.model import solve_service
from partnerfit.grouping.multi import ServiceSolves, _lp_multipliers, subgradient_bound
from partnerfit.grouping.options import SolverOptions
from partnerfit.grouping.windows import window_search


def subset(n: int, seed: int = 0):
    """bench_grouping's 300-node map and the ``n`` nodes nearest its middle (sorted)."""
    pts, edges, dist, score = planar_instance(300, seed)
    centre = int(np.argmin(np.linalg.norm(pts - pts.mean(axis=0), axis=1)))
    return pts, edges, score, np.sort(np.argsort(dist[centre])[:n])


def instance(n: int, seed: int = 0):
    """The services of bench_grouping's multi section, on the ``n`` nodes nearest the
    middle of its 300-node map (all 300 for ``n=300``)."""
    _, edges, score, sub = subset(n, seed)
    rng = np.random.default_rng(seed + 1)
    noises = []
    for _ in range(5):
        noise = rng.normal(0, 1, (300, 300))
        noises.append((noise + noise.T) / 2)
    pos = -np.ones(300, np.int64)
    pos[sub] = np.arange(n)
    e = edges[(pos[edges[:, 0]] >= 0) & (pos[edges[:, 1]] >= 0)]
    g = enumerate_groups(n, pos[e], 2, 4)
    return {f"service_{s}": ServiceProblem(g, pairwise_values(g, (score + noises[s])[
        np.ix_(sub, sub)])) for s in range(5)}


def lp_parts(model, x):
    """Group values and credited consistency ``sum beta (k - u)`` of a joint solution."""
    vals = sum(float(b.vals @ x[b.col_off:b.col_off + b.n_cols]) for b in model.blocks)
    k = np.zeros(model.n_pairs)
    for b in model.blocks:
        np.add.at(k, b.pidx, x[b.col_off:b.col_off + b.n_cols][b.hcol])
    u = x[model.n_x:model.n_x + model.n_pairs]
    return vals, float(model.pair_beta @ (k - u))


def lagrangian_at_lp_duals(model, services, lp):
    """Per service: (LP value, exact value) with the pair rows priced at the LP duals, and
    the pair variables' term; their sums are the LP bound and the Lagrangian bound."""
    rows = []
    lam_sum = np.zeros(model.n_pairs)
    opts = SolverOptions("highs", mip_gap=1e-6)
    for b in model.blocks:
        lam = _lp_multipliers(b.prow[b.present], b.present, lp.row_dual, model.n_pairs)
        lam_sum += lam
        w = b.vals + b.bonus - np.bincount(b.hcol, weights=lam[b.pidx], minlength=b.n_cols)
        prob = replace(services[b.name], groups=services[b.name].groups.subset(b.cols),
                       values=w)
        res = solve_service(prob, opts)
        # one "LP relaxation" line per independent block of the service
        lp_val = sum(float(line.split("value ")[1].split()[0]) for line in res.log
                     if line.startswith("LP relaxation"))
        rows.append((b.name, lp_val, res.bound))
    return rows, float(np.maximum(lam_sum - model.pair_beta, 0.0).sum())


class Echo(list):
    """A log that also prints each line as it comes (long phases show their progress)."""

    def append(self, line):
        print(f"   {line}", flush=True)
        super().append(line)


def row_owners(model) -> np.ndarray:
    """Per row of the joint model (no caps): the node of a partition row, the first node of
    the pair of a pair-linking row (rows are laid out block by block, partition rows
    first)."""
    owner = -np.ones(model.problem.n_rows, np.int64)
    r = 0
    for b in model.blocks:
        need = np.flatnonzero(b.need)
        owner[r:r + len(need)] = need
        r += len(need)
        assert not len(b.present) or b.prow[b.present[0]] == r
        owner[b.prow[b.present]] = model.pair_keys[b.present] // model.n
        r += len(b.present)
    assert r == model.problem.n_rows and np.all(owner >= 0)
    return owner


def region_bound(model, lp, region, limit):
    """Bound from the joint model split into regions (Lagrangian decomposition).

    Each row goes to the region of its owner (:func:`row_owners`); a column in rows of
    several regions gets one copy per region, the copies' agreement is priced. With the
    LP's duals ``y``, a copy's value is the dual value of its region's rows plus an equal
    share of the column's reduced cost, so the regions' LPs add up to the joint LP; solving
    each region's MIP instead (its proven bound within ``limit`` s) can only lower the sum.
    Returns (bound, sum of the regions' LP values, seconds).
    """
    P = model.problem
    rows_of = region[row_owners(model)]
    A = P.A.tocsc()
    y = signed_duals(P, lp.row_dual)
    reduced = P.c + A.T @ y
    coo = A.tocoo()
    touch = np.zeros((P.n_cols, region.max() + 1), bool)
    touch[coo.col, rows_of[coo.row]] = True
    n_touch = touch.sum(axis=1)
    total = total_lp = 0.0
    t0 = time.perf_counter()
    for r in range(region.max() + 1):
        rows = np.flatnonzero(rows_of == r)
        cols = np.flatnonzero(touch[:, r])
        sub = A[rows][:, cols].tocsc()
        value = reduced[cols] / n_touch[cols] - sub.T @ y[rows]
        prob = LinearProblem(value, sub, P.row_lo[rows], P.row_hi[rows], P.col_hi[cols],
                             P.integer[cols])
        total_lp += run_solver(prob, SolverOptions("highs"), integer=False).bound
        total += run_solver(prob, SolverOptions("highs", time_limit=limit)).bound
    return total, total_lp, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--beta", type=float, default=0.5)
    ap.add_argument("--limit", type=float, default=60.0)
    ap.add_argument("--exact", action="store_true", help="also solve the joint MILP exactly")
    ap.add_argument("--subgradient", type=int, default=0, metavar="K",
                    help="K subgradient iterations from the LP duals (step scale --theta)")
    ap.add_argument("--theta", type=float, default=0.5)
    ap.add_argument("--subgradient-limit", type=float, default=300.0,
                    help="seconds for those iterations (an exact service solve can be slow)")
    ap.add_argument("--regions", type=int, default=0, metavar="R",
                    help="the region bound with regions of about R nodes (k-means, seeded)")
    ap.add_argument("--region-limit", type=float, default=20.0)
    ap.add_argument("--windows", type=int, default=0, metavar="W",
                    help="re-solve the plan exactly on windows of W nodes until a pass "
                         "gains nothing")
    args = ap.parse_args()
    svc = instance(args.n)
    n = args.n
    print(f"# multi-service bound diagnostic: {n} nodes, 5 services, groups <= 4, "
          f"beta {args.beta}")
    own = [solve_partition(p.groups, p.values).objective for p in svc.values()]
    print(f"1. services' own optima: {', '.join(f'{v:.3f}' for v in own)}; sum {sum(own):.3f}")
    res = solve_services(svc, consistency=args.beta, time_limit=args.limit)
    groups_value = sum(res.service_values.values())
    print(f"2. plan ({res.time_s:.1f}s): {res.objective:.3f} = group values "
          f"{groups_value:.3f} + consistency {res.consistency:.3f}; bound {res.bound:.3f}, "
          f"gap {res.gap:.3%}")
    model = build_joint_model(svc, np.full((n, n), args.beta), n)
    t0 = time.perf_counter()
    lp = run_solver(model.problem, SolverOptions("highs"), integer=False)
    vals, cons = lp_parts(model, lp.x)
    frac = [int(np.sum((lp.x[b.col_off:b.col_off + b.n_cols] > 1e-6)
                       & (lp.x[b.col_off:b.col_off + b.n_cols] < 1 - 1e-6)))
            for b in model.blocks]
    print(f"3. joint LP ({time.perf_counter() - t0:.1f}s): {lp.bound:.3f} = group values "
          f"{vals:.3f} + consistency {cons:.3f}; fractional columns per service {frac}")
    print(f"   LP - plan = {lp.bound - res.objective:.3f}: group values "
          f"{vals - groups_value:+.3f}, consistency {cons - res.consistency:+.3f}")
    rows, u_term = lagrangian_at_lp_duals(model, svc, lp)
    for name, lp_val, exact in rows:
        print(f"   {name}: LP {lp_val:.3f}, exact {exact:.3f} at the LP duals")
    lag = sum(r[2] for r in rows) + u_term
    print(f"4. Lagrangian bound at the LP duals: {lag:.3f} (services' LP values "
          f"{sum(r[1] for r in rows) + u_term:.3f}); above the plan by "
          f"{(lag - res.objective) / lag:.3%}")
    if args.subgradient:
        solves = ServiceSolves(model, svc, SolverOptions("highs", threads=1), None, None,
                               None)
        lam = [_lp_multipliers(b.prow[b.present], b.present, lp.row_dual, model.n_pairs)
               for b in model.blocks]
        t0 = time.perf_counter()
        log = Echo()
        bound = subgradient_bound(model, solves, lam, res.objective, 0.0,
                                  clock.now() + args.subgradient_limit, args.subgradient, log,
                                  theta0=args.theta)[0]
        print(f"4b. Lagrangian, {log[-1].split(': ')[1].split(' (')[0]}, step scale {args.theta} "
              f"({time.perf_counter() - t0:.1f}s): {bound:.3f}; above the plan by "
              f"{(bound - res.objective) / bound:.3%}")
    if args.regions:
        from scipy.cluster.vq import kmeans2

        pts, _, _, sub = subset(n)
        region = kmeans2(pts[sub], max(1, n // args.regions), seed=1, minit="++")[1]
        bound, lp_sum, secs = region_bound(model, lp, region, args.region_limit)
        print(f"4c. regions of about {args.regions} nodes ({np.bincount(region).tolist()}), "
              f"each solved exactly (limit {args.region_limit:g} s; {secs:.1f}s in all): "
              f"{bound:.3f} (their LPs add up to {lp_sum:.3f}); above the plan by "
              f"{(bound - res.objective) / bound:.3%}")
    if args.windows:
        choice = [np.searchsorted(b.cols, res.chosen[b.name]) for b in model.blocks]
        assert abs(model.value(choice) - res.objective) < 1e-6
        log = []
        t0 = time.perf_counter()
        better = window_search(model, choice, SolverOptions("highs"), clock.now() + 3600,
                               log, size=args.windows)[1]
        print(f"4d. plan re-solved on windows of {args.windows} nodes "
              f"({time.perf_counter() - t0:.1f}s): {better:.3f}, "
              f"{(better - res.objective) / res.objective:+.3%}; {log[-1]}")
    if args.exact:
        t0 = time.perf_counter()
        ex = run_solver(model.problem, SolverOptions("highs", mip_gap=1e-6))
        print(f"5. exact joint MILP ({time.perf_counter() - t0:.1f}s): {ex.status}, "
              f"{ex.objective:.3f}; LP {(lp.bound - ex.objective) / ex.objective:.3%} and "
              f"Lagrangian at the LP duals {(lag - ex.objective) / ex.objective:.3%} above it, "
              f"plan {(ex.objective - res.objective) / ex.objective:.3%} below it")


if __name__ == "__main__":
    main()
