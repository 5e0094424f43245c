"""Backtest metrics: the methods compared, and hit@k, MRR and median rank with fair ties.

**Ties are scored as expected values under random tie-breaking**, for every method alike: if
``b`` candidates are strictly better than the real partner and ``t`` (the partner included)
are tied with it, the partner is equally likely to sit anywhere from ``b + 1`` to ``b + t``, so
its expected rank is ``b + (t + 1) / 2``, its hit@k is the share of those places within the top
``k``, and its reciprocal rank the mean of ``1 / r`` over them.

This module imports nothing else of :mod:`partnerfit.evaluate`, so figures and reports can
import :data:`METHODS` from here without importing the backtest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import PartnerfitError

__all__ = ["KS", "METHODS", "METHOD_ORDER", "arrangement_weights", "better_and_tied",
           "expected_metrics",
           "expected_reciprocal_rank", "hit_chance", "position", "random_expectation",
           "summarise", "summarise_by", "weighted_median"]

KS = (1, 3, 5, 10)
#: Method id -> plain label, in report order.
METHODS = {
    "weights": "Weights (method)",
    "nearest": "Nearest by distance",
    "adjacency": "Adjacency only",
    "same_county": "Same county only",
    "adjacent_nearest": "Adjacent, then nearest",
    "county_nearest": "Same county, then nearest",
    "random": "Random (expected)",
}
METHOD_ORDER = tuple(METHODS)


def _harmonic(n: int) -> np.ndarray:
    """H_0..H_n (H_0 = 0)."""
    return np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, n + 1))])


def hit_chance(better: np.ndarray, tied: np.ndarray, k: int) -> np.ndarray:
    """Chance the partner is in the top ``k`` when it is equally likely at b+1..b+t.

    Parameters
    ----------
    better, tied : numpy.ndarray of int
        Per case, candidates strictly ahead of the partner, and tied with it (itself included).
    k : int

    Returns
    -------
    numpy.ndarray
    """
    return np.clip((k - better) / tied, 0.0, 1.0)


def expected_reciprocal_rank(better: np.ndarray, tied: np.ndarray) -> np.ndarray:
    """Expected 1/rank when the rank is uniform on b+1..b+t: (H_{b+t} - H_b) / t.

    Parameters
    ----------
    better, tied : numpy.ndarray of int
        As for :func:`hit_chance`.

    Returns
    -------
    numpy.ndarray
    """
    better = np.asarray(better, dtype=int)
    tied = np.asarray(tied, dtype=int)
    if not len(better):
        return np.zeros(0)
    h = _harmonic(int((better + tied).max()))
    return (h[better + tied] - h[better]) / tied


def expected_metrics(better: Sequence[int] | np.ndarray, tied: Sequence[int] | np.ndarray,
                     ks: Iterable[int] = KS,
                     weights: Sequence[float] | np.ndarray | None = None) -> dict[str, float]:
    """Hit@k, MRR and median rank over cases, ties scored under random tie-breaking.

    Parameters
    ----------
    better : array of int
        Per case, how many candidates rank strictly above the real partner.
    tied : array of int
        Per case, how many candidates (the partner included, so at least 1) tie with it.
    ks : iterable of int
        The k of hit@k.
    weights : array of float, optional
        Per case, its weight (positive); the metrics are weighted means and the median
        rank a weighted median (:func:`weighted_median`). Default: every case 1.

    Returns
    -------
    dict
        ``cases``, ``hit@k`` for each k, ``mrr`` and ``median_rank`` (the median of the
        cases' expected ranks ``b + (t + 1) / 2``); NaN metrics when there are no cases.

    Examples
    --------
    Two cases of one arrangement (weight 1/2 each), the partner first, then fourth:

    >>> m = expected_metrics([0, 3], [1, 1], ks=[1], weights=[0.5, 0.5])
    >>> round(m["mrr"], 3), m["hit@1"]
    (0.625, 0.5)
    """
    b = np.asarray(better, dtype=int)
    t = np.asarray(tied, dtype=int)
    if b.shape != t.shape or (t < 1).any() or (b < 0).any():
        raise PartnerfitError("expected_metrics: better and tied must have the same length, "
                              "better >= 0 and tied >= 1 (the partner ties with itself).")
    w = np.ones(len(b)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != b.shape or not np.isfinite(w).all() or (w <= 0).any():
        raise PartnerfitError("expected_metrics: weights must be positive numbers, one per "
                              "case (better and tied have the same length).")
    out: dict[str, float] = {"cases": float(len(b))}
    for k in ks:
        out[f"hit@{k}"] = float(np.average(hit_chance(b, t, k), weights=w)) if len(b) \
            else np.nan
    out["mrr"] = float(np.average(expected_reciprocal_rank(b, t), weights=w)) if len(b) \
        else np.nan
    out["median_rank"] = weighted_median(b + (t + 1) / 2.0, w) if len(b) else np.nan
    return out


def weighted_median(values: Sequence[float] | np.ndarray,
                    weights: Sequence[float] | np.ndarray) -> float:
    """The median of ``values`` with ``weights``: the value where the cumulative weight
    passes half the total, the mean of the two values either side when it lands exactly on
    half (so equal weights give :func:`numpy.median`).

    Examples
    --------
    >>> weighted_median([1, 2, 3, 4], [1, 1, 1, 1])
    2.5
    >>> weighted_median([1, 2, 3], [0.25, 0.25, 1])
    3.0
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w) / w.sum()
    i = int(np.searchsorted(cum, 0.5 - 1e-12))
    if i < len(v) - 1 and abs(cum[i] - 0.5) < 1e-12:
        return float((v[i] + v[i + 1]) / 2.0)
    return float(v[i])


