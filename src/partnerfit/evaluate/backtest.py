"""Backtest: rank each real partner as at the date it was chosen, with every arrangement the
pair shares and its whole partnership removed; each arrangement counts once.

See :mod:`partnerfit.evaluate` for the frozen definition and the baselines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._checks import check_flag, check_int, check_names
from .._yaml import did_you_mean
from ..aggregation import tie_key
from ..availability import DEFAULT_COMMITTED, check_committed
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
    arrangement_weights,
    better_and_tied,
    hit_chance,
    position,
    summarise,
    summarise_by,
)

if TYPE_CHECKING:
    from ..report import Report

__all__ = ["CASE_KINDS", "EARLIER_TIES_DAYS", "BacktestResult", "backtest", "held_out",
           "without"]

# Arrangements of these kinds are choices of partner, and so backtest cases. Joint boards and
# statutory authorities (membership fixed by law: joint waste authorities, valuation boards,
# regional transport partnerships) and strategic arrangements (pension pools, city and growth
# deals, set by government geography) are not: they still count as relationships, at their
# kind's weight, but give no cases.
CASE_KINDS = ("lead_authority", "joint_committee", "company", "outsourced", "not_stated")

#: With ``keep_earlier_ties=True``, a tie of the pair is kept when it started at least this many
#: days before the case: a year, so arrangements of one decision recorded with dates of
#: different precision (a year against a day) are not mistaken for an earlier tie.
EARLIER_TIES_DAYS = 365


@dataclass
class BacktestResult:
    """Outcome of :func:`backtest`.

    Attributes
    ----------
    cases : DataFrame
        One row per scored case: arrangement, partnership, service, family, focal, focal_tier,
        partner, as_of, n_candidates (council candidates ranked), held_out (arrangements
        removed for the case), weight (1 / scored cases of the arrangement) and, for each
        method ``m`` of :data:`METHODS`, the
        partner's expected rank ``rank_m`` and the size ``tied_m`` of the block of candidates
        tied with it (the partner included; 1 = no tie). Baseline columns are NaN when the
        backtest ran with ``baselines=False``.
    skipped : DataFrame
        Cases not scored, with the reason (partner screened out, focal not in force, start
        unknown, pair formed before ``min_year``, ...).
    summary : DataFrame
        Methods x metrics (cases, arrangements, hit@1, hit@3, hit@5, hit@10, mrr,
        median_rank), each arrangement counting once (cases weighted).
    by_family, by_tier : DataFrame
        The same metrics by service family / focal council tier (index: group, method),
        weighted alike. :meth:`metrics` gives them unweighted or by another column.
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

    def metrics(self, by: str | None = None, *, weighted: bool = True) -> pd.DataFrame:
        """The metrics per method, overall or by a column of :attr:`cases`.

        Parameters
        ----------
        by : str, optional
            A column of :attr:`cases` (``"family"``, ``"focal_tier"``, ``"service"`` ...).
        weighted : bool, default True
            True: each arrangement counts once (as :attr:`summary`); False: each case
            counts once.

        Returns
        -------
        pandas.DataFrame
            As :attr:`summary` (``by`` given: as :attr:`by_family`).
        """
        if by is not None and by not in self.cases.columns:
            raise PartnerfitError(f"metrics: by={by!r} is not a column of the cases; use one "
                                  "of " + ", ".join(self.cases.columns[:7]) + ".")
        if by is None:
            return summarise(self.cases, self.methods, weighted=weighted)
        return summarise_by(self.cases, by, self.methods, weighted=weighted)

    def hit_curve(self, ks: Iterable[int] = range(1, 21), *, weighted: bool = True
                  ) -> pd.DataFrame:
        """Expected hit@k for each method (rows) and each ``k`` (columns).

        Parameters
        ----------
        ks : iterable of int, default 1..20
        weighted : bool, default True
            Each arrangement counts once (as :attr:`summary`); False: each case once.

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
        w = arrangement_weights(self.cases) if weighted else np.ones(len(self.cases))
        rows = {}
        for m in self.methods:
            b, t = better_and_tied(self.cases, m)
            rows[m] = [float(np.average(hit_chance(b, t, k), weights=w)) if len(b) else np.nan
                       for k in ks]
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

def held_out(table: pd.DataFrame, focal: str, partner: str, arrangement: str
             ) -> frozenset[str]:
    """The arrangements a backtest case removes from the data.

    Every arrangement holding both ``focal`` and ``partner`` (any service, any partnership, any
    dates) and every arrangement of ``arrangement``'s partnership.

    Parameters
    ----------
    table : pandas.DataFrame
        Long-form links (:func:`partnerfit.load_links`); a ``now`` column (each row's council
        in force on a context's date, as a context's links carry) counts as membership too.
    focal, partner : str
        GSS codes of the case's pair.
    arrangement : str
        The case's arrangement id.

    Returns
    -------
    frozenset of str
        Arrangement ids.
    """
    index = _Membership(table)
    return index.held_out(focal, partner, arrangement)


class _Membership:
    """Which arrangements each council is in, and the arrangements of each partnership."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.of: dict[str, set[str]] = {}
        cols = [c for c in ("council", "now") if c in table.columns]
        for c in cols:
            for code, arr in zip(table[c], table["arrangement"]):
                if isinstance(code, str) and code:
                    self.of.setdefault(code, set()).add(arr)
        parts = table["partnership"].where(table["partnership"] != "", table["arrangement"])
        self.partnership = dict(zip(table["arrangement"], parts))
        self.arrangements: dict[str, set[str]] = {}
        for arr, part in self.partnership.items():
            self.arrangements.setdefault(part, set()).add(arr)

    def held_out(self, focal: str, partner: str, arrangement: str) -> frozenset[str]:
        shared = self.of.get(focal, set()) & self.of.get(partner, set())
        part = self.partnership.get(arrangement, arrangement)
        return frozenset(shared | self.arrangements.get(part, set()) | {arrangement})


