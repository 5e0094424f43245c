"""Tests for partnerfit.value_functions."""

from __future__ import annotations

import bisect
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerfit._yaml import load_yaml_string
from partnerfit.errors import DataValidationError
from partnerfit.value_functions import (
    Categorical,
    Linear,
    PiecewiseLinear,
    value_function_from_spec,
)

DIST = PiecewiseLinear([(0, 100), (10, 80), (100, 0)], "decreasing", unit="km")


def _reference(points, x):
    """Straight-line interpolation written out by hand (independent of numpy.interp)."""
    xs = [p[0] for p in points]
    if np.isnan(x):
        return float("nan")
    if x <= xs[0]:
        return points[0][1]
    if x >= xs[-1]:
        return points[-1][1]
    k = bisect.bisect_right(xs, x)
    (x0, v0), (x1, v1) = points[k - 1], points[k]
    return v0 + (v1 - v0) * (x - x0) / (x1 - x0)


def test_piecewise_hand_values():
    # 5 km: halfway from 100 to 80; 55 km: halfway from 80 to 0; beyond the ends: flat.
    assert DIST([0, 5, 10, 55, 100, 500, -3]).tolist() == [100, 90, 80, 40, 0, 0, 100]


def test_piecewise_shapes_and_missing():
    assert DIST(5) == 90.0 and isinstance(DIST(5), float)
    assert np.isnan(DIST(None)) and np.isnan(DIST(float("nan")))
    s = pd.Series([5.0, None, 55.0], index=["E1", "E2", "E3"], name="km")
    out = DIST(s)
    assert list(out.index) == ["E1", "E2", "E3"] and out.name == "km"
    assert out["E1"] == 90 and np.isnan(out["E2"]) and out["E3"] == 40
    arr = DIST(np.array([[5.0, 10.0], [55.0, np.nan]]))
    assert arr.shape == (2, 2) and arr[0, 0] == 90
    nullable = pd.Series([5, None], dtype="Float64")
    assert DIST(nullable).iloc[0] == 90 and np.isnan(DIST(nullable).iloc[1])


def test_piecewise_rejects_text_input():
    with pytest.raises(DataValidationError, match="expected numbers, got 'far'"):
        DIST(["far", 3])


def test_piecewise_describe():
    assert DIST.describe() == (
        "0 km scores 100, 10 km scores 80, 100 km or more scores 0 (straight lines in between)"
    )
    ratio = PiecewiseLinear([(0.5, 0), (1, 100), (2, 0)])
    assert ratio.describe().startswith("0.5 or less scores 0, 1 scores 100, 2 or more")
    assert ratio.direction == "non-monotone"
    pop = PiecewiseLinear([(10000, 0), (250000, 100)])
    assert pop.describe().startswith("10,000 or less scores 0, 250,000 or more scores 100")


def test_piecewise_validation_lists_every_problem():
    with pytest.raises(DataValidationError) as info:
        PiecewiseLinear([(0, 100), (10, 120), (5, "a")], "up")
    problems = info.value.problems
    assert "point 2: value 120 is outside 0–100 — values must lie in 0–100" in problems
    assert any("point 3: value 'a' is not a number" in p for p in problems)
    assert any("direction 'up' is not one of" in p for p in problems)
    with pytest.raises(DataValidationError, match="at least 2 points"):
        PiecewiseLinear([(0, 100)])
    with pytest.raises(DataValidationError, match="point 3: x 10 must be greater than"):
        PiecewiseLinear([(0, 100), (10, 50), (10, 0)])
    with pytest.raises(DataValidationError, match="x inf is not a finite number"):
        PiecewiseLinear([(0, 100), (float("inf"), 0)])


def test_piecewise_direction_checked():
    with pytest.raises(DataValidationError) as info:
        PiecewiseLinear([(0, 100), (10, 80), (20, 90)], "decreasing")
    assert info.value.problems == [
        (
            "direction is 'decreasing' but the value rises from 80 at x = 10 to 90 at x = 20 — "
            "fix the point or the direction"
        )
    ]
    assert PiecewiseLinear([(0, 0), (1, 100)]).direction == "increasing"
    assert PiecewiseLinear([(0, 0), (1, 100), (2, 50)], "non-monotone").direction == "non-monotone"


