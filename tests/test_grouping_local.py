"""Local search on a partition: valid, never worse, and no improving move or swap left
(checked by trying every move and swap directly on the node sets)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from partnerfit.grouping import enumerate_groups, pairwise_values
from partnerfit.grouping._backends import LinearProblem
from partnerfit.grouping.local import improve_partition


def _problem(n, seed):
    rng = np.random.default_rng(seed)
    edges = [(i, i + 1) for i in range(n - 1)]
    edges += [(i, j) for i, j in itertools.combinations(range(n), 2)
              if j > i + 1 and rng.random() < 0.25]
    score = np.triu(np.round(rng.normal(0.2, 1.0, (n, n)), 3), 1)
    g = enumerate_groups(n, np.array(edges), 2, 4)
    vals = pairwise_values(g, score + score.T)
    A = g.incidence()
    ones = np.ones(n)
    return g, vals, LinearProblem(vals, A, ones, ones.copy(), np.ones(len(g)),
                                  np.ones(len(g), bool))


def _no_better_neighbour(g, vals, plan_sets):
    value = {frozenset(int(v) for v in r if v >= 0): vals[j] for j, r in enumerate(g.members)}

    def v(s):
        return 0.0 if not s else value.get(frozenset(s), None)

    base = sum(v(s) for s in plan_sets)
    for a, b in itertools.permutations(range(len(plan_sets)), 2):
        A, B = plan_sets[a], plan_sets[b]
        for i in A:
            cand = [(A - {i}, B | {i})] + [((A - {i}) | {k}, (B - {k}) | {i}) for k in B]
            for na, nb in cand:
                if v(na) is None or v(nb) is None:
                    continue
                rest = base - v(A) - v(B)
                assert rest + v(na) + v(nb) <= base + 1e-7, (A, B, na, nb)
        # a council of A going alone
        for i in A:
            if len(A) > 1 and v(A - {i}) is not None:
                assert base - v(A) + v(A - {i}) + v({i}) <= base + 1e-7


@pytest.mark.parametrize("seed", range(5))
def test_local_search_is_valid_never_worse_and_leaves_no_improving_move(seed):
    n = 14
    g, vals, prob = _problem(n, seed)
    x0 = (g.sizes == 1).astype(float)  # everyone alone
    x = improve_partition(prob, x0)
    assert np.array_equal(prob.A @ x, np.ones(n))
    assert vals @ x >= vals @ x0 - 1e-12
    plan_sets = [{int(v) for v in g.members[j] if v >= 0} for j in np.flatnonzero(x > 0.5)]
    _no_better_neighbour(g, vals, plan_sets)
