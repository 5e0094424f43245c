"""The council register: load, validate, look up by name, distance and adjacency.

The bundled register (``councils/councils.csv``) has one row per council per GSS code, for every
principal council of England, Wales and Scotland in force at any time since the last
reorganisations before 2009: 1 April 1998 in England, 1 April 1996 in Wales and Scotland (the map
did not change again until April 2009; see :data:`COVERAGE_START`). ``valid_to`` is the last day a
code was in force; an empty ``valid_from`` means "in force since before the register's coverage
starts". Dates before the coverage are refused (:func:`check_coverage`); a future date uses the
latest map known (:func:`future_note`).
The adjacency table (``councils/adjacency.csv``) lists pairs sharing a land border or facing each
other across water, with the period each pair held; ``councils/crossings.csv`` adds bridges,
tunnels and ferries, so that islands and estuary neighbours have partners. See
``councils/SOURCES.md``.

All functions take an optional ``councils=`` table so a user can work with their own register
(validated by :func:`validate_councils`).
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ._dates import DateLike, to_date, today
from ._paths import bundled
from .errors import ArgumentError, DataValidationError, UnknownCouncilError
from .reading import read_table

__all__ = [
    "ADJACENCY_KINDS",
    "COVERAGE_START",
    "SHORT_NAMES",
    "TIERS",
    "adjacency",
    "check_coverage",
    "council_name",
    "distance",
    "distance_matrix",
    "find_council",
    "future_note",
    "in_force",
    "load_adjacency",
    "load_councils",
    "neighbours",
    "read_councils",
    "read_crossings",
    "validate_councils",
]

TIERS = (
    "county",
    "non_metropolitan_district",
    "unitary",
    "metropolitan_borough",
    "london_borough",
    "welsh_unitary",
    "scottish_unitary",
    "sui_generis",
)
REQUIRED_COLUMNS = ("code", "name", "tier", "easting", "northing", "valid_from", "valid_to")
GSS_RE = re.compile(r"^[EWSN]\d{8}$")
_LIST_COLUMNS = ("aliases", "former_codes", "successors")


# --------------------------------------------------------------------------- coverage

#: The first day the bundled register covers, by nation: the map made by the reorganisations of
#: 1 April 1996 (Wales, Scotland) and of 1995 to 1 April 1998 (England), which held until
#: April 2009. A question about Great Britain as a whole starts on the latest of them.
COVERAGE_START = {"England": pd.Timestamp("1998-04-01"), "Wales": pd.Timestamp("1996-04-01"),
                  "Scotland": pd.Timestamp("1996-04-01")}


def coverage_start(nation: str | None = None) -> pd.Timestamp:
    """The first day the register covers ``nation`` (all of Great Britain if None)."""
    if nation in COVERAGE_START:
        return COVERAGE_START[str(nation)]
    return max(COVERAGE_START.values())


def check_coverage(as_of: DateLike, *, nation: str | None = None, name: str = "as_of") -> None:
    """Refuse a date before the bundled register's coverage, saying what the coverage is.

    Raises
    ------
    ArgumentError
        A ``PartnerfitError`` and a ``ValueError``.

    Examples
    --------
    >>> check_coverage("1850-01-01")
    Traceback (most recent call last):
    ...
    partnerfit.errors.ArgumentError: as_of=1850-01-01 is before the council register's coverage: it covers England from 1 April 1998 and Wales and Scotland from 1 April 1996 (the map did not change again until April 2009), so a question about Great Britain starts on 1 April 1998; give a date on or after 1998-04-01.
    """
    date = to_date(as_of, name)
    if date is None:
        return
    first = coverage_start(nation)
    if date < first:
        scope = nation if nation in COVERAGE_START else "Great Britain"
        raise ArgumentError(
            f"{name}={date:%Y-%m-%d} is before the council register's coverage: it covers "
            "England from 1 April 1998 and Wales and Scotland from 1 April 1996 (the map did "
            f"not change again until April 2009), so a question about {scope} starts on "
            f"{first.day} {first:%B %Y}; give a date on or after {first:%Y-%m-%d}.")


def future_note(as_of: DateLike) -> str:
    """A sentence for a date after today (the map used is the latest known), else ``""``.

    >>> future_note("2000-01-01")
    ''
    """
    date = to_date(as_of)
    if date is None or date <= today():
        return ""
    return (f"{date.day} {date:%B %Y} is in the future: the councils, borders and arrangements "
            "used are the latest known; reorganisations announced since this data was compiled "
            "are not in it.")


# --------------------------------------------------------------------------- loading

@lru_cache(maxsize=1)
def _bundled_councils() -> pd.DataFrame:
    path = bundled("councils", "councils.csv")
    return validate_councils(_read_table(path), source=str(path))


def _read_table(path: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The table as text, through the package's one reader (:func:`partnerfit.reading.read_table`)."""
    return read_table(path, what="council register")[0]


