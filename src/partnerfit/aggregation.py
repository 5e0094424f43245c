"""Aggregate a value matrix into one score per candidate, and rank the candidates.

Every function takes a :class:`~partnerfit.matrix.ValueMatrix` (candidates x criteria,
values 0–100, higher better — the output of the value functions — with its weights), as
:attr:`partnerfit.Shortlist.matrix` holds one.  For convenience a DataFrame ``values``
(index = candidate codes, columns = criteria) with a weight Series ``weights`` over the same
criteria (any non-negative scale; normalised here) is accepted too: it is turned into a
:class:`~partnerfit.matrix.ValueMatrix`, and validated, first.

* :func:`additive` — the linear additive model of the DCLG MCA manual: score =
  sum of weight x value, 0–100; :func:`contributions` gives the terms of that sum.
* :func:`topsis` — closeness to the ideal candidate (0–1).
* :func:`promethee_ii` — PROMETHEE II net outranking flows (-1 to 1).
* :func:`rank` — 1 = best; ties broken by candidate code in string order.

All computations are vectorised numpy.  Results do not depend on the row order of the
input, byte for byte: each method works on the rows sorted by candidate code and returns
the scores in the input's order.  Inputs are never modified.

Missing values
--------------
The matrix must be complete (no NaN), except in :func:`additive` and
:func:`contributions` with ``renormalise_missing=True``: then a candidate's missing cells
drop out and its remaining weights are scaled back up to sum 1, so its score is the
weighted mean of the values it does have.  A candidate with no value on any criterion of
positive weight is an error.  Deciding *whether* to renormalise (or to use a neutral or
pessimistic value instead) is the caller's missing-data policy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from ._yaml import is_finite_number
from .errors import DataValidationError
from .matrix import ValueMatrix

__all__ = [
    "PREFERENCE_FUNCTIONS",
    "additive",
    "contributions",
    "promethee_ii",
    "rank",
    "topsis",
]

#: PROMETHEE preference functions and the thresholds each needs.
PREFERENCE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "usual": (),
    "u-shape": ("q",),
    "v-shape": ("p",),
    "level": ("q", "p"),
    "linear": ("q", "p"),
}
_SHOW = 10  # problem cells listed before "and N more"


Values: TypeAlias = ValueMatrix | pd.DataFrame
WeightsArg: TypeAlias = pd.Series | Mapping[str, float] | None


def _read(values: Values, weights: WeightsArg, *, gaps: bool, source: str
          ) -> tuple[ValueMatrix, pd.Index]:
    """The :class:`ValueMatrix` to aggregate and the index the results carry.

    A DataFrame (with its weights) becomes a matrix here, validated as every matrix is; its
    own index labels the results. Gaps (NaN cells) are accepted only with ``gaps``.
    """
    if isinstance(values, ValueMatrix):
        vm = values if weights is None else values.with_weights(weights)
        index = pd.Index(vm.codes.copy(), name="code")
    else:
        if weights is None:
            raise TypeError("weights are needed with a DataFrame of values")
        vm = ValueMatrix.from_frame(values, weights, gaps=gaps, source=source)
        index = values.index.copy()
    if not gaps:
        vm.require_complete(source)
    return vm, index


def _canonical(vm: ValueMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row order by code, values in that order, weights scaled to sum exactly 1).

    Working in code order makes every result independent of the row order, bit for bit.
    """
    order = vm.code_order()
    return order, np.ascontiguousarray(vm.values[order]), vm.weights / math.fsum(vm.weights)


