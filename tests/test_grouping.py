"""Tests of the grouping optimiser against brute force (all set partitions)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from partnerfit.errors import DataValidationError, InfeasibleError
from partnerfit.grouping import (
    PlanSpec,
    PlanVerificationError,
    build_plan,
    enumerate_groups,
    group_values,
    pairwise_values,
    solve_partition,
)

# ---------------------------------------------------------------- independent helpers


def random_instance(n, seed, p_edge=0.45):
    """Random connected-ish graph (a path plus random chords) and symmetric scores."""
    rng = np.random.default_rng(seed)
    edges = {(i, i + 1) for i in range(n - 1) if rng.random() < 0.85}
    for i, j in itertools.combinations(range(n), 2):
        if j > i + 1 and rng.random() < p_edge / (j - i):
            edges.add((i, j))
    score = rng.normal(0.3, 1.0, (n, n))
    score = np.round((score + score.T) / 2, 3)
    return np.array(sorted(edges)), score


def is_connected(nodes, edges):
    nodes = set(nodes)
    adj = {v: set() for v in nodes}
    for a, b in edges:
        if a in nodes and b in nodes:
            adj[a].add(b)
            adj[b].add(a)
    start = next(iter(nodes))
    seen, stack = {start}, [start]
    while stack:
        for w in adj[stack.pop()]:
            if w not in seen:
                seen.add(w)
                stack.append(w)
    return seen == nodes


def set_partitions(items):
    """All set partitions of a list (recursive, plain Python)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest):
        yield [[first], *part]
        for k in range(len(part)):
            yield [*part[:k], [first, *part[k]], *part[k + 1:]]


def block_ok(block, edges, lo, hi, alone, contiguous):
    if len(block) == 1:
        return alone
    if not lo <= len(block) <= hi:
        return False
    return is_connected(block, edges) if contiguous else True


def brute_force(n, edges, value, lo, hi, *, alone=True, contiguous=True, must=(), forbid=()):
    best, best_part = -np.inf, None
    for part in set_partitions(list(range(n))):
        if not all(block_ok(b, edges, lo, hi, alone, contiguous) for b in part):
            continue
        where = {v: k for k, b in enumerate(part) for v in b}
        if any(where[a] != where[b] for a, b in must):
            continue
        if any(where[a] == where[b] for a, b in forbid):
            continue
        total = sum(value(sorted(b)) for b in part)
        if total > best + 1e-12:
            best, best_part = total, part
    return best, best_part


def pair_value(score):
    def f(block):
        return sum(score[a, b] for a, b in itertools.combinations(block, 2))
    return f


# ---------------------------------------------------------------- enumeration


@pytest.mark.parametrize("seed", range(4))
def test_enumeration_matches_brute_force_connected_subsets(seed):
    n = 9
    edges, _ = random_instance(n, seed)
    g = enumerate_groups(n, edges, 2, 4, allow_alone=False)
    got = {tuple(r) for r in g.as_lists()}
    want = {c for k in range(2, 5) for c in itertools.combinations(range(n), k)
            if is_connected(c, edges)}
    assert got == want


def test_enumeration_non_contiguous_with_distance_and_pairs():
    n = 8
    rng = np.random.default_rng(3)
    pts = rng.random((n, 2))
    dist = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    forbid = [(0, 1), (2, 5)]
    must = [(3, 4)]
    g = enumerate_groups(n, None, 2, 3, contiguous=False, max_distance=0.6, distance=dist,
                         forbidden_pairs=forbid, must_pairs=must)
    got = {tuple(r) for r in g.as_lists()}
    want = set()
    for k in (1, 2, 3):
        for c in itertools.combinations(range(n), k):
            if any(dist[a, b] > 0.6 for a, b in itertools.combinations(c, 2)):
                continue
            if any(a in c and b in c for a, b in forbid):
                continue
            if any((a in c) != (b in c) for a, b in must):
                continue
            want.add(c)
    assert got == want


