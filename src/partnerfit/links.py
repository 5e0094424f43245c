"""Existing shared-service arrangements and IT systems: load and validate bundled or user tables.

Arrangements (``councils/arrangements*.csv``) are in long form, one row per (arrangement, member
council); an arrangement covers one service, and a partnership covering several services is
several arrangements with the same ``partnership`` id. IT systems (``councils/systems*.csv``) are
one row per (council, function, observation). Every row carries its source.

Validation reports every problem at once, naming the file and line: unknown councils (with close
matches), councils not in force at the arrangement's start (or gone before its end),
unknown services, models, kinds or roles, duplicate members, several leads, end before start, rows
without a source.

Every arrangement has a ``kind`` (:data:`KINDS`): a shared service with a lead authority, a joint
committee, a company, a joint board or statutory authority, an outsourced contract, or a
strategic/pooling arrangement. The bundled rows must state it. A user's table without a ``kind``
column (or with an empty cell) gets :data:`NOT_STATED` -- never a guessed kind; the shortlist and
the network say how many arrangements that affects.

:func:`lost_members` lists memberships an arrangement silently loses at a reorganisation (the
council abolished while the arrangement runs on, and no successor carries it on); the bundled
register is tested to have none beyond a short list of sourced-but-unsettled cases, and a
user's table gets a note on the shortlist.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ._dates import DateLike, to_date
from ._paths import data_dir
from ._tables import council_problem as _council_problem
from ._tables import parse_period as _parse_period
from ._tables import read_table as _read
from ._tables import text_columns
from ._yaml import did_you_mean
from .errors import DataValidationError
from .register import load_councils
from .services import services
from .systems import (
    SYSTEM_COLUMNS,
    combine_systems,
    load_systems,
    read_systems,
    systems_on,
)

__all__ = [
    "ARRANGEMENT_COLUMNS",
    "KINDS",
    "KIND_LABELS",
    "MODELS",
    "NOT_STATED",
    "SYSTEM_COLUMNS",
    "combine_systems",
    "load_links",
    "load_systems",
    "lost_members",
    "read_arrangements",
    "read_systems",
    "systems_on",
]

ARRANGEMENT_COLUMNS = ("arrangement", "partnership", "name", "service", "model", "kind", "council",
                       "council_name", "role", "start", "end", "notes", "source_title",
                       "source_publisher", "source_date", "source_url")
MODELS = ("sovereign", "federal", "joint_committee", "company", "private_partner")
KINDS = ("lead_authority", "joint_committee", "company", "joint_board", "outsourced", "strategic")
NOT_STATED = "not_stated"
KIND_LABELS = {"lead_authority": "shared service with a lead authority",
               "joint_committee": "joint committee", "company": "council-owned or trading company",
               "joint_board": "joint board or statutory authority",
               "outsourced": "contract with a private partner",
               "strategic": "strategic or pooling arrangement (pension pool, city or growth deal)",
               NOT_STATED: "kind not stated"}
ROLES = ("lead", "partner")
_ARRANGEMENT_LEVEL = ("partnership", "name", "service", "model", "kind")


def _ended_problem(code: str, written: str, end: pd.Timestamp, precision: str,
                   reg: pd.DataFrame) -> str | None:
    """Why a membership ending on ``end`` outlives council ``code`` (None if it does not).

    The period written (``2019`` = the whole year) only has to begin by the council's last day,
    so "2019" is fine for a council abolished on 2019-03-31.
    """
    if code not in reg.index or pd.isna(vt := reg.at[code, "valid_to"]):
        return None
    first = {"year": pd.Timestamp(end.year, 1, 1),
             "month": pd.Timestamp(end.year, end.month, 1)}.get(precision, end)
    if first <= vt:
        return None
    succ = [f"{s} ({reg.at[s, 'name']})" if s in reg.index else s
            for s in reg.at[code, "successors"].split(";") if s]
    fix = (f"; end it by {vt:%Y-%m-%d} and list its successor {', '.join(succ)} on its own row"
           if succ else f"; end it by {vt:%Y-%m-%d}")
    return (f"council {code} ({reg.at[code, 'name']}) ceased on {vt:%Y-%m-%d} but its "
            f"membership ends {written}{fix}")


# --------------------------------------------------------------------------- arrangements

def read_arrangements(source: str | Path | pd.DataFrame, *,
                      require_kind: bool = False) -> pd.DataFrame:
    """Read and validate an arrangements table (CSV, Excel or DataFrame).

    Parameters
    ----------
    source : path or pandas.DataFrame
        Columns as :data:`ARRANGEMENT_COLUMNS` (``partnership``, ``name`` and ``notes`` may be
        empty). Dates are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``end`` empty if running.
        ``kind`` is one of :data:`KINDS`; without a ``kind`` column, or where a cell is empty,
        the arrangement's kind is :data:`NOT_STATED` (kept as not stated, never guessed).
    require_kind : bool, default False
        Make a missing ``kind`` column or an empty ``kind`` cell an error (the bundled
        register is read this way).

    Returns
    -------
    pandas.DataFrame
        One row per (arrangement, council) with the member's ``start``/``end`` as dates (a
        start is the first day of the period written, an end the last; start NaT when the
        source does not say), ``start_precision``/``end_precision``, ``running_from`` (start, or
        the source's date when the start is unknown; NaT when neither is known: such rows are
        kept but never count as running on a date), a
        formatted ``source`` citation, and ``file``/``line`` of each row.

    Raises
    ------
    DataValidationError
        Listing every problem with its line.
    """
    if isinstance(source, pd.DataFrame) and "start" in source.columns and \
            pd.api.types.is_datetime64_any_dtype(source["start"]):
        return _revalidate_parsed(source.copy(), "arrangements table")
    df, name = _read(source, "arrangements")
    required = tuple(c for c in ARRANGEMENT_COLUMNS if c != "kind" or require_kind)
    df, line = text_columns(df, name, required, ("kind",), expected=ARRANGEMENT_COLUMNS)
    reg = load_councils()
    cat = services()
    problems: list[str] = []

    def at(i) -> str:
        return f"{df.at[i, 'file']} line {line[i]}" if df.at[i, "file"] != name else \
            f"line {line[i]}"

    starts, ends, sp, ep, running = [], [], [], [], []
    for i in df.index:
        r = df.loc[i]
        problems += [f"{at(i)}: {p}" for p in _vocabulary_problems(r, cat.index, require_kind)]
        s, s_p = None, ""
        if r["start"]:
            try:
                s, s_p = _parse_period(r["start"], end=False)
            except ValueError:
                problems.append(f"{at(i)}: start {r['start']!r} is not a date (YYYY, YYYY-MM "
                                "or YYYY-MM-DD; empty if the source does not say)")
        seen = None
        if r["source_date"]:
            try:
                seen, _ = _parse_period(r["source_date"], end=True)
            except ValueError:
                problems.append(f"{at(i)}: source_date {r['source_date']!r} is not a date "
                                "(YYYY, YYYY-MM or YYYY-MM-DD)")
        e, e_p = None, ""
        if r["end"]:
            try:
                e, e_p = _parse_period(r["end"], end=True)
            except ValueError:
                problems.append(f"{at(i)}: end {r['end']!r} is not a date (YYYY, YYYY-MM or "
                                "YYYY-MM-DD; empty if still running)")
        if s is not None and e is not None and e < s:
            problems.append(f"{at(i)}: end {r['end']} is before start {r['start']}")
        if not r["source_title"] or not (r["source_url"] or r["source_publisher"]):
            problems.append(f"{at(i)}: no source; every row needs source_title and a "
                            "source_url or source_publisher an officer can check")
        check = s if s is not None else (min(seen, e) if seen is not None and e is not None
                                         else seen if seen is not None else e)
        p = _council_problem(r["council"], r["council_name"], check, reg)
        if p is None and e is not None:
            p = _ended_problem(r["council"], r["end"], e, e_p, reg)
        if p is not None:
            problems.append(f"{at(i)}: {p}")
        running.append(s if s is not None else seen)
        starts.append(s)
        ends.append(e)
        sp.append(s_p)
        ep.append(e_p)
    df["start"] = pd.to_datetime(pd.Series(starts, index=df.index))
    df["end"] = pd.to_datetime(pd.Series(ends, index=df.index))
    df["running_from"] = pd.to_datetime(pd.Series(running, index=df.index))
    df["start_precision"] = sp
    df["end_precision"] = ep
    df["line"] = line
    if not require_kind:
        df.loc[df["kind"] == "", "kind"] = NOT_STATED
    problems += _structure_problems(df, at)
    if problems:
        raise DataValidationError(name, problems)
    return _finish(df)


def _vocabulary_problems(r: pd.Series, service_ids: pd.Index, require_kind: bool) -> list[str]:
    """Problems of one row's id, service, model, kind and role."""
    out = []
    if not r["arrangement"]:
        out.append("arrangement id is empty")
    if r["service"] not in service_ids:
        out.append(f"unknown service {r['service']!r}{did_you_mean(r['service'], service_ids)}")
    if r["model"] not in MODELS:
        out.append(f"model {r['model']!r} is not one of {', '.join(MODELS)}"
                   f"{did_you_mean(r['model'], MODELS)}")
    kind_problem = _kind_problem(r["kind"], require_kind)
    if kind_problem:
        out.append(kind_problem)
    if r["role"] not in ROLES:
        out.append(f"role {r['role']!r} must be 'lead' or 'partner'")
    return out


