"""Choose the systems criterion's missing-data policy with the backtest.

For each candidate policy ("neutral": unknown systems score 50; "expected": the average of the
candidates whose systems are known), run :func:`partnerfit.evaluate.backtest` with the bundled
data and print MRR and hit@5 by service family. The policy with the higher overall MRR (hit@5
to break a tie) is the one ``criteria/criteria.yaml`` uses.

Usage: ``PYTHONPATH=src python scripts/systems_policy_backtest.py``
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import yaml

import partnerfit as pf
from partnerfit._paths import bundled

POLICIES = ("neutral", "expected")


def run(policy: str, folder: Path) -> pf.BacktestResult:
    spec = yaml.safe_load(bundled("criteria", "criteria.yaml").read_text(encoding="utf-8"))
    spec["criteria"]["systems"]["missing"] = policy
    path = folder / f"criteria_{policy}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return pf.evaluate.backtest(baselines=False, criteria=path)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for policy in POLICIES:
            bt = run(policy, Path(tmp))
            fam = bt.by_family.xs("weights", level="method")
            for family, r in fam.iterrows():
                rows.append({"policy": policy, "family": family, "cases": int(r["cases"]),
                             "mrr": r["mrr"], "hit@5": r["hit@5"]})
            s = bt.summary.loc["weights"]
            rows.append({"policy": policy, "family": "all", "cases": int(s["cases"]),
                         "mrr": s["mrr"], "hit@5": s["hit@5"]})
    table = pd.DataFrame(rows).pivot(index="family", columns="policy",
                                     values=["cases", "mrr", "hit@5"])
    print(table.round(4).to_string())


if __name__ == "__main__":
    main()