def read_councils(path: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read and validate a user's council table (CSV, Excel or DataFrame) in the register's columns.

    Parameters
    ----------
    path : str, pathlib.Path or pandas.DataFrame
        File with at least the columns ``code, name, tier, easting, northing, valid_from,
        valid_to`` (others as in the bundled ``councils/councils.csv`` are optional).

    Returns
    -------
    pandas.DataFrame
        The validated table, indexed by GSS code.

    Raises
    ------
    DataValidationError
        Every problem of the table, each with its line.
    FileFormatError, TableFileNotFoundError
        The file cannot be read (see :func:`partnerfit.reading.read_table`).
    """
    table, name = read_table(path, what="council register")
    return validate_councils(table, source=name)


def validate_councils(table: pd.DataFrame, source: str = "council table") -> pd.DataFrame:
    """Check a council table and return it typed and indexed by GSS code.

    Every problem is reported at once, with its file line (header = line 1): missing columns,
    duplicate or malformed codes, unknown tiers, impossible coordinates, negative population,
    end before start, parent counties that are not counties in the table.

    Parameters
    ----------
    table : pandas.DataFrame
        Raw table (strings are fine); not modified.
    source : str
        Name used in messages (usually the file path).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``; ``valid_from``/``valid_to`` as datetimes (NaT = open),
        numbers as floats, ``lat``/``lon`` derived from easting/northing when absent.
    """
    df = table.copy()
    if df.index.name == "code":
        df = df.reset_index()
    problems: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError(source, [(
            f"missing column(s) {', '.join(missing)}; the register needs "
            f"{', '.join(REQUIRED_COLUMNS)}")])
    df = df.astype({c: str for c in df.columns if df[c].dtype == object})
    line = pd.Series(np.arange(len(df)) + 2, index=df.index)
    df["code"] = df["code"].astype(str).str.strip()
    for i in df.index[~df["code"].str.match(GSS_RE)]:
        problems.append(f"line {line[i]}: code {df.at[i, 'code']!r} is not a GSS code "
                        "(a letter E, W, S or N and 8 digits, e.g. E07000121)")
    dup = df["code"].duplicated(keep=False) & df["code"].ne("")
    for code, idx in df[dup].groupby("code").groups.items():
        problems.append(f"lines {', '.join(str(line[i]) for i in idx)}: code {code} appears "
                        "more than once; give each code one row")
    for i in df.index[~df["tier"].isin(TIERS)]:
        problems.append(f"line {line[i]}: tier {df.at[i, 'tier']!r} is not one of "
                        f"{', '.join(TIERS)}")
    for i in df.index[df["name"].astype(str).str.strip().eq("")]:
        problems.append(f"line {line[i]}: name is empty")

    def numeric(col: str, lo: float | None, hi: float | None, what: str) -> None:
        if col not in df.columns:
            return
        raw = df[col].replace("", np.nan) if df[col].dtype == object else df[col]
        num = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & num.isna()
        for i in df.index[bad]:
            problems.append(f"line {line[i]}: {col} {df.at[i, col]!r} is not a number")
        out = num.notna() & (((num < lo) if lo is not None else False)
                             | ((num > hi) if hi is not None else False))
        for i in df.index[out]:
            problems.append(f"line {line[i]}: {col} {num[i]:g} is impossible ({what})")
        df[col] = num

    numeric("easting", 0, 700_000, "British National Grid eastings run 0 to 700,000 m")
    numeric("northing", 0, 1_300_000, "British National Grid northings run 0 to 1,300,000 m")
    numeric("lat", 49.0, 61.5, "Great Britain lies between latitudes 49 and 61.5")
    numeric("lon", -9.0, 2.5, "Great Britain lies between longitudes -9 and 2.5")
    numeric("population", 0, None, "population cannot be negative")
    numeric("population_year", 1900, 2100, "a year")
    numeric("area_km2", 0, None, "area cannot be negative")
    for col in ("easting", "northing"):
        for i in df.index[df[col].isna()]:
            problems.append(f"line {line[i]}: {col} is missing; every council needs a centroid")

    for col in ("valid_from", "valid_to"):
        raw = df[col].astype(str).str.strip().replace({"": None, "nan": None, "NaT": None})
        parsed = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
        for i in df.index[raw.notna() & parsed.isna()]:
            problems.append(f"line {line[i]}: {col} {df.at[i, col]!r} is not a date "
                            "(write YYYY-MM-DD, or leave empty for open-ended)")
        df[col] = parsed
    bad = df["valid_from"].notna() & df["valid_to"].notna() & (df["valid_to"] < df["valid_from"])
    for i in df.index[bad]:
        problems.append(f"line {line[i]}: valid_to {df.at[i, 'valid_to']:%Y-%m-%d} is before "
                        f"valid_from {df.at[i, 'valid_from']:%Y-%m-%d}")
    for col in ("id", "official_name", "region", "nation", "county", "combined_authority",
                "centroid_method", "population_method", "source", *_LIST_COLUMNS):
        if col not in df.columns:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str).replace("nan", "")
    df.loc[df["id"] == "", "id"] = df["code"]
    counties = set(df.loc[df["tier"] == "county", "code"])
    for i in df.index[(df["county"] != "") & ~df["county"].isin(counties)]:
        problems.append(f"line {line[i]}: county {df.at[i, 'county']!r} is not a county "
                        "code in this table")
    if problems:
        raise DataValidationError(source, problems)
    if "lat" not in df.columns or df["lat"].isna().any():
        lat, lon = _bng_to_wgs84(df["easting"].to_numpy(), df["northing"].to_numpy())
        df["lat"] = df.get("lat", pd.Series(np.nan, index=df.index)).fillna(pd.Series(lat, df.index))
        df["lon"] = df.get("lon", pd.Series(np.nan, index=df.index)).fillna(pd.Series(lon, df.index))
    if "nation" in df.columns:
        df.loc[df["nation"] == "", "nation"] = df["code"].str[0].map(
            {"E": "England", "W": "Wales", "S": "Scotland", "N": "Northern Ireland"})
    return df.set_index("code").sort_index()


def _bng_to_wgs84(e: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Approximate inverse of the British National Grid (Airy 1830 transverse Mercator, OSGB36
    datum; error up to ~100 m against WGS84, enough for centroids of whole councils)."""
    a, b = 6377563.396, 6356256.909
    f0, lat0, lon0 = 0.9996012717, np.radians(49.0), np.radians(-2.0)
    n0, e0 = -100000.0, 400000.0
    e2 = 1 - (b * b) / (a * a)
    nn = (a - b) / (a + b)
    lat = np.full_like(np.asarray(e, float), lat0)
    m = np.zeros_like(lat)
    for _ in range(20):
        lat = (n - n0 - m) / (a * f0) + lat
        m = b * f0 * ((1 + nn + 1.25 * nn**2 + 1.25 * nn**3) * (lat - lat0)
                      - (3 * nn + 3 * nn**2 + 2.625 * nn**3) * np.sin(lat - lat0) * np.cos(lat + lat0)
                      + (1.875 * nn**2 + 1.875 * nn**3) * np.sin(2 * (lat - lat0)) * np.cos(2 * (lat + lat0))
                      - 35 / 24 * nn**3 * np.sin(3 * (lat - lat0)) * np.cos(3 * (lat + lat0)))
    s = np.sin(lat)
    nu = a * f0 / np.sqrt(1 - e2 * s * s)
    rho = a * f0 * (1 - e2) / (1 - e2 * s * s) ** 1.5
    eta2 = nu / rho - 1
    t = np.tan(lat)
    sec = 1 / np.cos(lat)
    de = e - e0
    vii = t / (2 * rho * nu)
    viii = t / (24 * rho * nu**3) * (5 + 3 * t**2 + eta2 - 9 * t**2 * eta2)
    x = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * t**2)
    out_lat = lat - vii * de**2 + viii * de**4
    out_lon = lon0 + x * de - xi * de**3
    return np.degrees(out_lat), np.degrees(out_lon)