def random_expectation(n: int, ks: Iterable[int] = KS) -> dict[str, float]:
    """Expected hit@k and reciprocal rank when the partner's rank is uniform on 1..n.

    hit@k = min(k, n) / n; reciprocal rank = H_n / n (H_n the n-th harmonic number);
    rank = (n + 1) / 2.
    """
    if n < 1:
        raise PartnerfitError("random_expectation: n must be at least 1.")
    out = {f"hit@{k}": min(k, n) / n for k in ks}
    out["rr"] = float(np.sum(1.0 / np.arange(1, n + 1))) / n
    out["rank"] = (n + 1) / 2.0
    return out


def better_and_tied(cases: pd.DataFrame, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(better, tied) arrays of one method from a backtest's cases table."""
    t = cases[f"tied_{method}"].to_numpy(float)
    r = cases[f"rank_{method}"].to_numpy(float)
    b = np.rint(r - (t + 1) / 2.0)
    return b.astype(int), t.astype(int)


def arrangement_weights(cases: pd.DataFrame) -> np.ndarray:
    """Each case's weight so that each arrangement counts once: 1 / (scored cases of its
    arrangement)."""
    if not len(cases):
        return np.zeros(0)
    n = cases.groupby("arrangement")["arrangement"].transform("size")
    return 1.0 / n.to_numpy(float)


def summarise(cases: pd.DataFrame, methods: Sequence[str], weighted: bool = True
              ) -> pd.DataFrame:
    """Methods x metrics (cases, arrangements, hit@k, mrr, median_rank) of a cases table.

    ``weighted``: each arrangement counts once (each case weighs 1 / the scored cases of its
    arrangement, :func:`arrangement_weights`); False: each case counts once.
    """
    w = arrangement_weights(cases) if weighted and "arrangement" in cases.columns else None
    rows = {m: expected_metrics(*better_and_tied(cases, m), weights=w) for m in methods}
    out = pd.DataFrame(rows).T
    out["cases"] = out["cases"].astype(int)
    n_arr = cases["arrangement"].nunique() if "arrangement" in cases.columns else len(cases)
    out.insert(1, "arrangements", int(n_arr))
    out.index.name = "method"
    return out


def summarise_by(cases: pd.DataFrame, by: str, methods: Sequence[str], weighted: bool = True
                 ) -> pd.DataFrame:
    """:func:`summarise` for each value of column ``by`` (index: that value, method).

    Weighted, an arrangement's cases keep the weights they have over all cases (so a group
    holding some of an arrangement's cases counts that share of it).
    """
    if not len(cases):
        return pd.DataFrame()
    frames = []
    w = pd.Series(arrangement_weights(cases) if "arrangement" in cases.columns
                  else np.ones(len(cases)), index=cases.index)
    for key, g in cases.groupby(by, sort=True):
        if weighted:
            rows = {m: expected_metrics(*better_and_tied(g, m), weights=w[g.index])
                    for m in methods}
            s = pd.DataFrame(rows).T
            s["cases"] = s["cases"].astype(int)
            s.insert(1, "arrangements", int(g["arrangement"].nunique()
                                            if "arrangement" in g.columns else len(g)))
            s.index.name = "method"
        else:
            s = summarise(g, methods, weighted=False)
        s.insert(0, by, key)
        frames.append(s.reset_index())
    return pd.concat(frames, ignore_index=True).set_index([by, "method"])


def position(keys: Sequence[np.ndarray], target: int) -> tuple[int, int]:
    """(better, tied) of row ``target`` under lexicographic keys, higher = better.

    ``better`` counts rows strictly ahead of the target; ``tied`` the rows equal to it on
    every key, the target included.
    """
    n = len(keys[0])
    ahead = np.zeros(n, dtype=bool)
    equal = np.ones(n, dtype=bool)
    for k in keys:
        k = np.asarray(k)
        ahead |= equal & (k > k[target])
        equal &= k == k[target]
    return int(ahead.sum()), int(equal.sum())
