"""Group size in people (or cost base): minimum and maximum totals per group, against
brute force over every set partition of small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_grouping import set_partitions

from partnerfit.errors import DataValidationError, InfeasibleError
from partnerfit.grouping import GroupTotal, enumerate_groups, pairwise_values, solve_partition


def _instance(n, seed):
    rng = np.random.default_rng(seed)
    edges = [(i, i + 1) for i in range(n - 1)]
    edges += [(i, j) for i, j in itertools.combinations(range(n), 2)
              if j > i + 1 and rng.random() < 0.3]
    score = np.round(rng.normal(0.4, 0.6, (n, n)), 3)
    score = np.triu(score, 1)
    pop = rng.integers(20, 200, size=n) * 1000
    return np.array(edges), score + score.T, pop


def _connected(block, edges):
    block = set(block)
    seen, stack = {min(block)}, [min(block)]
    while stack:
        u = stack.pop()
        for a, b in edges:
            for x, y in ((a, b), (b, a)):
                if x == u and y in block and y not in seen:
                    seen.add(y)
                    stack.append(y)
    return seen == block



def _brute(n, edges, score, pop, lo, hi, max_size, alone=None):
    best = -np.inf
    for part in set_partitions(list(range(n))):
        ok = True
        for b in part:
            if len(b) == 1:
                ok = alone is None or alone[b[0]]
            else:
                total = sum(pop[v] for v in b)
                ok = (len(b) <= max_size and _connected(b, edges)
                      and (lo is None or total >= lo) and (hi is None or total <= hi))
            if not ok:
                break
        if ok:
            best = max(best, sum(score[a, c] for b in part for a, c in
                                 itertools.combinations(b, 2)))
    return best


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("lo,hi", [(250_000, None), (None, 300_000), (200_000, 400_000)])
def test_population_limits_match_brute_force(seed, lo, hi):
    n = 8
    edges, score, pop = _instance(n, seed)
    g = enumerate_groups(n, edges, 2, 4, totals=[GroupTotal("population", pop, lo, hi)])
    for row in g.members:
        mem = row[row >= 0]
        if len(mem) >= 2:
            total = pop[mem].sum()
            assert (lo is None or total >= lo) and (hi is None or total <= hi)
    res = solve_partition(g, pairwise_values(g, score))
    assert res.objective == pytest.approx(_brute(n, edges, score, pop, lo, hi, 4), abs=1e-9)


def test_population_and_cost_limits_together_match_brute_force():
    n = 8
    edges, score, pop = _instance(n, 7)
    cost = np.round(pop * 0.01 + 300.0, 1)
    g = enumerate_groups(n, edges, 2, 5, totals=[
        GroupTotal("population", pop, minimum=150_000),
        GroupTotal("cost base", cost, maximum=5_500.0)])
    res = solve_partition(g, pairwise_values(g, score))
    best = -np.inf
    for part in set_partitions(list(range(n))):
        if all(len(b) == 1 or (len(b) <= 5 and _connected(b, edges)
                               and pop[b].sum() >= 150_000 and cost[b].sum() <= 5_500.0)
               for b in part):
            best = max(best, sum(score[a, c] for b in part
                                 for a, c in itertools.combinations(b, 2)))
    assert res.objective == pytest.approx(best, abs=1e-9)


def test_unknown_population_is_refused_by_position():
    edges, _, pop = _instance(5, 0)
    pop = pop.astype(float)
    pop[3] = np.nan
    with pytest.raises(DataValidationError, match="population is unknown.*position 3"):
        enumerate_groups(5, edges, 2, 3, totals=[GroupTotal("population", pop, 1.0)])


def test_floor_no_group_reaches_is_explained_for_a_council_that_must_be_grouped():
    edges = np.array([(0, 1), (1, 2)])
    pop = np.array([10, 10, 10])
    g = enumerate_groups(3, edges, 2, 3, totals=[GroupTotal("population", pop, 100)])
    assert int(g.sizes.max()) == 1  # every council stays alone
    with pytest.raises(InfeasibleError, match=r"node 1 must be grouped, but no group.*population"):
        solve_partition(g, np.zeros(len(g)), must_group_nodes=[1])


@pytest.mark.parametrize("limits", [{"min_population": 300_000},
                                    {"max_population": 260_000},
                                    {"min_population": 240_000, "max_population": 380_000}])
def test_propose_population_limits_match_brute_force(limits):
    import networkx as nx

    import partnerfit as pf
    from partnerfit.grouping import propose_groupings

    date, names = "2009-06-01", ["Lancaster", "Preston", "South Ribble", "Chorley",
                                 "West Lancashire"]
    codes = sorted(pf.find_council(c, date) for c in names)
    pop = pf.load_councils(date).loc[codes, "population"].to_numpy(float)
    adj = pf.adjacency(date, water=False)
    g = nx.Graph()
    g.add_nodes_from(range(5))
    g.add_edges_from((codes.index(a), codes.index(b)) for a, b in zip(adj["a"], adj["b"])
                     if a in codes and b in codes)
    score = pf.pairwise_scores(codes, "finance", as_of=date).loc[codes, codes].to_numpy() - 50
    lo, hi = limits.get("min_population", -np.inf), limits.get("max_population", np.inf)
    best = -np.inf
    for part in set_partitions(list(range(5))):
        if all(len(b) == 1 or (len(b) <= 4 and nx.is_connected(g.subgraph(b))
                               and lo <= pop[b].sum() <= hi) for b in part):
            best = max(best, sum(score[a, c] for b in part for a, c in
                                 itertools.combinations(b, 2)))
    plan = propose_groupings(names, "finance", as_of=date, **limits)
    assert plan.verify()
    assert plan.objective == pytest.approx(best, abs=1e-6)
    for _, grp in plan.groups.groupby("group"):
        members = [codes.index(c) for c in grp["council"]]
        if len(members) >= 2:
            assert lo <= pop[members].sum() <= hi
    assert plan.constraints == {**plan.constraints, **limits}


def test_propose_cost_base_limit_without_costs_is_refused():
    from partnerfit.grouping import propose_groupings

    with pytest.raises(DataValidationError, match="needs a cost base"):
        propose_groupings(["Lancaster", "Preston"], "finance", as_of="2009-06-01",
                          max_cost_base=10.0)
