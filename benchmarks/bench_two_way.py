"""Benchmark: a shortlist with the two-way columns against the plain shortlist, same process.

The two-way columns need every candidate's own shortlist: one all-pairs pass over every council
delivering the service (:mod:`partnerfit.two_way`). Its caches: the scores per context, service
and settings; the weights-independent blocks per context and service; each criterion's values
for every pair, shared between contexts and services that do not change them. Measured five
ways, best of five each, plain and two-way calls alternating:

``first call``
    every cache of the package cleared (registers, boundaries, contexts, all two-way caches),
    as in a fresh process after the import;
``new date``
    registers kept; the date's context and every two-way cache cleared (everything about the
    date computed afresh);
``warm, other service``
    context built and a two-way shortlist of another service made on the same date (so the
    values that do not depend on the service are known); this service not seen before;
``warm, other weights``
    this context and service seen before with other weights: the blocks kept, the scores
    redone (as when an officer changes the weights, method, distance limit or policy);
``warm, from scratch``
    context built, every two-way cache cleared: the whole pass redone on a warm context (what
    no session does twice, reported for the cost of the pass itself).

Target (issue 15): a shortlist with the two-way columns within 2x of one without.
Run: ``python benchmarks/bench_two_way.py``.
"""

from __future__ import annotations

import sys
import time

import partnerfit as pf
from partnerfit import criteria, two_way

#: (council, service, date, another service of the same councils on that date)
CASES = [("Wyre Forest", "building_control", "2024-04-01", "revenues_benefits"),
         ("Lancaster", "revenues_benefits", "2009-06-01", "building_control")]
ROWS = ("first call", "new date", "warm, other service", "warm, other weights",
        "warm, from scratch")


def _other_weights(service: str) -> dict[str, float]:
    """The default weights with distance counting double."""
    w = pf.scoring.default_weights(service).to_dict()
    return {**w, "distance": 2 * w["distance"]}


def _clear_two_way() -> None:
    for cache in (two_way._cache, two_way._values, two_way._blocks):  # every two-way cache
        cache.clear()


def _prepare(row: str, council: str, service: str, date: str, other: str) -> None:
    if row == "warm, other weights":
        two_way._cache.clear()
        pf.shortlist(council, service, as_of=date, weights=_other_weights(service), two_way=True)
        return
    _clear_two_way()
    if row == "new date":
        criteria._bundled_context.cache_clear()
    elif row == "first call":
        for name, module in list(sys.modules.items()):
            if name.startswith("partnerfit"):
                for obj in list(vars(module).values()):
                    if callable(getattr(obj, "cache_clear", None)):
                        obj.cache_clear()
    elif row == "warm, other service":
        pf.shortlist(council, other, as_of=date, two_way=True)


def _time(case: tuple[str, str, str, str], tw: bool, row: str) -> float:
    council, service, date, other = case
    _prepare(row, council, service, date, other)
    t = time.perf_counter()
    pf.shortlist(council, service, as_of=date, two_way=tw)
    return time.perf_counter() - t


def main() -> None:
    pf.shortlist(*CASES[0][:2], as_of=CASES[0][2], two_way=False)  # imports, registers read
    for case in CASES:
        for row in ROWS:
            plain, both = [], []
            for _ in range(5):  # alternate, keep the best of each
                plain.append(_time(case, False, row))
                both.append(_time(case, True, row))
            p, b = min(plain), min(both)
            print(f"{case[0]}, {case[1]}, {case[2]}, {row}: plain {p * 1e3:7.0f} ms, "
                  f"two-way {b * 1e3:7.0f} ms, ratio {b / p:4.2f}")


if __name__ == "__main__":
    main()
