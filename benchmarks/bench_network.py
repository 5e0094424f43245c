"""Benchmark: building the national sharing network and its metrics.

Baseline (same process, same input rows): a spreadsheet-style pure-Python script that scans
the arrangement rows for every council to find its partners, builds the edge list in nested
loops, and counts shared partners by set intersection over every pair of councils. Both must
give the same degrees and shared-partner counts.

Uses the bundled arrangements; if they do not validate, a synthetic national table (each
county with its districts, neighbouring districts in pairs) so the benchmark still runs.
Run: ``python benchmarks/bench_network.py``.
"""

from __future__ import annotations

import itertools
import time

import pandas as pd
from _timing import best_of

from partnerfit import links as links_mod
from partnerfit import network as N
from partnerfit.errors import DataValidationError
from partnerfit.links import ARRANGEMENT_COLUMNS, load_links
from partnerfit.register import load_councils

DATE = "2024-04-01"




def synthetic(date: str) -> pd.DataFrame:
    reg = load_councils(date)
    rows = []
    for county in sorted(reg.index[reg["tier"] == "county"]):
        districts = sorted(reg.index[reg["county"] == county])
        groups = [(f"{county}-procurement", "procurement", [county, *districts])]
        groups += [(f"{d}-rb", "revenues_benefits", districts[i:i + 2])
                   for i, d in enumerate(districts[:-1]) if i % 2 == 0]
        for arr, service, members in groups:
            for c in members:
                rows.append({"arrangement": arr.lower(), "partnership": "", "name": arr,
                             "service": service, "model": "federal", "council": c,
                             "council_name": "", "role": "partner", "start": date, "end": "",
                             "notes": "", "source_title": "synthetic", "source_publisher": "x",
                             "source_date": "", "source_url": ""})
    return pd.DataFrame(rows, columns=list(ARRANGEMENT_COLUMNS))


def naive(rows: list[dict], councils: list[str]) -> tuple[dict, dict]:
    """Pure Python: degree per council and shared-partner counts per pair (shared >= 1)."""
    edges: list[tuple[str, str]] = []
    for r in rows:  # every row against every row of the same arrangement
        for s in rows:
            if r["arrangement"] == s["arrangement"] and r["council"] < s["council"]:
                e = (r["council"], s["council"])
                if e not in edges:
                    edges.append(e)
    partners = {c: set() for c in councils}
    for a, b in edges:
        partners[a].add(b)
        partners[b].add(a)
    degree = {c: len(p) for c, p in partners.items()}
    shared = {}
    for a, b in itertools.combinations(sorted(councils), 2):
        k = len(partners[a] & partners[b])
        if k:
            shared[(a, b)] = k
    return degree, shared


def main() -> None:
    try:
        load_links()
        table, what = None, "bundled arrangements"
    except DataValidationError as exc:
        table = synthetic(DATE)
        what = f"SYNTHETIC table (bundled data has {len(exc.problems)} problems)"
    # cold: validation of the arrangements table included
    t = time.perf_counter()
    if table is None:
        links_mod._bundled_arrangements.cache_clear()
    G = N.sharing_graph(DATE, links=table)
    cold_s = time.perf_counter() - t

    build_s = best_of(lambda: N.sharing_graph(DATE, links=table))
    metrics = {
        "degree_table": lambda: N.degree_table(G),
        "components": lambda: N.components(G),
        "clusters (louvain)": lambda: N.clusters(G, seed=0),
        "shared_partner_counts": lambda: N.shared_partner_counts(G),
        "summary": lambda: N.summary(G),
        "partners + partners_of_partners": lambda: (N.partners(G, "E07000118"),
                                                    N.partners_of_partners(G, "E07000118")),
    }
    times = {k: best_of(f) for k, f in metrics.items()}

    rows = load_links(DATE, links=table).to_dict("records")
    councils = list(G.nodes)
    naive_s = best_of(lambda: naive(rows, councils), repeat=3)
    def ours():
        H = N.sharing_graph(DATE, links=table)
        return dict(H.degree()), N.shared_partner_counts(H)

    fast_s = best_of(ours)

    degree, shared = naive(rows, councils)
    dt = N.degree_table(G)
    assert degree == dt["degree"].to_dict(), "degree differs from the naive baseline"
    spc = N.shared_partner_counts(G)
    assert shared == dict(zip(zip(spc["a"], spc["b"], strict=True), spc["shared"],
                              strict=True)), "shared-partner counts differ from the baseline"

    s = N.summary(G)
    print(f"data: {what}, as of {DATE}: {s['councils']} councils, {s['sharing_councils']} "
          f"sharing, {s['links']} links, {s['arrangements']} arrangements")
    if table is not None:
        print("note: a user table passed as links= is validated on every call, which dominates "
              "'warm' here; the bundled table is validated once and cached")
    print(f"sharing_graph cold (load + validate + build): {cold_s * 1e3:8.1f} ms")
    print(f"sharing_graph warm:                           {build_s * 1e3:8.1f} ms")
    for k, v in times.items():
        print(f"  {k:<44}{v * 1e3:8.1f} ms")
    total = build_s + sum(times.values())
    print(f"network + all metrics (warm):                 {total * 1e3:8.1f} ms")
    print("same job, same rows: network with degrees and shared-partner counts")
    print(f"  partnerfit (sharing_graph + shared_partner_counts): {fast_s * 1e3:7.1f} ms")
    print(f"  naive pure-Python loops:                            {naive_s * 1e3:7.1f} ms  "
          f"ratio {naive_s / fast_s:5.1f}x")


if __name__ == "__main__":
    main()
