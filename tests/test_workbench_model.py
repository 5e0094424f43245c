"""Tests for the workbench model (partnerfit.workbench.model).

Every ranking the model shows is checked against an independent call of
``pf.shortlist(..., weights=...)`` (scored from scratch) with the same weights; stakeholder
mode against :func:`partnerfit.compare_weight_sets` on such a shortlist; the robustness
verdict against :func:`robustness_verdict` on it; the saved profile by scoring with the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.errors import ArgumentError, ArgumentTypeError
from partnerfit.sensitivity.verdict import robustness_verdict
from partnerfit.workbench import COUNCILS_ONLY, WorkbenchModel, build_model

AS_OF = "2009-06-01"


@pytest.fixture(scope="module")
def lancaster():
    return pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY)


@pytest.fixture()
def model(lancaster):
    return build_model(lancaster)


def _fresh(weights, **kw):
    return pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY,
                        weights={k: float(v) for k, v in weights.items()}, **kw)


def test_starts_at_the_shortlist(model, lancaster):
    pd.testing.assert_frame_equal(model.ranking, lancaster.table)
    assert model.percentages.sum() == pytest.approx(100.0)
    assert list(model.changes["moved"]) == [0] * len(lancaster.table)


def test_set_weights_equals_a_fresh_shortlist(model):
    model.set_weights({"distance": 5, "direct_links": 60, "systems": 0})
    raw = model.raw_weights
    assert raw["distance"] == 5 and raw["direct_links"] == 60
    assert raw["adjacency"] == pytest.approx(100 * model._origin.weights_given["adjacency"])
    fresh = _fresh(raw)
    pd.testing.assert_frame_equal(model.ranking, fresh.table)
    # and the rank changes are the two fresh rankings' differences
    before = _fresh(model._origin.weights_given)
    was = dict(zip(before.table["code"], before.table["rank"], strict=True))
    ch = model.changes
    assert ch["moved"].abs().sum() > 0, "this weight change should move someone"
    for row in ch.itertuples():
        assert row.previous_rank == was[row.code]
        assert row.moved == was[row.code] - row.rank


def test_normalised_weights_keep_the_others_proportions(model):
    before = model.raw_weights.copy()
    model.set_weights({"distance": 0.5, "systems": 0.1}, normalised=True)
    w = model.weights
    assert w["distance"] == pytest.approx(0.5) and w["systems"] == pytest.approx(0.1)
    others = [c for c in w.index if c not in ("distance", "systems")]
    expected = before[others] / before[others].sum() * 0.4
    pd.testing.assert_series_equal(w[others], expected, check_names=False)
    pd.testing.assert_frame_equal(model.ranking, _fresh(w).table)


def test_switching_off_is_weight_zero(model):
    model.switch("Geography: distance", False)  # a label works as well as an id
    assert model.weights["distance"] == 0 and model.raw_weights["distance"] > 0
    w = model.raw_weights.where(model.enabled, 0.0)
    pd.testing.assert_frame_equal(model.ranking, _fresh(w).table)
    model.switch("distance", True)
    pd.testing.assert_frame_equal(model.ranking, _fresh(model.raw_weights).table)


def test_bad_weights_are_refused_and_change_nothing(model):
    before = model.ranking
    with pytest.raises(ArgumentError, match=r"unknown criterion 'distanse'.*did you mean "
                                            r"'distance'"):
        model.set_weights({"distanse": 10})
    with pytest.raises(ArgumentError, match="'adjacency' must be 0 or more"):
        model.set_weights({"adjacency": -1})
    with pytest.raises(ArgumentError, match="not a number"):
        model.set_weights({"adjacency": "ten"})
    with pytest.raises(ArgumentError, match="at least one switched-on criterion"):
        model.set_weights({c: 0 for c in model.criteria})
    with pytest.raises(ArgumentError, match="at most 1"):
        model.set_weights({"distance": 0.7, "systems": 0.6}, normalised=True)
    with pytest.raises(ArgumentTypeError):
        model.set_weights([("distance", 1)])  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(model.ranking, before)


def test_criterion_unknown_for_everyone_gets_no_weight():
    # IT systems are unknown for Lancaster in 2024: the shortlist leaves them out whatever
    # their weight, and so does the workbench
    sl = pf.shortlist("Lancaster", "hr_payroll", as_of="2024-06-01", **COUNCILS_ONLY)
    m = build_model(sl)
    m.set_weights({"systems": 80, "distance": 40})
    assert m.weights_used["systems"] == 0
    fresh = pf.shortlist("Lancaster", "hr_payroll", as_of="2024-06-01", **COUNCILS_ONLY,
                         weights=m.raw_weights.to_dict())
    pd.testing.assert_frame_equal(m.ranking, fresh.table)


def _systems():
    """Systems known for Lancaster and three candidates (as conftest's partly known case)."""
    def row(code, name, vendor, product):
        return {"council": code, "council_name": name, "function": "revenues_benefits",
                "vendor": vendor, "product": product, "year_observed": "2009", "notes": "",
                "source_title": "Report", "source_publisher": "Council",
                "source_date": "2009", "source_url": "https://example.org"}

    return pd.DataFrame([row("E07000121", "Lancaster", "Capita", "Academy"),
                         row("E07000123", "Preston", "Capita", "Academy"),
                         row("E07000128", "Wyre", "Capita", "Revenues"),
                         row("E07000031", "South Lakeland", "Northgate", "iWorld")])


def test_unknowns_policy_equals_a_criteria_file(tmp_path):
    systems = _systems()
    m = build_model(pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY,
                                 systems=systems))
    m.set_weights({"systems": 50})
    m.set_policy("renormalise")
    text = (Path(pf.__file__).resolve().parents[2] / "criteria" / "criteria.yaml").read_text(
        encoding="utf-8")
    crit = tmp_path / "criteria.yaml"
    crit.write_text(re.sub(r"(?m)^(\s+missing:) \w+", r"\1 renormalise", text),
                    encoding="utf-8")
    fresh = pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY, criteria=crit,
                         systems=systems,
                         weights=m.raw_weights.to_dict())
    assert fresh.missing["systems"].any()  # the case tested: values shared out per row
    pd.testing.assert_frame_equal(m.ranking, fresh.table)
    m.set_weights({"distance": 70})  # renormalised cells move with the weights
    fresh = pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY, criteria=crit,
                         systems=systems,
                         weights=m.raw_weights.to_dict())
    pd.testing.assert_frame_equal(m.ranking, fresh.table)
    with pytest.raises(ArgumentError, match="did you mean 'neutral'"):
        m.set_policy("nuetral")
    m.set_policy(None)
    pd.testing.assert_frame_equal(
        m.ranking, pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY,
                                systems=systems,
                                weights=m.raw_weights.to_dict()).table)


