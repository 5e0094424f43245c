"""Benchmark of the optimiser on the hard instance of issue 17 (python benchmarks/bench_hard.py).

Instance: see ``hard_instance.py`` (300 councils, 500 x 600 km, all pair values positive).
Sections, each beside the plain MILP over all connected groups with HiGHS in the same run
(``presolve=False, decompose=False``), printing wall time (enumeration + values + solve),
gap and the time ratio:

- groups of 2-4, 2-5 and 2-6, one service (``solve_partition``), limit ``--limit`` s
  (default 120) for the whole job, enumeration included;
- five services, groups of 2-4, consistency 0.5 (``solve_services``), limit
  ``--multi-limit`` s (default 60).

With ``--models`` every section is run again with delivery-model choice: each group's value
is that of its best delivery option (``hard_instance.model_choice_columns``: pair values
plus 0.1 point per GBP 1m of the option's central NPV, the four models of ``models=True``,
no lead capacity, so one column per group), beside the plain MILP on the same columns.

A time limit holds when the wall time is within the limit plus 5%; the script says so.
Figures are from one run on a shared machine: noisy; the ratio in the same run is what
matters.

Measured 2026-12-05 (2 cores shared with other jobs, load 4-6), limit 120 s (multi 60 s):

- groups 2-4: 6.52 s optimal, plain MILP 36.31 s optimal (5.6x);
- groups 2-5: 7.68 s optimal, plain MILP 118.32 s at its limit, gap 0.31% (15.4x);
- groups 2-6: 10.26 s optimal (plain MILP not run this time);
- five services: 57.44 s, gap 0.81% (load 3; the joint LP took 20.2 s); at load 4.6 the
  joint LP took 40.7 s of the 60 and gave no bound (gap not proven, limit held); the plain
  joint MILP had not returned after 151 s;
- with delivery-model choice: 2-4 118.04 s gap 0.42%, 2-5 118.45 s gap 0.25%, 2-6
  115.9 s optimal, every limit held. Before big MIPs ran without HiGHS's presolve under a
  limit (:data:`partnerfit.grouping.fixing.MIP_PRESOLVE_MAX_COLS`), 2-6 returned after
  164.2 s (gap 0.21%): the final MIP's presolve took 88 s of the 79 s it was given; 2-4
  was 118.0 s gap 0.39% with the old rule.
"""

from __future__ import annotations

import argparse
import inspect
import multiprocessing as mp
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hard_instance import hard_instance, model_choice_columns

from partnerfit.errors import SolverError
from partnerfit.grouping import (
    ServiceProblem,
    enumerate_groups,
    pairwise_values,
    solve_partition,
    solve_services,
)

_ENUM_HAS_LIMIT = "time_limit" in inspect.signature(enumerate_groups).parameters


def _columns(inst, k, limit, si=0, models=False):
    """Enumerate groups of 2-k and their values within ``limit`` (when the code allows);
    with ``models`` the groups and values of their best delivery options."""
    kw = {"time_limit": limit} if (_ENUM_HAS_LIMIT and limit is not None) else {}
    g = enumerate_groups(len(inst.points), inst.edges, 2, k, **kw)
    if models:
        oc = model_choice_columns(inst, g, si)
        return oc.groups, oc.values
    return g, pairwise_values(g, inst.scores[si])


def _left(t0, limit):
    return None if limit is None else max(limit - (time.perf_counter() - t0), 0.01)


def _line(name, wall, res, limit):
    held = "" if limit is None else (
        "  limit held" if wall <= 1.05 * limit else f"  LIMIT MISSED (+{wall - limit:.1f}s)")
    return (f"  {name:<22s}: {wall:7.2f}s  obj {res.objective:10.3f}  bound {res.bound:10.3f}"
            f"  gap {res.gap:.4%}  ({res.status}){held}")


def _what(models):
    return ", with delivery-model choice" if models else ""


def one_service(inst, k, args, models=False):
    print(f"\n## one service, groups of 2-{k}{_what(models)}")
    t0 = time.perf_counter()
    g, vals = _columns(inst, k, args.limit, models=models)
    t_enum = time.perf_counter() - t0
    print(f"  {len(g):,} columns, enumeration + values {t_enum:.2f}s")
    res = solve_partition(g, vals, time_limit=_left(t0, args.limit))
    wall = time.perf_counter() - t0
    print(_line("optimiser", wall, res, args.limit))
    if args.skip_naive:
        return
    _plain(_plain_single, (inst, k, args.limit, models), "plain MILP (HiGHS)", wall,
           args.limit)