def _in_force_mask(df: pd.DataFrame, date: pd.Timestamp) -> pd.Series:
    return (df["valid_from"].isna() | (df["valid_from"] <= date)) & (
        df["valid_to"].isna() | (df["valid_to"] >= date))


def load_councils(as_of: DateLike = None, *, councils: pd.DataFrame | None = None) -> pd.DataFrame:
    """The council register, optionally restricted to the councils in force on a date.

    Parameters
    ----------
    as_of : date-like, optional
        Keep councils in force on this date (``valid_from <= as_of <= valid_to``). ``None``
        returns every council of every vintage the register covers (see
        :data:`COVERAGE_START`). A date before the coverage is refused.
    councils : pandas.DataFrame, optional
        A user's register (see :func:`read_councils`); default the bundled one.

    Returns
    -------
    pandas.DataFrame
        Indexed by GSS code; columns include ``name, tier, region, county, lat, lon, easting,
        northing, population, valid_from, valid_to``. A copy: changing it changes nothing else.

    Examples
    --------
    >>> import partnerfit as pf
    >>> len(pf.load_councils("2009-04-01").query("nation == 'England' and tier != 'county'"))
    326
    """
    reg = _bundled_councils() if councils is None else councils
    date = to_date(as_of)
    if date is None:
        return reg.copy()
    if councils is None:
        check_coverage(date)
    return reg[_in_force_mask(reg, date)].copy()