def without(ctx: Context, arrangements: Iterable[str]) -> Context:
    """``ctx`` with ``arrangements`` removed and everything derived from them.

    Their rows leave the links (so their members, leads and hosts with them), the relationship
    arrays (services shared, partners, partnerships counted) are rebuilt from the rows kept,
    and IT systems records describing them (``arrangement`` column) are dropped.

    Parameters
    ----------
    ctx : Context
        A context (:func:`partnerfit.criteria.build_context`).
    arrangements : iterable of str
        Arrangement ids to remove (e.g. :func:`held_out` of a case).

    Returns
    -------
    Context
        A new context (``ctx`` itself when nothing is removed).
    """
    gone = set(arrangements)
    table = ctx.links
    kept, ls, pa, ps = table, ctx.link_services, ctx.partners, ctx.partnerships
    if len(table) and "pos" in table.columns and table["arrangement"].isin(gone).any():
        kept = table[~table["arrangement"].isin(gone)]
        ls, pa, ps = link_arrays(kept, len(ctx.codes), ctx.as_of, ctx.kind_weights)
    register, systems = ctx.systems_table, ctx.systems
    if register is not None and "arrangement" in register.columns and \
            register["arrangement"].isin(gone).any():
        # records describing a held-out arrangement go with it
        register = register[~register["arrangement"].isin(gone)]
        systems = systems_on(ctx.as_of, systems=register,
                             arrangements=set(register["arrangement"]))
    if kept is table and register is ctx.systems_table:
        return ctx
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
             committed: str | None = None, two_way: float = 0.0,
             keep_earlier_ties: bool = False) -> BacktestResult:
    """Rank each real partner as at the date it was chosen, with what the pair shares removed.

    Cases are ordered pairs (focal, partner) of members of one arrangement, dated at the later
    of the two members' starts. Before scoring, every arrangement the pair shares (any
    service, any partnership, any dates) and every arrangement of the case's partnership are
    removed with everything derived from them (links rows with their leads and hosts, the
    relationship figures, IT systems records describing them; :func:`held_out`), so neither
    the arrangement nor any other tie between the two can vouch for the pair. The partner is
    ranked among the eligible council candidates only (a candidate whose code is not a
    council's, such as a partnership, is left out). Each case weighs 1 / (the scored cases
    of its arrangement), so each arrangement counts once in the summaries; the unweighted
    figures are :meth:`BacktestResult.metrics` with ``weighted=False``. Ties are scored as
    expected values under random tie-breaking. The definition is frozen: see
    :mod:`partnerfit.evaluate`.

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
    committed : {"mark", "penalise", "screen", "offer"}, optional
        Policy for candidates committed to another running arrangement for the service
        (default :data:`partnerfit.availability.DEFAULT_COMMITTED`); see
        :mod:`partnerfit.availability`. Partnership candidates are never scored here, so
        ``"offer"`` ranks as ``"screen"``.
    two_way : float, default 0
        Weight of the candidate's own view of the focal council in a mutual score (see
        :mod:`partnerfit.two_way`); 0 ranks by the focal council's own score. The
        candidates' shortlists are scored with the same arrangements removed.
    keep_earlier_ties : bool, default False
        The companion definition (not the frozen one): keep the pair's arrangements outside
        the case's partnership that started at least :data:`EARLIER_TIES_DAYS` days before the
        case (known when the choice was made); those starting later or on an unknown date are
        removed as before. The frozen definition removes every tie of the pair, so a criterion
        measuring the pair's own ties (``direct_links``, ``same_service``) is 0 for every real
        partner there and can only lift other councils: this companion is how such criteria
        are measured.

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
    by_kind = (table if arrangements is not None
               else table[table["kind"].isin(_checked_kinds(kinds))])
    pending, skipped = _pairs(by_kind, arrangements, min_year)
    pending, sampled = _subsample(pending, max_cases, seed)
    crit = load_criteria(criteria)
    scorer = _Scorer(layers.links, weights, crit, layers.systems,
                     None if kind_weights is None else dict(kind_weights), table,
                     committed, check_two_way(two_way) or False,
                     check_flag(keep_earlier_ties, "keep_earlier_ties"))
    baseline_ids = _baseline_criteria(crit) if baselines else None
    rows, late, sets = _score_cases(scorer, pending, baseline_ids)
    return _result(rows, skipped + late, sets, baselines, list(crit), sampled)


def _checked_kinds(kinds: Iterable[str]) -> set[str]:
    """``kinds`` as a set, each one an arrangement kind, or an error naming the unknown."""
    wanted = set(kinds)
    allowed = (*KINDS, NOT_STATED)
    bad = sorted(wanted - set(allowed))
    if bad:
        raise PartnerfitError("backtest: kinds " + ", ".join(
            f"{k!r}{did_you_mean(k, allowed)}" for k in bad) + f" unknown; use {', '.join(allowed)}.")
    return wanted


def _score_cases(scorer: _Scorer, pending: list[dict],
                 baseline_ids: dict[str, str | None] | None
                 ) -> tuple[list[dict], list[dict], list[ValueMatrix]]:
    """Score every case: its rows, the cases found unscorable (with the reason) and the
    choice sets (councils only), all in the cases' order."""
    cat = services()
    scored: dict[int, tuple[dict, ValueMatrix]] = {}
    late: dict[int, dict] = {}
    for i, c, gone in scorer.in_order(pending):
        sl, full = scorer.shortlist(c, gone)
        reason = _unscorable(c, sl)
        if reason:
            late[i] = {**c, "reason": reason}
            continue
        assert sl is not None and full is not None
        councils = np.isin(sl.matrix.codes, full.codes)
        target = int(np.nonzero(sl.matrix.codes[councils] == c["partner"])[0][0])
        row = {**c, "family": cat.at[c["service"], "family"],
               "focal_tier": full.councils.at[c["focal"], "tier"],
               "n_candidates": int(councils.sum()), "held_out": len(gone),
               **_rank_columns(_blocks(sl, councils, target, baseline_ids))}
        scored[i] = (row, sl.matrix if councils.all() else
                     sl.matrix.take(np.flatnonzero(councils)))
    order = sorted(scored)
    return ([scored[i][0] for i in order], [late[i] for i in sorted(late)],
            [scored[i][1] for i in order])


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
    """Shortlists of the cases, each scored once: contexts by date, and by date with one set of
    arrangements held out, are built once and shared."""

    def __init__(self, table: pd.DataFrame | None, weights: WeightsLike,
                 crit: Mapping[str, Criterion], systems: pd.DataFrame | None = None,
                 kind_weights: dict[str, float] | None = None,
                 every_link: pd.DataFrame | None = None,
                 committed: str | None = None, two_way: float | bool = False,
                 keep_earlier_ties: bool = False) -> None:
        self.table, self.weights, self.crit = table, weights, crit
        self.committed = DEFAULT_COMMITTED if committed is None else check_committed(committed)
        self.two_way = two_way
        self.systems, self.kind_weights = systems, kind_weights
        self.everyone = load_councils()
        every = load_links(None) if every_link is None else every_link
        self.members = _Membership(every)
        self.started = (every.groupby("arrangement")["start"].min() if keep_earlier_ties
                        else None)
        self.contexts: dict[pd.Timestamp, Context] = {}
        self.on_date: dict[pd.Timestamp, _Membership] = {}
        self.removed: dict[tuple[pd.Timestamp, frozenset[str]], Context] = {}
        self.shortlists: dict[tuple, Shortlist] = {}

    def context(self, date: pd.Timestamp) -> Context:
        if date not in self.contexts:
            # one date at a time (cases come in date order): memory stays that of one date
            self.contexts.clear()
            self.on_date.clear()
            self.removed.clear()
            self.shortlists.clear()
            self.contexts[date] = build_context(date, links=self.table, systems=self.systems,
                                                kind_weights=self.kind_weights)
            self.on_date[date] = _Membership(self.contexts[date].links)
        return self.contexts[date]

    def in_order(self, pending: list[dict]) -> Iterator[tuple[int, dict, frozenset[str]]]:
        """(position in ``pending``, case, arrangements held out), date by date and, within a
        date, by the set held out, so each context is built once and dropped when done."""
        by_date: dict[pd.Timestamp, list[int]] = {}
        for i, c in enumerate(pending):
            by_date.setdefault(c["as_of"], []).append(i)
        for date in sorted(by_date):
            gone = {i: self.held_out(pending[i]) for i in by_date[date]}
            for i in sorted(by_date[date], key=lambda k: (sorted(gone[k]), k)):
                yield i, pending[i], gone[i]

    def held_out(self, c: dict) -> frozenset[str]:
        """The case's arrangements to remove: those the pair shares (by the codes of the
        table and by the codes in force on the date) and the whole partnership."""
        self.context(c["as_of"])
        args = (c["focal"], c["partner"], c["arrangement"])
        gone = self.members.held_out(*args) | self.on_date[c["as_of"]].held_out(*args)
        if self.started is None:
            return gone
        part = self.members.partnership
        mine = part.get(c["arrangement"], c["arrangement"])
        cutoff = c["as_of"] - pd.Timedelta(days=EARLIER_TIES_DAYS)
        kept = {a for a in gone if part.get(a, a) != mine
                and pd.notna(start := self.started.get(a)) and start <= cutoff}
        return gone - kept

    def shortlist(self, c: dict, gone: frozenset[str]
                  ) -> tuple[Shortlist | None, Context | None]:
        """The case's shortlist with ``gone`` removed, and the full context (None, None when
        the focal council is not in force on the date)."""
        date = c["as_of"]
        full = self.context(date)
        if c["focal"] not in full.codes:
            return None, None
        key = (c["focal"], c["service"], date, gone)
        if key not in self.shortlists:
            rkey = (date, gone)
            if rkey not in self.removed:
                self.removed[rkey] = without(full, gone)
            self.shortlists[key] = score_in_context(
                self.removed[rkey], c["focal"], c["service"], self.weights, self.crit,
                "additive", (), None, self.everyone, committed=self.committed,
                two_way=self.two_way)
        return self.shortlists[key], full


