"""Tests of the arrangements and systems loaders (partnerfit.links)."""

from __future__ import annotations

import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.links import ARRANGEMENT_COLUMNS, SYSTEM_COLUMNS, systems_on


def test_bundled_arrangements_are_broad_and_sourced():
    links = pf.load_links()
    assert links["arrangement"].nunique() >= 150
    assert (links["source_title"] != "").all()
    assert ((links["source_url"] != "") | (links["source_publisher"] != "")).all()
    nations = pf.load_councils().loc[links["council"], "nation"].unique()
    assert set(nations) == {"England", "Wales", "Scotland"}


@pytest.mark.parametrize("partnership, service, members", [
    ("nlc-nelc-revenues-benefits", "revenues_benefits", {"E06000012", "E06000013"}),
    ("lgss-finance", "finance", {"E10000003", "E10000021"}),
    ("carlisle-eden-parking-parking", "parking", {"E07000028", "E07000030"}),
    ("lancaster-south-lakeland-licensing", "licensing", {"E07000121", "E07000031"}),
])
def test_seed_arrangements_present(partnership, service, members):
    links = pf.load_links()
    rows = links[links["arrangement"].str.startswith(partnership.split("-parking")[0])
                 & (links["service"] == service)]
    assert members <= set(rows["council"]), partnership


def test_chorley_south_ribble_finance_present():
    links = pf.load_links()
    fin = links[(links["service"] == "finance")]
    together = fin.groupby("arrangement")["council"].agg(set)
    assert together.map(lambda s: {"E07000118", "E07000126"} <= s).any()


def test_as_of_equals_a_plain_pandas_filter():
    allrows = pf.load_links()
    d = pd.Timestamp("2014-06-01")
    expected = allrows[(allrows["running_from"] <= d)
                       & (allrows["end"].isna() | (allrows["end"] >= d))]
    got = pf.load_links("2014-06-01")
    assert sorted(zip(got["arrangement"], got["council_recorded"])) == sorted(
        zip(expected["arrangement"], expected["council"]))


def _row(**kw):
    base = {"arrangement": "a-finance", "partnership": "a", "name": "A", "service": "finance",
                "model": "federal", "council": "E07000121", "council_name": "Lancaster", "role": "partner",
                "start": "2012", "end": "", "notes": "", "source_title": "Report", "source_publisher": "Council",
                "source_date": "2012", "source_url": "https://example.org/r"}
    base.update(kw)
    return base


def test_bad_user_arrangements_give_one_error_listing_every_problem(tmp_path):
    rows = [
        _row(),
        _row(council="E07000123", council_name="Preston"),
        _row(arrangement="b-finance", partnership="b", council="E07000999", council_name="Lancster"),
        _row(arrangement="b-finance", partnership="b", council="E07000020", council_name="Carrick",
             start="2015"),
        _row(arrangement="c-x", partnership="c", service="revenue_benefits"),
        _row(council="E07000123", council_name="Preston"),
        _row(arrangement="d-finance", partnership="d", role="lead"),
        _row(arrangement="d-finance", partnership="d", role="lead", council="E07000123",
             council_name="Preston", start="2015", end="2014"),
    ]
    path = tmp_path / "mine.csv"
    pd.DataFrame(rows, columns=ARRANGEMENT_COLUMNS).to_csv(path, index=False)
    before = path.read_bytes()
    with pytest.raises(pf.DataValidationError) as err:
        pf.read_arrangements(path)
    msg = str(err.value)
    assert "line 4: council 'E07000999' (Lancster) is not a GSS code" in msg
    assert "E07000121" in msg.split("line 4:")[1].splitlines()[0]  # suggestion for Lancster
    assert "line 5: council E07000020 (Carrick) was not in force on 2015-01-01" in msg
    assert "line 6: unknown service 'revenue_benefits'" in msg and "revenues_benefits" in msg
    assert "line 7: E07000123 is listed twice in arrangement 'a-finance'" in msg
    assert "has 2 leads" in msg
    assert "line 9: end 2014 is before start 2015" in msg
    assert path.read_bytes() == before


def test_user_links_are_used_and_dates_parsed():
    table = pd.DataFrame([_row(start="2012-04"), _row(council="E07000123",
                                                      council_name="Preston", end="2015")])
    out = pf.load_links("2013-01-01", links=table)
    assert set(out["council"]) == {"E07000121", "E07000123"}
    by = out.set_index("council")
    assert by.at["E07000121", "start"] == pd.Timestamp("2012-04-01")  # a month starts on day 1
    assert by.at["E07000123", "end"] == pd.Timestamp("2015-12-31")  # a year ends on 31 Dec
    assert pf.load_links("2016-01-01", links=table)["council"].tolist() == ["E07000121"]


def _sys(**kw):
    base = {"council": "E07000121", "council_name": "Lancaster", "function": "finance",
                "vendor": "Unit4", "product": "Business World", "year_observed": "2010", "notes": "",
                "source_title": "Report", "source_publisher": "Council", "source_date": "2010",
                "source_url": "https://example.org"}
    base.update(kw)
    return base


def test_systems_on_uses_latest_observation_at_or_before_the_date():
    table = pf.read_systems(pd.DataFrame([
        _sys(year_observed="2005", vendor="Oracle", product="EBS"),
        _sys(year_observed="2010"),
        _sys(year_observed="2020", vendor="SAP", product="S4"),
    ], columns=SYSTEM_COLUMNS))
    on = systems_on("2012-06-01", systems=table)
    assert on[["vendor", "year_observed"]].values.tolist() == [["Unit4", 2010]]
    assert systems_on("2008-01-01", systems=table)["vendor"].tolist() == ["Oracle"]
    assert systems_on("2030-01-01", systems=table, max_age=5).empty  # last seen 2020


def test_bad_systems_rows_reported_with_lines():
    bad = pd.DataFrame([_sys(function="payroll"), _sys(year_observed="twenty"),
                        _sys(vendor=""), _sys(source_title="")], columns=SYSTEM_COLUMNS)
    with pytest.raises(pf.DataValidationError) as err:
        pf.read_systems(bad)
    msg = str(err.value)
    assert "line 2: function 'payroll'" in msg
    assert "line 3: year_observed 'twenty'" in msg
    assert "line 4: vendor is empty" in msg
    assert "line 5: no source" in msg
