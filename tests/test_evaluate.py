"""Tests for partnerfit.evaluate: leakage, cross-validation hygiene, closed forms, recovery."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import yaml

from partnerfit.criteria import load_criteria
from partnerfit.errors import ArgumentTypeError
from partnerfit.evaluate import (
    METHOD_ORDER,
    BacktestResult,
    backtest,
    calibrate,
    expected_metrics,
    fit_conditional_logit,
    fold_assignments,
    random_expectation,
)
from partnerfit.evaluate import calibration as calibration_module
from partnerfit.links import load_links
from partnerfit.matrix import ValueMatrix
from partnerfit.register import adjacency
from partnerfit.scoring import shortlist

ARR = "3c-shared-services-ict"   # Cambridge, Huntingdonshire, South Cambs; from 2015-10-01
DATE = "2015-10-01"
# four partnerships, one arrangement each in the backtest: 6 + 2 + 2 + 2 cases
FOUR = [ARR, "anglesey-gwynedd-jppu-planning", "bolsover-north-east-derbyshire-management",
        "breckland-south-holland-management"]


@pytest.fixture(scope="module")
def links() -> pd.DataFrame:
    return load_links()


@pytest.fixture(scope="module")
def small_backtest() -> BacktestResult:
    return backtest(arrangements=[ARR])


@pytest.fixture(scope="module")
def four_backtest() -> BacktestResult:
    return backtest(arrangements=FOUR)


def test_removing_partnership_changes_direct_links(links):
    part = links.loc[links["arrangement"] == ARR, "partnership"].iloc[0]
    with_it = shortlist("E07000008", "ict", as_of=DATE, links=links)
    without = shortlist("E07000008", "ict", as_of=DATE,
                        links=links[links["partnership"] != part])
    # Cambridge and South Cambridgeshire share 3C (ICT, building control, ...) on the date
    assert with_it.raw.at["E07000012", "direct_links"] > 0
    assert without.raw.at["E07000012", "direct_links"] < with_it.raw.at["E07000012",
                                                                        "direct_links"]


def test_backtest_rank_matches_shortlist_without_partnership(links, small_backtest):
    # frozen definition (issue 15): the partnership AND every arrangement the pair shares go
    part = links.loc[links["arrangement"] == ARR, "partnership"].iloc[0]
    members = links.groupby("arrangement")["council"].agg(set)
    cases = small_backtest.cases
    assert len(cases) == 6  # 3 members, each focal with 2 partners
    for r in cases.itertuples():
        shared = {a for a, m in members.items() if {r.focal, r.partner} <= m}
        reduced = links[(links["partnership"] != part) & ~links["arrangement"].isin(shared)]
        assert r.held_out == links["arrangement"].nunique() - reduced["arrangement"].nunique()
        ft = shortlist(r.focal, "ict", as_of=r.as_of, links=reduced,
                       partnerships=False).full_table()
        assert r.rank_weights == int(ft.loc[ft["code"] == r.partner, "rank"].iloc[0])
        # nearest baseline: 1 + candidates strictly closer (+ equal distance, lower code)
        d = ft.set_index("code")["distance_km"]
        mine = d[r.partner]
        expect = 1 + int((d < mine).sum()) + int(((d == mine) & (d.index < r.partner)).sum())
        assert r.rank_nearest == expect
    # the full-register shortlist (partnership kept) must rank differently somewhere or score
    # the pair higher: the removal is real
    full = shortlist(cases.focal.iloc[0], "ict", as_of=cases.as_of.iloc[0], links=links)
    red = shortlist(cases.focal.iloc[0], "ict", as_of=cases.as_of.iloc[0], links=reduced)
    p = cases.partner.iloc[0]
    assert full.scores[p] > red.scores[p]


def test_random_expectation_matches_brute_force():
    for n in (1, 2, 4, 5):
        ranks = []
        for perm in itertools.permutations(range(n)):
            ranks.append(perm.index(0) + 1)      # where the real partner lands
        ranks = np.array(ranks, dtype=float)
        exp = random_expectation(n)
        for k in (1, 3, 5, 10):
            assert exp[f"hit@{k}"] == pytest.approx(np.mean(ranks <= k))
        assert exp["rr"] == pytest.approx(np.mean(1 / ranks))
        assert exp["rank"] == pytest.approx(np.mean(ranks))


def _synthetic(beta: np.ndarray, n_sets: int, n_cand: int, n_parts: int, seed: int,
               names: list[str]) -> BacktestResult:
    rng = np.random.default_rng(seed)
    sets, rows = [], []
    codes = np.array([f"E{j:08d}" for j in range(n_cand)])
    for i in range(n_sets):
        x = rng.uniform(0, 100, size=(n_cand, len(beta)))
        u = x @ beta / 100 + rng.gumbel(size=n_cand)
        sets.append(ValueMatrix(codes, names, x, np.full(len(beta), 1 / len(beta))))
        rows.append({"partnership": f"p{i % n_parts:03d}", "service": "ict",
                     "partner": codes[int(np.argmax(u))]})
    empty = pd.DataFrame()
    return BacktestResult(cases=pd.DataFrame(rows), skipped=empty, summary=empty,
                          by_family=empty, by_tier=empty, criteria=names, choice_sets=sets)


def _chosen(bt: BacktestResult) -> np.ndarray:
    """The row of the real partner in each choice set."""
    return np.array([list(s.codes).index(p)
                     for s, p in zip(bt.choice_sets, bt.cases["partner"], strict=True)])


def test_fit_recovers_known_weights():
    beta = np.array([6.0, 3.0, 1.5, 0.0])
    bt = _synthetic(beta, 3000, 20, 100, seed=1, names=list("abcd"))
    x = np.array([s.values for s in bt.choice_sets])
    chosen = _chosen(bt)
    est = fit_conditional_logit(x, np.ones(x.shape[:2], bool), chosen, l2=0.0)
    assert np.allclose(est / est.sum(), beta / beta.sum(), atol=0.04)
    assert np.allclose(est, beta, atol=0.6)


def test_cv_folds_disjoint_and_never_see_heldout():
    names = list(load_criteria())
    beta = np.linspace(3, 0, len(names))
    bt = _synthetic(beta, 400, 12, 40, seed=2, names=names)
    cal = calibrate(result=bt, folds=4, bootstrap=0, seed=3)
    parts = bt.cases["partnership"].to_numpy()
    for f in range(4):
        held = set(cal.folds.index[cal.folds == f])
        assert held and not held & set(cal.train_partnerships[f])
        assert set(parts[cal.case_folds.to_numpy() == f]) == held
        assert held | set(cal.train_partnerships[f]) == set(parts)
    # folds partition the partnerships
    assert sorted(cal.folds.index) == sorted(set(parts))
    # changing the held-out cases' choices must not change that fold's fitted weights
    fold0 = set(cal.folds.index[cal.folds == 0])
    altered = _synthetic(beta, 400, 12, 40, seed=2, names=names)
    chosen = _chosen(altered)
    for i, s in enumerate(altered.choice_sets):
        if altered.cases.at[i, "partnership"] in fold0:
            altered.cases.at[i, "partner"] = s.codes[(chosen[i] + 1) % len(s.codes)]
    cal2 = calibrate(result=altered, folds=4, bootstrap=0, seed=3)
    assert np.allclose(cal2.fold_weights.loc[0], cal.fold_weights.loc[0])
    assert not np.allclose(cal2.fold_weights.loc[1], cal.fold_weights.loc[1])


def test_fold_assignments_seeded_and_balanced():
    a = fold_assignments([f"g{i}" for i in range(23)], 5, seed=7)
    assert a.equals(fold_assignments([f"g{i}" for i in range(23)][::-1], 5, seed=7))
    assert a.value_counts().max() - a.value_counts().min() <= 1


def test_saved_profile_loads_with_shortlist(tmp_path):
    names = list(load_criteria())
    beta = np.linspace(3, 0.5, len(names))
    cal = calibrate(result=_synthetic(beta, 200, 10, 20, seed=4, names=names), folds=3,
                    bootstrap=5)
    path = cal.save_profile(tmp_path / "calibrated.yaml")
    spec = yaml.safe_load(path.read_text())
    assert spec["method"] == "direct" and set(spec["weights"]) == set(names)
    sl = shortlist("Lancaster", "revenues_benefits", as_of="2015-01-01", weights=path)
    expect = pd.Series(spec["weights"], dtype=float)
    expect = expect / expect.sum()
    assert np.allclose(sl.weights_given.reindex(names), expect.reindex(names), atol=1e-9)
    assert set(cal.intervals.columns) >= {"weight", "low", "high"}
    assert (cal.intervals["low"] <= cal.intervals["high"] + 1e-12).all()


# --------------------------------------------------------------------------- removal (leakage)

def test_backtest_removes_the_whole_partnership_not_just_the_arrangement(links, small_backtest):
    # 3C also shares legal (running from 2015-01-01): dropping only the ICT rows would leave
    # Cambridge and South Cambridgeshire linked; the backtest must drop every 3C service (and,
    # frozen definition, every other arrangement the two share).
    part = links.loc[links["arrangement"] == ARR, "partnership"].iloc[0]
    assert links.loc[links["partnership"] == part, "service"].nunique() > 1
    members = links.groupby("arrangement")["council"].agg(set)
    shared = {a for a, m in members.items() if {"E07000008", "E07000012"} <= m}
    whole = links[(links["partnership"] != part) & ~links["arrangement"].isin(shared)]
    only_ict = links[links["arrangement"] != ARR]
    crit = list(load_criteria())
    j = crit.index("direct_links")
    case = small_backtest.cases.index[(small_backtest.cases.focal == "E07000008")
                                      & (small_backtest.cases.partner == "E07000012")][0]
    cs = small_backtest.choice_sets[case]
    got = cs.values[list(cs.codes).index("E07000012"), j]
    v_whole = shortlist("E07000008", "ict", as_of=DATE, links=whole).value_matrix.at[
        "E07000012", "direct_links"]
    v_ict = shortlist("E07000008", "ict", as_of=DATE, links=only_ict).value_matrix.at[
        "E07000012", "direct_links"]
    v_full = shortlist("E07000008", "ict", as_of=DATE, links=links).value_matrix.at[
        "E07000012", "direct_links"]
    assert got == pytest.approx(v_whole)
    assert v_whole < v_ict <= v_full


def test_pairs_before_min_year_and_unknown_starts_are_reported_not_dropped(links):
    # Building control's starts are blanked here, so the case for an unknown start does not
    # depend on whether the bundled register dates it.
    bc = "3c-shared-services-building_control"
    undated = links.copy()
    undated.loc[undated["arrangement"] == bc, "start"] = pd.NaT
    bt = backtest(undated, arrangements=[ARR, bc], min_year=2016)
    assert len(bt.cases) == 0
    reasons = bt.skipped.groupby("arrangement")["reason"].agg(set)
    # 3 members -> 6 ordered pairs each; ICT began 2015-10 (< 2016), building control's start
    # is not known
    assert (bt.skipped["arrangement"] == ARR).sum() == 6
    assert reasons[ARR] == {"the pair came together before 2016 (min_year)"}
    assert reasons["3c-shared-services-building_control"] == {
        "a member's start date is not known"}


# --------------------------------------------------------------------------- ties

def test_expected_metrics_hand_computed():
    # partner behind 2, tied with 2 others: equally likely at ranks 3, 4, 5
    m = expected_metrics([2], [3], ks=(1, 3, 4, 5))
    assert m["hit@1"] == 0 and m["hit@3"] == pytest.approx(1 / 3)
    assert m["hit@4"] == pytest.approx(2 / 3) and m["hit@5"] == 1
    assert m["mrr"] == pytest.approx((1 / 3 + 1 / 4 + 1 / 5) / 3)
    assert m["median_rank"] == 4
    # no tie: plain ranks
    m = expected_metrics([0, 4], [1, 1], ks=(1, 5))
    assert m["mrr"] == pytest.approx((1 + 1 / 5) / 2) and m["hit@1"] == 0.5


def test_expected_metrics_equal_brute_force_over_tie_orders():
    rng = np.random.default_rng(5)
    for _ in range(20):
        b, t = int(rng.integers(0, 6)), int(rng.integers(1, 6))
        ranks = np.array([b + 1 + perm.index(0) for perm in itertools.permutations(range(t))],
                         dtype=float)
        m = expected_metrics([b], [t], ks=(1, 2, 3, 5, 10))
        for k in (1, 2, 3, 5, 10):
            assert m[f"hit@{k}"] == pytest.approx(np.mean(ranks <= k))
        assert m["mrr"] == pytest.approx(np.mean(1 / ranks))
        assert m["median_rank"] == pytest.approx(np.mean(ranks))   # one case: its mean rank
    # the random baseline is the tie of everyone
    for n in (1, 7, 203):
        exp = random_expectation(n)
        m = expected_metrics([0], [n])
        assert m["mrr"] == pytest.approx(exp["rr"]) and m["hit@5"] == pytest.approx(exp["hit@5"])


def test_single_criterion_baselines_score_ties_at_random(links, small_backtest):
    part = links.loc[links["arrangement"] == ARR, "partnership"].iloc[0]
    reduced = links[links["partnership"] != part]
    adj = adjacency(DATE)
    for r in small_backtest.cases.itertuples():
        ft = shortlist(r.focal, "ict", as_of=r.as_of, links=reduced,
                       partnerships=False).full_table()
        cands = set(ft["code"])
        # neighbours from the register's adjacency table, independently of the backtest
        nb = set(adj.loc[adj["a"] == r.focal, "b"]) | set(adj.loc[adj["b"] == r.focal, "a"])
        n_adj = len(cands & nb)
        n = len(cands)
        if r.partner in nb:
            better, tied = 0, n_adj
        else:
            better, tied = n_adj, n - n_adj
        assert (r.tied_adjacency, r.rank_adjacency) == (tied, better + (tied + 1) / 2)
        # 3C are all Cambridgeshire districts: same county ties every Cambridgeshire district
        # and Cambridgeshire County Council (E10000003), the county they are within
        cambs = set(ft["code"]) & {"E07000008", "E07000009", "E07000010", "E07000011",
                                   "E07000012", "E10000003"}
        assert r.tied_same_county == len(cambs) and r.rank_same_county == (len(cambs) + 1) / 2
        assert r.tied_random == n and r.rank_random == (n + 1) / 2
        assert r.tied_weights == 1 and r.tied_nearest == 1


def test_summary_is_expected_metrics_of_the_cases(small_backtest):
    c = small_backtest.cases
    for m in METHOD_ORDER:
        t = c[f"tied_{m}"].to_numpy()
        b = c[f"rank_{m}"].to_numpy() - (t + 1) / 2
        rr = np.mean([np.mean(1 / np.arange(bi + 1, bi + ti + 1)) for bi, ti in zip(b, t)])
        assert small_backtest.summary.at[m, "mrr"] == pytest.approx(rr)
    curve = small_backtest.hit_curve(range(1, 21))
    assert list(curve.index) == list(METHOD_ORDER) and list(curve.columns) == list(range(1, 21))
    assert (curve.diff(axis=1).iloc[:, 1:] >= -1e-12).all().all()   # hit@k never falls
    assert curve.loc["weights", 5] == pytest.approx(small_backtest.summary.at["weights", "hit@5"])


# --------------------------------------------------------------------------- calibration

def test_conditional_logit_closed_form_binary_and_ternary():
    # one criterion; the first candidate scores 100, the others 0; picked in a of n sets.
    # P(first) = e^b / (e^b + m - 1), so the MLE is b = log((m - 1) a / (n - a)).
    for m, a, n in ((2, 30, 40), (3, 20, 40), (5, 25, 30)):
        x = np.zeros((n, m, 1))
        x[:, 0, 0] = 100.0
        chosen = np.array([0] * a + [1] * (n - a))
        est = fit_conditional_logit(x, np.ones((n, m), bool), chosen, l2=0.0)
        assert est[0] == pytest.approx(np.log((m - 1) * a / (n - a)), abs=1e-4)
    # an unconstrained MLE below 0 (picked less often than chance) sits on the bound 0
    x = np.zeros((40, 3, 1))
    x[:, 0, 0] = 100.0
    est = fit_conditional_logit(x, np.ones((40, 3), bool), np.array([0] * 8 + [1] * 32), l2=0)
    assert est[0] == 0.0


def test_conditional_logit_respects_padding_and_case_weights():
    # a set padded with junk rows (mask False) must fit as if the rows were absent, and a
    # case weight of 2 must equal the case repeated
    m, a, n = 3, 20, 40
    x = np.zeros((n, m + 2, 1))
    x[:, 0, 0] = 100.0
    x[:, m:, 0] = 100.0                    # padding that would matter if it leaked in
    mask = np.zeros((n, m + 2), bool)
    mask[:, :m] = True
    chosen = np.array([0] * a + [1] * (n - a))
    est = fit_conditional_logit(x, mask, chosen, l2=0.0)
    assert est[0] == pytest.approx(np.log((m - 1) * a / (n - a)), abs=1e-4)
    w = np.ones(n)
    w[:a] = 2.0                            # first-picks counted twice: 40 of 60
    est = fit_conditional_logit(x, mask, chosen, case_weights=w, l2=0.0)
    assert est[0] == pytest.approx(np.log((m - 1) * 2 * a / (n - a)), abs=1e-4)


def test_cv_fits_never_receive_a_heldout_choice_set(monkeypatch):
    names = list(load_criteria())
    bt = _synthetic(np.linspace(3, 0, len(names)), 300, 8, 30, seed=6, names=names)
    # tag every set: the first candidate's first value is its case number (unique)
    for case, s in enumerate(bt.choice_sets):
        s.values[0, 0] = float(case)
    part_of = dict(enumerate(bt.cases["partnership"]))
    calls = []
    real = calibration_module.fit_conditional_logit

    def spy(values, mask, chosen, **kw):
        calls.append({int(v) for v in values[:, 0, 0]})
        return real(values, mask, chosen, **kw)

    monkeypatch.setattr(calibration_module, "fit_conditional_logit", spy)
    cal = calibrate(result=bt, folds=5, bootstrap=3, seed=1)
    assert len(calls) == 5 + 1 + 3          # one fit per fold, the full fit, the resamples
    for f in range(5):
        held = set(cal.folds.index[cal.folds == f])
        seen = {part_of[c] for c in calls[f]}
        assert not seen & held
        assert seen == set(part_of.values()) - held     # and every other partnership
    assert calls[5] == set(part_of)


def test_calibrate_default_mrr_is_the_backtest_mrr(four_backtest):
    # two code paths: the backtest ranks shortlist scores, calibrate re-scores value matrices
    cal = calibrate(result=four_backtest, folds=4, bootstrap=0)
    assert len(four_backtest.cases) == 12
    assert cal.default_mrr == pytest.approx(four_backtest.summary.at["weights", "mrr"])
    assert cal.cv["cases"].sum() == 12 and cal.cv["partnerships"].sum() == 4


def test_calibrated_profile_round_trips_into_shortlist(tmp_path, four_backtest):
    cal = calibrate(result=four_backtest, folds=2, bootstrap=0)
    path = cal.save_profile(tmp_path / "calibrated.yaml")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # atomic, no temp
    spec = yaml.safe_load(path.read_text())
    pts = pd.Series(spec["weights"], dtype=float)
    assert np.allclose((pts / pts.sum()).reindex(cal.weights.index), cal.weights, atol=1e-4)
    from_file = shortlist("Lancaster", "revenues_benefits", as_of="2015-01-01", weights=path)
    from_series = shortlist("Lancaster", "revenues_benefits", as_of="2015-01-01",
                            weights=cal.weights)
    assert from_file.full_table()["code"].head(20).tolist() == \
        from_series.full_table()["code"].head(20).tolist()


def test_backtest_cases_come_from_the_chosen_kinds_only():
    import pandas as pd

    from partnerfit.errors import PartnerfitError
    from partnerfit.evaluate import backtest

    def rows(arr, kind, members):
        return [{"arrangement": arr, "partnership": arr, "name": arr, "service": "finance",
                 "model": "federal", "kind": kind, "council": c, "council_name": "",
                 "role": "partner", "start": "2012", "end": "", "notes": "",
                 "source_title": "t", "source_publisher": "p", "source_date": "",
                 "source_url": "https://example.org"} for c in members]
    table = pd.DataFrame(rows("chosen", "lead_authority", ["E07000121", "E07000123"])
                         + rows("statutory", "joint_board",
                                ["E07000118", "E07000126", "E07000127"]))
    bt = backtest(table, baselines=False)
    assert set(bt.cases["arrangement"]) == {"chosen"} and len(bt.cases) == 2
    bt = backtest(table, baselines=False, kinds=["joint_board"])
    assert set(bt.cases["arrangement"]) == {"statutory"} and len(bt.cases) == 6  # 3 x 2 ordered
    with pytest.raises(PartnerfitError, match="did you mean 'joint_board'"):
        backtest(table, kinds=["joint_bord"])


# --------------------------------------------------------------------------- frozen definition

EKS = "east-kent-services-revenues_benefits"   # Canterbury, Dover, Thanet; from 2011-01-01
CANTERBURY, DOVER = "E07000106", "E07000108"


def test_no_input_encodes_the_outcome(links):
    """One case end to end: after removal nothing in the context reflects what the pair
    share; the context equals one built from a links table with those rows deleted."""
    from partnerfit.criteria import build_context
    from partnerfit.evaluate import held_out
    from partnerfit.evaluate.backtest import without
    from partnerfit.links import load_systems

    # independently: every arrangement listing both councils, and all of EK Services
    members = links.groupby("arrangement")["council"].agg(set)
    shared = {a for a, m in members.items() if {CANTERBURY, DOVER} <= m}
    expect = shared | set(links.loc[links["partnership"] == "east-kent-services",
                                    "arrangement"])
    # they share more than EK Services (audit, housing, Kent Homechoice, ...)
    assert len(shared - set(links.loc[links["partnership"] == "east-kent-services",
                                      "arrangement"])) >= 3
    gone = held_out(links, CANTERBURY, DOVER, EKS)
    assert gone == expect

    date = pd.Timestamp("2011-01-01")
    full = build_context(date)
    i, j = full.position([CANTERBURY, DOVER])
    assert full.link_services[i, j] > 0 and full.partners[i, j] > 0   # the test can fail
    systems = load_systems()
    assert systems["arrangement"].isin(gone).any()     # EK Services' R&B system is recorded
    ctx = without(full, gone)

    reduced = links[~links["arrangement"].isin(gone)]
    ref = build_context(date, links=reduced,
                        systems=systems[~systems["arrangement"].isin(gone)])
    assert list(ref.codes) == list(ctx.codes)
    # nothing derived from the removed arrangements is left
    assert not ctx.links["arrangement"].isin(gone).any()
    assert not ctx.systems_table["arrangement"].isin(gone).any()
    assert not ctx.systems["arrangement"].isin(gone).any()
    assert ctx.link_services[i, j] == 0 and ctx.partners[i, j] == 0
    # ... and the rest is exactly what a context without those rows holds
    assert sorted(set(ctx.links["arrangement"])) == sorted(set(ref.links["arrangement"]))
    lead_rows = ctx.links[ctx.links["role"] == "lead"][["arrangement", "council"]]
    ref_leads = ref.links[ref.links["role"] == "lead"][["arrangement", "council"]]
    assert sorted(map(tuple, lead_rows.to_numpy())) == sorted(map(tuple, ref_leads.to_numpy()))
    np.testing.assert_array_equal(ctx.link_services, ref.link_services)
    np.testing.assert_array_equal(ctx.partners, ref.partners)
    np.testing.assert_array_equal(ctx.partnerships, ref.partnerships)
    key = ["council", "function", "vendor", "product"]
    pd.testing.assert_frame_equal(
        ctx.systems[key].sort_values(key).reset_index(drop=True),
        ref.systems[key].sort_values(key).reset_index(drop=True))
    # and the backtest scores that case with exactly those figures
    bt = backtest(arrangements=[EKS])
    case = bt.cases.index[(bt.cases.focal == CANTERBURY) & (bt.cases.partner == DOVER)][0]
    assert bt.cases.at[case, "held_out"] == len(expect)
    cs = bt.choice_sets[case]
    direct = shortlist(CANTERBURY, "revenues_benefits", as_of=date, links=reduced,
                       systems=systems[~systems["arrangement"].isin(gone)],
                       partnerships=False, two_way=False)  # the backtest ranks councils
    pd.testing.assert_frame_equal(cs.to_frame().loc[list(direct.value_matrix.index)],
                                  direct.value_matrix, check_names=False)


def _synthetic_links(rows_by_arr: dict[str, list[str]], service: str = "finance"
                     ) -> pd.DataFrame:
    return pd.DataFrame([{"arrangement": a, "partnership": a, "name": a, "service": service,
                          "model": "federal", "kind": "lead_authority", "council": c,
                          "council_name": "", "role": "partner", "start": "2012", "end": "",
                          "notes": "", "source_title": "t", "source_publisher": "p",
                          "source_date": "", "source_url": "https://example.org"}
                         for a, members in rows_by_arr.items() for c in members])


def test_weighted_metrics_count_each_arrangement_once():
    from partnerfit.register import load_councils

    # three Lancashire districts in one arrangement (6 cases), two in another (2 cases)
    table = _synthetic_links({"big": ["E07000121", "E07000123", "E07000126"],
                        "pair": ["E07000118", "E07000127"]})
    bt = backtest(table)
    assert len(bt.cases) == 8
    reg = load_councils("2012-01-01")
    rr = {}
    for r, cs in zip(bt.cases.itertuples(), bt.choice_sets, strict=True):
        e = reg.loc[list(cs.codes), "easting"].to_numpy(float)
        n = reg.loc[list(cs.codes), "northing"].to_numpy(float)
        d = np.hypot(e - reg.at[r.focal, "easting"], n - reg.at[r.focal, "northing"])
        rank = 1 + int((d < d[list(cs.codes).index(r.partner)]).sum())   # by hand
        rr.setdefault(r.arrangement, []).append(1.0 / rank)
    by_hand = (np.mean(rr["big"]) + np.mean(rr["pair"])) / 2
    per_case = np.mean(rr["big"] + rr["pair"])
    assert abs(by_hand - per_case) > 1e-3          # the weighting makes a difference here
    assert bt.summary.at["nearest", "mrr"] == pytest.approx(by_hand)
    assert bt.metrics(weighted=False).at["nearest", "mrr"] == pytest.approx(per_case)
    assert bt.summary.at["nearest", "arrangements"] == 2
    assert bt.cases["weight"].tolist() == pytest.approx([1 / 6] * 6 + [1 / 2] * 2)
    fam = bt.by_family.xs("nearest", level="method")
    assert fam["mrr"].iloc[0] == pytest.approx(by_hand)


def test_candidates_that_are_not_councils_are_not_ranked(monkeypatch, small_backtest):
    """A partnership row in a shortlist (code = arrangement id) is left out of the ranks."""
    import dataclasses
    import sys

    mod = sys.modules["partnerfit.evaluate.backtest"]
    real = mod.score_in_context
    calls = []

    def with_partnership(*args, **kwargs):
        sl = real(*args, **kwargs)
        calls.append(1)
        # the partnership scores above everyone: if it were ranked every rank would drop by 1
        extra = sl.matrix.take([0])
        extra.codes[:] = ["some-partnership"]
        matrix = ValueMatrix.from_frame(
            pd.concat([extra.to_frame(), sl.matrix.to_frame()]), sl.matrix.weight_series())
        return dataclasses.replace(sl, matrix=matrix, scores=pd.concat(
            [pd.Series([1000.0], index=["some-partnership"]), sl.scores]))

    monkeypatch.setattr(mod, "score_in_context", with_partnership)
    bt = backtest(arrangements=[ARR])
    cols = [f"rank_{m}" for m in ("weights", "nearest", "county_nearest")] + ["n_candidates"]
    assert calls
    pd.testing.assert_frame_equal(bt.cases[cols], small_backtest.cases[cols])
    assert all("some-partnership" not in cs.codes for cs in bt.choice_sets)


def _ranked(ranks: list[int], fam: list[str], arr: list[str]) -> BacktestResult:
    """A backtest result from the weights' ranks (no ties) of hand-made cases."""
    cases = pd.DataFrame({"arrangement": arr, "focal": [f"f{i}" for i in range(len(ranks))],
                          "partner": "p", "family": fam,
                          "rank_weights": np.asarray(ranks, float), "tied_weights": 1})
    cases["weight"] = 1.0 / cases.groupby("arrangement")["arrangement"].transform("size")
    empty = pd.DataFrame()
    return BacktestResult(cases=cases, skipped=empty, summary=empty, by_family=empty,
                          by_tier=empty, criteria=[])


