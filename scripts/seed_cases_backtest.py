"""The seed cases of the cabinet reports, ranked as the backtest ranks them: where does each real
partner come on the council's shortlist as at the report's year?

Reads ``../shared/cases/seed_partnerships.csv`` (a development script, not run time) and reports
the four cases of issue 15: Lancaster 2009, North Lincolnshire 2014, Carlisle 2009 (the CSV
dates Carlisle's report 2006; the issue names 2009, the first year the backtest scores) and
Cambridgeshire 2009. For each (council, real partner, service), on 1 June of the year:

- ``rank_before``: the frozen definition (every arrangement the pair shares, and the whole
  partnership, removed; :func:`partnerfit.evaluate.held_out`), the profile before the weights
  were chosen with the backtest (bundled as ``north_lincolnshire_2014``);
- ``rank_after``: the frozen definition, the bundled default profile;
- ``rank_county_nearest``: "same county, then nearest" on the frozen data (expected rank,
  ties at random);
- ``real_use``: the rank with nothing removed, bundled default (what an officer would see).

These are reported, never tuned to. Usage:
``PYTHONPATH=src python scripts/seed_cases_backtest.py [path/to/seed_partnerships.csv]``
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import partnerfit as pf
from partnerfit.evaluate import held_out
from partnerfit.evaluate.metrics import position

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "cases" / "seed_partnerships.csv"
CASES = {"Lancaster": 2009, "North Lincolnshire": 2014, "Carlisle": 2009, "Cambridgeshire": 2009}


def _rank(sl: pf.Shortlist, code: str) -> str:
    if code not in sl.scores.index:
        why = sl.screened.set_index("code")["reason"].get(code, "not a candidate")
        return f"screened ({why})"
    return str(int(sl.ranks()[code]))


def _county_nearest(sl: pf.Shortlist, code: str) -> float:
    if code not in sl.scores.index:
        return float("nan")
    raw = sl.raw.reindex(sl.matrix.codes)
    target = int(np.flatnonzero(sl.matrix.codes == code)[0])
    b, t = position([raw["same_area"].to_numpy() == "same_county",
                     -raw["distance"].to_numpy(float)], target)
    return b + (t + 1) / 2.0


def main(path: Path = SEEDS) -> pd.DataFrame:
    seeds = pd.read_csv(path)
    links = pf.load_links()
    rows = []
    before = "north_lincolnshire_2014"
    for council, year in CASES.items():
        for r in seeds[seeds["council"] == council].itertuples(index=False):
            s, p = pf.find_council(r.council), pf.find_council(r.partner)
            date = f"{year}-06-01"
            arr = links.loc[(links["service"] == r.service) & links["council"].isin([s])
                            & links["arrangement"].isin(
                                links.loc[links["council"] == p, "arrangement"]),
                            "arrangement"]
            one = str(arr.iloc[0]) if len(arr) else ""
            gone = held_out(links, s, p, one) - ({""} if not one else set())
            frozen = links[~links["arrangement"].isin(gone)]
            kw = {"as_of": date}
            sl_before = pf.shortlist(s, r.service, links=frozen, weights=before, **kw)
            sl_after = pf.shortlist(s, r.service, links=frozen, **kw)
            sl_real = pf.shortlist(s, r.service, **kw)
            rows.append({"council": council, "year": year, "partner": r.partner,
                         "service": r.service, "arrangement": one or "(none recorded)",
                         "held_out": len(gone), "candidates": len(sl_after.scores),
                         "rank_before": _rank(sl_before, p),
                         "rank_after": _rank(sl_after, p),
                         "rank_county_nearest": _county_nearest(sl_after, p),
                         "real_use": _rank(sl_real, p)})
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 250)
    print(table.to_string(index=False))
    return table


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SEEDS)
