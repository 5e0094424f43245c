"""Does the method agree with reality? Backtests against real arrangements, and learned weights.

:func:`backtest` replays past decisions: for each arrangement that began on or after
``min_year``, each member council in turn is the focal council and each other member the real
partner. As at the date the pair came together (the later of the two members' starts), with the
*whole partnership* removed from the links data (so the pair's own arrangement cannot vouch for
itself), the partner's rank among every eligible candidate for the arrangement's service is
recorded, for the weights given and for four baselines computed on the same cases.

:func:`calibrate` fits criterion weights to those observed choices with a conditional logit
(McFadden) over each choice set, cross-validated by partnership, with bootstrap intervals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .criteria import RECENT_YEARS, Context, build_context, load_criteria
from .errors import PartnerfitError
from .links import load_links
from .register import load_councils
from .scoring import WeightsLike, _score_one
from .services import services

__all__ = ["BacktestResult", "CalibrationResult", "ChoiceSet", "backtest", "calibrate",
           "fit_conditional_logit", "fold_assignments", "random_expectation"]

KS = (1, 3, 5, 10)
METHOD_ORDER = ("weights", "nearest", "adjacency", "same_county", "random")


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
        partner, as_of, n_candidates and the partner's rank under each method
        (``rank_weights``, ``rank_nearest``, ``rank_adjacency``, ``rank_same_county``) plus the
        random baseline's expected reciprocal rank ``rr_random``.
    skipped : DataFrame
        Cases not scored, with the reason (partner screened out, focal not in force, ...).
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

    def to_frame(self) -> pd.DataFrame:
        """The per-case table (a copy)."""
        return self.cases.copy()

    def skip_counts(self) -> pd.Series:
        """How many cases were skipped, by reason."""
        return self.skipped["reason"].value_counts() if len(self.skipped) else pd.Series(
            dtype=int)

    def summary_text(self) -> str:
        """A plain-text report: overall metrics per method, then skips."""
        lines = [f"Backtest: {len(self.cases)} cases scored, {len(self.skipped)} skipped."]
        if self.sampled:
            lines.append(self.sampled)
        s = self.summary
        lines.append(f"{'method':<12} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'hit@10':>6} "
                     f"{'MRR':>6} {'median':>7}")
        for m, r in s.iterrows():
            lines.append(f"{m:<12} {r['hit@1']:>6.1%} {r['hit@3']:>6.1%} {r['hit@5']:>6.1%} "
                         f"{r['hit@10']:>6.1%} {r['mrr']:>6.3f} {r['median_rank']:>7.1f}")
        for reason, n in self.skip_counts().items():
            lines.append(f"skipped {n}: {reason}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- metrics

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


def _metrics(ranks: np.ndarray) -> dict[str, float]:
    ranks = np.asarray(ranks, dtype=float)
    out: dict[str, float] = {"cases": float(len(ranks))}
    for k in KS:
        out[f"hit@{k}"] = float(np.mean(ranks <= k)) if len(ranks) else np.nan
    out["mrr"] = float(np.mean(1.0 / ranks)) if len(ranks) else np.nan
    out["median_rank"] = float(np.median(ranks)) if len(ranks) else np.nan
    return out


def _random_metrics(n: np.ndarray) -> dict[str, float]:
    exp = [random_expectation(int(x)) for x in n]
    out: dict[str, float] = {"cases": float(len(n))}
    for k in KS:
        out[f"hit@{k}"] = float(np.mean([e[f"hit@{k}"] for e in exp])) if exp else np.nan
    out["mrr"] = float(np.mean([e["rr"] for e in exp])) if exp else np.nan
    out["median_rank"] = float(np.median([e["rank"] for e in exp])) if exp else np.nan
    return out


def _summarise(cases: pd.DataFrame) -> pd.DataFrame:
    rows = {m: _metrics(cases[f"rank_{m}"].to_numpy()) for m in METHOD_ORDER[:-1]}
    rows["random"] = _random_metrics(cases["n_candidates"].to_numpy())
    out = pd.DataFrame(rows).T
    out["cases"] = out["cases"].astype(int)
    out.index.name = "method"
    return out


def _grouped(cases: pd.DataFrame, by: str) -> pd.DataFrame:
    frames = []
    for key, g in cases.groupby(by, sort=True):
        s = _summarise(g)
        s.insert(0, by, key)
        frames.append(s.reset_index())
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True).set_index([by, "method"])


def _rank_of(order_keys: list[np.ndarray], codes: np.ndarray, target: int) -> int:
    """Rank (1 = first) of row ``target`` when sorted by the keys (ascending), then code."""
    idx = np.lexsort([codes, *reversed(order_keys)])
    return int(np.nonzero(idx == target)[0][0]) + 1


# --------------------------------------------------------------------------- contexts

def _link_arrays(table: pd.DataFrame, n: int, date: pd.Timestamp
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relationship matrices of a context from its (already positioned) links table.

    Mirrors :func:`partnerfit.criteria.build_context`; the test suite checks that a context
    rebuilt this way scores exactly as ``shortlist(links=...)`` does.
    """
    link_services = np.zeros((n, n))
    partners = np.zeros((n, n), dtype=bool)
    partnerships = np.zeros(n)
    if len(table):
        begun = table["running_from"] <= date
        running = begun & (table["end"].isna() | (table["end"] >= date))
        recent = begun & table["end"].notna() & (table["end"] < date) & (
            table["end"] >= date - pd.DateOffset(years=RECENT_YEARS))
        for weight, mask in ((1.0, running), (0.5, recent)):
            sub = table[mask]
            best: dict[tuple[int, int, str], float] = {}
            for (_arr, svc), g in sub.groupby(["arrangement", "service"]):
                p = np.unique(g["pos"].to_numpy())
                for i in p:
                    for j in p:
                        if i != j:
                            key = (int(i), int(j), svc)
                            best[key] = max(best.get(key, 0.0), weight)
            for (i, j, _svc), w in best.items():
                link_services[i, j] += w
            if weight == 1.0:
                for _part, g in sub.groupby("partnership"):
                    p = np.unique(g["pos"].to_numpy())
                    partnerships[p] += 1
                    partners[np.ix_(p, p)] = True
        np.fill_diagonal(partners, False)
    return link_services, partners, partnerships


