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

__all__ = ["KS", "METHODS", "METHOD_ORDER", "better_and_tied", "expected_metrics",
           "expected_reciprocal_rank", "hit_chance", "position", "random_expectation",
           "summarise", "summarise_by"]

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
                     ks: Iterable[int] = KS) -> dict[str, float]:
    """Hit@k, MRR and median rank over cases, ties scored under random tie-breaking.

    Parameters
    ----------
    better : array of int
        Per case, how many candidates rank strictly above the real partner.
    tied : array of int
        Per case, how many candidates (the partner included, so at least 1) tie with it.
    ks : iterable of int
        The k of hit@k.

    Returns
    -------
    dict
        ``cases``, ``hit@k`` for each k, ``mrr`` and ``median_rank`` (the median of the
        cases' expected ranks ``b + (t + 1) / 2``); NaN metrics when there are no cases.
    """
    b = np.asarray(better, dtype=int)
    t = np.asarray(tied, dtype=int)
    if b.shape != t.shape or (t < 1).any() or (b < 0).any():
        raise PartnerfitError("expected_metrics: better and tied must have the same length, "
                              "better >= 0 and tied >= 1 (the partner ties with itself).")
    out: dict[str, float] = {"cases": float(len(b))}
    for k in ks:
        out[f"hit@{k}"] = float(np.mean(hit_chance(b, t, k))) if len(b) else np.nan
    out["mrr"] = float(np.mean(expected_reciprocal_rank(b, t))) if len(b) else np.nan
    out["median_rank"] = float(np.median(b + (t + 1) / 2.0)) if len(b) else np.nan
    return out


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


def summarise(cases: pd.DataFrame, methods: Sequence[str]) -> pd.DataFrame:
    """Methods x metrics (cases, hit@k, mrr, median_rank) of a cases table."""
    rows = {m: expected_metrics(*better_and_tied(cases, m)) for m in methods}
    out = pd.DataFrame(rows).T
    out["cases"] = out["cases"].astype(int)
    out.index.name = "method"
    return out


def summarise_by(cases: pd.DataFrame, by: str, methods: Sequence[str]) -> pd.DataFrame:
    """:func:`summarise` for each value of column ``by`` (index: that value, method)."""
    frames = []
    for key, g in cases.groupby(by, sort=True):
        s = summarise(g, methods)
        s.insert(0, by, key)
        frames.append(s.reset_index())
    if not frames:
        return pd.DataFrame()
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
