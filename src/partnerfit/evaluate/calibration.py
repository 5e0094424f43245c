"""Calibration: criterion weights fitted to the real partner choices of the backtest.

A conditional logit (McFadden) over each case's choice set, cross-validated by partnership,
with bootstrap intervals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._checks import check_int
from ..aggregation import tie_key
from ..errors import PartnerfitError
from ..matrix import ValueMatrix
from .backtest import BacktestResult, backtest
from .metrics import better_and_tied, expected_metrics, expected_reciprocal_rank, position

__all__ = ["CalibrationResult", "calibrate", "fit_conditional_logit", "fold_assignments",
           "leave_one_family_out"]


def _choices(bt: BacktestResult
             ) -> tuple[list[ValueMatrix], np.ndarray, np.ndarray, np.ndarray]:
    """The backtest's choice sets, the row of the real partner in each, its partnership and
    the case's weight (each arrangement counting once, as in the backtest)."""
    sets = bt.choice_sets
    partners = list(bt.cases["partner"])
    chosen = np.array([int(np.flatnonzero(s.codes == p)[0])
                       for s, p in zip(sets, partners, strict=True)], dtype=int)
    weight = (bt.cases["weight"].to_numpy(float) if "weight" in bt.cases.columns
              else np.ones(len(sets)))
    return sets, chosen, np.array(list(bt.cases["partnership"])), weight


def _pad(sets: list[ValueMatrix]) -> tuple[np.ndarray, np.ndarray]:
    """Stack choice sets into (N, C, K) values and the (N, C) mask of real candidates."""
    n, c = len(sets), max(s.n for s in sets)
    k = sets[0].m
    x = np.zeros((n, c, k))
    mask = np.zeros((n, c), dtype=bool)
    for i, s in enumerate(sets):
        x[i, :s.n] = s.values
        mask[i, :s.n] = True
    return x, mask


def fit_conditional_logit(values: np.ndarray, mask: np.ndarray, chosen: np.ndarray, *,
                          case_weights: np.ndarray | None = None, l2: float = 1e-4
                          ) -> np.ndarray:
    """Maximum-likelihood conditional logit with non-negative coefficients.

    P(case i picks j) = exp(u_ij) / sum_l exp(u_il), u = values @ beta / 100, beta >= 0
    (bounded L-BFGS-B), with an L2 penalty ``l2 * |beta|^2`` on the mean log-likelihood.

    Parameters
    ----------
    values : ndarray (N, C, K)
        0-100 values of each candidate of each choice set (padding rows anywhere mask False).
    mask : ndarray (N, C) of bool
        Which rows are real candidates.
    chosen : ndarray (N,)
        Row chosen in each set.
    case_weights : ndarray (N,), optional
        Frequency weights (the bootstrap's resample counts).
    l2 : float
        Ridge penalty.

    Returns
    -------
    ndarray (K,)
        The coefficients beta (utility per 100 value points).
    """
    from scipy.optimize import minimize

    x = np.asarray(values, float) / 100.0
    n, _, k = x.shape
    w = np.ones(n) if case_weights is None else np.asarray(case_weights, float)
    total = w.sum()
    xc = x[np.arange(n), chosen]                      # (N, K)

    def f(beta: np.ndarray) -> tuple[float, np.ndarray]:
        u = np.where(mask, x @ beta, -np.inf)
        m = u.max(axis=1, keepdims=True)
        e = np.exp(u - m)
        z = e.sum(axis=1)
        lse = np.log(z) + m[:, 0]
        p = e / z[:, None]
        ll = (xc @ beta - lse)
        grad = (xc - np.einsum("nc,nck->nk", p, x))
        val = -(w @ ll) / total + l2 * beta @ beta
        g = -(w @ grad) / total + 2 * l2 * beta
        return float(val), g

    res = minimize(f, np.ones(k), jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * k)
    return res.x


def _normalise(beta: np.ndarray) -> np.ndarray:
    s = beta.sum()
    return beta / s if s > 0 else np.full(len(beta), 1.0 / len(beta))


def fold_assignments(groups: Iterable[str], folds: int = 5, seed: int = 0) -> pd.Series:
    """Assign each distinct group (partnership) to one of ``folds`` folds, at random (seeded).

    Returns
    -------
    pandas.Series
        Fold number (0..folds-1) indexed by group, groups in sorted order.
    """
    uniq = np.array(sorted(set(groups)))
    if folds < 2 or folds > len(uniq):
        raise PartnerfitError(f"calibrate: folds must be between 2 and the number of "
                              f"partnerships ({len(uniq)}); got {folds}.")
    perm = np.random.default_rng(seed).permutation(len(uniq))
    fold = np.empty(len(uniq), dtype=int)
    fold[perm] = np.arange(len(uniq)) % folds
    return pd.Series(fold, index=pd.Index(uniq, name="partnership"), name="fold")


