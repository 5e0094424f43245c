"""existing_arrangements: running arrangements among given councils, from the links table."""

from __future__ import annotations

import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.errors import UnknownServiceError
from partnerfit.existing import existing_arrangements


def test_lancaster_preston_revenues_benefits_2019():
    codes = pf.load_councils("2019-04-01").query("county == 'E10000017'").index
    t = existing_arrangements(codes, "revenues_benefits", "2019-04-01")
    links = pf.load_links("2019-04-01")
    mine = links[(links["service"] == "revenues_benefits") & links["council"].isin(codes)]
    assert sorted(t["arrangement"]) == sorted(set(mine["arrangement"]))
    row = t.set_index("arrangement").loc["lancaster-preston-revenues-benefits"]
    assert row["members"] == ("E07000121", "E07000123") and row["start"] == 2011


def test_members_outside_the_codes_are_listed_separately():
    links = pf.load_links("2019-04-01")
    arr = links.groupby("arrangement")["council"].nunique()
    name = arr[arr >= 3].index[0]
    part = links[links["arrangement"] == name]
    one = part["council"].iloc[0]
    t = existing_arrangements([one], part["service"].iloc[0], "2019-04-01")
    row = t.set_index("arrangement").loc[name]
    assert row["members"] == (one,) and set(row["all_members"]) == set(part["council"])


def test_empty_links_and_unknown_service():
    assert existing_arrangements(["E07000121"], "revenues_benefits", "2019-04-01",
                                 links=pd.DataFrame(columns=["arrangement"])).empty
    with pytest.raises(UnknownServiceError):
        existing_arrangements(["E07000121"], "revenue", "2019-04-01")


# --------------------------------------------------------------------------- Shortlist.existing

def _csv_rows(service: str, council: str, year: int) -> dict[str, list[dict]]:
    """Running arrangements of ``council`` for ``service`` in ``year``, read straight from the
    bundled CSV files (csv module, no partnerfit code): arrangement id -> its member rows."""
    import csv
    from pathlib import Path

    rows = []
    for path in sorted((Path(__file__).resolve().parents[1] / "councils").glob(
            "arrangements_*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows += [r for r in csv.DictReader(fh) if r["service"] == service]

    def running(r: dict) -> bool:
        return (r["start"] != "" and int(r["start"][:4]) <= year
                and (r["end"] == "" or int(r["end"][:4]) >= year))

    mine = {r["arrangement"] for r in rows if r["council"] == council and running(r)}
    return {a: [r for r in rows if r["arrangement"] == a and running(r)] for a in mine}


def test_shortlist_existing_matches_the_csv_rows():
    import partnerfit as pf

    wyre = "E07000239"
    expect = _csv_rows("building_control", wyre, 2024)
    assert len(expect) == 1                                  # the test can fail
    sl = pf.shortlist(wyre, "building_control", as_of="2024-04-01")
    ex = sl.existing
    assert list(ex.columns[:7]) == ["arrangement", "name", "members", "lead", "start", "kind",
                                    "model"]
    assert set(ex["arrangement"]) == set(expect)
    for r in ex.itertuples(index=False):
        rows = expect[r.arrangement]
        leads = [x["council_name"] for x in rows if x["role"] == "lead"]
        assert r.lead == (leads[0] if leads else "")
        assert sorted(r.members) == sorted(x["council_name"] for x in rows)
        assert r.members[0] == r.lead                      # lead first
        assert r.name == rows[0]["name"]
        assert r.start == min(int(x["start"][:4]) for x in rows)
        assert r.kind == rows[0]["kind"] and r.model == rows[0]["model"]
    opening = ("Wyre Forest already shares building control with Bromsgrove (lead) and Redditch, "
               "since 2011, in North Worcestershire Building Control shared service.")
    assert sl.opening() == opening
    assert sl.summary().startswith(opening)
    assert sl.explain("Redditch").startswith(opening)
    report = sl.to_report(sensitivity=False, figures=False)
    assert report.sections[0].paragraphs[0] == opening


def test_no_running_arrangement_is_said_plainly_not_as_a_finding():
    import partnerfit as pf

    assert _csv_rows("revenues_benefits", "E07000121", 2009) == {}
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")
    assert sl.existing.empty
    assert sl.opening() == ("The register holds no running arrangement of Lancaster's for "
                            "revenues & benefits on 1 June 2009; the register is incomplete, "
                            "so there may be one it does not record.")
    assert sl.summary().startswith(sl.opening())


def test_brief_opens_with_the_existing_arrangement(tmp_path):
    import partnerfit as pf

    sl = pf.shortlist("Canterbury", "revenues_benefits", as_of="2019-06-01")
    out = sl.to_brief(tmp_path / "brief.html")
    html = out.read_text(encoding="utf-8")
    opening = ("Canterbury already shares revenues &amp; benefits with Dover and Thanet, "
               "since 2011, in East Kent Services (EK Services).")
    assert opening in html
    assert html.index(opening) < html.index("Recommendation")