def test_leave_one_family_out_chooses_on_the_other_families():
    from partnerfit.errors import PartnerfitError
    from partnerfit.evaluate import leave_one_family_out

    fam = ["a", "a", "b", "b", "c"]
    arr = ["x", "x", "y", "z", "w"]          # x: two cases of weight 1/2
    today = _ranked([2, 2, 2, 2, 2], fam, arr)
    helps_a_b = _ranked([1, 1, 1, 1, 4], fam, arr)     # better in a and b, worse in c
    out = leave_one_family_out({"today": today, "new": helps_a_b}, "today").set_index("family")
    # by hand: held out a -> on b, c: new (1+1+1/4)/3 = 0.75 > today 0.5 -> new; on a 1 vs 0.5
    assert out.at["a", "chosen"] == "new" and out.at["a", "gain"] == pytest.approx(0.5)
    # held out c -> on a, b new wins; on c new gives 1/4 against 1/2: the gain does not hold
    assert out.at["c", "chosen"] == "new" and out.at["c", "gain"] == pytest.approx(-0.25)
    assert out.at["b", "mrr_baseline"] == pytest.approx(0.5)
    assert out.attrs["chosen_on_all"] == "new"
    # a tie goes to the baseline
    assert leave_one_family_out({"today": today, "same": today}, "today")["chosen"].eq(
        "today").all()
    with pytest.raises(PartnerfitError, match="baseline 'old'"):
        leave_one_family_out({"today": today}, "old")
    with pytest.raises(PartnerfitError, match="other cases"):
        leave_one_family_out({"today": today, "short": _ranked([1], ["a"], ["x"])}, "today")


