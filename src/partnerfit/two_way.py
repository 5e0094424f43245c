"""Two-way fit: where the subject council would rank on each candidate's own shortlist.

A partnership needs both councils to want it. For a shortlist of council S, the candidate C's
view of S is S's score and rank on the shortlist C would get for the same service, date,
weights, aggregation method and distance limit. Every candidate's shortlist comes from one
all-pairs computation per context, service and settings (:func:`all_pairs`): every council
delivering the service scored as a partner for every other, vectorised, and cached so that
repeated shortlists and the backtest reuse it.

What is cached, from the most to the least reused:

* each criterion's values for every pair, shared by every context and service that leaves
  the fields its measure reads unchanged (another service on the same date reuses distance,
  borders, area, kind, size and the relationship criteria; a backtest context that only
  removes arrangements reuses all but the relationship criteria);
* per context and service, what does not depend on the weights: those values, where they are
  unknown, and (when first asked for) distances, cross-regime pairs and commitments;
* per context, service and settings, the scores.

The pass scores one criterion at a time over (council x council) arrays and adds the weighted
values in the order numpy sums a row (:func:`stacked_sum`), so every score is the one the
previous (council x council x criterion) computation gave, bit for bit. The subject's rank on
each list is counted (better scores, and ties with a lower code) rather than sorted out.

Each row of the all-pairs table is the candidate's own shortlist, reproduced exactly:

* its own screening: councils delivering the service, not the council itself, within the
  distance limit (``max_distance_km``, the same distance both ways);
* its own missing-data policy: ``expected`` fills with the average over *that* council's
  candidates, ``exclude`` drops the cell's candidate from *that* list, ``renormalise``
  shares the cell's weight among that candidate's other criteria;
* its own criteria left out when unknown for every one of its candidates (IT systems when
  that council's own systems are unknown), with the weights shared out in proportion.

What is not carried over to the candidate's list: the subject's ``exclude`` list (councils
the subject leaves out are still the candidate's rivals on its own list). Where the subject
is not on a candidate's list (screened out there by an ``exclude`` missing-data policy), the
candidate's view is unknown (NaN) and a mutual score uses the subject's own score for it.

A mutual score (``two_way`` weight ``t`` between 0 and 1) is
``(1 - t) x own score + t x the candidate's score of the subject``. It is off by default
(``t = 0``: the view is shown, not scored). The backtest (``scripts/two_way_backtest.py``,
4,126 cases, 2026-12-05) moves little: MRR 0.3519 at ``t = 0``, 0.3528 at 0.1, 0.3536 at 0.2,
0.3552 at 0.5 (hit@5 58.1% to 58.4%), and halving the weight of the sharing record without any
two-way term gives the same 0.355. With the bundled criteria the candidate's score of the
subject differs from the subject's score of the candidate only where a criterion is not
symmetric: the sharing record (the subject's own record, the same for every candidate), and IT
systems where one side's are unknown. So mixing it in mostly down-weights the sharing record;
it is not a separate signal, and a weight is the honest way to make that change.
"""

from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from . import aggregation
from .availability import PENALTY_FACTOR, running_for_service
from .criteria import MISSING_FILL, Context, Criterion, compute_measures, value_arrays
from .errors import ArgumentError
from .jurisdiction import separate_pairs
from .matrix import ValueMatrix
from .services import services

__all__ = ["AllPairs", "TwoWay", "all_pairs", "check_two_way", "mix", "mutual_note",
           "ordinal", "stacked_sum", "two_way_view"]

_CACHE_SIZE = 8
_cache: OrderedDict[tuple, tuple[weakref.ref, AllPairs]] = OrderedDict()
# Every pair's values of a criterion, shared between contexts that differ only in fields its
# measure does not read (the backtest removes a partnership from a context with
# dataclasses.replace, keeping every other field the same object; another service on the same
# date reuses what does not depend on the service): keyed by the identity of every field read.
_LINK_FIELDS = frozenset({"links", "link_services", "partners", "partnerships", "notes"})
_SYSTEMS_FIELDS = frozenset({"systems", "systems_table"})
_NOT_READ = {m: _LINK_FIELDS | _SYSTEMS_FIELDS
             for m in ("distance", "adjacency", "same_area", "tier_fit", "size_ratio", "column")}