# ---------------------------------------------------------------- exactness


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("bounds", [(2, 3), (2, 4), (3, 4)])
def test_highs_matches_brute_force(seed, bounds):
    n = 8 + seed % 2
    lo, hi = bounds
    edges, score = random_instance(n, seed)
    g = enumerate_groups(n, edges, lo, hi)
    vals = pairwise_values(g, score)
    res = solve_partition(g, vals)
    best, _ = brute_force(n, edges, pair_value(score), lo, hi)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, abs=1e-7)
    assert res.bound == pytest.approx(best, abs=1e-6)
    # the chosen groups form a partition and add up to the objective
    chosen = [g.as_lists()[j] for j in res.chosen]
    assert sorted(v for c in chosen for v in c) == list(range(n))
    assert sum(pair_value(score)(c) for c in chosen) == pytest.approx(best, abs=1e-7)


def test_ten_nodes_naive_and_presolved_and_cbc_agree_with_brute_force():
    n = 10
    edges, score = random_instance(n, 42, p_edge=0.6)
    g = enumerate_groups(n, edges, 2, 4)
    vals = pairwise_values(g, score)
    best, _ = brute_force(n, edges, pair_value(score), 2, 4)
    for kwargs in ({}, {"presolve": False}, {"solver": "cbc"},
                   {"solver": "cbc", "presolve": False}, {"decompose": False}):
        res = solve_partition(g, vals, **kwargs)
        assert res.objective == pytest.approx(best, abs=1e-7), kwargs
        assert res.gap == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_callable_value_and_no_alone_match_brute_force(seed):
    n = 9
    edges, _score = random_instance(n, 100 + seed, p_edge=0.7)
    weight = np.random.default_rng(seed).random(n)

    def vec(members):  # non-pairwise: sqrt of summed weights, minus a per-member cost
        w = np.where(members >= 0, weight[np.maximum(members, 0)], 0.0)
        size = (members >= 0).sum(axis=1)
        return 2.0 * np.sqrt(w.sum(axis=1)) - 0.9 * size

    def scalar(block):
        return 2.0 * np.sqrt(weight[block].sum()) - 0.9 * len(block)

    g = enumerate_groups(n, edges, 2, 3, allow_alone=False)
    best, _ = brute_force(n, edges, scalar, 2, 3, alone=False)
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError):
            solve_partition(g, group_values(g, func=vec))
        return
    res = solve_partition(g, group_values(g, func=vec), solver="highs")
    res_cbc = solve_partition(g, group_values(g, func=vec), solver="cbc")
    assert res.objective == pytest.approx(best, abs=1e-7)
    assert res_cbc.objective == pytest.approx(best, abs=1e-7)


def test_must_and_forbidden_pairs_fixed_groups_and_must_group_match_brute_force():
    n = 9
    edges, score = random_instance(n, 7, p_edge=0.8)
    must, forbid = [(0, 1)], [(2, 3), (4, 5)]
    g = enumerate_groups(n, edges, 2, 4, must_pairs=must, forbidden_pairs=forbid)
    vals = pairwise_values(g, score)
    res = solve_partition(g, vals)
    best, _ = brute_force(n, edges, pair_value(score), 2, 4, must=must, forbid=forbid)
    assert res.objective == pytest.approx(best, abs=1e-7)
    # fix the first feasible group containing node 8, then compare with brute force
    fix = next(r for r in g.as_lists() if 8 in r and len(r) == 2)
    res_fixed = solve_partition(g, vals, fixed_groups=[fix])
    best_fixed = -np.inf
    for part in set_partitions(list(range(n))):
        if sorted(fix) not in [sorted(b) for b in part]:
            continue
        if not all(block_ok(b, edges, 2, 4, True, True) for b in part):
            continue
        where = {v: k for k, b in enumerate(part) for v in b}
        if any(where[a] != where[b] for a, b in must) or \
                any(where[a] == where[b] for a, b in forbid):
            continue
        best_fixed = max(best_fixed, sum(pair_value(score)(sorted(b)) for b in part))
    assert res_fixed.objective == pytest.approx(best_fixed, abs=1e-7)
    assert g.index_of(fix) in res_fixed.chosen


