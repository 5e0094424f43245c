"""Benchmark: a shortlist with the two-way columns against the plain shortlist, same process.

The two-way columns need every candidate's own shortlist: one all-pairs pass over every council
delivering the service (:mod:`partnerfit.two_way`). Measured three ways, best of three each:
"first call" (every cache of the package cleared: registers, boundaries, contexts, as in a
fresh process after the import), "new date" (registers kept, the date's context and the
all-pairs caches cleared) and "warm" (context built; the all-pairs caches cleared so the pass is
redone). Target (issue 15): the first call with the two-way columns within 2x of without.
Run: ``python benchmarks/bench_two_way.py``.
"""

from __future__ import annotations

import sys
import time

import partnerfit as pf
from partnerfit import criteria, two_way

CASES = [("Wyre Forest", "building_control", "2024-04-01"),
         ("Lancaster", "revenues_benefits", "2009-06-01")]


def _clear(level: str) -> None:
    two_way._cache.clear()
    two_way._values.clear()
    two_way._blocks.clear()
    if level == "new date":
        criteria._bundled_context.cache_clear()
    if level == "first call":
        for name, module in list(sys.modules.items()):
            if name.startswith("partnerfit"):
                for obj in list(vars(module).values()):
                    if callable(getattr(obj, "cache_clear", None)):
                        obj.cache_clear()


def _time(council: str, service: str, date: str, tw: bool, level: str) -> float:
    _clear(level)
    t = time.perf_counter()
    pf.shortlist(council, service, as_of=date, two_way=tw)
    return time.perf_counter() - t


def main() -> None:
    pf.shortlist(*CASES[0][:2], as_of=CASES[0][2], two_way=False)  # imports, registers read
    for council, service, date in CASES:
        for label in ("first call", "new date", "warm"):
            plain, both = [], []
            for _ in range(3):  # alternate, keep the best of each
                plain.append(_time(council, service, date, False, label))
                both.append(_time(council, service, date, True, label))
            p, b = min(plain), min(both)
            print(f"{council}, {service}, {date}, {label}: plain {p * 1e3:7.0f} ms, "
                  f"two-way {b * 1e3:7.0f} ms, ratio {b / p:4.2f}")


if __name__ == "__main__":
    main()