_NOT_READ["systems"] = _LINK_FIELDS
_NOT_READ.update({m: _SYSTEMS_FIELDS | {"notes"} for m in (
    "direct_links", "same_service", "other_links", "shared_partners", "sharing_record")})
_BY_SERVICE = frozenset({"systems", "same_service", "other_links"})
_VALUES_SIZE = 64
#: One criterion's values for every pair (NaN unknown) and where they are unknown (None:
#: known everywhere).
_Valued: TypeAlias = tuple[np.ndarray, np.ndarray | None]
_values: OrderedDict[tuple, tuple[tuple, _Valued]] = OrderedDict()
_BLOCKS_SIZE = 8


@dataclass
class _Blocks:
    """What every list of one context and service shares whatever the weights and settings:
    the councils delivering the service (code order), each criterion's values for every pair
    (NaN unknown, never changed in place), where they are unknown (None: known everywhere),
    and, made when first asked for, distances, cross-regime pairs and commitments."""

    codes: np.ndarray
    values: list[np.ndarray]
    missing: list[np.ndarray | None]
    extra: dict[str, np.ndarray] = field(default_factory=dict)


_blocks: OrderedDict[tuple, tuple[weakref.ref, _Blocks]] = OrderedDict()


def check_two_way(two_way: Any) -> float | None:
    """``two_way=`` as given to :func:`partnerfit.shortlist`, checked.

    Returns
    -------
    float or None
        None for no two-way columns (False); 0.0 for the columns only (True or 0); the weight
        of the candidate's view in a mutual score otherwise (above 0, at most 1).

    Raises
    ------
    ArgumentError
        Anything else, with the accepted values.
    """
    if two_way is None or two_way is False:
        return None
    if two_way is True:
        return 0.0
    if isinstance(two_way, (int, float, np.floating, np.integer)) and \
            math.isfinite(float(two_way)) and 0 <= float(two_way) <= 1:
        return float(two_way)
    raise ArgumentError(
        f"two_way={two_way!r}: give True to show where each candidate would rank this council "
        "on its own shortlist, False to leave it out, or a number from 0 to 1 to mix the "
        "candidate's score of this council into the score (e.g. two_way=0.2).")


