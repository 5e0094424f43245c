"""Benchmark: the optimiser choosing delivery models, national England revenues & benefits.

Run: ``python benchmarks/bench_model_choice.py [--time-limit 300]``.

Instance: every English council delivering revenues & benefits in force on 2019-04-01,
groups of 2-4 on land adjacency, the shortlist's pair scores; cost bases estimated from the
cited national cost (``partnerfit.business_case``), passed as ``costs`` so that the NPV is in
the value (``value="scores+savings"``, one point per GBP 1m). Three solves in one run and
process, on the same values where they share them:

1. model-less (``models=None``: the rule picks the model after the optimisation);
2. model choice (``models=True``: sovereign by any member, federal, joint committee, company;
   non-dominated options only, so without a lead capacity one column per group);
3. model choice with ``lead_capacity=1`` (a sovereign option is kept beside the best lead-less
   one whenever it comes first in the tie order, so columns grow).

Printed per solve: columns, time (s), objective, bound, gap, status. Wall-clock times are
machine- and load-dependent; compare the ratios within one run. The objectives of (1) and
(2)-(3) differ by design: (1) values a group with the savings model's NPV
(:func:`partnerfit.savings.group_npv`), (2)-(3) with the business case of its chosen option
(IT convergence from the councils' known systems, the Green Book optimism-bias uplift on
one-off costs). With one service a lead capacity of 1 cannot bind, so (3) measures the
cost of the extra columns only.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import partnerfit as pf
from partnerfit.business_case import estimated_cost_bases
from partnerfit.services import tier_delivers

DATE = "2019-04-01"
SERVICE = "revenues_benefits"


def england_costs() -> dict[str, float]:
    """Estimated cost base (GBP m a year) of every English council delivering the service."""
    reg = pf.load_councils(DATE)
    eng = reg[reg.index.str.startswith("E") & reg["tier"].map(lambda t: tier_delivers(t,
                                                                                       SERVICE))]
    pop = pd.to_numeric(eng["population"], errors="coerce")
    est, _ = estimated_cost_bases(SERVICE, pop, float(pop.sum()))
    assert est is not None
    return {c: float(v) for c, v in est.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=300.0)
    args = ap.parse_args()
    costs = england_costs()
    codes = sorted(costs)
    print(f"# model choice benchmark: {len(codes)} English councils, {SERVICE}, {DATE}, "
          f"groups of 2-4, time limit {args.time_limit:g} s")
    runs = [("model-less (rule after the solve)", {}),
            ("model choice", {"models": True}),
            ("model choice, lead capacity 1", {"models": True, "lead_capacity": 1})]
    base = None
    print("| solve | columns | seconds | objective | bound | gap | status |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for label, extra in runs:
        t0 = time.perf_counter()
        plan = pf.propose_groupings(codes, SERVICE, as_of=DATE, max_size=4, costs=costs,
                                    value="scores+savings", time_limit=args.time_limit,
                                    **extra)
        dt = time.perf_counter() - t0
        base = base or dt
        print(f"| {label} | {plan.n_columns:,} | {dt:.1f} ({dt / base:.2f}x) | "
              f"{plan.objective:.6g} | {plan.bound:.6g} | {plan.gap:.4%} | {plan.status} |")
        if extra:
            led = plan.groups[plan.groups["role"] == "lead"]
            counts = plan.groups.drop_duplicates("group")["model"].value_counts().to_dict()
            print(f"|   models chosen: {counts}; {led['council'].nunique()} lead councils "
                  "| | | | | | |")


if __name__ == "__main__":
    main()