def test_disconnected_components_are_solved_separately_and_exactly():
    # two islands of 5 nodes each
    e1, s1 = random_instance(5, 1, p_edge=0.9)
    e2, s2 = random_instance(5, 2, p_edge=0.9)
    edges = np.concatenate([e1, e2 + 5])
    score = np.full((10, 10), -5.0)
    score[:5, :5], score[5:, 5:] = s1, s2
    g = enumerate_groups(10, edges, 2, 3)
    res = solve_partition(g, pairwise_values(g, score))
    best = brute_force(5, e1, pair_value(s1), 2, 3)[0] + brute_force(5, e2, pair_value(s2),
                                                                      2, 3)[0]
    assert res.objective == pytest.approx(best, abs=1e-7)
    assert res.n_blocks >= 2


@pytest.mark.parametrize("seed", range(3))
def test_warm_start_plans_valid_or_not_still_give_the_brute_force_optimum(seed):
    n = 8
    edges, score = random_instance(n, 40 + seed, p_edge=0.6)
    g = enumerate_groups(n, edges, 2, 3)
    vals = pairwise_values(g, score)
    best, _ = brute_force(n, edges, pair_value(score), 2, 3)
    rows = g.as_lists()
    singles = [j for j, r in enumerate(rows) if len(r) == 1]  # a valid, poor plan
    pair = next(j for j, r in enumerate(rows) if len(r) == 2)
    overlap = [pair, *singles]  # the pair's nodes are covered twice: not a plan
    for start in (singles, overlap, []):
        res = solve_partition(g, vals, start=start)
        assert res.status == "optimal"
        assert res.objective == pytest.approx(best, abs=1e-7)
        assert res.bound == pytest.approx(best, abs=1e-6)


def test_warm_start_with_an_unknown_group_index_is_refused():
    edges, score = random_instance(6, 1)
    g = enumerate_groups(6, edges, 2, 3)
    with pytest.raises(DataValidationError, match="start holds a group index outside"):
        solve_partition(g, pairwise_values(g, score), start=[len(g)])


# ---------------------------------------------------------------- infeasibility


def test_isolated_council_that_must_be_grouped_gives_clear_error():
    edges = np.array([[0, 1], [1, 2]])  # node 3 has no neighbour
    g = enumerate_groups(4, edges, 2, 3)
    labels = ["E07000001", "E07000002", "E07000003", "E07000004"]
    with pytest.raises(InfeasibleError) as err:
        solve_partition(g, np.zeros(len(g)), must_group_nodes=[3], labels=labels)
    msg = str(err.value)
    assert "E07000004" in msg and "must be grouped" in msg


def test_odd_path_without_singletons_is_infeasible_with_named_councils():
    edges = np.array([[0, 1], [1, 2]])
    g = enumerate_groups(3, edges, 2, 2, allow_alone=False)
    with pytest.raises(InfeasibleError) as err:
        solve_partition(g, np.zeros(len(g)), labels=["A", "B", "C"])
    assert "A" in str(err.value) and "C" in str(err.value)


def test_overlapping_fixed_groups_are_reported():
    edges = np.array([[0, 1], [1, 2], [2, 3]])
    g = enumerate_groups(4, edges, 2, 3)
    with pytest.raises(InfeasibleError) as err:
        solve_partition(g, np.zeros(len(g)), fixed_groups=[[0, 1], [1, 2]],
                        labels=["A", "B", "C", "D"])
    assert "overlap" in str(err.value) and "B" in str(err.value)


def test_fixed_group_that_is_not_a_candidate_is_reported():
    edges = np.array([[0, 1], [1, 2], [2, 3]])
    g = enumerate_groups(4, edges, 2, 3)
    with pytest.raises(InfeasibleError, match="include"):
        solve_partition(g, np.zeros(len(g)), fixed_groups=[[0, 3]])


def test_zero_new_partnerships_keeps_existing_or_alone():
    edges, score = random_instance(6, 5, p_edge=0.9)
    g = enumerate_groups(6, edges, 2, 3, include=[[0, 1]])
    res = solve_partition(g, pairwise_values(g, score + 10), max_new_partnerships=0,
                          existing_groups=[[0, 1]])
    chosen = [g.as_lists()[j] for j in res.chosen]
    assert all(len(c) == 1 or c == [0, 1] for c in chosen)


# ---------------------------------------------------------------- plan and verify


