"""Choose the same-area criterion's value for ``same_cluster`` with the backtest (issue 15).

``same_cluster`` marks a pair not in the same county but in a common cluster on the date
(councils/clusters.csv: combined authorities, sub-regional groupings). For each candidate
value, and for "off" (the criteria file without the label: the measure as before clusters),
run :func:`partnerfit.evaluate.backtest` with the bundled data and print MRR and hit@5 for
the default weights, overall and by service family, beside "same county, then nearest"
(``county_nearest``, which keeps meaning the same county: it reads only ``same_county``).
The value with the higher overall MRR (hit@5 to break a tie) is the one
``criteria/criteria.yaml`` uses.

Usage: ``PYTHONPATH=src python scripts/same_cluster_backtest.py [VALUE ...]``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

import partnerfit as pf
from partnerfit._paths import bundled

VALUES = ("off", "50", "75", "100")


def run(value: str, folder: Path) -> pf.BacktestResult:
    spec = yaml.safe_load(bundled("criteria", "criteria.yaml").read_text(encoding="utf-8"))
    values = spec["criteria"]["same_area"]["value"]["values"]
    if value == "off":
        values.pop("same_cluster", None)
    else:
        values["same_cluster"] = float(value)
    path = folder / f"criteria_{value}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return pf.evaluate.backtest(criteria=path)


def main(values: list[str]) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for value in values:
            t0 = time.perf_counter()
            bt = run(value, Path(tmp))
            seconds = time.perf_counter() - t0
            for method in ("weights", "county_nearest"):
                fam = bt.by_family.xs(method, level="method")
                for family, r in fam.iterrows():
                    rows.append({"value": value, "method": method, "family": family,
                                 "cases": int(r["cases"]), "mrr": r["mrr"],
                                 "hit@5": r["hit@5"]})
                s = bt.summary.loc[method]
                rows.append({"value": value, "method": method, "family": "all",
                             "cases": int(s["cases"]), "mrr": s["mrr"], "hit@5": s["hit@5"]})
            print(f"same_cluster={value}: {seconds:.0f} s", file=sys.stderr)
    table = pd.DataFrame(rows).pivot(index=["method", "family"], columns="value",
                                     values=["mrr", "hit@5"])
    print(table.round(6).to_string())


if __name__ == "__main__":
    main(sys.argv[1:] or list(VALUES))