def _restore(canonical: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Results in canonical (code) order back in the matrix's row order."""
    out = np.empty_like(canonical)
    out[order] = canonical
    return out


def _effective_weights(x: np.ndarray, w: np.ndarray, codes: np.ndarray,
                       renormalise_missing: bool) -> np.ndarray:
    """Per-row weights (n x m): the weights, renormalised over each row's present cells."""
    if not renormalise_missing:
        return np.broadcast_to(w, x.shape)
    present = ~np.isnan(x)
    wmat = np.where(present, w, 0.0)
    total = wmat.sum(axis=1)
    empty = total <= 0
    if empty.any():
        raise DataValidationError(
            "additive scores",
            [
                f"candidate {c} has no value on any criterion with a positive weight — exclude it "
                "or fill its values"
                for c in codes[empty][:_SHOW]
            ],
        )
    return wmat / total[:, None]


def additive(
    values: Values, weights: WeightsArg = None, *, renormalise_missing: bool = False
) -> pd.Series:
    """Linear additive score: the weighted sum of value scores (0–100).

    Parameters
    ----------
    values : ValueMatrix or pandas.DataFrame
        The value matrix (its weights are used); or a DataFrame with index = candidate
        codes, columns = criteria, value scores 0–100.
    weights : pandas.Series or mapping, optional
        One non-negative weight per column (normalised to sum 1 here); needed with a
        DataFrame, replaces the matrix's weights otherwise.
    renormalise_missing : bool, default False
        Let NaN cells (gaps) drop out and renormalise that row's remaining weights (see the
        module docstring).  Without it a gap is an error.

    Returns
    -------
    pandas.Series
        ``"score"`` per candidate, 0–100, in the input's row order (index ``code`` for a
        matrix, the DataFrame's index otherwise).

    Raises
    ------
    DataValidationError
        Mismatched criteria, duplicate candidates, non-numeric, missing (unless allowed) or
        out-of-range values; bad weights.

    Examples
    --------
    >>> v = pd.DataFrame({"distance": [100, 50], "systems": [0, 100]}, index=["E1", "E2"])
    >>> additive(v, pd.Series({"distance": 3, "systems": 1})).tolist()
    [75.0, 62.5]
    """
    vm, index = _read(values, weights, gaps=renormalise_missing, source="additive scores")
    order, x, w = _canonical(vm)
    terms = np.where(np.isnan(x), 0.0, x) * _effective_weights(x, w, vm.codes[order],
                                                                renormalise_missing)
    return pd.Series(_restore(terms.sum(axis=1), order), index=index, name="score")


def contributions(
    values: Values, weights: WeightsArg = None, *, renormalise_missing: bool = False
) -> pd.DataFrame:
    """Each criterion's contribution (weight x value) to the additive score.

    Parameters
    ----------
    values, weights, renormalise_missing
        As for :func:`additive`.

    Returns
    -------
    pandas.DataFrame
        Same shape as ``values``; each row sums (skipping NaN) to that candidate's
        :func:`additive` score.  With ``renormalise_missing`` the weights are the row's
        renormalised ones and missing cells contribute NaN.
    """
    vm, index = _read(values, weights, gaps=renormalise_missing,
                      source="additive contributions")
    order, x, w = _canonical(vm)
    terms = x * _effective_weights(x, w, vm.codes[order], renormalise_missing)
    return pd.DataFrame(_restore(terms, order), index=index,
                        columns=pd.Index(list(vm.criteria), dtype=object))


def topsis(values: Values, weights: WeightsArg = None, normalisation: str = "vector"
           ) -> pd.Series:
    """TOPSIS closeness coefficient (Hwang and Yoon, 1981), all criteria benefits.

    Parameters
    ----------
    values, weights
        As for :func:`additive` (complete matrix).
    normalisation : {"vector", "minmax"}
        ``vector``: each column divided by its Euclidean norm (the classic TOPSIS);
        ``minmax``: each column rescaled to 0–1 over the candidates.  A column that is
        the same for every candidate cannot separate them and is ignored.

    Returns
    -------
    pandas.Series
        ``"closeness"`` D- / (D+ + D-) in [0, 1] per candidate (1 = at the ideal); 0.5 for
        every candidate when all are identical on every weighted criterion.
    """
    if normalisation not in ("vector", "minmax"):
        raise ValueError(f"normalisation must be 'vector' or 'minmax', got {normalisation!r}")
    vm, index = _read(values, weights, gaps=False, source="TOPSIS scores")
    order, x, w = _canonical(vm)
    if normalisation == "vector":
        # Summing sorted squares makes the norm independent of row order, bit for bit.
        norm = np.sqrt(np.sort(x * x, axis=0).sum(axis=0))
        r = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)
    else:
        lo, hi = x.min(axis=0, initial=np.inf), x.max(axis=0, initial=-np.inf)
        span = hi - lo
        r = np.divide(x - lo, span, out=np.ones_like(x), where=span > 0)
    v = r * w
    d_plus = np.sqrt(((v - v.max(axis=0, initial=-np.inf)) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - v.min(axis=0, initial=np.inf)) ** 2).sum(axis=1))
    total = d_plus + d_minus
    closeness = np.divide(d_minus, total, out=np.full_like(total, 0.5), where=total > 0)
    return pd.Series(_restore(closeness, order), index=index, name="closeness")