def _plan_for(seed=3, n=8):
    edges, score = random_instance(n, seed, p_edge=0.8)
    g = enumerate_groups(n, edges, 2, 3)
    vals = pairwise_values(g, score)
    res = solve_partition(g, vals)
    codes = [f"E0700{i:04d}" for i in range(n)]
    spec = PlanSpec(codes=codes, eligible={"audit": set(codes)},
                    value_functions={"audit": pair_value(score)}, min_size=2, max_size=3,
                    edges=edges)
    plan = build_plan({"audit": [g.as_lists()[j] for j in res.chosen]}, spec,
                      objective=res.objective, bound=res.bound, status=res.status,
                      solver=res.solver, time_s=res.time_s, n_columns=len(g))
    return plan, edges


def test_plan_table_and_verify_pass():
    plan, _ = _plan_for()
    assert plan.verify()
    assert list(plan.groups.columns[:6]) == ["group", "service", "council", "name", "role",
                                             "model"]
    assert plan.groups["council"].is_unique
    assert "<table" in plan._repr_html_()
    assert "Plan:" in plan.summary()


def test_verify_catches_a_broken_plan():
    plan, _edges = _plan_for()
    broken = plan.groups.copy()
    # move one council of a multi-member group into another group, and duplicate another
    multi = broken.groupby("group")["council"].transform("size") > 1
    victim = broken.index[multi][0]
    other_group = broken.loc[broken["group"] != broken.at[victim, "group"], "group"].iloc[-1]
    broken.loc[victim, "group"] = other_group
    broken = broken._append(broken.iloc[[0]], ignore_index=True)
    plan.groups = broken
    with pytest.raises(PlanVerificationError) as err:
        plan.verify()
    problems = err.value.problems
    assert any("appears in 2 groups" in p for p in problems)
    assert any("objective" in p for p in problems)
    assert len(problems) >= 2


def test_verify_catches_objective_and_role_tampering():
    plan, _ = _plan_for()
    plan.objective += 1.0
    g = plan.groups
    sov = g.index[g["model"] != "alone"]
    if len(sov):
        g.loc[sov, "role"] = "lead"
    with pytest.raises(PlanVerificationError) as err:
        plan.verify()
    assert any("objective" in p for p in err.value.problems)


def test_group_values_with_costs_adds_weighted_npv_and_refuses_unknown_costs():
    from partnerfit.errors import DataValidationError
    from partnerfit.savings import estimate_group

    edges = np.array([[0, 1], [1, 2]])
    g = enumerate_groups(3, edges, 2, 3)
    score = np.zeros((3, 3))
    score[0, 1] = score[1, 0] = 2.0
    costs = np.array([1.0, 2.0, 4.0])
    vals = group_values(g, pairwise=score, costs=costs, savings_weight=10.0)
    j = g.index_of([0, 1])
    assert vals[j] == pytest.approx(2.0 + 10.0 * estimate_group({"a": 1.0, "b": 2.0}).npv)
    assert vals[g.index_of([2])] == 0.0
    with pytest.raises(DataValidationError, match="C2"):
        group_values(g, costs=np.array([1.0, 2.0, np.nan]), labels=["C0", "C1", "C2"])


def test_subset_row_cut_found_on_odd_triangle_and_valid_for_every_partition():
    """Hand case: pairs {0,1},{1,2},{0,2} at 1/2 each cover every node once in the LP, but
    any two of them share a node, so their sum is at most 1 in every plan (LHS 1.5 here)."""
    from partnerfit.grouping._backends import LinearProblem
    from partnerfit.grouping.cuts import packing_rows, separate_subset_rows, with_cuts

    groups = enumerate_groups(4, [(0, 1), (1, 2), (0, 2), (2, 3)], 1, 3)
    inc = groups.incidence().tocsc()
    m = len(groups)
    ones = np.ones(4)
    prob = LinearProblem(np.zeros(m), inc, ones, ones.copy(), np.ones(m), np.ones(m, bool))
    x = np.zeros(m)
    for g in ([0, 1], [1, 2], [0, 2]):
        x[groups.index_of(g)] = 0.5
    x[groups.index_of([3])] = 1.0
    packing = packing_rows(prob)
    assert packing.all()
    cuts = separate_subset_rows(prob, x, packing, set())
    assert cuts[0] == (0, 1, 2)
    cut_row = with_cuts(prob, cuts).A.tocsr()[4].toarray().ravel()
    # columns with at least two of 0, 1, 2: the three pairs, {0,1,2} and the triples
    # holding two of them
    expected = [sum(v in (0, 1, 2) for v in g) >= 2 for g in groups.as_lists()]
    assert cut_row.astype(bool).tolist() == expected
    assert cut_row @ x == pytest.approx(1.5)
    # every partition of the 4 nodes into candidate groups satisfies the cut
    lists = [tuple(g) for g in groups.as_lists()]
    for part in set_partitions(list(range(4))):
        if all(tuple(sorted(p)) in lists for p in part):
            xp = np.zeros(m)
            for p in part:
                xp[groups.index_of(p)] = 1.0
            assert cut_row @ xp <= 1.0


