#!/usr/bin/env python3
"""Build the bundled council boundaries, ``councils/boundaries.json``, from the ONS topology.

One simplified polygon per council code and geometry, with the dates it applies (the register's
``valid_from`` / ``valid_to`` cut where ONS redraws the area), in British National Grid metres:

* 2014 onwards as ONS publishes them (``ons-uk-topojson``: every year 2014-2025; an area valid in
  year Y is taken to apply from 1 April Y to 31 March Y+1, the dates reorganisations take effect);
* 2009-2013 on the 2014 boundaries (the 2012/13 changes were changes of code only: an old code
  gets its successor's area);
* the districts abolished on 1 April 2009 have no surviving boundary: each is drawn with its
  successor unitary's whole area and marked ``approximate`` ("drawn from successor");
* counties are the union of their districts in force on each date;
* a council whose code changed in the register's ``former_codes`` (Fife, Perth and Kinross,
  2018) takes the former code's area in the years ONS lists it under that code;
* the ONS layer keeps S12000044 / S12000046 for North Lanarkshire / Glasgow City in every year;
  the register's current codes S12000050 / S12000049 take those areas.

Every council in force on any date since 2009 in ``councils/councils.csv`` gets a polygon; the
build fails, naming the council, otherwise. Arcs are simplified before the polygons are
assembled, so neighbouring councils keep a common border. Coordinates are whole multiples of
``unit`` metres, each ring delta-encoded.

Run: ``python scripts/build_boundaries.py [REF_DIR]`` (default ``../shared/data``).
Requires shapely and pyproj (``pip install -e ".[build-data]"``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REF = REPO.parent / "shared" / "data"
OUT = REPO / "councils" / "boundaries.json"

UNIT = 10  # metres per stored unit
TOLERANCE = 120.0  # Douglas-Peucker tolerance on each arc, metres
FIRST_YEAR, LAST_YEAR = 2014, 2025
ALIASES = {"S12000049": "S12000046", "S12000050": "S12000044"}  # register code -> ONS layer code


def _arcs(topo: dict) -> list[np.ndarray]:
    """Decode the quantised, delta-encoded arcs to BNG metres, then simplify each arc."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    out = []
    for arc in topo["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        e, n = to_bng.transform(q[:, 0] * sx + tx, q[:, 1] * sy + ty)
        line = shapely.LineString(np.column_stack([e, n]))
        simple = np.asarray(line.simplify(TOLERANCE, preserve_topology=False).coords)
        out.append(np.round(simple / UNIT) * UNIT)
    return out


def _ring(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for k, i in enumerate(indices):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])
    return np.concatenate(parts)


def _geometry(g: dict, arcs: list[np.ndarray]) -> shapely.Geometry:
    polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
    out = []
    for rings in polys:
        coords = [_ring(r, arcs) for r in rings]
        if len(coords[0]) >= 4:
            out.append(Polygon(coords[0], [c for c in coords[1:] if len(c) >= 4]))
    geom = shapely.make_valid(MultiPolygon(out))
    return shapely.union_all([p for p in getattr(geom, "geoms", [geom])
                              if isinstance(p, (Polygon, MultiPolygon))])


def load_ltla(ref: Path) -> dict[str, list[tuple[int, int, shapely.Geometry]]]:
    """ONS ltla code -> [(first year, last year, geometry)]."""
    topo = json.loads((ref / "ons-uk-topojson" / "topo.json").read_text(encoding="utf-8"))
    arcs = _arcs(topo)
    out: dict[str, list[tuple[int, int, shapely.Geometry]]] = {}
    for g in topo["objects"]["ltla"]["geometries"]:
        p = g["properties"]
        out.setdefault(p["areacd"], []).append(
            (int(p.get("start", FIRST_YEAR)), int(p.get("end", LAST_YEAR)), _geometry(g, arcs)))
    return out


def _ons_year(d: dt.date) -> int:
    """The ONS vintage year that applies on ``d`` (a year runs from 1 April)."""
    year = d.year if (d.month, d.day) >= (4, 1) else d.year - 1
    return min(max(year, FIRST_YEAR), LAST_YEAR)


