"""Tests for partnerfit.aggregation: additive, TOPSIS, PROMETHEE II, rank."""

from __future__ import annotations

import importlib
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from partnerfit.aggregation import additive, contributions, promethee_ii, rank, topsis
from partnerfit.errors import DataValidationError

pymcdm_methods = pytest.importorskip("pymcdm.methods")
pymcdm_norm = pytest.importorskip("pymcdm.normalizations")


def _matrix(seed: int, n: int = 25, m: int = 5, ties: bool = False):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, (n, m))
    if ties:  # coarse values: many equal cells, some equal rows
        x = np.round(x / 25) * 25
        x[1] = x[0]
    codes = [f"E0700{k:04d}" for k in rng.permutation(n)]
    w = rng.uniform(0.05, 1, m)
    cols = [f"c{j}" for j in range(m)]
    return pd.DataFrame(x, index=codes, columns=cols), pd.Series(w, index=cols)


SEEDS = [(0, False), (1, False), (2, True), (3, True), (4, False)]


# --------------------------------------------------------------------------- additive


def test_additive_hand_computation():
    v = pd.DataFrame(
        {"distance": [100, 50, 0], "systems": [0, 100, 100], "size": [40, 40, 80]},
        index=["E07000121", "E07000123", "E07000122"],
    )
    w = pd.Series({"distance": 5, "systems": 3, "size": 2})
    # 0.5*100 + 0.3*0 + 0.2*40 = 58; 0.5*50 + 0.3*100 + 0.2*40 = 63; 0 + 30 + 16 = 46
    assert additive(v, w).tolist() == pytest.approx([58, 63, 46])
    c = contributions(v, w)
    assert c.loc["E07000123"].tolist() == pytest.approx([25, 30, 8])
    assert list(c.columns) == ["distance", "systems", "size"]
    assert (c.sum(axis=1) - additive(v, w)).abs().max() < 1e-12
    assert additive(v, w).name == "score"


def test_additive_renormalise_missing():
    v = pd.DataFrame({"a": [100, np.nan], "b": [50, 50], "c": [0, 100]}, index=["E1", "E2"])
    w = pd.Series({"a": 2, "b": 1, "c": 1})
    with pytest.raises(DataValidationError, match="1 value is missing: E2/a"):
        additive(v, w)
    s = additive(v, w, renormalise_missing=True)
    # E1 complete: 0.5*100 + 0.25*50 + 0 = 62.5; E2 without a: (1*50 + 1*100) / 2 = 75
    assert s.tolist() == pytest.approx([62.5, 75])
    c = contributions(v, w, renormalise_missing=True)
    assert np.isnan(c.loc["E2", "a"]) and c.loc["E2"].sum() == pytest.approx(75)
    v2 = pd.DataFrame({"a": [np.nan], "b": [50.0]}, index=["E9"])
    with pytest.raises(DataValidationError, match="candidate E9 has no value on any criterion"):
        additive(v2, pd.Series({"a": 1, "b": 0}), renormalise_missing=True)


def test_inputs_validated_and_untouched():
    v, w = _matrix(0, n=4, m=3)
    v0, w0 = v.copy(), w.copy()
    additive(v, w)
    topsis(v, w)
    promethee_ii(v, w)
    pd.testing.assert_frame_equal(v, v0)
    pd.testing.assert_series_equal(w, w0)
    bad = v.copy()
    bad.iloc[0, 0] = 120
    bad.iloc[1, 1] = -3
    with pytest.raises(DataValidationError, match="2 values are outside 0–100"):
        additive(bad, w)
    with pytest.raises(DataValidationError) as info:
        additive(v, w.rename({"c0": "zz"}))
    assert info.value.problems == [
        "no weight for criteria 'c0' — give every column a weight (0 is allowed)",
        "weights given for 'zz', which are not columns of the value matrix",
    ]
    dup = pd.concat([v, v.iloc[:1]])
    with pytest.raises(DataValidationError, match="appear more than once"):
        topsis(dup, w)
    with pytest.raises(DataValidationError, match="is negative"):
        additive(v, -w)
    text = v.astype(object)
    text.iloc[0, 0] = "high"
    with pytest.raises(DataValidationError, match="criterion 'c0' holds non-numeric values"):
        additive(text, w)


# --------------------------------------------------------------------------- TOPSIS


@pytest.mark.parametrize(("seed", "ties"), SEEDS)
@pytest.mark.parametrize("norm", ["vector", "minmax"])
def test_topsis_matches_pymcdm(seed, ties, norm):
    v, w = _matrix(seed, ties=ties)
    fn = pymcdm_norm.vector_normalization if norm == "vector" else pymcdm_norm.minmax_normalization
    ref = pymcdm_methods.TOPSIS(fn)(v.to_numpy(), (w / w.sum()).to_numpy(), np.ones(v.shape[1]))
    got = topsis(v, w, normalisation=norm)
    assert np.abs(got.to_numpy() - ref).max() < 1e-9
    assert list(got.index) == list(v.index) and got.name == "closeness"