def _without(ctx: Context, partnership: str) -> Context:
    """``ctx`` with every arrangement of ``partnership`` removed from the links data."""
    table = ctx.links
    if len(table) == 0 or "pos" not in table.columns:
        return ctx
    kept = table[table["partnership"] != partnership]
    ls, pa, ps = _link_arrays(kept, len(ctx.codes), ctx.as_of)
    return dataclasses.replace(ctx, links=kept, link_services=ls, partners=pa, partnerships=ps,
                               notes=list(ctx.notes))


# --------------------------------------------------------------------------- backtest

def _pairs(table: pd.DataFrame, arrangements: Iterable[str] | None, min_year: int
           ) -> tuple[list[dict], list[dict]]:
    """Candidate cases (focal, partner, date) and cases skipped before scoring."""
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
        if len(g) < 2:
            continue
        starts = g["start"]
        if starts.isna().all() or starts.min() < cutoff:
            continue
        part = g["partnership"].iloc[0] or arr
        svc = g["service"].iloc[0]
        for a in g.itertuples():
            for b in g.itertuples():
                if a.council == b.council:
                    continue
                base = {"arrangement": arr, "partnership": part, "service": svc,
                        "focal": a.council, "partner": b.council}
                if pd.isna(a.start) or pd.isna(b.start):
                    skipped.append({**base, "as_of": pd.NaT,
                                    "reason": "a member's start date is not known"})
                    continue
                cases.append({**base, "as_of": max(a.start, b.start)})
    return cases, skipped


