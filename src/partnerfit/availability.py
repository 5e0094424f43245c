"""Availability: candidates already committed to another partnership, and councils the officer
marks unavailable.

**Committed.** A candidate is *committed* on the date when it is a member of a running
arrangement for the same service that the focal council is not in. Only arrangements a council
chooses to enter commit it (:data:`COMMITTING_KINDS`: a shared service with a lead authority,
a joint committee, a company, a contract with a private partner, or a kind not stated); a
joint board or statutory authority (membership fixed by law) and a strategic or pooling
arrangement (pension pools, growth deals) do not take a council's service, so they commit no
one. The arrangements are those of the shortlist's context (its links table, with anything the
user added or removed), running on the date: joined on or before it and not yet left.

What happens to a committed candidate is the ``committed=`` policy (:data:`COMMITTED_POLICIES`):

``"mark"``
    The ``committed`` column names the arrangement; the score is unchanged.
``"penalise"``
    Marked, and the score multiplied by :data:`PENALTY_FACTOR` (every criterion's value is
    multiplied by it, so points, explanations and the sensitivity analysis stay consistent;
    the flags say so).
``"screen"``
    Screened out, the reason naming the arrangement.
``"offer"``
    Screened out like ``"screen"``, and the arrangement offered instead as a partnership
    candidate (:mod:`partnerfit.candidates`): join it rather than poach one of its members.

The bundled default (:data:`DEFAULT_COMMITTED`) was chosen with the backtest; see its comment.

**Unavailable.** ``unavailable=`` lists councils the officer knows will not partner (they
said no, or the timing is wrong): a list of names or codes, or a table (CSV, Excel or
DataFrame) with a ``council`` column and an optional ``reason`` column. They are screened out
with the reason "marked unavailable by you", and the summary and report say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._dates import DateLike, to_date
from ._tables import read_table, text_columns
from ._yaml import did_you_mean
from .errors import ArgumentError, ArgumentTypeError, DataValidationError, UnknownCouncilError
from .register import find_council

__all__ = ["COMMITTED_POLICIES", "COMMITTING_KINDS", "DEFAULT_COMMITTED", "PENALTY_FACTOR",
           "Unavailable", "check_committed", "commitments", "read_unavailable",
           "running_for_service"]

COMMITTED_POLICIES = ("mark", "penalise", "screen", "offer")
COMMITTING_KINDS = ("lead_authority", "joint_committee", "company", "outsourced", "not_stated")
#: Multiplier of a committed candidate's score under ``committed="penalise"``.
PENALTY_FACTOR = 0.5
# Chosen with the backtest (scripts/committed_policy_backtest.py, 2026-12-05; the backtest of
# main before issue 15's frozen definition, 4,126 cases, each case once; a real partner that a
# policy screens out counts as a miss). MRR / hit@5 overall: mark 0.3519 / 58.1%, screen
# 0.3606 / 59.7%, penalise x0.5 0.3614 / 59.8% (x0.25 0.3607 / 59.7%, x0.75 0.3612 / 59.6%);
# "same county, then nearest" 0.3253 / 54.5%. Penalise is at least as good as mark in every
# service family (back office 0.3444 vs 0.3394, customer 0.3181 vs 0.3143, people 0.3452 vs
# 0.3225, place 0.3978 vs 0.3924, regulatory 0.3781 vs 0.3768), so the choice does not rest on
# one family; the factor matters little (0.25 to 0.75 within 0.0007 MRR).
DEFAULT_COMMITTED = "penalise"

#: Councils marked unavailable: GSS code -> the reason given ("" when none).
Unavailable = dict[str, str]


def check_committed(policy: Any) -> str:
    """``policy`` checked against :data:`COMMITTED_POLICIES` (a clear error otherwise)."""
    if not isinstance(policy, str) or policy not in COMMITTED_POLICIES:
        raise ArgumentError(
            f"committed={policy!r} is not a policy for committed candidates; give one of "
            f"{', '.join(repr(p) for p in COMMITTED_POLICIES)}{did_you_mean(policy, COMMITTED_POLICIES)} "
            "('mark' only marks them, 'penalise' halves their score, 'screen' leaves them "
            "out, 'offer' offers their partnership instead).")
    return policy


def running_for_service(links: pd.DataFrame, service: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """Rows of a context's links table (with its ``now`` code column) for arrangements of
    ``service`` of a committing kind, with the member running on ``as_of``.

    Returns
    -------
    pandas.DataFrame
        Columns ``arrangement, name, kind, role, code`` (the member's code in force on the
        date), one row per member, sorted by arrangement and code.
    """
    cols = ["arrangement", "name", "kind", "role", "code"]
    if not len(links) or "now" not in links.columns:
        return pd.DataFrame(columns=cols)
    kinds = (links["kind"].to_numpy(dtype=object) if "kind" in links.columns
             else np.full(len(links), "not_stated", dtype=object))
    end = links["end"].to_numpy()
    begun = links["running_from"].to_numpy()
    date = np.datetime64(as_of)
    keep = ((links["service"].to_numpy() == service) & np.isin(kinds, COMMITTING_KINDS)
            & (begun <= date) & (np.isnat(end) | (end >= date)))
    idx = np.flatnonzero(keep)

    def col(c: str) -> np.ndarray:
        return links[c].to_numpy()[idx].astype(str)

    arr, name = col("arrangement"), col("name")
    out = pd.DataFrame({"arrangement": arr, "name": np.where(name != "", name, arr),
                        "kind": kinds[idx], "role": col("role"), "code": col("now")})
    out = out.drop_duplicates(["arrangement", "code"])
    return out.sort_values(["arrangement", "code"]).reset_index(drop=True)


def commitments(links: pd.DataFrame, focal: str, service: str, as_of: pd.Timestamp,
                rows: pd.DataFrame | None = None) -> dict[str, list[tuple[str, str]]]:
    """The councils committed to a running arrangement for ``service`` that ``focal`` is not in.

    Parameters
    ----------
    links : pandas.DataFrame
        A context's links table (:attr:`partnerfit.criteria.Context.links`).
    focal : str
        GSS code of the focal council.
    service : str
        Service id.
    as_of : pandas.Timestamp
        The date.
    rows : pandas.DataFrame, optional
        :func:`running_for_service` of ``links``, if already computed.

    Returns
    -------
    dict
        GSS code -> list of ``(arrangement id, arrangement name)``, sorted by id.
    """
    if rows is None:
        rows = running_for_service(links, service, as_of)
    mine = set(rows.loc[rows["code"] == focal, "arrangement"])
    out: dict[str, list[tuple[str, str]]] = {}
    for arr, name, code in zip(rows["arrangement"], rows["name"], rows["code"], strict=True):
        if arr not in mine and code != focal:
            out.setdefault(code, []).append((arr, name))
    return out


def committed_text(arrangements: list[tuple[str, str]]) -> str:
    """The ``committed`` cell: the arrangement names joined by "; "."""
    return "; ".join(name for _, name in arrangements)


# --------------------------------------------------------------------------- unavailable

def read_unavailable(unavailable: Any, as_of: DateLike,
                     councils: pd.DataFrame | None = None) -> Unavailable:
    """The councils marked unavailable, resolved to GSS codes on ``as_of``.

    Parameters
    ----------
    unavailable : list of str, path or pandas.DataFrame
        Names or codes (a list), or a table (CSV or Excel path, or a DataFrame) with a
        ``council`` column (name or code) and an optional ``reason`` column.
    as_of : date-like
        The councils must be in force on this date.
    councils : pandas.DataFrame, optional
        A user's register.

    Returns
    -------
    dict
        GSS code -> reason ("" when none was given), in the order given.

    Raises
    ------
    UnknownCouncilError
        A name matches no council (the message names the argument or the file and line,
        and gives close matches).
    ArgumentTypeError
        ``unavailable`` is neither a list of names nor a table.
    """
    date = to_date(as_of)
    if unavailable is None:
        return {}
    if isinstance(unavailable, (str, Path)) and not _looks_like_file(unavailable):
        raise ArgumentTypeError(
            f"unavailable={str(unavailable)!r} is one piece of text and no such file; give a "
            f"list of councils (unavailable=[{str(unavailable)!r}]) or the path of a CSV or "
            "Excel file with a 'council' column.")
    if isinstance(unavailable, (str, Path, pd.DataFrame)):
        return _from_table(unavailable, date, councils)
    if not isinstance(unavailable, Iterable):
        raise ArgumentTypeError(f"unavailable must be a list of councils or a table, not "
                                f"{type(unavailable).__name__}; write e.g. "
                                "unavailable=['Preston'].")
    out: Unavailable = {}
    for item in unavailable:
        if not isinstance(item, str):
            raise ArgumentTypeError(f"unavailable must list councils as text; {item!r} is a "
                                    f"{type(item).__name__}; write e.g. unavailable=['Preston'].")
        out.setdefault(_resolve(item, date, councils, "unavailable"), "")
    return out


def _looks_like_file(value: str | Path) -> bool:
    path = Path(value)
    return path.exists() or path.suffix.lower() in (".csv", ".xlsx", ".xlsm", ".txt")


def _resolve(query: str, date: pd.Timestamp | None, councils: pd.DataFrame | None,
             where: str) -> str:
    try:
        return find_council(query, date, councils=councils)
    except UnknownCouncilError as err:
        raise UnknownCouncilError(f"{where}: {err}", err.suggestions) from None


def _from_table(source: str | Path | pd.DataFrame, date: pd.Timestamp | None,
                councils: pd.DataFrame | None) -> Unavailable:
    df, name = read_table(source, "unavailable councils")
    df, line = text_columns(df, name, ("council",), ("reason",))
    out: Unavailable = {}
    problems = []
    for i in df.index:
        text = df.at[i, "council"]
        if not text:
            problems.append(f"line {line[i]}: the council cell is empty; give a name or GSS "
                            "code, or delete the row")
            continue
        try:
            code = find_council(text, date, councils=councils)
        except UnknownCouncilError as err:
            problems.append(f"line {line[i]}: {err}")
            continue
        reason = df.at[i, "reason"]
        out[code] = "; ".join(r for r in (out.get(code, ""), reason) if r)
    if problems:
        raise DataValidationError(name, problems)
    return out


def unavailable_reason(reason: str) -> str:
    """The screening reason of a council marked unavailable."""
    return "marked unavailable by you" + (f" ({reason})" if reason else "")


def unavailable_note(marked: Mapping[str, str], names: Mapping[str, str]) -> str:
    """One sentence for the summary and report listing the councils marked unavailable."""
    shown = [f"{names.get(code, code)}" + (f" ({why})" if why else "")
             for code, why in marked.items()]
    return ("Marked unavailable by you, and screened out: " + "; ".join(shown) + ".")


def screen_for_availability(candidates: list[str], screened: pd.DataFrame,
                            marked: Mapping[str, str],
                            held: Mapping[str, list[tuple[str, str]]], policy: str,
                            names: pd.Series, offered: Iterable[str] = ()
                            ) -> tuple[list[str], pd.DataFrame]:
    """Move the candidates marked unavailable, and (policy ``screen`` or ``offer``) the
    committed ones, from ``candidates`` to ``screened`` with the reason.

    Parameters
    ----------
    candidates : list of str
        GSS codes still in the running.
    screened : pandas.DataFrame
        ``code, name, reason`` of the councils screened out so far.
    marked : mapping
        Councils marked unavailable (code -> reason).
    held : mapping
        :func:`commitments`.
    policy : str
        One of :data:`COMMITTED_POLICIES`.
    names : pandas.Series
        GSS code -> council name.
    offered : iterable of str
        Arrangement ids on the shortlist as partnership candidates (said in the reason under
        ``offer``).

    Returns
    -------
    (list of str, pandas.DataFrame)
        The candidates left, and the screened table (sorted by code).
    """
    reasons: dict[str, str] = {}
    offered = set(offered)
    for code in candidates:
        if code in marked:
            reasons[code] = unavailable_reason(marked[code])
        elif policy in ("screen", "offer") and code in held:
            reasons[code] = ("committed to " + committed_text(held[code]) + ", a running "
                             "arrangement for this service without the council"
                             + ("; the partnership is offered instead" if policy == "offer"
                                and offered.intersection(a for a, _ in held[code]) else ""))
    if not reasons:
        return candidates, screened
    extra = pd.DataFrame({"code": list(reasons), "name": names.reindex(list(reasons)).to_numpy(),
                          "reason": list(reasons.values())})
    out = pd.concat([screened, extra]).sort_values("code").reset_index(drop=True)
    return [c for c in candidates if c not in reasons], out


_POLICY_WORDS = {"mark": "marked in the table, score unchanged",
                 "penalise": f"score multiplied by {PENALTY_FACTOR:g}",
                 "screen": "screened out",
                 "offer": "screened out, their partnership offered instead"}


def availability_notes(committed: Mapping[str, str], screened: pd.DataFrame, policy: str,
                       marked: Mapping[str, str], names: Mapping[str, str]) -> list[str]:
    """Sentences for a shortlist's notes: the councils marked unavailable, and how many
    candidates are committed to another arrangement for the service and what was done.

    Parameters
    ----------
    committed : mapping
        Scored candidates committed elsewhere (code -> arrangement names).
    screened : pandas.DataFrame
        The shortlist's screened table (``code, name, reason``).
    policy : str
        The ``committed=`` policy.
    marked : mapping
        Councils marked unavailable (code -> reason).
    names : mapping
        GSS code -> council name.
    """
    notes = []
    if marked:
        notes.append(unavailable_note(marked, names))
    out = int(screened["reason"].str.startswith("committed to ").sum()) if len(screened) else 0
    n = len(committed) + out
    if n:
        notes.append(f"{n} council(s) are already committed to another running arrangement "
                     "for this service that does not include the council (shared service, "
                     f"joint committee, company or contract): {_POLICY_WORDS[policy]}; the "
                     "table names the arrangement.")
    return notes
