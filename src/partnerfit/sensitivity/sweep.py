"""One-at-a-time weight sensitivity: sweeps and exact stability intervals.

Varying one criterion's weight ``t`` from 0 to 1 and rescaling the others in
proportion (``w_i (1 - t) / (1 - w_c)``) keeps the weights summing to 1 and keeps
the *relative* importance of the other criteria as the decision makers set it.
Every candidate's score is then a straight line in ``t``::

    S_a(t) = R_a + t (v_ac - R_a),     R_a = sum_{i != c} w_i v_ai / (1 - w_c)

so the weights at which two candidates swap places are where their lines cross,
and the range of ``t`` keeping the current leader first (or the current top-k set
unchanged) is found exactly by intersecting lines, not by sampling.

If the criterion currently carries all the weight (``w_c = 1``) the others have
no proportions to keep; they then share ``1 - t`` equally (documented edge case).

Ties
----
Scores are compared after rounding to 9 decimals; equal scores are broken by GSS
code (smaller code ranks higher), as everywhere in partnerfit. At a boundary of a
stability interval the leader and the candidate that takes over have equal
scores, so the boundary weight itself belongs to the interval exactly when the
leader's GSS code sorts first. The ``*_closed`` columns of
:func:`stability_intervals` say which is the case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SensitivityError
from ..matrix import ValueMatrix
from ._common import (
    SCORE_DECIMALS,
    analysis_matrix,
    criterion_index,
    fmt_pct,
    pct_decimals,
    rank_order,
    whole_number,
)

#: Slopes closer than this to zero (on the 0–100 score scale) count as parallel lines.
_SLOPE_TOL = 1e-12
#: Crossing points closer than this count as the same boundary.
_ROOT_TOL = 1e-12


def _need_two_criteria(p: ValueMatrix) -> None:
    if p.m < 2:
        raise SensitivityError(
            f"The shortlist has only one criterion ({p.criteria[0]!r}); its weight is always "
            "100%, so there is no weight to vary. Add criteria to run a weight sensitivity."
        )


def swept_weights(p: ValueMatrix, c: int, t: np.ndarray) -> np.ndarray:
    """Weight vectors ``(len(t), m)`` with criterion ``c`` at ``t``, others in proportion."""
    t = np.asarray(t, dtype=float)
    others = np.delete(np.arange(p.m), c)
    rest = p.weights[others].sum()
    share = p.weights[others] / rest if rest > 1e-12 else np.full(len(others), 1 / len(others))
    w = np.empty((len(t), p.m))
    w[:, c] = t
    w[:, others] = (1 - t)[:, None] * share[None, :]
    return w


def score_lines(p: ValueMatrix, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Intercept ``R`` and slope of every candidate's score as a function of criterion c's weight."""
    w0, w1 = swept_weights(p, c, np.array([0.0, 1.0]))
    intercept = p.values @ w0
    slope = p.values @ w1 - intercept
    return intercept, slope


def weight_sweep(shortlist: object, criterion: str, steps: int = 101) -> pd.DataFrame:
    """Scores and ranks as one criterion's weight runs from 0 to 1.

    The other weights are rescaled in proportion, ``w_i (1 - t) / (1 - w_c)``, so
    they keep their relative sizes and all weights sum to 1 (if the criterion
    holds all the weight now, the others share ``1 - t`` equally).

    Parameters
    ----------
    shortlist : Shortlist-like
        Needs ``value_matrix``, ``weights`` and ideally ``names``.
    criterion : str
        Criterion id (or its exact label).
    steps : int, default 101
        Number of equally spaced weights from 0 to 1 inclusive (101 gives 1% steps).

    Returns
    -------
    pandas.DataFrame
        Long table, one row per (weight, candidate): ``weight``, ``code``, ``name``,
        ``score`` (0–100), ``rank`` (1 = best; ties by GSS code); sorted by weight
        then rank. ``attrs`` holds ``criterion``, ``label`` and ``current_weight``.

    Raises
    ------
    SensitivityError
        Unknown criterion, fewer than two criteria or fewer than two steps.
    """
    p = analysis_matrix(shortlist)
    _need_two_criteria(p)
    c = criterion_index(p, criterion)
    t = np.linspace(0.0, 1.0, whole_number(steps, "steps", 2))
    scores = swept_weights(p, c, t) @ p.values.T  # (steps, n)
    order = rank_order(scores)
    n = p.n
    idx = order.ravel()
    out = pd.DataFrame(
        {
            "weight": np.repeat(t, n),
            "code": p.codes[idx],
            "name": p.names[idx],
            "score": np.take_along_axis(scores, order, axis=1).ravel(),
            "rank": np.tile(np.arange(1, n + 1), len(t)),
        }
    )
    out.attrs.update(criterion=p.criteria[c], label=p.labels[c], current_weight=float(p.weights[c]))
    return out