def _per_criterion(
    setting: Any, columns: pd.Index, what: str, problems: list[str]
) -> np.ndarray | None:
    """A scalar or per-criterion mapping as an array over ``columns`` (object for names)."""
    if setting is None:
        return None
    if isinstance(setting, Mapping | pd.Series):
        absent = [c for c in columns if c not in setting]
        extra = [c for c in setting if c not in columns]
        if absent:
            problems.append(f"{what} has no entry for {', '.join(map(repr, absent))}")
        if extra:
            problems.append(f"{what} given for {', '.join(map(repr, extra))}, not a criterion")
        if absent or extra:
            return None
        return np.array([setting[c] for c in columns], dtype=object)
    return np.array([setting] * len(columns), dtype=object)


def promethee_ii(
    values: Values,
    weights: WeightsArg = None,
    preference: str | Mapping[str, str] = "usual",
    q: float | Mapping[str, float] | None = None,
    p: float | Mapping[str, float] | None = None,
) -> pd.Series:
    """PROMETHEE II net outranking flows (Brans and Vincke, 1985), all criteria benefits.

    For each pair of candidates (a, b) and criterion j, the preference of a over b is a
    function P_j(d) of the difference d = v_a - v_b in value points:

    * ``usual``: 1 if d > 0;
    * ``u-shape``: 1 if d > q;
    * ``v-shape``: d / p up to p, then 1;
    * ``level``: 0 up to q, 1/2 up to p, then 1;
    * ``linear``: 0 up to q, (d - q) / (p - q) up to p, then 1.

    The net flow of a is (sum over b of pi(a, b) - pi(b, a)) / (n - 1), with
    pi(a, b) = sum_j w_j P_j(v_a - v_b).

    Parameters
    ----------
    values, weights
        As for :func:`additive` (complete matrix).
    preference : str or mapping criterion -> str
        Preference function, for all criteria or per criterion.
    q, p : float or mapping criterion -> float, optional
        Indifference and preference thresholds in value points (0 <= q < p), for all
        criteria or per criterion; required exactly when a chosen function uses them.

    Returns
    -------
    pandas.Series
        ``"net_flow"`` in [-1, 1] per candidate (0 for a single candidate).

    Notes
    -----
    Memory and time grow with the square of the number of candidates (a few MB for the
    ~400 councils of Great Britain).
    """
    vm, index = _read(values, weights, gaps=False, source="PROMETHEE II scores")
    settings = _promethee_settings(pd.Index(vm.criteria), preference, q, p)
    order, x, w = _canonical(vm)
    n = x.shape[0]
    if n < 2:
        return pd.Series(np.zeros(n), index=index, name="net_flow")
    pi = np.zeros((n, n))
    for j in np.flatnonzero(w != 0):
        d = x[:, j, None] - x[None, :, j]  # d[a, b] = v_a - v_b
        pi += w[j] * _preference(d, *settings[j])
    net = (pi.sum(axis=1) - pi.sum(axis=0)) / (n - 1)
    return pd.Series(_restore(net, order), index=index, name="net_flow")


def _promethee_settings(cols: pd.Index, preference: str | Mapping[str, str],
                        q: float | Mapping[str, float] | None,
                        p: float | Mapping[str, float] | None) -> list[tuple[str, Any, Any]]:
    """(function, q, p) per criterion, every problem with the settings reported at once."""
    problems: list[str] = []
    pref = _per_criterion(preference, cols, "preference", problems)
    qs = _per_criterion(q, cols, "q", problems)
    ps = _per_criterion(p, cols, "p", problems)
    if problems or pref is None:
        raise DataValidationError("PROMETHEE II settings", problems)
    out = [(pref[j], None if qs is None else qs[j], None if ps is None else ps[j])
           for j in range(len(cols))]
    for c, (name, qj, pj) in zip(cols, out, strict=True):
        problems += _threshold_problems(c, name, qj, pj)
    used = {k for name in pref if name in PREFERENCE_FUNCTIONS for k in PREFERENCE_FUNCTIONS[name]}
    for key, val in (("q", q), ("p", p)):
        if val is not None and key not in used:
            problems.append(f"{key} is given but no criterion's preference function uses it")
    if problems:
        raise DataValidationError("PROMETHEE II settings", problems)
    return out