class Builder:
    """Geometry of each register council on each date."""

    def __init__(self, reg: pd.DataFrame, ltla: dict) -> None:
        self.reg = reg
        self.ltla = ltla
        # successors named by two councils of the same tier: mergers (the county is left out,
        # as it names every unitary in its area)
        succ = reg.loc[reg["tier"] != "county", "successors"].str.split(";").explode().dropna()
        succ = succ[succ != ""]
        self.shared_successor = set(succ[succ.duplicated(keep=False)].to_numpy())

    def in_force(self, d: dt.date) -> pd.DataFrame:
        r = self.reg
        ok = ((r["valid_from"] == "") | (r["valid_from"] <= d.isoformat())) & (
            (r["valid_to"] == "") | (r["valid_to"] >= d.isoformat()))
        return r[ok]

    def ons(self, code: str, year: int) -> shapely.Geometry | None:
        former = self.reg.at[code, "former_codes"].split(";") if code in self.reg.index else []
        for key in [ALIASES.get(code, code), *[f for f in former if f]]:
            for first, last, geom in self.ltla.get(key, []):
                if first <= year <= last:
                    return geom
        return None

    def geometry(self, code: str, d: dt.date) -> tuple[shapely.Geometry, str]:
        """(geometry, method) of ``code`` on ``d``."""
        row = self.reg.loc[code]
        year = _ons_year(d)
        geom = self.ons(code, year)
        if geom is not None:
            return geom, "ons"
        if row["tier"] == "county":
            now = self.in_force(d)
            members = now.index[now["county"] == code]
            if not len(members):
                raise SystemExit(f"county {code} ({row['name']}) has no district on {d}")
            # exact even where the districts are drawn from their successors: together
            # they cover the successors' whole area, which is the county's
            return shapely.union_all([self.geometry(m, d)[0] for m in members]), "union of districts"
        found = self.successor_area(code, year)
        if found is None:
            raise SystemExit(f"no boundary for {code} ({row['name']}) on {d}: not in the ONS "
                             "layer and no successor in it")
        return found

    def successor_area(self, code: str, year: int) -> tuple[shapely.Geometry, str] | None:
        """The area of ``code``'s successors in ONS ``year`` (through successive code changes);
        approximate when a successor also succeeds another council (a merger)."""
        successors = [s for s in self.reg.at[code, "successors"].split(";") if s]
        if not successors:
            return None
        geoms, approx = [], False
        for s in successors:
            approx |= s in self.shared_successor
            g = self.ons(s, year)
            if g is None:
                found = self.successor_area(s, year) if s in self.reg.index else None
                if found is None:
                    return None
                g = found[0]
                approx |= found[1] == "drawn from successor"
            geoms.append(g)
        return shapely.union_all(geoms), "drawn from successor" if approx else "successor"


def breakpoints(reg: pd.DataFrame) -> list[dt.date]:
    """Every date on which some council's geometry may change."""
    days = {dt.date(2009, 1, 1)} | {dt.date(y, 4, 1) for y in range(FIRST_YEAR, LAST_YEAR + 1)}
    days |= {dt.date.fromisoformat(v) for v in reg["valid_from"] if v}
    days |= {dt.date.fromisoformat(v) + dt.timedelta(days=1) for v in reg["valid_to"] if v}
    return sorted(d for d in days if d >= dt.date(2009, 1, 1))


def _encode(geom: shapely.Geometry) -> list[list[list[int]]]:
    """Polygons -> rings -> flat [x0, y0, dx1, dy1, ...] in units, rings closed implicitly."""
    geom = shapely.normalize(shapely.set_precision(geom, UNIT))  # valid on the grid
    out = []
    for poly in getattr(geom, "geoms", [geom]):
        rings = []
        for ring in [poly.exterior, *poly.interiors]:
            q = np.round(np.asarray(ring.coords)[:-1] / UNIT).astype(np.int64)
            d = np.vstack([q[:1], np.diff(q, axis=0)])
            rings.append([int(v) for v in d.ravel()])
        out.append(rings)
    return out


def build(ref: Path) -> dict:
    reg = pd.read_csv(REPO / "councils" / "councils.csv", dtype=str, keep_default_na=False,
                      encoding="utf-8-sig").set_index("code")
    builder = Builder(reg, load_ltla(ref))
    days = breakpoints(reg)
    geoms: list[list] = []
    geom_index: dict[str, int] = {}
    rows: list[list] = []
    open_: dict[str, list] = {}  # code -> current row
    for k, d in enumerate(days):
        end = (days[k + 1] - dt.timedelta(days=1)) if k + 1 < len(days) else None
        now = builder.in_force(d)
        for code in sorted(now.index):
            geom, method = builder.geometry(code, d)
            enc = _encode(geom)
            key = json.dumps(enc, separators=(",", ":"))
            gi = geom_index.setdefault(key, len(geom_index))
            if gi == len(geoms):
                geoms.append(enc)
            cur = open_.get(code)
            if cur is not None and cur[3] == gi and cur[4] == method and cur[2] == prev_end(d):
                cur[2] = _iso(end)
                continue
            start = reg.at[code, "valid_from"] if cur is None and k == 0 else d.isoformat()
            if cur is None and reg.at[code, "valid_from"] and reg.at[code, "valid_from"] > start:
                start = reg.at[code, "valid_from"]
            cur = [code, start, _iso(end), gi, method]
            open_[code] = cur
            rows.append(cur)
    for row in rows:  # close at the register's end date
        vt = reg.at[row[0], "valid_to"]
        if vt and (row[2] == "" or row[2] > vt):
            row[2] = vt
    return {"crs": "EPSG:27700", "unit": UNIT, "tolerance_m": TOLERANCE,
            "source": "ONSvisual/uk-topojson b2fde50 (2025-06-11), ltla layer",
            "columns": ["code", "valid_from", "valid_to", "geometry", "method"],
            "councils": sorted(rows), "geometries": geoms}


def prev_end(d: dt.date) -> str:
    return (d - dt.timedelta(days=1)).isoformat()


def _iso(d: dt.date | None) -> str:
    return "" if d is None else d.isoformat()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ref", nargs="?", type=Path, default=DEFAULT_REF)
    args = ap.parse_args(argv)
    data = build(args.ref)
    text = json.dumps(data, separators=(",", ":"), sort_keys=False) + "\n"
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}: {len(data['councils'])} rows, "
          f"{len(data['geometries'])} geometries, {len(text) / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
