"""A time limit is a limit: checked with a fake clock and a solver hook, never timed.

The fake clock only moves when a solver call reports the limit it was given (the hook
charges that time, or a share of it: the worst case is a solver that uses all of it) or
when a test makes it jump. Every solve must then end within its limit plus 5%, with a
valid plan and an honest bound (at least the optimum found by an unlimited solve of the
plain MILP, an independent path).
"""

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


class FakeClock:
    """A clock moved by the solver hook (``share`` of each call's limit) and by hand; it
    records the limit each solver call was given (``limits``)."""

    def __init__(self, share: float = 1.0) -> None:
        self.t, self.share, self.calls = 1000.0, share, 0
        self.limits: list[float] = []

    def __call__(self) -> float:
        return self.t

    def on_solve(self, limit) -> None:
        self.calls += 1
        assert limit is not None, "a solver call under a time limit was given no limit"
        self.limits.append(limit)
        self.t += self.share * float(limit)


def grid_instance(rows=5, cols=5, seed=0):
    """A grid map with positive pair values (bigger groups always help: weak bound)."""
    n = rows * cols
    edges = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    edges += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    rng = np.random.default_rng(seed)
    score = np.round(rng.random((n, n)) * 0.5 + 0.1, 3)
    score = np.triu(score, 1)
    score = score + score.T
    return n, np.array(edges), score


def _is_partition(groups, chosen, n):
    cover = np.zeros(n, int)
    for j in chosen:
        for v in groups.members[j]:
            if v >= 0:
                cover[v] += 1
    return bool(np.all(cover == 1))


@pytest.fixture(scope="module")
def grid():
    n, edges, score = grid_instance()
    g = enumerate_groups(n, edges, 2, 4)
    vals = pairwise_values(g, score)
    optimum = solve_partition(g, vals, presolve=False, decompose=False).objective
    return n, edges, score, g, vals, optimum


@pytest.mark.parametrize("share", [1.0, 0.5, 0.2, 0.05])
def test_solve_partition_ends_within_its_limit(grid, share):
    n, _, _, g, vals, optimum = grid
    fake = FakeClock(share)
    with clock.using(fake, fake.on_solve):
        res = solve_partition(g, vals, time_limit=10.0)
    assert fake.t - 1000.0 <= 10.0 * 1.05
    assert fake.calls >= 1
    assert _is_partition(g, res.chosen, n)
    assert res.objective == pytest.approx(vals[res.chosen].sum())
    assert res.bound >= optimum - 1e-6  # honest: never below the true optimum
    assert res.objective <= optimum + 1e-6
    if res.status == "optimal":
        assert res.objective == pytest.approx(optimum)


def test_a_solver_that_takes_no_time_solves_to_the_optimum(grid):
    _, _, _, g, vals, optimum = grid
    fake = FakeClock(0.0)
    with clock.using(fake, fake.on_solve):
        res = solve_partition(g, vals, time_limit=10.0)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(optimum)


def test_no_solver_call_is_started_after_the_deadline(grid):
    _, _, _, g, vals, optimum = grid
    fake = FakeClock(1.0)
    with clock.using(fake, fake.on_solve):
        res = solve_partition(g, vals, time_limit=10.0)
    # the first call (the LP) was given the whole working time and used it: nothing after
    assert len(fake.limits) == 1
    assert res.status == "time_limit"
    assert res.bound >= optimum - 1e-6
    assert np.isfinite(res.bound)  # the LP bound holds


def test_naive_milp_keeps_its_limit_too(grid):
    _, _, _, g, vals, _ = grid
    fake = FakeClock(1.0)
    with clock.using(fake, fake.on_solve):
        solve_partition(g, vals, time_limit=10.0, presolve=False, decompose=False)
    assert fake.t - 1000.0 <= 10.5


class JumpingClock:
    """Moves ``step`` seconds at every read (enumeration reads it between chunks)."""

    def __init__(self, step: float) -> None:
        self.t, self.step = 0.0, step

    def __call__(self) -> float:
        self.t += self.step
        return self.t


def _brute_connected(n, edges, k_max):
    adj = {v: set() for v in range(n)}
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)

    def connected(s):
        s = set(s)
        seen, stack = {min(s)}, [min(s)]
        while stack:
            for w in adj[stack.pop()] & s:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        return seen == s

    return {c for k in range(2, k_max + 1) for c in itertools.combinations(range(n), k)
            if connected(c)}