def test_companion_keeps_only_the_pairs_ties_from_a_year_before(links):
    """keep_earlier_ties=True: of the arrangements Canterbury and Dover share, those outside
    EK Services that started a year or more before the case (1 January 2011) stay; the later
    one (East Kent Housing, April 2011) and EK Services go, as in the frozen definition."""
    members = links.groupby("arrangement")["council"].agg(set)
    shared = {a for a, m in members.items() if {CANTERBURY, DOVER} <= m}
    eks = set(links.loc[links["partnership"] == "east-kent-services", "arrangement"])
    start = links.groupby("arrangement")["start"].min()
    case = pd.Timestamp("2011-01-01")
    kept = {a for a in shared - eks
            if pd.notna(start[a]) and start[a] <= case - pd.Timedelta(days=365)}
    assert len(kept) >= 3 and "east-kent-housing-housing" not in kept  # the test can fail
    frozen = backtest(arrangements=[EKS], baselines=False)
    companion = backtest(arrangements=[EKS], baselines=False,
                                     keep_earlier_ties=True)
    pair = {(CANTERBURY, DOVER), (DOVER, CANTERBURY)}
    for bt, expect in ((frozen, len(shared | eks)), (companion, len((shared | eks) - kept))):
        rows = bt.cases[[(f, p) in pair for f, p in zip(bt.cases["focal"], bt.cases["partner"])]]
        assert len(rows) == 2 and (rows["held_out"] == expect).all()
    # the kept ties count for the pair in the companion only
    j = frozen.criteria.index("direct_links")
    for bt, positive in ((frozen, False), (companion, True)):
        i = next(k for k, (f, p) in enumerate(zip(bt.cases["focal"], bt.cases["partner"]))
                 if (f, p) == (CANTERBURY, DOVER))
        s = bt.choice_sets[i]
        value = s.values[int(np.flatnonzero(s.codes == DOVER)[0]), j]
        assert bool(value > 0) == positive
    with pytest.raises(ArgumentTypeError, match="keep_earlier_ties"):
        backtest(arrangements=[EKS], keep_earlier_ties="yes")
