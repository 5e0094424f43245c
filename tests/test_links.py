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


def test_systems_on_uses_the_nearest_observation_covering_the_date():
    # an observation counts max_age (default 2) years either side of its year; where two cover
    # a date, the nearer one wins (2008-01-01 is as near 2010 as 2005, and the later wins)
    table = pf.read_systems(pd.DataFrame([
        _sys(year_observed="2005", vendor="Oracle", product="EBS"),
        _sys(year_observed="2010"),
        _sys(year_observed="2020", vendor="SAP", product="S4"),
    ], columns=SYSTEM_COLUMNS))
    on = systems_on("2012-06-01", systems=table)
    assert on[["vendor", "year_observed"]].values.tolist() == [["Unit4", 2010]]
    assert systems_on("2007-06-01", systems=table)["vendor"].tolist() == ["Oracle"]
    assert systems_on("2008-01-01", systems=table)["vendor"].tolist() == ["Unit4"]
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


# --------------------------------------------------------------------------- seeds and sources

# The seed arrangements named in issue 3, as (service, member codes) -- codes looked up by hand
# in the ONS register: North Lincolnshire E06000013, North East Lincolnshire E06000012,
# Cambridgeshire E10000003, Northamptonshire E10000021, Chorley E07000118, South Ribble
# E07000126, Carlisle E07000028, Eden E07000030, Lancaster E07000121, South Lakeland E07000031.
SEEDS = [
    ("revenues_benefits", {"E06000013", "E06000012"}),
    ("procurement", {"E06000013", "E06000012"}),
    ("museums_culture", {"E06000013", "E06000012"}),
    ("finance", {"E10000003", "E10000021"}),
    ("finance", {"E07000118", "E07000126"}),
    ("parking", {"E07000028", "E07000030"}),
    ("licensing", {"E07000121", "E07000031"}),
]


@pytest.mark.parametrize("service, members", SEEDS)
def test_every_seed_arrangement_is_present_with_a_source(service, members):
    links = pf.load_links()
    rows = links[links["service"] == service]
    together = rows.groupby("arrangement")["council"].agg(set)
    hits = together[together.map(lambda s: members <= s)].index
    assert len(hits) >= 1, (service, members)
    src = rows[rows["arrangement"].isin(hits) & rows["council"].isin(members)]
    assert (src["source_title"] != "").all() and (src["source_publisher"] != "").all()
    assert (src["source"].str.len() > 20).all()


def test_seed_cases_from_the_shared_reference_are_all_present(shared_data):
    """Every (council, partner, service) in ../shared/cases/seed_partnerships.csv is one bundled
    arrangement of that service holding both councils (names resolved on the report's year)."""
    cases = pd.read_csv(shared_data.parent / "cases" / "seed_partnerships.csv", dtype=str)
    links = pf.load_links()
    reg = pf.load_councils()
    ids = links.assign(id=reg.loc[links["council"], "id"].to_numpy())
    members = ids.groupby(["service", "arrangement"])["id"].agg(set)
    missing = []
    for _, c in cases.iterrows():
        date = f"{c['year']}-06-30"
        pair = {reg.at[pf.find_council(c["council"], date), "id"],
                reg.at[pf.find_council(c["partner"], date), "id"]}
        of_service = members.loc[c["service"]] if c["service"] in members.index else []
        if not any(pair <= s for s in of_service):
            missing.append((c["council"], c["partner"], c["service"]))
    assert len(cases) == 12 and missing == []


_WRAPPERS = ("sq_content_src=", "google.com/url", "bing.com/ck/", "l.facebook.com",
             "webcache.googleusercontent", "urldefense")


def test_every_source_is_complete_and_its_url_well_formed():
    from urllib.parse import urlparse

    links = pf.load_links()
    rows = links.drop_duplicates(["arrangement", "source_title", "source_url"])
    assert (rows["source_title"] != "").all() and (rows["source_publisher"] != "").all()
    # a row without a URL must cite a dated document an officer can ask for
    assert ((rows["source_url"] != "") | (rows["source_date"] != "")).all()
    bad = []
    for url in rows.loc[rows["source_url"] != "", "source_url"].unique():
        p = urlparse(url)
        if (p.scheme not in ("http", "https") or "." not in p.netloc or " " in url
                or any(w in url for w in _WRAPPERS)):
            bad.append(url)
    assert bad == []


