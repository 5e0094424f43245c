"""IT systems register: dates of evidence, records describing a partnership, coverage."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.systems import (
    ASSUMED_YEARS,
    SYSTEM_COLUMNS,
    assumed_years_check,
    evidence_windows,
    systems_on,
)

ROOT = Path(__file__).resolve().parents[1]


def _row(**kw):
    base = {"council": "E07000121", "council_name": "Lancaster", "function": "finance",
            "vendor": "Unit4", "product": "Business World", "year_observed": "2010",
            "notes": "", "source_title": "Report", "source_publisher": "Council",
            "source_date": "2010", "source_url": "https://example.org", "in_use_from": "",
            "in_use_to": "", "arrangement": ""}
    base.update(kw)
    return base


def _table(*rows):
    return pf.read_systems(pd.DataFrame(list(rows)))


def _vendor_on(date, table, **kw):
    on = systems_on(date, systems=table, arrangements=kw.pop("arrangements", ()), **kw)
    return on["vendor"].tolist()


# --------------------------------------------------------------------------- dates

def test_a_stated_period_is_used_only_within_it():
    t = _table(_row(vendor="Civica", product="OpenRevenues", function="revenues_benefits",
                    year_observed="2020", in_use_from="2011-04-01", in_use_to="2021-03-31"))
    assert _vendor_on("2011-03-31", t) == []
    assert _vendor_on("2011-04-01", t) == ["Civica"]
    assert _vendor_on("2021-03-31", t) == ["Civica"]
    assert _vendor_on("2021-04-01", t) == []  # a stated end is not extended by the assumption
    on = systems_on("2015-06-01", systems=t, arrangements=())
    assert not on["assumed"].iloc[0]
    assert on["evidence"].iloc[0] == "in use from 2011-04-01 to 2021-03-31"


def test_a_year_only_row_counts_n_years_either_side_and_is_marked_assumed():
    n = ASSUMED_YEARS
    t = _table(_row(year_observed="2025", function="planning", vendor="Idox",
                    product="Uniform"))
    first, last = pd.Timestamp(2025 - n, 1, 1), pd.Timestamp(2025 + n, 12, 31)
    assert _vendor_on(first - pd.Timedelta(days=1), t) == []
    assert _vendor_on(first, t) == ["Idox"]
    assert _vendor_on(last, t) == ["Idox"]
    assert _vendor_on(last + pd.Timedelta(days=1), t) == []
    before = systems_on("2024-04-01", systems=t, arrangements=())
    assert bool(before["assumed"].iloc[0])
    assert before["evidence"].iloc[0] == "assumed from an observation in 2025"
    during = systems_on("2025-06-01", systems=t, arrangements=())
    assert not during["assumed"].iloc[0]
    assert during["evidence"].iloc[0] == "observed in 2025"


def test_an_assumed_period_never_crosses_a_stated_change_of_system():
    t = _table(_row(year_observed="2020", vendor="Capita", product="Academy"),
               _row(year_observed="2021", vendor="Civica", product="Financials",
                    in_use_from="2021-04-01"),
               _row(year_observed="2016", vendor="Unit4", product="ERP", in_use_to="2017-09"))
    win = evidence_windows(t, years=2)
    capita = win[t["vendor"] == "Capita"].iloc[0]
    # 2020 +- 2 years would run 2018-01-01..2022-12-31; stops the day before Civica starts and
    # begins the day after Unit4's stated end (2017-09-30)
    assert capita["counts_to"] == pd.Timestamp("2021-03-31")
    assert capita["counts_from"] == pd.Timestamp("2018-01-01")
    assert _vendor_on("2021-03-31", t) == ["Capita"]
    assert _vendor_on("2021-04-01", t) == ["Civica"]
    t2 = _table(_row(year_observed="2018", vendor="Capita", product="Academy"),
                _row(year_observed="2016", vendor="Unit4", product="ERP", in_use_to="2017-09"))
    capita2 = evidence_windows(t2, years=2)[t2["vendor"] == "Capita"].iloc[0]
    assert capita2["counts_from"] == pd.Timestamp("2017-10-01")


def test_stated_evidence_beats_an_assumption_on_the_same_date():
    t = _table(_row(year_observed="2014", vendor="Capita", product="Academy"),
               _row(year_observed="2012", vendor="Northgate", product="Revenues",
                    in_use_from="2010", in_use_to="2013-06"))
    # 2013-03-01 is inside Northgate's stated period and inside Capita's assumed one
    assert _vendor_on("2013-03-01", t) == ["Northgate"]
    assert _vendor_on("2013-09-01", t) == ["Capita"]


def _stated_ends() -> tuple[list[float], list[float]]:
    """Years from the middle of the year observed back to each stated start and on to each
    stated end, read straight from the bundled CSV files."""
    before, after = [], []

    def when(text: str, end: bool) -> pd.Timestamp:
        parts = text.split("-")
        if len(parts) == 1:
            return pd.Timestamp(int(parts[0]), 12, 31) if end else pd.Timestamp(int(parts[0]), 1, 1)
        if len(parts) == 2:
            first = pd.Timestamp(int(parts[0]), int(parts[1]), 1)
            return first + pd.offsets.MonthEnd(0) if end else first
        return pd.Timestamp(text)

    for path in sorted((ROOT / "councils").glob("systems*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                mid = pd.Timestamp(int(r["year_observed"]), 7, 1)
                if r.get("in_use_from"):
                    before.append((mid - when(r["in_use_from"], False)).days / 365.25)
                if r.get("in_use_to"):
                    after.append((when(r["in_use_to"], True) - mid).days / 365.25)
    return before, after


def test_assumed_years_is_the_largest_n_still_true_for_half_the_stated_ends():
    before, after = _stated_ends()
    assert len(before) + len(after) >= 30, "too few stated periods to check N against"
    share = {n: (sum(b >= n for b in before) + sum(a >= n for a in after))
             / (len(before) + len(after)) for n in range(9)}
    assert share[ASSUMED_YEARS] >= 0.5 > share[ASSUMED_YEARS + 1], (
        f"re-measure ASSUMED_YEARS: shares by N are {share}")
    check = assumed_years_check()
    assert np.isclose(check.at[ASSUMED_YEARS, "both"], share[ASSUMED_YEARS])


def test_undated_and_bad_periods_are_reported_with_lines():
    bad = pd.DataFrame([_row(in_use_from="2011-13"), _row(in_use_from="2015", in_use_to="2012"),
                        _row(year_observed="")])
    with pytest.raises(pf.DataValidationError) as err:
        pf.read_systems(bad)
    msg = str(err.value)
    assert "line 2: in_use_from '2011-13' is not a date" in msg
    assert "line 3: in_use_to 2012 is before in_use_from 2015" in msg
    assert "line 4: year_observed '' is not a year" in msg


def test_bundled_systems_are_read_with_their_columns_as_written():
    t = pf.load_systems()
    assert set(SYSTEM_COLUMNS) <= set(t.columns)
    stated = t[t["in_use_from"].notna()]
    assert len(stated) > 0
    with (ROOT / "councils" / "systems_corporate.csv").open(encoding="utf-8-sig") as fh:
        first = next(r for r in csv.DictReader(fh) if r["in_use_from"])
    row = t[(t["council"] == first["council"]) & (t["function"] == first["function"]) &
            (t["year_observed"] == int(first["year_observed"])) &
            (t["vendor"] == first["vendor"])].iloc[0]
    assert row["in_use_from"].year == int(first["in_use_from"][:4])


# --------------------------------------------------------------------------- partnerships

ARR = "lancaster-preston-revenues-benefits"


def _partnership_systems(tag: str) -> pd.DataFrame:
    return pd.DataFrame([
        _row(function="revenues_benefits", vendor="Capita", product="Academy",
             year_observed="2011"),
        _row(council="E07000123", council_name="Preston", function="revenues_benefits",
             vendor="Capita", product="Academy", year_observed="2011", arrangement=tag),
    ])


def test_a_record_describing_a_partnership_counts_only_while_it_is_in_the_links():
    t = pf.read_systems(_partnership_systems(ARR))
    links = pf.load_links()
    assert ARR in set(links["arrangement"])
    with_it = systems_on("2011-09-01", systems=t, arrangements=set(links["arrangement"]))
    assert sorted(with_it["council"]) == ["E07000121", "E07000123"]
    without = systems_on("2011-09-01", systems=t,
                         arrangements=set(links["arrangement"]) - {ARR})
    assert without["council"].tolist() == ["E07000121"]
    # through shortlist(links=...): holding the arrangement out removes the record too
    kept = links[links["arrangement"] != ARR]
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2011-09-01", systems=t,
                      links=kept)
    assert bool(sl.missing.at["E07000123", "systems"])
    sl2 = pf.shortlist("Lancaster", "revenues_benefits", as_of="2011-09-01", systems=t)
    assert not bool(sl2.missing.at["E07000123", "systems"])
    assert sl2.value_matrix.at["E07000123", "systems"] == pytest.approx(100.0)


def test_the_backtest_holds_out_records_describing_the_held_out_arrangement():
    def partner_cell(tag):
        bt = pf.evaluate.backtest(arrangements=[ARR], systems=_partnership_systems(tag),
                                  baselines=False)
        case = bt.cases.index[(bt.cases["focal"] == "E07000121")][0]
        m = bt.choice_sets[case]
        j = list(m.codes).index("E07000123")
        k = list(m.criteria).index("systems")
        return m.values[j, k], bool(m.missing[j, k])

    # untagged, Preston's record is ordinary evidence: same product, value 100
    assert partner_cell("") == (pytest.approx(100.0), False)
    # tagged with the arrangement being backtested, it is held out: unknown
    # (with Lancaster's own record the only one left, systems drops out of that shortlist)
    _, unknown = partner_cell(ARR)
    assert unknown


# --------------------------------------------------------------------------- coverage

def test_systems_coverage_counts_deliverers_from_tiers_and_evidence_on_the_date():
    t = _table(_row(function="revenues_benefits", year_observed="2024"),
               _row(council="E07000123", council_name="Preston", function="revenues_benefits",
                    year_observed="2026"),           # assumed back to 2024-01-01
               _row(council="E07000123", council_name="Preston", function="revenues_benefits",
                    vendor="Civica", product="OpenRevenues", year_observed="2019",
                    in_use_to="2020-03"),            # ended: not evidence in 2024
               _row(council="E10000017", council_name="Lancashire", function="finance",
                    year_observed="2024"))
    cov = pf.systems_coverage("2024-04-01", systems=t)
    reg = pf.load_councils("2024-04-01")
    # DESIGN §3: districts and unitaries (incl. metropolitan, London, Welsh, Scottish, sui
    # generis) deliver revenues & benefits; every council runs finance
    lower = reg["tier"].isin(["non_metropolitan_district", "unitary", "metropolitan_borough",
                              "london_borough", "welsh_unitary", "scottish_unitary",
                              "sui_generis"]).sum()
    rb = cov.loc["revenues_benefits"]
    assert (rb["delivering"], rb["with_evidence"], rb["assumed"]) == (lower, 2, 1)
    assert rb["share"] == pytest.approx(2 / lower)
    fin = cov.loc["finance"]
    assert (fin["delivering"], fin["with_evidence"]) == (len(reg), 1)
    assert cov.loc["planning", "with_evidence"] == 0
    assert rb["name"] == "Revenues & benefits"


def test_bundled_records_describing_a_partnership_name_a_bundled_arrangement():
    t = pf.load_systems()
    ids = set(pf.load_links()["arrangement"])
    tagged = t[t["arrangement"] != ""]
    wrong = tagged[~tagged["arrangement"].isin(ids)]
    assert wrong.empty, ("systems rows name arrangements that are not in the bundled links:\n"
                         + wrong[["file", "line", "arrangement"]].to_string())