def test_stakeholder_mode_equals_compare_weight_sets(model):
    sets = {"members": {c: (40 if c == "distance" else 10) for c in model.criteria},
            "officers": {c: (40 if c == "systems" else 10) for c in model.criteria},
            "partners": {c: (40 if c == "direct_links" else 10) for c in model.criteria}}
    got = model.compare(sets, top=5)
    want = pf.compare_weight_sets(_fresh(model.raw_weights), sets, top=5)
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs


def test_verdict_at_current_weights(model):
    model.set_weights({"distance": 50, "same_area": 5})
    got = model.verdict()
    want = robustness_verdict(_fresh(model.raw_weights))
    assert got is not None
    assert (got.colour, got.sentence) == (want.colour, want.sentence)
    assert got.margin == pytest.approx(want.margin, rel=1e-12)
    assert got.first == pytest.approx(want.first, rel=1e-12)
    pd.testing.assert_series_equal(got.top3, want.top3, rtol=1e-12)


def test_saved_profile_round_trips(model, tmp_path):
    model.set_weights({"distance": 35, "systems": 12.5})
    model.switch("adjacency", False)
    path = model.save_profile(tmp_path / "workshop.yaml", name="workshop")
    text = path.read_text(encoding="utf-8")
    assert "adjacency: 0" in text and "distance: 35" in text and "systems: 12.5" in text
    from_file = pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY, weights=path)
    pd.testing.assert_frame_equal(model.ranking, from_file.table)
    with pytest.raises(pf.PartnerfitError, match="does not exist"):
        model.save_profile(tmp_path / "no" / "such.yaml")


def test_exact_shortlist_and_brief(model, tmp_path):
    model.set_weights({"direct_links": 70})
    sl = model.shortlist()
    fresh = _fresh(model.raw_weights)
    pd.testing.assert_frame_equal(sl.table, fresh.table)
    assert sl.notes == fresh.notes
    pd.testing.assert_frame_equal(sl.screened, fresh.screened)
    out = model.to_brief(tmp_path / "brief.html")
    first = fresh.table["name"].iloc[0]
    assert first in out.read_text(encoding="utf-8")


def test_contributions_sum_to_the_score(model):
    model.set_weights({"distance": 50})
    c = model.contributions(top=5)
    t = model.ranking.head(5)
    assert list(c.index) == list(t["name"])
    assert (c.sum(axis=1).to_numpy() == pytest.approx(t["score"].to_numpy()))


def test_build_model_arguments(lancaster):
    with pytest.raises(ArgumentError, match="shortlist alone"):
        build_model(lancaster, "hr_payroll")
    with pytest.raises(ArgumentTypeError, match="a council and a service"):
        build_model("Lancaster")
    with pytest.raises(ArgumentTypeError, match="needs a Shortlist"):
        WorkbenchModel("Lancaster")  # type: ignore[arg-type]


@pytest.mark.parametrize("policy", ["exclude", "pessimistic"])
def test_other_policies_equal_a_criteria_file(policy, tmp_path):
    systems = _systems()
    m = build_model(pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY,
                                 systems=systems))
    m.set_policy(policy)
    text = (Path(pf.__file__).resolve().parents[2] / "criteria" / "criteria.yaml").read_text(
        encoding="utf-8")
    crit = tmp_path / "criteria.yaml"
    crit.write_text(re.sub(r"(?m)^(\s+missing:) \w+", rf"\1 {policy}", text), encoding="utf-8")
    fresh = pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY, criteria=crit,
                         systems=systems, weights=m.raw_weights.to_dict())
    pd.testing.assert_frame_equal(m.ranking, fresh.table)
    exact = m.shortlist()
    pd.testing.assert_frame_equal(exact.screened, fresh.screened)
    if policy == "exclude":  # only the councils whose systems are known stay
        assert len(fresh.table) == 3
        m.set_policy(None)  # and the others come back
        assert len(m.ranking) == len(pf.shortlist("Lancaster", "revenues_benefits",
                                                  as_of=AS_OF, **COUNCILS_ONLY, systems=systems).table)