@dataclass
class AllPairs:
    """Every council delivering a service scored as a partner for every other.

    Attributes
    ----------
    codes : numpy.ndarray
        GSS codes in code order; row ``i`` is council ``codes[i]``'s own shortlist, column
        ``j`` the candidate ``codes[j]`` on it.
    scores : numpy.ndarray
        ``(n, n)`` scores (0-100), NaN where the column is not on the row's shortlist.
    """

    codes: np.ndarray
    scores: np.ndarray
    _ranks: np.ndarray | None = field(default=None, repr=False)
    _keys: np.ndarray | None = field(default=None, repr=False)

    @property
    def counts(self) -> np.ndarray:
        """Candidates on each row's shortlist."""
        return np.isfinite(self.scores).sum(axis=1)

    @property
    def keys(self) -> np.ndarray:
        """``(n, n)`` scores as ranks compare them: minus the score rounded to 12 significant
        digits of the row's largest, as :func:`partnerfit.aggregation.tie_key` does (lower is
        better); infinite where the column is not on the row's list."""
        if self._keys is None:
            s = self.scores
            on = np.isfinite(s)
            scale = np.max(np.abs(np.where(on, s, 0.0)), axis=1, keepdims=True)
            key = np.where(scale > 0, np.round(s / np.where(scale > 0, scale, 1.0), 12), s)
            self._keys = np.where(on, -key, np.inf)
        return self._keys

    @property
    def ranks(self) -> np.ndarray:
        """``(n, n)`` rank of each column on the row's shortlist (1 = best; 0 where not on
        it), ties broken by code exactly as :func:`partnerfit.aggregation.rank` does."""
        if self._ranks is None:
            on = np.isfinite(self.scores)
            order = np.argsort(self.keys, axis=1, kind="stable")  # columns are in code order
            ranks = np.empty(on.shape, dtype=np.int64)
            np.put_along_axis(ranks, order, np.arange(1, on.shape[1] + 1)[None, :], axis=1)
            self._ranks = np.where(on, ranks, 0)
        return self._ranks

    def rank_of(self, rows: np.ndarray, column: int) -> np.ndarray:
        """For each row, the rank of ``column`` on its list (as :attr:`ranks`; 0 where not
        on it), counted without sorting: the candidates scoring higher, plus those tied with
        it whose code comes first, plus one."""
        keys = self.keys[rows]
        mine = keys[:, column][:, None]
        rank = (keys < mine).sum(axis=1) + (keys[:, :column] == mine).sum(axis=1) + 1
        return np.where(np.isfinite(mine[:, 0]), rank, 0)

    def tied(self, rows: np.ndarray, column: int) -> np.ndarray:
        """For each row, how many other candidates of its list tie with ``column`` (scores
        equal to 12 significant digits, as :func:`partnerfit.aggregation.rank` compares)."""
        keys = self.keys[rows]
        mine = keys[:, column][:, None]
        return ((keys == mine) & np.isfinite(keys)).sum(axis=1) - 1


def all_pairs(ctx: Context, service: str, weights: pd.Series,
              criteria: dict[str, Criterion], method: str = "additive",
              max_distance_km: float | None = None, *, committed: str = "mark",
              cross_regime: bool = True) -> AllPairs:
    """Every council's own shortlist for ``service`` in ``ctx``, as one table (cached).

    Parameters
    ----------
    ctx : Context
        The context every shortlist is scored in.
    service : str
        Service id.
    weights : pandas.Series
        The weights as resolved for the service (before criteria are left out), one per
        criterion.
    criteria : dict of str to Criterion
    method : {"additive", "topsis", "promethee"}
    max_distance_km : float, optional
        The distance limit of every shortlist.
    committed : {"mark", "penalise", "screen", "offer"}, default "mark"
        The availability policy of every shortlist (:mod:`partnerfit.availability`): on each
        council's list, the councils committed to a running arrangement for the service
        without that council are screened out ("screen", "offer") or have their values
        halved ("penalise"), as :func:`partnerfit.shortlist` does.
    cross_regime : bool, default True
        False screens the pairs across a "separate" legal regime for the service
        (:mod:`partnerfit.jurisdiction`), as the shortlist does.

    Each list ranks councils only: existing partnerships offered as candidates on a
    shortlist are not on these lists, and the councils a user marks unavailable apply to
    the user's own shortlist only.

    Returns
    -------
    AllPairs
    """
    key = (id(ctx), service, tuple(weights.index), tuple(weights.to_numpy(float)),
           tuple((c, id(k)) for c, k in criteria.items()), method, max_distance_km,
           committed, cross_regime)
    hit = _cache.get(key)
    if hit is not None and hit[0]() is ctx:
        _cache.move_to_end(key)
        return hit[1]
    result = _compute(ctx, service, weights, criteria, method, max_distance_km, committed,
                      cross_regime)
    _cache[key] = (weakref.ref(ctx), result)
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return result