def _plain_single(inst, k, limit, models=False):
    t1 = time.perf_counter()
    g, vals = _columns(inst, k, limit, models=models)
    res = solve_partition(g, vals, presolve=False, decompose=False, time_limit=_left(t1, limit))
    return time.perf_counter() - t1, res


def _plain_multi(svc, beta, limit):
    t1 = time.perf_counter()
    res = solve_services(svc, consistency=beta, presolve=False, time_limit=limit)
    return time.perf_counter() - t1, res


def _child(fn, fn_args, queue):
    try:
        queue.put(fn(*fn_args))
    except SolverError as exc:
        queue.put(str(exc))


def _plain(fn, fn_args, name, wall, limit):
    """The plain MILP in a child process, stopped at twice its limit if it has not
    returned by then (HiGHS does not always keep its own limit on the largest models).
    The child is spawned, not forked: HiGHS's thread pool does not survive a fork."""
    queue = mp.get_context("spawn").Queue()
    proc = mp.get_context("spawn").Process(target=_child, args=(fn, fn_args, queue))
    t1 = time.perf_counter()
    proc.start()
    try:
        out = queue.get(timeout=2 * limit + 30)
    except Exception:  # noqa: BLE001 - queue.Empty: the child is still solving
        proc.kill()
        proc.join()
        print(f"  {name:<22s}: stopped after {time.perf_counter() - t1:7.2f}s without "
              f"returning (limit {limit:g}s not kept); no plan")
        return
    proc.join()
    if isinstance(out, str):
        print(f"  {name:<22s}: {time.perf_counter() - t1:7.2f}s  no plan ({out})")
        return
    wall_n, res = out
    print(_line(name, wall_n, res, limit))
    print(f"  ratio plain / optimiser: {wall_n / wall:.2f}x time")


def multi_service(inst, args, models=False):
    print(f"\n## {len(inst.scores)} services, groups of 2-4, consistency {args.beta}"
          f"{_what(models)}")
    t0 = time.perf_counter()
    svc = {f"service {s}": ServiceProblem(*_columns(inst, 4, None, s, models))
           for s in range(len(inst.scores))}
    g = svc["service 0"].groups
    print(f"  {len(g):,} columns per service, setup {time.perf_counter() - t0:.2f}s")
    res = solve_services(svc, consistency=args.beta, time_limit=_left(t0, args.multi_limit))
    wall = time.perf_counter() - t0
    print(_line("optimiser", wall, res, args.multi_limit))
    for line in res.log:
        print(f"    {line}")
    if args.skip_naive:
        return
    _plain(_plain_multi, (svc, args.beta, args.multi_limit), "plain joint MILP", wall,
           args.multi_limit)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--limit", type=float, default=120.0)
    ap.add_argument("--multi-limit", type=float, default=60.0)
    ap.add_argument("--beta", type=float, default=0.5)
    ap.add_argument("--sizes", type=int, nargs="*", default=[4, 5, 6])
    ap.add_argument("--skip-multi", action="store_true")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--models", action="store_true",
                    help="also run every section with delivery-model choice")
    ap.add_argument("--only-models", action="store_true",
                    help="run every section with delivery-model choice only")
    args = ap.parse_args()
    inst = hard_instance(300, 5, args.seed)
    print(f"# partnerfit hard-instance benchmark  python {platform.python_version()}  "
          f"seed={args.seed}")
    print(f"instance: 300 councils, {len(inst.edges)} contiguity edges, {len(inst.links)} "
          f"links, L = {inst.length_scale:.1f} km, mean pair value "
          f"{inst.scores[0][np.triu_indices(300, 1)].mean():.4f}")
    variants = [True] if args.only_models else [False, True] if args.models else [False]
    for models in variants:
        for k in args.sizes:
            one_service(inst, k, args, models)
        if not args.skip_multi:
            multi_service(inst, args, models)


if __name__ == "__main__":
    main()
