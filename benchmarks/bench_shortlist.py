"""Benchmark: one shortlist (one council, one service, all candidates) and the programme view.

Baselines in the same run: a naive per-candidate Python loop computing the same weighted sum of
values from the same value functions (for one service, and for every service the council delivers,
as the programme view does), and one public ``pf.shortlist()`` call per service.
Run: ``python benchmarks/bench_shortlist.py``.
"""

from __future__ import annotations

import time

import numpy as np
from _timing import best_of

import partnerfit as pf


def main() -> None:
    args = ("Lancaster", "revenues_benefits")
    kw = {"as_of": "2009-06-01"}
    t0 = time.perf_counter()
    sl = pf.shortlist(*args, **kw)
    cold = time.perf_counter() - t0
    warm = best_of(lambda: pf.shortlist(*args, **kw))
    def naive_scores(one):
        """One candidate at a time, one criterion at a time, from the raw measures."""
        scores = {}
        for code in one.raw.index:
            total = 0.0
            for cid, c in one.criteria.items():
                x = one.raw.at[code, cid]
                v = c.value(str(x) if isinstance(x, str) else float(x))
                v = 50.0 if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)
                total += one.weights[cid] * (v if one.weights[cid] else 0.0)
            scores[code] = total
        return scores

    naive_s = best_of(lambda: naive_scores(sl), repeat=2)

    cat = pf.services()
    tier = pf.load_councils(kw["as_of"]).at[sl.council, "tier"]
    delivered = [s for s in cat.index if tier in cat.at[s, "delivered_by"]]
    per_service = {s: pf.shortlist(args[0], s, **kw) for s in delivered}

    def naive_programme():
        rows = []
        for s in delivered:
            scores = naive_scores(per_service[s])
            best3 = sorted(scores, key=lambda c: (-round(scores[c], 9), c))[:3]
            rows += [(s, c, scores[c]) for c in best3]
        return rows

    prog = best_of(lambda: pf.programme(args[0], **kw), repeat=3)
    naive_prog = best_of(naive_programme, repeat=1)
    loop_api = best_of(lambda: [pf.shortlist(args[0], s, **kw) for s in delivered], repeat=2)
    print(f"candidates: {len(sl.scores)}; services in the programme view: {len(delivered)}")
    print(f"shortlist cold (context build):  {cold * 1e3:8.1f} ms")
    print(f"shortlist warm:                  {warm * 1e3:8.1f} ms")
    print(f"naive per-candidate loop:        {naive_s * 1e3:8.1f} ms  ratio {naive_s / warm:5.1f}x")
    print(f"programme view (all services):   {prog * 1e3:8.1f} ms")
    print(f"naive loop, every service:       {naive_prog * 1e3:8.1f} ms  ratio "
          f"{naive_prog / prog:5.1f}x")
    print(f"pf.shortlist() per service:      {loop_api * 1e3:8.1f} ms  ratio "
          f"{loop_api / prog:5.1f}x")
    # issue 15: existing partnerships as candidates and the committed policy, against the
    # councils-only shortlist with committed councils only marked (the shortlist of before;
    # the bar is 2x)
    plain = best_of(lambda: pf.shortlist(*args, **kw, partnerships=False, committed="mark"))
    print(f"shortlist, councils only, mark:  {plain * 1e3:8.1f} ms")
    print(f"shortlist with partnerships:     {warm * 1e3:8.1f} ms  ratio {warm / plain:5.2f}x "
          "(bar: 2x)")


if __name__ == "__main__":
    main()