@pytest.mark.parametrize(("seed", "ties"), SEEDS[:3])
def test_topsis_matches_scikit_criteria(seed, ties):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        skc = pytest.importorskip("skcriteria")
        # skcriteria's __init__ runs `del importlib.metadata`, removing that attribute for the
        # whole process (later `importlib.metadata.x` lookups elsewhere then fail): put it back.
        importlib.metadata = sys.modules["importlib.metadata"]
        from skcriteria.agg.topsis import TOPSIS
        from skcriteria.preprocessing.scalers import VectorScaler

        v, w = _matrix(seed, ties=ties)
        dm = skc.mkdm(v.to_numpy(), [max] * v.shape[1], weights=(w / w.sum()).to_numpy())
        ref = TOPSIS().evaluate(VectorScaler(target="matrix").transform(dm)).e_.similarity
    assert np.abs(topsis(v, w).to_numpy() - ref).max() < 1e-9


def test_topsis_degenerate_cases():
    same = pd.DataFrame({"a": [50.0, 50.0], "b": [20.0, 20.0]}, index=["E2", "E1"])
    assert topsis(same, pd.Series({"a": 1, "b": 1})).tolist() == [0.5, 0.5]
    zero_col = pd.DataFrame({"a": [0.0, 0.0], "b": [10.0, 90.0]}, index=["E1", "E2"])
    assert topsis(zero_col, pd.Series({"a": 1, "b": 1})).tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="normalisation"):
        topsis(same, pd.Series({"a": 1, "b": 1}), normalisation="sum")


# --------------------------------------------------------------------------- PROMETHEE II

PYMCDM_NAMES = {
    "usual": "usual",
    "u-shape": "ushape",
    "v-shape": "vshape",
    "level": "level",
    "linear": "vshape_2",
}
SETTINGS = {
    "usual": {},
    "u-shape": {"q": 10},
    "v-shape": {"p": 30},
    "level": {"q": 5, "p": 30},
    "linear": {"q": 5, "p": 30},
}


@pytest.mark.parametrize(("seed", "ties"), SEEDS)
@pytest.mark.parametrize("pref", list(SETTINGS))
def test_promethee_matches_pymcdm(seed, ties, pref):
    v, w = _matrix(seed, ties=ties)
    m = v.shape[1]
    kw = SETTINGS[pref]
    method = pymcdm_methods.PROMETHEE_II(
        PYMCDM_NAMES[pref],
        p=[kw["p"]] * m if "p" in kw else None,
        q=[kw["q"]] * m if "q" in kw else None,
    )
    ref = method(v.to_numpy(), (w / w.sum()).to_numpy(), np.ones(m))
    got = promethee_ii(v, w, pref, **kw)
    assert np.abs(got.to_numpy() - ref).max() < 1e-9
    assert got.name == "net_flow"


def _naive_promethee(v, w, prefs, q, p):
    """Textbook double loop over pairs and criteria."""
    x, codes = v.to_numpy(), list(v.index)
    w = (w / w.sum()).to_numpy()
    n = len(codes)

    def pref_fn(kind, d, qj, pj):
        if kind == "usual":
            return float(d > 0)
        if kind == "u-shape":
            return float(d > qj)
        if kind == "v-shape":
            return 0.0 if d <= 0 else min(d / pj, 1.0)
        if kind == "level":
            return 0.0 if d <= qj else (0.5 if d <= pj else 1.0)
        return 0.0 if d <= qj else (min((d - qj) / (pj - qj), 1.0))

    net = []
    for a in range(n):
        total = 0.0
        for b in range(n):
            for j, c in enumerate(v.columns):
                total += w[j] * pref_fn(prefs[c], x[a, j] - x[b, j], q.get(c), p.get(c))
                total -= w[j] * pref_fn(prefs[c], x[b, j] - x[a, j], q.get(c), p.get(c))
        net.append(total / (n - 1))
    return pd.Series(net, index=codes)


@pytest.mark.parametrize(("seed", "ties"), SEEDS[:3])
def test_promethee_mixed_functions_match_naive_loop(seed, ties):
    v, w = _matrix(seed, n=12, ties=ties)
    prefs = dict(zip(v.columns, ["usual", "u-shape", "v-shape", "level", "linear"], strict=True))
    q = {"c0": 0, "c1": 10, "c2": 0, "c3": 5, "c4": 12}
    p = {"c0": 1, "c1": 40, "c2": 25, "c3": 30, "c4": 50}
    got = promethee_ii(v, w, prefs, q=q, p=p)
    want = _naive_promethee(v, w, prefs, q, p)
    assert np.abs(got - want).max() < 1e-9


