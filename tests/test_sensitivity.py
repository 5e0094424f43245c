"""Tests for partnerfit.sensitivity, each checked against an independent computation.

Brute force (fine sweeps written out in plain Python/numpy here), hand-derived closed
forms for SMAA on tiny cases, and exact equality between serial and parallel runs.
"""

from __future__ import annotations

import importlib
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from partnerfit.errors import DataValidationError
from partnerfit.sensitivity import (
    SensitivityError,
    compare_weight_sets,
    describe_stability,
    run_scenarios,
    smaa,
    stability_intervals,
    weight_sweep,
)


@dataclass
class FakeShortlist:
    """The duck-typed Shortlist interface the sensitivity module codes against."""

    value_matrix: pd.DataFrame
    weights: pd.Series
    names: pd.Series
    council: str = "E07000121"
    service: str = "revenues_benefits"
    criteria_labels: dict = field(default_factory=dict)
    missing: pd.DataFrame | None = None


def make(values, weights, codes=None, names=None, criteria=None, labels=None, missing=None):
    values = np.asarray(values, dtype=float)
    n, m = values.shape
    codes = codes or [f"E0700{i:04d}" for i in range(n)]
    criteria = criteria or [f"c{j}" for j in range(m)]
    names = names or [f"Council {c}" for c in codes]
    vm = pd.DataFrame(values, index=codes, columns=criteria)
    miss = None if missing is None else pd.DataFrame(missing, index=codes, columns=criteria)
    return FakeShortlist(
        value_matrix=vm,
        weights=pd.Series(weights, index=criteria, dtype=float),
        names=pd.Series(names, index=codes),
        criteria_labels=labels or {},
        missing=miss,
    )


def random_instance(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 13))
    m = int(rng.integers(2, 6))
    values = rng.uniform(0, 100, (n, m))
    w = rng.dirichlet(np.ones(m))
    if seed % 5 == 1:  # a criterion that currently has no weight
        w[0] = 0.0
        w /= w.sum()
    if seed % 5 == 2:  # one criterion holds all the weight (equal-share edge case)
        w = np.zeros(m)
        w[-1] = 1.0
    codes = [f"E0700{c:04d}" for c in rng.permutation(900)[:n]]  # codes not in row order
    return make(values, w, codes=codes)


# ----------------------------------------------------------------- independent brute force


def brute_weights(w, c, t):
    """Weights with criterion c at t, others in proportion (equal shares if they are all 0)."""
    others = [i for i in range(len(w)) if i != c]
    rest = sum(w[i] for i in others)
    out = [0.0] * len(w)
    out[c] = t
    for i in others:
        out[i] = (1 - t) * (w[i] / rest if rest > 1e-12 else 1 / len(others))
    return out


def brute_ranking(sl, w):
    """Codes best first: score descending, ties (to 9 decimals) by GSS code."""
    scores = dict(zip(sl.value_matrix.index, sl.value_matrix.to_numpy() @ np.asarray(w)))
    return sorted(scores, key=lambda code: (-round(float(scores[code]), 9), code))


def brute_rankings(sl, weight_rows):
    """brute_ranking for many weight vectors at once."""
    codes = list(sl.value_matrix.index)
    all_scores = np.asarray(weight_rows) @ sl.value_matrix.to_numpy().T
    out = []
    for row in all_scores:
        score = dict(zip(codes, row.tolist(), strict=True))
        out.append(sorted(codes, key=lambda c, s=score: (-round(s[c], 9), c)))
    return out


def check_interval(status, grid, low, high):
    """The True block of `status` over `grid` is contiguous and [low, high] is bracketed."""
    idx = np.flatnonzero(status)
    assert len(idx) and (np.diff(idx) == 1).all(), "stable region is not one interval"
    first, last = idx[0], idx[-1]
    if first == 0:
        assert low <= 1e-12
    else:
        assert grid[first - 1] <= low <= grid[first]
    if last == len(grid) - 1:
        assert high >= 1 - 1e-12
    else:
        assert grid[last] <= high <= grid[last + 1]
    return first, last


