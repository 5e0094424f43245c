#!/usr/bin/env python3
"""Build councils/systems_planning.csv: the planning-register portal system per council.

Source: the coverage table of sebvett/planning-applications (docs/coverage.md, 2025-02-20),
kept as a reference copy in ``<ref_dir>/planning-portals/planning_portals.csv``
(columns lpa_name, portal_system, portal_url). It records the *public planning-register
front end* each local planning authority runs, which is a proxy for the planning system
vendor (the back office may differ).

Names are matched to GSS codes through the mySociety register
(``<ref_dir>/mysociety-uk-la/lookup_name_to_registry.csv`` -> 3-letter code ->
``uk_local_authorities.csv`` gss-code), with the explicit overrides below for names that do
not match. Every row is keyed by the council in force in the observation year (2025):

* rows of the form "Successor (Predecessor area)" (post-2019/2023 unitaries split by
  predecessor district) and any other name that resolves to an abolished council are
  followed through the register's ``replaced-by`` chain to the council in force on
  OBSERVED_ON (e.g. "Somerset (West Somerset)" -> West Somerset -> Somerset West and
  Taunton -> Somerset); the predecessor area is kept in the notes. Several source rows that
  give one council the same vendor become one output row;
* ONS code changes the register does not carry yet are applied (Barnsley and Sheffield
  took new codes on 2025-04-01, see CODE_CHANGES).

Rows for bodies that are not councils in scope (national parks, development corporations,
Northern Ireland, Crown dependencies) and rows whose system is unknown ("-") or "Custom"
(which lumps many vendors together) are skipped and reported. Any other row that cannot be
mapped, or that maps to a code not in force in the observation year, makes the script fail
with a non-zero exit.

Usage:
    python3 scripts/build_systems_planning.py [REF_DIR] [--out PATH]

REF_DIR defaults to ``../shared/data`` relative to the repository root (the parent of
scripts/). Only facts (codes, names, vendor, source) are written; the reference file itself
is never copied into the repository.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REF_DIR = REPO_ROOT / ".." / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "councils" / "systems_planning.csv"

COLUMNS = [
    "council", "council_name", "function", "vendor", "product", "year_observed",
    "notes", "source_title", "source_publisher", "source_date", "source_url",
]

SOURCE = {
    "source_title": "UK planning application portals coverage (docs/coverage.md)",
    "source_publisher": "sebvett/planning-applications (Tract UK Ltd, PricedOut Limited), MIT licence",
    "source_date": "2025-02-20",
    "source_url": "https://github.com/sebvett/planning-applications/blob/main/docs/coverage.md",
}
YEAR_OBSERVED = 2025
# Date used to decide which council is "in force" for a source row (the source's vintage).
OBSERVED_ON = "2025-02-20"
# ONS code changes not yet in the mySociety register: old code -> (new code, in force from).
# The project keys every row by the code in force in year_observed; for 2025 that is the new
# code (the register and the source predate the change, see ../shared/DESIGN.md section 7).
CODE_CHANGES = {
    "E08000016": ("E08000038", "2025-04-01"),  # Barnsley
    "E08000019": ("E08000039", "2025-04-01"),  # Sheffield
}

# Portal system as written in the source -> vendor name (spelling normalisation only).
# A system not listed here (other than the skipped ones) makes the script fail, so that a
# new value is looked at by a person rather than passed through.
VENDORS = {
    "idox": "Idox",
    "agile": "Agile",
    "northgate": "Northgate",
    "arcus": "Arcus",
    "smartadmin": "SmartAdmin",
}
PRODUCTS = {
    "Idox": "Public Access (planning register front end)",
}
UNKNOWN_SYSTEMS = {
    "custom": "system 'Custom' lumps many vendors together (vendor unknown)",
    "-": "system '-' (no vendor recorded)",
    "": "no system recorded",
}

# Bodies that are not councils in scope. Matched on the exact lpa_name of the source.
NATIONAL_PARKS = {
    "Brecon Beacons", "Broads", "Cairngorms", "Dartmoor", "Exmoor", "Lake District",
    "Loch Lomond", "New Forest Park", "North York Moors", "Northumberland National Park",
    "Peak District", "Pembrokeshire Coast", "Snowdonia", "South Downs", "Yorkshire Dales",
}
OTHER_BODIES = {
    "Old Oak Park Royal": "development corporation (Old Oak and Park Royal), not a council",
    "London": "Greater London Authority (Mayor's planning applications), not a local council",
    "Planning Inspectorate (Planning Appeals)": "Planning Inspectorate appeals, not a council",
}
CROWN_DEPENDENCIES = {"Alderney", "Guernsey", "Jersey", "Sark", "Isle of Man"}
NORTHERN_IRELAND = {
    "Antrim & Newtownabbey", "Ards and North Down", "Armagh Banbridge Craigavon", "Belfast",
    "Causeway and Glens", "Derry and Strabane", "Fermanagh and Omagh",
    "Lisburn and Castlereagh", "Mid East Antrim", "Mid Ulster", "Newry Mourne Down",
}

# lpa_name -> mySociety 3-letter codes, for names the name lookup does not resolve (or
# resolves wrongly); rows that are skipped anyway (Custom, "-") need no entry. Rows of the
# form "Unitary (Predecessor)" are the post-2019/2023 unitaries split by predecessor
# district: the predecessor is looked up and then followed to the council in force (see
# resolve_in_force). Rows naming several councils get one row per council.
OVERRIDES = {
    "Adur & Worthing": ["ADU", "WOT"],                 # two councils, one shared portal
    "Lewes and Eastbourne": ["LEE", "EAS"],            # two councils, one shared portal
    "South Norfolk Broadland": ["SNO", "BRO"],         # two councils, one shared portal
    "Basingstoke": ["BAN"],                            # Basingstoke and Deane
    "East Riding": ["ERY"],                            # East Riding of Yorkshire
    "Hull": ["KHL"],                                   # Kingston upon Hull
    "Kingston": ["KTT"],                               # Kingston upon Thames
    "New Forest District": ["NEW"],                    # New Forest (district council)
    "Newcastle under Lyme": ["NEC"],                   # Newcastle-under-Lyme
    "North Lanark": ["NLK"],                           # North Lanarkshire
    "Rhondda": ["RCT"],                                # Rhondda Cynon Taf
    "Southend": ["SOS"],                               # Southend-on-Sea
    "Stoke on Trent": ["STE"],                         # Stoke-on-Trent
    "Buckinghamshire (Chiltern and South Bucks)": ["CHN", "SBU"],  # -> Buckinghamshire
}

PREDECESSOR_RE = re.compile(r"^(?P<successor>.+?) \((?P<area>.+)\)$")


def read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        sys.exit(f"error: reference file not found: {path}")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def skip_reason(name: str, system: str) -> str | None:
    if name in NATIONAL_PARKS:
        return "national park authority, not a council"
    if name in OTHER_BODIES:
        return OTHER_BODIES[name]
    if name in CROWN_DEPENDENCIES:
        return "Channel Islands / Isle of Man, outside the UK council register"
    if name in NORTHERN_IRELAND or system.strip().lower() == "nipp":
        return "Northern Ireland (regional NI planning portal)"
    key = system.strip().lower()
    if key in UNKNOWN_SYSTEMS:
        return UNKNOWN_SYSTEMS[key]
    return None


def resolve_in_force(code: str, reg: pd.DataFrame, on: str) -> tuple[str, list[str]]:
    """Follow ``replaced-by`` from a register code to the council in force on date ``on``.

    Returns the 3-letter code in force and the chain of names passed through (empty when
    ``code`` is itself in force). Raises ValueError when the chain breaks or forks.
    """
    chain: list[str] = []
    seen = {code}
    while True:
        rec = reg.loc[code]
        end = rec["end-date"].strip()
        if not end or end > on:
            return code, chain
        succ = [c.strip() for c in rec["replaced-by"].split(",") if c.strip()]
        if len(succ) != 1 or succ[0] not in reg.index or succ[0] in seen:
            raise ValueError(
                f"{rec['nice-name']} ({code}) ended {end} and its replaced-by "
                f"{rec['replaced-by']!r} does not name exactly one known successor"
            )
        chain.append(f"{rec['nice-name']} ({rec['gss-code']}, ended {end})")
        code = succ[0]
        seen.add(code)


def gss_in_year(gss: str, year: int) -> str:
    """Apply CODE_CHANGES: the GSS code in force in ``year`` (new code if it took effect then)."""
    new, start = CODE_CHANGES.get(gss, (gss, ""))
    return new if start and int(start[:4]) <= year else gss


def build(ref_dir: Path) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    portals = read_csv(ref_dir / "planning-portals" / "planning_portals.csv")
    names = read_csv(ref_dir / "mysociety-uk-la" / "lookup_name_to_registry.csv")
    register = read_csv(ref_dir / "mysociety-uk-la" / "uk_local_authorities.csv")
    for col in ("lpa_name", "portal_system", "portal_url"):
        if col not in portals.columns:
            sys.exit(f"error: planning_portals.csv has no column {col!r}")

    by_name: dict[str, set[str]] = {}
    for variant, code in zip(names["la-name"], names["local-authority-code"]):
        by_name.setdefault(variant.strip().lower(), set()).add(code)
    reg = register.set_index("local-authority-code")

    # Which source rows share one portal URL (e.g. Mid Kent, Greater Cambridge).
    url_users: dict[str, list[str]] = {}
    for name, url in zip(portals["lpa_name"], portals["portal_url"]):
        if url.strip():
            url_users.setdefault(url.strip().rstrip("/").lower(), []).append(name)
    # Source rows per successor named in "Successor (Area)" rows, to report area coverage.
    areas_of: dict[str, list[str]] = {}
    for name, system in zip(portals["lpa_name"], portals["portal_system"]):
        m = PREDECESSOR_RE.match(name.strip())
        if m:
            label = system.strip() or "blank"
            areas_of.setdefault(m.group("successor"), []).append(f"{m.group('area')}: {label}")

    # (gss, vendor, product) -> one output row; several source rows may feed it.
    merged: dict[tuple[str, str, str], dict] = {}
    skipped, failed = [], []
    for name, system, url in zip(portals["lpa_name"], portals["portal_system"], portals["portal_url"]):
        name, system, url = name.strip(), system.strip(), url.strip()
        reason = skip_reason(name, system)
        if reason:
            skipped.append((name, system, reason))
            continue
        vendor = VENDORS.get(system.lower())
        if vendor is None:
            failed.append(f"{name!r}: portal system {system!r} is not a known vendor spelling")
            continue

        predecessor = PREDECESSOR_RE.match(name)
        if name in OVERRIDES:
            codes = OVERRIDES[name]
        else:
            lookup = predecessor.group("area") if predecessor else name
            found = by_name.get(lookup.lower(), set())
            if len(found) != 1:
                failed.append(f"{name!r}: name lookup gave {sorted(found) or 'no match'}")
                continue
            codes = sorted(found)

        resolved: dict[str, tuple[pd.Series, list[str]]] = {}  # gss -> (record, chain)
        for code in codes:
            if code not in reg.index:
                failed.append(f"{name!r}: code {code} is not in uk_local_authorities.csv")
                continue
            try:
                in_force, chain = resolve_in_force(code, reg, OBSERVED_ON)
            except ValueError as exc:
                failed.append(f"{name!r}: {exc}")
                continue
            rec = reg.loc[in_force]
            if not rec["gss-code"]:
                failed.append(f"{name!r}: {in_force} has no gss-code")
                continue
            if predecessor and not chain:
                failed.append(
                    f"{name!r}: area {predecessor.group('area')!r} resolved to {rec['nice-name']}, "
                    "which is still in force; expected an abolished predecessor district"
                )
                continue
            gss = gss_in_year(rec["gss-code"], YEAR_OBSERVED)
            prev = resolved.setdefault(gss, (rec, []))[1]
            prev.extend(c for c in chain if c not in prev)

        product = PRODUCTS.get(vendor, f"{vendor} planning portal")
        for gss, (rec, chain) in resolved.items():
            entry = merged.setdefault((gss, vendor, product), {
                "rec": rec, "gss": gss, "vendor": vendor, "product": product,
                "sources": [], "chains": [], "multi": False,
            })
            entry["sources"].append((name, url))
            entry["chains"].extend(c for c in chain if c not in entry["chains"])
            entry["multi"] = entry["multi"] or len(resolved) > 1
            if predecessor:
                entry["successor"] = predecessor.group("successor")

    if failed:
        print("error: rows that could not be mapped (add them to OVERRIDES or a skip list):",
              file=sys.stderr)
        for msg in failed:
            print(f"  - {msg}", file=sys.stderr)
        sys.exit(1)

    rows = []
    for (gss, vendor, product), e in merged.items():
        rec = e["rec"]
        listed = "; ".join(f"'{n}' ({u or 'no URL given'})" for n, u in e["sources"])
        notes = [(
            f"Public planning-register front end (portal) listed for {listed}; "
            "the back-office planning system may differ."
        )]
        if e["chains"]:
            notes.append(
                "Source row(s) name a predecessor area; mapped to the council in force in "
                f"{YEAR_OBSERVED} via: " + "; ".join(e["chains"]) + "."
            )
        if "successor" in e:
            notes.append(
                f"All source areas of {e['successor']}: "
                + "; ".join(areas_of.get(e["successor"], [])) + "."
            )
        if gss != rec["gss-code"]:
            new, start = CODE_CHANGES[rec["gss-code"]]
            notes.append(
                f"Code {new} in force from {start} (was {rec['gss-code']}); the source "
                f"({SOURCE['source_date']}) predates the change."
            )
        if rec["local-authority-type"] == "CTY":
            notes.append("County council: its planning register covers county matters "
                         "(minerals, waste, its own developments).")
        if e["multi"]:
            notes.append("One source row covering several councils; a row is given to each.")
        others = sorted({
            n for src_name, u in e["sources"]
            for n in url_users.get(u.rstrip("/").lower(), []) if n != src_name
        } - {n for n, _ in e["sources"]})
        if others:
            notes.append("Same portal URL as source row(s): " + ", ".join(others) + ".")
        rows.append({
            "council": gss,
            "council_name": rec["nice-name"],
            "function": "planning",
            "vendor": vendor,
            "product": product,
            "year_observed": YEAR_OBSERVED,
            "notes": " ".join(notes),
            **SOURCE,
        })

    out = pd.DataFrame(rows, columns=COLUMNS)
    dup = out[out.duplicated(["council", "function", "year_observed", "vendor", "product"],
                             keep=False)]
    if not dup.empty:
        print("error: duplicate council/function rows:", file=sys.stderr)
        print(dup[["council", "council_name", "notes"]].to_string(), file=sys.stderr)
        sys.exit(1)
    out = out.sort_values(["council", "function", "vendor", "product"],
                          kind="mergesort").reset_index(drop=True)
    return out, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ref_dir", nargs="?", default=str(DEFAULT_REF_DIR),
                        help="reference data directory (default: ../shared/data from the repo root)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output CSV path")
    args = parser.parse_args(argv)

    ref_dir = Path(args.ref_dir)
    if not ref_dir.is_dir():
        print(f"error: reference directory not found: {ref_dir}", file=sys.stderr)
        return 1
    out, skipped = build(ref_dir)

    print(f"skipped {len(skipped)} source rows:")
    by_reason: dict[str, list[str]] = {}
    for name, system, reason in skipped:
        by_reason.setdefault(reason, []).append(f"{name} [{system or 'blank'}]")
    for reason in sorted(by_reason):
        print(f"  {reason} ({len(by_reason[reason])}): " + "; ".join(by_reason[reason]))

    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(out_path, index=False, lineterminator="\n")
    counts = out["vendor"].value_counts().sort_index()
    print(f"wrote {len(out)} rows to {out_path} (" + ", ".join(f"{v} {n}" for v, n in counts.items()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
