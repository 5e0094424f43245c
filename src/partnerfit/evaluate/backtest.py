"""Backtest: rank each real partner as at the date it was chosen, with its partnership removed.

See :mod:`partnerfit.evaluate` for the method and the baselines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._checks import check_int, check_names
from .._yaml import did_you_mean
from ..aggregation import tie_key
from ..criteria import Context, Criterion, build_context, link_arrays, load_criteria
from ..errors import PartnerfitError
from ..layers import prepare_layers
from ..links import KINDS, NOT_STATED, load_links
from ..matrix import ValueMatrix
from ..register import load_councils
from ..results import Shortlist
from ..scoring import WeightsLike, score_in_context
from ..services import services
from ..systems import systems_on
from ..two_way import check_two_way
from .metrics import (
    METHOD_ORDER,
    better_and_tied,
    hit_chance,
    position,
    summarise,
    summarise_by,
)

if TYPE_CHECKING:
    from ..report import Report

__all__ = ["CASE_KINDS", "BacktestResult", "backtest"]

# Arrangements of these kinds are choices of partner, and so backtest cases. Joint boards and
# statutory authorities (membership fixed by law: joint waste authorities, valuation boards,
# regional transport partnerships) and strategic arrangements (pension pools, city and growth
# deals, set by government geography) are not: they still count as relationships, at their
# kind's weight, but give no cases.
CASE_KINDS = ("lead_authority", "joint_committee", "company", "outsourced", "not_stated")


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
    choice_sets : list of ValueMatrix
        The scored cases' choice sets, one per row of :attr:`cases`: every eligible
        candidate's 0-100 values and the weights the backtest scored with; the real
        partner is the case's ``partner`` (used by :func:`~partnerfit.evaluate.calibrate`).
    sampled : str
        Empty, or a note that cases were subsampled.
    """

    cases: pd.DataFrame
    skipped: pd.DataFrame
    summary: pd.DataFrame
    by_family: pd.DataFrame
    by_tier: pd.DataFrame
    criteria: list[str]
    choice_sets: list[ValueMatrix] = field(repr=False, default_factory=list)
    sampled: str = ""

    @property
    def methods(self) -> list[str]:
        """The methods scored (those of :data:`METHODS` present in :attr:`summary`)."""
        return [m for m in METHOD_ORDER if m in self.summary.index]

    def to_frame(self) -> pd.DataFrame:
        """The per-case table (a copy)."""
        return self.cases.copy()

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
            b, t = better_and_tied(self.cases, m)
            rows[m] = [float(np.mean(hit_chance(b, t, k))) if len(b) else np.nan for k in ks]
        out = pd.DataFrame(rows, index=pd.Index(ks, name="k")).T
        out.index.name = "method"
        return out

    def plot(self, ks: Iterable[int] = range(1, 21), ax: Any = None) -> Any:
        """Hit@k curves for the method and each baseline (see
        :func:`partnerfit.plot.evaluate.plot_hit_curves`).

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ..plot.evaluate import plot_hit_curves

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
        from ..export.builders.backtest import backtest_report

        return backtest_report(self, figure=figure)


# --------------------------------------------------------------------------- cases

def _without(ctx: Context, partnership: str) -> Context:
    """``ctx`` with every arrangement of ``partnership`` removed from the links data."""
    table = ctx.links
    if len(table) == 0 or "pos" not in table.columns:
        return ctx
    kept = table[table["partnership"] != partnership]
    ls, pa, ps = link_arrays(kept, len(ctx.codes), ctx.as_of, ctx.kind_weights)
    register, systems = ctx.systems_table, ctx.systems
    gone = set(table.loc[table["partnership"] == partnership, "arrangement"])
    if register is not None and "arrangement" in register.columns and \
            register["arrangement"].isin(gone).any():
        # records describing the held-out partnership go with it
        register = register[~register["arrangement"].isin(gone)]
        systems = systems_on(ctx.as_of, systems=register,
                             arrangements=set(register["arrangement"]))
    return dataclasses.replace(ctx, links=kept, link_services=ls, partners=pa, partnerships=ps,
                               notes=list(ctx.notes), systems=systems, systems_table=register)


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
             baselines: bool = True, seed: int = 0, max_cases: int | None = None,
             systems: pd.DataFrame | str | Path | None = None,
             criteria: str | Path | None = None,
             add_links: pd.DataFrame | str | Path | None = None,
             add_systems: pd.DataFrame | str | Path | None = None,
             kinds: Iterable[str] = CASE_KINDS,
             kind_weights: Mapping[str, float] | None = None,
             two_way: float = 0.0) -> BacktestResult:
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
        Pairs that came together before 1 January of this year are skipped. The register
        covers Great Britain from 1 April 1998, so pairs of the 2000s can be scored on their
        own map with ``min_year=1999``; the default keeps the cases since 2009, the period the
        bundled arrangements and IT systems were collected for.
    baselines : bool, default True
        Also rank by the baselines of :data:`METHODS`. When False their columns are NaN and
        the summaries hold the method and the random expectation only.
    seed : int, default 0
        Seed of the subsample when ``max_cases`` cuts the cases.
    max_cases : int, optional
        Score at most this many (focal, partner) cases, chosen at random with ``seed``; the
        result's ``sampled`` says so.
    systems : DataFrame or path, optional
        The IT systems table to score with (default the bundled register). Records describing
        an arrangement (``arrangement`` column) are held out with that arrangement's
        partnership.
    criteria : path, optional
        A criteria file replacing ``criteria/criteria.yaml`` (e.g. another missing-data
        policy).
    add_links, add_systems : DataFrame or path, optional
        Your own arrangements / IT systems layered on the tables (see
        :func:`partnerfit.shortlist`); your arrangements become cases too.
    kinds : iterable of str, default :data:`CASE_KINDS`
        Arrangements of these kinds give cases (the partnerships councils chose); the others
        still count as relationships when scoring. Ignored when ``arrangements`` is given.
    kind_weights : mapping, optional
        Weight of each arrangement kind in the relationship criteria (default the bundled
        ``criteria/arrangement_kinds.yaml``), to compare valuations of the kinds.
    two_way : float, default 0
        Weight of the candidate's own view of the focal council in a mutual score (see
        :mod:`partnerfit.two_way`); 0 ranks by the focal council's own score. The
        candidates' shortlists are scored with the same arrangements removed.

    Returns
    -------
    BacktestResult

    Examples
    --------
    >>> import partnerfit as pf
    >>> bt = pf.evaluate.backtest(arrangements=["3c-shared-services-ict"])
    >>> int(bt.summary.loc["weights", "cases"])
    6
    """
    seed = check_int(seed, "seed", low=0, meaning="the same seed picks the same cases",
                     example="0")
    if max_cases is not None:
        max_cases = check_int(max_cases, "max_cases", low=1, meaning="cases to score",
                              example="200")
    min_year = check_int(min_year, "min_year", low=1900, high=2100, example="2009")
    if arrangements is not None:
        arrangements = check_names(arrangements, "arrangements", what="arrangement id")
    layers = prepare_layers(links=links, add_links=add_links, systems=systems,
                            add_systems=add_systems)
    table = load_links(None) if layers.links is None else layers.links
    wanted = set(kinds)
    allowed = (*KINDS, NOT_STATED)
    bad = sorted(wanted - set(allowed))
    if bad:
        raise PartnerfitError("backtest: kinds " + ", ".join(
            f"{k!r}{did_you_mean(k, allowed)}" for k in bad) + f" unknown; use {', '.join(allowed)}.")
    by_kind = table if arrangements is not None else table[table["kind"].isin(wanted)]
    pending, skipped = _pairs(by_kind, arrangements, min_year)
    pending, sampled = _subsample(pending, max_cases, seed)
    crit = load_criteria(criteria)
    scorer = _Scorer(layers.links, weights, crit, layers.systems,
                     None if kind_weights is None else dict(kind_weights),
                     check_two_way(two_way) or False)
    baseline_ids = _baseline_criteria(crit) if baselines else None
    cat = services()
    rows: list[dict] = []
    sets: list[ValueMatrix] = []
    for c in pending:
        sl, full = scorer.shortlist(c)
        reason = _unscorable(c, sl)
        if reason:
            skipped.append({**c, "reason": reason})
            continue
        assert sl is not None and full is not None
        target = int(np.nonzero(sl.matrix.codes == c["partner"])[0][0])
        rows.append({**c, "family": cat.at[c["service"], "family"],
                     "focal_tier": full.councils.at[c["focal"], "tier"],
                     "n_candidates": sl.matrix.n,
                     **_rank_columns(_blocks(sl, target, baseline_ids))})
        sets.append(sl.matrix)
    return _result(rows, skipped, sets, baselines, list(crit), sampled)


