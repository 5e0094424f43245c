"""Choose the weight of the same-service criterion (and whether ``direct_links`` should leave the
service out) with the frozen backtest, by service family, with a leave-one-family-out check.

One backtest is run with the bundled criteria plus an ``other_links`` criterion (services
shared besides this one, valued like ``direct_links``) at weight 0; every variant is then
scored from the backtest's choice sets (the scores are additive, so re-weighting the value
matrices gives exactly the ranks a backtest with those weights would: the check at the top of
``main`` asserts it for today's weights). A variant gives the same-service criterion a share
``a`` of each case's weight (the others scaled by ``1 - a``) and either keeps ``direct_links``
or moves its weight to ``other_links``.

Usage: ``PYTHONPATH=src python scripts/same_service_backtest.py``
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

import partnerfit as pf
from partnerfit._paths import bundled
from partnerfit.aggregation import tie_key
from partnerfit.evaluate.calibration import leave_one_family_out
from partnerfit.evaluate.metrics import position

SHARES = (0.0, 0.05, 0.10, 0.15, 0.20, 0.30)
MAX_CASES = None


def _files(folder: Path) -> tuple[Path, Path]:
    """A criteria file with ``other_links`` added, and the default profile with it at 0."""
    spec = yaml.safe_load(bundled("criteria", "criteria.yaml").read_text(encoding="utf-8"))
    other = dict(spec["criteria"]["direct_links"])
    other.update(measure="other_links", label="Relationships: other services shared")
    spec["criteria"]["other_links"] = other
    crit = folder / "criteria.yaml"
    crit.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    prof = yaml.safe_load(bundled("criteria", "weights/default.yaml").read_text(
        encoding="utf-8"))
    prof["weights"]["other_links"] = 0
    for block in prof.get("services", {}).values():
        block["weights"]["other_links"] = 0
    weights = folder / "weights.yaml"
    weights.write_text(yaml.safe_dump(prof, sort_keys=False), encoding="utf-8")
    return crit, weights


def _variant(bt: pf.evaluate.BacktestResult, share: float, other: bool
             ) -> pf.evaluate.BacktestResult:
    """The backtest re-scored with the variant's weights (ranks of the weights method)."""
    crit = bt.criteria
    j_ss, j_dl, j_ol = crit.index("same_service"), crit.index("direct_links"), \
        crit.index("other_links")
    ranks, tied = [], []
    for s, partner in zip(bt.choice_sets, bt.cases["partner"], strict=True):
        w = np.array(s.weights, dtype=float)
        if other:
            w[j_ol], w[j_dl] = w[j_dl], 0.0
        w = w * (1.0 - share)
        w[j_ss] += share
        target = int(np.flatnonzero(s.codes == partner)[0])
        b, t = position([tie_key(s.values @ w)], target)
        ranks.append(b + (t + 1) / 2.0)
        tied.append(t)
    cases = bt.cases.copy()
    cases["rank_weights"], cases["tied_weights"] = ranks, tied
    return pf.evaluate.BacktestResult(cases=cases, skipped=bt.skipped, summary=bt.summary,
                                      by_family=bt.by_family, by_tier=bt.by_tier,
                                      criteria=crit)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        crit, weights = _files(Path(tmp))
        t0 = time.time()
        bt = pf.evaluate.backtest(criteria=crit, weights=weights, max_cases=MAX_CASES)
        print(f"backtest: {len(bt.cases)} cases, {time.time() - t0:.0f} s wall")
    today = _variant(bt, 0.0, False)
    assert np.allclose(today.cases["rank_weights"], bt.cases["rank_weights"])
    variants = {f"same_service {a:.0%}{', direct_links other services' if o else ''}":
                _variant(bt, a, o) for o in (False, True) for a in SHARES}
    base = next(iter(variants))
    rows = []
    for label, v in variants.items():
        for fam, m in [("all", v.metrics())] + [
                (f, g) for f, g in v.metrics("family").groupby(level=0)]:
            m = m.droplevel(0) if isinstance(m.index, pd.MultiIndex) else m
            rows.append({"variant": label, "family": fam, "cases": int(m.at["weights", "cases"]),
                         "mrr": m.at["weights", "mrr"], "hit@5": m.at["weights", "hit@5"],
                         "mrr_county_nearest": m.at["county_nearest", "mrr"],
                         "hit@5_county_nearest": m.at["county_nearest", "hit@5"]})
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 200)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    lofo = leave_one_family_out(variants, base)
    print("\nLeave one family out (chosen on the other families, scored on the one left out):")
    print(lofo.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print("chosen on every family:", lofo.attrs["chosen_on_all"])


if __name__ == "__main__":
    main()
