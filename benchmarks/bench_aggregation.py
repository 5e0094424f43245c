"""Benchmark: aggregation methods, vectorised vs a naive per-candidate Python loop.

Run:  python benchmarks/bench_aggregation.py [--candidates 360] [--criteria 10]

A synthetic value matrix the size of one national shortlist (every council a candidate).
The naive baselines are the textbook loops a spreadsheet-style script would write, run in
the same process on the same matrix; results are checked equal before timing is reported.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd
from _timing import best_of

from partnerfit.aggregation import additive, promethee_ii, rank, topsis


def naive_additive(values: pd.DataFrame, weights: pd.Series) -> dict:
    total = sum(weights)
    out = {}
    for code, row in values.iterrows():
        out[code] = sum(weights[c] / total * row[c] for c in values.columns)
    return out


def naive_topsis(values: pd.DataFrame, weights: pd.Series) -> dict:
    total = sum(weights)
    cols = list(values.columns)
    norms = {c: math.sqrt(sum(v * v for v in values[c])) for c in cols}
    rows = {
        code: [weights[c] / total * row[c] / norms[c] for c in cols]
        for code, row in values.iterrows()
    }
    best = [max(r[j] for r in rows.values()) for j in range(len(cols))]
    worst = [min(r[j] for r in rows.values()) for j in range(len(cols))]
    out = {}
    for code, r in rows.items():
        dp = math.sqrt(sum((a - b) ** 2 for a, b in zip(r, best, strict=True)))
        dm = math.sqrt(sum((a - b) ** 2 for a, b in zip(r, worst, strict=True)))
        out[code] = dm / (dp + dm)
    return out


def naive_promethee(values: pd.DataFrame, weights: pd.Series, q: float, p: float) -> dict:
    total = sum(weights)
    w = [weights[c] / total for c in values.columns]
    x = values.to_numpy().tolist()
    n = len(x)

    def pref(d: float) -> float:
        return 0.0 if d <= q else min((d - q) / (p - q), 1.0)

    out = {}
    for a, code in enumerate(values.index):
        flow = 0.0
        for b in range(n):
            for j in range(len(w)):
                d = x[a][j] - x[b][j]
                flow += w[j] * (pref(d) - pref(-d))
        out[code] = flow / (n - 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=360)
    parser.add_argument("--criteria", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, m = args.candidates, args.criteria
    values = pd.DataFrame(
        np.round(rng.uniform(0, 100, (n, m)), 1),
        index=[f"E0700{k:04d}" for k in range(n)],
        columns=[f"criterion_{j}" for j in range(m)],
    )
    weights = pd.Series(rng.uniform(1, 10, m), index=values.columns)
    print(f"value matrix: {n} candidates x {m} criteria")
    print(f"{'method':<28}{'vectorised':>12}{'naive loop':>14}{'speed-up':>10}")
    cases = [
        ("additive + rank", lambda: rank(additive(values, weights)),
         lambda: naive_additive(values, weights), lambda: additive(values, weights)),
        ("TOPSIS (vector)", lambda: topsis(values, weights),
         lambda: naive_topsis(values, weights), lambda: topsis(values, weights)),
        ("PROMETHEE II (linear 5/40)", lambda: promethee_ii(values, weights, "linear", q=5, p=40),
         lambda: naive_promethee(values, weights, 5, 40),
         lambda: promethee_ii(values, weights, "linear", q=5, p=40)),
    ]  # fmt: skip
    for name, fast, naive, scores in cases:
        reference = pd.Series(naive())
        assert np.allclose(scores().reindex(reference.index), reference, atol=1e-9), name
        t_fast = best_of(fast)
        t_naive = best_of(naive, repeat=1 if "PROMETHEE" in name else 3)
        print(f"{name:<28}{t_fast * 1e3:>10.2f}ms{t_naive * 1e3:>12.1f}ms{t_naive / t_fast:>9.0f}x")


if __name__ == "__main__":
    main()
