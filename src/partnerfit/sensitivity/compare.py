"""Stakeholder disagreement: rankings under several weight sets, side by side."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ._common import analysis_matrix, ranks_from_scores, whole_number

_AGREEMENT_COLUMNS = ("name", "best_rank", "worst_rank", "rank_range", "top_count", "in_all_top")


def compare_weight_sets(
    shortlist: object,
    weight_sets: Mapping[str, pd.Series | Mapping[str, float]],
    top: int = 10,
) -> pd.DataFrame:
    """Rank the candidates under each stakeholder's weights and show where they agree.

    Parameters
    ----------
    shortlist : Shortlist-like
        Needs ``value_matrix`` (and ideally ``names``); its own weights are not used.
    weight_sets : mapping
        ``{set name: weights}``, weights a Series or dict over *all* the shortlist's
        criteria (ids, or exact labels). Each set is divided by its sum, so raw swing
        points (100, 60, 30) are fine; weights must be non-negative and not all zero.
    top : int, default 10
        Candidates ranked in the top ``top`` by at least one set are shown.

    Returns
    -------
    pandas.DataFrame
        Index ``code``; columns ``name``, then one rank column per weight set (named as
        the set; 1 = best, ties by GSS code), then ``best_rank``, ``worst_rank``,
        ``rank_range`` (worst - best), ``top_count`` (sets placing the candidate in
        their top ``top``) and ``in_all_top`` (every set does). Sorted by mean rank,
        then code. ``attrs``: ``top``, ``sets``, ``agree_first`` (all sets have the
        same first place) and ``common_top`` (codes in every set's top ``top``).

    Raises
    ------
    DataValidationError
        Unknown or missing criteria, negative or all-zero weights, or a set name that
        clashes with an agreement column (all problems listed).
    """
    p = analysis_matrix(shortlist)
    top = whole_number(top, "top")
    if not weight_sets:
        raise DataValidationError("weight sets", ["No weight sets given; pass at least one."])
    problems: list[str] = []
    matrix = []
    names = []
    for set_name, ws in weight_sets.items():
        names.append(str(set_name))
        where = f"weight set {set_name!r}"
        if str(set_name) in _AGREEMENT_COLUMNS:
            problems.append(f"{where}: the name clashes with a result column; rename the set.")
        items = dict(ws.items()) if isinstance(ws, (pd.Series, Mapping)) else None
        if items is None:
            problems.append(f"{where}: give a dict or pandas Series of criterion -> weight.")
            continue
        vec = np.full(p.m, np.nan)
        for key, val in items.items():
            key = str(key)
            j = (
                p.criteria.index(key)
                if key in p.criteria
                else p.labels.index(key)
                if key in p.labels
                else None
            )
            if j is None:
                problems.append(
                    f"{where}: unknown criterion {key!r}; the criteria are {', '.join(p.criteria)}."
                )
                continue
            try:
                vec[j] = float(val)
            except (TypeError, ValueError):
                problems.append(f"{where}: weight for {key!r} is not a number ({val!r}).")
                vec[j] = 0.0
        gaps = [p.criteria[j] for j in np.flatnonzero(np.isnan(vec))]
        if gaps:
            problems.append(f"{where}: no weight for {', '.join(gaps)} (give 0 to ignore one).")
            continue
        if not np.isfinite(vec).all() or (vec < 0).any():
            problems.append(f"{where}: weights must be finite and non-negative.")
            continue
        if vec.sum() <= 0:
            problems.append(f"{where}: all weights are zero.")
            continue
        matrix.append(vec / vec.sum())
    if len(set(names)) != len(names):
        problems.append("Two weight sets have the same name.")
    if problems:
        raise DataValidationError("weight sets", problems)

    w = np.array(matrix)  # (sets, m)
    ranks = ranks_from_scores(w @ p.values.T)  # (sets, n)
    kk = min(int(top), p.n)
    in_top = np.less_equal(ranks, kk)
    shown = in_top.any(axis=0)
    df = pd.DataFrame(ranks.T, index=pd.Index(p.codes, name="code"), columns=names)
    df.insert(0, "name", p.names)
    df["best_rank"] = ranks.min(axis=0)
    df["worst_rank"] = ranks.max(axis=0)
    df["rank_range"] = df["worst_rank"] - df["best_rank"]
    df["top_count"] = in_top.sum(axis=0)
    df["in_all_top"] = in_top.all(axis=0)
    mean = ranks.mean(axis=0)
    order = np.lexsort((np.arange(p.n), mean))  # codes are already in ascending order
    order = order[shown[order]]
    out = df.iloc[order].copy()
    firsts = {int(np.argmin(r)) for r in ranks}
    out.attrs.update(
        top=kk,
        sets=names,
        agree_first=len(firsts) == 1,
        common_top=[str(c) for c in p.codes[in_top.all(axis=0)]],
    )
    return out