def backtest(links: pd.DataFrame | str | Path | None = None, *, weights: WeightsLike = None,
             arrangements: Iterable[str] | None = None, min_year: int = 2009,
             baselines: bool = True, seed: int = 0, max_cases: int | None = None
             ) -> BacktestResult:
    """Rank each real partner as at the date it was chosen, with its partnership removed.

    Parameters
    ----------
    links : DataFrame or path, optional
        Arrangements in the form of :func:`partnerfit.load_links` (default the bundled
        register). Also the relationship data the shortlists are scored with.
    weights : weights-like, optional
        As for :func:`partnerfit.shortlist` (default the bundled profile).
    arrangements : iterable of str, optional
        Only these arrangement ids (default every one with a known start on or after
        ``min_year`` and at least two members).
    min_year : int, default 2009
        Earliest start year (the register's councils are known from April 2009).
    baselines : bool, default True
        Also rank by nearest distance, adjacency then distance, same county then distance, and
        the random expectation. When False the baseline columns are NaN.
    seed : int, default 0
        Seed of the subsample when ``max_cases`` cuts the cases.
    max_cases : int, optional
        Score at most this many (focal, partner) cases, chosen at random with ``seed``; the
        result's ``sampled`` says so.

    Returns
    -------
    BacktestResult
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
            sl = _score_one(removed[rkey], c["focal"], c["service"], weights, crit,
                            "additive", (), None, everyone)
            shortlists[key] = (sl, sl.full_table())
        sl, ft = shortlists[key]
        if c["partner"] not in set(ft["code"]):
            why = sl.screened.set_index("code")["reason"]
            reason = why.get(c["partner"], "partner not in force on the date")
            skipped.append({**c, "reason": f"partner screened out: {reason}"})
            continue
        codes = ft["code"].to_numpy()
        target = int(np.nonzero(codes == c["partner"])[0][0])
        row = {**c, "family": cat.at[c["service"], "family"],
               "focal_tier": full.councils.at[c["focal"], "tier"],
               "n_candidates": len(ft), "rank_weights": int(ft["rank"].iloc[target])}
        if baselines:
            dist = ft["distance_km"].to_numpy(float)
            adj = sl.raw["adjacency"].reindex(codes).to_numpy()
            adjacent = np.array([a is not None and a != "none" for a in adj])
            area = sl.raw["same_area"].reindex(codes).to_numpy()
            county = np.array([a == "same_county" for a in area])
            row["rank_nearest"] = _rank_of([dist], codes, target)
            row["rank_adjacency"] = _rank_of([~adjacent, dist], codes, target)
            row["rank_same_county"] = _rank_of([~county, dist], codes, target)
        else:
            row["rank_nearest"] = row["rank_adjacency"] = row["rank_same_county"] = np.nan
        row["rr_random"] = random_expectation(len(ft))["rr"]
        rows.append(row)
        vm = sl.value_matrix.reindex(codes)[crit_ids].to_numpy(float)
        sets.append(ChoiceSet(case=len(rows) - 1, partnership=c["partnership"],
                              service=c["service"], codes=codes, values=vm, chosen=target,
                              weights=sl.weights.reindex(crit_ids).to_numpy(float)))
    cols = ["arrangement", "partnership", "service", "family", "focal", "focal_tier", "partner",
            "as_of", "n_candidates", "rank_weights", "rank_nearest", "rank_adjacency",
            "rank_same_county", "rr_random"]
    cases = pd.DataFrame(rows, columns=cols)
    skip = pd.DataFrame(skipped, columns=["arrangement", "partnership", "service", "focal",
                                          "partner", "as_of", "reason"])
    summary = _summarise(cases)
    if not baselines:
        summary = summary.loc[["weights"]]
    return BacktestResult(cases=cases, skipped=skip, summary=summary,
                          by_family=_grouped(cases, "family"),
                          by_tier=_grouped(cases, "focal_tier"), criteria=crit_ids,
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


def _ranks(values: np.ndarray, mask: np.ndarray, chosen: np.ndarray, codes: list[np.ndarray],
           w: np.ndarray) -> np.ndarray:
    """Rank of the chosen row under additive scores values @ w (ties by code, as shortlist)."""
    out = np.empty(len(chosen), dtype=int)
    for i in range(len(chosen)):
        c = int(mask[i].sum())
        s = values[i, :c] @ w
        sc = s[chosen[i]]
        tol = 1e-12 * max(1.0, np.abs(s).max())
        tied = np.abs(s - sc) <= tol
        better = (s > sc) & ~tied
        out[i] = 1 + int(better.sum()) + int((tied & (codes[i] < codes[i][chosen[i]])).sum())
    return out


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
        Bootstrap (by partnership) percentile intervals of the normalised weights:
        columns weight, low, high, se.
    cv : DataFrame
        One row per fold: cases, partnerships, held-out MRR with calibrated and with the
        backtest's weights, hit@5 both ways.
    folds : Series
        Fold of each partnership.
    case_folds : Series
        Fold of each case (by case number of the backtest's choice sets).
    fold_weights : DataFrame
        Normalised weights fitted in each fold (on the other folds' partnerships only).
    heldout_mrr, default_mrr : float
        MRR over all held-out cases with calibrated and with the backtest's weights.
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
        """Write :meth:`to_profile_dict` as YAML to ``path`` (loadable by
        ``shortlist(weights=path)``) and return the path."""
        import yaml

        path = Path(path)
        path.write_text(yaml.safe_dump(self.to_profile_dict(name), sort_keys=False),
                        encoding="utf-8")
        return path

    def summary_text(self) -> str:
        """Plain-text summary: weights with intervals and the held-out comparison."""
        n = self.intervals.attrs.get("resamples", 0)
        lines = [f"Calibrated weights (bootstrap {n} resamples by partnership):"]
        for k, r in self.intervals.iterrows():
            span = f"  [{r['low']:.3f}, {r['high']:.3f}]" if "low" in r.index else ""
            lines.append(f"  {k:<16} {r['weight']:.3f}{span}")
        lines.append(f"Held-out MRR: calibrated {self.heldout_mrr:.3f}, "
                     f"default {self.default_mrr:.3f}")
        return "\n".join(lines)


def calibrate(links: pd.DataFrame | str | Path | None = None, *, folds: int = 5, seed: int = 0,
              l2: float = 1e-4, bootstrap: int = 50, result: BacktestResult | None = None,
              max_cases: int | None = None) -> CalibrationResult:
    """Fit criterion weights to the real partner choices of the backtest.

    Conditional logit over each case's choice set (all eligible candidates; chosen = the real
    partner; utility = values @ beta / 100, beta >= 0). Cross-validated by partnership: every
    case of a partnership is held out together and scored with weights fitted on the other
    partnerships only.

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
    codes = [s.codes for s in sets]
    groups = np.array([s.partnership for s in sets])
    fa = fold_assignments(groups, folds, seed)
    case_fold = fa.reindex(groups).to_numpy()
    default_ranks = _default_ranks(sets)
    cv_rows, fold_w, train_parts = [], {}, {}
    held_cal = np.empty(len(sets), dtype=int)
    for f in range(folds):
        test = case_fold == f
        train = ~test
        train_parts[f] = sorted(set(groups[train]))
        beta = fit_conditional_logit(x[train], mask[train], chosen[train], l2=l2)
        w = _normalise(beta)
        fold_w[f] = w
        r = _ranks(x[test], mask[test], chosen[test], [codes[i] for i in np.nonzero(test)[0]],
                   w)
        held_cal[test] = r
        d = default_ranks[test]
        cv_rows.append({"fold": f, "cases": int(test.sum()),
                        "partnerships": len(set(groups[test])),
                        "mrr_calibrated": float(np.mean(1 / r)),
                        "mrr_default": float(np.mean(1 / d)),
                        "hit@5_calibrated": float(np.mean(r <= 5)),
                        "hit@5_default": float(np.mean(d <= 5))})
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
    return CalibrationResult(
        weights=pd.Series(w_all, index=crit, name="weight"),
        beta=pd.Series(beta_all, index=crit, name="beta"), intervals=intervals,
        cv=pd.DataFrame(cv_rows), folds=fa,
        case_folds=pd.Series(case_fold, name="fold"),
        fold_weights=pd.DataFrame(fold_w, index=crit).T,
        heldout_mrr=float(np.mean(1 / held_cal)),
        default_mrr=float(np.mean(1 / default_ranks)), train_partnerships=train_parts)


def _default_ranks(sets: list[ChoiceSet]) -> np.ndarray:
    out = np.empty(len(sets), dtype=int)
    for i, s in enumerate(sets):
        m = np.ones((1, len(s.codes)), dtype=bool)
        out[i] = _ranks(s.values[None], m, np.array([s.chosen]), [s.codes], s.weights)[0]
    return out
