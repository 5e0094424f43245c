"""Does the method agree with reality? Backtests against real arrangements, and learned weights.

:func:`backtest` replays past decisions. For each arrangement (one service) in the table, each
member council in turn is the focal council and each other member the real partner. As at the
date the pair came together (the later of the two members' starts), with the *whole
partnership* removed from the links data -- every arrangement sharing the arrangement's
``partnership`` id, for every service, so the pair's own arrangements cannot vouch for them --
the partner's position among every eligible candidate for the arrangement's service is
recorded, for the weights given and for baselines computed on the same cases:

``nearest``
    nearest first by distance between centres;
``adjacency``
    adjacency only: councils sharing a border (any kind) first, nothing else;
``same_county``
    same county only: councils in the focal council's county first, nothing else;
``adjacent_nearest`` / ``county_nearest``
    the same two rules with ties broken by distance (stronger, "neighbours first" rules);
``random``
    every eligible candidate equally likely.

**Ties are scored as expected values under random tie-breaking**, for every method alike: if
``b`` candidates are strictly better than the real partner and ``t`` (the partner included)
are tied with it, the partner is equally likely to sit anywhere from ``b + 1`` to ``b + t``, so
its expected rank is ``b + (t + 1) / 2``, its hit@k is the share of those places within the top
``k``, and its reciprocal rank the mean of ``1 / r`` over them. The single-criterion baselines
have huge ties (for a unitary, "same county" ties every candidate), so breaking them by GSS
code would reward or punish them by the accident of code order. Scores count as tied when
equal to 12 significant digits (:func:`partnerfit.aggregation.tie_key`, as ranks use); the weights method
almost never ties, and then its rank is the shortlist's rank. The random baseline is the
case with ``b = 0`` and ``t`` = all candidates. The median rank is the median of the cases'
expected ranks.

:func:`calibrate` fits criterion weights to those observed choices with a conditional logit
(McFadden) over each choice set, cross-validated by partnership, with bootstrap intervals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .aggregation import tie_key
from .criteria import Context, build_context, link_arrays, load_criteria
from .errors import PartnerfitError
from .links import load_links
from .register import load_councils
from .scoring import WeightsLike, _score_one
from .services import services

if TYPE_CHECKING:
    from .report import Report

__all__ = ["METHODS", "BacktestResult", "CalibrationResult", "ChoiceSet", "backtest",
           "calibrate", "expected_metrics", "fit_conditional_logit", "fold_assignments",
           "random_expectation"]

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
BASELINES = METHOD_ORDER[1:-1]


# --------------------------------------------------------------------------- results

@dataclass
class ChoiceSet:
    """One observed decision: every eligible candidate's 0-100 values and the one chosen."""

    case: int
    partnership: str
    service: str
    codes: np.ndarray          # candidate GSS codes (value-matrix row order)
    values: np.ndarray         # (candidates, criteria) 0-100
    chosen: int                # row of the real partner
    weights: np.ndarray        # the weights the backtest scored with (sum 1)