def test_promethee_settings_validated():
    v, w = _matrix(0, n=4, m=2)
    with pytest.raises(DataValidationError) as info:
        promethee_ii(v, w, "linear", q=40, p=10)
    assert info.value.problems == [
        "criterion 'c0': q must be less than p (q = 40, p = 10)",
        "criterion 'c1': q must be less than p (q = 40, p = 10)",
    ]
    with pytest.raises(DataValidationError, match="p must be more than 0 for 'v-shape'"):
        promethee_ii(v, w, "v-shape", p=0)
    with pytest.raises(DataValidationError, match="criterion 'c1': q = -1 must be a number >= 0"):
        promethee_ii(v, w, "u-shape", q={"c0": np.int64(3), "c1": -1})
    with pytest.raises(DataValidationError, match="the 'v-shape' function needs p"):
        promethee_ii(v, w, "v-shape")
    with pytest.raises(DataValidationError, match="q is given but no criterion"):
        promethee_ii(v, w, "usual", q=3)
    with pytest.raises(DataValidationError, match="unknown preference function 'gauss'"):
        promethee_ii(v, w, "gauss")
    with pytest.raises(DataValidationError, match="preference has no entry for 'c1'"):
        promethee_ii(v, w, {"c0": "usual"})
    single = v.iloc[:1]
    assert promethee_ii(single, w).tolist() == [0.0]


# --------------------------------------------------------------------------- rank


def test_rank_ties_broken_by_code():
    s = pd.Series({"E07000123": 50.0, "E07000121": 50.0, "E07000117": 70.0, "E06000009": 10.0})
    assert rank(s).to_dict() == {"E07000123": 3, "E07000121": 2, "E07000117": 1, "E06000009": 4}
    assert rank(s, higher_is_better=False).to_dict() == {
        "E07000123": 3,
        "E07000121": 2,
        "E07000117": 4,
        "E06000009": 1,
    }
    # rounding noise does not decide a rank: the code does
    noisy = pd.Series({"E2": 0.1 + 0.2, "E1": 0.3})
    assert rank(noisy).to_dict() == {"E2": 2, "E1": 1}
    assert rank(pd.Series(dtype=float)).empty


def test_rank_refuses_missing_scores():
    with pytest.raises(DataValidationError, match="no score for E2"):
        rank(pd.Series({"E1": 1.0, "E2": np.nan}))


# --------------------------------------------------------------------------- properties

cells = st.integers(0, 100).map(float) | st.floats(0, 100, allow_subnormal=False)


@st.composite
def problems(draw, min_rows=2, max_rows=8):
    n = draw(st.integers(min_rows, max_rows))
    m = draw(st.integers(1, 4))
    x = draw(arrays(np.float64, (n, m), elements=cells))
    w = draw(arrays(np.float64, m, elements=st.floats(0.01, 10)))
    codes = draw(
        st.lists(
            st.from_regex(r"E0[6-9]00[0-9]{4}", fullmatch=True), min_size=n, max_size=n, unique=True
        )
    )
    cols = [f"c{j}" for j in range(m)]
    return pd.DataFrame(x, index=codes, columns=cols), pd.Series(w, index=cols)


METHODS = {
    "additive": additive,
    "topsis": topsis,
    "promethee": lambda v, w: promethee_ii(v, w, "linear", q=5, p=40),
}


@settings(max_examples=40, deadline=None)
@given(problem=problems(), factor=st.floats(0.01, 1000), which=st.sampled_from(list(METHODS)))
def test_scaling_weights_leaves_ranks_unchanged(problem, factor, which):
    v, w = problem
    f = METHODS[which]
    pd.testing.assert_series_equal(rank(f(v, w)), rank(f(v, w * factor)))


@settings(max_examples=60, deadline=None)
@given(problem=problems(), data=st.data())
def test_improving_a_value_never_lowers_additive_score(problem, data):
    v, w = problem
    i = data.draw(st.integers(0, v.shape[0] - 1))
    j = data.draw(st.integers(0, v.shape[1] - 1))
    better = v.copy()
    better.iloc[i, j] = data.draw(st.floats(v.iloc[i, j], 100, allow_subnormal=False))
    before, after = additive(v, w), additive(better, w)
    assert after.iloc[i] >= before.iloc[i]
    assert 0 <= after.min() and after.max() <= 100 + 1e-9


@settings(max_examples=40, deadline=None)
@given(problem=problems(), seed=st.integers(0, 2**32 - 1), which=st.sampled_from(list(METHODS)))
def test_row_order_never_changes_scores(problem, seed, which):
    v, w = problem
    perm = np.random.default_rng(seed).permutation(len(v))
    f = METHODS[which]
    a = f(v, w)
    b = f(v.iloc[perm], w)
    # identical bit for bit, per code
    pd.testing.assert_series_equal(a, b.reindex(a.index), check_exact=True)
    pd.testing.assert_series_equal(rank(a), rank(b).reindex(a.index))


@settings(max_examples=40, deadline=None)
@given(problem=problems())
def test_scores_within_bounds(problem):
    v, w = problem
    assert additive(v, w).between(0, 100 + 1e-9).all()
    assert topsis(v, w).between(-1e-12, 1 + 1e-12).all()  # floating-point tolerance
    assert promethee_ii(v, w).between(-1 - 1e-12, 1 + 1e-12).all()
    assert sorted(rank(additive(v, w))) == list(range(1, len(v) + 1))
