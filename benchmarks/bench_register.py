"""Benchmark: loading the register and answering date queries.

Baseline (same process): re-reading the CSV and filtering row by row in Python for every query,
as a spreadsheet-style script would. Run: ``python benchmarks/bench_register.py``.
"""

from __future__ import annotations

import csv

from _timing import best_of

import partnerfit as pf
from partnerfit import register
from partnerfit._paths import bundled

DATES = ["2009-03-31", "2009-04-01", "2014-04-01", "2019-04-01", "2021-04-01", "2023-04-01"]




def naive_query(date: str) -> int:
    with open(bundled("councils", "councils.csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return sum(1 for r in rows if (r["valid_from"] or "0000") <= date <= (r["valid_to"] or "9999"))


def main() -> None:
    def cold() -> None:
        register._bundled_councils.cache_clear()
        register._bundled_name_index.cache_clear()
        pf.load_councils()

    cold_s = best_of(cold)
    pf.load_councils()
    query_s = best_of(lambda: [pf.load_councils(d) for d in DATES]) / len(DATES)
    naive_s = best_of(lambda: [naive_query(d) for d in DATES]) / len(DATES)
    assert [len(pf.load_councils(d)) for d in DATES] == [naive_query(d) for d in DATES]
    find_s = best_of(lambda: pf.find_council("Lancaster", "2014-04-01"))
    adj_s = best_of(lambda: pf.adjacency("2014-04-01"))
    print(f"cold load (parse + validate 472 rows): {cold_s * 1e3:8.1f} ms")
    print(f"date query (warm):                      {query_s * 1e3:8.2f} ms")
    print(f"naive baseline per query (re-read CSV): {naive_s * 1e3:8.2f} ms  "
          f"ratio {naive_s / query_s:5.1f}x")
    print(f"find_council (warm):                    {find_s * 1e3:8.2f} ms")
    print(f"adjacency on a date (warm):             {adj_s * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
