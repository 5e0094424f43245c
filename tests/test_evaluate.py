"""Tests for partnerfit.evaluate: leakage, cross-validation hygiene, closed forms, recovery."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import yaml

from partnerfit.criteria import load_criteria
from partnerfit.evaluate import (
    BacktestResult,
    ChoiceSet,
    backtest,
    calibrate,
    fit_conditional_logit,
    fold_assignments,
    random_expectation,
)
from partnerfit.links import load_links
from partnerfit.scoring import shortlist

ARR = "3c-shared-services-ict"   # Cambridge, Huntingdonshire, South Cambs; from 2015-10-01
DATE = "2015-10-01"


@pytest.fixture(scope="module")
def links() -> pd.DataFrame:
    return load_links()


@pytest.fixture(scope="module")
def small_backtest() -> BacktestResult:
    return backtest(arrangements=[ARR])


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
    part = links.loc[links["arrangement"] == ARR, "partnership"].iloc[0]
    reduced = links[links["partnership"] != part]
    cases = small_backtest.cases
    assert len(cases) == 6  # 3 members, each focal with 2 partners
    for r in cases.itertuples():
        ft = shortlist(r.focal, "ict", as_of=r.as_of, links=reduced).full_table()
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
    sets = []
    for i in range(n_sets):
        x = rng.uniform(0, 100, size=(n_cand, len(beta)))
        u = x @ beta / 100 + rng.gumbel(size=n_cand)
        sets.append(ChoiceSet(case=i, partnership=f"p{i % n_parts:03d}", service="ict",
                              codes=np.array([f"E{j:08d}" for j in range(n_cand)]), values=x,
                              chosen=int(np.argmax(u)),
                              weights=np.full(len(beta), 1 / len(beta))))
    empty = pd.DataFrame()
    return BacktestResult(cases=empty, skipped=empty, summary=empty, by_family=empty,
                          by_tier=empty, criteria=names, choice_sets=sets)


def test_fit_recovers_known_weights():
    beta = np.array([6.0, 3.0, 1.5, 0.0])
    bt = _synthetic(beta, 3000, 20, 100, seed=1, names=list("abcd"))
    x = np.array([s.values for s in bt.choice_sets])
    chosen = np.array([s.chosen for s in bt.choice_sets])
    est = fit_conditional_logit(x, np.ones(x.shape[:2], bool), chosen, l2=0.0)
    assert np.allclose(est / est.sum(), beta / beta.sum(), atol=0.04)
    assert np.allclose(est, beta, atol=0.6)


def test_cv_folds_disjoint_and_never_see_heldout():
    names = list(load_criteria())
    beta = np.linspace(3, 0, len(names))
    bt = _synthetic(beta, 400, 12, 40, seed=2, names=names)
    cal = calibrate(result=bt, folds=4, bootstrap=0, seed=3)
    parts = np.array([s.partnership for s in bt.choice_sets])
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
    for s in altered.choice_sets:
        if s.partnership in fold0:
            s.chosen = (s.chosen + 1) % len(s.codes)
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