@pytest.mark.parametrize("seed", range(40))
def test_stability_intervals_match_brute_force_sweep(seed):
    sl = random_instance(seed)
    k = 3
    table = stability_intervals(sl, k=k)
    w = list(sl.weights)
    now = brute_ranking(sl, w)
    leader, top = now[0], set(now[:k])
    assert table.attrs["leader"] == leader
    assert table.attrs["top_k"] == now[:k]
    grid = np.linspace(0, 1, 2001)
    for c, row in enumerate(table.itertuples(index=False)):
        assert row.criterion == sl.value_matrix.columns[c]
        assert row.weight == pytest.approx(w[c])
        rankings = brute_rankings(sl, [brute_weights(w, c, t) for t in grid])
        first_ok = np.array([r[0] == leader for r in rankings])
        lo_i, hi_i = check_interval(first_ok, grid, row.top1_low, row.top1_high)
        assert row.top1_low <= w[c] + 1e-12 <= row.top1_high + 2e-12
        # the candidate reported as taking over is first just beyond the boundary
        if lo_i > 0:
            assert row.top1_low_by == rankings[lo_i - 1][0]
        else:
            assert row.top1_low_by is None
        if hi_i < len(grid) - 1:
            assert row.top1_high_by == rankings[hi_i + 1][0]
        else:
            assert row.top1_high_by is None
        set_ok = np.array([set(r[:k]) == top for r in rankings])
        lo_i, hi_i = check_interval(set_ok, grid, row.topk_low, row.topk_high)
        if lo_i > 0:
            assert row.topk_low_by in set(rankings[lo_i - 1][:k]) - top
        if hi_i < len(grid) - 1:
            assert row.topk_high_by in set(rankings[hi_i + 1][:k]) - top


def test_stability_boundary_tie_goes_to_smaller_gss_code():
    # S_A = 100 t, S_B = 100 (1 - t): they cross at t = 0.5 exactly.
    # B leads now (t = 0.4). With B's code smaller, B still leads at 0.5 (closed end).
    sl = make([[100, 0], [0, 100]], [0.4, 0.6], codes=["E07000002", "E07000001"])
    row = stability_intervals(sl, k=1).iloc[0]
    assert (row.top1_low, row.top1_high) == (0.0, pytest.approx(0.5))
    assert row.top1_high_closed and row.top1_low_closed
    assert row.top1_high_by == "E07000002"
    sweep = weight_sweep(sl, "c0", steps=3)  # t = 0, 0.5, 1
    at_half = sweep[sweep.weight == 0.5].set_index("code")["rank"]
    assert at_half["E07000001"] == 1  # tie at the boundary, smaller code first
    # Swap the codes: now the leader loses the tie, so 0.5 itself is outside (open end).
    sl = make([[100, 0], [0, 100]], [0.4, 0.6], codes=["E07000001", "E07000002"])
    row = stability_intervals(sl, k=1).iloc[0]
    assert row.top1_high == pytest.approx(0.5)
    assert not row.top1_high_closed
    assert row.top1_high_by == "E07000001"
    sweep = weight_sweep(sl, "c0", steps=3)
    at_half = sweep[sweep.weight == 0.5].set_index("code")["rank"]
    assert at_half["E07000001"] == 1


def test_takeover_when_several_lines_cross_at_one_point():
    # L = 50 flat, B = 100 - 100t, C = 75 - 50t all meet at t = 0.5. Below it B is
    # higher than C (steeper), although C has the smaller code.
    sl = make([[50, 50], [0, 100], [25, 75]], [0.6, 0.4], codes=["E3", "E2", "E1"])
    row = stability_intervals(sl, k=1).iloc[0]
    assert row.top1_low == pytest.approx(0.5)
    assert row.top1_low_by == "E2"
    assert brute_ranking(sl, brute_weights([0.6, 0.4], 0, 0.49))[0] == "E2"
    assert not row.top1_low_closed  # at 0.5 all three tie and E1 wins on code