def _unscorable(c: dict, sl: Shortlist | None) -> str:
    """Why the case cannot be scored ("" if it can)."""
    if sl is None:
        return "focal council not in force on the date"
    if c["partner"] in set(sl.matrix.codes):
        return ""
    why = sl.screened.set_index("code")["reason"]
    return f"partner screened out: {why.get(c['partner'], 'partner not in force on the date')}"


def _blocks(sl: Shortlist, councils: np.ndarray, target: int,
            ids: dict[str, str | None] | None) -> dict[str, tuple[int, int]]:
    """(better, tied) of the real partner under the weights and each baseline, among the
    candidates that are councils (``councils``: mask of the shortlist's rows; a partnership
    candidate, whose code is not a council's, is not ranked against)."""
    n = int(councils.sum())
    scores = sl.scores.to_numpy(float)[councils]
    blocks = {"weights": position([tie_key(scores)], target)}
    if ids is not None:
        blocks.update(_baseline_blocks(sl, councils, target, ids))
    blocks["random"] = (0, n)
    return blocks


def _baseline_blocks(sl: Shortlist, councils: np.ndarray, target: int,
                     ids: dict[str, str | None]) -> dict[str, tuple[int, int]]:
    dist_id, adj_id, area_id = ids["distance"], ids["adjacency"], ids["same_area"]
    if dist_id is None or adj_id is None or area_id is None:
        raise PartnerfitError("backtest: the baselines need criteria measuring "
                              "distance, adjacency and same_area; pass "
                              "baselines=False with custom criteria.")
    raw = sl.raw.reindex(sl.matrix.codes[councils])
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
             "partner", "as_of", "n_candidates", "held_out", "weight"]
            + [f"{p}_{m}" for m in METHOD_ORDER for p in ("rank", "tied")])
    cases = pd.DataFrame(rows, columns=cols)
    cases["weight"] = arrangement_weights(cases)
    skip = pd.DataFrame(skipped, columns=["arrangement", "partnership", "service", "focal",
                                          "partner", "as_of", "reason"])
    methods = list(METHOD_ORDER) if baselines else ["weights", "random"]
    return BacktestResult(cases=cases, skipped=skip, summary=summarise(cases, methods),
                          by_family=summarise_by(cases, "family", methods),
                          by_tier=summarise_by(cases, "focal_tier", methods), criteria=crit_ids,
                          choice_sets=sets, sampled=sampled)