def _blocks_for(ctx: Context, service: str, criteria: dict[str, Criterion]) -> _Blocks:
    """The weights-independent part of every list of ``ctx`` and ``service`` (cached)."""
    key = (id(ctx), service, tuple((c, id(k)) for c, k in criteria.items()))
    hit = _blocks.get(key)
    if hit is not None and hit[0]() is ctx:
        _blocks.move_to_end(key)
        return hit[1]
    delivered = list(services().at[service, "delivered_by"])
    sel = np.isin(ctx.councils["tier"].to_numpy(), delivered)
    codes = np.sort(ctx.codes.to_numpy()[sel].astype(str))
    vals = _value_blocks(ctx, codes, service, criteria)
    out = _Blocks(codes, [vals[c][0] for c in criteria], [vals[c][1] for c in criteria])
    _blocks[key] = (weakref.ref(ctx), out)
    while len(_blocks) > _BLOCKS_SIZE:
        _blocks.popitem(last=False)
    return out


def _committed(ctx: Context, codes: np.ndarray, service: str) -> np.ndarray:
    """(n, n) True where column council is committed, on row council's list: in a running
    arrangement for ``service`` (of a committing kind) that the row council is not in."""
    rows = running_for_service(ctx.links, service, ctx.as_of)
    pos = pd.Index(codes).get_indexer(rows["code"].to_numpy())
    held_in: dict[int, frozenset[str]] = {}
    for p, arrangement in zip(pos, rows["arrangement"].to_numpy(), strict=True):
        if p >= 0:
            held_in[int(p)] = held_in.get(int(p), frozenset()) | {arrangement}
    # councils grouped by the set of arrangements they are in (few distinct sets): column j
    # is committed on row i's list when j's set is not inside i's
    sets = sorted(set(held_in.values()) | {frozenset()}, key=sorted)
    which = np.zeros(len(codes), dtype=np.intp)
    for p, mine in held_in.items():
        which[p] = sets.index(mine)
    outside = np.array([[not b <= a for b in sets] for a in sets], dtype=bool)
    return outside[which[:, None], which[None, :]]