@dataclass
class BacktestResult:
    """Outcome of :func:`backtest`.

    Attributes
    ----------
    cases : DataFrame
        One row per scored case: arrangement, partnership, service, family, focal, focal_tier,
        partner, as_of, n_candidates and, for each method ``m`` of :data:`METHODS`, the
        partner's expected rank ``rank_m`` and the size ``tied_m`` of the block of candidates
        tied with it (the partner included; 1 = no tie). Baseline columns are NaN when the
        backtest ran with ``baselines=False``.
    skipped : DataFrame
        Cases not scored, with the reason (partner screened out, focal not in force, start
        unknown, pair formed before ``min_year``, ...).
    summary : DataFrame
        Methods x metrics (cases, hit@1, hit@3, hit@5, hit@10, mrr, median_rank).
    by_family, by_tier : DataFrame
        The same metrics by service family / focal council tier (index: group, method).
    criteria : list of str
        Column order of the choice sets' value matrices.
    choice_sets : list of ChoiceSet
        The scored cases' choice sets (used by :func:`calibrate`).
    sampled : str
        Empty, or a note that cases were subsampled.
    """

    cases: pd.DataFrame
    skipped: pd.DataFrame
    summary: pd.DataFrame
    by_family: pd.DataFrame
    by_tier: pd.DataFrame
    criteria: list[str]
    choice_sets: list[ChoiceSet] = field(repr=False, default_factory=list)
    sampled: str = ""

    @property
    def methods(self) -> list[str]:
        """The methods scored (those of :data:`METHODS` present in :attr:`summary`)."""
        return [m for m in METHOD_ORDER if m in self.summary.index]

    def to_frame(self) -> pd.DataFrame:
        """The per-case table (a copy)."""
        return self.cases.copy()

    def to_report(self, *, figure: bool = True) -> Report:
        """The backtest as an exportable :class:`partnerfit.report.Report`.

        Parameters
        ----------
        figure : bool, default True
            Include the hit@k curves (needs matplotlib).

        Returns
        -------
        partnerfit.report.Report
            Overall metrics per method, metrics by family and by tier, every scored and
            every skipped case.
        """
        from .export.builders.backtest import backtest_report

        return backtest_report(self, figure=figure)

    def skip_counts(self) -> pd.Series:
        """How many cases were skipped, by reason."""
        return self.skipped["reason"].value_counts() if len(self.skipped) else pd.Series(
            dtype=int)

    def hit_curve(self, ks: Iterable[int] = range(1, 21)) -> pd.DataFrame:
        """Expected hit@k for each method (rows) and each ``k`` (columns).

        Parameters
        ----------
        ks : iterable of int, default 1..20

        Returns
        -------
        pandas.DataFrame
            Index: method; columns: k; values: share of cases with the real partner in the
            top k (expected value under random tie-breaking).
        """
        ks = [int(k) for k in ks]
        if not ks or min(ks) < 1:
            raise PartnerfitError("hit_curve: give one or more k of at least 1, e.g. "
                                  "range(1, 21).")
        rows = {}
        for m in self.methods:
            b, t = _block(self.cases, m)
            rows[m] = [float(np.mean(_hit(b, t, k))) if len(b) else np.nan for k in ks]
        out = pd.DataFrame(rows, index=pd.Index(ks, name="k")).T
        out.index.name = "method"
        return out

    def plot(self, ks: Iterable[int] = range(1, 21), ax=None):
        """Hit@k curves for the method and each baseline (see
        :func:`partnerfit.plot.evaluate.plot_hit_curves`).

        Returns
        -------
        matplotlib.figure.Figure
        """
        from .plot.evaluate import plot_hit_curves

        return plot_hit_curves(self, ks=ks, ax=ax)

    def summary_text(self) -> str:
        """A plain-text report: overall metrics per method, then skips."""
        lines = [(f"Backtest: {len(self.cases)} cases scored, {len(self.skipped)} skipped "
                  "(ties scored as expected values under random tie-breaking).")]
        if self.sampled:
            lines.append(self.sampled)
        s = self.summary
        lines.append(f"{'method':<17} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'hit@10':>6} "
                     f"{'MRR':>6} {'median':>7}")
        for m, r in s.iterrows():
            lines.append(f"{m:<17} {r['hit@1']:>6.1%} {r['hit@3']:>6.1%} {r['hit@5']:>6.1%} "
                         f"{r['hit@10']:>6.1%} {r['mrr']:>6.3f} {r['median_rank']:>7.1f}")
        for reason, n in self.skip_counts().items():
            lines.append(f"skipped {n}: {reason}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- metrics

def _harmonic(n: int) -> np.ndarray:
    """H_0..H_n (H_0 = 0)."""
    return np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, n + 1))])


