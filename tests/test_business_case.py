"""Business case of one option: cash flows, NPV and payback by hand; cited defaults."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partnerfit.business_case import (
    SOURCES,
    CaseAssumptions,
    estimated_cost_bases,
    option_case,
    split_shares,
)
from partnerfit.errors import DataValidationError


def test_federal_npv_and_payback_by_hand():
    cost = {"A": 4.0, "B": 2.0, "C": 2.0}
    case = option_case(list(cost), cost, "federal")
    # r(3) = 0.08 log2 3; one-off: 10% of 8 + 5% of the two smaller members (no system known,
    # the largest stays), raised 10% (optimism bias, lower bound); savings half in year 1
    annual = 8.0 * 0.08 * np.log2(3)
    one_off = (0.10 * 8.0 + 0.05 * 4.0) * 1.10
    ramp = np.array([0.5] + [1.0] * 9)
    npv = -one_off + float(np.sum(annual * ramp / 1.035 ** np.arange(1, 11)))
    assert case.npv["central"] == pytest.approx(npv)
    cum = np.cumsum(np.concatenate([[-one_off], annual * ramp]))
    assert case.payback_year == int(np.argmax(cum >= 0))
    # low applies the 200% upper bound, high no uplift
    assert case.npv["low"] == pytest.approx(npv + one_off - one_off / 1.10 * 3.0)
    assert case.npv["high"] == pytest.approx(npv + one_off - one_off / 1.10)
    assert case.by_source == {"not split": pytest.approx(annual)}


def test_keeping_has_no_one_off_and_no_ramp():
    cost = {"A": 1.0, "B": 1.0}
    kept = option_case(list(cost), cost, "joint_committee", status="keeping")
    assert kept.flows.query("case == 'central' and year == 0")["costs"].iloc[0] == 0.0
    assert kept.payback_year == 0
    ext = option_case(["A", "B", "C"], {"A": 1.0, "B": 1.0, "C": 2.0}, "federal",
                      status="extending", joiners=["C"], anchor="A",
                      systems={"A": "X", "B": "X", "C": "X"})
    assert ext.one_off["set-up and redundancy"] == pytest.approx(0.10 * 2.0)
    assert ext.one_off["IT convergence"] == 0.0


def test_arm_length_costs_and_sources_split():
    cost = {"A": 10.0, "B": 10.0}
    a = CaseAssumptions(pension_strain_rate=0.02, tupe_rate=0.01, irrecoverable_vat_share=0.5,
                        source_shares={"staff": 0.6, "management": 0.2, "systems": 0.2})
    co = option_case(list(cost), cost, "company", assumptions=a)
    assert co.one_off["pension strain and TUPE"] == pytest.approx(0.03 * 20.0)
    saving = 20.0 * 0.08
    vat = 0.5 * 0.20 * (20.0 - saving)
    year5 = co.flows.query("case == 'central' and year == 5").iloc[0]
    assert year5["costs"] == pytest.approx(vat)
    assert co.by_source["staff"] == pytest.approx(0.6 * saving)
    assert sum(co.by_source.values()) == pytest.approx(saving)
    fed = option_case(list(cost), cost, "federal", assumptions=a)
    assert fed.one_off["pension strain and TUPE"] == 0.0


def test_every_default_is_cited_or_zero_with_the_reason():
    for key, text in SOURCES.items():
        assert "https://" in text or "no cited default" in text or "not cited" in text \
            or "no cited split" in text, key
    a = CaseAssumptions()
    assert a.setup_cost == {} and a.governance_cost == {} and a.pension_strain_rate == 0
    assert a.private_saving_rate is None and a.savings.discount_rate == 0.035


def test_estimated_cost_bases_by_population_and_marked():
    est, note = estimated_cost_bases("revenues_benefits", pd.Series({"A": 100.0, "B": 300.0}),
                                     1000.0)
    assert est.to_dict() == {"A": pytest.approx(51.98), "B": pytest.approx(155.94)}
    assert "ESTIMATES" in note and "hansard" in note.lower()
    none, note = estimated_cost_bases("legal", pd.Series({"A": 1.0}), 10.0)
    assert none is None and "not estimated" in note


def test_split_rules():
    pop, cost = {"A": 1.0, "B": 3.0}, {"A": 2.0, "B": 2.0}
    assert split_shares(["A", "B"], "cost_base", population=pop, cost=cost) == \
        {"A": 0.5, "B": 0.5}
    assert split_shares(["A", "B"], "custom", population=pop, cost=cost,
                        custom={"A": 1, "B": 4}) == {"A": 0.2, "B": 0.8}
    with pytest.raises(DataValidationError, match="custom split has no weight"):
        split_shares(["A", "B"], "custom", population=pop, cost=cost, custom={"A": 1})
    with pytest.raises(DataValidationError, match="split="):
        split_shares(["A"], "size", population=pop, cost=cost)


def test_assumptions_are_validated():
    with pytest.raises(DataValidationError, match="source_shares"):
        CaseAssumptions(source_shares={"staff": 0.5}).validate()
    with pytest.raises(DataValidationError, match="unknown models"):
        CaseAssumptions(setup_cost={"shared": 0.1}).validate()