def test_arrangements_cover_all_three_nations():
    links = pf.load_links()
    nation = pf.load_councils()["nation"]
    per = links.assign(nation=links["council"].map(nation)).groupby("arrangement")["nation"]
    counts = per.agg(lambda s: "+".join(sorted(set(s)))).value_counts()
    assert links["arrangement"].nunique() >= 150
    assert counts.get("England", 0) >= 100
    assert counts.get("Wales", 0) >= 20 and counts.get("Scotland", 0) >= 20


def test_membership_may_not_outlive_its_council():
    # Forest Heath (E07000201) was abolished on 2019-03-31 (West Suffolk from 2019-04-01)
    ok = pd.DataFrame([_row(council="E07000201", council_name="Forest Heath", start="2012",
                            end="2019")])
    assert len(pf.read_arrangements(ok)) == 1  # "2019" begins before the last day
    late = pd.DataFrame([_row(), _row(council="E07000201", council_name="Forest Heath",
                                      start="2012", end="2020-06")])
    with pytest.raises(pf.DataValidationError) as err:
        pf.read_arrangements(late)
    msg = str(err.value)
    assert "line 3: council E07000201 (Forest Heath) ceased on 2019-03-31" in msg
    assert "E07000245 (West Suffolk)" in msg
    assert len(err.value.problems) == 1


# --------------------------------------------------------------------------- systems

def test_unknown_vendor_is_kept_and_never_counts_as_a_system():
    table = pf.read_systems(pd.DataFrame([
        _sys(council="E07000121", vendor="unknown", product="", year_observed="2012"),
        _sys(council="E07000123", council_name="Preston", vendor="Unit4", year_observed="2012"),
        _sys(council="E07000128", council_name="Wyre", vendor="Unknown", product="",
             year_observed="2012"),
    ], columns=SYSTEM_COLUMNS))
    assert len(table) == 3  # kept, not dropped or coerced
    assert set(table.loc[table["vendor"].str.lower() == "unknown", "council"]) == {
        "E07000121", "E07000128"}
    on = systems_on("2013-01-01", systems=table)
    # only Preston's system is known: Lancaster and Wyre are absent (unknown), not "the same"
    assert on["council"].tolist() == ["E07000123"]


def _user_systems(tmp_path, kind):
    rows = pd.DataFrame([
        _sys(council="E06000002", council_name="Middlesbrough", function="planning",
             vendor="Idox", product="Uniform", year_observed="2024"),
        _sys(council="E07000121", council_name="Lancaster", function="finance",
             vendor="Unit4", product="ERP", year_observed="2023"),
    ], columns=SYSTEM_COLUMNS)
    path = tmp_path / f"mine.{kind}"
    if kind == "csv":
        rows.to_csv(path, index=False)
    else:
        rows.to_excel(path, index=False)
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_user_systems_file_overrides_and_extends_the_bundled_table(tmp_path, kind):
    from partnerfit.links import combine_systems

    base = pf.load_systems()
    path = _user_systems(tmp_path, kind)
    before = path.read_bytes()
    out = combine_systems(base, path)
    mid = out[(out["council"] == "E06000002") & (out["function"] == "planning")]
    assert mid[["vendor", "product"]].values.tolist() == [["Idox", "Uniform"]]
    lan = out[(out["council"] == "E07000121") & (out["function"] == "finance")]
    assert lan["vendor"].tolist() == ["Unit4"]
    replaced = ((base["council"] == "E06000002") & (base["function"] == "planning")).sum()
    assert replaced >= 1  # the bundled table has Middlesbrough's planning portal
    assert len(out) == len(base) - replaced + 2
    rest = out[~out["council"].isin(["E06000002", "E07000121"])]
    untouched = base[~base["council"].isin(["E06000002", "E07000121"])]
    assert len(rest) == len(untouched)
    assert path.read_bytes() == before


