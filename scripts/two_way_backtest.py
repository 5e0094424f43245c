"""Issue 15, two-way fit: the backtest with the candidates' view mixed into the score.

Scores every backtest case once with the two-way columns (the candidates' own shortlists
scored with the same arrangements removed), then ranks the real partner under several mutual
scores: ``(1 - t) x own + t x their score`` for a few ``t``, and the geometric mean of the two.
``t = 0`` is the backtest as it is. Figures: MRR and hit@5 overall and by service family
(cases as :func:`partnerfit.evaluate.backtest` defines them, ties as expected values), and
"same county, then nearest" for reference.

Run: ``python scripts/two_way_backtest.py`` (a few minutes).

Result (2026-12-05, backtest before the issue-15 rewrite, 4,126 cases, unweighted):

=================  =====  ===========  ========  ======  =====  ==========
MRR                all    back office  customer  people  place  regulatory
=================  =====  ===========  ========  ======  =====  ==========
t=0 (today)        .3519  .3394        .3143     .3225   .3924  .3768
t=0.1              .3528  .3411        .3146     .3233   .3931  .3762
t=0.2              .3536  .3402        .3178     .3242   .3938  .3795
t=0.5              .3552  .3419        .3197     .3257   .3957  .3795
geometric mean     .3552  .3419        .3197     .3257   .3958  .3795
county_nearest     .3253  .2778        .2979     .3108   .3717  .3700
=================  =====  ===========  ========  ======  =====  ==========

hit@5 overall 58.1% (t=0) to 58.4% (t=0.5); county_nearest 54.5%. Halving the sharing-record
weight with no two-way term gives MRR 0.355, hit@5 58.3%: the same gain (see
:mod:`partnerfit.two_way`), so the mutual score stays off by default.
"""

from __future__ import annotations

import importlib
import time

import numpy as np
import pandas as pd

import partnerfit as pf
from partnerfit.aggregation import tie_key
from partnerfit.evaluate.metrics import expected_reciprocal_rank, hit_chance, position

bt_mod = importlib.import_module("partnerfit.evaluate.backtest")
SETTINGS = {"t=0 (today)": 0.0, "t=0.05": 0.05, "t=0.1": 0.1, "t=0.2": 0.2, "t=0.3": 0.3,
            "t=0.5": 0.5, "geometric mean": "geo"}


def _mixed(own: np.ndarray, their: np.ndarray, how: float | str) -> np.ndarray:
    their = np.where(np.isnan(their), own, their)
    if how == "geo":
        return np.sqrt(np.clip(own, 0, None) * np.clip(their, 0, None))
    return (1 - how) * own + how * their


def main() -> None:
    t0 = time.perf_counter()
    base = pf.evaluate.backtest()  # the cases and county_nearest, as the backtest scores them
    t_base = time.perf_counter() - t0
    table = pf.load_links()
    pending, _ = bt_mod._pairs(table[table["kind"].isin(bt_mod.CASE_KINDS)], None, 2009)
    scorer = bt_mod._Scorer(None, None, pf.load_criteria(), None, None, True)
    scored = {(r.arrangement, r.focal, r.partner) for r in base.cases.itertuples()}
    rows = []
    t1 = time.perf_counter()
    for c in pending:
        if (c["arrangement"], c["focal"], c["partner"]) not in scored:
            continue
        sl, _ = scorer.shortlist(c)
        codes = sl.matrix.codes
        target = int(np.nonzero(codes == c["partner"])[0][0])
        own = sl.scores.reindex(codes).to_numpy(float)
        their = sl.two_way.table["their_score"].reindex(codes).to_numpy(float)
        row = {"arrangement": c["arrangement"], "focal": c["focal"], "partner": c["partner"]}
        for name, how in SETTINGS.items():
            b, t = position([tie_key(_mixed(own, their, how))], target)
            row[f"rr {name}"] = float(expected_reciprocal_rank(np.array([b]), np.array([t]))[0])
            row[f"hit5 {name}"] = float(hit_chance(np.array([b]), np.array([t]), 5)[0])
        rows.append(row)
    t_two = time.perf_counter() - t1
    got = pd.DataFrame(rows).merge(base.cases, on=["arrangement", "focal", "partner"])
    b, t = got["rank_county_nearest"] - (got["tied_county_nearest"] + 1) / 2, \
        got["tied_county_nearest"]
    got["rr county_nearest"] = expected_reciprocal_rank(b.to_numpy(int), t.to_numpy(int))
    got["hit5 county_nearest"] = hit_chance(b.to_numpy(int), t.to_numpy(int), 5)
    names = [*SETTINGS, "county_nearest"]
    out = []
    for fam, g in [("overall", got), *got.groupby("family")]:
        for name in names:
            out.append({"family": fam, "setting": name, "cases": len(g),
                        "MRR": g[f"rr {name}"].mean(), "hit@5": g[f"hit5 {name}"].mean()})
    res = pd.DataFrame(out)
    print(f"backtest (no two-way) {t_base:.0f} s; two-way scoring of every case {t_two:.0f} s")
    print(res.pivot(index="setting", columns="family", values="MRR").loc[names].round(4)
          .to_string())
    print(res.pivot(index="setting", columns="family", values="hit@5").loc[names].round(3)
          .to_string())


if __name__ == "__main__":
    main()
