"""Benchmark of the grouping optimiser (run: python benchmarks/bench_grouping.py).

Synthetic instance: 300 seeded random points in the unit square, adjacency from their
Delaunay triangulation with long edges (> 2.5 x median) removed -- a planar, contiguous
"map". Pair scores ``S = 1 - 10 * distance + noise`` (symmetric, seeded), so near
neighbours attract and far ones repel; a group's value is the sum of its pair scores.

Reported, in one run and on the same values:

1. set partitioning (this package), groups of 2-4 and 2-5: enumeration time, columns,
   solve time, objective, bound, gap -- with the speed levers (decomposition, LP bound,
   restricted-MIP incumbent, reduced-cost fixing) and, as the naive baseline measured in
   the same process, the plain MILP over all columns (ratio printed); CBC too;
2. the textbook pairwise clique-partitioning MIP (x_ij per pair, transitivity
   constraints, degree <= size - 1) on a 50-node subset, with a time limit, beside the
   set-partitioning optimum of the same subset (no contiguity in either, since the
   textbook model has none);
3. louvain and greedy-modularity communities (networkx) on the full set, scored with the
   same values: as found (ignoring the size bound) and repaired to feasibility (best
   feasible groups packed greedily inside each community); % worse than the optimum;
4. five services at once with the consistency value (joint model), 60 s limit. Measured
   2026-12-05 on this machine (2 cores shared with other jobs, load 1.3-3), beta 0.5,
   three runs: 57.7 s, gap 1.998% in each (plan 2682.94, bound 2737.64: the joint LP's
   2743.29 lowered by the first Lagrangian iteration). Before the coordinate ascent ran
   from both of its starts, it ran only from the start worth more (one partition for all:
   2616.99 against 2591.88 for the services alone), which ends at 2659.48 where the other
   ends at 2681.36; the gap was then 2.63-2.96%. The plain joint MILP had no plan and
   returned only after 307.5 s (HiGHS's presolve ignores the limit). The 1% target is not
   met, and ``diag_multi.py`` shows why: every bound tried, with up to 200 s more, stays
   at least 1.6% above the best plan found, and the plan gains under 0.1% when re-solved
   exactly on windows of 60 councils;
5. when the council register is available (partnerfit.register): all English district and
   unitary councils (incl. metropolitan and London boroughs, City of London, Isles of
   Scilly) in force on 2019-04-01, land adjacency on that date, pair value
   ``1 - centroid distance / 40 km``; groups of 2-4 and 2-5 -- beside, in the same run,
   the clique-partitioning MIP on the 50 councils nearest the middle of England and the
   modularity heuristics on all of them, scored with the same values.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.spatial import Delaunay

from partnerfit.errors import SolverError
from partnerfit.grouping import (
    ServiceProblem,
    enumerate_groups,
    pairwise_values,
    solve_partition,
    solve_services,
)
from partnerfit.grouping._backends import LinearProblem, run_solver
from partnerfit.grouping.options import SolverOptions


def planar_instance(n=300, seed=0):
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    tri = Delaunay(pts)
    edges = set()
    for simplex in tri.simplices:
        for a, b in itertools.combinations(sorted(simplex), 2):
            edges.add((int(a), int(b)))
    e = np.array(sorted(edges))
    length = np.linalg.norm(pts[e[:, 0]] - pts[e[:, 1]], axis=1)
    e = e[length <= 2.5 * np.median(length)]
    dist = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    noise = rng.normal(0, 1, (n, n))
    score = 1.0 - 10.0 * dist + (noise + noise.T) / 2
    np.fill_diagonal(score, 0.0)
    return pts, e, dist, score


def clique_partition_mip(score, max_size, time_limit):
    """Textbook clique partitioning: x_ij, transitivity, degree bound. Returns SolveOut."""
    n = score.shape[0]
    pairs = list(itertools.combinations(range(n), 2))
    pid = {p: k for k, p in enumerate(pairs)}
    rows, cols, vals, hi = [], [], [], []
    r = 0
    for i, j, k in itertools.combinations(range(n), 3):
        a, b, c = pid[(i, j)], pid[(j, k)], pid[(i, k)]
        for plus1, plus2, minus in ((a, b, c), (a, c, b), (b, c, a)):
            rows += [r, r, r]
            cols += [plus1, plus2, minus]
            vals += [1.0, 1.0, -1.0]
            hi.append(1.0)
            r += 1
    for i in range(n):
        for j in range(n):
            if i != j:
                rows.append(r)
                cols.append(pid[(min(i, j), max(i, j))])
                vals.append(1.0)
        hi.append(max_size - 1.0)
        r += 1
    A = sp.csc_matrix((vals, (rows, cols)), shape=(r, len(pairs)))
    c = np.array([score[i, j] for i, j in pairs])
    prob = LinearProblem(c, A, np.full(r, -np.inf), np.array(hi), np.ones(len(pairs)),
                         np.ones(len(pairs), dtype=bool))
    options = SolverOptions("highs", time_limit=time_limit, mip_gap=0.0, threads=2)
    return run_solver(prob, options), len(pairs), r


def communities_objective(comms, score, groups, values):
    raw = 0.0
    repaired = 0.0
    oversize = 0
    members = groups.members
    for comm in comms:
        comm = sorted(comm)
        raw += sum(score[a, b] for a, b in itertools.combinations(comm, 2))
        oversize += len(comm) > groups.max_size
        inside = np.all((members < 0) | np.isin(members, comm), axis=1)
        idx = np.flatnonzero(inside)
        idx = idx[np.lexsort((idx, -values[idx]))]
        used = set()
        for j in idx:
            g = [int(v) for v in members[j] if v >= 0]
            if values[j] <= 0 and len(g) > 1:
                continue
            if used.isdisjoint(g):
                used.update(g)
                repaired += values[j]
    return raw, repaired, oversize


def national(args):
    try:
        from partnerfit.register import adjacency, load_councils
    except ImportError:
        print("\n## national benchmark skipped: partnerfit.register not available")
        return
    reg = load_councils("2019-04-01")
    eng = reg[(reg["nation"] == "England") & (reg["tier"] != "county")].sort_index()
    codes = list(eng.index)
    pos = {c: i for i, c in enumerate(codes)}
    adj = adjacency("2019-04-01", water=False)
    adj = adj[adj["a"].isin(pos) & adj["b"].isin(pos)]
    edges = np.array([[pos[a], pos[b]] for a, b in zip(adj["a"], adj["b"])])
    xy = eng[["easting", "northing"]].to_numpy(float) / 1000.0
    dist = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    score = 1.0 - dist / 40.0
    np.fill_diagonal(score, 0.0)
    print(f"\n## England 2019-04-01: {len(codes)} district/unitary councils, {len(edges)} "
          "land borders, pair value 1 - distance/40km")
    for k in (4, 5):
        t0 = time.perf_counter()
        g = enumerate_groups(len(codes), edges, 2, k)
        vals = pairwise_values(g, score)
        t_enum = time.perf_counter() - t0
        res = solve_partition(g, vals, threads=2, labels=codes)
        line = (f"  groups 2-{k}: {len(g):,} columns (enum {t_enum:.2f}s)  HiGHS+levers "
                f"{res.time_s:.2f}s obj {res.objective:.4f} bound {res.bound:.4f} gap "
                f"{res.gap:.4%} ({res.status}, {res.n_blocks} blocks)")
        if not args.skip_naive:
            naive = solve_partition(g, vals, presolve=False, decompose=False, threads=2,
                                    time_limit=args.naive_limit)
            line += (f"  | naive {naive.time_s:.2f}s gap {naive.gap:.4%} -> "
                     f"{naive.time_s / res.time_s:.1f}x")
        print(line)
        sizes = np.bincount(g.sizes[res.chosen])
        print(f"    group sizes chosen: {dict(enumerate(sizes.tolist()))}")
        if k == 4:
            best4 = (g, vals, res)
    # the baselines, in the same run, on the same councils and pair values
    clique_section(args, xy, dist, score, "England 2019: the 50 councils nearest the middle")
    modularity_section(args, edges, score, best4, "England 2019, all councils")


SECTIONS = ("partition", "clique", "modularity", "multi", "national")


def pct_worse(x, best):
    return 100.0 * (best - x) / abs(best)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--naive-limit", type=float, default=120.0)
    ap.add_argument("--clique-limit", type=float, default=60.0)
    ap.add_argument("--multi-limit", type=float, default=60.0)
    ap.add_argument("--beta", type=float, nargs="+", default=[0.1, 0.2, 0.5])
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                    help="run only these sections (e.g. --only national, --only multi)")
    ap.add_argument("--only-national", action="store_true", help="same as --only national")
    args = ap.parse_args()
    only = {"national"} if args.only_national else set(args.only)
    print(f"# partnerfit grouping benchmark  python {platform.python_version()}  "
          f"n={args.n} seed={args.seed}")
    if only == {"national"}:
        national(args)
        return
    pts, edges, dist, score = planar_instance(args.n, args.seed)
    print(f"instance: {args.n} nodes, {len(edges)} adjacency edges (planar)")

    # ---- 1. set partitioning --------------------------------------------------------
    best_by_k = {}
    for k in (4, 5) if "partition" in only else ():
        t0 = time.perf_counter()
        g = enumerate_groups(args.n, edges, 2, k)
        vals = pairwise_values(g, score)
        t_enum = time.perf_counter() - t0
        res = solve_partition(g, vals, threads=2)
        best_by_k[k] = (g, vals, res)
        print(f"\n## groups of 2-{k}: {len(g):,} columns, enumeration+values {t_enum:.2f}s")
        print(f"  HiGHS + levers : {res.time_s:7.2f}s  obj {res.objective:.4f}  bound "
              f"{res.bound:.4f}  gap {res.gap:.4%}  ({res.status}; final MIP on "
              f"{res.n_columns_solved} cols)")
        cbc = solve_partition(g, vals, solver="cbc", threads=2)
        print(f"  CBC + levers   : {cbc.time_s:7.2f}s  obj {cbc.objective:.4f}  bound "
              f"{cbc.bound:.4f}  gap {cbc.gap:.4%}  ({cbc.status})")
        if not args.skip_naive:
            naive = solve_partition(g, vals, presolve=False, decompose=False, threads=2,
                                    time_limit=args.naive_limit)
            print(f"  naive HiGHS    : {naive.time_s:7.2f}s  obj {naive.objective:.4f}  bound "
                  f"{naive.bound:.4f}  gap {naive.gap:.4%}  ({naive.status})  -> levers "
                  f"{naive.time_s / res.time_s:.1f}x faster")
            naive_cbc = solve_partition(g, vals, presolve=False, decompose=False, threads=2,
                                        solver="cbc", time_limit=args.naive_limit)
            print(f"  naive CBC      : {naive_cbc.time_s:7.2f}s  obj {naive_cbc.objective:.4f}"
                  f"  bound {naive_cbc.bound:.4f}  gap {naive_cbc.gap:.4%}  "
                  f"({naive_cbc.status})")

    if 4 not in best_by_k and only & {"modularity", "multi"}:
        g = enumerate_groups(args.n, edges, 2, 4)
        vals = pairwise_values(g, score)
        best_by_k[4] = (g, vals, solve_partition(g, vals, threads=2))
    if "clique" in only:
        clique_section(args, pts, dist, score)
    if "modularity" in only:
        modularity_section(args, edges, score, best_by_k[4])
    if "multi" in only:
        multi_section(args, score, best_by_k[4][0])
    if "national" in only:
        national(args)


def clique_section(args, pts, dist, score, what="50-node subset"):
    """Section 2: clique partitioning on the 50 nodes nearest the middle of ``pts``."""
    centre = np.argmin(np.linalg.norm(pts - pts.mean(axis=0), axis=1))
    sub = np.sort(np.argsort(dist[centre])[:50])
    ssub = score[np.ix_(sub, sub)]
    t0 = time.perf_counter()
    g50 = enumerate_groups(50, None, 2, 4, contiguous=False)
    v50 = pairwise_values(g50, ssub)
    sp50 = solve_partition(g50, v50, threads=2)
    t_sp50 = time.perf_counter() - t0
    out, nvar, nrow = clique_partition_mip(ssub, 4, args.clique_limit)
    t_cp = time.perf_counter() - t0 - t_sp50
    cp_gap = (out.bound - out.objective) / abs(out.bound) if np.isfinite(out.objective) \
        else float("inf")
    print(f"\n## {what}, groups of up to 4, no contiguity")
    print(f"  set partitioning  : {t_sp50:7.2f}s  {len(g50):,} columns  obj "
          f"{sp50.objective:.4f}  gap {sp50.gap:.4%}")
    print(f"  clique-part. MIP  : {t_cp:7.2f}s  {nvar} vars x {nrow} rows  obj "
          f"{out.objective:.4f}  bound {out.bound:.4f}  gap {cp_gap:.2%}  ({out.status})")



def modularity_section(args, edges, score, best4, what="full set"):
    """Section 3: modularity heuristics on the full set."""
    g4, v4, r4 = best4
    graph = nx.Graph()
    graph.add_nodes_from(range(score.shape[0]))
    for a, b in edges:
        graph.add_edge(int(a), int(b), weight=float(np.exp(score[a, b])))
    print(f"\n## modularity heuristics, {what}, scored with the same values (groups <= 4)")
    print(f"  optimum (set partitioning): {r4.objective:.4f}")
    for name in ("louvain", "greedy modularity"):
        for res_param in (1.0, 4.0, 16.0):
            t0 = time.perf_counter()
            if name == "louvain":
                comms = nx.community.louvain_communities(graph, weight="weight",
                                                         seed=args.seed, resolution=res_param)
            else:
                comms = nx.community.greedy_modularity_communities(graph, weight="weight",
                                                                   resolution=res_param)
            t = time.perf_counter() - t0
            raw, rep, over = communities_objective(comms, score, g4, v4)
            print(f"  {name:17s} (resolution {res_param:4.1f}): {t:5.2f}s  {len(comms):3d} "
                  f"communities ({over:3d} larger than 4)  as found {raw:8.3f} "
                  f"({pct_worse(raw, r4.objective):5.1f}% worse, infeasible)  repaired "
                  f"{rep:8.3f} ({pct_worse(rep, r4.objective):5.1f}% worse)")



def multi_section(args, score, g4):
    """Section 4: five services with the consistency value."""
    rng = np.random.default_rng(args.seed + 1)
    svc = {}
    for s in range(5):
        noise = rng.normal(0, 1, (args.n, args.n))
        svc[f"service_{s}"] = ServiceProblem(g4, pairwise_values(g4, score + (noise + noise.T)
                                                                 / 2))
    for beta in args.beta:
        res = solve_services(svc, consistency=beta, time_limit=args.multi_limit, threads=2)
        print(f"\n## 5 services x {args.n} councils, groups <= 4, consistency beta={beta}")
        print(f"  joint model + levers: {res.time_s:6.1f}s  obj {res.objective:.4f}  bound "
              f"{res.bound:.4f}  gap {res.gap:.3%}  ({res.status}; heuristic "
              f"{res.heuristic_objective:.4f}; consistency {res.consistency:.2f})")
        for line in res.log:
            print(f"    {line}")
        if not args.skip_naive:
            t_naive = time.perf_counter()
            try:
                naive = solve_services(svc, consistency=beta, time_limit=args.multi_limit,
                                       presolve=False, threads=2)
            except SolverError as exc:
                print(f"  naive joint MILP    : {time.perf_counter() - t_naive:6.1f}s  no plan "
                      f"found within the limit ({exc})")
            else:
                print(f"  naive joint MILP    : {naive.time_s:6.1f}s  obj "
                      f"{naive.objective:.4f}  bound {naive.bound:.4f}  gap {naive.gap:.3%}")


if __name__ == "__main__":
    main()