def _subsample(pending: list[dict], max_cases: int | None, seed: int) -> tuple[list[dict], str]:
    """At most ``max_cases`` of the cases, at random with ``seed``, and a note if cut."""
    if max_cases is None or len(pending) <= max_cases:
        return pending, ""
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(pending), size=max_cases, replace=False))
    sampled = f"Subsampled {max_cases} of {len(pending)} cases at random (seed {seed})."
    return [pending[i] for i in keep], sampled


def _baseline_criteria(crit: Mapping[str, Criterion]) -> dict[str, str | None]:
    """Ids of the criteria measuring distance, adjacency and same_area (None if absent)."""
    return {m: next((c for c, k in crit.items() if k.measure == m), None)
            for m in ("distance", "adjacency", "same_area")}


class _Scorer:
    """Shortlists of the cases, each scored once: contexts by date, and by date with one
    partnership removed, are built once and shared."""

    def __init__(self, table: pd.DataFrame | None, weights: WeightsLike,
                 crit: Mapping[str, Criterion], systems: pd.DataFrame | None = None,
                 kind_weights: dict[str, float] | None = None,
                 two_way: float | bool = False) -> None:
        self.table, self.weights, self.crit = table, weights, crit
        self.two_way = two_way
        self.systems, self.kind_weights = systems, kind_weights
        self.everyone = load_councils()
        self.contexts: dict[pd.Timestamp, Context] = {}
        self.removed: dict[tuple[pd.Timestamp, str], Context] = {}
        self.shortlists: dict[tuple, Shortlist] = {}

    def context(self, date: pd.Timestamp) -> Context:
        if date not in self.contexts:
            self.contexts[date] = build_context(date, links=self.table, systems=self.systems,
                                                kind_weights=self.kind_weights)
        return self.contexts[date]

    def shortlist(self, c: dict) -> tuple[Shortlist | None, Context | None]:
        """The case's shortlist with its partnership removed, and the full context (None, None
        when the focal council is not in force on the date)."""
        date = c["as_of"]
        full = self.context(date)
        if c["focal"] not in full.codes:
            return None, None
        key = (c["focal"], c["service"], date, c["partnership"])
        if key not in self.shortlists:
            rkey = (date, c["partnership"])
            if rkey not in self.removed:
                self.removed[rkey] = _without(full, c["partnership"])
            self.shortlists[key] = score_in_context(
                self.removed[rkey], c["focal"], c["service"], self.weights, self.crit,
                "additive", (), None, self.everyone, self.two_way)
        return self.shortlists[key], full