def in_force(code: str, as_of: DateLike, *, councils: pd.DataFrame | None = None) -> bool:
    """Whether council ``code`` was in force on ``as_of``."""
    reg = _bundled_councils() if councils is None else councils
    if code not in reg.index:
        return False
    return bool(_in_force_mask(reg.loc[[code]], to_date(as_of)).iloc[0])


# --------------------------------------------------------------------------- lookup

_SUFFIXES = (
    " metropolitan borough council", " metropolitan district council", " borough council",
    " district council", " county council", " city council", " council", " ua",
)
_PREFIXES = ("the ", "london borough of ", "royal borough of ", "city and county of ",
             "city of ", "borough of ")


def normalise_name(text: str) -> str:
    """Normalise a council name for matching: case, punctuation, '&', 'Saint', council suffixes.

    >>> normalise_name("St. Albans City and District Council") == normalise_name("city of St Albans")
    False
    >>> normalise_name("The Vale of Glamorgan")
    'vale of glamorgan'
    """
    s = text.lower().replace("&", " and ").replace("’", "'")
    s = re.sub(r"[.,'()\-/]", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"^saint ", "st ", s)
    s = s.replace(" saint ", " st ")
    changed = True
    while changed:
        changed = False
        for p in _PREFIXES:
            if s.startswith(p) and len(s) > len(p):
                s, changed = s[len(p):], True
        for x in _SUFFIXES:
            if s.endswith(x) and len(s) > len(x):
                s, changed = s[: -len(x)], True
    for tail in (" city and district", " city"):
        if s.endswith(tail) and len(s) > len(tail):
            s = s[: -len(tail)]
    return s.strip()


