#!/usr/bin/env python3
"""Build the bundled council register and adjacency tables from public reference data.

Writes ``councils/councils.csv`` (one row per council per GSS code, from 1 April 1998 in England
and 1 April 1996 in Wales and Scotland to today) and
``councils/adjacency.csv`` (pairs of councils sharing a border, per validity period).

Sources (see ``councils/SOURCES.md`` for licences and the defects handled here), read from
``REF_DIR`` (default ``../shared/data`` beside the repository):

* ``mysociety-uk-la``     mySociety register: codes, names, types, dates, parents, population, area, centroids
* ``gss-registers-2009``  GOV.UK registers: the bodies abolished in April 2009 and the 2012/13 code changes
* ``ons-uk-topojson``     ONS boundaries topology 2014-2025: land adjacency, missing centroids
* ``ons-lad21-neighbours`` ONS 2021 neighbours: pairs across water (estuaries)

Only facts (codes, names, dates, numbers) are written, in the project's own schema. The reference
files themselves are never copied. Run: ``python scripts/build_register.py [REF_DIR]``.
Requires pyproj (``pip install -e ".[build]"``) for the British National Grid projection.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REF = REPO.parent / "shared" / "data"
OUT_DIR = REPO / "councils"

# The English councils created between 1996 and 1998 that the mySociety and GOV.UK registers
# leave undated, with the first day set by the structural change order that created each. The
# register covers England from 1 April 1998 (Wales and Scotland from 1 April 1996); a council still
# undated was in force on that day. Each URL was read through the search tool (2026-12-04).
_CLEVELAND = ("The Cleveland (Structural Change) Order 1995 (SI 1995/187), "
              "http://www.legislation.gov.uk/uksi/1995/187/part/II/made; reorganisation date "
              "1 April 1996 per the Cleveland Fire Services (Combination Scheme) Order 1995 note, "
              "http://www.legislation.gov.uk/uksi/1995/3131/note/made?view=plain")
_AVON = ("The Avon (Structural Change) Order 1995 (SI 1995/493) art. 1, in force 1 April 1996, "
         "https://www.legislation.gov.uk/uksi/1995/493/note/made/data.xml")
_BERKSHIRE = ("The Berkshire (Structural Change) Order 1996 (SI 1996/1879), in force 1 April 1998, "
              "https://legislation.gov.uk/uksi/1996/1879/introduction/made")
_HEREFORD_WORCESTER = ("The Hereford and Worcester (Structural, Boundary and Electoral Changes) "
                       "Order 1996 (SI 1996/1867), in force 1 April 1998, "
                       "http://legislation.gov.uk/uksi/1996/1867")
_ESSEX = ("The Essex (Boroughs of Colchester, Southend-on-Sea and Thurrock and District of "
          "Tendring) (Structural, Boundary and Electoral Changes) Order 1996 (SI 1996/1875), "
          "in force 1 April 1998, https://legislation.gov.uk/uksi/1996/1875/made")
CREATED_1990S = {
    "E06000001": ("1996-04-01", _CLEVELAND),  # Hartlepool
    "E06000002": ("1996-04-01", _CLEVELAND),  # Middlesbrough
    "E06000004": ("1996-04-01", _CLEVELAND),  # Stockton-on-Tees
    "E06000023": ("1996-04-01", _AVON),  # Bristol
    "E06000025": ("1996-04-01", _AVON),  # South Gloucestershire
    "E06000014": ("1996-04-01", ("The North Yorkshire (District of York) (Structural and Boundary "
                  "Changes) Order 1995 (SI 1995/610), "
                  "http://www.opsi.gov.uk/S%C4%B0/si1995/Uksi_19950610_en_1.htm; 'From 1 April "
                  "1996, the City of York will be a unitary authority', HC Deb 28 February 1995, "
                  "https://api.parliament.uk/historic-hansard/commons/1995/feb/28/local-government")),
    "E06000015": ("1997-04-01", ("The Derbyshire (City of Derby) (Structural Change) Order 1995 (SI "
                  "1995/1773), in force 1 April 1997, "
                  "http://www.bailii.org/uk/legis/num_reg/1995/uksi_19951773_en.html")),
    "E06000028": ("1997-04-01", ("The Dorset (Boroughs of Poole and Bournemouth) (Structural "
                  "Change) Order 1995 (SI 1995/1771), in force 1 April 1997, "
                  "http://legislation.data.gov.uk/uksi/1995/1771/made/data.htm?wrap=true")),
    "E06000032": ("1997-04-01", ("The Bedfordshire (Borough of Luton) (Structural Change) Order "
                  "1995 (SI 1995/1776), in force 1 April 1997, https://vlex.co.uk/vid/811795309")),
    "E06000042": ("1997-04-01", ("The Buckinghamshire (Borough of Milton Keynes) (Structural "
                  "Change) Order 1995 (SI 1995/1769), functions transferred 1 April 1997, "
                  "http://legislation.data.gov.uk/uksi/1995/1769/note/made/data.html")),
    "E06000043": ("1997-04-01", ("The East Sussex (Boroughs of Brighton and Hove) (Structural "
                  "Change) Order 1995 (SI 1995/1770), functions transferred 1 April 1997, "
                  "https://www.legislation.gov.uk/uksi/1995/1770/note/made")),
    "E06000018": ("1998-04-01", ("The Nottinghamshire (City of Nottingham) (Structural Change) "
                  "Order 1996 (SI 1996/1877), in force 1 April 1998, "
                  "http://legislation.data.gov.uk/uksi/1996/1877/introduction/made/data.htm"
                  "?wrap=true")),
    "E06000037": ("1998-04-01", _BERKSHIRE),  # West Berkshire (then Newbury)
    "E06000038": ("1998-04-01", _BERKSHIRE),  # Reading
    "E06000040": ("1998-04-01", _BERKSHIRE),  # Windsor and Maidenhead
    "E06000041": ("1998-04-01", _BERKSHIRE),  # Wokingham
    "E06000009": ("1998-04-01", ("The Lancashire (Boroughs of Blackburn and Blackpool) "
                  "(Structural Change) Order 1996 (SI 1996/1868), in force 1 April 1998, "
                  "https://legislation.gov.uk/uksi/1996/1868/made/data.html")),  # Blackpool
    "E06000007": ("1998-04-01", ("The Cheshire (Boroughs of Halton and Warrington) (Structural "
                  "Change) Order 1996 (SI 1996/1863), in force 1 April 1998, "
                  "https://vlex.co.uk/vid/811831169")),  # Warrington
    "E06000033": ("1998-04-01", _ESSEX),  # Southend-on-Sea
    "E06000034": ("1998-04-01", _ESSEX),  # Thurrock
    "E06000020": ("1998-04-01", ("The Shropshire (District of The Wrekin) (Structural Change) "
                  "Order 1996 (SI 1996/1866), in force 1 April 1998, "
                  "https://legislation.gov.uk/uksi/1996/1866/made/data.html")),  # Telford
    "E10000034": ("1998-04-01", _HEREFORD_WORCESTER),  # Worcestershire County Council
    "E07000235": ("1998-04-01", _HEREFORD_WORCESTER),  # the new district of Malvern Hills
}

IN_SCOPE_TYPES = {"CTY", "NMD", "UA", "MD", "LBO", "CC", "SCO", "WPA"}
TIER = {
    "CTY": "county",
    "NMD": "non_metropolitan_district",
    "UA": "unitary",
    "MD": "metropolitan_borough",
    "LBO": "london_borough",
    "CC": "sui_generis",
    "SCO": "scottish_unitary",
    "WPA": "welsh_unitary",
}
NATION = {"E": "England", "W": "Wales", "S": "Scotland"}

# Changes of GSS code for a continuing council, with the first day of the new code.
# England: GOV.UK statistical-geography registers (end dates of the old codes).
# Barnsley and Sheffield: The Barnsley and Sheffield (Boundary Change) Order 2024 (SI 2024/1328);
# the new codes are listed in ONS uk-topojson changes.csv (start 2025).
CODE_CHANGES = [
    # (old code, new code, first day of new code)
    ("E07000100", "E07000240", "2012-04-01"),  # St Albans
    ("E07000104", "E07000241", "2012-04-01"),  # Welwyn Hatfield
    ("E07000097", "E07000242", "2013-04-01"),  # East Hertfordshire
    ("E07000101", "E07000243", "2013-04-01"),  # Stevenage
    ("E06000048", "E06000057", "2013-04-01"),  # Northumberland
    ("E08000020", "E08000037", "2013-04-01"),  # Gateshead
    ("E08000016", "E08000038", "2025-04-01"),  # Barnsley
    ("E08000019", "E08000039", "2025-04-01"),  # Sheffield
]
# Scottish code changes (boundary amendments 2018/2019) have no exact date in the sources:
# one row under the current code, the former codes kept as aliases (column former_codes).

# The April 2009 reorganisation: abolished district -> successor unitary, and its county.
SUCCESSOR_2009 = {
    "E07000001": "E06000056", "E07000003": "E06000056", "E07000002": "E06000055",  # Bedfordshire
    "E07000013": "E06000050", "E07000016": "E06000050", "E07000018": "E06000050",  # Cheshire W&C
    "E07000014": "E06000049", "E07000015": "E06000049", "E07000017": "E06000049",  # Cheshire East
    **{f"E070000{n}": "E06000052" for n in range(19, 25)},  # Cornwall
    "E07000025": "E06000053",  # Isles of Scilly (district code -> unitary code)
    **{f"E070000{n}": "E06000047" for n in range(54, 61)},  # Durham
    **{f"E07000{n}": "E06000048" for n in range(157, 163)},  # Northumberland
    **{f"E07000{n}": "E06000051" for n in range(182, 187)},  # Shropshire
    **{f"E07000{n}": "E06000054" for n in range(230, 234)},  # Wiltshire
}
COUNTY_2009 = {
    "E10000001": ("Bedfordshire County Council", "Bedfordshire", ["E06000055", "E06000056"]),
    "E10000004": ("Cheshire County Council", "Cheshire", ["E06000049", "E06000050"]),
    "E10000005": ("Cornwall County Council", "Cornwall", ["E06000052"]),
    "E10000010": ("Durham County Council", "Durham", ["E06000047"]),
    "E10000022": ("Northumberland County Council", "Northumberland", ["E06000048"]),
    "E10000026": ("Shropshire County Council", "Shropshire", ["E06000051"]),
    "E10000033": ("Wiltshire County Council", "Wiltshire", ["E06000054"]),
}
# The county councils of Cornwall, Durham, Northumberland, Shropshire and Wiltshire continued
# as the new unitary councils: they share the unitary's short id. Bedfordshire and Cheshire
# county councils were abolished.
COUNTY_2009_ID = {"E10000005": "CON", "E10000010": "DUR", "E10000022": "NBL",
                  "E10000026": "SHR", "E10000033": "WIL"}
# Areas whose county geometry is made of these 2014 pieces (for the 2009 county of Cornwall,
# the statistical county included the Isles of Scilly).
COUNTY_2009_AREA = {"E10000005": ["E06000052", "E06000053"]}

DISTRICT_NAME_FIX = {"Ellesmere Port & Neston": "Ellesmere Port and Neston"}
COMBINED_EXTRA = {"GLA": ("Greater London Authority", "E61000001")}
FORMER_NAMES = {  # renamed councils: former name kept as alias
    "E07000112": ["Shepway"],
    "E07000083": ["North Gloucestershire"],
}
# Known defect: mySociety gives Forest Heath's county as Surrey (SRY); it is Suffolk.
COUNTY_LA_FIX = {"FOR": "SFK"}

EPOCH_STARTS = ["2009-01-01", "2009-04-01", "2012-04-01", "2013-04-01", "2019-04-01",
                "2020-04-01", "2021-04-01", "2023-04-01", "2025-04-01"]


def day_before(date: str) -> str:
    return (pd.Timestamp(date) - pd.Timedelta(days=1)).strftime("%Y-%m-%d")


# --------------------------------------------------------------------------- topology

class Topology:
    """Minimal TopoJSON reader: decoded arcs, geometries by layer."""

    def __init__(self, path: Path):
        topo = json.loads(path.read_text(encoding="utf-8"))
        scale = np.array(topo["transform"]["scale"])
        translate = np.array(topo["transform"]["translate"])
        self.arcs = [np.cumsum(np.array(a, dtype=float), axis=0) * scale + translate
                     for a in topo["arcs"]]
        self.layers = {name: obj["geometries"] for name, obj in topo["objects"].items()}

    @staticmethod
    def polygons(geom: dict) -> list:
        if geom["type"] == "Polygon":
            return [geom["arcs"]]
        if geom["type"] == "MultiPolygon":
            return geom["arcs"]
        return []

    def arc_ids(self, geom: dict) -> set[int]:
        return {a if a >= 0 else ~a for poly in self.polygons(geom) for ring in poly for a in ring}

    def ring(self, ring: list[int]) -> np.ndarray:
        parts = []
        for a in ring:
            pts = self.arcs[a] if a >= 0 else self.arcs[~a][::-1]
            parts.append(pts if not parts else pts[1:])
        return np.vstack(parts)

    def valid(self, layer: str, year: int) -> dict[str, dict]:
        out = {}
        for g in self.layers[layer]:
            p = g["properties"]
            if p.get("start", 0) <= year <= p.get("end", 9999):
                out[p["areacd"]] = g
        return out


def area_centroid(topo: Topology, geoms: list[dict], to_bng) -> tuple[float, float, float]:
    """Area-weighted centroid (BNG metres) and area (km2) of the union of geometries."""
    sx = sy = sa = 0.0
    for g in geoms:
        for poly in topo.polygons(g):
            for k, ring in enumerate(poly):
                lonlat = topo.ring(ring)
                x, y = to_bng(lonlat[:, 0], lonlat[:, 1])
                x, y = np.asarray(x), np.asarray(y)
                x0, y0 = x[0], y[0]
                xs, ys = x - x0, y - y0
                cross = xs[:-1] * ys[1:] - xs[1:] * ys[:-1]
                a = cross.sum() / 2.0
                cx = ((xs[:-1] + xs[1:]) * cross).sum() / 6.0
                cy = ((ys[:-1] + ys[1:]) * cross).sum() / 6.0
                sign = 1.0 if k == 0 else -1.0  # holes subtract
                a_abs = abs(a)
                if a == 0:
                    continue
                sx += sign * (cx / a * a_abs + x0 * a_abs)
                sy += sign * (cy / a * a_abs + y0 * a_abs)
                sa += sign * a_abs
    return sx / sa, sy / sa, sa / 1e6


# --------------------------------------------------------------------------- register

def read_mysociety(ref: Path) -> pd.DataFrame:
    ms = pd.read_csv(ref / "mysociety-uk-la" / "uk_local_authorities.csv", dtype=str)
    return ms


def fill_regions(reg: pd.DataFrame, ref: Path) -> None:
    """Give every English council abolished since 2009 its region, which mySociety leaves empty:
    the ONS region of the code in drkane's lookup (LADCD -> RGNNM), else its successor's region
    (a county abolished whole, such as Buckinghamshire County in 2020, lies in one region)."""
    lookup = pd.read_csv(ref / "drkane-geo-lookups" / "la_all_codes.csv", dtype=str)
    by_code = dict(zip(lookup["LADCD"], lookup["RGNNM"]))
    region = dict(zip(reg["code"], reg["region"].fillna("")))
    for i, r in reg.iterrows():
        if r["code"].startswith("E") and not (isinstance(r["region"], str) and r["region"]):
            succ = [c for c in str(r.get("successors") or "").split(";") if region.get(c)]
            reg.at[i, "region"] = by_code.get(r["code"]) or (region[succ[0]] if succ else "")


def build_register(ref: Path, topo: Topology, to_bng, to_wgs) -> pd.DataFrame:
    ms = read_mysociety(ref)
    comb = ms[ms["local-authority-type"] == "COMB"].set_index("local-authority-code")
    la = ms[ms["local-authority-type"].isin(IN_SCOPE_TYPES)].copy()
    by_id = la.set_index("local-authority-code")
    names_lookup = pd.read_csv(ref / "mysociety-uk-la" / "lookup_name_to_registry.csv", dtype=str)
    name_col = next(c for c in names_lookup.columns if c != "local-authority-code")
    aliases_by_id: dict[str, set[str]] = defaultdict(set)
    for nm, code in zip(names_lookup[name_col], names_lookup["local-authority-code"]):
        if isinstance(nm, str) and isinstance(code, str):
            aliases_by_id[code].add(nm.strip())

    rows = []
    for _, r in la.iterrows():
        lid = r["local-authority-code"]
        county_la = COUNTY_LA_FIX.get(lid, r["county-la"])
        start = r["start-date"] if isinstance(r["start-date"], str) else ""
        if start.startswith("2005-06"):  # register artefact: in force before 2009
            start = ""
        if start and start < "2009-01-01" and not start.startswith(("1974", "1996", "1997", "1998")):
            start = ""
        end = r["end-date"] if isinstance(r["end-date"], str) else ""
        if end.endswith("-04-01"):  # written as the successor's first day
            end = day_before(end)
        ca = r["combined-authority"] if isinstance(r["combined-authority"], str) else ""
        if ca in COMBINED_EXTRA:
            ca_name = COMBINED_EXTRA[ca][0]
        elif ca:
            ca_name = comb.loc[ca, "nice-name"]
        else:
            ca_name = ""
        former = r["former-gss-codes"] if isinstance(r["former-gss-codes"], str) else ""
        base = {
            "id": lid,
            "name": r["nice-name"],
            "official_name": r["official-name"],
            "tier": "sui_generis" if lid == "IOS" else TIER[r["local-authority-type"]],
            "nation": r["nation"],
            "region": r["region"],
            "county_la": county_la if isinstance(county_la, str) else "",
            "combined_authority": ca_name,
            "population": float(r["pop-2020"]) if isinstance(r["pop-2020"], str) else np.nan,
            "area_km2": float(r["area"]) if isinstance(r["area"], str) else np.nan,
            "easting": float(r["x"]) if isinstance(r["x"], str) else np.nan,
            "northing": float(r["y"]) if isinstance(r["y"], str) else np.nan,
            "replaced_by": r["replaced-by"] if isinstance(r["replaced-by"], str) else "",
            "valid_from": start,
            "valid_to": end,
            "source": "mySociety uk_local_authority_names_and_codes (2025-07)",
        }
        english_changes = [c for c in CODE_CHANGES
                           if c[1] == r["gss-code"] or c[0] == r["gss-code"]]
        if english_changes:
            old, new, first = english_changes[0]
            rows.append({**base, "code": old, "valid_to": day_before(first),
                         "successors": new, "former_codes": ""})
            rows.append({**base, "code": new, "valid_from": first, "former_codes": ""})
        else:
            sc_former = former if r["gss-code"].startswith("S") else ""
            rows.append({**base, "code": r["gss-code"], "former_codes": sc_former.replace(",", ";")})

    reg = pd.DataFrame(rows)
    # Northumberland: E06000048 starts 2009-04-01 (the county council before then).
    reg.loc[reg["code"] == "E06000048", "valid_from"] = "2009-04-01"
    # Isles of Scilly: district code E07000025 until 2009-03-31, unitary code from 2009-04-01.
    reg.loc[reg["code"] == "E06000053", "valid_from"] = "2009-04-01"
    # Councils created by the 1995-1998 English reorganisation that the registers leave undated:
    # the first day from each structural change order (see CREATED_1990S).
    for code, (first, cite) in CREATED_1990S.items():
        row = reg["code"] == code
        if row.sum() != 1 or (reg.loc[row, "valid_from"] != "").any():
            raise SystemExit(f"CREATED_1990S: {code} is not one undated row of the register")
        reg.loc[row, "valid_from"] = first
        reg.loc[row, "source"] = reg.loc[row, "source"] + "; valid_from: " + cite

    # ---- bodies abolished in April 2009 (GOV.UK registers)
    g9 = ref / "gss-registers-2009"
    nmd = pd.read_csv(g9 / "statistical-geography-non-metropolitan-district-eng.csv", dtype=str)
    laeng = pd.read_csv(g9 / "local-authority-eng-register.csv", dtype=str).set_index("key")
    nmd = nmd[nmd["end-date"] == "2009-03-31"]
    new_rows = []
    for _, r in nmd.iterrows():
        code = r["key"]
        succ = SUCCESSOR_2009[code]
        lid = r["local-authority-eng"] if isinstance(r["local-authority-eng"], str) else code
        if isinstance(r["name"], str):
            name = DISTRICT_NAME_FIX.get(r["name"], r["name"])
            official = ""
        else:
            name = laeng.loc[lid, "name"]
            official = laeng.loc[lid, "official-name"]
        county = next(c for c, (_, _, ua) in COUNTY_2009.items()
                      if succ in ua or (c == "E10000005" and succ == "E06000053"))
        succ_row = reg[reg["code"] == succ].iloc[0] if succ != "E06000048" else \
            reg[reg["code"] == "E06000048"].iloc[0]
        new_rows.append({
            "code": code, "id": lid, "name": name, "official_name": official,
            "tier": "sui_generis" if code == "E07000025" else "non_metropolitan_district",
            "nation": "England", "region": succ_row["region"],
            "county_la": "", "county": county if code != "E07000025" else "",
            "combined_authority": "", "population": np.nan, "area_km2": np.nan,
            "easting": np.nan, "northing": np.nan, "replaced_by": "", "successors": succ,
            "valid_from": "", "valid_to": "2009-03-31", "former_codes": "",
            "source": "GOV.UK statistical-geography registers (digital-land, 2017)",
        })
    for code, (official, name, succs) in COUNTY_2009.items():
        succ_row = reg[reg["code"] == succs[0]].iloc[0]
        new_rows.append({
            "code": code, "id": COUNTY_2009_ID.get(code, code), "name": name,
            "official_name": official, "tier": "county", "nation": "England",
            "region": succ_row["region"], "county_la": "", "county": "",
            "combined_authority": "", "population": np.nan, "area_km2": np.nan,
            "easting": np.nan, "northing": np.nan, "replaced_by": "",
            "successors": ";".join(succs), "valid_from": "", "valid_to": "2009-03-31",
            "former_codes": "",
            "source": "GOV.UK statistical-geography registers (digital-land, 2017)",
        })
    reg = pd.concat([reg, pd.DataFrame(new_rows)], ignore_index=True)

    # ---- parent county (GSS) from the 3-letter county code
    county_code_by_id = {r.id: r.code for r in reg[reg["tier"] == "county"].itertuples()
                         if r.valid_to == "" or r.valid_to > "2009-03-31"}
    reg["county"] = [c if isinstance(c, str) and c else county_code_by_id.get(cl, "")
                     for c, cl in zip(reg.get("county", pd.Series([""] * len(reg))).fillna(""),
                                      reg["county_la"])]
    reg.loc[reg["tier"] != "non_metropolitan_district", "county"] = ""
    missing_parent = reg[(reg["tier"] == "non_metropolitan_district") & (reg["county"] == "")]
    if len(missing_parent):
        raise SystemExit(f"districts without a county: {missing_parent['name'].tolist()}")

    # ---- successors from mySociety replaced-by (3-letter codes -> first code in force next day)
    for i, r in reg.iterrows():
        if r["replaced_by"] and not (isinstance(r.get("successors"), str) and r["successors"]):
            succ = []
            for lid in r["replaced_by"].split(","):
                cand = reg[(reg["id"] == lid) & (reg["valid_from"] == (
                    pd.Timestamp(r["valid_to"]) + pd.Timedelta(days=1)).strftime("%Y-%m-%d"))]
                if len(cand) != 1:
                    raise SystemExit(f"cannot resolve successor {lid} of {r['code']}")
                succ.append(cand["code"].iloc[0])
            reg.at[i, "successors"] = ";".join(sorted(succ))
    reg["successors"] = reg["successors"].fillna("")
    reg.loc[reg["code"] == "E06000048", "successors"] = "E06000057"

    # ---- aliases
    alias_col = []
    for r in reg.itertuples():
        al = set(aliases_by_id.get(r.id, set())) if not r.code.startswith("E10") or \
            r.id in by_id.index else set()
        if r.code in COUNTY_2009 or r.code in SUCCESSOR_2009:
            al = {r.name}
        al |= set(FORMER_NAMES.get(r.code, []))
        al.add(r.official_name) if r.official_name else None
        best: dict[str, str] = {}
        for a in sorted(al, key=lambda a: (a == a.lower(), a)):  # prefer capitalised spellings
            best.setdefault(a.lower(), a)
        best.pop(r.name.lower(), None)
        alias_col.append(";".join(sorted(best.values())))
    reg["aliases"] = alias_col
    # The continuing county councils of 2009 share an id with their unitary; the unitary's
    # aliases would make "Cornwall" ambiguous, so 2009 county rows keep only their own names.

    # ---- geometry-based centroids, areas and populations where the source lacks them
    reg["population_year"] = np.where(reg["population"].notna(), 2020, np.nan)
    reg["population_method"] = np.where(reg["population"].notna(),
                                        "mySociety pop-2020 (ONS mid-2020 estimate)", "")
    reg["centroid_method"] = np.where(reg["easting"].notna(), "mySociety x/y", "")
    fill_geometry(reg, topo, to_bng)

    lon, lat = to_wgs(reg["easting"].to_numpy(), reg["northing"].to_numpy())
    reg["lon"] = np.round(lon, 5)
    reg["lat"] = np.round(lat, 5)
    reg["easting"] = reg["easting"].round(0)
    reg["northing"] = reg["northing"].round(0)
    reg["area_km2"] = reg["area_km2"].round(1)
    reg["nation"] = reg["code"].str[0].map(NATION)
    fill_regions(reg, ref)
    return reg


def topo_code(reg: pd.DataFrame, code: str, year: int, layer_codes: set[str]) -> str | None:
    """The topojson area code for a register code: itself, or another code of the same council."""
    if code in layer_codes:
        return code
    lid = reg.loc[reg["code"] == code, "id"].iloc[0]
    for other in reg.loc[reg["id"] == lid, "code"]:
        if other in layer_codes:
            return other
    former = reg.loc[reg["code"] == code, "former_codes"].iloc[0]
    for other in filter(None, former.split(";")):
        if other in layer_codes:
            return other
    return None


def last_year(valid_to: str) -> int:
    if not valid_to:
        return 2025
    d = pd.Timestamp(valid_to)
    return max(2014, min(2025, d.year if d.month >= 4 else d.year - 1))


def fill_geometry(reg: pd.DataFrame, topo: Topology, to_bng) -> None:
    """Centroids (and areas) from the ONS topology where the register has none or is wrong."""
    ltla_all = {g["properties"]["areacd"]: g for g in topo.layers["ltla"]}
    cty_all = {g["properties"]["areacd"]: g for g in topo.layers["cty"]}
    for i, r in reg.iterrows():
        method = None
        if r["tier"] == "county" and r["code"] in cty_all:
            # Known defect: mySociety county x/y are not the county's centre.
            x, y, area = area_centroid(topo, [cty_all[r["code"]]], to_bng)
            method = "area centroid of the ONS county boundary (ons-uk-topojson)"
        elif r["code"] in COUNTY_2009:
            pieces = COUNTY_2009_AREA.get(r["code"], COUNTY_2009[r["code"]][2])
            geoms = [ltla_all[topo_code(reg, p, 2014, set(ltla_all))] for p in pieces]
            x, y, area = area_centroid(topo, geoms, to_bng)
            method = "area centroid of the successor unitary area(s) (same area; ons-uk-topojson 2014)"
            if np.isnan(reg.at[i, "area_km2"]):
                reg.at[i, "area_km2"] = area
        elif r["code"] in SUCCESSOR_2009:
            succ = SUCCESSOR_2009[r["code"]]
            shared = [c for c, s in SUCCESSOR_2009.items() if s == succ]
            g = ltla_all[topo_code(reg, succ, 2014, set(ltla_all))]
            x, y, area = area_centroid(topo, [g], to_bng)
            if len(shared) == 1:
                method = "area centroid of the successor unitary (same area; ons-uk-topojson 2014)"
                reg.at[i, "area_km2"] = area
            else:
                method = ("APPROXIMATE: area centroid of the successor unitary; "
                          "no boundary of the abolished district survives")
        elif np.isnan(r["easting"]):
            code = topo_code(reg, r["code"], last_year(r["valid_to"]), set(ltla_all))
            if r["tier"] == "county":
                raise SystemExit(f"no county geometry for {r['code']}")
            x, y, area = area_centroid(topo, [ltla_all[code]], to_bng)
            method = "area centroid of the ONS boundary (ons-uk-topojson)"
            if np.isnan(reg.at[i, "area_km2"]):
                reg.at[i, "area_km2"] = area
        if method:
            reg.at[i, "easting"], reg.at[i, "northing"] = x, y
            reg.at[i, "centroid_method"] = method
    # populations for counties whose source lacks one: the same area's unitaries
    for code, succs in (("E10000002", ["E06000060"]), ("E10000021", ["E06000061", "E06000062"])):
        pop = reg.loc[reg["code"].isin(succs), "population"].sum()
        reg.loc[reg["code"] == code, ["population", "population_year", "population_method"]] = [
            pop, 2020, "sum of the successor unitaries' mid-2020 estimates (same area)"]
    for code, (_, _, succs) in COUNTY_2009.items():
        pieces = COUNTY_2009_AREA.get(code, succs)
        pop = reg.loc[reg["code"].isin(pieces) & (reg["valid_to"] == ""), "population"]
        if len(pop) == len(pieces):
            reg.loc[reg["code"] == code, ["population", "population_year", "population_method"]] = [
                pop.sum(), 2020,
                "sum of the successor unitaries' mid-2020 estimates (same area, 2020 population)"]
    for code, succ in SUCCESSOR_2009.items():
        if [c for c, s in SUCCESSOR_2009.items() if s == succ] == [code]:
            pop = reg.loc[(reg["code"] == succ) | ((reg["code"] == "E06000057") &
                                                  (succ == "E06000048")), "population"].max()
            reg.loc[reg["code"] == code, ["population", "population_year", "population_method"]] = [
                pop, 2020, "successor unitary's mid-2020 estimate (same area, 2020 population)"]


# --------------------------------------------------------------------------- adjacency

def epochs() -> list[tuple[str, str]]:
    out = []
    for i, s in enumerate(EPOCH_STARTS):
        end = day_before(EPOCH_STARTS[i + 1]) if i + 1 < len(EPOCH_STARTS) else ""
        out.append((s, end))
    return out


def in_force(reg: pd.DataFrame, start: str) -> pd.DataFrame:
    vf = reg["valid_from"].replace("", "0000")
    vt = reg["valid_to"].replace("", "9999")
    return reg[(vf <= start) & (vt >= start)]


def build_adjacency(reg: pd.DataFrame, topo: Topology, ref: Path) -> pd.DataFrame:
    pairs = []
    for start, end in epochs():
        year = max(2014, min(2025, int(start[:4])))
        live = in_force(reg, start)
        ltla = topo.valid("ltla", year)
        arcs = {c: topo.arc_ids(g) for c, g in ltla.items()}
        lower = live[live["tier"] != "county"]
        pieces: dict[str, frozenset[str]] = {}
        approx: set[str] = set()
        for r in lower.itertuples():
            if r.code in SUCCESSOR_2009:
                succ = SUCCESSOR_2009[r.code]
                pieces[r.code] = frozenset([topo_code(reg, succ, year, set(ltla))])
                if sum(s == succ for s in SUCCESSOR_2009.values()) > 1:
                    approx.add(r.code)
            else:
                tc = topo_code(reg, r.code, year, set(ltla))
                if tc is None:
                    raise SystemExit(f"{r.code} ({r.name}) has no geometry in {year}")
                pieces[r.code] = frozenset([tc])
        for r in live[live["tier"] == "county"].itertuples():
            if r.code in COUNTY_2009:
                codes = COUNTY_2009_AREA.get(r.code, COUNTY_2009[r.code][2])
                pieces[r.code] = frozenset(topo_code(reg, c, year, set(ltla)) for c in codes)
            else:
                members = lower[lower["county"] == r.code]["code"]
                pieces[r.code] = frozenset().union(*(pieces[m] for m in members))
        boundary = {}
        for code, ps in pieces.items():
            count: dict[int, int] = defaultdict(int)
            for p in ps:
                for a in arcs[p]:
                    count[a] += 1
            boundary[code] = {a for a, n in count.items() if n == 1}
        by_arc: dict[int, list[str]] = defaultdict(list)
        for code, b in boundary.items():
            for a in b:
                by_arc[a].append(code)
        parent = dict(zip(live["code"], live["county"]))
        found = set()
        for codes in by_arc.values():
            for i, a in enumerate(codes):
                for b in codes[i + 1:]:
                    x, y = sorted((a, b))
                    if parent.get(x) == y or parent.get(y) == x:
                        continue
                    found.add((x, y))
        for x, y in sorted(found):
            ap = x in approx or y in approx
            pairs.append({"a": x, "b": y, "kind": "land", "approximate": ap,
                          "method": ("APPROXIMATE: from the successor unitary's boundary"
                                     if ap else f"shared boundary, ONS topology {year}"),
                          "valid_from": start, "valid_to": end})
    land = pd.DataFrame(pairs)
    water = water_pairs(reg, land, ref)
    adj = pd.concat([land, water], ignore_index=True)
    return merge_periods(adj)


def water_pairs(reg: pd.DataFrame, land: pd.DataFrame, ref: Path) -> pd.DataFrame:
    """Pairs across water: ONS 2021 boundary-sharing pairs that are not land pairs in 2021."""
    data = json.loads((ref / "ons-lad21-neighbours" / "data.json").read_text())
    ons = set()
    for a, v in data.items():
        if a[0] not in "EWS" or not v or not v[0]:
            continue
        for b in v[0]:
            if b[0] in "EWS":
                ons.add(tuple(sorted((a, b))))
    land21 = land[(land["valid_from"] == "2021-04-01")]
    land21_set = set(zip(land21["a"], land21["b"]))
    water21 = sorted(ons - land21_set)
    out = []
    for start, end in epochs():
        live = in_force(reg, start)
        codes = set(live["code"])
        land_e = land[land["valid_from"] == start]
        land_e_set = set(zip(land_e["a"], land_e["b"]))
        parent = dict(zip(live["code"], live["county"]))

        def local(c: str, codes=codes, live=live) -> tuple[list[str], bool]:
            if c in codes:
                return [c], False
            lid = reg.loc[reg["code"] == c, "id"].iloc[0]
            same = live[live["id"] == lid]["code"].tolist()
            if same:
                return same, False
            row = reg[reg["code"] == c].iloc[0]
            succ = [s for s in row["successors"].split(";") if s in codes]
            if succ:
                return succ, False
            pred = [p for p in live["code"]
                    if c in reg.loc[reg["code"] == p, "successors"].iloc[0].split(";")]
            return pred, True

        found = {}
        for a, b in water21:
            la, pa = local(a)
            lb, pb = local(b)
            for x in la:
                for y in lb:
                    if x == y:
                        continue
                    key = tuple(sorted((x, y)))
                    if key in land_e_set:
                        continue
                    found[key] = found.get(key, False) or pa or pb
                    ux, uy = parent.get(x) or x, parent.get(y) or y
                    ukey = tuple(sorted((ux, uy)))
                    if ux != uy and ukey not in land_e_set and ukey != key:
                        found.setdefault(ukey, pa or pb)
        for (x, y), ap in sorted(found.items()):
            out.append({"a": x, "b": y, "kind": "water", "approximate": ap,
                        "method": "across water: ONS 2021 neighbours, not a land boundary"
                        + (" (APPROXIMATE: mapped to predecessor councils)" if ap else ""),
                        "valid_from": start, "valid_to": end})
    return pd.DataFrame(out)


def merge_periods(adj: pd.DataFrame) -> pd.DataFrame:
    """Merge consecutive periods of the same pair with the same attributes."""
    adj = adj.sort_values(["a", "b", "kind", "valid_from"]).reset_index(drop=True)
    out = []
    for _, g in adj.groupby(["a", "b", "kind", "approximate", "method"], sort=False):
        cur = None
        for r in g.itertuples():
            if cur is not None and cur["valid_to"] and \
                    pd.Timestamp(cur["valid_to"]) + pd.Timedelta(days=1) == pd.Timestamp(r.valid_from):
                cur["valid_to"] = r.valid_to
                continue
            if cur is not None:
                out.append(cur)
            cur = {"a": r.a, "b": r.b, "kind": r.kind, "approximate": r.approximate,
                   "method": r.method, "valid_from": r.valid_from, "valid_to": r.valid_to}
        out.append(cur)
    res = pd.DataFrame(out)
    res.loc[res["valid_from"] == EPOCH_STARTS[0], "valid_from"] = ""
    return res.sort_values(["a", "b", "valid_from", "kind"]).reset_index(drop=True)


# --------------------------------------------------------------------------- main

COLUMNS = ["code", "id", "name", "official_name", "aliases", "former_codes", "tier", "nation",
           "region", "county", "combined_authority", "population", "population_year",
           "population_method", "area_km2", "lat", "lon", "easting", "northing",
           "centroid_method", "valid_from", "valid_to", "successors", "source"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", nargs="?", default=str(DEFAULT_REF))
    args = parser.parse_args(argv)
    ref = Path(args.ref)
    from pyproj import Transformer

    fwd = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    inv = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    topo = Topology(ref / "ons-uk-topojson" / "topo.json")
    reg = build_register(ref, topo, fwd.transform, inv.transform)
    reg = reg[COLUMNS].sort_values(["code"]).reset_index(drop=True)
    reg["population"] = reg["population"].round(0).astype("Int64")
    reg["population_year"] = reg["population_year"].astype("Int64")
    adj = build_adjacency(reg, topo, ref)
    OUT_DIR.mkdir(exist_ok=True)
    reg.to_csv(OUT_DIR / "councils.csv", index=False, lineterminator="\n")
    adj.to_csv(OUT_DIR / "adjacency.csv", index=False, lineterminator="\n")
    print(f"councils.csv: {len(reg)} rows; adjacency.csv: {len(adj)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
