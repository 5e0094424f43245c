"""Tests of the council register API (partnerfit.register)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.register import in_force, normalise_name


def _england_counts(date: str) -> tuple[int, int, int, int]:
    reg = pf.load_councils(date)
    eng = reg[reg["nation"] == "England"]
    return ((eng["tier"] != "county").sum(), (eng["tier"] == "county").sum(),
            (reg["nation"] == "Wales").sum(), (reg["nation"] == "Scotland").sum())


# Official totals (MHCLG/ONS council counts quoted in the foundation issue).
@pytest.mark.parametrize("date, lower, counties", [
    ("2009-03-31", 354, 34), ("2009-04-01", 326, 27), ("2019-04-01", 317, 26),
    ("2020-04-01", 314, 25), ("2021-04-01", 309, 24), ("2022-10-01", 309, 24),
    ("2023-04-01", 296, 21), ("2025-06-01", 296, 21),
])
def test_council_counts_match_official_totals(date, lower, counties):
    assert _england_counts(date) == (lower, counties, 22, 32)


def test_valid_to_is_last_day_in_force():
    cornish = ["E07000019", "E07000020", "E07000021", "E07000022", "E07000023", "E07000024"]
    assert all(in_force(c, "2009-03-31") for c in cornish)
    assert not any(in_force(c, "2009-04-01") for c in cornish)
    assert in_force("E06000052", "2009-04-01") and not in_force("E06000052", "2009-03-31")


@pytest.mark.parametrize("old, new", [
    (["Carlisle", "Allerdale", "Copeland"], "Cumberland"),
    (["Caradon", "Carrick", "Kerrier", "North Cornwall", "Penwith", "Restormel"], "Cornwall"),
    (["Forest Heath", "St Edmundsbury"], "West Suffolk"),
])
def test_reorganisation_lineage(old, new):
    reg = pf.load_councils()
    new_code = pf.find_council(new)
    for name in old:
        code = reg.index[reg["name"] == name]
        assert len(code) == 1, name
        assert reg.at[code[0], "successors"].split(";") == [new_code]
        vt = reg.at[code[0], "valid_to"]
        assert reg.at[new_code, "valid_from"] == vt + pd.Timedelta(days=1)


@pytest.mark.parametrize("query, expected", [
    ("Vale of Glamorgan", "W06000014"), ("The Vale of Glamorgan", "W06000014"),
    ("Bro Morgannwg", "W06000014"), ("Lancaster", "E07000121"), ("E07000121", "E07000121"),
    ("e07000121", "E07000121"), ("St Albans", "E07000240"), ("st. albans", "E07000240"),
    ("City of St Albans", "E07000240"), ("Lancashire", "E10000017"),
    ("Lancaster City Council", "E07000121"), ("S12000046", "S12000049"),
])
def test_find_council_resolves_names_codes_and_aliases(query, expected):
    assert pf.find_council(query) == expected


def test_find_council_picks_the_code_in_force_on_the_date():
    assert pf.find_council("St Albans", "2010-06-01") == "E07000100"
    assert pf.find_council("Cornwall", "2009-01-01") == "E10000005"
    assert pf.find_council("Cornwall", "2009-04-01") == "E06000052"


def test_find_council_misspelling_suggests_close_matches():
    with pytest.raises(pf.UnknownCouncilError) as err:
        pf.find_council("Lancster")
    assert "Lancaster (E07000121)" in str(err.value)
    assert "Lancaster (E07000121)" in err.value.suggestions


def test_find_council_not_in_force_names_dates_and_successor():
    with pytest.raises(pf.UnknownCouncilError) as err:
        pf.find_council("Carrick", "2012-01-01")
    msg = str(err.value)
    assert "2009-03-31" in msg and "Cornwall (E06000052)" in msg


def test_find_council_ambiguous_name_lists_both():
    with pytest.raises(pf.UnknownCouncilError) as err:
        pf.find_council("Durham", "2009-01-01")
    assert "E07000056" in str(err.value) and "E10000010" in str(err.value)


def test_normalise_name_ignores_case_punctuation_and_suffixes():
    assert normalise_name("St. Helens Metropolitan Borough Council") == "st helens"
    assert normalise_name("Saint Helens") == "st helens"
    assert normalise_name("Brighton & Hove") == normalise_name("Brighton and Hove")


def _haversine_km(lat1, lon1, lat2, lon2):
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def test_distance_lancaster_preston_matches_published_figure_and_haversine():
    d = pf.distance("Lancaster", "Preston")
    assert d == pytest.approx(28.6, abs=0.1)  # figure quoted in the foundation issue
    reg = pf.load_councils()
    a, b = reg.loc["E07000121"], reg.loc["E07000123"]
    assert d == pytest.approx(_haversine_km(a.lat, a.lon, b.lat, b.lon), abs=0.3)


def test_distance_matrix_is_symmetric_and_agrees_with_distance():
    codes = ["E07000121", "E07000123", "E07000128"]
    m = pf.distance_matrix(codes)
    assert (m.to_numpy() == m.to_numpy().T).all()
    assert m.loc["E07000121", "E07000128"] == pytest.approx(pf.distance("E07000121", "E07000128"))


def test_neighbours_of_lancaster_2021_match_ons_list():
    nb = pf.neighbours("Lancaster", "2021-06-01")
    lower = set(nb[nb["tier"] != "county"].index)
    # ONS LAD21 neighbours list for E07000121 (quoted in the reference data's SOURCE.md)
    assert lower == {"E07000031", "E07000128", "E07000163", "E07000124"}
    assert {"E10000006", "E10000023"} <= set(nb.index)  # Cumbria, North Yorkshire (counties)
    assert "E10000017" not in nb.index  # its own county contains it; it is not a neighbour


def test_adjacency_has_each_pair_once_and_sorted():
    adj = pf.adjacency("2014-04-01")
    assert (adj["a"] < adj["b"]).all()
    assert not adj.duplicated(["a", "b"]).any()
    live = set(pf.load_councils("2014-04-01").index)
    assert set(adj["a"]) | set(adj["b"]) <= live


def test_adjacency_2009_derived_pairs_are_marked_approximate():
    adj = pf.adjacency("2009-01-01")
    reg = pf.load_councils("2009-01-01")
    abolished = set(reg.index[reg["valid_to"] == pd.Timestamp("2009-03-31")])
    cornish = adj[adj["a"].isin(["E07000020"]) | adj["b"].isin(["E07000020"])]
    assert len(cornish) and cornish["approximate"].all()
    exact = adj[~adj["a"].isin(abolished) & ~adj["b"].isin(abolished) & (adj["kind"] == "land")]
    assert not exact["approximate"].any()


def test_load_councils_returns_a_copy():
    a = pf.load_councils()
    a.loc["E07000121", "name"] = "changed"
    assert pf.load_councils().at["E07000121", "name"] == "Lancaster"


def test_validate_councils_reports_every_problem_with_lines():
    good = pf.load_councils().reset_index().head(5)
    bad = good.copy()
    bad.loc[1, "code"] = "E0700012"
    bad.loc[2, "code"] = bad.loc[0, "code"]
    bad.loc[3, "easting"] = -5
    bad.loc[4, "population"] = -10
    bad.loc[4, "valid_from"] = pd.Timestamp("2020-01-01")
    bad.loc[4, "valid_to"] = pd.Timestamp("2019-01-01")
    with pytest.raises(pf.DataValidationError) as err:
        pf.validate_councils(bad, source="mine.csv")
    msg = str(err.value)
    assert "line 3: code 'E0700012' is not a GSS code" in msg
    assert "lines 2, 4: code" in msg
    assert "line 5: easting -5 is impossible" in msg
    assert "line 6: population -10 is impossible" in msg
    assert "line 6: valid_to 2019-01-01 is before valid_from 2020-01-01" in msg
    assert len(err.value.problems) == 5


def test_read_councils_leaves_file_untouched(tmp_path):
    path = tmp_path / "councils.csv"
    pf.load_councils("2020-01-01").head(10).to_csv(path)
    before = path.read_bytes()
    mine = pf.read_councils(path)
    assert len(mine) == 10
    assert path.read_bytes() == before
    assert pf.find_council("Lancaster", councils=mine) if "E07000121" in mine.index else True


def test_user_register_is_used_for_lookup(tmp_path):
    table = pf.load_councils("2020-01-01").loc[["E07000121", "E07000123"]].copy()
    assert pf.find_council("Preston", councils=table) == "E07000123"
    with pytest.raises(pf.UnknownCouncilError):
        pf.find_council("Wyre", councils=table)


def test_known_source_defects_are_fixed():
    reg = pf.load_councils()
    # Forest Heath's parent county is Suffolk (E10000029), not Surrey (E10000030) as one
    # source has it
    assert reg.at["E07000201", "county"] == "E10000029"
    assert reg.at["E10000029", "name"] == "Suffolk"
    # Barnsley and Sheffield took new codes in April 2025 (ONS: E08000038, E08000039)
    for old, new in (("E08000016", "E08000038"), ("E08000019", "E08000039")):
        assert reg.at[old, "valid_to"] == pd.Timestamp("2025-03-31")
        assert reg.at[old, "successors"] == new
        assert reg.at[new, "valid_from"] == pd.Timestamp("2025-04-01")
    assert pf.find_council("Barnsley", "2025-06-01") == "E08000038"
    assert pf.find_council("Barnsley", "2020-06-01") == "E08000016"


def test_derived_centroids_say_how_they_were_derived():
    reg = pf.load_councils()
    # former Northamptonshire and Buckinghamshire county councils: no source centroid
    for code in ("E10000021", "E10000002"):
        assert "mysociety" not in reg.at[code, "centroid_method"].lower()
        assert "centroid" in reg.at[code, "centroid_method"]
        assert 49 < reg.at[code, "lat"] < 56
    # districts abolished in April 2009: no boundary survives, so marked approximate
    gone = reg[(reg["valid_to"] == pd.Timestamp("2009-03-31")) & (reg["tier"] != "county")]
    assert len(gone) == 38
    assert gone["centroid_method"].str.startswith("APPROXIMATE").sum() >= 36


def test_a_code_not_in_force_names_its_dates_and_successor():
    with pytest.raises(pf.UnknownCouncilError) as err:
        pf.find_council("E07000201", "2020-01-01")
    msg = str(err.value)
    assert "Forest Heath" in msg and "2019-03-31" in msg and "West Suffolk (E07000245)" in msg


# --------------------------------------------------------------------------- coverage (issue 21)

def test_dates_before_the_coverage_are_refused_saying_what_it_is():
    from partnerfit.errors import ArgumentError

    with pytest.raises(ArgumentError, match="covers England from 1 April 1998 and Wales and "
                       "Scotland from 1 April 1996") as err:
        pf.load_councils("1850-01-01")
    assert isinstance(err.value, ValueError) and "1998-04-01" in str(err.value)
    with pytest.raises(ArgumentError, match="a question about England starts on 1 April 1998"):
        pf.find_council("Lancaster", "1997-06-01")
    # Wales and Scotland are covered from 1 April 1996
    assert pf.find_council("Cardiff", "1996-04-01") == "W06000015"
    with pytest.raises(ArgumentError, match="Wales starts on 1 April 1996"):
        pf.find_council("Cardiff", "1996-03-31")


def test_the_map_of_1998_to_2009_is_the_map_of_31_march_2009():
    # no principal council was created or abolished between 1 April 1998 and 31 March 2009
    first = pf.load_councils("1998-04-01")
    last = pf.load_councils("2009-03-31")
    assert first.index.equals(last.index)
    # the 1996 councils of Wales and Scotland (Local Government (Wales) Act 1994, Local Government
    # etc. (Scotland) Act 1994)
    assert (first["nation"] == "Wales").sum() == 22 and (first["nation"] == "Scotland").sum() == 32
    assert len(pf.register.adjacency("2003-06-01")) == len(pf.register.adjacency("2009-03-31"))
    assert sorted(pf.register.neighbours("Lancaster", "2003-06-01").name) == [
        "Craven", "Cumbria", "North Yorkshire", "Ribble Valley", "South Lakeland", "Wyre"]


def test_creation_dates_of_the_1990s_unitaries_carry_their_order():
    reg = pf.load_councils()
    for code, first, order in [("E06000001", "1996-04-01", "SI 1995/187"),
                               ("E06000043", "1997-04-01", "SI 1995/1770"),
                               ("E06000038", "1998-04-01", "SI 1996/1879"),
                               ("E10000034", "1998-04-01", "SI 1996/1867")]:
        assert reg.at[code, "valid_from"] == pd.Timestamp(first)
        assert order in reg.at[code, "source"] and "http" in reg.at[code, "source"]


def test_future_dates_use_the_latest_map_and_say_so():
    from partnerfit.register import future_note

    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2040-06-01", top=3)
    assert "1 June 2040 is in the future" in sl.summary()
    assert "latest known" in sl.summary()
    assert future_note("2014-06-01") == ""


# --------------------------------------------------------------------------- names officers say

@pytest.mark.parametrize("query, as_of, choices", [
    ("Kingston", "2015-01-01", ["Kingston upon Hull (E06000010", "Kingston upon Thames (E09000021"]),
    ("Newcastle", "2015-01-01", ["Newcastle-under-Lyme (E07000195", "Newcastle upon Tyne (E08000021"]),
    ("Richmond", "2015-01-01", ["Richmondshire (E07000166", "Richmond upon Thames (E09000027"]),
    ("Durham", "2008-06-01", ["Durham (E07000056", "Durham (E10000010"]),
])
def test_ambiguous_short_names_list_the_choices(query, as_of, choices):
    with pytest.raises(pf.UnknownCouncilError) as err:
        pf.find_council(query, as_of)
    msg = str(err.value)
    assert f"{query!r} is ambiguous" in msg and "Use the GSS code or the full name" in msg
    for choice in choices:
        assert choice in msg


@pytest.mark.parametrize("query, as_of, code", [
    ("Telford", "2015-01-01", "E06000020"),
    ("Brighton", "2015-01-01", "E06000043"),
    ("Richmond", "2024-01-01", "E09000027"),  # Richmondshire was abolished on 2023-03-31
    ("Durham", "2012-06-01", "E06000047"),
    ("Newcastle upon Tyne", "2015-01-01", "E08000021"),
    ("Newcastle-under-Lyme", "2015-01-01", "E07000195"),
    ("Kingston upon Hull", "2015-01-01", "E06000010"),
    ("Hull", "2015-01-01", "E06000010"),
    ("Wyre", "2015-01-01", "E07000128"),  # not Wyre Forest: an exact name wins
])
def test_names_officers_say_resolve(query, as_of, code):
    assert pf.find_council(query, as_of) == code


def test_links_of_the_2000s_are_checked_on_their_own_map():
    from partnerfit.links import ARRANGEMENT_COLUMNS

    def row(council, name, start, end=""):
        return {"arrangement": "test-2003", "partnership": "", "name": "Test", "service":
                "revenues_benefits", "model": "sovereign", "council": council,
                "council_name": name, "role": "partner", "start": start, "end": end,
                "notes": "", "source_title": "A report", "source_publisher": "A council",
                "source_date": "2003", "source_url": ""}

    # two Cheshire districts abolished on 2009-03-31, sharing from 2003
    ok = pd.DataFrame([row("E07000013", "Chester", "2003-04", "2009-03-31"),
                       row("E07000018", "Vale Royal", "2003-04", "2009-03-31")],
                      columns=ARRANGEMENT_COLUMNS)
    table = pf.load_links("2005-06-01", links=ok)
    assert sorted(table["council"]) == ["E07000013", "E07000018"]
    # Cornwall Council (created 2009-04-01) cannot have shared in 2003; before the coverage,
    # the check is made on the first day the register covers
    bad = pd.DataFrame([row("E06000052", "Cornwall", "2003-04"),
                        row("E07000018", "Vale Royal", "1990", "2009-03-31")],
                       columns=ARRANGEMENT_COLUMNS)
    with pytest.raises(pf.DataValidationError) as err:
        pf.read_arrangements(bad)
    assert "line 2: council E06000052 (Cornwall) was not in force on 2003-04-01" in str(err.value)
    assert "line 3" not in str(err.value)


def test_every_english_council_has_its_region_abolished_ones_too():
    # mySociety leaves the region empty for councils abolished since 2009; a region selection
    # on an old date (e.g. South West in 2014: Taunton Deane) must still find them
    reg = pf.load_councils()
    england = reg[reg["nation"] == "England"]
    assert (england["region"].fillna("") != "").all()
    sw_2014 = pf.load_councils("2014-06-01").query("region == 'South West'")
    assert "E07000190" in sw_2014.index  # Taunton Deane
    assert reg.at["E07000153", "region"] == "East Midlands"  # Kettering, abolished 2021
# --------------------------------------------------------------------------- crossings

ACROSS_WATER = [  # (council, council, kind) on 2021-04-01; names resolved through the register
    ("Isle of Anglesey", "Gwynedd", "bridge"),
    ("Fife", "City of Edinburgh", "bridge"),
    ("Fife", "Dundee City", "bridge"),
    ("Isle of Wight", "Portsmouth", "ferry"),
    ("Isles of Scilly", "Cornwall", "ferry"),
    ("Na h-Eileanan Siar", "Highland", "ferry"),
]


def _crossings_file() -> list[dict]:
    import csv

    from partnerfit._paths import data_dir
    with open(data_dir("councils") / "crossings.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("one, two, kind", ACROSS_WATER)
def test_neighbours_across_water_are_present_with_their_kind(one, two, kind):
    date = "2021-04-01"
    a, b = sorted([pf.find_council(one, date), pf.find_council(two, date)])
    adj = pf.adjacency(date)
    got = adj[(adj["a"] == a) & (adj["b"] == b)]
    assert got["kind"].tolist() == [kind]
    # independently: the crossings file has a sourced row of that kind for the pair
    rows = [r for r in _crossings_file() if {r["a"], r["b"]} == {a, b} and r["kind"] == kind]
    assert rows and all(r["source_url"].startswith("http") for r in rows)
    # bridges are neighbours for contiguity (water=False), ferries only with water=True
    land_like = pf.adjacency(date, water=False)
    pair = (land_like["a"] == a) & (land_like["b"] == b)
    assert pair.any() == (kind == "bridge")


def test_every_island_council_has_a_neighbour_in_2021():
    date = "2021-04-01"
    for island in ("Isle of Anglesey", "Isle of Wight", "Na h-Eileanan Siar", "Orkney Islands",
                   "Shetland Islands", "Isles of Scilly"):
        assert len(pf.neighbours(island, date, water=True)) >= 1, island


def test_adjacency_kinds_filter_and_one_row_per_pair_and_kind():
    date = "2021-04-01"
    adj = pf.adjacency(date)
    assert not adj.duplicated(["a", "b", "kind"]).any()
    assert set(adj["kind"]) == {"land", "water", "bridge", "ferry"}
    ferries = pf.adjacency(date, kinds="ferry")
    assert ferries.equals(adj[adj["kind"] == "ferry"].reset_index(drop=True))
    # the crossings file's ferry pairs in force on the date, counted independently
    expected = {tuple(sorted((r["a"], r["b"]))) for r in _crossings_file()
                if r["kind"] == "ferry" and (not r["valid_from"] or r["valid_from"] <= date)
                and (not r["valid_to"] or r["valid_to"] >= date)}
    assert set(zip(ferries["a"], ferries["b"])) == expected
    with pytest.raises(ValueError, match="'ferries'"):
        pf.adjacency(date, kinds=["ferries"])


def test_a_crossing_counts_only_from_its_opening():
    # the Queensferry Crossing opened on 2017-08-30; the Forth Road Bridge is older
    def method(date):
        adj = pf.adjacency(date)
        return adj[(adj["a"] == "S12000036") & (adj["b"] == "S12000047")]["method"].item()
    assert "Queensferry Crossing" not in method("2017-08-29")
    assert "Queensferry Crossing" in method("2017-08-30")
    assert "Forth Road Bridge" in method("2017-08-29")


def test_adjacency_refuses_a_date_before_the_register_covers():
    # the map before 1 April 1998 (England) is not in the register: no silent answer
    with pytest.raises(ValueError, match="1998"):
        pf.adjacency("1990-01-01")
    assert len(pf.adjacency("1998-04-01")) == len(pf.adjacency("2009-03-31"))