def lancashire():
    # Hand-built: with w = weight of distance, S_P = 80 - 20w, S_W = 90 - 70w, S_F = 50 + 40w.
    # Preston leads for w in [0.2, 0.5]; Wyre below, Fylde above.
    return make(
        [[60, 80], [20, 90], [90, 50]],
        [0.3, 0.7],
        codes=["E07000123", "E07000128", "E07000119"],
        names=["Preston", "Wyre", "Fylde"],
        criteria=["distance", "systems"],
        labels={"distance": "Geography: distance", "systems": "Systems: same IT"},
    )


def test_stability_hand_example_and_plain_english():
    sl = lancashire()
    t = stability_intervals(sl, k=2).set_index("criterion")
    assert t.loc["distance", "top1_low"] == pytest.approx(0.2)
    assert t.loc["distance", "top1_high"] == pytest.approx(0.5)
    assert t.loc["distance", "top1_low_by"] == "E07000128"
    assert t.loc["distance", "top1_high_by"] == "E07000119"
    # top-2 {Preston, Wyre} holds until Fylde passes Wyre: 90 - 70w = 50 + 40w -> w = 4/11
    assert t.loc["distance", "topk_low"] == 0.0
    assert t.loc["distance", "topk_high"] == pytest.approx(4 / 11)
    assert t.loc["distance", "topk_high_by"] == "E07000119"
    assert not t.loc["distance", "topk_high_closed"]  # at 4/11 Fylde ties Wyre, smaller code
    # systems weight u = 1 - w: Preston leads for u in [0.5, 0.8]
    assert t.loc["systems", "top1_low"] == pytest.approx(0.5)
    assert t.loc["systems", "top1_high"] == pytest.approx(0.8)
    lines = describe_stability(sl, k=2)
    assert lines[0] == (
        "Preston stays first while the 'Geography: distance' weight is between 20% and 50% "
        "(now 30%); at 20%, it ties with Wyre; below that, Wyre takes first place; at 50%, it "
        "ties with Fylde; above that, Fylde takes first place."
    )
    assert lines[1] == (
        "Preston stays first while the 'Systems: same IT' weight is between 50% and 80% "
        "(now 70%); at 50%, it ties with Fylde; below that, Fylde takes first place; at 80%, "
        "it ties with Wyre; above that, Wyre takes first place."
    )
    assert lines[2] == (
        "The top 2 (Preston, Wyre) stay the top 2 while the 'Geography: distance' weight is "
        "below 36% (now 30%); at 36%, Fylde ties for a place in the top 2; above that, Fylde "
        "enters the top 2."
    )
    assert len(lines) == 4
    assert len(describe_stability(sl, k=3)) == 2  # k >= n: no top-k sentences


def test_describe_stability_open_end_at_100_percent():
    # c0 = 100 for both: at a c0 weight of exactly 100% they tie and E1 wins on code.
    sl = make([[100, 10], [100, 90]], [0.5, 0.5], codes=["E1", "E2"], names=["Ab", "Cd"])
    row = stability_intervals(sl, k=1).iloc[0]
    assert (row.top1_high, row.top1_high_closed, row.top1_high_by) == (1.0, False, "E1")
    assert describe_stability(sl, k=1)[0] == (
        "Cd stays first while the 'c0' weight is below 100% (now 50%); at exactly 100%, "
        "it ties with Ab, and Ab is listed first by its code."
    )


def test_describe_stability_whole_range():
    sl = make([[90, 90], [10, 20]], [0.5, 0.5], names=["Lancaster", "Wyre"])
    assert describe_stability(sl, k=1)[0] == (
        "Lancaster stays first whatever the 'c0' weight (0% to 100%; now 50%)."
    )