def _hit(better: np.ndarray, tied: np.ndarray, k: int) -> np.ndarray:
    """Chance the partner is in the top ``k`` when it is equally likely at b+1..b+t."""
    return np.clip((k - better) / tied, 0.0, 1.0)


def _rr(better: np.ndarray, tied: np.ndarray) -> np.ndarray:
    """Expected 1/rank when the rank is uniform on b+1..b+t: (H_{b+t} - H_b) / t."""
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
        out[f"hit@{k}"] = float(np.mean(_hit(b, t, k))) if len(b) else np.nan
    out["mrr"] = float(np.mean(_rr(b, t))) if len(b) else np.nan
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


def _block(cases: pd.DataFrame, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(better, tied) arrays of one method from the cases table."""
    t = cases[f"tied_{method}"].to_numpy(float)
    r = cases[f"rank_{method}"].to_numpy(float)
    b = np.rint(r - (t + 1) / 2.0)
    return b.astype(int), t.astype(int)


def _summarise(cases: pd.DataFrame, methods: Sequence[str]) -> pd.DataFrame:
    rows = {m: expected_metrics(*_block(cases, m)) for m in methods}
    out = pd.DataFrame(rows).T
    out["cases"] = out["cases"].astype(int)
    out.index.name = "method"
    return out


def _grouped(cases: pd.DataFrame, by: str, methods: Sequence[str]) -> pd.DataFrame:
    frames = []
    for key, g in cases.groupby(by, sort=True):
        s = _summarise(g, methods)
        s.insert(0, by, key)
        frames.append(s.reset_index())
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True).set_index([by, "method"])


def _position(keys: Sequence[np.ndarray], target: int) -> tuple[int, int]:
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


# --------------------------------------------------------------------------- contexts

def _without(ctx: Context, partnership: str) -> Context:
    """``ctx`` with every arrangement of ``partnership`` removed from the links data."""
    table = ctx.links
    if len(table) == 0 or "pos" not in table.columns:
        return ctx
    kept = table[table["partnership"] != partnership]
    ls, pa, ps = link_arrays(kept, len(ctx.codes), ctx.as_of)
    return dataclasses.replace(ctx, links=kept, link_services=ls, partners=pa, partnerships=ps,
                               notes=list(ctx.notes))


# --------------------------------------------------------------------------- backtest

def _pairs(table: pd.DataFrame, arrangements: Iterable[str] | None, min_year: int
           ) -> tuple[list[dict], list[dict]]:
    """Candidate cases (focal, partner, date) and cases skipped before scoring.

    Every ordered pair of distinct members of an arrangement is a case, dated at the later of
    the two members' starts; pairs with a start unknown, or dated before ``min_year``, are
    skipped with the reason.
    """
    cases, skipped = [], []
    cutoff = pd.Timestamp(f"{min_year}-01-01")
    wanted = None if arrangements is None else set(arrangements)
    if wanted is not None:
        unknown = sorted(wanted - set(table["arrangement"]))
        if unknown:
            raise PartnerfitError("backtest: unknown arrangement(s) " + ", ".join(unknown)
                                  + "; see load_links()['arrangement'] for the ids.")
    for arr, g in table.groupby("arrangement", sort=True):
        if wanted is not None and arr not in wanted:
            continue
        g = g.drop_duplicates("council").sort_values("council")
        part = g["partnership"].iloc[0] or arr
        svc = g["service"].iloc[0]
        members = list(zip(g["council"], g["start"]))
        for a, a_start in members:
            for b, b_start in members:
                if a == b:
                    continue
                base = {"arrangement": arr, "partnership": part, "service": svc,
                        "focal": a, "partner": b}
                if pd.isna(a_start) or pd.isna(b_start):
                    skipped.append({**base, "as_of": pd.NaT,
                                    "reason": "a member's start date is not known"})
                    continue
                date = max(a_start, b_start)
                if date < cutoff:
                    skipped.append({**base, "as_of": date,
                                    "reason": f"the pair came together before {min_year} "
                                              "(min_year)"})
                    continue
                cases.append({**base, "as_of": date})
    return cases, skipped


def backtest(links: pd.DataFrame | str | Path | None = None, *, weights: WeightsLike = None,
             arrangements: Iterable[str] | None = None, min_year: int = 2009,
             baselines: bool = True, seed: int = 0, max_cases: int | None = None
             ) -> BacktestResult:
    """Rank each real partner as at the date it was chosen, with its partnership removed.

    Cases are ordered pairs (focal, partner) of members of one arrangement, dated at the later
    of the two members' starts. The whole partnership (every arrangement with the same
    ``partnership`` id, all services) is removed from the links before scoring, so a
    multi-service partnership cannot vouch for itself through its other services. Each
    arrangement of a partnership is its own set of cases (a partnership sharing five
    services counts five times); :func:`calibrate` keeps them in one fold. Ties are scored as
    expected values under random tie-breaking (see the module docstring).

    Parameters
    ----------
    links : DataFrame or path, optional
        Arrangements in the form of :func:`partnerfit.load_links` (default the bundled
        register). Also the relationship data the shortlists are scored with.
    weights : weights-like, optional
        As for :func:`partnerfit.shortlist` (default the bundled profile).
    arrangements : iterable of str, optional
        Only these arrangement ids (default every one).
    min_year : int, default 2009
        Pairs that came together before 1 January of this year are skipped (the register's
        councils are known from April 2009).
    baselines : bool, default True
        Also rank by the baselines of :data:`METHODS`. When False their columns are NaN and
        the summaries hold the method and the random expectation only.
    seed : int, default 0
        Seed of the subsample when ``max_cases`` cuts the cases.
    max_cases : int, optional
        Score at most this many (focal, partner) cases, chosen at random with ``seed``; the
        result's ``sampled`` says so.

    Returns
    -------
    BacktestResult

    Examples
    --------
    >>> import partnerfit as pf
    >>> bt = pf.evaluate.backtest(arrangements=["3c-shared-services-ict"])
    >>> bt.summary.loc["weights", "cases"]
    6
    """
    table = load_links(None, links=links)
    pending, skipped = _pairs(table, arrangements, min_year)
    sampled = ""
    if max_cases is not None and len(pending) > max_cases:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(pending), size=max_cases, replace=False))
        sampled = (f"Subsampled {max_cases} of {len(pending)} cases at random "
                   f"(seed {seed}).")
        pending = [pending[i] for i in keep]
    crit = load_criteria()
    crit_ids = list(crit)
    dist_id = next((c for c, k in crit.items() if k.measure == "distance"), None)
    adj_id = next((c for c, k in crit.items() if k.measure == "adjacency"), None)
    area_id = next((c for c, k in crit.items() if k.measure == "same_area"), None)
    everyone = load_councils()
    cat = services()
    contexts: dict[pd.Timestamp, Context] = {}
    removed: dict[tuple[pd.Timestamp, str], Context] = {}
    shortlists: dict[tuple, object] = {}
    rows, sets = [], []
    for c in pending:
        date = c["as_of"]
        if date not in contexts:
            contexts[date] = (build_context(date) if links is None
                              else build_context(date, links=table))
        full = contexts[date]
        if c["focal"] not in full.codes:
            skipped.append({**c, "reason": "focal council not in force on the date"})
            continue
        key = (c["focal"], c["service"], date, c["partnership"])
        if key not in shortlists:
            rkey = (date, c["partnership"])
            if rkey not in removed:
                removed[rkey] = _without(full, c["partnership"])
            shortlists[key] = _score_one(removed[rkey], c["focal"], c["service"], weights,
                                         crit, "additive", (), None, everyone)
        sl = shortlists[key]
        codes = sl.scores.index.to_numpy()
        hit = np.nonzero(codes == c["partner"])[0]
        if not len(hit):
            why = sl.screened.set_index("code")["reason"]
            reason = why.get(c["partner"], "partner not in force on the date")
            skipped.append({**c, "reason": f"partner screened out: {reason}"})
            continue
        target = int(hit[0])
        n = len(codes)
        row = {**c, "family": cat.at[c["service"], "family"],
               "focal_tier": full.councils.at[c["focal"], "tier"], "n_candidates": n}
        blocks = {"weights": _position([tie_key(sl.scores.to_numpy(float))], target)}
        if baselines:
            if dist_id is None or adj_id is None or area_id is None:
                raise PartnerfitError("backtest: the baselines need criteria measuring "
                                      "distance, adjacency and same_area; pass "
                                      "baselines=False with custom criteria.")
            raw = sl.raw.reindex(codes)
            near = -raw[dist_id].to_numpy(float)
            adj = raw[adj_id].to_numpy()
            adjacent = np.array([a is not None and a != "none" for a in adj])
            county = raw[area_id].to_numpy() == "same_county"
            blocks["nearest"] = _position([near], target)
            blocks["adjacency"] = _position([adjacent], target)
            blocks["same_county"] = _position([county], target)
            blocks["adjacent_nearest"] = _position([adjacent, near], target)
            blocks["county_nearest"] = _position([county, near], target)
        blocks["random"] = (0, n)
        for m in METHOD_ORDER:
            if m in blocks:
                b, t = blocks[m]
                row[f"rank_{m}"] = b + (t + 1) / 2.0
                row[f"tied_{m}"] = t
            else:
                row[f"rank_{m}"] = row[f"tied_{m}"] = np.nan
        rows.append(row)
        vm = sl.value_matrix.reindex(codes)[crit_ids].to_numpy(float)
        sets.append(ChoiceSet(case=len(rows) - 1, partnership=c["partnership"],
                              service=c["service"], codes=codes, values=vm, chosen=target,
                              weights=sl.weights.reindex(crit_ids).to_numpy(float)))
    cols = (["arrangement", "partnership", "service", "family", "focal", "focal_tier",
             "partner", "as_of", "n_candidates"]
            + [f"{p}_{m}" for m in METHOD_ORDER for p in ("rank", "tied")])
    cases = pd.DataFrame(rows, columns=cols)
    skip = pd.DataFrame(skipped, columns=["arrangement", "partnership", "service", "focal",
                                          "partner", "as_of", "reason"])
    methods = list(METHOD_ORDER) if baselines else ["weights", "random"]
    return BacktestResult(cases=cases, skipped=skip, summary=_summarise(cases, methods),
                          by_family=_grouped(cases, "family", methods),
                          by_tier=_grouped(cases, "focal_tier", methods), criteria=crit_ids,
                          choice_sets=sets, sampled=sampled)


# --------------------------------------------------------------------------- calibration

def _pad(sets: list[ChoiceSet]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack choice sets into (N, C, K) values, (N, C) mask and (N,) chosen rows."""
    n, c = len(sets), max(len(s.codes) for s in sets)
    k = sets[0].values.shape[1]
    x = np.zeros((n, c, k))
    mask = np.zeros((n, c), dtype=bool)
    for i, s in enumerate(sets):
        x[i, :len(s.codes)] = s.values
        mask[i, :len(s.codes)] = True
    return x, mask, np.array([s.chosen for s in sets])


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


