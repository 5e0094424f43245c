"""Tests of screening, scoring and the Shortlist (partnerfit.scoring, partnerfit.results)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partnerfit as pf
from partnerfit.aggregation import additive
from partnerfit.scoring import resolve_weights

LANCS = "2009-06-01"


@pytest.fixture(scope="module")
def links():
    return pf.load_links()


def _without(links, partnerships):
    return links[~links["partnership"].isin(partnerships)]


def test_preston_in_lancasters_top5_without_their_arrangement(links):
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS,
                      links=_without(links, ["lancaster-preston-revenues-benefits"]))
    top5 = sl.table.head(5)["name"].tolist()
    assert "Preston" in top5


@pytest.mark.parametrize("service", ["hr_payroll", "finance", "business_support", "legal"])
def test_north_east_lincolnshire_in_north_lincs_top3(links, service):
    both = links.groupby("partnership")["council"].agg(set)
    shared = both[both.map(lambda s: {"E06000012", "E06000013"} <= s)].index
    sl = pf.shortlist("North Lincolnshire", service, as_of="2014-06-01",
                      links=_without(links, list(shared)))
    assert "E06000012" in sl.table.head(3)["code"].tolist()


@pytest.mark.parametrize("service", ["licensing", "parking", "procurement"])
def test_eden_and_allerdale_rank_high_for_carlisle(links, service):
    parts = [p for p in links["partnership"].unique() if "carlisle" in p]
    sl = pf.shortlist("Carlisle", service, as_of="2008-06-01", links=_without(links, parts))
    top5 = sl.table.head(5)["name"].tolist()
    assert "Eden" in top5 and "Allerdale" in top5


@pytest.mark.parametrize("council, date", [("Lancaster", LANCS), ("Leeds", "2020-01-01"),
                                           ("Cardiff", "2015-01-01")])
def test_no_county_in_revenues_benefits_shortlist(council, date):
    sl = pf.shortlist(council, "revenues_benefits", as_of=date)
    assert not (sl.table["tier"] == "county").any()
    reasons = sl.screened.set_index("code")["reason"]
    assert reasons["E10000017"].startswith("a county does not deliver")


def test_score_is_the_weighted_sum_of_values_and_within_0_100():
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS)
    t = sl.table
    crit = list(sl.criteria)
    contrib = t[[f"{c}_contribution" for c in crit]].sum(axis=1)
    np.testing.assert_allclose(contrib, t["score"], atol=1e-9)
    manual = sum(sl.weights[c] * t[c] for c in crit)  # independent recomputation
    np.testing.assert_allclose(manual, t["score"], atol=1e-9)
    assert t["score"].between(0, 100).all()
    assert (t["rank"].to_numpy() == np.arange(1, len(t) + 1)).all()
    assert t["score"].is_monotonic_decreasing


def test_distance_values_follow_the_value_function_points():
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS)
    km = sl.raw["distance"].astype(float)
    pts = [(0, 100), (10, 90), (25, 70), (50, 40), (100, 10), (150, 0)]
    expected = np.interp(km, [p[0] for p in pts], [p[1] for p in pts])
    np.testing.assert_allclose(sl.value_matrix["distance"], expected)
    np.testing.assert_allclose(km["E07000123"], pf.distance("Lancaster", "Preston"))


def test_explain_and_compare():
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS)
    text = sl.explain("Preston")
    assert text.startswith("Preston (E07000123)") and "29 km" in text
    cmp = sl.compare("Preston", "Wyre")
    assert cmp.loc["total", "difference"] == pytest.approx(
        sl.scores["E07000123"] - sl.scores["E07000128"])
    assert cmp.drop("total")["difference"].sum() == pytest.approx(cmp.loc["total",
                                                                           "difference"])


def test_screening_reasons_recorded_for_every_council_not_scored():
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, exclude=["Wyre"],
                      max_distance_km=100)
    reasons = sl.screened.set_index("code")["reason"]
    assert reasons["E07000121"] == "the council itself"
    assert reasons["E07000128"] == "excluded by the user"
    assert reasons["E07000020"].startswith("not in force")
    assert set(reasons.index) | set(sl.scores.index) == set(pf.load_councils().index)
    assert (sl.raw["distance"].astype(float) <= 100).all()


def test_systems_criterion_not_applicable_is_flagged_and_weight_shared():
    sl = pf.shortlist("Lancaster", "audit", as_of=LANCS)
    assert sl.weights["systems"] == 0 and sl.weights.sum() == pytest.approx(1)
    assert any("does not apply" in n for n in sl.notes)


def test_unknown_values_are_flagged_not_silent():
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS)
    unknown_pop = sl.raw["size_ratio"].astype(float).isna()
    assert unknown_pop.any()  # 2009-abolished districts have no population
    assert sl.missing.loc[unknown_pop, "size_ratio"].all()
    assert (sl.value_matrix.loc[unknown_pop, "size_ratio"] == 50).all()
    assert sl.table.set_index("code").loc[unknown_pop[unknown_pop].index, "flags"].str.contains(
        "unknown").all()


def test_weights_mapping_errors_name_the_key():
    crit = pf.load_criteria()
    w = {c: 1 for c in crit}
    w["distnace"] = w.pop("distance")
    with pytest.raises(pf.PartnerfitError, match="did you mean 'distance'"):
        resolve_weights(w, "finance", crit)


def test_alternative_methods_run_and_rank_everyone():
    for method in ("topsis", "promethee"):
        sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, method=method)
        assert len(sl.table) == len(sl.value_matrix)


def test_relationships_use_the_links_given(links):
    with_links = pf.shortlist("Chorley", "finance", as_of="2014-06-01", links=links)
    without = pf.shortlist("Chorley", "finance", as_of="2014-06-01",
                           links=_without(links, [p for p in links["partnership"].unique()
                                                  if p.startswith("chorley-south-ribble")]))
    assert with_links.raw.at["E07000126", "direct_links"] > 0
    assert without.raw.at["E07000126", "direct_links"] == 0


def test_programme_covers_every_service_the_council_delivers():
    prog = pf.programme("Lancaster", as_of=LANCS, top=2)
    cat = pf.services()
    expected = [s for s in cat.index if "non_metropolitan_district" in cat.at[s, "delivered_by"]]
    assert sorted(prog["service"].unique()) == sorted(expected)
    assert (prog.groupby("service").size() == 2).all()


# --------------------------------------------------------------------------- properties

@pytest.fixture(scope="module")
def base():
    return pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS)


@settings(max_examples=25, deadline=None)
@given(factor=st.floats(0.01, 100))
def test_scaling_all_weights_leaves_ranks_unchanged(base, factor):
    w = base.weights_given * factor
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, weights=w.to_dict())
    assert sl.table["code"].tolist() == base.table["code"].tolist()


@settings(max_examples=25, deadline=None)
@given(i=st.integers(0, 50), crit=st.sampled_from(["distance", "systems", "tier_fit",
                                                   "size_ratio"]), bump=st.floats(0, 100))
def test_improving_a_value_never_lowers_the_score(base, i, crit, bump):
    v = base.value_matrix.copy()
    code = v.index[i]
    before = additive(v, base.weights)[code]
    v.loc[code, crit] = min(100.0, v.loc[code, crit] + bump)
    after = additive(v, base.weights)[code]
    assert after >= before - 1e-12


def test_row_order_of_inputs_never_changes_the_result(links):
    shuffled = links.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a = pf.shortlist("Chorley", "finance", as_of="2014-06-01", links=links)
    b = pf.shortlist("Chorley", "finance", as_of="2014-06-01", links=shuffled)
    pd.testing.assert_frame_equal(a.table, b.table)