def test_weight_sweep_matches_direct_scores():
    sl = random_instance(3)
    c = 1
    sweep = weight_sweep(sl, sl.value_matrix.columns[c], steps=11)
    n = len(sl.value_matrix)
    assert len(sweep) == 11 * n
    assert list(sweep.columns) == ["weight", "code", "name", "score", "rank"]
    w = list(sl.weights)
    for t, grp in sweep.groupby("weight"):
        wt = brute_weights(w, c, t)
        assert sum(wt) == pytest.approx(1)
        expect = sl.value_matrix.to_numpy() @ np.array(wt)
        got = grp.set_index("code")["score"].reindex(sl.value_matrix.index)
        np.testing.assert_allclose(got.to_numpy(), expect, rtol=0, atol=1e-9)
        assert list(grp.sort_values("rank")["code"]) == brute_ranking(sl, wt)
        names = grp.set_index("code")["name"]
        assert (names == sl.names.reindex(names.index)).all()
    assert sweep.attrs["current_weight"] == pytest.approx(w[c])


def test_sweep_and_intervals_reject_bad_input():
    sl = lancashire()
    with pytest.raises(SensitivityError, match="distanse.*Did you mean 'distance'"):
        weight_sweep(sl, "distanse")
    assert weight_sweep(sl, "Geography: distance", steps=2).shape == (6, 5)  # label works too
    topsis = lancashire()
    topsis.method = "topsis"
    with pytest.raises(SensitivityError, match="method='additive'"):
        stability_intervals(topsis)
    one = make([[1], [2]], [1.0])
    with pytest.raises(SensitivityError, match="only one criterion"):
        stability_intervals(one)
    bad = make([[1, 2], [3, 4]], [0.5, 0.6])
    bad.value_matrix.iloc[0, 0] = np.nan
    with pytest.raises(DataValidationError) as err:
        stability_intervals(bad)
    assert len(err.value.problems) == 2  # NaN value and weights not summing to 1


def test_inputs_not_modified():
    sl = random_instance(7)
    vm, w = sl.value_matrix.copy(), sl.weights.copy()
    stability_intervals(sl)
    weight_sweep(sl, sl.value_matrix.columns[0])
    smaa(sl, samples=500, value_uncertainty={sl.value_matrix.columns[0]: 5})
    pd.testing.assert_frame_equal(sl.value_matrix, vm)
    pd.testing.assert_series_equal(sl.weights, w)


# ----------------------------------------------------------------------------- SMAA


def sigma(p, n):
    return math.sqrt(p * (1 - p) / n)


def triangle():
    # weights (w, 1 - w), w ~ U(0, 1): A = 100w, B = 100(1 - w), C = 50 + 20w.
    # B first for w < 5/12, C for 5/12 < w < 5/8, A for w > 5/8.
    return make([[100, 0], [0, 100], [70, 50]], [0.5, 0.5], codes=["E1", "E2", "E3"])


def test_smaa_matches_exact_areas_two_criteria():
    n = 20_000
    res = smaa(triangle(), samples=n, seed=0)
    acc = res.acceptability.loc[["E1", "E2", "E3"]]
    exact = np.array(
        [
            [3 / 8, 1 / 8, 1 / 2],  # A: first w > 5/8; second on 1/2 < w < 5/8
            [5 / 12, 1 / 12, 1 / 2],  # B: first w < 5/12; second on 5/12 < w < 1/2
            [5 / 24, 19 / 24, 0],  # C: never last
        ]
    )
    tol = 5 * np.sqrt(exact * (1 - exact) / n) + 1e-12
    assert (np.abs(acc.to_numpy() - exact) <= tol).all(), acc
    # central weights: mean of w over each candidate's winning interval
    cw = res.central_weights.loc[["E1", "E2", "E3"], "c0"].to_numpy()
    exact_cw = np.array([(5 / 8 + 1) / 2, (5 / 12) / 2, (5 / 12 + 5 / 8) / 2])
    lengths = np.array([3 / 8, 5 / 12, 5 / 24])
    tol_cw = 5 * lengths / math.sqrt(12) / np.sqrt(lengths * n)
    assert (np.abs(cw - exact_cw) <= tol_cw).all()
    np.testing.assert_allclose(res.central_weights.sum(axis=1), 1.0)
    assert (res.confidence == 1.0).all()  # linear model: each wins at its own centroid
    assert res.top_k(2)["E3"] == pytest.approx(1.0)
    assert res.to_frame().index[0] == "E2"