def _eligible(b: _Blocks, ctx: Context, service: str, max_distance_km: float | None,
              cross_regime: bool, committed: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(each row's list: the pairs screened in, the committed pairs or None)."""
    n = len(b.codes)
    eligible = ~np.eye(n, dtype=bool)
    if max_distance_km is not None:
        if "km" not in b.extra:
            reg, pos = ctx.councils, ctx.position(b.codes)
            e, nn = reg["easting"].to_numpy(float)[pos], reg["northing"].to_numpy(float)[pos]
            b.extra["km"] = np.hypot(e[:, None] - e[None, :], nn[:, None] - nn[None, :]) / 1000.0
        eligible &= ~(b.extra["km"] > max_distance_km)
    if not cross_regime:
        if "separate" not in b.extra:
            nation = (ctx.councils["nation"].reindex(b.codes) if "nation" in ctx.councils
                      else pd.Series("", index=b.codes))
            b.extra["separate"] = separate_pairs(nation.fillna("").to_numpy(), service,
                                                 ctx.as_of)
        eligible &= ~b.extra["separate"]
    if committed == "mark":
        return eligible, None
    if "held" not in b.extra:
        b.extra["held"] = _committed(ctx, b.codes, service)
    held = b.extra["held"]
    if committed in ("screen", "offer"):
        eligible &= ~held
    return eligible, (held if held.any() else None)


def _compute(ctx: Context, service: str, w: pd.Series, criteria: dict[str, Criterion],
             method: str, max_distance_km: float | None, committed: str = "mark",
             cross_regime: bool = True) -> AllPairs:
    b = _blocks_for(ctx, service, criteria)
    eligible, held = _eligible(b, ctx, service, max_distance_km, cross_regime, committed)
    ids = list(criteria)
    values, missing = list(b.values), list(b.missing)
    w_in = w.copy()
    for j, cid in enumerate(ids):  # a criterion that does not apply to the service
        if criteria[cid].measure == "systems" and not services().at[service, "systems"] \
                and w[cid] > 0:
            w_in[cid] = 0.0
            values[j], missing[j] = np.zeros_like(values[j]), None
    w_in = w_in / w_in.sum()
    # left out of a row's shortlist: unknown for every one of its candidates
    has = np.asarray(eligible.any(axis=1), dtype=bool)
    left_out = np.zeros((len(b.codes), len(ids)), dtype=bool)
    for j, (m, wj) in enumerate(zip(missing, w_in.to_numpy(float), strict=True)):
        if m is not None and wj > 0:
            left_out[:, j] = has & ~(~m & eligible).any(axis=1)
    weights = _row_weights(w_in, left_out)                    # (n, m)
    values, unknown, eligible, renorm = _fill_missing(values, missing, left_out, eligible,
                                                      criteria)
    penalise = held if committed == "penalise" else None
    # after the missing-data policy, as a shortlist does: every value of a committed pair
    # times the factor; for a weighted sum and a factor that is a power of two, the same
    # as its score times the factor, bit for bit
    late = method == "additive" and all(r is None for r in renorm) and \
        math.frexp(PENALTY_FACTOR)[0] == 0.5
    if penalise is not None and not late:
        values = [np.where(penalise, v * PENALTY_FACTOR, v) for v in values]
    scores = _scores(values, unknown, renorm, weights, eligible, b.codes, ids, method)
    if penalise is not None and late:
        np.multiply(scores, PENALTY_FACTOR, out=scores, where=penalise)
    return AllPairs(codes=b.codes, scores=np.where(eligible, scores, np.nan))


def _value_blocks(ctx: Context, codes: np.ndarray, service: str,
                  criteria: dict[str, Criterion]) -> dict[str, _Valued]:
    """Every pair's values (NaN unknown) per criterion and where they are unknown, reusing
    those of a context that differs only in fields the measure does not read."""
    out: dict[str, _Valued] = {}
    keys: dict[str, tuple] = {}
    for cid, crit in criteria.items():
        if crit.measure not in _NOT_READ:
            continue
        inputs = tuple(getattr(ctx, f.name) for f in fields(ctx)
                       if f.name not in _NOT_READ[crit.measure])
        keys[cid] = (cid, id(crit), service if crit.measure in _BY_SERVICE else "",
                     codes.tobytes(), tuple(map(id, inputs)))
        hit = _values.get(keys[cid])
        if hit is not None and all(a is b for a, b in zip(hit[0], inputs, strict=True)):
            _values.move_to_end(keys[cid])
            out[cid] = hit[1]
    todo = {c: k for c, k in criteria.items() if c not in out}
    if todo:
        raw = compute_measures(ctx, list(codes), list(codes), service, todo)
        for cid, v in ((c, _valued(raw[c], c, k)) for c, k in todo.items()):
            unknown = np.isnan(v)
            out[cid] = (v, unknown if unknown.any() else None)
            if cid in keys:
                inputs = tuple(getattr(ctx, f.name) for f in fields(ctx)
                               if f.name not in _NOT_READ[criteria[cid].measure])
                _values[keys[cid]] = (inputs, out[cid])
        while len(_values) > _VALUES_SIZE:
            _values.popitem(last=False)
    return {cid: out[cid] for cid in criteria}


def _valued(raw: np.ndarray, cid: str, crit: Criterion) -> np.ndarray:
    """``value_arrays`` of one criterion's raw measures for every pair, valuing each distinct
    case once where that is cheap to see: rows that all repeat the first (a measure of the
    candidate alone), or a measure that is mostly 0 (arrangements: most pairs share none).
    A value function values each cell on its own, so the values are the same."""
    one = {cid: crit}
    if raw.dtype == object or not raw.size:
        return value_arrays({cid: raw}, one)[cid]
    if (raw == raw[:1]).all():
        return np.repeat(value_arrays({cid: raw[:1]}, one)[cid], len(raw), axis=0)
    nonzero = raw != 0
    if nonzero.mean() > 0.5:
        return value_arrays({cid: raw}, one)[cid]
    out = np.full(raw.shape, value_arrays({cid: np.zeros(1)}, one)[cid][0])
    out[nonzero] = value_arrays({cid: raw[nonzero]}, one)[cid]
    return out


def _row_weights(w_in: pd.Series, left_out: np.ndarray) -> np.ndarray:
    """Each row's weights, the criteria it leaves out at 0 and the rest shared out, with the
    same arithmetic as the single shortlist."""
    out = np.empty(left_out.shape)
    patterns, inverse = np.unique(left_out, axis=0, return_inverse=True)
    for k, pattern in enumerate(patterns):
        used = w_in.copy()
        used[pattern] = 0.0
        total = used.sum()
        used = used / total if total > 0 else used
        out[np.ravel(inverse) == k] = used.to_numpy(float)
    return out


def _fill_missing(values: list[np.ndarray], missing: list[np.ndarray | None],
                  left_out: np.ndarray, eligible: np.ndarray,
                  criteria: dict[str, Criterion]
                  ) -> tuple[list[np.ndarray], list[bool], np.ndarray, list[np.ndarray | None]]:
    """Apply each criterion's missing-data policy row by row, one criterion at a time:
    (values, whether each may still hold NaN off the lists, eligible after any ``exclude``,
    each criterion's cells left for renormalisation or None). A criterion a row leaves out
    is 0 on that row and not unknown there."""
    out: list[np.ndarray] = []
    unknown: list[bool] = []
    renorm: list[np.ndarray | None] = []
    drop = np.zeros(eligible.shape, dtype=bool)
    for j, crit in enumerate(criteria.values()):
        v, miss, gone = values[j], missing[j], left_out[:, j]
        if gone.any():
            v = np.where(gone[:, None], 0.0, v)
            miss = None if miss is None else miss & ~gone[:, None]
        renorm.append(None)
        unknown.append(miss is not None)
        cells = None if miss is None else miss & eligible
        if miss is not None and cells is not None and cells.any():
            if crit.missing == "expected":
                known = eligible & ~miss
                count = known.sum(axis=1)
                mean = np.where(known, v, 0.0).sum(axis=1) / np.maximum(count, 1)
                fill = np.where(count > 0, mean, MISSING_FILL["neutral"])
                v = np.where(cells, fill[:, None], v)
            elif crit.missing in MISSING_FILL:
                v = np.where(cells, MISSING_FILL[crit.missing], v)
            elif crit.missing == "exclude":
                drop |= cells
            else:  # renormalise
                renorm[-1] = cells
        out.append(v)
    return out, unknown, eligible & ~drop, renorm


def stacked_sum(terms: list[np.ndarray]) -> np.ndarray:
    """``numpy.stack(terms, axis=-1).sum(axis=-1)``, bit for bit, without making the stack.

    numpy sums the last axis pairwise, eight partial sums at a time (up to 128 terms); this
    adds the arrays in that order, so that the all-pairs scores equal those of the single
    shortlist's weighted sum exactly. More than 128 terms: the stack is made.

    Examples
    --------
    >>> t = [np.array([0.1 * k, 1e16 / (k + 1)]) for k in range(11)]
    >>> bool((stacked_sum(t) == np.stack(t, axis=-1).sum(axis=-1)).all())
    True
    """
    return _in_numpy_order(len(terms), lambda j, out: terms[j].copy() if out is None
                           else terms[j])


def _in_numpy_order(m: int, term: Callable[[int, np.ndarray | None], np.ndarray]
                    ) -> np.ndarray:
    """The sum of terms ``0 .. m - 1`` in the order of :func:`stacked_sum`, added in place
    into as few arrays as that order needs: ``term(j, None)`` gives term ``j`` as a new array
    the sum may overwrite, ``term(j, out)`` term ``j`` (written into ``out`` or not)."""
    if m > 128:
        return np.stack([term(j, None) for j in range(m)], axis=-1).sum(axis=-1)
    first = term(0, None)
    if m < 8:
        total = np.zeros_like(first)
        total += first
        for j in range(1, m):
            total += term(j, first)
        return total
    r = [first] + [term(k, None) for k in range(1, 8)]
    spare = np.empty_like(first)
    i = 8
    while i < m - m % 8:
        for k in range(8):
            r[k] += term(i + k, spare)
        i += 8
    for a, b in ((0, 1), (2, 3), (0, 2), (4, 5), (6, 7), (4, 6), (0, 4)):
        r[a] += r[b]  # ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for j in range(i, m):
        r[0] += term(j, spare)
    return r[0]


def _weighted_sum(values: list[np.ndarray], unknown: list[bool], w: np.ndarray
                  ) -> np.ndarray:
    """Each row's weighted sum: values ``j`` times row weights ``w[:, j]`` (an unknown cell
    0), added as numpy sums the stack of the terms."""
    def term(j: int, out: np.ndarray | None) -> np.ndarray:
        t = np.multiply(values[j], w[:, j, None], out=out)
        if unknown[j]:
            np.copyto(t, 0.0, where=np.isnan(t))
        return t

    return _in_numpy_order(len(values), term)


def _scores(values: list[np.ndarray], unknown: list[bool], renorm: list[np.ndarray | None],
            weights: np.ndarray, eligible: np.ndarray, codes: np.ndarray, ids: list[str],
            method: str) -> np.ndarray:
    """Each row's scores on the 0-100 scale of the shortlist (garbage off its list)."""
    w = weights / np.array([math.fsum(r) for r in weights])[:, None]
    if method == "additive" and all(r is None for r in renorm):  # one criterion at a time
        return _weighted_sum(values, unknown, w)
    v = np.stack(values, axis=-1)
    gaps = np.stack([np.zeros(eligible.shape, dtype=bool) if r is None else r
                     for r in renorm], axis=-1)
    if gaps.any():  # a renormalised cell takes the candidate's score over its known cells
        wmat = np.where(gaps, 0.0, w[:, None, :])
        total = wmat.sum(axis=2)
        score = (np.where(gaps, 0.0, v) * (wmat / np.where(total > 0, total, 1.0)[:, :, None])
                 ).sum(axis=2)
        v = np.where(gaps, score[:, :, None], v)
    v = np.where(np.isnan(v), 0.0, v)
    if method == "additive":
        return (v * w[:, None, :]).sum(axis=2)
    out = np.full(eligible.shape, np.nan)
    for i in np.flatnonzero(eligible.any(axis=1)):
        on = eligible[i]
        vm = ValueMatrix(codes[on], tuple(ids), v[i, on], weights[i])
        s = (aggregation.topsis(vm) * 100.0 if method == "topsis"
             else (aggregation.promethee_ii(vm) + 1.0) * 50.0)
        out[i, on] = s.to_numpy(float)
    return out


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st ...

    Examples
    --------
    >>> [ordinal(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def mutual_note(weight: float, subject_name: str) -> str:
    """The sentence saying how a mutual score was made."""
    return (f"Scores are mutual: {1 - weight:.0%} {subject_name}'s own score of each candidate "
            f"and {weight:.0%} the candidate's score of {subject_name} on its own shortlist "
            "(its own score alone where that is not known).")


class TwoWay:
    """The candidates' view of one subject council (:attr:`partnerfit.Shortlist.two_way`).

    Made by :func:`two_way_view`. The scores are read at once; the ranks (a sort of every
    candidate's list) only when :attr:`table` is first used.

    Attributes
    ----------
    subject : str
        GSS code of the subject (the shortlist's council).
    their_score : pandas.Series
        Per candidate code, the subject's score on the candidate's own shortlist (0-100;
        NaN if not on it).
    weight : float
        Weight of the candidate's view in a mutual score (0 = shown, not scored).
    """

    def __init__(self, pairs: AllPairs, subject: str, candidates: Any,
                 weight: float = 0.0) -> None:
        index = pd.Index(list(candidates), name="code")
        where = {c: i for i, c in enumerate(pairs.codes)}
        rows = np.array([where.get(c, -1) for c in index], dtype=int)
        s = where.get(subject, -1)
        self._ok = (rows >= 0) & (s >= 0)
        self._pairs, self._rows, self._s = pairs, rows, s
        score = np.full(len(index), np.nan)
        if self._ok.any():
            score[self._ok] = pairs.scores[rows[self._ok], s]
        self.subject, self.weight = subject, float(weight)
        self.their_score = pd.Series(score, index=index, name="their_score")
        self._table: pd.DataFrame | None = None

    @property
    def table(self) -> pd.DataFrame:
        """Index: candidate codes; ``their_rank`` (the subject's rank on the candidate's own
        shortlist; <NA> if not on it), ``their_score`` (its score there, 0-100),
        ``their_candidates`` (how many councils that list ranks) and ``their_tied`` (how
        many others there have the same score; the rank then follows the GSS code)."""
        if self._table is None:
            ok, rows, s, pairs = self._ok, self._rows, self._s, self._pairs
            n = len(rows)
            rank, count, tied = (np.zeros(n, dtype=np.int64) for _ in range(3))
            if ok.any():
                rank[ok] = pairs.rank_of(rows[ok], s)
                count[ok] = pairs.counts[rows[ok]]
                tied[ok] = pairs.tied(rows[ok], s)
            on = rank > 0
            self._table = pd.DataFrame({
                "their_rank": pd.array(np.where(on, rank, 0), dtype="Int64"),
                "their_score": self.their_score.to_numpy(),
                "their_candidates": pd.array(count, dtype="Int64"),
                "their_tied": pd.array(np.where(on, tied, 0), dtype="Int64")},
                index=self.their_score.index)
            self._table.loc[~on, ["their_rank", "their_tied"]] = pd.NA
        return self._table

    def place(self, code: str) -> str:
        """Where the subject stands on candidate ``code``'s own list: "2nd of 348", or
        "not on its list"."""
        row = self.table.loc[code]
        if pd.isna(row["their_rank"]):
            return "not on its list"
        tied = int(row["their_tied"])
        also = "" if not tied else f", tied with {tied} other" + ("s" if tied > 1 else "")
        return f"{ordinal(int(row['their_rank']))} of {int(row['their_candidates'])}{also}"

    def sentence(self, code: str, subject_name: str, candidate_name: str,
                 service_name: str) -> str:
        """E.g. "Bromsgrove would rank Wyre Forest 2nd of 348 on its own building control
        shortlist (score 90.4 of 100)."."""
        row = self.table.loc[code]
        if pd.isna(row["their_rank"]):
            return (f"{candidate_name}'s own {service_name} shortlist leaves {subject_name} "
                    "out (a missing-data policy screens it), so its view is not known.")
        return (f"{candidate_name} would rank {subject_name} {self.place(code)} on its own "
                f"{service_name} shortlist (score {float(row['their_score']):.1f} of 100).")


def two_way_view(pairs: AllPairs, subject: str, candidates: Any, weight: float = 0.0
                 ) -> TwoWay:
    """Where ``subject`` ranks on each candidate's own shortlist.

    Parameters
    ----------
    pairs : AllPairs
        From :func:`all_pairs` for the subject's context, service and settings.
    subject : str
        GSS code of the subject.
    candidates : array-like of str
        Codes of the subject's candidates.
    weight : float, default 0
        Stored on the result (the mutual-score weight).

    Returns
    -------
    TwoWay
    """
    return TwoWay(pairs, subject, candidates, weight)


def mix(own: pd.Series, view: TwoWay) -> pd.Series:
    """The mutual score: ``(1 - t) x own + t x their_score`` with ``t`` the view's weight;
    the own score alone where the candidate's view is unknown."""
    t = view.weight
    their = view.their_score.reindex(own.index).to_numpy(float)
    mixed = np.where(np.isnan(their), own.to_numpy(float), (1 - t) * own.to_numpy(float)
                     + t * np.nan_to_num(their))
    return pd.Series(mixed, index=own.index, name=own.name)