def _positive_complete_instance(n=10, seed=5):
    """Every pair adjacent, all pair scores positive: big groups always help (weak LP)."""
    rng = np.random.default_rng(seed)
    score = np.round(rng.random((n, n)) * 0.5 + 0.05, 3)
    score = np.triu(score, 1)
    score = score + score.T
    edges = list(itertools.combinations(range(n), 2))
    return edges, score


def test_column_generation_lp_equals_the_full_lp_and_the_plan_is_the_brute_force_optimum():
    """The LP relaxation is found by pricing when there are many more columns than rows:
    its value must equal the LP over every column solved at once, and the plan proven
    optimal must be the brute-force optimum."""
    import re

    from partnerfit.grouping._backends import LinearProblem, run_solver
    from partnerfit.grouping.fixing import CG_START_PER_ROW, solve_with_fixing
    from partnerfit.grouping.options import SolverOptions

    n = 10
    edges, score = _positive_complete_instance(n)
    groups = enumerate_groups(n, edges, 1, 4)
    vals = pairwise_values(groups, score)
    m = len(groups)
    assert m > CG_START_PER_ROW * 4 * n  # the pricing path is the one taken
    ones = np.ones(n)
    prob = LinearProblem(vals, groups.incidence().tocsc(), ones, ones.copy(), np.ones(m),
                         np.ones(m, bool))
    full_lp = run_solver(prob, SolverOptions(), integer=False)
    log: list[str] = []
    out = solve_with_fixing(prob, log=log, always_keep=groups.sizes == 1)
    lp_line = next(line for line in log if line.startswith("LP relaxation"))
    lp_value = float(re.search(r"value ([0-9.]+)", lp_line).group(1))
    assert lp_value == pytest.approx(full_lp.objective, rel=1e-5)
    best, _ = brute_force(n, edges, pair_value(score), 2, 4)
    assert out.status == "optimal"
    assert out.objective == pytest.approx(best)
    assert out.bound >= best - 1e-9
    assert full_lp.objective >= best - 1e-9


def test_incremental_lp_with_columns_added_in_pieces_equals_the_lp_solved_at_once():
    from partnerfit.grouping._backends import IncrementalLP, LinearProblem, run_solver
    from partnerfit.grouping.options import SolverOptions

    n = 8
    edges, score = _positive_complete_instance(n, seed=2)
    groups = enumerate_groups(n, edges, 1, 3)
    vals = pairwise_values(groups, score)
    m = len(groups)
    ones = np.ones(n)
    prob = LinearProblem(vals, groups.incidence().tocsc(), ones, ones.copy(), np.ones(m),
                         np.ones(m, bool))
    once = run_solver(prob, SolverOptions(), integer=False)
    first = groups.sizes == 1
    inc = IncrementalLP(prob.columns(first), SolverOptions())
    assert inc.solve(None).objective == pytest.approx(0.0)
    rest = np.flatnonzero(~first)
    for piece in np.array_split(rest, 3):
        inc.add_columns(prob.c[piece], prob.A[:, piece], prob.col_hi[piece])
        out = inc.solve(5.0)
    assert out.status == "optimal"
    assert out.objective == pytest.approx(once.objective, rel=1e-7)
    assert inc.problem.n_cols == m
