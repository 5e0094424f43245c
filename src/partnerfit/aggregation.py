"""Aggregate a value matrix into one score per candidate, and rank the candidates.

Every function takes a value matrix ``values`` (index = candidate codes, columns =
criteria, values 0–100, higher better — the output of the value functions) and a weight
Series ``weights`` over the same criteria (any non-negative scale; normalised here).

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

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._yaml import is_finite_number
from .errors import DataValidationError
from .weights import normalise

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
_TOLERANCE = 1e-9  # values may exceed 0–100 by this much (rounding in value functions)
_SHOW = 10  # problem cells listed before "and N more"


class _Matrix:
    """A validated value matrix in canonical (code-sorted) row order."""

    __slots__ = ("columns", "index", "order", "w", "x")

    def __init__(self, values: Any, weights: Any, *, allow_nan: bool, source: str):
        if not isinstance(values, pd.DataFrame):
            raise TypeError(f"values must be a pandas DataFrame, got {type(values).__name__}")
        if isinstance(weights, Mapping):
            weights = pd.Series(weights, dtype=object)
        if not isinstance(weights, pd.Series):
            raise TypeError(f"weights must be a pandas Series, got {type(weights).__name__}")
        problems: list[str] = []
        dup = values.index[values.index.duplicated()].unique()
        if len(dup):
            problems.append(
                f"candidate{'s' if len(dup) > 1 else ''} {', '.join(map(str, dup[:_SHOW]))} "
                "appear more than once — give each candidate one row"
            )
        dupc = values.columns[values.columns.duplicated()].unique()
        if len(dupc):
            problems.append(f"criteria {', '.join(map(repr, dupc))} appear more than once")
        if values.shape[1] == 0:
            problems.append("the value matrix has no criteria")
        no_weight = [c for c in values.columns if c not in weights.index]
        no_column = [c for c in weights.index if c not in values.columns]
        if no_weight:
            problems.append(
                f"no weight for criteria {', '.join(map(repr, no_weight))} — give every column "
                "a weight (0 is allowed)"
            )
        if no_column:
            problems.append(
                f"weights given for {', '.join(map(repr, no_column))}, which are not columns of "
                "the value matrix"
            )
        if problems:
            raise DataValidationError(source, problems)
        w = normalise(weights).reindex(values.columns).to_numpy(dtype=float)
        try:
            x = values.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            bad = [c for c in values.columns if not pd.api.types.is_numeric_dtype(values[c])]
            raise DataValidationError(
                source,
                [
                    f"criterion {c!r} holds non-numeric values — value scores must be numbers"
                    for c in bad
                ]
                or ["the value matrix holds non-numeric values"],
            ) from None
        nan = np.isnan(x)
        if not allow_nan and nan.any():
            problems.append(
                _cells(values, nan, "missing") + " — fill them (a missing-data "
                "policy) or use renormalise_missing=True where it is offered"
            )
        out = ~nan & ((x < -_TOLERANCE) | (x > 100 + _TOLERANCE))
        if out.any():
            problems.append(
                _cells(values, out, "outside 0–100", x) + " — values must be "
                "value scores from 0 (worst) to 100 (best)"
            )
        if problems:
            raise DataValidationError(source, problems)
        self.order = np.argsort(values.index.astype(str).to_numpy(), kind="stable")
        self.x = np.ascontiguousarray(x[self.order])
        self.w = w
        self.index = values.index
        self.columns = values.columns

    def series(self, canonical: np.ndarray, name: str) -> pd.Series:
        """A Series in the input's row order from results in canonical order."""
        out = np.empty_like(canonical)
        out[self.order] = canonical
        return pd.Series(out, index=self.index.copy(), name=name)

    def frame(self, canonical: np.ndarray) -> pd.DataFrame:
        out = np.empty_like(canonical)
        out[self.order] = canonical
        return pd.DataFrame(out, index=self.index.copy(), columns=self.columns.copy())


def _cells(values: pd.DataFrame, mask: np.ndarray, what: str, x: np.ndarray | None = None) -> str:
    rows, cols = np.nonzero(mask)
    shown = []
    for r, c in list(zip(rows, cols, strict=True))[:_SHOW]:
        v = f" ({x[r, c]:g})" if x is not None else ""
        shown.append(f"{values.index[r]}/{values.columns[c]}{v}")
    more = f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else ""
    verb = "value is" if len(rows) == 1 else "values are"
    return f"{len(rows)} {verb} {what}: {', '.join(shown)}{more}"


def _effective_weights(m: _Matrix, renormalise_missing: bool) -> np.ndarray:
    """Per-row weights (n x m): the normalised weights, renormalised over present cells."""
    if not renormalise_missing:
        return np.broadcast_to(m.w, m.x.shape)
    present = ~np.isnan(m.x)
    wmat = np.where(present, m.w, 0.0)
    total = wmat.sum(axis=1)
    empty = total <= 0
    if empty.any():
        codes = m.index[m.order][empty]
        raise DataValidationError(
            "additive scores",
            [
                f"candidate {c} has no value on any criterion with a positive weight — exclude it "
                "or fill its values"
                for c in codes[:_SHOW]
            ],
        )
    return wmat / total[:, None]