def test_smaa_rows_and_columns_sum_to_one():
    res = smaa(random_instance(11), samples=3_000, seed=4, chunk_size=700)
    np.testing.assert_allclose(res.acceptability.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(res.acceptability.sum(axis=0), 1.0, atol=1e-12)
    assert list(res.acceptability.columns) == list(range(1, res.acceptability.shape[0] + 1))
    assert res.samples == 3_000 and res.seed == 4


def test_smaa_three_criteria_uniform_on_simplex():
    # A = (100, 0, 0) beats B = (50, 50, 50) iff w1 > 1/2; on the uniform 3-simplex
    # P(w1 > x) = (1 - x)^2 = 1/4. With w1 >= 0.2: P = (0.5^2) / (0.8^2).
    sl = make([[100, 0, 0], [50, 50, 50]], [0.2, 0.4, 0.4], codes=["E1", "E2"])
    n = 20_000
    p = smaa(sl, samples=n, seed=1).acceptability.loc["E1", 1]
    assert abs(p - 0.25) < 5 * sigma(0.25, n)
    p = smaa(sl, samples=n, seed=1, ranges={"c0": (0.2, 1.0)}).acceptability.loc["E1", 1]
    assert abs(p - 0.390625) < 5 * sigma(0.390625, n)


def test_smaa_constraints_and_ranges_two_criteria():
    n = 20_000
    # c0 >= c1 means w >= 1/2: A first for w > 5/8 -> 3/4, C for 1/2 < w < 5/8 -> 1/4
    res = smaa(triangle(), samples=n, seed=2, constraints=["c0 >= c1"])
    acc = res.acceptability[1]
    assert abs(acc["E1"] - 0.75) < 5 * sigma(0.75, n)
    assert acc["E2"] == 0
    assert (res.central_weights["c0"].dropna() >= 0.5).all()
    # w in [0.3, 0.7]: A first (0.7 - 5/8)/0.4, B (5/12 - 0.3)/0.4
    res = smaa(triangle(), samples=n, seed=2, ranges={"c0": (0.3, 0.7)})
    acc = res.acceptability[1]
    for code, p in {"E1": 0.1875, "E2": (5 / 12 - 0.3) / 0.4}.items():
        assert abs(acc[code] - p) < 5 * sigma(p, n)
    assert "c0 30%–70%" in res.summary()


def test_smaa_value_noise_and_missing_redraw_closed_form():
    from scipy.stats import norm

    n = 20_000
    # One criterion (weight always 1); A = 60, B = 50, both +/- N(0, 10^2):
    # B first iff e_B - e_A > 10, e_B - e_A ~ N(0, 200).
    sl = make([[60], [50]], [1.0], codes=["E1", "E2"])
    res = smaa(sl, samples=n, seed=3, value_uncertainty={"c0": 10})
    p = 1 - norm.cdf(10 / math.sqrt(200))
    assert abs(res.acceptability.loc["E2", 1] - p) < 5 * sigma(p, n)
    # confidence = P(first at its central weights) = the same probabilities here
    assert abs(res.confidence["E1"] - (1 - p)) < 5 * sigma(p, n)
    # A's value is imputed and redrawn U(0, 100); B = 70 fixed: A first with P = 0.3
    sl = make([[50], [70]], [1.0], codes=["E1", "E2"], missing=[[True], [False]])
    res = smaa(sl, samples=n, seed=3, value_uncertainty="missing")
    assert abs(res.acceptability.loc["E1", 1] - 0.3) < 5 * sigma(0.3, n)
    assert smaa(sl, samples=100).acceptability.loc["E2", 1] == 1.0  # no redraw without asking


def test_smaa_same_seed_identical_different_seed_differs():
    sl = random_instance(21)
    kw = {"samples": 2_500, "chunk_size": 600, "value_uncertainty": {sl.value_matrix.columns[0]: 8}}
    a, b = smaa(sl, seed=5, **kw), smaa(sl, seed=5, **kw)
    pd.testing.assert_frame_equal(a.acceptability, b.acceptability, check_exact=True)
    pd.testing.assert_frame_equal(a.central_weights, b.central_weights, check_exact=True)
    pd.testing.assert_series_equal(a.confidence, b.confidence, check_exact=True)
    c = smaa(sl, seed=6, **kw)
    assert not a.acceptability.equals(c.acceptability)


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a.acceptability, b.acceptability, check_exact=True)
    pd.testing.assert_frame_equal(a.central_weights, b.central_weights, check_exact=True)
    pd.testing.assert_series_equal(a.confidence, b.confidence, check_exact=True)


