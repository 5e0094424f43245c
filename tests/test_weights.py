"""Tests for partnerfit.weights: direct, swing, AHP, stakeholders, weight profiles."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import yaml

from partnerfit.errors import DataValidationError, UnknownServiceError
from partnerfit.weights import (
    SAATY_RANDOM_INDEX,
    AHPInconsistencyError,
    ahp_weights,
    combine_stakeholders,
    load_weight_profile,
    normalise,
    swing_weights,
)

CRITERIA = ["distance", "adjacency", "systems", "relationships"]
SERVICES = ["revenues_benefits", "building_control", "hr_payroll", "parking"]


# --------------------------------------------------------------------------- normalise


def test_normalise_keeps_order_and_sums_to_one():
    w = normalise({"b": 3, "a": 1, "c": 0})
    assert list(w.index) == ["b", "a", "c"]
    assert w.tolist() == [0.75, 0.25, 0.0]
    s = pd.Series([2.0, 2.0], index=["x", "y"])
    assert normalise(s).tolist() == [0.5, 0.5]
    assert s.tolist() == [2.0, 2.0]  # input untouched


def test_normalise_does_not_overflow_on_huge_weights():
    # 1e308 + 1e308 overflows a float sum; the proportions are still 1:1 (and 3:1 below)
    assert normalise({"a": 1e308, "b": 1e308}).tolist() == [0.5, 0.5]
    assert normalise({"a": 1.5e308, "b": 0.5e308}).tolist() == [0.75, 0.25]


def test_normalise_reports_every_problem():
    with pytest.raises(DataValidationError) as info:
        normalise({"distance": "forty", "systems": -1, "x": float("nan"), "ok": 2})
    assert info.value.problems == [
        "weight 'forty' for 'distance' is not a number — write a number such as 40",
        "weight -1 for 'systems' is negative — weights must be 0 or more",
        "weight nan for 'x' is not a finite number — write a number such as 40",
    ]
    with pytest.raises(DataValidationError, match="all weights are zero"):
        normalise({"a": 0, "b": 0})
    with pytest.raises(DataValidationError, match="no weights given"):
        normalise({})
    with pytest.raises(DataValidationError, match="more than one weight"):
        normalise(pd.Series([1, 2], index=["a", "a"]))
    with pytest.raises(DataValidationError, match="is not a number"):
        normalise({"a": True})


# --------------------------------------------------------------------------- swing


def test_swing_weights_hand_computed():
    # DCLG style: points 100, 80, 40, 30 sum to 250.
    w = swing_weights(
        ["systems", "distance", "relationships", "adjacency"],
        {"distance": 80, "systems": 100, "adjacency": 30, "relationships": 40},
    )
    assert list(w.index) == ["systems", "distance", "relationships", "adjacency"]
    np.testing.assert_allclose(w.to_numpy(), [100 / 250, 80 / 250, 40 / 250, 30 / 250])
    tied = swing_weights(["a", "b", "c"], {"a": 100, "b": 50, "c": 50})
    assert tied.tolist() == [0.5, 0.25, 0.25]
    assert swing_weights(["a", "b"], {"a": 100, "b": 0}).tolist() == [1.0, 0.0]


def test_swing_weights_reports_violations():
    with pytest.raises(DataValidationError) as info:
        swing_weights(["a", "b", "c", "a", "e"], {"a": 90, "b": 50, "c": 70, "d": 5, "e": 120})
    assert info.value.problems == [
        "'a' appears twice in the ranking (places 1 and 4) — list each criterion once",
        "'d' has points but is not in the ranking — add it to the ranking or remove its points",
        "points 120 for 'e' are outside 0–100",
        (
            "the top-ranked swing 'a' must get 100 points, not 90 — the other swings are scored "
            "relative to it"
        ),
        (
            "'c' is ranked below 'b' but has more points (70 > 50) — swap them in the ranking or "
            "change the points"
        ),
    ]
    with pytest.raises(DataValidationError, match="'b' is ranked but has no points"):
        swing_weights(["a", "b"], {"a": 100})


# --------------------------------------------------------------------------- AHP


def _comparisons_from_matrix(names, matrix):
    return [
        (names[i], names[j], matrix[i][j])
        for i in range(len(names))
        for j in range(i + 1, len(names))
    ]


def test_ahp_consistent_matrix_recovers_weights_exactly():
    true = np.array([0.4, 0.3, 0.2, 0.1])
    names = list("abcd")
    comps = [
        (names[i], names[j], true[i] / true[j]) for i, j in itertools.combinations(range(4), 2)
    ]
    # ratios like 4 (0.4/0.1) are on the scale; all within 1/9..9
    r = ahp_weights(comps)
    np.testing.assert_allclose(r.weights.to_numpy(), true, atol=1e-12)
    assert r.lambda_max == pytest.approx(4.0, abs=1e-9)
    assert r.consistency_index == pytest.approx(0.0, abs=1e-9)
    assert r.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert r.is_consistent
    assert r.matrix.loc["a", "d"] == pytest.approx(4.0)
    assert r.matrix.loc["d", "a"] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("a12", "a13", "a23"), [(3, 5, 2), (2, 9, "1/3"), (1 / 7, 4, 6), (1, 1, 1)]
)
def test_ahp_three_by_three_closed_form(a12, a13, a23):
    # For a 3x3 reciprocal matrix, lambda_max = 1 + r + 1/r with r = (a13 / (a12 a23))^(1/3),
    # and the eigenvector is proportional to the row geometric means.
    x23 = 1 / 3 if a23 == "1/3" else a23
    r3 = (a13 / (a12 * x23)) ** (1 / 3)
    lam = 1 + r3 + 1 / r3
    m = np.array([[1, a12, a13], [1 / a12, 1, x23], [1 / a13, 1 / x23, 1]])
    gm = np.prod(m, axis=1) ** (1 / 3)
    res = ahp_weights([("a", "b", a12), ("a", "c", a13), ("b", "c", a23)], allow_inconsistent=True)
    assert res.lambda_max == pytest.approx(lam, rel=1e-10)
    np.testing.assert_allclose(res.weights.to_numpy(), gm / gm.sum(), rtol=1e-10)
    ci = (lam - 3) / 2
    assert res.consistency_index == pytest.approx(ci, abs=1e-10)
    assert res.consistency_ratio == pytest.approx(ci / 0.58, abs=1e-10)


DRINK_NAMES = ["coffee", "wine", "tea", "beer", "sodas", "milk", "water"]
DRINKS = [  # Saaty (2008), "Decision making with the analytic hierarchy process", Table 2
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]


def test_ahp_textbook_drinks_example():
    # Published derived priorities and C.R. = 0.022 (Saaty 2008).
    r = ahp_weights(_comparisons_from_matrix(DRINK_NAMES, DRINKS))
    published = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
    np.testing.assert_allclose(r.weights.to_numpy(), published, atol=5e-4)
    assert r.consistency_ratio == pytest.approx(0.022, abs=5e-4)
    assert r.random_index == SAATY_RANDOM_INDEX[7] == 1.32


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_ahp_matches_ahpy(seed):
    ahpy = pytest.importorskip("ahpy")
    rng = np.random.default_rng(seed)
    n = 3 + seed
    names = [f"c{i}" for i in range(n)]
    scale = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 7, 9]
    comps = [(a, b, float(rng.choice(scale))) for a, b in itertools.combinations(names, 2)]
    mine = ahp_weights(comps, allow_inconsistent=True)
    theirs = ahpy.Compare("x", {(a, b): v for a, b, v in comps}, precision=12, random_index="saaty")
    got = mine.weights.to_dict()
    for name, w in theirs.local_weights.items():
        assert got[name] == pytest.approx(float(w), abs=1e-9)
    # ahpy uses Saaty's 2005 random indices; compare the consistency index itself.
    ri_2005 = {3: 0.52, 4: 0.89, 5: 1.11, 6: 1.25}[n]
    assert mine.consistency_index == pytest.approx(theirs.consistency_ratio * ri_2005, abs=1e-8)


def test_ahp_fractions_and_order():
    r = ahp_weights([("b", "a", "1/2"), ("a", "c", 4), ("b", "c", "2")], criteria=["a", "b", "c"])
    assert list(r.weights.index) == ["a", "b", "c"]
    np.testing.assert_allclose(r.weights.to_numpy(), [4 / 7, 2 / 7, 1 / 7])
    assert "consistency ratio 0.000 (acceptable" in r.summary()


def test_ahp_single_and_two_criteria():
    assert ahp_weights([], criteria=["only"]).weights.tolist() == [1.0]
    r = ahp_weights([("a", "b", 3)])
    np.testing.assert_allclose(r.weights.to_numpy(), [0.75, 0.25])
    assert r.consistency_ratio == 0.0


def test_ahp_refuses_inconsistent_and_names_the_worst_judgement():
    # Consistent judgements from weights 8:4:2:1, except d vs a reversed to 9 (true: 1/8).
    names = list("abcd")
    true = {"a": 8, "b": 4, "c": 2, "d": 1}
    comps = [(x, y, true[x] / true[y]) for x, y in itertools.combinations(names, 2)]
    comps[2] = ("d", "a", 9)
    with pytest.raises(AHPInconsistencyError) as info:
        ahp_weights(comps)
    err = info.value
    assert err.result.consistency_ratio > 0.1
    assert err.problems[0].startswith("the judgements are too inconsistent: consistency ratio ")
    assert err.problems[1].startswith("'d' vs 'a': you gave 9, but the weights imply about")
    assert len(err.problems) == 4
    assert err.result.judgements.loc[0, "item"] == 2
    ok = ahp_weights(comps, allow_inconsistent=True)
    assert not ok.is_consistent and "too inconsistent" in ok.summary()


def test_ahp_structural_problems_listed_together():
    with pytest.raises(DataValidationError) as info:
        ahp_weights(
            [
                ("distance", "systems", 3),
                ("distnace", "adjacency", 2),
                ("systems", "distance", 2),
                ("adjacency", "adjacency", 1),
                ("systems", "adjacency", 12),
                ("x",),
            ],
            criteria=["distance", "systems", "adjacency"],
        )
    assert not isinstance(info.value, AHPInconsistencyError)
    assert info.value.problems == [
        "unknown criterion 'distnace' — did you mean 'distance'?",
        "'systems' and 'distance' are compared twice (comparisons 1 and 3) — keep one",
        "'adjacency' is compared with itself — remove this comparison",
        (
            "judgement 12 for 'systems' vs 'adjacency' is outside Saaty's scale 1/9–9 (9 = extremely "
            "more important, 1 = equal, 1/9 = extremely less important)"
        ),
        "comparison 6 (('x',)) must be [a, b, n]: a is n times as important as b",
        (
            "1 comparison is missing: 'distance' vs 'adjacency' — AHP needs every pair of criteria "
            "compared once"
        ),
    ]


def test_ahp_too_many_criteria():
    names = [f"c{i}" for i in range(16)]
    comps = [(a, b, 1) for a, b in itertools.combinations(names, 2)]
    with pytest.raises(DataValidationError, match="16 criteria is too many for AHP"):
        ahp_weights(comps)


# --------------------------------------------------------------------------- stakeholders

SETS = {
    "members": {"distance": 40, "systems": 10, "adjacency": 50},
    "officers": {"distance": 2, "systems": 6, "adjacency": 2},
    "residents": {"distance": 1, "systems": 1, "adjacency": 2},
}


def test_combine_mean_hand_computed():
    sw = combine_stakeholders(SETS)
    m = np.array([[0.4, 0.1, 0.5], [0.2, 0.6, 0.2], [0.25, 0.25, 0.5]])
    np.testing.assert_allclose(sw.combined.to_numpy(), m.mean(axis=0))
    assert sw.combined.sum() == pytest.approx(1.0)
    assert list(sw.table.columns) == [
        "members",
        "officers",
        "residents",
        "combined",
        "min",
        "max",
        "spread",
    ]
    assert sw.table.loc["systems", "spread"] == pytest.approx(0.5)
    pc = sw.disagreement.per_criterion
    assert pc.loc["systems", "lowest"] == "members" and pc.loc["systems", "highest"] == "officers"
    text = sw.summary()
    assert "disagree most on 'systems': from 10% (members) to 60% (officers)" in text


def test_combine_geometric_hand_computed():
    sw = combine_stakeholders(SETS, method="geometric")
    m = np.array([[0.4, 0.1, 0.5], [0.2, 0.6, 0.2], [0.25, 0.25, 0.5]])
    g = np.prod(m, axis=0) ** (1 / 3)
    np.testing.assert_allclose(sw.combined.to_numpy(), g / g.sum())


def test_kendall_tau_matches_scipy():
    rng = np.random.default_rng(5)
    sets = {
        f"s{i}": dict(zip("abcdef", rng.integers(0, 4, 6).tolist(), strict=True)) for i in range(4)
    }
    for s in sets.values():
        s["a"] += 1  # never all zero
    sw = combine_stakeholders(sets)
    tau = sw.disagreement.kendall_tau
    for x, y in itertools.combinations(sets, 2):
        ref = scipy.stats.kendalltau(list(sets[x].values()), list(sets[y].values())).statistic
        if math.isnan(ref):
            assert math.isnan(tau.loc[x, y])
        else:
            assert tau.loc[x, y] == pytest.approx(ref, abs=1e-12)
            assert tau.loc[y, x] == tau.loc[x, y]


def test_combine_problems():
    with pytest.raises(DataValidationError) as info:
        combine_stakeholders({"a": {"x": 1, "y": 1}, "b": {"x": 1}, "min": {"x": 1, "y": "z"}})
    msgs = info.value.problems
    assert "a stakeholder may not be called 'min'" in msgs[0]
    assert "stakeholder 'min': weight 'z' for 'y' is not a number" in msgs[1]
    with pytest.raises(DataValidationError, match="gives no weight for 'y'"):
        combine_stakeholders({"a": {"x": 1, "y": 1}, "b": {"x": 1}})
    with pytest.raises(DataValidationError, match="geometric mean is zero for every criterion"):
        combine_stakeholders({"a": {"x": 1, "y": 0}, "b": {"x": 0, "y": 1}}, method="geometric")


# --------------------------------------------------------------------------- profiles

PROFILE = """\
name: default
description: Balanced weights.
method: direct
weights:
  distance: 30
  adjacency: 10
  systems: 40
  relationships: 20