@settings(max_examples=60, deadline=None)
@given(
    xs=st.lists(st.floats(-1e3, 1e3, allow_subnormal=False), min_size=2, max_size=6, unique=True),
    vs=st.lists(st.floats(0, 100, allow_subnormal=False), min_size=6, max_size=6),
    probes=st.lists(st.floats(-2e3, 2e3, allow_subnormal=False), min_size=1, max_size=20),
)
def test_piecewise_matches_hand_interpolation(xs, vs, probes):
    points = list(zip(sorted(xs), vs, strict=False))
    f = PiecewiseLinear(points)
    got = f(np.array(probes))
    want = [_reference(points, x) for x in probes]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    assert np.all((got >= 0) & (got <= 100))


@settings(max_examples=40, deadline=None)
@given(
    xs=st.lists(st.floats(0, 1e3, allow_subnormal=False), min_size=2, max_size=6, unique=True),
    vs=st.lists(st.floats(0, 100, allow_subnormal=False), min_size=6, max_size=6),
    probes=st.lists(st.floats(-10, 1.1e3, allow_subnormal=False), min_size=2, max_size=20),
)
def test_decreasing_function_never_rises(xs, vs, probes):
    points = list(zip(sorted(xs), sorted(vs, reverse=True), strict=False))
    f = PiecewiseLinear(points, "decreasing")
    got = f(np.sort(probes))
    assert np.all(np.diff(got) <= 1e-9)