def _build_name_index(reg: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    index: dict[str, set[str]] = {}
    for code, row in reg.iterrows():
        keys = {code.lower(), row["id"].lower(), normalise_name(row["name"])}
        if row["official_name"]:
            keys.add(normalise_name(row["official_name"]))
        for col in ("aliases", "former_codes"):
            for alias in filter(None, row[col].split(";")):
                keys.add(normalise_name(alias) if col == "aliases" else alias.lower())
        for k in keys:
            index.setdefault(k, set()).add(code)
    return {k: tuple(sorted(v)) for k, v in index.items()}


@lru_cache(maxsize=1)
def _bundled_name_index() -> dict[str, tuple[str, ...]]:
    return _build_name_index(_bundled_councils())


def _index_for(reg: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    if reg is _bundled_councils():
        return _bundled_name_index()
    return _build_name_index(reg)


def _describe(reg: pd.DataFrame, code: str) -> str:
    row = reg.loc[code]
    vf = (f"before {coverage_start(row['nation']):%Y-%m-%d}" if pd.isna(row["valid_from"])
          else f"{row['valid_from']:%Y-%m-%d}")
    vt = "today" if pd.isna(row["valid_to"]) else f"{row['valid_to']:%Y-%m-%d}"
    text = f"{row['name']} ({code}, {row['tier'].replace('_', ' ')}, in force from {vf} to {vt}"
    if row["successors"]:
        succ = [f"{reg.loc[s, 'name']} ({s})" if s in reg.index else s
                for s in row["successors"].split(";")]
        text += f"; succeeded by {', '.join(succ)}"
    return text + ")"


def find_council(query: str, as_of: DateLike = None, *,
                 councils: pd.DataFrame | None = None) -> str:
    """Resolve a GSS code, short id, name or alias to the council's GSS code.

    Matching ignores case, punctuation, a leading "The"/"City of" and suffixes such as
    "City Council" ("St Albans", "st. albans", "City of St Albans" all match).

    Parameters
    ----------
    query : str
        What the user typed.
    as_of : date-like, optional
        The council must be in force on this date; among several codes of one council, the one
        in force is returned. Without a date, a council in force today is preferred.
    councils : pandas.DataFrame, optional
        A user's register; default the bundled one.

    Returns
    -------
    str
        The GSS code.

    Raises
    ------
    UnknownCouncilError
        No match (the message lists close matches), an ambiguous name, or a council not in
        force on ``as_of`` (the message gives its dates and successors).
    """
    reg = _bundled_councils() if councils is None else councils
    date = to_date(as_of)
    if not isinstance(query, str) or not query.strip():
        raise UnknownCouncilError(f"Council name or code {query!r} is empty; give a name such "
                                  "as 'Lancaster' or a GSS code such as 'E07000121'.")
    index = _index_for(reg)
    q = query.strip()
    codes: tuple[str, ...]
    if GSS_RE.match(q.upper()) and q.upper() in reg.index:
        codes = (q.upper(),)
        by_code = True
    else:
        codes = (_short_name_codes(normalise_name(q), index) or index.get(q.lower())
                 or index.get(normalise_name(q))
                 or _prefix_codes(normalise_name(q), index, reg, date))
        by_code = False
    if not codes:
        keys = difflib.get_close_matches(normalise_name(q), list(index), n=8, cutoff=0.6)
        names: list[str] = []
        for k in keys:
            for c in index[k]:
                label = f"{reg.loc[c, 'name']} ({c})"
                if label not in names and (date is None or _in_force_mask(reg.loc[[c]], date).iloc[0]):
                    names.append(label)
        hint = f" Did you mean: {'; '.join(names[:5])}?" if names else \
            " Check the spelling, or search the register with `partnerfit councils --search`."
        raise UnknownCouncilError(f"No council matches {query!r}.{hint}", names[:5])
    if date is not None and councils is None:
        check_coverage(date, nation=reg.at[codes[0], "nation"])
    when = date if date is not None else today()
    live = [c for c in codes if _in_force_mask(reg.loc[[c]], when).iloc[0]]
    if date is not None and not live:
        # the same council under another code that is in force?
        same_ids = set(reg.loc[list(codes), "id"])
        same = reg[reg["id"].isin(same_ids) & _in_force_mask(reg, date)]
        if len(same) == 1 and not by_code:
            return same.index[0]
        details = "; ".join(_describe(reg, c) for c in codes)
        extra = ""
        if by_code and len(same) == 1:
            extra = f" On {date:%Y-%m-%d} the same council's code is {same.index[0]}."
        raise UnknownCouncilError(
            f"{query!r} was not in force on {date:%Y-%m-%d}: {details}.{extra} Give a date "
            "on which it was in force, or the council in force on that date.",
            [f"{reg.loc[s, 'name']} ({s})" for s in same.index])
    pool = live or list(codes)
    ids = sorted(set(reg.loc[pool, "id"]))
    if len(ids) > 1:
        options = "; ".join(_describe(reg, c) for c in pool)
        raise UnknownCouncilError(
            f"{query!r} is ambiguous: it matches {options}. Use the GSS code or the full name.",
            [f"{reg.loc[c, 'name']} ({c})" for c in pool])
    # one council, possibly several codes: the latest
    pool = sorted(pool, key=lambda c: (reg.loc[c, "valid_to"] if pd.notna(reg.loc[c, "valid_to"])
                                       else pd.Timestamp.max, c))
    return pool[-1]


#: Short names officers use for two different councils: never resolved to one of them silently.
SHORT_NAMES = {
    "newcastle": ("newcastle upon tyne", "newcastle under lyme"),
    "richmond": ("richmond upon thames", "richmondshire"),
    "kingston": ("kingston upon thames", "kingston upon hull"),
}


def _short_name_codes(key: str, index: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Every code an ambiguous short name (:data:`SHORT_NAMES`) stands for, else ``()``."""
    return tuple(sorted({c for full in SHORT_NAMES.get(key, ()) for c in index.get(full, ())}))


def _prefix_codes(key: str, index: dict[str, tuple[str, ...]], reg: pd.DataFrame,
                  date: pd.Timestamp | None) -> tuple[str, ...]:
    """The councils whose name begins with what was typed ("Telford" for Telford and Wrekin),
    in force on ``date`` (today if None, else any) -- one council resolves, several are an
    ambiguity the caller reports. Four letters at least."""
    if len(key) < 4:
        return ()
    found = sorted({c for k, codes in index.items() if k.startswith(key) for c in codes})
    if not found:
        return ()
    when = date if date is not None else today()
    live = [c for c in found if _in_force_mask(reg.loc[[c]], when).iloc[0]]
    return tuple(live or ([] if date is not None else found))


def council_name(code: str, *, councils: pd.DataFrame | None = None) -> str:
    """The usual name of council ``code``."""
    reg = _bundled_councils() if councils is None else councils
    if code not in reg.index:
        raise UnknownCouncilError(f"{code!r} is not a council code in the register.")
    return str(reg.at[code, "name"])


# --------------------------------------------------------------------------- geography

def distance(a: str, b: str, *, councils: pd.DataFrame | None = None) -> float:
    """Straight-line distance in km between two councils' centroids (British National Grid).

    ``a`` and ``b`` may be codes or names (resolved with :func:`find_council`).

    Examples
    --------
    >>> round(distance("Lancaster", "Preston"), 1)
    28.6
    """
    reg = _bundled_councils() if councils is None else councils
    ca = a if a in reg.index else find_council(a, councils=reg)
    cb = b if b in reg.index else find_council(b, councils=reg)
    de = reg.at[ca, "easting"] - reg.at[cb, "easting"]
    dn = reg.at[ca, "northing"] - reg.at[cb, "northing"]
    return float(np.hypot(de, dn) / 1000.0)


def distance_matrix(codes: list[str] | pd.Index | None = None, *,
                    councils: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pairwise centroid distances (km) as a square DataFrame indexed by GSS code."""
    reg = _bundled_councils() if councils is None else councils
    sub = reg if codes is None else reg.loc[list(codes)]
    xy = sub[["easting", "northing"]].to_numpy(float)
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) / 1000.0
    return pd.DataFrame(d, index=sub.index, columns=sub.index)


ADJACENCY_KINDS = ("land", "bridge", "tunnel", "water", "ferry")
FIXED_LINKS = ("bridge", "tunnel")
CROSSING_KINDS = ("bridge", "tunnel", "ferry")


@lru_cache(maxsize=1)
def _bundled_adjacency() -> pd.DataFrame:
    path = bundled("councils", "adjacency.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["approximate"] = df["approximate"].map({"True": True, "False": False})
    for col in ("valid_from", "valid_to"):
        df[col] = pd.to_datetime(df[col].replace("", None), format="%Y-%m-%d")
    return df


@lru_cache(maxsize=1)
def _bundled_crossings() -> pd.DataFrame:
    return read_crossings(bundled("councils", "crossings.csv"))


def read_crossings(path: str | Path) -> pd.DataFrame:
    """Read and validate a crossings table (``councils/crossings.csv``).

    One row per crossing: ``a, b`` (GSS codes), ``kind`` (bridge, tunnel or ferry), ``name``,
    ``valid_from``/``valid_to`` (``YYYY-MM-DD``, empty if open before 2009 / still open), notes
    and source. Every problem is reported at once with its line.

    Returns
    -------
    pandas.DataFrame
        The rows with ``a < b`` and dates parsed, plus ``line``.
    """
    source = str(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    need = ("a", "b", "kind", "name", "valid_from", "valid_to", "source_title", "source_url")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataValidationError(source, [f"missing column(s): {', '.join(missing)}"])
    reg = _bundled_councils()
    problems = []
    for i, r in df.iterrows():
        at = f"line {i + 2}"
        for side in ("a", "b"):
            if r[side] not in reg.index:
                problems.append(f"{at}: {side} {r[side]!r} is not a GSS code in the register")
        if r["kind"] not in CROSSING_KINDS:
            problems.append(f"{at}: kind {r['kind']!r} is not one of "
                            f"{', '.join(CROSSING_KINDS)}")
        if r["a"] == r["b"]:
            problems.append(f"{at}: a crossing joins two different councils")
        if not r["source_title"] or not r["source_url"]:
            problems.append(f"{at}: no source; give source_title and source_url")
        for col in ("valid_from", "valid_to"):
            if r[col] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[col]):
                problems.append(f"{at}: {col} {r[col]!r} is not a date YYYY-MM-DD")
    if problems:
        raise DataValidationError(source, problems)
    df["line"] = np.arange(len(df)) + 2
    lo = np.minimum(df["a"], df["b"])
    df["b"] = np.maximum(df["a"], df["b"])
    df["a"] = lo
    for col in ("valid_from", "valid_to"):
        df[col] = pd.to_datetime(df[col].replace("", None), format="%Y-%m-%d")
    return df


def load_adjacency() -> pd.DataFrame:
    """The whole bundled adjacency table (every period), columns ``a, b, kind, approximate,
    method, valid_from, valid_to``: land borders and pairs across water from
    ``councils/adjacency.csv``, then bridges, tunnels and ferries from ``councils/crossings.csv``
    (one row per pair and kind, the crossings' names in ``method``)."""
    return _adjacency_table().copy()


@lru_cache(maxsize=1)
def _adjacency_table() -> pd.DataFrame:
    cross = _bundled_crossings()
    rows = []
    for (a, b, kind, vf, vt), g in cross.groupby(
            ["a", "b", "kind", cross["valid_from"].fillna(pd.Timestamp.min),
             cross["valid_to"].fillna(pd.Timestamp.max)], sort=True):
        rows.append({"a": a, "b": b, "kind": kind, "approximate": False,
                     "method": f"{kind}: " + "; ".join(g["name"]) + " (crossings.csv)",
                     "valid_from": None if vf == pd.Timestamp.min else vf,
                     "valid_to": None if vt == pd.Timestamp.max else vt})
    crossings = pd.DataFrame(rows, columns=["a", "b", "kind", "approximate", "method",
                                            "valid_from", "valid_to"])
    for col in ("valid_from", "valid_to"):
        crossings[col] = pd.to_datetime(crossings[col])
    base = _bundled_adjacency()
    return pd.concat([base, crossings.astype({"approximate": bool})], ignore_index=True)


def adjacency(as_of: DateLike = None, *, water: bool = True, approximate: bool = True,
              kinds: str | list[str] | tuple[str, ...] | None = None,
              table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pairs of councils that are neighbours on a date, by land, across water or by a crossing.

    Every kind is returned by default, one row per pair and kind: ``land`` (a shared land
    border), ``bridge`` and ``tunnel`` (a fixed road or rail link across water, e.g. the Menai
    bridges between the Isle of Anglesey and Gwynedd, the Forth and Tay bridges between Fife and
    the City of Edinburgh and Dundee), ``water`` (facing each other across an estuary) and
    ``ferry`` (a scheduled ferry, e.g. Portsmouth - Isle of Wight, Penzance - Isles of Scilly,
    Ullapool - Stornoway). A pair may appear under several kinds; a crossing counts only while
    it runs and both councils are in force.

    Parameters
    ----------
    as_of : date-like, optional
        Date (default today).
    water : bool, default True
        With ``False``, leave out pairs across open water and by ferry and keep land borders and
        fixed links (bridges and tunnels): the rule ``propose_groupings(contiguous=True)`` uses
        for "neighbours", since a bridge carries staff and vehicles like a road. ``True`` keeps
        every kind.
    approximate : bool
        Include pairs derived for councils abolished in April 2009 (no boundary survives).
    kinds : str or list of str, optional
        Keep only these kinds (:data:`ADJACENCY_KINDS`); overrides ``water``.
    table : pandas.DataFrame, optional
        A user's adjacency table in the bundled form (crossings are then not added).

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b`` (GSS codes, ``a < b``), ``kind`` (one of :data:`ADJACENCY_KINDS`),
        ``approximate``, ``method`` (for crossings their names); sorted by ``a, b`` and kind
        in the order of :data:`ADJACENCY_KINDS`.
    """
    adj = _adjacency_table() if table is None else table
    date = to_date(as_of) or today()
    if table is None:
        check_coverage(date)
    if kinds is not None:
        wanted = [kinds] if isinstance(kinds, str) else list(kinds)
        bad = [k for k in wanted if k not in ADJACENCY_KINDS]
        if bad:
            raise ArgumentError(f"kinds: {', '.join(map(repr, bad))} not among "
                             f"{', '.join(ADJACENCY_KINDS)}")
    else:
        wanted = list(ADJACENCY_KINDS) if water else ["land", *FIXED_LINKS]
    on = _in_force_mask(adj, date) & adj["kind"].isin(wanted)
    if not approximate:
        on &= ~adj["approximate"].astype(bool)
    crossing = adj["kind"].isin(CROSSING_KINDS)
    if crossing.any():  # a crossing counts while both its councils are in force
        live = set(load_councils(date).index)
        on &= ~crossing | (adj["a"].isin(live) & adj["b"].isin(live))
    out = adj.loc[on, ["a", "b", "kind", "approximate", "method"]]
    if out.duplicated(["a", "b", "kind"]).any():  # e.g. two bridges open on the date
        out = out.groupby(["a", "b", "kind"], as_index=False, sort=False).agg(
            approximate=("approximate", "all"), method=("method", "; ".join))
    out = out.assign(_k=out["kind"].map({k: i for i, k in enumerate(ADJACENCY_KINDS)}
                                         ).fillna(len(ADJACENCY_KINDS)))
    out = out.sort_values(["a", "b", "_k"], kind="stable").drop(columns="_k")
    return out.reset_index(drop=True)


def neighbours(council: str, as_of: DateLike = None, *, water: bool = False,
               councils: pd.DataFrame | None = None) -> pd.DataFrame:
    """The councils bordering ``council`` on ``as_of`` (default today).

    With ``water=False`` (the default) neighbours are those sharing a land border or joined by
    a bridge or tunnel; ``water=True`` adds councils across water and by ferry (see
    :func:`adjacency`).

    Returns
    -------
    pandas.DataFrame
        Indexed by GSS code: ``name, tier, kind`` (the closest kind of link, in the order of
        :data:`ADJACENCY_KINDS`: land, bridge, tunnel, water, ferry), ``approximate``,
        ``distance_km``; nearest first.

    Examples
    --------
    >>> sorted(neighbours("Lancaster", "2021-06-01").name)  # doctest: +NORMALIZE_WHITESPACE
    ['Craven', 'Cumbria', 'North Yorkshire', 'Ribble Valley', 'South Lakeland', 'Wyre']
    """
    reg = _bundled_councils() if councils is None else councils
    date = to_date(as_of) or today()
    code = find_council(council, date, councils=reg)
    adj = adjacency(date, water=water)
    mine = adj[(adj["a"] == code) | (adj["b"] == code)]
    mine = mine.drop_duplicates(["a", "b"], keep="first")  # rows come closest kind first
    other = np.where(mine["a"] == code, mine["b"], mine["a"])
    out = pd.DataFrame({"code": other, "kind": mine["kind"].to_numpy(),
                        "approximate": mine["approximate"].to_numpy()}).set_index("code")
    out.insert(0, "tier", reg.loc[out.index, "tier"])
    out.insert(0, "name", reg.loc[out.index, "name"])
    out["distance_km"] = [distance(code, c, councils=reg) for c in out.index]
    return out.sort_values(["distance_km"]).rename_axis("code")
