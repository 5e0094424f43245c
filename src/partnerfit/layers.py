"""A user's own data layered on the bundled registers: ``add_links=``, ``drop_links=``,
``add_systems=``; and ``links=`` / ``systems=`` replacing them, said plainly.

User files (CSV, Excel or a DataFrame) are read by the same read function as the registers.
The essential columns are few, and council names are accepted as well as GSS codes:

- arrangements: ``council``, ``partner`` (a partner council) or ``arrangement`` (an id), and
  ``service``; optional ``start``, ``end``, ``model``, ``role``, ``name`` and the source
  columns. A row with a bundled arrangement id replaces that arrangement (its rows with no
  council and only an ``end`` end it instead); ``drop_links=`` removes arrangements by id.
- systems: ``council``, ``function``, ``vendor``; optional ``product``, ``year_observed``,
  ``in_use_from``, ``in_use_to`` and the source columns. The user's rows replace the
  register's for the same council and function.

Every user row is shown as "your data (<file name>)" wherever sources appear, and
:class:`Layers` says what the user's data added, changed or removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from ._tables import REGISTER_START, line_numbers, parse_period, read_table
from ._yaml import did_you_mean
from .errors import DataValidationError, UnknownCouncilError
from .links import ARRANGEMENT_COLUMNS, load_links, read_arrangements
from .register import GSS_RE, find_council, load_councils
from .services import SYSTEM_FUNCTIONS, name_in_sentence, services
from .systems import SYSTEM_COLUMNS, combine_systems, function_name, load_systems, read_systems

__all__ = ["DEFAULT_MODEL", "Layers", "layer_links", "layer_systems", "prepare_layers"]

#: Delivery model recorded for a user's arrangement that does not give one (said in the notes).
DEFAULT_MODEL = "federal"

Source: TypeAlias = str | Path | pd.DataFrame


@dataclass
class Layers:
    """The tables to score with and what the user's data did to the bundled ones.

    Attributes
    ----------
    links, systems : pandas.DataFrame or None
        The arrangements and systems tables to use (None: the bundled ones, untouched).
    notes : list of str
        Plain sentences for summaries: what was added, changed, ended or removed, and
        whether a bundled register was replaced.
    """

    links: pd.DataFrame | None = None
    systems: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def _label(source: Source, what: str) -> str:
    if isinstance(source, pd.DataFrame):
        return f"your data ({what} table)"
    return f"your data ({Path(source).name})"


def _list(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _resolve(value: str, date: pd.Timestamp | None, where: str, problems: list[str],
             reg: pd.DataFrame) -> str:
    """A council name or code -> its GSS code; a problem (with choices) if unknown/ambiguous."""
    v = value.strip()
    if GSS_RE.match(v.upper()) and v.upper() in reg.index:
        return v.upper()
    try:
        return find_council(v, date)
    except UnknownCouncilError as exc:
        problems.append(f"{where}: {exc}")
        return v


# --------------------------------------------------------------------------- links

def _user_links_frame(source: Source) -> tuple[pd.DataFrame, str, str]:
    df, name = read_table(source, "arrangements")
    label = _label(source, "arrangements")
    df = df.fillna("").astype(str)
    for c in df.columns:
        df[c] = df[c].str.strip()
    df["line"] = line_numbers(df)
    return df, name, label


def _date(text: str, *, end: bool = False) -> pd.Timestamp | None:
    try:
        return parse_period(text, end=end)[0]
    except ValueError:
        return None


def _long_rows(df: pd.DataFrame, name: str, label: str, base_ids: set[str]
               ) -> tuple[pd.DataFrame, dict[str, pd.Timestamp]]:
    """The user's rows in the long form (one row per arrangement member), names resolved;
    also the bundled ids the user ends without listing members."""
    problems: list[str] = []
    need = ["council", "service"]
    missing = [c for c in need if c not in df.columns]
    if "partner" not in df.columns and "arrangement" not in df.columns:
        missing.append("partner (a partner council) or arrangement (an id)")
    if missing and not ("arrangement" in df.columns and "end" in df.columns and
                        "council" not in df.columns):
        raise DataValidationError(name, [
            (f"missing column(s): {', '.join(missing)}; your arrangements need council, "
            "partner or arrangement, and service (start, end, model and source optional)")])
    reg = load_councils()
    rows: list[dict] = []
    ends: dict[str, pd.Timestamp] = {}
    for r in df.to_dict("records"):
        where = f"line {r['line']}"
        arr = r.get("arrangement", "")
        council = r.get("council", "")
        if arr in base_ids and not council and not r.get("partner", ""):
            if not r.get("end", ""):
                problems.append(f"{where}: arrangement {arr!r} has no council, partner or end; "
                                "give its members to replace it, or an end date to end it")
            else:
                end = _date(r["end"], end=True)
                if end is None:
                    problems.append(f"{where}: end {r['end']!r} is not a date (YYYY, YYYY-MM "
                                    "or YYYY-MM-DD)")
                else:
                    ends[arr] = end
            continue
        if not council:
            problems.append(f"{where}: council is empty")
            continue
        date = _date(r.get("start", ""))
        code = _resolve(council, date, where, problems, reg)
        partner = r.get("partner", "")
        p_code = _resolve(partner, date, where, problems, reg) if partner else ""
        svc = r.get("service", "")
        if not arr:
            arr = f"your-{svc.replace('_', '-')}-" + "-".join(
                sorted(c for c in (code, p_code) if c))
        base = {c: r.get(c, "") for c in ARRANGEMENT_COLUMNS}
        base.update({"arrangement": arr, "service": svc, "line": r["line"], "file": label})
        rows.append({**base, "council": code, "council_name": council,
                     "role": r.get("role", "") or "partner"})
        if p_code:
            rows.append({**base, "council": p_code, "council_name": partner,
                         "role": r.get("partner_role", "") or "partner"})
    if problems:
        raise DataValidationError(name, problems)
    out = pd.DataFrame(rows, columns=[*ARRANGEMENT_COLUMNS, "file", "line"])
    out = out.drop_duplicates(["arrangement", "council"])
    return _undated_from_register(out, reg), ends


def _undated_from_register(long: pd.DataFrame, reg: pd.DataFrame) -> pd.DataFrame:
    """A member with neither a start nor a source date starts when its council came into
    force (the register's first date at the latest), so that it counts as running."""
    long = long.copy()
    undated = (long["start"] == "") & (long["source_date"] == "")
    for i in long.index[undated]:
        code = long.at[i, "council"]
        vf = reg.at[code, "valid_from"] if code in reg.index else pd.NaT
        first = REGISTER_START if pd.isna(vf) or vf < REGISTER_START else vf
        long.at[i, "start"] = f"{first:%Y-%m-%d}"
        long.at[i, "notes"] = (long.at[i, "notes"] + " " if long.at[i, "notes"] else "") + \
            "no start given: counted from when the council came into force"
    return long


def _fill(long: pd.DataFrame, base: pd.DataFrame, label: str, notes: list[str]
          ) -> pd.DataFrame:
    """Arrangement-level fields from the bundled arrangement a user's rows replace; the model
    and source where the user gave none."""
    long = long.copy()
    first = base.drop_duplicates("arrangement").set_index("arrangement")
    for col in ("partnership", "name", "model"):
        known = long["arrangement"].map(first[col]) if len(first) else ""
        long[col] = long[col].where(long[col] != "", known).fillna("")
    no_model = long["model"] == ""
    if no_model.any():
        ids = sorted(set(long.loc[no_model, "arrangement"]))
        notes.append(f"Delivery model not given for {len(ids)} of your arrangements: "
                     "recorded as federal (a group delivering jointly); add a model column "
                     "to say otherwise.")
        long.loc[no_model, "model"] = DEFAULT_MODEL
    titled = long["source_title"] != ""
    long["source_title"] = long["source_title"].where(~titled, label + ": " + long["source_title"])
    long.loc[~titled, "source_title"] = label
    long.loc[long["source_publisher"] == "", "source_publisher"] = "your data"
    # the user's rows are one arrangement each: keep their arrangement-level fields agreeing
    for col in ("partnership", "name", "service", "model"):
        long[col] = long.groupby("arrangement")[col].transform("first")
    return long


def layer_links(add_links: Source | None = None, drop_links: Iterable[str] = (), *,
                links: Source | None = None) -> tuple[pd.DataFrame | None, list[str]]:
    """The arrangements table with the user's rows layered on (or the table given as ``links``).

    Parameters
    ----------
    add_links : path or pandas.DataFrame, optional
        The user's arrangements (see the module docstring).
    drop_links : iterable of str
        Arrangement ids to remove.
    links : path or pandas.DataFrame, optional
        A whole table replacing the bundled one (the layers then go on top of it).

    Returns
    -------
    table : pandas.DataFrame or None
        The table to use; None when nothing was given (the bundled table, untouched).
    notes : list of str
        What was replaced, added, changed, ended and removed.

    Raises
    ------
    DataValidationError
        Every problem with its line: missing columns, unknown or ambiguous council names (with
        the choices), unknown services, unknown arrangement ids to drop.
    """
    drop = list(drop_links or ())
    notes: list[str] = []
    if links is None and add_links is None and not drop:
        return None, notes
    if isinstance(links, pd.DataFrame) and links.empty and add_links is None and not drop:
        return links, notes  # no arrangements at all (said by the scoring context)
    short = links is not None and not _full_form(links)
    base = load_links(None, links=links) if not short else load_links(None).iloc[0:0]
    if short:  # the whole table given in the short form: layered on an empty register
        if add_links is not None:
            raise DataValidationError("links", [
                ("links= is in the short form (council, partner, service) and add_links= is "
                "given too; put all your rows in one table, or give links= in the register's "
                f"columns ({', '.join(ARRANGEMENT_COLUMNS)})")])
        add_links = links
    if links is not None:
        notes.append(f"The bundled register of arrangements was replaced by yours "
                     f"({_label(links, 'arrangements')[11:-1]}): "
                     f"{base['arrangement'].nunique()} arrangements.")
    ids = set(base["arrangement"])
    unknown = [d for d in drop if d not in ids]
    if unknown:
        raise DataValidationError("drop_links", [
            f"arrangement {d!r} is not in the arrangements table{did_you_mean(d, sorted(ids))}"
            for d in unknown])
    if drop:
        described = _describe(base)
        base = base[~base["arrangement"].isin(drop)]
        notes.append(f"Your data removed {len(drop)} arrangement(s): "
                     f"{_list([described[d] for d in sorted(drop)])}.")
    if add_links is None:
        return base.reset_index(drop=True), notes
    df, name, label = _user_links_frame(add_links)
    if short:
        notes[-1] = (f"The bundled register of arrangements was replaced by yours "
                     f"({label[11:-1]}).")
    blank = pd.Series("", index=df.index)
    undated = int(((df.get("start", blank) == "") & (df.get("source_date", blank) == "")
                   & (df.get("council", blank) != "")).sum())
    long, ends = _long_rows(df, name, label, ids)
    long = _fill(long, base, label, notes)
    mine = read_arrangements(long) if len(long) else long.iloc[0:0]
    if undated and len(mine):
        notes.append(f"Start date not given on {undated} of your arrangement rows: counted as "
                     "running from when the councils came into force (2009 at the earliest).")
    replaced = sorted(set(mine["arrangement"]) & ids) if len(mine) else []
    added = sorted(set(mine["arrangement"]) - ids) if len(mine) else []
    base = base[~base["arrangement"].isin(replaced)].copy()
    for arr, end in sorted(ends.items()):  # members still in it after the end date leave then
        later = (base["arrangement"] == arr) & (base["end"].isna() | (base["end"] > end))
        base.loc[later, "end"] = end
        base.loc[later, "end_precision"] = "day"
    out = pd.concat([base, mine], ignore_index=True) if len(mine) else base
    parts = []
    described = _describe(pd.concat([base, mine]) if len(mine) else base)
    if added and not short:
        parts.append(f"added {len(added)} arrangement(s): {_list([described[a] for a in added])}")
    if replaced:
        parts.append(f"changed {len(replaced)}: {_list([described[a] for a in replaced])}")
    if ends:
        parts.append(f"ended {len(ends)}: {_list([described[a] for a in sorted(ends)])}")
    if parts:
        notes.append(f"Your data ({label[11:-1]}) " + "; ".join(parts) + ".")
    return out.sort_values(["arrangement", "council"]).reset_index(drop=True), notes


def _full_form(source: Source) -> bool:
    """Whether a table has every column of the arrangements register (else the short form)."""
    if isinstance(source, pd.DataFrame):
        return all(c in source.columns for c in ARRANGEMENT_COLUMNS)
    df, _ = read_table(source, "arrangements")
    return all(c in df.columns for c in ARRANGEMENT_COLUMNS)


def _describe(table: pd.DataFrame) -> dict[str, str]:
    """Arrangement id -> words for people: its name, else its members and service."""
    reg = load_councils()
    cat = services()
    out = {}
    for arr, g in table.groupby("arrangement"):
        name = str(g["name"].iloc[0])
        if not name:
            members = [str(reg.at[c, "name"]) if c in reg.index else str(c)
                       for c in g["council"]]
            svc = str(g["service"].iloc[0])
            service = name_in_sentence(cat.at[svc, "name"]) if svc in cat.index else svc
            name = f"{' and '.join(members)} ({service})"
        out[str(arr)] = name
    return out


# --------------------------------------------------------------------------- systems

def _user_systems(source: Source) -> tuple[pd.DataFrame, str]:
    df, name = read_table(source, "systems")
    label = _label(source, "systems")
    df = df.fillna("").astype(str)
    # headers as people write them ("Year observed") and function names ("HR & payroll")
    df.columns = [str(c).strip().lower().replace(" ", "_") for c in df.columns]
    for c in df.columns:
        df[c] = df[c].str.strip()
    by_name = {function_name(f).lower(): f for f in SYSTEM_FUNCTIONS}
    if "function" in df.columns:
        df["function"] = [by_name.get(f.lower(), f) for f in df["function"]]
    missing = [c for c in ("council", "function", "vendor") if c not in df.columns]
    if missing:
        raise DataValidationError(name, [
            (f"missing column(s): {', '.join(missing)}; your IT systems need council, function "
            "and vendor (product, year_observed, in_use_from, in_use_to and source optional)")])
    df["line"] = line_numbers(df)
    blank = pd.Series("", index=df.index)
    df = df[(df["vendor"] != "") | (df.get("product", blank) != "")]  # blank survey rows
    reg = load_councils()
    problems: list[str] = []
    codes = []
    for council, line in zip(df["council"], df["line"], strict=True):
        codes.append(_resolve(council, None, f"line {line}", problems, reg) if council
                     else "")
        if not council:
            problems.append(f"line {line}: council is empty")
    if problems:
        raise DataValidationError(name, problems)
    df = df.assign(council_name=df.get("council_name", df["council"]), council=codes)
    for c in SYSTEM_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    df["file"] = label
    return df, label


def layer_systems(add_systems: Source | None = None, *, systems: Source | None = None
                  ) -> tuple[pd.DataFrame | None, list[str]]:
    """The IT systems table with the user's rows layered on (or the table given as
    ``systems``); see :func:`layer_links` for the return values."""
    notes: list[str] = []
    if systems is None and add_systems is None:
        return None, notes
    base = load_systems(systems=systems)
    if systems is not None:
        notes.append(f"The bundled register of IT systems was replaced by yours "
                     f"({_label(systems, 'systems')[11:-1]}): {len(base)} rows.")
    if add_systems is None:
        return base, notes
    df, label = _user_systems(add_systems)
    mine = read_systems(df, undated_ok=True, origin=label)
    before = {k: (v, p) for k, v, p in zip(zip(base["council"], base["function"]),
                                          base["vendor"], base["product"])}
    keys = sorted(set(zip(mine["council"], mine["function"])))
    over = [k for k in keys if k in before]
    reg = load_councils()

    def name(k: tuple[str, str]) -> str:
        return f"{reg.at[k[0], 'name']} ({name_in_sentence(function_name(k[1]))})"

    parts = [f"added {len(keys) - len(over)} council system(s)"] if len(keys) > len(over) else []
    if over:
        parts.append(f"overrode the register for {len(over)} ({_list([name(k) for k in over])})")
    if parts:
        notes.append(f"Your data ({label[11:-1]}) " + "; ".join(parts) + ".")
    undated = int(mine["year_observed"].isna().sum())
    if undated:
        notes.append(f"Year not given on {undated} of your IT systems rows: they count on "
                     "every date.")
    return combine_systems(base, mine), notes


def prepare_layers(*, links: Source | None = None, add_links: Source | None = None,
                   drop_links: Iterable[str] = (), systems: Source | None = None,
                   add_systems: Source | None = None) -> Layers:
    """Both tables with the user's data layered on, and the notes saying what it did."""
    lt, ln = layer_links(add_links, drop_links, links=links)
    st, sn = layer_systems(add_systems, systems=systems)
    return Layers(links=lt, systems=st, notes=ln + sn)