services:
  revenues_benefits:
    method: swing
    swing:
      ranking: [systems, distance, relationships, adjacency]
      points: {systems: 100, distance: 50, relationships: 30, adjacency: 20}
  building_control:
    ahp:
      comparisons:
        - [distance, systems, 4]
        - [distance, adjacency, 2]
        - [distance, relationships, 4]
        - [adjacency, systems, 2]
        - [adjacency, relationships, 2]
        - [systems, relationships, 1]
  hr_payroll:
    stakeholders:
      members: {method: direct, weights: {distance: 1, adjacency: 1, systems: 1, relationships: 1}}
      officers: {weights: {distance: 1, adjacency: 0, systems: 3, relationships: 0}}
"""


def test_profile_loads_every_form(tmp_path):
    path = tmp_path / "default.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    prof = load_weight_profile(path, criteria=CRITERIA, services=SERVICES)
    assert prof.name == "default" and prof.description == "Balanced weights."
    d = prof.for_service()
    assert list(d.index) == CRITERIA
    np.testing.assert_allclose(d.to_numpy(), [0.3, 0.1, 0.4, 0.2])
    assert prof.for_service("parking").equals(d)  # no override: the default
    rb = prof.for_service("revenues_benefits")
    np.testing.assert_allclose(rb.to_numpy(), np.array([50, 20, 100, 30]) / 200)
    bc = prof.for_service("building_control")
    # consistent judgements from weights distance 4 : adjacency 2 : systems 1 : relationships 1
    np.testing.assert_allclose(bc.to_numpy(), [0.5, 0.25, 0.125, 0.125], atol=1e-12)
    assert prof.details["building_control"].consistency_ratio == pytest.approx(0, abs=1e-9)
    hr = prof.for_service("hr_payroll")
    np.testing.assert_allclose(hr.to_numpy(), [(0.25 + 0.25) / 2, 0.125, (0.25 + 0.75) / 2, 0.125])
    assert set(prof.details["hr_payroll"].stakeholders) == {"members", "officers"}
    assert list(prof.to_frame().columns) == [
        "default",
        "revenues_benefits",
        "building_control",
        "hr_payroll",
    ]
    with pytest.raises(UnknownServiceError, match="did you mean 'parking'"):
        prof.for_service("parkin")


def test_profile_round_trip(tmp_path):
    prof = load_weight_profile(yaml.safe_load(PROFILE), criteria=CRITERIA)
    assert prof.known_services is None
    out = tmp_path / "saved.yaml"
    prof.save(out)
    again = load_weight_profile(out, criteria=CRITERIA)
    assert again.to_dict() == prof.to_dict()
    for svc in [None, *SERVICES]:
        pd.testing.assert_series_equal(again.for_service(svc), prof.for_service(svc))
    # the file is plain YAML an officer can read
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["services"]["building_control"]


def test_profile_missing_zero():
    spec = {
        "missing": "zero",
        "weights": {"distance": 3, "systems": 1},
        "services": {
            "parking": {"ahp": {"comparisons": [["distance", "adjacency", 3]]}},
        },
    }
    prof = load_weight_profile(spec, criteria=CRITERIA)
    assert prof.for_service().tolist() == [0.75, 0.0, 0.25, 0.0]
    np.testing.assert_allclose(prof.for_service("parking").to_numpy(), [0.75, 0.25, 0, 0])
    spec.pop("missing")
    with pytest.raises(DataValidationError) as info:
        load_weight_profile(spec, criteria=CRITERIA)
    assert info.value.problems[0] == (
        "weight profile: no weight for 'adjacency', 'relationships' — give them a weight (0 is "
        "allowed) or write 'missing: zero' at the top of the file"
    )


BAD_PROFILE = """\
name: default
method: direct
weights:
  distance: forty
  adjacency: 10
  systems: -5
  distnace: 3
  relationships: 1