def _set_interval(
    intercept: np.ndarray, slope: np.ndarray, inside: np.ndarray, now: float
) -> tuple[float, float, bool, bool]:
    """Exact range of t keeping every candidate in ``inside`` ahead of every other one.

    Returns ``(low, high, low_closed, high_closed)``.
    """
    n = len(intercept)
    outside = np.setdiff1d(np.arange(n), inside)
    if len(outside) == 0:
        return 0.0, 1.0, True, True
    a = inside[:, None]
    b = outside[None, :]
    d0 = intercept[a] - intercept[b]
    d1 = slope[a] - slope[b]
    wins_tie = np.broadcast_to(a < b, d0.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = -d0 / d1
    # Each pair's feasible set contains `now`: d1 > 0 bounds t from below, d1 < 0 from above.
    lower = (d1 > _SLOPE_TOL) & (root > 0 - _ROOT_TOL)
    upper = (d1 < -_SLOPE_TOL) & (root < 1 + _ROOT_TOL)

    def end(mask: np.ndarray, pick, clip: float) -> tuple[float, bool]:
        if not mask.any():
            return clip, True
        r = pick(root[mask])
        r = min(max(r, 0.0), 1.0)
        r = min(r, now) if pick is np.max else max(r, now)
        binding = mask & (np.abs(root - r) <= _ROOT_TOL + 1e-9 * abs(r))
        return float(r), bool(wins_tie[binding].all()) if binding.any() else True

    low, low_closed = end(lower, np.max, 0.0)
    high, high_closed = end(upper, np.min, 1.0)
    return low, high, low_closed, high_closed


def _newcomer(
    intercept: np.ndarray, slope: np.ndarray, t: float, below: bool, exclude: np.ndarray
) -> int:
    """Best candidate (not in ``exclude``) just below (or above) weight ``t``.

    At t = 0 (below) or t = 1 (above) there is no "beyond": the best candidate at
    ``t`` itself is returned (ties by GSS code).
    """
    at = np.round(intercept + t * slope, SCORE_DECIMALS)
    # Just below t a smaller slope means a higher score; just above, a larger one.
    tilt = slope if below else -slope
    if (below and t <= 0) or (not below and t >= 1):
        tilt = np.zeros_like(slope)
    idx = np.arange(len(intercept))
    keep = ~np.isin(idx, exclude)
    order = np.lexsort((idx[keep], np.round(tilt[keep], SCORE_DECIMALS), -at[keep]))
    return int(idx[keep][order[0]])


def _stability_problem(p: ValueMatrix, k: int) -> dict:
    _need_two_criteria(p)
    k = min(whole_number(k, "k"), p.n)
    now_order = rank_order(p.values @ p.weights)
    leader = now_order[0]
    topk = now_order[:k]
    rows = []
    for c in range(p.m):
        intercept, slope = score_lines(p, c)
        now = float(p.weights[c])
        row: dict = {"criterion": p.criteria[c], "label": p.labels[c], "weight": now}
        for tag, inside in (("top1", now_order[:1]), ("topk", topk)):
            low, high, lc, hc = _set_interval(intercept, slope, inside, now)
            low_by = high_by = None
            if low > 0 or not lc:
                low_by = p.codes[_newcomer(intercept, slope, low, True, inside)]
            if high < 1 or not hc:
                high_by = p.codes[_newcomer(intercept, slope, high, False, inside)]
            row.update(
                {
                    f"{tag}_low": low,
                    f"{tag}_high": high,
                    f"{tag}_low_by": low_by,
                    f"{tag}_high_by": high_by,
                    f"{tag}_low_closed": lc,
                    f"{tag}_high_closed": hc,
                }
            )
        rows.append(row)
    return {"rows": rows, "leader": leader, "topk": topk, "k": k}


_COLUMNS = [
    "criterion", "label", "weight",
    "top1_low", "top1_high", "top1_low_by", "top1_high_by",
    "topk_low", "topk_high", "topk_low_by", "topk_high_by",
    "top1_low_closed", "top1_high_closed", "topk_low_closed", "topk_high_closed",
]  # fmt: skip


def stability_intervals(shortlist: object, k: int = 3) -> pd.DataFrame:
    """Exact weight ranges over which the current first place (and top-k set) stay put.

    For each criterion in turn its weight is moved from 0 to 1 with the other
    weights rescaled in proportion (see :func:`weight_sweep`). Because scores are
    linear in that weight, the ranges are found by intersecting score lines.

    Parameters
    ----------
    shortlist : Shortlist-like
        Needs ``value_matrix``, ``weights``; ``names`` and ``criteria_labels`` are used
        if present.
    k : int, default 3
        Size of the top set whose membership (not order) must stay the same.
        Capped at the number of candidates.

    Returns
    -------
    pandas.DataFrame
        One row per criterion, columns:

        ``criterion``, ``label``, ``weight``
            Criterion id, plain label and current weight.
        ``top1_low``, ``top1_high``
            Lowest and highest weight at which the current leader is still first.
        ``top1_low_by``, ``top1_high_by``
            GSS code of the candidate that takes first place just beyond each end
            (None where the range reaches 0 or 1 and the leader stays first).
        ``topk_low``, ``topk_high``, ``topk_low_by``, ``topk_high_by``
            The same for the current top-k *set*; ``*_by`` is the candidate that enters it.
        ``top1_low_closed`` ... ``topk_high_closed``
            True if the end weight itself still keeps the leader (set). At a boundary
            the two candidates tie; the tie goes to the smaller GSS code.

        ``attrs`` holds ``leader`` (code), ``leader_name``, ``k``, ``top_k`` (codes,
        best first) and ``top_k_names``.

    Raises
    ------
    SensitivityError
        Fewer than two criteria, or a bad ``k``.
    """
    p = analysis_matrix(shortlist)
    res = _stability_problem(p, k)
    table = pd.DataFrame(res["rows"], columns=_COLUMNS)
    table.attrs.update(
        leader=str(p.codes[res["leader"]]),
        leader_name=str(p.names[res["leader"]]),
        k=res["k"],
        top_k=[str(p.codes[i]) for i in res["topk"]],
        top_k_names=[str(p.names[i]) for i in res["topk"]],
    )
    return table


def _sentence(
    subject: str, verb_stay: str, label: str, now: float, ends: tuple, change: str,
    tie: str = "it ties with {name}",
) -> str:
    """One plain-English sentence about an interval ``ends = (low, high, low_closed,
    high_closed, name_low, name_high)``. At an end inside 0-100% the two candidates tie, and
    the sentence says so (a tie is broken by GSS code, which is not a preference)."""
    low, high, low_closed, high_closed, by_low, by_high = ends
    low = 0.0 if low <= 1e-9 else low  # rounding noise at the ends of the range
    high = 1.0 if high >= 1 - 1e-9 else high
    has_low = low > 0 or not low_closed
    has_high = high < 1 or not high_closed
    d = pct_decimals([low, now, high, 0.0, 1.0])  # an end near 100% never reads "100%"
    f = lambda x: fmt_pct(x, d)
    where = f"the '{label}' weight"
    if not has_low and not has_high:
        return f"{subject} {verb_stay} whatever {where} (0% to 100%; now {f(now)})."
    if high - low <= 1e-12:
        s = f"{subject} {verb_stay} only at the current {where} ({f(now)})"
    elif has_low and has_high:
        s = f"{subject} {verb_stay} while {where} is between {f(low)} and {f(high)}"
    elif has_high:
        s = f"{subject} {verb_stay} while {where} is below {f(high)}"
    else:
        s = f"{subject} {verb_stay} while {where} is above {f(low)}"
    if high - low > 1e-12:
        s += f" (now {f(now)})"
    tails = []
    if has_low and by_low is not None:
        if low <= 0:
            tails.append(f"at exactly 0%, {tie.format(name=by_low)}, and {by_low} is listed "
                         "first by its code")
        else:
            tails.append(f"at {f(low)}, {tie.format(name=by_low)}; below that, "
                         f"{by_low} {change}")
    if has_high and by_high is not None:
        if high >= 1:
            tails.append(f"at exactly 100%, {tie.format(name=by_high)}, and {by_high} is "
                         "listed first by its code")
        else:
            tails.append(f"at {f(high)}, {tie.format(name=by_high)}; above that, "
                         f"{by_high} {change}")
    return s + ("; " + "; ".join(tails) if tails else "") + "."


def describe_stability(shortlist: object, k: int = 3) -> list[str]:
    """Plain-English reading of :func:`stability_intervals`.

    Parameters
    ----------
    shortlist : Shortlist-like
        As for :func:`stability_intervals`.
    k : int, default 3
        Size of the top set. With ``1 < k < number of candidates``, one sentence per
        criterion about the top-k set follows the sentences about first place.

    Returns
    -------
    list of str
        One sentence per criterion about first place, e.g. "Preston stays first while
        the 'Geography: distance' weight is between 18% and 47% (now 30%); at 18%, it ties
        with Wyre; below that, Wyre takes first place; ...", then (if ``1 < k < n``) one per criterion about the
        top-k set. Percentages carry just enough decimals to tell the ends apart.
    """
    p = analysis_matrix(shortlist)
    table = stability_intervals(shortlist, k=k)
    names = dict(zip(p.codes, p.names, strict=True))
    leader = table.attrs["leader_name"]
    out = []
    for row in table.itertuples(index=False):
        out.append(
            _sentence(
                leader,
                "stays first",
                row.label,
                row.weight,
                (
                    row.top1_low,
                    row.top1_high,
                    row.top1_low_closed,
                    row.top1_high_closed,
                    names.get(row.top1_low_by),
                    names.get(row.top1_high_by),
                ),
                "takes first place",
            )
        )
    kk = table.attrs["k"]
    if 1 < kk < p.n:
        group = ", ".join(table.attrs["top_k_names"])
        for row in table.itertuples(index=False):
            out.append(
                _sentence(
                    f"The top {kk} ({group})",
                    f"stay the top {kk}",
                    row.label,
                    row.weight,
                    (
                        row.topk_low,
                        row.topk_high,
                        row.topk_low_closed,
                        row.topk_high_closed,
                        names.get(row.topk_low_by),
                        names.get(row.topk_high_by),
                    ),
                    f"enters the top {kk}",
                    "{name} ties for a place in the top " + str(kk),
                )
            )
    return out