def test_enumeration_out_of_time_returns_whole_sizes_only():
    n, edges, _ = grid_instance(4, 4)
    # the limit allows the clock to be read a few times: sizes 1..2 at most, never size 5
    with clock.using(JumpingClock(1.0)):
        g = enumerate_groups(n, edges, 2, 5, time_limit=3.5)
    assert not g.complete
    got = {tuple(int(v) for v in r if v >= 0) for r in g.members}
    reached = int(g.sizes.max())
    assert reached < 5
    want = {c for c in _brute_connected(n, edges, 5) if len(c) <= reached}
    assert got - {(v,) for v in range(n)} == want  # every group of the sizes reached
    full = enumerate_groups(n, edges, 2, 5)
    assert full.complete


def test_plan_from_incomplete_enumeration_is_valid_and_claims_no_bound():
    n, edges, score = grid_instance(4, 4)
    with clock.using(JumpingClock(1.0)):
        g = enumerate_groups(n, edges, 2, 5, time_limit=3.5)
    vals = pairwise_values(g, score)
    res = solve_partition(g, vals)
    assert _is_partition(g, res.chosen, n)
    assert res.status == "time_limit"
    assert res.bound == np.inf and res.gap == np.inf


@pytest.fixture(scope="module")
def two_services(grid):
    """Two services on the grid (the pair scores with seeded noise each), and their joint
    optimum solved without a time limit."""
    n, edges, score, _, _, _ = grid
    g = enumerate_groups(n, edges, 2, 3)
    rng = np.random.default_rng(1)
    svc = {}
    for s in range(2):
        noise = np.triu(rng.random((n, n)) * 0.2, 1)
        svc[f"s{s}"] = ServiceProblem(g, pairwise_values(g, score + noise + noise.T))
    return n, g, svc, solve_services(svc, consistency=0.3, presolve=False)


def test_solve_services_ends_within_its_limit(two_services):
    n, g, svc, unlimited = two_services
    for share in (1.0, 0.1):
        fake = FakeClock(share)
        with clock.using(fake, fake.on_solve):
            res = solve_services(svc, consistency=0.3, time_limit=20.0)
        assert fake.t - 1000.0 <= 20.0 * 1.05
        assert res.bound >= unlimited.objective - 1e-6
        assert res.objective <= unlimited.objective + 1e-6
        for chosen in res.chosen.values():
            assert _is_partition(g, chosen, n)


@pytest.mark.parametrize("share", [1.0, 0.1])
def test_propose_groupings_ends_within_its_limit(share):
    from partnerfit.grouping import propose_groupings

    fake = FakeClock(share)
    with clock.using(fake, fake.on_solve):
        plan = propose_groupings(["Lancaster", "Preston", "South Ribble", "Chorley",
                                  "West Lancashire"], ["finance", "revenues_benefits"],
                                 as_of="2009-06-01", time_limit=5.0, consistency=0.2)
    assert fake.t - 1000.0 <= 5.0 * 1.05
    plan.verify()
    assert plan.bound >= plan.objective


@pytest.mark.parametrize("share", [1.0, 0.3, 0.02])
def test_column_generation_keeps_the_limit(share):
    """Many more columns than councils: the first LP is found by column generation (one LP
    re-solved many times); every re-solve is charged, and the limit still holds."""
    from partnerfit.grouping.fixing import CG_START_PER_ROW

    n = 12
    rng = np.random.default_rng(7)
    score = np.triu(np.round(rng.random((n, n)) * 0.5 + 0.05, 3), 1)
    score = score + score.T
    g = enumerate_groups(n, list(itertools.combinations(range(n), 2)), 2, 4)
    assert len(g) > CG_START_PER_ROW * 4 * n
    vals = pairwise_values(g, score)
    optimum = solve_partition(g, vals, presolve=False, decompose=False).objective
    fake = FakeClock(share)
    with clock.using(fake, fake.on_solve):
        res = solve_partition(g, vals, time_limit=10.0)
    assert fake.t - 1000.0 <= 10.0 * 1.05
    assert _is_partition(g, res.chosen, n)
    assert res.bound >= optimum - 1e-6
    assert res.objective <= optimum + 1e-6
    if res.status == "optimal":
        assert res.objective == pytest.approx(optimum)