def _kind_problem(kind: str, required: bool) -> str | None:
    """Why ``kind`` is not acceptable (None if fine); empty is fine unless required."""
    if kind in KINDS or (kind in ("", NOT_STATED) and not required):
        return None
    if not kind:
        return (f"kind is empty; give one of {', '.join(KINDS)} (the bundled register states "
                "every arrangement's kind)")
    allowed = KINDS if required else (*KINDS, NOT_STATED)
    return (f"kind {kind!r} is not one of {', '.join(allowed)}"
            f"{did_you_mean(kind, allowed)}")


def _structure_problems(df: pd.DataFrame, at) -> list[str]:
    problems = []
    for (arr, council), idx in df.groupby(["arrangement", "council"]).groups.items():
        if len(idx) > 1:
            problems.append(f"{at(idx[1])}: {council} is listed twice in arrangement {arr!r} "
                            f"(also {at(idx[0])})")
    for arr, g in df.groupby("arrangement"):
        leads = g[g["role"] == "lead"]
        if len(leads) > 1:
            problems.append(f"{at(leads.index[1])}: arrangement {arr!r} has "
                            f"{len(leads)} leads ({', '.join(leads['council'])}); give at most one")
        for col in _ARRANGEMENT_LEVEL:
            vals = g[col].astype(str).unique()
            if len(vals) > 1:
                problems.append(f"{at(g.index[0])}: arrangement {arr!r} has different {col} "
                                f"values on its rows ({', '.join(sorted(vals))}); they must "
                                "agree")
    return problems


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    def cite(r) -> str:
        parts = [r["source_title"], r["source_publisher"], r["source_date"], r["source_url"]]
        return ", ".join(p for p in parts if p)

    df = df.copy()
    df["source"] = df.apply(cite, axis=1) if len(df) else pd.Series(dtype=str)
    df.loc[df["partnership"] == "", "partnership"] = df["arrangement"]
    cols = [*ARRANGEMENT_COLUMNS, "start_precision", "end_precision", "running_from", "source",
            "file", "line"]
    return df[cols].sort_values(["arrangement", "council"]).reset_index(drop=True)