def additive(
    values: pd.DataFrame, weights: pd.Series, *, renormalise_missing: bool = False
) -> pd.Series:
    """Linear additive score: the weighted sum of value scores (0–100).

    Parameters
    ----------
    values : pandas.DataFrame
        Index = candidate codes, columns = criteria, value scores 0–100.
    weights : pandas.Series
        One non-negative weight per column (normalised to sum 1 here).
    renormalise_missing : bool, default False
        Let NaN cells drop out and renormalise that row's remaining weights (see the
        module docstring).  Without it a NaN is an error.

    Returns
    -------
    pandas.Series
        ``"score"`` per candidate, 0–100, in the input's row order.

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
    m = _Matrix(values, weights, allow_nan=renormalise_missing, source="additive scores")
    w = _effective_weights(m, renormalise_missing)
    terms = np.where(np.isnan(m.x), 0.0, m.x) * w
    return m.series(terms.sum(axis=1), "score")


def contributions(
    values: pd.DataFrame, weights: pd.Series, *, renormalise_missing: bool = False
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
    m = _Matrix(values, weights, allow_nan=renormalise_missing, source="additive contributions")
    w = _effective_weights(m, renormalise_missing)
    return m.frame(m.x * w)


def topsis(values: pd.DataFrame, weights: pd.Series, normalisation: str = "vector") -> pd.Series:
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
    m = _Matrix(values, weights, allow_nan=False, source="TOPSIS scores")
    x = m.x
    if normalisation == "vector":
        # Summing sorted squares makes the norm independent of row order, bit for bit.
        norm = np.sqrt(np.sort(x * x, axis=0).sum(axis=0))
        r = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)
    else:
        lo, hi = x.min(axis=0, initial=np.inf), x.max(axis=0, initial=-np.inf)
        span = hi - lo
        r = np.divide(x - lo, span, out=np.ones_like(x), where=span > 0)
    v = r * m.w
    d_plus = np.sqrt(((v - v.max(axis=0, initial=-np.inf)) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - v.min(axis=0, initial=np.inf)) ** 2).sum(axis=1))
    total = d_plus + d_minus
    closeness = np.divide(d_minus, total, out=np.full_like(total, 0.5), where=total > 0)
    return m.series(closeness, "closeness")


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
    values: pd.DataFrame,
    weights: pd.Series,
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
    problems: list[str] = []
    m = _Matrix(values, weights, allow_nan=False, source="PROMETHEE II scores")
    cols = m.columns
    pref = _per_criterion(preference, cols, "preference", problems)
    qs = _per_criterion(q, cols, "q", problems)
    ps = _per_criterion(p, cols, "p", problems)
    if problems:
        raise DataValidationError("PROMETHEE II settings", problems)
    for j, c in enumerate(cols):
        name = pref[j]
        if name not in PREFERENCE_FUNCTIONS:
            problems.append(
                f"criterion {c!r}: unknown preference function {name!r} (use "
                f"{', '.join(PREFERENCE_FUNCTIONS)})"
            )
            continue
        needs = PREFERENCE_FUNCTIONS[name]
        qj = None if qs is None else qs[j]
        pj = None if ps is None else ps[j]
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
    used = {k for name in pref if name in PREFERENCE_FUNCTIONS for k in PREFERENCE_FUNCTIONS[name]}
    for key, val in (("q", q), ("p", p)):
        if val is not None and key not in used:
            problems.append(f"{key} is given but no criterion's preference function uses it")
    if problems:
        raise DataValidationError("PROMETHEE II settings", problems)

    x, n = m.x, m.x.shape[0]
    pi = np.zeros((n, n))
    for j in range(x.shape[1]):
        if m.w[j] == 0:
            continue
        d = x[:, j, None] - x[None, :, j]  # d[a, b] = v_a - v_b
        name = pref[j]
        if name == "usual":
            pj = (d > 0).astype(float)
        elif name == "u-shape":
            pj = (d > qs[j]).astype(float)
        elif name == "v-shape":
            pj = np.clip(d / ps[j], 0.0, 1.0)
        elif name == "level":
            pj = 0.5 * (d > qs[j]) + 0.5 * (d > ps[j])
        else:  # linear
            pj = np.clip((d - qs[j]) / (ps[j] - qs[j]), 0.0, 1.0)
        pi += m.w[j] * pj
    if n < 2:
        return m.series(np.zeros(n), "net_flow")
    net = (pi.sum(axis=1) - pi.sum(axis=0)) / (n - 1)
    return m.series(net, "net_flow")


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