def _blocks(sets: Sequence[ValueMatrix], chosen: np.ndarray, w: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """(better, tied) of each set's chosen row under additive scores values @ w (each set's
    own backtest weights when ``w`` is None), ties as in :func:`backtest`."""
    better = np.empty(len(sets), dtype=int)
    tied = np.empty(len(sets), dtype=int)
    for i, s in enumerate(sets):
        score = s.values @ (s.weights if w is None else w)
        better[i], tied[i] = position([tie_key(score)], int(chosen[i]))
    return better, tied


@dataclass
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    Attributes
    ----------
    weights : Series
        Calibrated weights (sum 1), fitted on every case.
    beta : Series
        The raw logit coefficients (utility per 100 value points).
    intervals : DataFrame
        Bootstrap (by partnership) 95% percentile intervals of the normalised weights:
        columns weight, low, high, se (``attrs["resamples"]`` the number of resamples).
    cv : DataFrame
        One row per fold: cases, partnerships, held-out MRR with calibrated and with the
        backtest's weights, hit@5 both ways (ties as in :func:`backtest`).
    folds : Series
        Fold of each partnership.
    case_folds : Series
        Fold of each case (by case number of the backtest's choice sets).
    fold_weights : DataFrame
        Normalised weights fitted in each fold (on the other folds' partnerships only).
    heldout_mrr, default_mrr : float
        MRR over all held-out cases with calibrated and with the backtest's weights.
    reference_weights : Series
        The backtest's weights averaged over the cases (for comparison in plots).
    train_partnerships : dict
        Fold -> the partnerships whose cases that fold's fit used.
    """

    weights: pd.Series
    beta: pd.Series
    intervals: pd.DataFrame
    cv: pd.DataFrame
    folds: pd.Series
    case_folds: pd.Series
    fold_weights: pd.DataFrame
    heldout_mrr: float
    default_mrr: float
    reference_weights: pd.Series | None = None
    train_partnerships: dict[int, list[str]] = field(default_factory=dict, repr=False)

    def to_profile_dict(self, name: str = "calibrated") -> dict:
        """The weights as a weight profile (``criteria/weights`` form, ``method: direct``)."""
        pts = {k: round(float(v) * 100.0, 3) for k, v in self.weights.items()}
        return {"name": name,
                "description": (f"Weights calibrated by conditional logit on "
                                f"{int(self.cv['cases'].sum())} backtest cases; held-out MRR "
                                f"{self.heldout_mrr:.3f} (default {self.default_mrr:.3f})."),
                "method": "direct", "weights": pts}

    def save_profile(self, path: str | Path, name: str = "calibrated") -> Path:
        """Write :meth:`to_profile_dict` as YAML to ``path``, atomically (loadable by
        ``shortlist(weights=path)``), and return the path."""
        import yaml

        from ..export._atomic import write_text

        return write_text(path, yaml.safe_dump(self.to_profile_dict(name), sort_keys=False))

    def plot(self, ax: Any = None) -> Any:
        """Fitted weights with their bootstrap intervals (see
        :func:`partnerfit.plot.evaluate.plot_calibrated_weights`).

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ..plot.evaluate import plot_calibrated_weights

        return plot_calibrated_weights(self, ax=ax)

    def summary_text(self) -> str:
        """Plain-text summary: weights with intervals and the held-out comparison."""
        n = self.intervals.attrs.get("resamples", 0)
        lines = [f"Calibrated weights (bootstrap {n} resamples by partnership):"]
        for k, r in self.intervals.iterrows():
            span = f"  [{r['low']:.3f}, {r['high']:.3f}]" if "low" in r.index else ""
            lines.append(f"  {k:<16} {r['weight']:.3f}{span}")
        lines.append(f"Held-out MRR ({len(self.cv)}-fold CV by partnership): calibrated "
                     f"{self.heldout_mrr:.3f}, default {self.default_mrr:.3f}")
        return "\n".join(lines)


def calibrate(links: pd.DataFrame | str | Path | None = None, *, folds: int = 5, seed: int = 0,
              l2: float = 1e-4, bootstrap: int = 50, result: BacktestResult | None = None,
              max_cases: int | None = None) -> CalibrationResult:
    """Fit criterion weights to the real partner choices of the backtest.

    Conditional logit over each case's choice set (all eligible candidates; chosen = the real
    partner; utility = values @ beta / 100, beta >= 0), each case weighted as in the backtest
    (each arrangement counting once, in the fit and in the MRRs). Cross-validated by partnership: every
    case of a partnership is held out together and scored with weights fitted on the other
    partnerships only. One set of weights is fitted for every service (the default profile's
    per-service overrides are not reproduced).

    Parameters
    ----------
    links : DataFrame or path, optional
        As for :func:`backtest` (ignored when ``result`` is given).
    folds : int, default 5
        Cross-validation folds (partnerships assigned at random with ``seed``).
    seed : int, default 0
        Seeds the folds and the bootstrap.
    l2 : float, default 1e-4
        Ridge penalty on beta.
    bootstrap : int, default 50
        Resamples of partnerships (with replacement) for the intervals; 0 skips them.
    result : BacktestResult, optional
        Reuse a backtest's choice sets instead of running one.
    max_cases : int, optional
        Passed to :func:`backtest`.

    Returns
    -------
    CalibrationResult
    """
    folds = check_int(folds, "folds", low=2, meaning="cross-validation folds", example="5")
    seed = check_int(seed, "seed", low=0, example="0")
    bt = result if result is not None else backtest(links, seed=seed, max_cases=max_cases)
    if not bt.choice_sets:
        raise PartnerfitError("calibrate: the backtest scored no cases, so there is nothing to "
                              "fit; check the arrangements table has dated arrangements.")
    crit = bt.criteria
    sets, chosen, groups, cw = _choices(bt)
    x, mask = _pad(sets)
    fa = fold_assignments(groups, folds, seed)
    case_fold = fa.reindex(groups).to_numpy()
    cv = _cross_validate(sets, x, mask, chosen, groups, case_fold, folds, l2, cw)
    beta_all = fit_conditional_logit(x, mask, chosen, l2=l2, case_weights=cw)
    w_all = _normalise(beta_all)
    boots = _bootstrap(x, mask, chosen, groups, bootstrap, seed, l2, cw)
    reference = pd.Series(np.mean([s.weights for s in sets], axis=0), index=crit,
                          name="reference")
    d_better, d_tied = _blocks(sets, chosen)
    return CalibrationResult(
        weights=pd.Series(w_all, index=crit, name="weight"),
        beta=pd.Series(beta_all, index=crit, name="beta"),
        intervals=_intervals(w_all, boots, crit, bootstrap),
        cv=pd.DataFrame(cv.rows), folds=fa,
        case_folds=pd.Series(case_fold, name="fold"),
        fold_weights=pd.DataFrame(cv.weights, index=crit).T,
        heldout_mrr=float(np.average(expected_reciprocal_rank(cv.better, cv.tied),
                                     weights=cw)),
        default_mrr=float(np.average(expected_reciprocal_rank(d_better, d_tied),
                                     weights=cw)),
        reference_weights=reference, train_partnerships=cv.train)


@dataclass
class _CrossValidation:
    rows: list[dict]                    # one per fold, the held-out comparison
    weights: dict[int, np.ndarray]      # normalised weights fitted in each fold
    train: dict[int, list[str]]         # partnerships each fold's fit used
    better: np.ndarray                  # held-out (better, tied) of every case
    tied: np.ndarray


def _cross_validate(sets: list[ValueMatrix], x: np.ndarray, mask: np.ndarray,
                    chosen: np.ndarray, groups: np.ndarray, case_fold: np.ndarray, folds: int,
                    l2: float, cw: np.ndarray) -> _CrossValidation:
    """Fit on the other folds' partnerships, score each fold's held-out cases."""
    d_better, d_tied = _blocks(sets, chosen)
    cv = _CrossValidation([], {}, {}, np.empty(len(sets), dtype=int),
                          np.empty(len(sets), dtype=int))
    for f in range(folds):
        test = case_fold == f
        train = ~test
        cv.train[f] = sorted(set(groups[train]))
        w = _normalise(fit_conditional_logit(x[train], mask[train], chosen[train], l2=l2,
                                             case_weights=cw[train]))
        cv.weights[f] = w
        idx = np.nonzero(test)[0]
        cv.better[idx], cv.tied[idx] = _blocks([sets[i] for i in idx], chosen[idx], w)
        cal = expected_metrics(cv.better[idx], cv.tied[idx], ks=(5,), weights=cw[idx])
        dft = expected_metrics(d_better[idx], d_tied[idx], ks=(5,), weights=cw[idx])
        cv.rows.append({"fold": f, "cases": int(test.sum()),
                        "partnerships": len(set(groups[test])),
                        "mrr_calibrated": cal["mrr"], "mrr_default": dft["mrr"],
                        "hit@5_calibrated": cal["hit@5"], "hit@5_default": dft["hit@5"]})
    return cv


def _bootstrap(x: np.ndarray, mask: np.ndarray, chosen: np.ndarray, groups: np.ndarray,
               resamples: int, seed: int, l2: float, weight: np.ndarray) -> list[np.ndarray]:
    """Normalised weights fitted on ``resamples`` resamples of the partnerships."""
    rng = np.random.default_rng(seed)
    uniq = np.array(sorted(set(groups)))
    gidx = pd.Index(uniq).get_indexer(groups)
    boots = []
    for _ in range(resamples):
        counts = np.bincount(rng.integers(0, len(uniq), len(uniq)), minlength=len(uniq))
        cw = counts[gidx].astype(float) * weight
        keep = cw > 0
        boots.append(_normalise(fit_conditional_logit(x[keep], mask[keep], chosen[keep],
                                     case_weights=cw[keep], l2=l2)))
    return boots


def _intervals(w_all: np.ndarray, boots: list[np.ndarray], crit: list[str],
               resamples: int) -> pd.DataFrame:
    """Weights with their 95% bootstrap percentile intervals and standard errors."""
    intervals = pd.DataFrame({"weight": w_all}, index=pd.Index(crit, name="criterion"))
    if boots:
        b = np.array(boots)
        intervals["low"] = np.quantile(b, 0.025, axis=0)
        intervals["high"] = np.quantile(b, 0.975, axis=0)
        intervals["se"] = b.std(axis=0, ddof=1) if len(b) > 1 else np.nan
    intervals.attrs["resamples"] = resamples
    return intervals


def leave_one_family_out(results: Mapping[str, BacktestResult], baseline: str, *,
                         metric: str = "mrr", method: str = "weights") -> pd.DataFrame:
    """Does a modelling change's gain hold in each service family when chosen on the others?

    The service families are the folds: for each family in turn, the variant (one backtest
    per modelling choice, on the same cases) with the best ``metric`` over the *other*
    families' cases is chosen, and its figures on the held-out family are set against the
    ``baseline`` variant's. A gain that holds in every held-out family is not fitted noise; a
    choice that changes from fold to fold, or loses on its held-out family, is.

    Parameters
    ----------
    results : mapping of str to BacktestResult
        Label of each variant -> its backtest (the same cases, e.g. other weights or criteria).
    baseline : str
        The label of the variant the others are measured against (e.g. today's model).
    metric : {"mrr", "hit@1", "hit@3", "hit@5", "hit@10"}, default "mrr"
        The metric the choice maximises (each arrangement counting once, as in the
        backtest; ties go to the baseline, then to the first label).
    method : str, default "weights"
        The method of the backtests compared.

    Returns
    -------
    pandas.DataFrame
        One row per family: ``family``, ``chosen`` (the variant chosen on the other
        families), ``cases``, ``<metric>_chosen``, ``<metric>_baseline``, ``gain`` (chosen
        minus baseline on the held-out family), ``hit@5_chosen``, ``hit@5_baseline``;
        ``attrs["chosen_on_all"]`` the variant chosen on every family together.

    Raises
    ------
    PartnerfitError
        If ``baseline`` is not among the results, the results do not hold the same cases,
        or ``metric`` is not a backtest metric.
    """
    if baseline not in results:
        raise PartnerfitError(f"leave_one_family_out: baseline {baseline!r} is not one of the "
                              "results' labels: " + ", ".join(map(repr, results)) + ".")
    if metric not in ("mrr", "hit@1", "hit@3", "hit@5", "hit@10"):
        raise PartnerfitError(f"leave_one_family_out: metric {metric!r} is not one of mrr, "
                              "hit@1, hit@3, hit@5, hit@10.")
    key = ["arrangement", "focal", "partner"]
    ref = results[baseline].cases[key].reset_index(drop=True)
    for label, r in results.items():
        if not r.cases[key].reset_index(drop=True).equals(ref):
            raise PartnerfitError(f"leave_one_family_out: {label!r} scored other cases than "
                                  f"{baseline!r}; run every variant on the same arrangements, "
                                  "dates and min_year.")
    labels = [baseline] + [k for k in results if k != baseline]
    cases = results[baseline].cases
    families = sorted(set(cases["family"]))

    def score(label: str, rows: np.ndarray) -> dict[str, float]:
        c = results[label].cases[rows]
        b, t = better_and_tied(c, method)
        return expected_metrics(b, t, ks=(1, 3, 5, 10), weights=c["weight"].to_numpy(float))

    def best(rows: np.ndarray) -> str:
        vals = [score(lab, rows)[metric] for lab in labels]
        return labels[int(np.argmax(vals))]      # first maximum: the baseline wins ties

    out = []
    fam = cases["family"].to_numpy()
    for f in families:
        held = fam == f
        chosen = best(~held)
        got, base = score(chosen, held), score(baseline, held)
        out.append({"family": f, "chosen": chosen, "cases": int(held.sum()),
                    f"{metric}_chosen": got[metric], f"{metric}_baseline": base[metric],
                    "gain": got[metric] - base[metric], "hit@5_chosen": got["hit@5"],
                    "hit@5_baseline": base["hit@5"]})
    table = pd.DataFrame(out)
    table.attrs["chosen_on_all"] = best(np.ones(len(cases), dtype=bool))
    return table
