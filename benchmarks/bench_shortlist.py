"""Benchmark: one shortlist (one council, one service, all candidates) and the programme view.

Baseline in the same run: a naive per-candidate Python loop computing the same weighted sum of
values from the same value functions. Run: ``python benchmarks/bench_shortlist.py``.
"""

from __future__ import annotations

import time

import numpy as np

import partnerfit as pf


def best(fn, repeat=5):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def main() -> None:
    args = ("Lancaster", "revenues_benefits")
    kw = {"as_of": "2009-06-01"}
    t0 = time.perf_counter()
    sl = pf.shortlist(*args, **kw)
    cold = time.perf_counter() - t0
    warm = best(lambda: pf.shortlist(*args, **kw))
    crit = sl.criteria
    raw = sl.raw

    def naive():
        scores = {}
        for code in raw.index:  # one candidate at a time, one criterion at a time
            total = 0.0
            for cid, c in crit.items():
                x = raw.at[code, cid]
                v = c.value(str(x) if isinstance(x, str) else float(x))
                v = 50.0 if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)
                total += sl.weights[cid] * (v if sl.weights[cid] else 0.0)
            scores[code] = total
        return scores

    naive_s = best(naive, repeat=2)
    prog = best(lambda: pf.programme("Lancaster", **kw), repeat=2)
    print(f"candidates: {len(sl.scores)}")
    print(f"shortlist cold (context build):  {cold * 1e3:8.1f} ms")
    print(f"shortlist warm:                  {warm * 1e3:8.1f} ms")
    print(f"naive per-candidate loop:        {naive_s * 1e3:8.1f} ms  ratio {naive_s / warm:5.1f}x")
    print(f"programme view (all services):   {prog * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