@pytest.mark.parametrize("pool", [ThreadPoolExecutor, ProcessPoolExecutor])
def test_smaa_executor_equals_serial(pool):
    sl = random_instance(8)
    kw = {
        "samples": 3_000,
        "seed": 9,
        "chunk_size": 500,
        "constraints": [f"{sl.value_matrix.columns[0]} >= {sl.value_matrix.columns[1]}"],
        "value_uncertainty": {sl.value_matrix.columns[1]: 5},
    }
    serial = smaa(sl, **kw)
    with pool(max_workers=2) as ex:
        parallel = smaa(sl, executor=ex, **kw)
    _assert_same(serial, parallel)


def test_smaa_through_local_dask_cluster():
    # scikit-criteria's import runs `del importlib.metadata`; if another test imported it
    # first, distributed's import fails. Put the attribute back (it is still in sys.modules).
    if "importlib.metadata" in sys.modules:
        importlib.metadata = sys.modules["importlib.metadata"]
    distributed = pytest.importorskip("distributed")
    sl = random_instance(12)
    kw = {"samples": 2_000, "seed": 1, "chunk_size": 400}
    serial = smaa(sl, **kw)
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as client:
        on_dask = smaa(sl, executor=client.get_executor(), **kw)
        # a small sweep of scenarios: (seed, criterion) pairs, mapped through the cluster
        scen = [(s, c) for s in range(2) for c in sl.value_matrix.columns[:2]]
        got = run_scenarios(_scenario, [(sl, s, c) for s, c in scen], executor=client)
    _assert_same(serial, on_dask)
    assert got == [_scenario((sl, s, c)) for s, c in scen]


def _scenario(args):
    sl, seed, criterion = args
    res = smaa(sl, samples=300, seed=seed, ranges={criterion: (0.1, 0.6)})
    return res.acceptability[1].round(12).to_dict()


def test_smaa_constraint_errors():
    sl = triangle()
    with pytest.raises(DataValidationError) as err:
        smaa(
            sl,
            samples=10,
            ranges={"c0": (0.7, 0.9), "c1": (0.5, 0.6), "cx": (0, 1)},
            constraints=["c0 >= c9", "c0 => c0", "nonsense"],
        )
    text = str(err.value)
    assert "cx" in text and "c9" in text and "itself" in text and "nonsense" in text
    with pytest.raises(DataValidationError, match="add up to 1.2"):
        smaa(sl, samples=10, ranges={"c0": (0.7, 0.9), "c1": (0.5, 0.6)})
    # feasible only on a set of measure zero: acceptance ~ 0
    with pytest.raises(SensitivityError, match="rejection sampling"):
        smaa(sl, samples=10, constraints=["c0 >= c1", "c1 >= c0"])
    with pytest.raises(SensitivityError, match="rejection sampling"):
        smaa(
            make(np.ones((2, 9)) * 50, np.ones(9) / 9),
            samples=10,
            ranges={f"c{j}": (0.1, 0.11112) for j in range(9)},
        )
    with pytest.raises(DataValidationError, match="needs shortlist.missing"):
        smaa(sl, samples=10, value_uncertainty={"missing": "uniform", "c0": -1})


