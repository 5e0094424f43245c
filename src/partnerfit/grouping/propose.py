"""``propose_groupings``: the optimiser applied to real councils, one service at a time.

Group value: the sum over pairs in the group of ``pair score - min_pair_score``, where the pair
score is :func:`partnerfit.scoring.pairwise_scores` (the shortlist's criteria, value functions
and weights, 0-100). A council alone scores 0, so a pair is only grouped when its score beats
``min_pair_score`` on balance. Groups are contiguous on the register's adjacency on ``as_of``
(land borders; water too with ``water=True``). Councils whose tier does not deliver a service
stay out of that service. Each service is solved exactly (proven bound and gap).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np

from .._dates import DateLike, to_date, today
from ..register import adjacency, find_council, load_councils
from ..services import check_service, tier_delivers
from .enumerate import enumerate_groups
from .model import solve_partition
from .plan import Plan, PlanSpec, build_plan
from .values import pairwise_values

__all__ = ["propose_groupings"]


def propose_groupings(councils: Iterable[str], services: str | Iterable[str], *,
                      as_of: DateLike = None, min_size: int = 2, max_size: int = 4,
                      contiguous: bool = True, water: bool = False,
                      min_pair_score: float = 50.0, weights=None, links=None, systems=None,
                      solver: str = "highs", time_limit: float | None = None) -> Plan:
    """Propose partner groupings for a set of councils and one or more services.

    Parameters
    ----------
    councils : iterable of str
        Names or codes (resolved on ``as_of``).
    services : str or iterable of str
        Service ids.
    as_of : date-like, optional
        Date of the map, arrangements and systems (default today).
    min_size, max_size : int
        Bounds on the size of a group of two or more (a council may also stay alone).
    contiguous : bool
        Groups must be connected on the adjacency graph of the date.
    water : bool
        Count pairs across water as adjacent.
    min_pair_score : float
        Pair score (0-100) below which pairing costs value; see the module docstring.
    weights, links, systems
        As for :func:`partnerfit.shortlist`.
    solver : {"highs", "cbc"}
    time_limit : float, optional
        Seconds per service.

    Returns
    -------
    Plan
        ``.groups`` one row per (group, service, council) with role and delivery model;
        ``.objective``, ``.bound``, ``.gap``, ``.status``; ``.verify()``.
    """
    from ..scoring import pairwise_scores

    date = to_date(as_of) or today()
    svc = [services] if isinstance(services, str) else list(services)
    for s in svc:
        check_service(s)
    codes = sorted({find_council(c, date) for c in councils})
    reg = load_councils(date).loc[codes]
    adj = adjacency(date, water=water)
    pos = {c: i for i, c in enumerate(codes)}
    inside = adj[adj["a"].isin(pos) & adj["b"].isin(pos)]
    edges = np.array([[pos[a], pos[b]] for a, b in zip(inside["a"], inside["b"])],
                     dtype=int).reshape(-1, 2)
    chosen, eligible, value_fns = {}, {}, {}
    objective = bound = 0.0
    n_columns = 0
    status = "optimal"
    t0 = time.perf_counter()
    for s in svc:
        ok = np.array([tier_delivers(reg.at[c, "tier"], s) for c in codes])
        eligible[s] = {c for c, k in zip(codes, ok) if k}
        score = pairwise_scores(codes, s, as_of=date, weights=weights, links=links,
                                systems=systems).to_numpy() - min_pair_score
        np.fill_diagonal(score, 0.0)
        groups = enumerate_groups(len(codes), edges, min_size, max_size, allowed=ok,
                                  contiguous=contiguous)
        values = pairwise_values(groups, score)
        res = solve_partition(groups, values, len(codes), solver=solver,
                              time_limit=time_limit)
        lists = groups.as_lists()
        chosen[s] = [lists[i] for i in res.chosen if all(ok[j] for j in lists[i])]
        objective += res.objective
        bound += res.bound
        n_columns += res.n_columns
        if res.status != "optimal":
            status = res.status
        value_fns[s] = (lambda g, m=score: float(sum(m[a, b] for i, a in enumerate(g)
                                                     for b in g[i + 1:])))
    spec = PlanSpec(codes=codes, eligible=eligible, value_functions=value_fns,
                    min_size=min_size, max_size=max_size, edges=edges, contiguous=contiguous)
    attrs = reg[["population", "tier"]].copy()
    return build_plan(chosen, spec, objective=objective, bound=bound, status=status,
                      solver=solver, time_s=time.perf_counter() - t0, n_columns=n_columns,
                      names=reg["name"].tolist(), attributes=attrs)
