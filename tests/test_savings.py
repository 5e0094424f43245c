"""Savings model against hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from partnerfit.errors import DataValidationError
from partnerfit.savings import (
    SavingsAssumptions,
    estimate_group,
    group_npv,
    npv,
    scale_saving_rate,
)


def test_npv_closed_form():
    assert npv([-100, 50, 50, 50], 0.035) == pytest.approx(
        -100 + 50 / 1.035 + 50 / 1.035**2 + 50 / 1.035**3)


def test_scale_rate():
    a = SavingsAssumptions(saving_rate_per_doubling=0.08, max_saving_rate=0.25)
    assert scale_saving_rate(1, a) == 0
    assert scale_saving_rate(2, a) == pytest.approx(0.08)
    assert scale_saving_rate(4, a) == pytest.approx(0.16)
    assert scale_saving_rate(64, a) == pytest.approx(0.25)


def test_estimate_two_councils_by_hand():
    a = SavingsAssumptions(years=3, ramp_up=(0.5, 1.0), transition_rate=0.1,
                           it_migration_rate=0.05, saving_rate_per_doubling=0.08)
    est = estimate_group({"E07000121": 2.0, "E07000123": 3.0}, a)
    annual = 5.0 * 0.08
    one_off = 0.1 * 5.0 + 0.05 * 2.0
    want = -one_off + annual * (0.5 / 1.035 + 1 / 1.035**2 + 1 / 1.035**3)
    assert est.annual_saving == pytest.approx(annual)
    assert est.one_off_cost == pytest.approx(one_off)
    assert est.npv == pytest.approx(want)
    # cumulative 0.2, 0.6 >= 0.6 one-off in year 2
    assert est.payback_year == 2


def test_unknown_cost_is_not_invented():
    est = estimate_group({"E07000121": 2.0, "E07000123": None})
    assert not est.known and math.isnan(est.npv)
    assert "E07000123" in est.notes[0]


def test_vectorised_npv_matches_single_estimates():
    costs = np.array([1.0, 2.0, np.nan, 4.0])
    members = np.array([[0, 1, -1], [0, 1, 3], [2, 3, -1], [1, -1, -1]])
    got = group_npv(members, costs)
    assert got[0] == pytest.approx(estimate_group({"a": 1.0, "b": 2.0}).npv)
    assert got[1] == pytest.approx(estimate_group({"a": 1.0, "b": 2.0, "d": 4.0}).npv)
    assert math.isnan(got[2])
    assert got[3] == 0.0


def test_overrides_and_validation():
    est = estimate_group({"a": 1.0, "b": 1.0}, years=5, discount_rate=0.035)
    assert est.assumptions.years == 5
    with pytest.raises(DataValidationError):
        estimate_group({"a": 1.0, "b": 1.0}, years=0)
    assert "Green Book" in SavingsAssumptions().sources["discount_rate"]
