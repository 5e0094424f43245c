"""The bundled register and adjacency checked against every reference table in ../shared/data.

These tests re-derive facts from the public sources independently of scripts/build_register.py
(different code paths: plain CSV/JSON reading, no shared helpers) and skip when the reference
data is absent.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import partnerfit as pf

TYPES = {"CTY", "NMD", "UA", "MD", "LBO", "CC", "SCO", "WPA"}
TIER = {"CTY": "county", "NMD": "non_metropolitan_district", "UA": "unitary",
        "MD": "metropolitan_borough", "LBO": "london_borough", "CC": "sui_generis",
        "SCO": "scottish_unitary", "WPA": "welsh_unitary"}
CODE_CHANGED = {"E08000016": "E08000038", "E08000019": "E08000039"}  # Barnsley, Sheffield 2025


@pytest.fixture(scope="module")
def mysociety(shared_data):
    ms = pd.read_csv(shared_data / "mysociety-uk-la" / "uk_local_authorities.csv", dtype=str)
    return ms[ms["local-authority-type"].isin(TYPES)].set_index("gss-code")


@pytest.fixture(scope="module")
def reg():
    return pf.load_councils()


def test_every_mysociety_council_is_in_the_register(mysociety, reg, shared_data):
    # mySociety leaves the region empty for councils abolished since 2009; there the ONS region
    # in drkane's lookup is the reference
    ons = pd.read_csv(shared_data / "drkane-geo-lookups" / "la_all_codes.csv", dtype=str)
    ons_region = dict(zip(ons["LADCD"], ons["RGNNM"]))
    for code, row in mysociety.iterrows():
        current = CODE_CHANGED.get(code, code)
        assert current in reg.index, (code, row["nice-name"])
        assert reg.at[current, "name"] == row["nice-name"]
        expected = "sui_generis" if row["local-authority-code"] == "IOS" else TIER[
            row["local-authority-type"]]
        assert reg.at[current, "tier"] == expected
        if isinstance(row["region"], str):
            assert reg.at[current, "region"] == row["region"]
        elif current in ons_region and current.startswith("E"):
            assert reg.at[current, "region"] == ons_region[current], current
        elif current.startswith("E"):  # a county abolished whole: its successor's ONS region
            successor = reg.at[current, "successors"].split(";")[0]
            assert reg.at[current, "region"] == ons_region[successor], current
        former = row["former-gss-codes"]
        if isinstance(former, str) and code.startswith("E"):
            for old in former.split(","):
                assert old in reg.index and reg.at[old, "successors"] == code


def test_parents_match_mysociety_except_the_documented_forest_heath_fix(mysociety, reg):
    county_of = {r["local-authority-code"]: c for c, r in mysociety.iterrows()
                 if r["local-authority-type"] == "CTY"}
    checked = 0
    for code, row in mysociety[mysociety["local-authority-type"] == "NMD"].iterrows():
        current = CODE_CHANGED.get(code, code)
        expected = county_of[row["county-la"]]
        if row["local-authority-code"] == "FOR":
            assert expected == "E10000030"  # the source's defect: Surrey
            expected = "E10000029"  # Suffolk
        assert reg.at[current, "county"] == expected, row["nice-name"]
        checked += 1
    assert checked > 190


def test_parents_match_drkane_lookup(shared_data, reg):
    dk = pd.read_csv(shared_data / "drkane-geo-lookups" / "la_all_codes.csv", dtype=str)
    dk = dk[dk["UTLACD"].str.startswith("E10", na=False)].set_index("LADCD")
    districts = reg[(reg["tier"] == "non_metropolitan_district") & reg.index.isin(dk.index)]
    assert len(districts) > 150
    mismatched = [c for c in districts.index if districts.at[c, "county"] != dk.at[c, "UTLACD"]]
    assert mismatched == []


def test_lineage_matches_drkane_active_codes(shared_data, reg):
    dk = pd.read_csv(shared_data / "drkane-geo-lookups" / "la_all_codes.csv", dtype=str)
    dk = dk.set_index("LADCD")
    today = pd.Timestamp.today()
    checked = 0
    for code in reg.index.intersection(dk.index):
        if reg.at[code, "tier"] == "county":
            continue
        cur = code
        while pd.notna(reg.at[cur, "valid_to"]) and reg.at[cur, "valid_to"] < today:
            succ = reg.at[cur, "successors"].split(";")
            assert len(succ) == 1, cur
            cur = succ[0]
        assert cur == dk.at[code, "LADCD_ACTIVE"], code
        checked += 1
    assert checked > 350


def test_2009_abolished_bodies_match_the_gov_uk_registers(shared_data, reg):
    g = shared_data / "gss-registers-2009"
    ended = []
    for name in ("county", "non-metropolitan-district"):
        t = pd.read_csv(g / f"statistical-geography-{name}-eng.csv", dtype=str)
        ended += t.loc[t["end-date"] == "2009-03-31", "key"].tolist()
    assert len(ended) == 45
    for code in ended:
        assert reg.at[code, "valid_to"] == pd.Timestamp("2009-03-31"), code
        assert reg.at[code, "successors"], code
    for t_name, col in (("non-metropolitan-district", "name"), ("county", "name")):
        t = pd.read_csv(g / f"statistical-geography-{t_name}-eng.csv", dtype=str)
        named = t[(t["end-date"] == "2009-03-31") & t[col].notna()]
        for _, r in named.iterrows():
            assert reg.at[r["key"], "name"].replace(" and ", " & ") == r[col].replace(
                " and ", " & ") or reg.at[r["key"], "name"] in r[col], r[col]


def test_lower_tier_centroids_within_1km_of_mysociety(mysociety, reg):
    have = mysociety[mysociety["x"].notna() & (mysociety["local-authority-type"] != "CTY")]
    d = []
    for code, row in have.iterrows():
        current = CODE_CHANGED.get(code, code)
        d.append(np.hypot(reg.at[current, "easting"] - float(row["x"]),
                          reg.at[current, "northing"] - float(row["y"])))
    assert len(d) > 350 and max(d) < 1000


def test_county_centroid_is_area_weighted_mean_of_its_districts(mysociety, reg):
    """Independent check of the computed county centroids (the source's are wrong): the area
    centroid of a county equals the area-weighted mean of its districts' area centroids."""
    for county in reg[(reg["tier"] == "county") & reg["valid_to"].isna()].index:
        kids = reg[(reg["county"] == county) & reg["valid_to"].isna()]
        ms = mysociety.loc[[c for c in kids.index if c in mysociety.index]]
        w = ms["area"].astype(float)
        x = (ms["x"].astype(float) * w).sum() / w.sum()
        y = (ms["y"].astype(float) * w).sum() / w.sum()
        err = np.hypot(reg.at[county, "easting"] - x, reg.at[county, "northing"] - y)
        assert err < 1000, (county, err)


def test_population_2020_is_close_to_census_2021(shared_data, reg):
    pop = pd.read_csv(shared_data / "ons-census-population" / "lad21_census_population_2011_2021.csv",
                      dtype={"lad21cd": str}).set_index("lad21cd")
    common = reg.index.intersection(pop.index)
    ratio = reg.loc[common, "population"] / pop.loc[common, "pop_census2021"]
    assert len(common) > 330
    # 2020 estimates against the 2021 census: close everywhere except where the pandemic moved
    # people (central London) or the census corrected the estimates.
    assert ratio.median() == pytest.approx(1.0, abs=0.03)
    assert ratio.between(0.9, 1.1).mean() > 0.97
    assert ratio.between(0.75, 1.35).all(), ratio[~ratio.between(0.75, 1.35)]


def _topojson_land_pairs(shared_data, year):
    topo = json.loads((shared_data / "ons-uk-topojson" / "topo.json").read_text())
    alias = {"S12000044": "S12000050", "S12000046": "S12000049"}
    owners: dict[int, set] = {}
    for g in topo["objects"]["ltla"]["geometries"]:
        p = g["properties"]
        if not p.get("start", 0) <= year <= p.get("end", 9999) or p["areacd"][0] == "N":
            continue
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        for poly in polys:
            for ring in poly:
                for a in ring:
                    owners.setdefault(a if a >= 0 else ~a, set()).add(alias.get(p["areacd"],
                                                                                 p["areacd"]))
    pairs = set()
    for own in owners.values():
        own = sorted(own)
        pairs |= {(a, b) for i, a in enumerate(own) for b in own[i + 1:]}
    return pairs


def _ons_neighbour_pairs(shared_data):
    data = json.loads((shared_data / "ons-lad21-neighbours" / "data.json").read_text())
    return {tuple(sorted((a, b))) for a, v in data.items() if a[0] != "N" and v and v[0]
            for b in v[0] if b[0] != "N"}


def test_2021_land_adjacency_equals_topology_and_lies_within_ons_neighbours(shared_data, reg):
    adj = pf.adjacency("2021-06-01")
    tiers = reg["tier"]
    lower = adj[(adj["kind"] == "land") & adj["a"].map(tiers).ne("county")
                & adj["b"].map(tiers).ne("county")]
    ours = set(zip(lower["a"], lower["b"]))
    assert ours == _topojson_land_pairs(shared_data, 2021)
    ons = _ons_neighbour_pairs(shared_data)
    assert ours <= ons
    water = adj[(adj["kind"] == "water") & adj["a"].map(tiers).ne("county")
                & adj["b"].map(tiers).ne("county")]
    assert set(zip(water["a"], water["b"])) == ons - ours


def test_county_adjacency_agrees_with_district_adjacency(reg):
    """A county borders a council exactly when one of its districts does (2014 map)."""
    adj = pf.adjacency("2014-06-01", water=False)
    live = pf.load_councils("2014-06-01")
    pairs = set(zip(adj["a"], adj["b"])) | set(zip(adj["b"], adj["a"]))
    for county in live.index[live["tier"] == "county"]:
        kids = set(live.index[live["county"] == county])
        via_kids = {b for a, b in pairs if a in kids and b not in kids
                    and live.at[b, "tier"] != "county"}
        direct = {b for a, b in pairs if a == county and live.at[b, "tier"] != "county"}
        assert direct == via_kids, county