def _blocks(sets: Sequence[ChoiceSet], w: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """(better, tied) of each set's chosen row under additive scores values @ w (each set's
    own backtest weights when ``w`` is None), ties as in :func:`backtest`."""
    better = np.empty(len(sets), dtype=int)
    tied = np.empty(len(sets), dtype=int)
    for i, s in enumerate(sets):
        score = s.values @ (s.weights if w is None else w)
        better[i], tied[i] = _position([tie_key(score)], s.chosen)
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

        from .export._atomic import write_text

        return write_text(path, yaml.safe_dump(self.to_profile_dict(name), sort_keys=False))

    def plot(self, ax=None):
        """Fitted weights with their bootstrap intervals (see
        :func:`partnerfit.plot.evaluate.plot_calibrated_weights`).

        Returns
        -------
        matplotlib.figure.Figure
        """
        from .plot.evaluate import plot_calibrated_weights

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
    partner; utility = values @ beta / 100, beta >= 0). Cross-validated by partnership: every
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
    bt = result if result is not None else backtest(links, seed=seed, max_cases=max_cases)
    sets = bt.choice_sets
    if not sets:
        raise PartnerfitError("calibrate: the backtest scored no cases, so there is nothing to "
                              "fit; check the arrangements table has dated arrangements.")
    crit = bt.criteria
    x, mask, chosen = _pad(sets)
    groups = np.array([s.partnership for s in sets])
    fa = fold_assignments(groups, folds, seed)
    case_fold = fa.reindex(groups).to_numpy()
    d_better, d_tied = _blocks(sets)
    cv_rows, fold_w, train_parts = [], {}, {}
    held_b = np.empty(len(sets), dtype=int)
    held_t = np.empty(len(sets), dtype=int)
    for f in range(folds):
        test = case_fold == f
        train = ~test
        train_parts[f] = sorted(set(groups[train]))
        w = _normalise(fit_conditional_logit(x[train], mask[train], chosen[train], l2=l2))
        fold_w[f] = w
        idx = np.nonzero(test)[0]
        held_b[idx], held_t[idx] = _blocks([sets[i] for i in idx], w)
        cal = expected_metrics(held_b[idx], held_t[idx], ks=(5,))
        dft = expected_metrics(d_better[idx], d_tied[idx], ks=(5,))
        cv_rows.append({"fold": f, "cases": int(test.sum()),
                        "partnerships": len(set(groups[test])),
                        "mrr_calibrated": cal["mrr"], "mrr_default": dft["mrr"],
                        "hit@5_calibrated": cal["hit@5"], "hit@5_default": dft["hit@5"]})
    beta_all = fit_conditional_logit(x, mask, chosen, l2=l2)
    w_all = _normalise(beta_all)
    rng = np.random.default_rng(seed)
    uniq = np.array(sorted(set(groups)))
    gidx = pd.Index(uniq).get_indexer(groups)
    boots = []
    for _ in range(bootstrap):
        counts = np.bincount(rng.integers(0, len(uniq), len(uniq)), minlength=len(uniq))
        cw = counts[gidx].astype(float)
        keep = cw > 0
        boots.append(_normalise(fit_conditional_logit(x[keep], mask[keep], chosen[keep],
                                                      case_weights=cw[keep], l2=l2)))
    intervals = pd.DataFrame({"weight": w_all}, index=pd.Index(crit, name="criterion"))
    if boots:
        b = np.array(boots)
        intervals["low"] = np.quantile(b, 0.025, axis=0)
        intervals["high"] = np.quantile(b, 0.975, axis=0)
        intervals["se"] = b.std(axis=0, ddof=1) if len(b) > 1 else np.nan
    intervals.attrs["resamples"] = bootstrap
    reference = pd.Series(np.mean([s.weights for s in sets], axis=0), index=crit,
                          name="reference")
    return CalibrationResult(
        weights=pd.Series(w_all, index=crit, name="weight"),
        beta=pd.Series(beta_all, index=crit, name="beta"), intervals=intervals,
        cv=pd.DataFrame(cv_rows), folds=fa,
        case_folds=pd.Series(case_fold, name="fold"),
        fold_weights=pd.DataFrame(fold_w, index=crit).T,
        heldout_mrr=float(np.mean(_rr(held_b, held_t))),
        default_mrr=float(np.mean(_rr(d_better, d_tied))), reference_weights=reference,
        train_partnerships=train_parts)
