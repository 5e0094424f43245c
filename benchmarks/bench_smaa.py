"""Benchmark: SMAA rank acceptability, vectorised vs a naive per-sample loop.

Run:  python benchmarks/bench_smaa.py [--synthetic] [--samples 10000] [--candidates 360]
      [--criteria 9]

Uses a real shortlist (``partnerfit.shortlist("Lancaster", "revenues_benefits")``)
when the scoring module is available, otherwise a synthetic one of the given size.
Both methods run in the same process on the same shortlist; the naive baseline
draws a Dirichlet(1) weight vector, scores every candidate and sorts them (ties
by GSS code) once per sample, as a straightforward implementation would. The
two acceptability tables must agree within sampling error.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from partnerfit.sensitivity import smaa


@dataclass
class SyntheticShortlist:
    value_matrix: pd.DataFrame
    weights: pd.Series
    names: pd.Series
    council: str = "synthetic"
    service: str = "synthetic"
    criteria_labels: dict = field(default_factory=dict)


def synthetic(n: int, m: int) -> SyntheticShortlist:
    rng = np.random.default_rng(2024)
    codes = [f"E0{7000000 + i:07d}" for i in range(n)]
    crit = [f"c{j}" for j in range(m)]
    vm = pd.DataFrame(np.round(rng.uniform(0, 100, (n, m)), 1), index=codes, columns=crit)
    return SyntheticShortlist(
        vm, pd.Series(rng.dirichlet(np.ones(m)), index=crit), pd.Series(codes, index=codes)
    )


def real_or_synthetic(n: int, m: int):
    try:
        import partnerfit as pf

        make = getattr(pf, "shortlist", None)
        if make is None:
            from partnerfit.scoring import shortlist as make
        sl = make("Lancaster", "revenues_benefits")
        sl.value_matrix  # noqa: B018 - the attribute the analysis needs
        return sl, "real shortlist: Lancaster, revenues_benefits"
    except Exception as exc:  # noqa: BLE001 - any failure means "use synthetic data"
        return synthetic(n, m), f"synthetic shortlist (real one unavailable: {type(exc).__name__})"


def naive_smaa(sl, samples: int, seed: int) -> pd.DataFrame:
    """Per-sample Python loop: draw weights, score, sort, count ranks."""
    rng = np.random.default_rng(seed)
    vm = sl.value_matrix
    codes = [str(c) for c in vm.index]
    values = vm.to_numpy(dtype=float)
    m = values.shape[1]
    counts = {c: [0] * len(codes) for c in codes}
    for _ in range(samples):
        w = rng.dirichlet(np.ones(m))
        scores = values @ w
        ranked = sorted(range(len(codes)), key=lambda i: (-round(scores[i], 9), codes[i]))
        for r, i in enumerate(ranked):
            counts[codes[i]][r] += 1
    acc = pd.DataFrame.from_dict(counts, orient="index", columns=range(1, len(codes) + 1))
    return acc / samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--candidates", type=int, default=360)
    ap.add_argument("--criteria", type=int, default=9)
    ap.add_argument("--synthetic", action="store_true", help="skip the real shortlist")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many vectorised runs")
    args = ap.parse_args()

    if args.synthetic:
        sl, what = synthetic(args.candidates, args.criteria), "synthetic shortlist"
    else:
        sl, what = real_or_synthetic(args.candidates, args.criteria)
    n, m = sl.value_matrix.shape
    print(f"{what}: {n} candidates x {m} criteria, {args.samples:,} weight samples")

    smaa(sl, samples=500, seed=1)  # warm-up (imports, caches)
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = smaa(sl, samples=args.samples, seed=0)
        best = min(best, time.perf_counter() - t0)

    t0 = time.perf_counter()
    naive = naive_smaa(sl, args.samples, seed=0)
    t_naive = time.perf_counter() - t0

    diff = (res.acceptability - naive.reindex(res.acceptability.index)).abs().to_numpy().max()
    bound = 5 * np.sqrt(0.25 / args.samples)
    print(f"vectorised smaa():    {best:8.3f} s  (best of {args.repeat})")
    print(f"naive per-sample loop: {t_naive:8.3f} s")
    print(f"speed-up:             {t_naive / best:8.1f}x")
    print(f"target < 1 s:          {'met' if best < 1 else 'NOT met'}")
    print(
        f"max |difference| in acceptability: {diff:.4f} "
        f"(independent random draws; sampling bound ~{bound:.4f}: "
        f"{'agree' if diff <= bound else 'DISAGREE'})"
    )


if __name__ == "__main__":
    main()
