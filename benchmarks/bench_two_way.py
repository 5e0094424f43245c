"""Benchmark: a shortlist with the two-way columns against the plain shortlist, same process.

The two-way columns need every candidate's own shortlist: one all-pairs pass over every council
delivering the service (:mod:`partnerfit.two_way`). Measured cold (the date's context and every
cache cleared before each call, as for a first call) and warm (context built; the all-pairs
cache cleared so the pass is redone). Target (issue 15): cold ratio at most 2.
Run: ``python benchmarks/bench_two_way.py``.
"""

from __future__ import annotations

import time

import partnerfit as pf
from partnerfit import criteria, two_way

CASES = [("Wyre Forest", "building_control", "2024-04-01"),
         ("Lancaster", "revenues_benefits", "2009-06-01")]


def _clear(context: bool) -> None:
    two_way._cache.clear()
    two_way._values.clear()
    if context:
        criteria._bundled_context.cache_clear()


def _time(council: str, service: str, date: str, tw: bool, context: bool) -> float:
    _clear(context)
    t = time.perf_counter()
    pf.shortlist(council, service, as_of=date, two_way=tw)
    return time.perf_counter() - t


def main() -> None:
    pf.shortlist(*CASES[0][:2], as_of=CASES[0][2], two_way=False)  # imports, registers read
    for council, service, date in CASES:
        for label, context in (("cold", True), ("warm", False)):
            plain, both = [], []
            for _ in range(3):  # alternate, keep the best of each
                plain.append(_time(council, service, date, False, context))
                both.append(_time(council, service, date, True, context))
            p, b = min(plain), min(both)
            print(f"{council}, {service}, {date}, {label}: plain {p * 1e3:7.0f} ms, "
                  f"two-way {b * 1e3:7.0f} ms, ratio {b / p:4.2f}")


if __name__ == "__main__":
    main()
