"""Bundled council boundaries: one polygon for every council in force, checked against the
register's own areas, centroids and land borders (independent sources) and the ONS layer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

import partnerfit as pf
from partnerfit.errors import UnknownCouncilError

DATES = ["2009-01-01", "2009-03-31", "2009-04-01", "2012-06-01", "2014-06-01", "2019-03-31",
         "2019-04-01", "2020-04-01", "2021-06-01", "2023-04-01", "2025-06-01"]
TOPO = Path(__file__).resolve().parents[2] / "shared" / "data" / "ons-uk-topojson" / "topo.json"


@pytest.mark.parametrize("date", DATES)
def test_every_council_in_force_has_one_valid_polygon(date):
    reg = pf.load_councils(date)
    b = pf.boundaries(date)
    assert b.index.is_unique
    assert sorted(b.index) == sorted(reg.index)
    assert all(isinstance(g, (shapely.Polygon, shapely.MultiPolygon)) for g in b["geometry"])
    assert all(g.is_valid and g.area > 1e6 for g in b["geometry"])  # > 1 km2 (City of London ~3)
    for nation in ("Wales", "Scotland"):
        assert (reg["nation"] == nation).sum() == b.index.isin(reg.index[reg["nation"] == nation]).sum()


@pytest.mark.parametrize("date", ["2009-03-31", "2014-06-01", "2024-06-01"])
def test_areas_match_the_registers_published_areas(date):
    """Polygon areas against the register's area_km2 (mySociety / ONS standard area
    measurements, not derived from these polygons): within 15% for every lower-tier council
    (small ones lose most to simplification; inland lochs count in ONS's boundaries), within 5%
    for 98% of them."""
    reg = pf.load_councils(date)
    b = pf.boundaries(date)
    lower = b[(reg.loc[b.index, "tier"] != "county") & ~b["approximate"]]
    area = lower["geometry"].map(lambda g: g.area / 1e6)
    ratio = area / reg.loc[lower.index, "area_km2"].astype(float)
    assert ratio.between(0.85, 1.15).all(), ratio[~ratio.between(0.85, 1.15)]
    assert ratio.between(0.95, 1.05).mean() > 0.98
    # counties are the union of their districts: area = the districts' published areas summed
    for county in reg.index[reg["tier"] == "county"]:
        members = reg.index[reg["county"] == county]
        if b.loc[members, "approximate"].any():  # no area of their own; see the 2009 test
            continue
        published = reg.loc[members, "area_km2"].astype(float).sum()
        assert b.at[county, "geometry"].area / 1e6 == pytest.approx(published, rel=0.03)


@pytest.mark.parametrize("date", ["2014-06-01", "2024-06-01"])
def test_register_centroids_fall_in_their_council(date):
    reg = pf.load_councils(date)
    b = pf.boundaries(date)
    far = [c for c in b.index
           if b.at[c, "geometry"].distance(shapely.Point(reg.at[c, "easting"],
                                                         reg.at[c, "northing"])) > 5000]
    # Bristol (Severn estuary) and North Ayrshire (Firth of Clyde, Arran): the register's
    # centroids are of the full-extent boundary, out at sea; these boundaries are clipped
    assert far == ["E06000023", "S12000021"]


@pytest.mark.parametrize("date", ["2014-06-01", "2023-06-01"])
def test_land_neighbours_share_a_border(date):
    """Every pair in the register's land adjacency touches (within 100 m) on the map."""
    b = pf.boundaries(date)
    adj = pf.adjacency(date, water=False)
    adj = adj[adj["kind"] == "land"]  # bridges and tunnels join councils across water
    adj = adj[~adj["approximate"]] if "approximate" in adj else adj
    gaps = [(a, c) for a, c in zip(adj["a"], adj["b"], strict=True)
            if b.at[a, "geometry"].distance(b.at[c, "geometry"]) > 100]
    assert gaps == []


def test_districts_abolished_in_april_2009_are_drawn_from_their_successor():
    before = pf.boundaries("2009-03-31")
    after = pf.boundaries("2009-04-01")
    cornwall_ua = after.at["E06000052", "geometry"]
    cornwall_districts = [f"E070000{n}" for n in range(19, 25)]  # Caradon ... Restormel
    for code in cornwall_districts:
        assert before.at[code, "approximate"]
        assert before.at[code, "method"] == "drawn from successor"
        assert before.at[code, "geometry"].equals(cornwall_ua)
    assert "E06000052" not in before.index and "E07000019" not in after.index
    # 36 districts merged into a new unitary; Bedford and Isles of Scilly only changed code
    assert int(before["approximate"].sum()) == 36
    assert not before.at["E07000002", "approximate"]  # Bedford -> Bedford unitary, same area
    assert not after["approximate"].any()
    # the old county is the union of its districts: the new unitary's area exactly
    assert before.at["E10000005", "geometry"].symmetric_difference(cornwall_ua).area < 1e4


def test_glasgow_and_north_lanarkshire_use_the_registers_codes():
    for date in ("2014-06-01", "2025-06-01"):
        reg = pf.load_councils(date)
        b = pf.boundaries(date)
        for code in ("S12000049", "S12000050"):
            geom = b.at[code, "geometry"]
            assert geom.contains(shapely.Point(reg.at[code, "easting"], reg.at[code, "northing"]))
        assert not b.at["S12000049", "geometry"].overlaps(b.at["S12000050", "geometry"])
        assert "S12000046" not in b.index and "S12000044" not in b.index


def test_codes_selects_and_unknown_codes_are_refused():
    b = pf.boundaries("2014-06-01", codes=["E07000121", "E07000123"])
    assert list(b.index) == ["E07000121", "E07000123"]
    with pytest.raises(UnknownCouncilError, match="E07000019"):
        pf.boundaries("2014-06-01", codes=["E07000121", "E07000019"])


def test_every_vintage_has_dates_and_no_overlapping_rows_per_code():
    b = pf.boundaries().reset_index()
    for _, rows in b.groupby("code"):
        rows = rows.sort_values("valid_from", na_position="first")
        ends = rows["valid_to"].iloc[:-1].to_numpy()
        starts = rows["valid_from"].iloc[1:].to_numpy()
        assert all(pd.Timestamp(s) == pd.Timestamp(e) + pd.Timedelta(days=1)
                   for s, e in zip(starts, ends, strict=True))


def test_bundled_file_is_small():
    from partnerfit._paths import bundled

    assert bundled("councils", "boundaries.json").stat().st_size < 3_000_000


@pytest.mark.skipif(not TOPO.exists(), reason="../shared/data absent")
def test_areas_agree_with_the_ons_layer():
    """Against the ONS topology itself, decoded independently (lon/lat, equal-area on a
    sphere by the shoelace formula on a local projection): 2018 districts within 3%."""
    topo = json.loads(TOPO.read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = [np.cumsum(np.asarray(a, dtype=float), axis=0) * [sx, sy] + [tx, ty]
            for a in topo["arcs"]]

    def ring_area(idx):
        pts = np.concatenate([arcs[i] if i >= 0 else arcs[~i][::-1] for i in idx])
        lat0 = np.radians(pts[:, 1].mean())
        x = np.radians(pts[:, 0]) * 6371.0 * np.cos(lat0)
        y = np.radians(pts[:, 1]) * 6371.0
        return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))

    b = pf.boundaries("2018-06-01")
    checked = 0
    for g in topo["objects"]["ltla"]["geometries"]:
        p = g["properties"]
        if not (p.get("start", 2014) <= 2018 <= p.get("end", 2025)) or p["areacd"] not in b.index:
            continue
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        ons = sum(ring_area(r[0]) - sum(ring_area(h) for h in r[1:]) for r in polys)
        ours = b.at[p["areacd"], "geometry"].area / 1e6
        assert ours == pytest.approx(ons, rel=0.03), p
        checked += 1
    assert checked > 370
