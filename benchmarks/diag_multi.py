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
5. with ``--exact``: the optimum of the joint MILP, to place the plan and the bounds.

Findings (this machine, n=300, beta=0.5, the plan of the code before the window search):
the services' optima add to 2136.88; the plan is 2659.48 = 1938.48 group values + 721.00
consistency; the LP is 2743.29 = 2022.71 group values + 720.58 consistency (about 370
fractional columns per service). So the LP credits
the same consistency as the plan while keeping 84 more group value: it mixes each service's
groups so that every pair earns its share of ``beta`` service by service. The consistency
value is convex in the number of services a pair shares (0, 0, 1, 2, 3, 4 for k = 0..5)
and any relaxation that prices services separately can only bound it by a straight line
(about ``0.8 k beta`` here), which is what the LP and the Lagrangian bound do. At the LP
duals the services' own integrality gaps add to 5.6 (Lagrangian 2737.64 against LP
2743.29), so the decomposition by service cannot close a 2-3% gap; 40 further subgradient
iterations did not lower it at all. On the 60-node middle (exact optimum 536.07 in 151 s)
the LP is 1.6% and the converged Lagrangian bound (270 iterations) 0.65% above the optimum,
while the plan is within 0.05% of it: the bound, not the plan, is what is missing. There
the LP's excess is consistency credit (+10.0, group values -1.1); on all 300 it is group
values (+84.2, consistency -0.4): either way a fractional mix of each service's groups.
Re-solving the 300-node plan exactly on 15 windows of 30 councils raised it by 0.16% only
(2659.48 to 2663.68), another sign that the plan is close to the optimum.

A stronger bound needs a relaxation that does not price services separately, e.g. one
that chooses, per council, its group in every service at once (a column per council and
tuple of groups, priced by its consistency value): tried here as cuts on the joint LP
(the tuple polytope of each council over the groups the LP uses) on the 60-node middle,
four rounds lowered the LP by 0.5 of its 8.7 above the optimum: not pursued further.
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
    enumerate_groups,
    pairwise_values,
    solve_partition,
    solve_services,
)
from partnerfit.grouping._backends import run_solver
from partnerfit.grouping.joint import build_joint_model
from partnerfit.grouping.model import solve_service
from partnerfit.grouping.options import SolverOptions


def instance(n: int, seed: int = 0):
    """The services of bench_grouping's multi section, on the ``n`` nodes nearest the
    middle of its 300-node map (all 300 for ``n=300``)."""
    pts, edges, dist, score = planar_instance(300, seed)
    rng = np.random.default_rng(seed + 1)
    noises = []
    for _ in range(5):
        noise = rng.normal(0, 1, (300, 300))
        noises.append((noise + noise.T) / 2)
    centre = int(np.argmin(np.linalg.norm(pts - pts.mean(axis=0), axis=1)))
    sub = np.sort(np.argsort(dist[centre])[:n])
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
        lam = np.zeros(model.n_pairs)
        lam[b.present] = np.maximum(-lp.row_dual[b.prow[b.present]], 0.0)
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--beta", type=float, default=0.5)
    ap.add_argument("--limit", type=float, default=60.0)
    ap.add_argument("--exact", action="store_true", help="also solve the joint MILP exactly")
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
    if args.exact:
        t0 = time.perf_counter()
        ex = run_solver(model.problem, SolverOptions("highs", mip_gap=1e-6))
        print(f"5. exact joint MILP ({time.perf_counter() - t0:.1f}s): {ex.status}, "
              f"{ex.objective:.3f}; LP {(lp.bound - ex.objective) / ex.objective:.3%} and "
              f"Lagrangian at the LP duals {(lag - ex.objective) / ex.objective:.3%} above it, "
              f"plan {(ex.objective - res.objective) / ex.objective:.3%} below it")


if __name__ == "__main__":
    main()