def test_points_closer_than_any_slope_can_express():
    # 1e-309 apart: the slope 100 / 1e-309 overflows to inf, so np.interp gives inf/NaN here.
    # By hand: half way along the gap is 50; at and beyond the second point 100; before 0.
    f = PiecewiseLinear([(0, 0), (1e-309, 100), (1, 100)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning reaches the officer
        got = f(np.array([-1.0, 0.0, 5e-310, 1e-309, 0.5, 1e300]))
    np.testing.assert_allclose(got, [0, 0, 50, 100, 100, 100], atol=1e-6)


def test_linear():
    up = Linear(0, 50, unit="km")
    assert up([-5, 0, 25, 50, 80]).tolist() == [0, 0, 50, 100, 100]
    down = Linear(0.5, 2, decreasing=True)
    assert down([0, 0.5, 1.25, 2, 3]).tolist() == [100, 100, 50, 0, 0]
    assert down.direction == "decreasing"
    assert up.describe() == "0 km scores 0, 50 km or more scores 100 (straight lines in between)"
    with pytest.raises(DataValidationError, match="'max' \\(5\\) must be greater than 'min'"):
        Linear(10, 5)


def test_categorical():
    f = Categorical({"same": 100, "compatible": 60, "different": 0})
    assert f("compatible") == 60.0
    got = f(["same", None, "different", float("nan")])
    assert got[0] == 100 and np.isnan(got[1]) and got[2] == 0 and np.isnan(got[3])
    s = pd.Series(["different", "same"], index=["E2", "E1"])
    assert f(s).to_dict() == {"E2": 0.0, "E1": 100.0}
    assert f.describe() == "same scores 100, compatible scores 60, different scores 0"
    grid = f(np.array([["same", "different"], ["compatible", None]], dtype=object))
    assert grid.shape == (2, 2) and grid[1, 0] == 60 and np.isnan(grid[1, 1])


def test_categorical_unknown_labels_named():
    f = Categorical({"same": 100, "different": 0})
    with pytest.raises(DataValidationError) as info:
        f(["same", "sme", "other", "sme"])
    problems = info.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("label 'sme' has no value — did you mean 'same'?")
    assert problems[1].startswith("label 'other' has no value (known labels: 'same', 'different')")
    g = Categorical({"same": 100, "different": 0}, default=30)
    assert g(["other", None]).tolist()[0] == 30 and np.isnan(g([None])[0])
    assert g.describe().endswith("; anything else scores 30")


def test_categorical_booleans():
    f = Categorical({True: 100, False: 0})
    assert f(pd.Series([True, False, None], dtype=object)).tolist()[:2] == [100, 0]
    assert f(np.array([True, False])).tolist() == [100, 0]
    assert f.describe() == "yes scores 100, no scores 0"


def test_categorical_validation():
    with pytest.raises(DataValidationError) as info:
        Categorical({"a": 120, 3: 50, "b": "high"}, default=-1)
    msgs = " | ".join(info.value.problems)
    assert "value for 'a': 120 is outside 0–100" in msgs
    assert "label 3 must be text or true/false" in msgs
    assert "value for 'b': 'high' is not a number" in msgs
    assert "'default': -1 is outside 0–100" in msgs


@pytest.mark.parametrize(
    "spec",
    [
        {
            "type": "piecewise",
            "points": [[0, 100], [10, 80], [100, 0]],
            "direction": "decreasing",
            "unit": "km",
        },
        {
            "type": "piecewise",
            "points": [[0.5, 0], [1, 100], [2.5, 0]],
            "direction": "non-monotone",
        },
        {"type": "linear", "min": 0, "max": 50, "decreasing": False},
        {"type": "linear", "min": 0.5, "max": 2, "decreasing": True, "unit": "x"},
        {"type": "categorical", "values": {"same": 100, "different": 0}},
        {"type": "categorical", "values": {True: 100, False: 0}, "default": 50},
    ],
)
def test_spec_round_trip(spec):
    f = value_function_from_spec(spec, "test")
    assert f.to_spec() == spec
    assert value_function_from_spec(f.to_spec(), "test") == f


def test_spec_without_direction_gets_inferred_one():
    f = value_function_from_spec({"type": "piecewise", "points": [[0, 0], [5, 100]]}, "t")
    assert f.to_spec()["direction"] == "increasing"
    assert value_function_from_spec(f.to_spec(), "t") == f


YAML_SPECS = """\
distance:
  value:
    type: piecewise
    points:
      - [0, 100]
      - [10, eighty]
      - [5, 0]
    direction: decreasing
    pionts: 3
kind:
  value: {type: categorical, values: {same: 100, different: 200}}
size:
  value: {type: lineer, min: 0, max: 1}
flat:
  value:
    type: linear
    min: 5
    max: 5
"""


def test_spec_problems_name_their_lines():
    data = load_yaml_string(YAML_SPECS, "criteria/default.yaml")
    problems: list[str] = []
    for name in data:
        block = data[name]
        prefix = f"criteria/default.yaml line {block.lines['value']}"
        assert value_function_from_spec(block["value"], prefix, problems=problems) is None
    assert problems == [
        (
            "criteria/default.yaml line 9: unknown key 'pionts' for a piecewise value function — "
            "did you mean 'points'? (allowed: points, direction, unit)"
        ),
        (
            "criteria/default.yaml line 6: point 2: value 'eighty' is not a number — values must lie "
            "in 0–100"
        ),
        (
            "criteria/default.yaml line 11: value for 'different': 200 is outside 0–100 — values must "
            "lie in 0–100"
        ),
        (
            "criteria/default.yaml line 13: unknown value function type 'lineer' — did you mean "
            "'linear'? (use one of piecewise, linear, categorical)"
        ),
        (
            "criteria/default.yaml line 18: 'max' (5) must be greater than 'min' (5) — use "
            "'decreasing: true' for a value that falls as the measure grows"
        ),
    ]


def test_spec_errors_raise_with_source():
    with pytest.raises(DataValidationError) as info:
        value_function_from_spec({"points": [[0, 1]]}, "criteria/x.yaml line 4")
    assert info.value.source == "criteria/x.yaml"
    assert info.value.problems == [
        (
            "criteria/x.yaml line 4: the value function has no 'type' — use one of piecewise, "
            "linear, categorical"
        )
    ]
    with pytest.raises(DataValidationError, match="must be a mapping"):
        value_function_from_spec([0, 100], "x")
    with pytest.raises(
        DataValidationError, match="point 2: x 1 must be greater than the previous point's x 5"
    ):
        value_function_from_spec({"type": "piecewise", "points": [[5, 0], [1, 100]]}, "x")
