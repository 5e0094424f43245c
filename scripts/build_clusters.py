#!/usr/bin/env python3
"""Build councils/clusters.csv: sub-regional groupings of councils that are not themselves
sharing arrangements (combined authorities, city regions, sub-regional partnerships named in
public strategy documents), with validity dates and sources.

Membership of the combined authorities comes from the ONS lookup kept in
``<ref_dir>/drkane-geo-lookups/la_all_codes.csv`` (CAUTHCD/CAUTHNM, lower tier) and
``utla_all_codes.csv`` (upper tier; Cambridgeshire County Council is a constituent member of
its combined authority). That lookup gives one membership per council (its vintage predates
the 2024 North East reorganisation), so the history around it is written out below from the
establishing orders found by search: founding dates, the 2018 split of the North East
Combined Authority and the 2024 North East Mayoral Combined Authority. The seed-report
groupings (Mid Lancashire cluster of Team Lancashire, Pennine Lancashire) are listed by name
from their sources.

Each member council is written once per GSS code it held while a member: the register
(councils/councils.csv, bundled) gives each council's codes and their lives, and a
membership is cut to the life of each code (e.g. Gateshead E08000020 to 2013-03-31, then
E08000037). A membership the source gives no start for starts empty (the loader counts it
from the source's date). Anything that cannot be matched makes the script fail.

Usage:
    python3 scripts/build_clusters.py [REF_DIR] [--out PATH]

REF_DIR defaults to ``../shared/data`` relative to the repository root. Only facts (codes,
names, dates, sources) are written; the reference files are never copied.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["cluster", "name", "type", "council", "council_name", "start", "end", "notes",
           "source_title", "source_publisher", "source_date", "source_url"]
LEG = "legislation.gov.uk (The National Archives)"

# Combined authorities in the ONS lookup: CAUTHCD -> facts. `members` None = the lookup's
# members; `drop`/`end_for` adjust the history the lookup cannot show.
COMBINED = [
    {"cluster": "greater-manchester-ca", "cauth": "E47000001",
     "name": "Greater Manchester Combined Authority", "start": "2011-04-01",
     "title": "The Greater Manchester Combined Authority Order 2011 (SI 2011/908), article 1 "
              "and interpretation",
     "publisher": LEG, "date": "2011-03-22",
     "url": "https://www.legislation.gov.uk/uksi/2011/908/body/made",
     "notes": "Order 'shall come into force on 1st April 2011'; constituent councils the ten "
              "metropolitan districts of Greater Manchester (Bolton ... Wigan)."},
    {"cluster": "sheffield-city-region-ca", "cauth": "E47000002",
     "name": "Sheffield City Region Combined Authority", "start": "2014-04-01",
     "title": "The Barnsley, Doncaster, Rotherham and Sheffield Combined Authority Order 2014 "
              "(draft), article 1",
     "publisher": LEG, "date": "2014",
     "url": "http://www.legislation.gov.uk/ukdsi/2014/9780111109526/body",
     "notes": "Order 'shall come into force on 1st April 2014'; constituent councils Sheffield, "
              "Barnsley, Doncaster and Rotherham (non-constituent councils in Derbyshire and "
              "Nottinghamshire not included). Name as in the ONS lookup."},
    {"cluster": "west-yorkshire-ca", "cauth": "E47000003",
     "name": "West Yorkshire Combined Authority", "start": "2014-04-01",
     "title": "The West Yorkshire Combined Authority Order 2014 (draft), Explanatory Note",
     "publisher": LEG, "date": "2014",
     "url": "https://www.legislation.gov.uk/ukdsi/2014/9780111109489/note",
     "notes": "The Order establishes the authority 'on 1st April 2014'; constituent councils "
              "Bradford, Calderdale, Kirklees, Leeds and Wakefield (York, non-constituent, "
              "not included)."},
    {"cluster": "liverpool-city-region-ca", "cauth": "E47000004",
     "name": "Liverpool City Region Combined Authority", "start": "2014-04-01",
     "title": "Liverpool City Region Combined Authority",
     "publisher": "Wirral Council", "date": "",
     "url": "https://www.wirral.gov.uk/councillors-and-committees/"
            "liverpool-city-region-combined-authority",
     "notes": "'established on 1 April 2014'; members the leaders of Halton, Knowsley, Sefton, "
              "St Helens and Wirral and the Mayor of Liverpool."},
    {"cluster": "tees-valley-ca", "cauth": "E47000006",
     "name": "Tees Valley Combined Authority", "start": "2016-04-01",
     "title": "The Tees Valley Combined Authority Order 2016 (SI 2016/449), article 1",
     "publisher": LEG, "date": "2016-03-29",
     "url": "https://www.legislation.gov.uk/uksi/2016/449/body/data.html",
     "notes": "'Art. 1 in force at 1.4.2016'; constituent councils Darlington, Hartlepool, "
              "Middlesbrough, Redcar and Cleveland and Stockton-on-Tees."},
    {"cluster": "west-midlands-ca", "cauth": "E47000007",
     "name": "West Midlands Combined Authority", "start": "2016-06-17",
     "title": "The West Midlands Combined Authority Order 2016 (SI 2016/653), introduction",
     "publisher": LEG, "date": "2016-06-16",
     "url": "https://www.legislation.gov.uk/uksi/2016/653/introduction",
     "notes": "Made 16 June 2016; the Order comes into force on 1 June 2016 or, if made later, "
              "'on the day after the day on which the Order is made' (article 1, "
              "https://legislation.gov.uk/uksi/2016/653/body/made/data.html): 17 June 2016 "
              "(inferred). Constituent councils Birmingham, Coventry, Dudley, Sandwell, "
              "Solihull, Walsall, Wolverhampton (non-constituent councils not included)."},
    {"cluster": "cambridgeshire-peterborough-ca", "cauth": "E47000008",
     "name": "Cambridgeshire and Peterborough Combined Authority", "start": "2017-03-03",
     "title": "Cambridgeshire and Peterborough Combined Authority",
     "publisher": "Womble Bond Dickinson", "date": "",
     "url": "https://www.womblebonddickinson.com/uk/insights/articles-and-briefings/"
            "cambridgeshire-and-peterborough-combined-authority",
     "notes": "Order 2017 No. 251 'authorised ... on 2 March 2017'; it comes into force on the "
              "day after it is made (article 1, http://www.legislation.gov.uk/uksi/2017/251/"
              "body/made): 3 March 2017 (inferred). Constituent councils Cambridge, "
              "Cambridgeshire, East Cambridgeshire, Fenland, Huntingdonshire, Peterborough, "
              "South Cambridgeshire."},
    {"cluster": "west-of-england-ca", "cauth": "E47000009",
     "name": "West of England Combined Authority", "start": "2017-02-09",
     "title": "West of England Combined Authority",
     "publisher": "Wikipedia", "date": "",
     "url": "https://en.wikipedia.org/wiki/West_of_England_Combined_Authority",
     "notes": "'The West of England Combined Authority Order 2017 came into force on 9 February "
              "2017'; Bristol, South Gloucestershire, Bath and North East Somerset (North "
              "Somerset rejected the proposal)."},
]

NE_2014 = {"title": "NECA Order and Constitution", "publisher": "North East Combined Authority",
           "date": "", "url": "https://northeastca.gov.uk/about-us/neca-order-and-constitution/"}
NE_WIKI = {"title": "North East Combined Authority (2014-2024)", "publisher": "Wikipedia",
           "date": "",
           "url": "https://en.wikipedia.org/wiki/North_East_Combined_Authority_(2014%E2%80%932024)"}
NE_2024 = {"title": "The North East Mayoral Combined Authority (Establishment and Functions) "
                    "Order 2024 (SI 2024/402), Explanatory Note",
           "publisher": LEG, "date": "2024",
           "url": "https://legislation.gov.uk/uksi/2024/402/note/made/data.html"}
NORTH_EAST = [
    # the seven councils of the 2014 authority; three left in November 2018
    {"cluster": "north-east-ca", "name": "North East Combined Authority",
     "members": ["County Durham", "Gateshead", "South Tyneside", "Sunderland"],
     "start": "2014-04-15", "end": "2024-05-06", **NE_WIKI,
     "notes": "Founded '15 April 2014', 'Disbanded: 7 May 2024' (end the day before); the 2014 "
              "Order named Durham, Gateshead, Newcastle upon Tyne, North Tyneside, "
              "Northumberland, South Tyneside and Sunderland (northeastca.gov.uk). Members in "
              "the ONS lookup (CAUTHCD E47000010)."},
    {"cluster": "north-east-ca", "name": "North East Combined Authority",
     "members": ["Newcastle upon Tyne", "North Tyneside", "Northumberland"],
     "start": "2014-04-15", "end": "2018-11", **NE_2014,
     "notes": "Named in the establishing 'Durham, Gateshead, Newcastle upon Tyne, North "
              "Tyneside, Northumberland, South Tyneside and Sunderland Combined Authority Order "
              "2014'; start 15 April 2014 (Wikipedia); left 'In November 2018' to form the North "
              "of Tyne Combined Authority (Wikipedia, North East Combined Authority 2014-2024): "
              "end given to the month."},
    {"cluster": "north-of-tyne-ca", "name": "North of Tyne Combined Authority",
     "members": ["Newcastle upon Tyne", "North Tyneside", "Northumberland"],
     "start": "2018-11", "end": "2024-05-06", **NE_WIKI,
     "notes": "Newcastle, North Tyneside and Northumberland 'left ... in 2018 to form their own "
              "combined authority, the North of Tyne Combined Authority'; formed 'In November "
              "2018' (start given to the month); abolished on 7 May 2024 by SI 2024/402 (end "
              "the day before). Members in the ONS lookup (CAUTHCD E47000011)."},
    {"cluster": "north-east-mayoral-ca", "name": "North East Mayoral Combined Authority",
     "members": ["County Durham", "Gateshead", "Newcastle upon Tyne", "North Tyneside",
                 "Northumberland", "South Tyneside", "Sunderland"],
     "start": "2024-05-07", "end": "", **NE_2024,
     "notes": "The Order abolishes the Durham, Gateshead, South Tyneside and Sunderland and the "
              "Newcastle Upon Tyne, North Tyneside and Northumberland combined authorities and "
              "'establishes the North East Mayoral Combined Authority ... in their place ... on "
              "7 May 2024'; members the councils of both (inferred from 'in their place')."},
]

SEED_CLUSTERS = [
    {"cluster": "mid-lancashire", "name": "Mid Lancashire cluster (Team Lancashire)",
     "type": "sub_regional",
     "members": ["Lancaster", "Preston", "South Ribble", "Chorley", "West Lancashire"],
     "start": "", "end": "",
     "title": "Shared Services Programme (Cabinet, 1 September 2009, Report of Corporate "
              "Director (Finance & Performance))",
     "publisher": "Lancaster City Council", "date": "2009-09-01", "url": "",
     "notes": "Seed report 000: Team Lancashire works 'through 3 clusters, namely Pennine "
              "Lancashire, The Fylde, and Mid Lancashire'; 'Lancaster is within the Mid Lancs "
              "cluster group which consists of Preston, South Ribble, Chorley and West "
              "Lancashire'. No start given: counted from the report's date. The members of the "
              "other two clusters are not named there."},
    {"cluster": "pennine-lancashire", "name": "Pennine Lancashire",
     "type": "sub_regional",
     "members": ["Blackburn with Darwen", "Burnley", "Hyndburn", "Pendle", "Ribble Valley",
                 "Rossendale"],
     "start": "", "end": "",
     "title": "Pennine Lancashire: A Local Development Strategy 2009-2013 (Rural Development "
              "Programme for England)",
     "publisher": "Pennine Lancashire Local Action Group", "date": "2009",
     "url": "https://docslib.org/doc/6616234/pennine-lancashire",
     "notes": "'Pennine Lancashire is a partnership between the local authorities of Blackburn "
              "with Darwen, Burnley, Hyndburn, Pendle, Ribble Valley and Rossendale'; also one "
              "of Team Lancashire's three clusters (seed report 000). No start given: counted "
              "from the strategy's year."},
]


def _register() -> pd.DataFrame:
    reg = pd.read_csv(ROOT / "councils" / "councils.csv", dtype=str).fillna("")
    return reg


def _codes_of(reg: pd.DataFrame, code_or_name: str) -> pd.DataFrame:
    """Every register row (code) of the council named or coded ``code_or_name``."""
    hit = reg[(reg["code"] == code_or_name) | (reg["name"] == code_or_name)]
    if hit.empty:
        sys.exit(f"build_clusters: no council {code_or_name!r} in councils/councils.csv")
    ids = set(hit["id"])
    return reg[reg["id"].isin(ids) & ~reg["tier"].eq("county") | reg["code"].isin(hit["code"])]


def _day(text: str, *, end: bool) -> pd.Timestamp | None:
    if not text:
        return None
    if len(text) == 7:
        ts = pd.Timestamp(text + "-01")
        return ts + pd.offsets.MonthEnd(0) if end else ts
    return pd.Timestamp(text)


def _rows(reg: pd.DataFrame, spec: dict, members: list[str], ctype: str) -> list[dict]:
    out = []
    c_start, c_end = _day(spec["start"], end=False), _day(spec["end"], end=True)
    for member in members:
        for r in _codes_of(reg, member).itertuples():
            vf = pd.Timestamp(r.valid_from) if r.valid_from else None
            vt = pd.Timestamp(r.valid_to) if r.valid_to else None
            # the part of the membership this code was in force for
            if c_end is not None and vf is not None and vf > c_end:
                continue
            if c_start is not None and vt is not None and vt < c_start:
                continue
            start = spec["start"] if vf is None or (c_start is not None and vf <= c_start) \
                else f"{vf:%Y-%m-%d}"
            end = spec["end"] if vt is None or (c_end is not None and vt >= c_end) \
                else f"{vt:%Y-%m-%d}"
            if not spec["start"] and vf is not None and spec["date"] and \
                    vf > pd.Timestamp(spec["date"][:4] + "-01-01"):
                start = f"{vf:%Y-%m-%d}"
            out.append({"cluster": spec["cluster"], "name": spec["name"], "type": ctype,
                        "council": r.code, "council_name": r.name, "start": start, "end": end,
                        "notes": spec["notes"], "source_title": spec["title"],
                        "source_publisher": spec["publisher"], "source_date": spec["date"],
                        "source_url": spec["url"]})
    return out


def build(ref_dir: Path) -> list[dict]:
    lookup = ref_dir / "drkane-geo-lookups"
    la = pd.read_csv(lookup / "la_all_codes.csv", dtype=str).fillna("")
    utla = pd.read_csv(lookup / "utla_all_codes.csv", dtype=str).fillna("")
    reg = _register()
    rows: list[dict] = []
    for spec in COMBINED:
        lower = la[(la["CAUTHCD"] == spec["cauth"]) & (la["Current"] == "TRUE")]["LADCD"]
        upper = utla[(utla["CAUTHCD"] == spec["cauth"])]["UTLACD"]
        members = sorted(set(lower) | set(upper))
        if not members:
            sys.exit(f"build_clusters: no members for {spec['cauth']} in the lookup")
        # one entry per council (a council's other codes are found through the register)
        names = sorted({reg.loc[reg["code"] == c, "id"].iloc[0] for c in members
                        if (reg["code"] == c).any()})
        if len(names) != len({c for c in members}):
            missing = [c for c in members if not (reg["code"] == c).any()]
            if missing:
                sys.exit(f"build_clusters: lookup codes not in the register: {missing}")
        codes = [reg.loc[reg["id"] == i, "code"].iloc[0] for i in names]
        rows += _rows(reg, {**spec, "end": ""}, codes, "combined_authority")
    # the North East: the lookup's members checked against the history written out here
    ne = set(la[(la["CAUTHCD"] == "E47000010") & (la["Current"] == "TRUE")]["LADNM"])
    not_ = set(la[(la["CAUTHCD"] == "E47000011") & (la["Current"] == "TRUE")]["LADNM"])
    if ne != set(NORTH_EAST[0]["members"]) or not_ != set(NORTH_EAST[2]["members"]):
        sys.exit(f"build_clusters: North East lookup members changed: {ne}, {not_}")
    for spec in NORTH_EAST:
        rows += _rows(reg, spec, spec["members"], "combined_authority")
    for spec in SEED_CLUSTERS:
        rows += _rows(reg, spec, spec["members"], spec["type"])
    rows.sort(key=lambda r: (r["cluster"], r["council"], r["start"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ref_dir", nargs="?", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(ROOT / "councils" / "clusters.csv"))
    args = ap.parse_args(argv)
    rows = build(Path(args.ref_dir))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    Path(args.out).write_text(buf.getvalue(), encoding="utf-8")
    print(f"wrote {len(rows)} rows, {len({r['cluster'] for r in rows})} clusters to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