def test_bad_user_systems_excel_lists_every_problem_with_its_line(tmp_path):
    rows = pd.DataFrame([
        _sys(),
        _sys(council="E07000999", council_name="Lancster"),
        _sys(council="E07000020", council_name="Carrick", year_observed="2015"),
        _sys(function="payrol"),
        _sys(),
    ], columns=SYSTEM_COLUMNS)
    path = tmp_path / "systems.xlsx"
    rows.to_excel(path, index=False)
    with pytest.raises(pf.DataValidationError) as err:
        pf.read_systems(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "line 3: council 'E07000999' (Lancster) is not a GSS code" in msg
    assert "E07000121" in msg.split("line 3:")[1].splitlines()[0]
    assert "line 4: council E07000020 (Carrick) was not in force" in msg
    assert "line 5: function 'payrol'" in msg and "hr_payroll" in msg
    assert "line 6: duplicate of line 2" in msg
    assert len(err.value.problems) == 4


# --------------------------------------------------------------------------- kind

def test_every_bundled_arrangement_states_a_known_kind():
    import csv

    from partnerfit._paths import data_dir
    from partnerfit.links import KINDS
    seen = {}
    for f in sorted(data_dir("councils").glob("arrangements*.csv")):
        with open(f, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                assert row["kind"] in KINDS, (f.name, row["arrangement"], row["kind"])
                seen[row["arrangement"]] = row["kind"]
    links = pf.load_links()
    assert links.drop_duplicates("arrangement").set_index("arrangement")["kind"].to_dict() == seen


def test_bad_kind_is_an_error_with_a_suggestion_naming_the_line():
    bad = pd.DataFrame([_row(kind="lead_authority"),
                        _row(council="E07000123", council_name="Preston", kind="joint_bord")])
    with pytest.raises(pf.DataValidationError) as err:
        pf.read_arrangements(bad)
    msg = str(err.value)
    assert "line 3: kind 'joint_bord' is not one of" in msg and "did you mean 'joint_board'" in msg
    # one kind per arrangement: two kinds on its rows are reported
    assert "different kind values" in msg


def test_bundled_rows_must_state_their_kind(tmp_path):
    rows = pd.DataFrame([_row(kind="company"), _row(council="E07000123", council_name="Preston",
                                                    kind="")])
    with pytest.raises(pf.DataValidationError, match="line 3: kind is empty"):
        pf.read_arrangements(rows, require_kind=True)
    with pytest.raises(pf.DataValidationError, match="missing column.*kind"):
        pf.read_arrangements(pd.DataFrame([_row()]), require_kind=True)


def test_user_table_without_kind_is_not_stated_never_guessed(tmp_path):
    path = tmp_path / "mine.csv"
    pd.DataFrame([_row(), _row(council="E07000123", council_name="Preston")]).to_csv(
        path, index=False)
    assert "kind" not in pd.read_csv(path).columns
    got = pf.read_arrangements(path)
    assert got["kind"].tolist() == ["not_stated", "not_stated"]
    # a kind the user writes is kept as written
    mine = pf.read_arrangements(pd.DataFrame([_row(kind="outsourced")]))
    assert mine["kind"].tolist() == ["outsourced"]


# --------------------------------------------------------------------------- successors

def _suffolk(council, name, start="2012", end=""):
    return _row(arrangement="s-audit", partnership="s", name="Suffolk audit", service="audit",
                council=council, council_name=name, start=start, end=end, kind="lead_authority")


def test_a_member_lost_at_a_reorganisation_is_listed_until_a_successor_or_an_end():
    from partnerfit.links import lost_members
    # Forest Heath (E07000201) ceased 2019-03-31, succeeded by West Suffolk (E07000245)
    base = [_suffolk("E07000203", "Mid Suffolk"), _suffolk("E07000200", "Babergh")]
    lost = pf.read_arrangements(pd.DataFrame(
        [*base, _suffolk("E07000201", "Forest Heath", end="2019-03-31")]))
    got = lost_members(lost)
    assert got[["council", "ceased", "line"]].values.tolist() == [
        ["E07000201", pd.Timestamp("2019-03-31"), 4]]
    assert "West Suffolk (E07000245) from 2019-04-01" in got.at[0, "problem"]
    assert got.at[0, "carried_on_by"] == "Babergh, Mid Suffolk"
    # no end at all: the same
    assert len(lost_members(pf.read_arrangements(pd.DataFrame(
        [*base, _suffolk("E07000201", "Forest Heath")])))) == 1
    # the successor carries it on from the abolition: fine
    carried = [*base, _suffolk("E07000201", "Forest Heath", end="2019-03-31"),
               _suffolk("E07000245", "West Suffolk", start="2019-04-01")]
    assert lost_members(pf.read_arrangements(pd.DataFrame(carried))).empty
    # a successor only from 2021 leaves a gap: still listed
    late = [*carried[:3], _suffolk("E07000245", "West Suffolk", start="2021")]
    assert len(lost_members(pf.read_arrangements(pd.DataFrame(late)))) == 1
    # the whole arrangement ended with the council: fine
    ended = [_suffolk("E07000203", "Mid Suffolk", end="2019-03-31"),
             _suffolk("E07000201", "Forest Heath", end="2019-03-31")]
    assert lost_members(pf.read_arrangements(pd.DataFrame(ended))).empty
    # the member left before the council was abolished: fine
    left = [*base, _suffolk("E07000201", "Forest Heath", end="2016")]
    assert lost_members(pf.read_arrangements(pd.DataFrame(left))).empty
    # a change of code only (St Albans E07000100 -> E07000240 in 2018) is not a loss
    stalbans = [*base, _suffolk("E07000100", "St Albans")]
    assert lost_members(pf.read_arrangements(pd.DataFrame(stalbans))).empty


def test_a_lost_member_in_a_users_table_is_noted_on_the_shortlist():
    rows = [_suffolk("E07000203", "Mid Suffolk"), _suffolk("E07000200", "Babergh"),
            _suffolk("E07000201", "Forest Heath", end="2019-03-31")]
    sl = pf.shortlist("Mid Suffolk", "audit", as_of="2020-01-01", links=pd.DataFrame(rows))
    assert any("1 membership(s) of the links table end at a reorganisation" in n
               for n in sl.notes)


# Memberships lost at a reorganisation that no source read could settle (the successor's
# place in the arrangement is neither confirmed nor denied by the pages found); each is listed
# here rather than guessed. A new loss in the bundled data fails the test below.
UNSETTLED_LOSSES = {
    # Cumbria Adoption serves Cumberland and Westmorland & Furness from 2023 (cumbriaadoption
    # .org.uk) but no page says whether it stayed in Adopt Coast to Coast
    ("adopt-coast-to-coast-adoption", "E10000006"),
    # no page on Buckinghamshire Council (2020) and HB Public Law
    ("hb-public-law-legal", "E07000004"),
    # Peninsula Pensions still runs the Somerset fund's administration (current site, undated),
    # but no dated page names Somerset Council (2023) as the partner
    ("peninsula-pensions-pensions", "E10000027"),
    # no page on Somerset West and Taunton (2019-2023) in SWAP
    ("swap-audit", "E07000190"), ("swap-audit", "E07000191"),
    # North Northamptonshire (2021) has its own internal audit service; no page on the consortium
    ("welland-internal-audit-consortium-audit", "E07000150"),
    ("welland-internal-audit-consortium-audit", "E07000152"),
    # the rows say Dorset Council carried Dorset Home Choice on from 2019; no page says whether
    # Bournemouth, Christchurch and Poole Council joined it or left it
    ("dorset-home-choice-housing", "E06000028"), ("dorset-home-choice-housing", "E06000029"),
    ("dorset-home-choice-housing", "E07000048"),
    # no page on North or West Northamptonshire (2021) in the Midlands Highway Alliance
    ("midlands-highway-alliance-highways", "E10000021"),
    # no dated page names Somerset Council (2023) as a partner of the South West Heritage Trust
    ("south-west-heritage-trust-museums_culture", "E10000027"),
}


def test_no_bundled_arrangement_silently_loses_a_member():
    from partnerfit.links import lost_members
    lost = lost_members()
    found = set(zip(lost["arrangement"], lost["council"]))
    assert found - UNSETTLED_LOSSES == set(), lost[["arrangement", "council_name", "problem"]]
    assert UNSETTLED_LOSSES - found == set(), "settled since: drop them from UNSETTLED_LOSSES"
    # the successors that were sourced carry their arrangements on
    links = pf.load_links("2024-06-01")
    border = set(links.loc[links["partnership"] == "borderlands-inclusive-growth-deal",
                           "council"])
    assert {"E06000063", "E06000064"} <= border  # Cumberland, Westmorland and Furness
    swp = pf.load_links("2020-06-01")
    swp = swp[swp["partnership"] == "somerset-waste-partnership"]
    assert "E07000246" in set(swp["council"])  # Somerset West and Taunton


# --------------------------------------------------------------------------- corrected rows
# Each test checks rows corrected in issue 14 against what their cited sources say (quoted in
# the rows' notes): dates and members are written here from the sources, not from the table.

def _members(date, partnership=None, arrangement=None):
    links = pf.load_links(date)
    rows = links[(links["partnership"] == partnership) if partnership else
                 (links["arrangement"] == arrangement)]
    return set(rows["council"])


def test_anglia_revenues_partnership_has_its_five_councils_in_2024():
    # ARP privacy statement: 'the five partner authorities: Breckland ..., East Cambridgeshire
    # ..., Fenland ..., East Suffolk Council, and West Suffolk Council'
    five = {pf.find_council(n, "2024-06-01") for n in (
        "Breckland", "East Cambridgeshire", "Fenland", "East Suffolk", "West Suffolk")}
    assert _members("2024-06-01", arrangement="anglia-revenues-partnership-revenues_benefits"
                    ) == five
    # Fenland's revenues and benefits 'became part of ARP on 1 April 2014'
    assert "E07000010" not in _members("2014-03-31", "anglia-revenues-partnership")
    assert "E07000010" in _members("2014-04-01", "anglia-revenues-partnership")


def test_publica_has_its_four_owner_councils():
    # 'Publica Group was formed in November 2017 from four partner councils'; Cheltenham
    # takes ICT, HR and finance from it
    four = {"E07000079", "E07000080", "E07000181", "E07000078"}  # Cotswold, FoD, W Oxon, Chelt.
    for service in ("finance", "hr_payroll", "ict"):
        assert _members("2018-06-01", arrangement=f"publica-{service}") == four
    assert "E07000078" not in _members("2018-06-01", arrangement="publica-management")
    assert not _members("2017-10-31", "publica")


def test_canterbury_is_in_the_stg_building_control_partnership():
    # STG joint committee minutes (2019): Canterbury hosts meetings 'as part of the now four
    # local authorities'
    assert _members("2020-01-01", arrangement="stg-building-control-building_control") == {
        "E06000035", "E07000106", "E07000109", "E07000113"}  # Medway, Canterbury, Gravesham, Swale


def test_slough_is_not_in_lgss_at_its_launch():
    # LGSS launched in October 2010 without Slough, which 'pulled out' of the programme
    lgss = pf.load_links("2010-10-01")
    lgss = lgss[lgss["partnership"].str.startswith("lgss")]
    assert "E06000039" not in set(lgss["council"])
    assert {"E10000003", "E10000021"} <= set(lgss["council"])  # Cambridgeshire, Northants
    # Slough was a partner of the programme in 2009 (seed 002)
    assert "E06000039" in _members("2009-10-01", arrangement="lgss-programme-finance")


def test_scottish_strategic_development_planning_authorities_end_with_npf4():
    # NPF4 adopted on Monday 13 February 2023: strategic development plans cease to have effect
    sdpas = ["tayplan-planning", "clydeplan-planning", "sesplan-planning",
             "aberdeen-city-shire-sdpa-planning"]
    for arr in sdpas:
        assert len(_members("2023-02-12", arrangement=arr)) >= 2, arr
        assert not _members("2023-02-13", arrangement=arr), arr


def test_tri_borough_ends_on_the_day_before_hammersmith_and_fulham_went_alone():
    # RBKC press release (27 March 2017): 'by 1 April 2018 Hammersmith & Fulham will be going it
    # alone'; the last day of the tri-borough arrangements is 31 March 2018
    for arr in ("tri-borough-adult-social-care", "tri-borough-childrens-services",
                "tri-borough-public-health"):
        assert _members("2018-03-31", arrangement=arr) == {"E09000013", "E09000020",
                                                           "E09000033"}, arr
        assert not _members("2018-04-01", arrangement=arr), arr
    # libraries: H&F joined The Libraries Consortium on 1 June 2022 and 'at the same time the
    # shared borrowing arrangement with Kensington and Chelsea and Westminster ... is ending'
    libraries = "tri-borough-libraries"
    assert _members("2022-05-31", arrangement=libraries) == {"E09000013", "E09000020",
                                                             "E09000033"}
    assert _members("2022-06-01", arrangement=libraries) == {"E09000020", "E09000033"}


def test_clackmannanshire_stirling_is_shared_heads_not_a_full_lead_authority_model():
    # joint heads of service from March 2011, each council keeping its own services; the 'full
    # lead authority model' was never implemented and the arrangements ended 31 March 2017
    links = pf.load_links()
    rows = links[links["partnership"] == "clacks-stirling-shared-services"]
    assert set(rows["model"]) == {"federal"}  # not 'sovereign': neither runs the other's service
    assert set(rows["council"]) == {"S12000005", "S12000030"}
    assert not _members("2017-04-01", "clacks-stirling-shared-services")
    assert _members("2016-06-01", "clacks-stirling-shared-services") == {"S12000005",
                                                                       "S12000030"}


def test_east_lothian_midlothian_is_public_protection_not_childrens_services():
    links = pf.load_links()
    both = links.groupby("arrangement")["council"].agg(set)
    together = links[links["arrangement"].isin(
        both[both.map(lambda s: {"S12000010", "S12000019"} <= s)].index)]
    assert "public_protection" in set(together["service"])
    assert "childrens_services" not in set(together["service"])
