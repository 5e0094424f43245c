"""Choose the policy for committed candidates (``committed=``) with the backtest.

For each policy of :data:`partnerfit.availability.COMMITTED_POLICIES` ("offer" ranks as
"screen" in the backtest, which never scores partnership candidates), run
:func:`partnerfit.evaluate.backtest` with the bundled data and print MRR and hit@5 overall and
by service family, against "same county, then nearest" (``county_nearest``) of the same run.

A case whose real partner the policy screens out (it was committed to another arrangement for
the service on the date) is a miss: the backtest lists it among the skipped cases ("partner
screened out: committed to ..."), and this script counts it with reciprocal rank 0 and no hit,
so that a policy cannot score better by hiding its failures. The baseline is always the one of
the ``mark`` run (every case, every candidate), the plain rule an officer could apply.

Usage: ``PYTHONPATH=src python scripts/committed_policy_backtest.py [--factor F] [policy ...]``
(``--factor`` sets :data:`partnerfit.availability.PENALTY_FACTOR` for ``penalise``).
"""

from __future__ import annotations

import sys

import pandas as pd

import partnerfit as pf
from partnerfit.availability import COMMITTED_POLICIES


def _figures(bt: pf.BacktestResult, method: str) -> pd.DataFrame:
    """MRR and hit@5 per family and overall (the backtest's own expected values under random
    tie-breaking), counting the real partners screened out as committed as misses."""
    by = bt.by_family.xs(method, level="method")[["cases", "mrr", "hit@5"]].copy()
    by.loc["overall"] = bt.summary.loc[method, ["cases", "mrr", "hit@5"]]
    lost = pd.Series(0.0, index=by.index)
    if method == "weights":
        sk = bt.skipped
        gone = sk[sk["reason"].str.startswith("partner screened out: committed to")]
        fam = pf.services()["family"].reindex(gone["service"]).value_counts()
        lost = lost.add(fam, fill_value=0.0).reindex(by.index).fillna(0.0)
        lost["overall"] = len(gone)
    total = by["cases"] + lost
    return pd.DataFrame({"cases": total, "mrr": by["mrr"] * by["cases"] / total,
                         "hit@5": by["hit@5"] * by["cases"] / total})


def main(policies: list[str]) -> None:
    out = []
    base = None
    for policy in policies:
        bt = pf.evaluate.backtest(committed=policy)
        exact = bt.summary.loc["weights", "mrr"]
        f = _figures(bt, "weights")
        if policy == "mark":
            base = _figures(bt, "county_nearest")
        f.columns = pd.MultiIndex.from_product([[policy], f.columns])
        out.append(f)
        print(f"{policy}: backtest MRR of the scored cases {exact:.4f}; "
              f"{int(f[(policy, 'cases')]['overall']) - len(bt.cases)} real partners screened "
              "out as committed (counted as misses)", flush=True)
    table = pd.concat(out, axis=1)
    if base is not None:
        base.columns = pd.MultiIndex.from_product([["county_nearest"], base.columns])
        table = pd.concat([table, base], axis=1)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.round(4).to_string())


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--factor"]:
        import partnerfit.availability
        import partnerfit.scoring

        partnerfit.availability.PENALTY_FACTOR = partnerfit.scoring.PENALTY_FACTOR = float(args[1])
        print(f"penalty factor {float(args[1]):g}")
        args = args[2:]
    main(args or [p for p in COMMITTED_POLICIES if p != "offer"])