def _revalidate_parsed(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """A table already returned by the loader (possibly edited by the user): re-check it."""
    raw = df.copy()
    for col, end in (("start", False), ("end", True)):
        prec = raw.get(f"{col}_precision", pd.Series("day", index=raw.index))
        raw[col] = [("" if pd.isna(v) else
                     (f"{v:%Y}" if p == "year" else f"{v:%Y-%m}" if p == "month"
                      else f"{v:%Y-%m-%d}")) for v, p in zip(raw[col], prec)]
    for c in ARRANGEMENT_COLUMNS:
        if c not in raw.columns:
            raw[c] = ""
    if "file" not in raw.columns:
        raw["file"] = name
    return read_arrangements(raw[[*ARRANGEMENT_COLUMNS, "file", *(
        ["line"] if "line" in raw.columns else [])]].reset_index(drop=True))


@lru_cache(maxsize=1)
def _bundled_arrangements() -> pd.DataFrame:
    files = sorted(data_dir("councils").glob("arrangements*.csv"))
    frames = []
    for f in files:
        df = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        df["file"] = f"councils/{f.name}"
        df["line"] = np.arange(len(df)) + 2
        frames.append(df)
    if not frames:
        return _finish(pd.DataFrame(columns=[*ARRANGEMENT_COLUMNS, "file", "line",
                                             "start_precision", "end_precision",
                                             "running_from"]))
    combined = pd.concat(frames, ignore_index=True)
    return read_arrangements(combined, require_kind=True)


def load_links(as_of: DateLike = None, *, links: str | Path | pd.DataFrame | None = None,
               ) -> pd.DataFrame:
    """Existing shared-service arrangements, one row per (arrangement, council).

    Parameters
    ----------
    as_of : date-like, optional
        Keep members running on this date (joined on or before it, not yet left; where the
        source gives no start, known running from the source's date), with
        members' codes as in force on that date; members no longer in force are left out.
        ``None`` returns every arrangement as recorded.
    links : path or pandas.DataFrame, optional
        A user's arrangements table instead of the bundled one (validated the same way).

    Returns
    -------
    pandas.DataFrame
        Columns include ``arrangement, partnership, service, council, council_name, role, model,
        start, end, source``.
    """
    table = _bundled_arrangements() if links is None else read_arrangements(links)
    date = to_date(as_of)
    if date is None:
        return table.copy()
    running = (table["running_from"] <= date) & (table["end"].isna() | (table["end"] >= date))
    out = table[running].copy()
    reg = load_councils()
    live = load_councils(date)
    code_of_id = pd.Series(live.index, index=live["id"])
    ids = reg.loc[out["council"], "id"].to_numpy()
    now = code_of_id.reindex(ids).to_numpy()
    out["council_recorded"] = out["council"]
    out["council"] = now
    out = out[pd.notna(out["council"])]
    return out.reset_index(drop=True)


def lost_members(links: pd.DataFrame | None = None) -> pd.DataFrame:
    """Members an arrangement silently loses at a reorganisation.

    A membership is lost when its council is abolished (replaced by a different council, not
    just given a new code) while the membership has no ``end`` or ends on the council's last
    day, the arrangement runs on after that day (another member carries on), and no row for a
    successor council starts by the day after the abolition. The table then cannot say whether
    the arrangement carried on for that area with the successor or ended there. Fix each with a
    source: add the successor's row from the day after the abolition (where the successor
    carried on), or end the arrangement (where it ended). A member that left before its
    council was abolished is not listed.

    The bundled register has none (a test checks it, with any sourced exception written out).
    For a user's table the shortlist's notes say how many there are; this function lists them.

    Parameters
    ----------
    links : pandas.DataFrame, optional
        An arrangements table as :func:`read_arrangements` returns (default the bundled one,
        every date).

    Returns
    -------
    pandas.DataFrame
        One row per lost membership: ``arrangement, name, council, council_name, ceased``
        (the council's last day), ``successors`` (names and codes), ``carried_on_by`` (the
        members that carry on), ``file, line`` and ``problem`` (a plain sentence with the
        fix). Empty when there is none.
    """
    table = _bundled_arrangements() if links is None else links
    reg = load_councils()
    last_day = reg["valid_to"]
    rows = []
    for arr, g in table.groupby("arrangement", sort=True):
        for i in g.index:
            code = g.at[i, "council"]
            vt = last_day.get(code, pd.NaT)
            if pd.isna(vt) or (pd.notna(g.at[i, "end"]) and g.at[i, "end"] < vt):
                continue
            succ = [c for c in str(reg.at[code, "successors"]).split(";")
                    if c and c in reg.index and reg.at[c, "id"] != reg.at[code, "id"]]
            day = vt + pd.Timedelta(days=1)
            if not succ or (g["council"].isin(succ) & (g["start"].isna() | (g["start"] <= day))
                            ).any():
                continue  # a change of code only, or a successor carries it on
            others = g.drop(index=i)
            gone = others["council"].map(last_day).fillna(pd.Timestamp.max) <= vt
            on = others[(others["end"].isna() | (others["end"] > vt)) & ~gone]
            if on.empty:
                continue  # the arrangement ended with the council
            rows.append(_lost_row(g.loc[i], reg, vt, succ, sorted(on["council"])))
    cols = ["arrangement", "name", "council", "council_name", "ceased", "successors",
            "carried_on_by", "file", "line", "problem"]
    return pd.DataFrame(rows, columns=cols)


def _lost_row(r: pd.Series, reg: pd.DataFrame, vt: pd.Timestamp, succ: list[str],
              on: list[str]) -> dict:
    names = ", ".join(f"{reg.at[c, 'name']} ({c})" for c in succ)
    day = vt + pd.Timedelta(days=1)
    title = r["name"] or r["arrangement"]
    return {"arrangement": r["arrangement"], "name": r["name"], "council": r["council"],
            "council_name": reg.at[r["council"], "name"], "ceased": vt, "successors": names,
            "carried_on_by": ", ".join(str(reg.at[c, "name"]) for c in on),
            "file": r["file"], "line": r["line"],
            "problem": (f"{reg.at[r['council'], 'name']} ceased on {vt:%Y-%m-%d} and {title} "
                        f"runs on without it ({len(on)} member(s) carry on), but no successor "
                        f"takes its place; add a row for {names} from {day:%Y-%m-%d} if the "
                        "arrangement continued there, or end the arrangement if it ended")}