def test_the_first_joint_lp_is_given_at_most_its_share_of_the_limit(two_services):
    """The first joint LP may use at most LP_SHARE of the time (the rest is the search's,
    for a plan), the limit holds and no bound is claimed that was not proven."""
    from partnerfit.grouping.multi import LP_SHARE

    n, g, svc, unlimited = two_services
    fake = FakeClock(1.0)
    with clock.using(fake, fake.on_solve):
        res = solve_services(svc, consistency=0.3, time_limit=20.0)
    assert LP_SHARE < 1.0
    assert fake.limits[0] <= LP_SHARE * 20.0 + 1e-9
    assert fake.t - 1000.0 <= 20.0 * 1.05
    assert res.bound >= unlimited.objective - 1e-6
    for chosen in res.chosen.values():
        assert _is_partition(g, chosen, n)


@pytest.mark.parametrize("limit", [None, 30.0])
def test_big_mips_under_a_limit_run_without_highs_presolve(grid, monkeypatch, limit):
    """HiGHS's MIP presolve does not check the time limit between its passes (groups of 2-6
    with delivery-model choice: 88 s of presolve on a MIP given 79 s). Under a limit, every
    MIP with more columns than the threshold goes without it; the plan is still the
    optimum of the plain MILP. Threshold lowered so this small grid crosses it."""
    from partnerfit.grouping import fixing

    n, _, _, g, vals, optimum = grid
    calls = []
    real = fixing.run_solver

    def recording(problem, options, *, integer=True, start=None, mip_presolve=True):
        calls.append((problem.n_cols, bool(integer and problem.integer.any()), mip_presolve))
        return real(problem, options, integer=integer, start=start,
                    mip_presolve=mip_presolve)

    monkeypatch.setattr(fixing, "run_solver", recording)
    monkeypatch.setattr(fixing, "MIP_PRESOLVE_MAX_COLS", 40)
    fake = FakeClock(0.0)  # solver calls take no time: the solve runs to the optimum
    with clock.using(fake, fake.on_solve if limit is not None else None):
        res = solve_partition(g, vals, time_limit=limit, decompose=False)
    mips = [(cols, pre) for cols, mip, pre in calls if mip]
    assert mips, "no MIP was solved"
    if limit is None:
        assert all(pre for _, pre in mips)
    else:
        assert any(cols > 40 for cols, _ in mips)
        assert all(pre == (cols <= 40) for cols, pre in mips)
    assert res.objective == pytest.approx(optimum)
    assert _is_partition(g, res.chosen, n)


@pytest.mark.parametrize("limit", [None, 30.0])
def test_mips_under_a_limit_run_without_highs_restarts(monkeypatch, limit):
    """A restart from the root node runs HiGHS's MIP presolve again, and that presolve
    does not look at the clock (a single-service solve in the subgradient phase ran 7
    minutes past its limit there). Under a limit, MIPs run without restarts; LPs and
    unlimited MIPs keep HiGHS's default. The answer is the brute-force optimum."""
    import scipy.sparse as sp

    from partnerfit.grouping import _backends
    from partnerfit.grouping.options import SolverOptions

    made = []
    real = _backends._new_highs

    def recording(verbose):
        h = real(verbose)
        made.append(h)
        return h

    monkeypatch.setattr(_backends, "_new_highs", recording)
    c = np.array([1.0, 2.0, 3.0, 1.5])
    A = sp.csc_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], float))
    prob = _backends.LinearProblem(c, A, np.full(3, -np.inf), np.ones(3), np.ones(4),
                                   np.ones(4, bool))
    best = max(float(c @ np.array(x)) for x in itertools.product((0, 1), repeat=4)
               if np.all(A @ np.array(x) <= 1))
    out = _backends.run_solver(prob, SolverOptions("highs", time_limit=limit))
    assert out.objective == pytest.approx(best)
    assert made[-1].getOptionValue("mip_allow_restart")[1] is (limit is None)
    _backends.run_solver(prob, SolverOptions("highs", time_limit=limit), integer=False)
    assert made[-1].getOptionValue("mip_allow_restart")[1] is True