servics: {}
services:
  revenues_benfits:
    weights: {distance: 1, adjacency: 1, systems: 1, relationships: 1}
  parking:
    method: swing
    swing:
      ranking: [systems, distance, adjacency, relationships]
      points:
        systems: 90
        distance: 60
        adjacency: 80
        relationships: 0
  building_control:
    method: ahp
    ahp:
      comparisons:
        - [distance, systems, 9]
        - [distance, adjacency, "1/9"]
        - [distance, relationships, 1]
        - [adjacency, systems, 1]
        - [adjacency, relationships, 1]
        - [systems, relationships, 1]
  hr_payroll:
    method: direct
    weights: {distance: 0, adjacency: 0, systems: 0, relationships: 0}
"""


def test_profile_reports_every_problem_with_its_line(tmp_path):
    d = tmp_path / "criteria" / "weights"
    d.mkdir(parents=True)
    path = d / "default.yaml"
    path.write_text(BAD_PROFILE, encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_weight_profile(path, criteria=CRITERIA, services=SERVICES)
    src = info.value.source
    assert src.endswith("criteria/weights/default.yaml")
    msgs = [m.removeprefix(src + " ") for m in info.value.problems]
    assert ("line 4: weight 'forty' for 'distance' is not a number — write a number such as 40"
            in msgs)
    assert "line 6: weight -5 for 'systems' is negative — weights must be 0 or more" in msgs
    assert "line 7: unknown criterion 'distnace' — did you mean 'distance'?" in msgs
    assert "line 9: unknown key 'servics' — did you mean 'services'?" in msgs
    assert "line 11: unknown service 'revenues_benfits' — did you mean 'revenues_benefits'?" in msgs
    assert (
        "line 18: service 'parking': the top-ranked swing 'systems' must get 100 points, not 90 — "
        "the other swings are scored relative to it" in msgs
    )
    assert (
        "line 20: service 'parking': 'adjacency' is ranked below 'distance' but has more points "
        "(80 > 60) — swap them in the ranking or change the points" in msgs
    )
    ahp_lines = [m for m in msgs if "building_control" in m]
    assert ahp_lines[0].startswith(
        "line 25: service 'building_control': the judgements are too inconsistent"
    )
    assert any(
        m.startswith("line 27: service 'building_control': 'distance' vs 'adjacency': you gave 1/9")
        for m in ahp_lines
    )
    assert (
        "line 34: service 'hr_payroll': all weights are zero — give at least one criterion a "
        "positive weight" in msgs
    )
    lines = [int(m.split(":")[0].removeprefix("line ")) for m in msgs]
    assert lines == sorted(lines)


def test_profile_structure_problems():
    with pytest.raises(DataValidationError) as info:
        load_weight_profile(
            {
                "method": "swing",
                "weights": {"distance": 1},
                "stakeholders": {"a": {"weights": {"distance": 1}}},
                "missing": "maybe",
            },
            criteria=CRITERIA,
        )
    msgs = info.value.problems
    assert any("'missing' must be 'error' or 'zero', got 'maybe'" in m for m in msgs)
    assert any("give either 'stakeholders' or a single weight set" in m for m in msgs)
    with pytest.raises(DataValidationError, match="unknown method 'swign' — did you mean 'swing'"):
        load_weight_profile({"method": "swign", "swing": {}}, criteria=CRITERIA)
    with pytest.raises(DataValidationError, match="method is 'ahp' but there is no 'ahp' block"):
        load_weight_profile({"method": "ahp", "weights": {"distance": 1}}, criteria=CRITERIA)
    with pytest.raises(DataValidationError, match="no weights: give 'method'"):
        load_weight_profile({"name": "x"}, criteria=CRITERIA)
    with pytest.raises(DataValidationError, match="file not found"):
        load_weight_profile("/nonexistent/profile.yaml", criteria=CRITERIA)