def test_smaa_strict_and_chained_constraints():
    sl = make([[100, 0, 0], [0, 100, 0], [0, 0, 100]], [0.4, 0.3, 0.3], codes=["E1", "E2", "E3"])
    res = smaa(sl, samples=2_000, seed=0, constraints="c0 > c1 > c2")
    assert res.acceptability.loc["E1", 1] == 1.0  # c0 is always the largest weight
    res = smaa(sl, samples=2_000, seed=0, constraints=["c2 <= c1"])
    assert res.acceptability.loc["E3", 1] < res.acceptability.loc["E2", 1]


def test_smaa_progress_bar_only_when_asked(capsys):
    smaa(lancashire(), samples=300, chunk_size=100)
    assert capsys.readouterr().err == ""
    smaa(lancashire(), samples=300, chunk_size=100, progress=True)
    assert "SMAA" in capsys.readouterr().err


def test_smaa_result_presentation():
    res = smaa(lancashire(), samples=1_000, seed=0)
    html = res._repr_html_()
    assert "<table" in html and "Preston" in html
    s = res.summary()
    assert "1,000 weight samples" in s and "seed 0" in s and "percentage points" in s
    frame = res.to_frame()
    assert list(frame.columns) == ["name", "first", "top_3", "expected_rank", "confidence"]
    assert frame["first"].is_monotonic_decreasing
    np.testing.assert_allclose(frame["expected_rank"].sum(), 1 + 2 + 3)
    with pytest.raises(SensitivityError):
        res.top_k(0)


# ------------------------------------------------------------------- compare, scenarios


def test_compare_weight_sets_against_direct_ranking():
    sl = random_instance(30)
    crit = list(sl.value_matrix.columns)
    rng = np.random.default_rng(0)
    sets = {
        "officers": dict(sl.weights),
        "members": {c: float(x) for c, x in zip(crit, rng.integers(1, 100, len(crit)))},
        "public": pd.Series(rng.uniform(0, 1, len(crit)), index=crit),
    }
    top = 3
    out = compare_weight_sets(sl, sets, top=top)
    rankings = {}
    for name, ws in sets.items():
        w = np.array([float(ws[c]) for c in crit])
        rankings[name] = brute_ranking(sl, list(w / w.sum()))
    shown = set().union(*(r[:top] for r in rankings.values()))
    assert set(out.index) == shown
    for name, r in rankings.items():
        for code in out.index:
            assert out.loc[code, name] == r.index(code) + 1
    for code in out.index:
        ranks = [rankings[s].index(code) + 1 for s in sets]
        assert out.loc[code, "best_rank"] == min(ranks)
        assert out.loc[code, "worst_rank"] == max(ranks)
        assert out.loc[code, "top_count"] == sum(x <= top for x in ranks)
        assert out.loc[code, "in_all_top"] == all(x <= top for x in ranks)
    assert out.attrs["agree_first"] == (len({r[0] for r in rankings.values()}) == 1)
    # raw points and fractions give the same ranking
    scaled = {"x": {c: 7 * v for c, v in sets["members"].items()}}
    again = compare_weight_sets(sl, scaled, top=len(sl.value_matrix))
    assert list(again.sort_values("x").index) == rankings["members"]


def test_compare_weight_sets_reports_all_problems():
    sl = lancashire()
    with pytest.raises(DataValidationError) as err:
        compare_weight_sets(
            sl,
            {
                "a": {"distance": 1},
                "b": {"distance": -1, "systems": 1},
                "name": {"distance": 1, "systems": 1, "speed": 2},
            },
        )
    assert len(err.value.problems) == 4


