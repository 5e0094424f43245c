"""propose_groupings on real councils, checked against brute force over all partitions."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

import partnerfit as pf

MID_LANCS = ["Lancaster", "Preston", "South Ribble", "Chorley", "West Lancashire"]
DATE = "2009-06-01"


def _partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        for i in range(len(part)):
            yield part[:i] + [[first, *part[i]]] + part[i + 1:]
        yield [[first], *part]


def test_mid_lancashire_plan_is_optimal_by_brute_force():
    plan = pf.propose_groupings(MID_LANCS, ["revenues_benefits"], as_of=DATE)
    plan.verify()
    codes = sorted(pf.find_council(c, DATE) for c in MID_LANCS)
    score = pf.pairwise_scores(codes, "revenues_benefits", as_of=DATE).to_numpy() - 50.0
    adj = pf.adjacency(DATE, water=False)
    g = nx.Graph()
    g.add_nodes_from(codes)
    g.add_edges_from((a, b) for a, b in zip(adj["a"], adj["b"]) if a in codes and b in codes)
    best = -np.inf
    for part in _partitions(codes):
        if any(len(p) > 4 or (len(p) > 1 and not nx.is_connected(g.subgraph(p)))
               for p in part):
            continue
        idx = [[codes.index(c) for c in p] for p in part]
        val = sum(score[a, b] for p in idx for a, b in itertools.combinations(p, 2))
        best = max(best, val)
    assert plan.objective == pytest.approx(best, abs=1e-6)
    assert plan.gap == pytest.approx(0.0, abs=1e-9)
    rows = plan.groups
    assert sorted(rows["council"]) == codes  # every council exactly once


def test_unknown_council_in_groupings_suggests_matches():
    with pytest.raises(pf.UnknownCouncilError, match="Lancaster"):
        pf.propose_groupings(["Lancster", "Preston"], "finance", as_of=DATE)