def _threshold_problems(c: str, name: str, qj: Any, pj: Any) -> list[str]:
    """What is wrong with one criterion's preference function and thresholds."""
    if name not in PREFERENCE_FUNCTIONS:
        return [(f"criterion {c!r}: unknown preference function {name!r} (use "
                 f"{', '.join(PREFERENCE_FUNCTIONS)})")]
    problems = []
    needs = PREFERENCE_FUNCTIONS[name]
    for key, val in (("q", qj), ("p", pj)):
        if key in needs and val is None:
            problems.append(f"criterion {c!r}: the {name!r} function needs {key}")
        elif val is not None and not (is_finite_number(val) and val >= 0):
            problems.append(f"criterion {c!r}: {key} = {val!r} must be a number >= 0")
    valid = [v for v in (qj, pj) if v is not None and is_finite_number(v)]
    if len(valid) == 2 and "q" in needs and "p" in needs and not qj < pj:
        problems.append(f"criterion {c!r}: q must be less than p (q = {qj}, p = {pj})")
    if name == "v-shape" and is_finite_number(pj) and pj == 0:
        problems.append(f"criterion {c!r}: p must be more than 0 for 'v-shape'")
    return problems


def _preference(d: np.ndarray, name: str, q: Any, p: Any) -> np.ndarray:
    """P(d) of one preference function over a matrix of differences in value points."""
    if name == "usual":
        return (d > 0).astype(float)
    if name == "u-shape":
        return (d > q).astype(float)
    if name == "v-shape":
        return np.clip(d / p, 0.0, 1.0)
    if name == "level":
        return 0.5 * (d > q) + 0.5 * (d > p)
    return np.clip((d - q) / (p - q), 0.0, 1.0)  # linear


def tie_key(scores: np.ndarray) -> np.ndarray:
    """Scores as compared for ranking: rounded to 12 significant digits of the largest.

    Two scores whose keys are equal count as tied, so rounding noise never decides a rank.

    Parameters
    ----------
    scores : numpy.ndarray
        Finite scores.

    Returns
    -------
    numpy.ndarray
    """
    s = np.asarray(scores, dtype=float)
    scale = float(np.max(np.abs(s))) if len(s) else 1.0
    return np.round(s / scale, 12) if scale > 0 else s


def rank(scores: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Rank candidates: 1 = best, every rank distinct, ties broken by code.

    Parameters
    ----------
    scores : pandas.Series
        Index = candidate codes.
    higher_is_better : bool, default True
        Whether a higher score is better.

    Returns
    -------
    pandas.Series
        ``"rank"`` (int, 1..n) in the input's order.  Scores equal to 12 significant digits
        (relative to the largest absolute score) count as tied, so rounding noise never
        decides a rank; tied candidates are ranked in string order of their codes.

    Raises
    ------
    DataValidationError
        If a score is missing or a code appears twice.

    Examples
    --------
    >>> rank(pd.Series({"E07000123": 50.0, "E07000121": 50.0, "E07000117": 70.0})).tolist()
    [3, 2, 1]
    """
    problems = []
    dup = scores.index[scores.index.duplicated()].unique()
    if len(dup):
        problems.append(f"codes {', '.join(map(str, dup[:_SHOW]))} appear more than once")
    s = pd.to_numeric(scores, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = scores.index[np.isnan(s)]
    if len(bad):
        problems.append(
            f"no score for {', '.join(map(str, bad[:_SHOW]))}"
            + (f" and {len(bad) - _SHOW} more" if len(bad) > _SHOW else "")
            + " — drop those candidates or give them a score"
        )
    if problems:
        raise DataValidationError("ranking", problems)
    key = tie_key(s)
    if higher_is_better:
        key = -key
    order = np.lexsort((scores.index.astype(str).to_numpy(), key))
    ranks = np.empty(len(s), dtype=np.int64)
    ranks[order] = np.arange(1, len(s) + 1)
    return pd.Series(ranks, index=scores.index.copy(), name="rank")