def _square(x):
    time.sleep(0.002 * (x % 3))  # finish out of order
    return x * x


def test_run_scenarios_keeps_order_serial_and_parallel():
    xs = list(range(25))
    expect = [x * x for x in xs]
    assert run_scenarios(_square, iter(xs)) == expect
    with ThreadPoolExecutor(max_workers=4) as ex:
        assert run_scenarios(_square, xs, executor=ex, progress=True) == expect
    with pytest.raises(ZeroDivisionError), ThreadPoolExecutor(max_workers=2) as ex:
        run_scenarios(lambda x: 1 / (x - 3), range(6), executor=ex)


# ------------------------------------------------- the public names, on a real shortlist


@pytest.fixture(scope="module")
def lancaster():
    import partnerfit as pf

    links = pf.load_links()
    return pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01",
                        links=links[links["partnership"] != "lancaster-preston"])


def test_public_stability_intervals_on_a_real_shortlist_match_a_fine_sweep(lancaster):
    import partnerfit as pf

    table = pf.stability_intervals(lancaster)
    assert list(table["criterion"]) == list(lancaster.criteria)
    for col in ("weight", "top1_low", "top1_high", "topk_low", "topk_high"):
        assert col in table.columns
    w = list(lancaster.weights)
    now = brute_ranking(lancaster, w)
    assert lancaster.table["code"].head(3).tolist() == now[:3]
    grid = np.linspace(0, 1, 1001)
    for c, row in enumerate(table.itertuples(index=False)):
        rankings = brute_rankings(lancaster, [brute_weights(w, c, t) for t in grid])
        check_interval(np.array([r[0] == now[0] for r in rankings]), grid, row.top1_low,
                       row.top1_high)
        check_interval(np.array([set(r[:3]) == set(now[:3]) for r in rankings]), grid,
                       row.topk_low, row.topk_high)
    text = pf.describe_stability(lancaster)
    row = table.set_index("criterion").loc["distance"]
    # the sentence states the brute-forced interval (checked above) in words
    first = lancaster.table["name"].iloc[0]
    if (row.top1_low, row.top1_high) == (0.0, 1.0):
        assert text[0] == (f"{first} stays first whatever the 'Geography: distance' weight "
                           f"(0% to 100%; now {row.weight:.0%}).")
    else:
        assert text[0].startswith(f"{first} stays first while the 'Geography: distance' weight")


def test_public_smaa_on_a_real_shortlist(lancaster):
    import partnerfit as pf

    res = pf.smaa(lancaster, samples=10_000, seed=0)
    acc = res.acceptability
    n = len(lancaster.value_matrix)
    assert sorted(acc.index) == sorted(lancaster.value_matrix.index)
    assert all(code[:1] in "EWS" and len(code) == 9 for code in acc.index
               if not lancaster.is_partnership(code))
    assert {c for c in acc.index if lancaster.is_partnership(c)} == set(
        lancaster.partnerships.index) & set(lancaster.scores.index)
    assert list(acc.columns) == list(range(1, n + 1))
    np.testing.assert_allclose(acc.sum(axis=1), 1.0, atol=1e-12)
    cw = res.central_weights
    assert list(cw.columns) == list(lancaster.criteria)
    winners = acc.index[acc[1] > 0]
    np.testing.assert_allclose(cw.loc[winners].sum(axis=1), 1.0, atol=1e-12)
    assert cw.drop(winners).isna().all().all()
    # Wyre leads and stays first over most of every criterion's range (see the stability test
    # above), so it must take rank 1 most often under uniform weights
    assert acc[1].idxmax() == lancaster.table.iloc[0]["code"] == "E07000128"
    assert res.summary().startswith(
        "SMAA rank acceptability for revenues & benefits partners of Lancaster: 10,000")
    pd.testing.assert_frame_equal(acc, pf.smaa(lancaster, samples=10_000, seed=0).acceptability,
                                  check_exact=True)