def _unscorable(c: dict, sl: Shortlist | None) -> str:
    """Why the case cannot be scored ("" if it can)."""
    if sl is None:
        return "focal council not in force on the date"
    if c["partner"] in set(sl.matrix.codes):
        return ""
    why = sl.screened.set_index("code")["reason"]
    return f"partner screened out: {why.get(c['partner'], 'partner not in force on the date')}"


def _blocks(sl: Shortlist, target: int, ids: dict[str, str | None] | None
            ) -> dict[str, tuple[int, int]]:
    """(better, tied) of the real partner under the weights and each baseline."""
    n = sl.matrix.n
    blocks = {"weights": position([tie_key(sl.scores.to_numpy(float))], target)}
    if ids is not None:
        blocks.update(_baseline_blocks(sl, target, ids))
    blocks["random"] = (0, n)
    return blocks


def _baseline_blocks(sl: Shortlist, target: int, ids: dict[str, str | None]
                     ) -> dict[str, tuple[int, int]]:
    dist_id, adj_id, area_id = ids["distance"], ids["adjacency"], ids["same_area"]
    if dist_id is None or adj_id is None or area_id is None:
        raise PartnerfitError("backtest: the baselines need criteria measuring "
                              "distance, adjacency and same_area; pass "
                              "baselines=False with custom criteria.")
    raw = sl.raw.reindex(sl.matrix.codes)
    near = -raw[dist_id].to_numpy(float)
    adjacent = np.array([a is not None and a != "none" for a in raw[adj_id].to_numpy()])
    county = raw[area_id].to_numpy() == "same_county"
    return {"nearest": position([near], target),
            "adjacency": position([adjacent], target),
            "same_county": position([county], target),
            "adjacent_nearest": position([adjacent, near], target),
            "county_nearest": position([county, near], target)}


def _rank_columns(blocks: dict[str, tuple[int, int]]) -> dict[str, float]:
    """``rank_<m>`` (expected rank) and ``tied_<m>`` for every method (NaN if not scored)."""
    row: dict[str, float] = {}
    for m in METHOD_ORDER:
        if m in blocks:
            b, t = blocks[m]
            row[f"rank_{m}"] = b + (t + 1) / 2.0
            row[f"tied_{m}"] = t
        else:
            row[f"rank_{m}"] = row[f"tied_{m}"] = np.nan
    return row


def _result(rows: list[dict], skipped: list[dict], sets: list[ValueMatrix], baselines: bool,
            crit_ids: list[str], sampled: str) -> BacktestResult:
    cols = (["arrangement", "partnership", "service", "family", "focal", "focal_tier",
             "partner", "as_of", "n_candidates"]
            + [f"{p}_{m}" for m in METHOD_ORDER for p in ("rank", "tied")])
    cases = pd.DataFrame(rows, columns=cols)
    skip = pd.DataFrame(skipped, columns=["arrangement", "partnership", "service", "focal",
                                          "partner", "as_of", "reason"])
    methods = list(METHOD_ORDER) if baselines else ["weights", "random"]
    return BacktestResult(cases=cases, skipped=skip, summary=summarise(cases, methods),
                          by_family=summarise_by(cases, "family", methods),
                          by_tier=summarise_by(cases, "focal_tier", methods), criteria=crit_ids,
                          choice_sets=sets, sampled=sampled)
