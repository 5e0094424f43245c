"""The window search of the multi-service optimiser, against independent computations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from partnerfit.grouping import (
    ServiceProblem,
    clock,
    enumerate_groups,
    pairwise_values,
    solve_partition,
    solve_services,
)
from partnerfit.grouping.joint import build_joint_model
from partnerfit.grouping.options import SolverOptions
from partnerfit.grouping.windows import neighbours, window, window_search


def grid(rows, cols):
    """Edges of a rows x cols grid map (node r * cols + c)."""
    edges = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    edges += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return np.array(edges)


def services_on(n, edges, n_services, seed, max_size=3):
    g = enumerate_groups(n, edges, 2, max_size)
    rng = np.random.default_rng(seed)
    base = rng.normal(0.2, 1.0, (n, n))
    scores = []
    for _ in range(n_services):
        s = base + rng.normal(0, 1.0, (n, n))
        scores.append(np.round((s + s.T) / 2, 3))
    return g, scores, {f"s{k}": ServiceProblem(g, pairwise_values(g, s))
                       for k, s in enumerate(scores)}


def plan_value(groups_by_service, scores, beta):
    """Group values plus consistency, counted here from the groups' node lists."""
    total = 0.0
    together: dict[tuple[int, int], int] = {}
    for groups, score in zip(groups_by_service, scores):
        for grp in groups:
            for a, b in itertools.combinations(sorted(grp), 2):
                total += score[a, b]
                together[(a, b)] = together.get((a, b), 0) + 1
    return total + beta * sum(max(k - 1, 0) for k in together.values())


def node_lists(model, choice):
    return [[[int(v) for v in b.members[j] if v >= 0] for j in ch]
            for b, ch in zip(model.blocks, choice)]


def is_partition(groups, n):
    cover = np.zeros(n, int)
    for grp in groups:
        cover[grp] += 1
    return bool(np.all(cover == 1))


def test_window_holds_the_nearest_councils_ties_by_number():
    # a path 0-1-...-9: groups of two are the only columns, so steps are path steps
    n = 10
    edges = np.array([(i, i + 1) for i in range(n - 1)])
    _, _, svc = services_on(n, edges, 2, 0, max_size=2)
    model = build_joint_model(svc, np.full((n, n), 0.5), n)
    adj = neighbours(model)
    assert [list(a) for a in adj[:3]] == [[1], [0, 2], [1, 3]]
    assert list(window(adj, 5, 3)) == [4, 5, 6]
    assert list(window(adj, 5, 2)) == [4, 5]  # 4 and 6 tie: the lower number first
    assert list(window(adj, 0, 4)) == [0, 1, 2, 3]
    assert list(window(adj, 9, 20)) == list(range(10))


@pytest.mark.parametrize("seed", range(3))
def test_window_search_never_loses_and_keeps_every_service_a_partition(seed):
    rows, cols, beta = 3, 5, 0.6
    n = rows * cols
    _, scores, svc = services_on(n, grid(rows, cols), 3, seed)
    model = build_joint_model(svc, np.full((n, n), beta), n)
    # start: each service on its own (an independent solve of each service)
    start = []
    for b, (name, prob) in zip(model.blocks, svc.items()):
        chosen = solve_partition(prob.groups, prob.values).chosen
        start.append(np.sort(np.searchsorted(b.cols, chosen)))
    v0 = plan_value(node_lists(model, start), scores, beta)
    log: list[str] = []
    better, val = window_search(model, start, SolverOptions(), None, log, size=6)
    groups = node_lists(model, better)
    assert all(is_partition(gs, n) for gs in groups)
    assert val == pytest.approx(plan_value(groups, scores, beta))
    assert val >= v0 - 1e-9
    exact = solve_services(svc, consistency=beta, presolve=False)
    assert val <= exact.objective + 1e-6
    assert log and log[0].startswith("window search:")


def test_window_search_improves_a_poor_plan():
    # everyone alone is a poor plan when pair values are positive: a window must do better
    rows, cols, beta = 3, 4, 0.5
    n = rows * cols
    g = enumerate_groups(n, grid(rows, cols), 2, 3)
    score = np.full((n, n), 0.3)
    svc = {f"s{k}": ServiceProblem(g, pairwise_values(g, score)) for k in range(2)}
    model = build_joint_model(svc, np.full((n, n), beta), n)
    alone = [np.flatnonzero((b.members >= 0).sum(axis=1) == 1) for b in model.blocks]
    better, val = window_search(model, alone, SolverOptions(), None, [], size=5)
    assert model.value(alone) == 0.0
    assert val > 0.0
    assert val == pytest.approx(plan_value(node_lists(model, better), [score, score], beta))


def test_window_search_stops_by_its_deadline():
    """Fake clock charged the whole limit of every solver call: no call is started once
    the deadline (less half a second) has passed, and none is allowed past it."""
    rows, cols, beta = 3, 5, 0.6
    n = rows * cols
    _, _, svc = services_on(n, grid(rows, cols), 2, 1)
    model = build_joint_model(svc, np.full((n, n), beta), n)
    alone = [np.flatnonzero((b.members >= 0).sum(axis=1) == 1) for b in model.blocks]
    t = [1000.0]
    limits: list[float] = []

    def charge(limit):
        assert limit is not None
        limits.append(limit)
        t[0] += limit

    with clock.using(lambda: t[0], charge):
        _, val = window_search(model, alone, SolverOptions(), 1003.0, [], size=4)
    assert limits and t[0] <= 1003.0 + 1e-9
    assert val >= 0.0


@pytest.mark.parametrize("share", [1.0, 0.3])
def test_reported_gap_and_bound_against_independent_figures(share):
    """Under a tight (fake-clock) limit on a 35-council map: the plan's value recounted
    from its groups equals the reported objective, the bound is at or above the exact
    optimum (plain joint MILP, unlimited), and the gap is (bound - plan) / bound."""
    rows, cols, beta = 5, 7, 0.5
    n = rows * cols
    _, scores, svc = services_on(n, grid(rows, cols), 3, 5)
    exact = solve_services(svc, consistency=beta, presolve=False)
    assert exact.status == "optimal"
    t = [1000.0]
    with clock.using(lambda: t[0], lambda limit: t.__setitem__(0, t[0] + share * limit)):
        res = solve_services(svc, consistency=beta, time_limit=30.0)
    assert t[0] - 1000.0 <= 30.0 * 1.05
    groups = [[[int(v) for v in svc[s].groups.members[j] if v >= 0] for j in res.chosen[s]]
              for s in svc]
    assert all(is_partition(gs, n) for gs in groups)
    value = plan_value(groups, scores, beta)
    assert res.objective == pytest.approx(value)
    assert value <= exact.objective + 1e-6
    assert res.bound >= exact.objective - 1e-6
    assert res.gap == pytest.approx((res.bound - value) / res.bound)
