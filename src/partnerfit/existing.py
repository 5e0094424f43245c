"""Shared arrangements already running for a service among given councils.

One public function, :func:`existing_arrangements`, built on :func:`partnerfit.links.load_links`:
the arrangements for one service running on a date that hold at least one of the given
councils, one row each, with the members among those councils, the lead (if the table names
one) and the start year. The optimiser uses it to mark each proposed group as new, extending
a running arrangement or keeping one; the shortlist will expose it as ``Shortlist.existing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from ._dates import DateLike, to_date, today
from .formatting import format_date, name_in_sentence
from .links import load_links
from .services import check_service

__all__ = ["EXISTING_COLUMNS", "SUBJECT_COLUMNS", "existing_arrangements", "opening_sentence",
           "subject_arrangements"]

EXISTING_COLUMNS = ["arrangement", "name", "model", "kind", "members", "all_members", "lead",
                    "start"]
#: Columns of :func:`subject_arrangements` (``Shortlist.existing``).
SUBJECT_COLUMNS = ["arrangement", "name", "members", "lead", "start", "kind", "model", "codes"]


def existing_arrangements(codes: Iterable[str], service: str, as_of: DateLike = None,
                          links: pd.DataFrame | None = None) -> pd.DataFrame:
    """Arrangements for ``service`` running on ``as_of`` that hold any of ``codes``.

    Parameters
    ----------
    codes : iterable of str
        GSS codes of the councils of interest (in force on ``as_of``).
    service : str
        Service id from the catalogue.
    as_of : date-like, optional
        Date (default today).
    links : pandas.DataFrame, optional
        The user's arrangements table in the long form of :func:`partnerfit.load_links`
        (replaces the bundled one; an empty table means none).

    Returns
    -------
    pandas.DataFrame
        One row per arrangement, sorted by arrangement id: ``arrangement`` (id), ``name``,
        ``model`` (the register's term), ``members`` (tuple of the given councils in it,
        sorted), ``all_members`` (tuple of every member on the date, sorted), ``kind`` (the
        arrangement's kind, "" if the table has none), ``lead`` (code of
        the member whose role is lead, None when the table names none) and ``start`` (the
        earliest start year among its members' rows, None if not recorded).

    Raises
    ------
    UnknownServiceError
        If ``service`` is not in the catalogue.

    Examples
    --------
    >>> import pandas as pd
    >>> empty = pd.DataFrame(columns=["arrangement"])
    >>> existing_arrangements(["E07000026"], "revenues_benefits", "2019-04-01", links=empty).empty
    True
    """
    check_service(service)
    date = to_date(as_of) or today()
    wanted = set(codes)
    if isinstance(links, pd.DataFrame) and links.empty:
        return pd.DataFrame(columns=EXISTING_COLUMNS)
    lk = load_links(date, links=links)
    lk = lk[lk["service"] == service]
    hit = sorted(set(lk.loc[lk["council"].isin(wanted), "arrangement"]))
    rows = []
    for arr in hit:
        part = lk[lk["arrangement"] == arr]
        members = tuple(sorted(set(part["council"]) & wanted))
        leads = sorted(set(part.loc[part["role"] == "lead", "council"]))
        starts = pd.to_datetime(part["start"], errors="coerce").dropna()
        name = str(part["name"].iloc[0]).strip() if "name" in part.columns else ""
        kind = str(part["kind"].iloc[0]) if "kind" in part.columns else ""
        rows.append({"arrangement": arr, "name": name or arr, "model": part["model"].iloc[0],
                     "kind": kind,
                     "members": members, "all_members": tuple(sorted(set(part["council"]))),
                     "lead": leads[0] if leads else None,
                     "start": int(starts.min().year) if len(starts) else None})
    return pd.DataFrame(rows, columns=EXISTING_COLUMNS)



def subject_arrangements(code: str, service: str, as_of: DateLike, names: Mapping[str, str],
                         links: pd.DataFrame | None = None) -> pd.DataFrame:
    """One council's arrangements for ``service`` running on ``as_of``, in words.

    Built on :func:`existing_arrangements`; this is ``Shortlist.existing``.

    Parameters
    ----------
    code : str
        GSS code of the council.
    service : str
        Service id.
    as_of : date-like
    names : mapping
        GSS code -> council name (codes without a name are shown as the code).
    links : pandas.DataFrame, optional
        As for :func:`existing_arrangements`.

    Returns
    -------
    pandas.DataFrame
        One row per arrangement (sorted by id): ``arrangement`` (id), ``name``, ``members``
        (tuple of the member councils' names on the date, the lead first, then by name),
        ``lead`` (the lead's name, "" when the table names none), ``start`` (earliest start
        year, None if not recorded), ``kind``, ``model``, ``codes`` (the members' GSS codes
        in the order of ``members``).
    """
    found = existing_arrangements([code], service, as_of, links=links)
    rows = []
    for r in found.itertuples(index=False):
        lead = r.lead if r.lead in r.all_members else None
        others = sorted((c for c in r.all_members if c != lead),
                        key=lambda c: (str(names.get(c, c)), c))
        codes = ([lead] if lead else []) + others
        rows.append({"arrangement": r.arrangement, "name": r.name,
                     "members": tuple(str(names.get(c, c)) for c in codes),
                     "lead": str(names.get(lead, lead)) if lead else "",
                     "start": r.start, "kind": r.kind, "model": r.model, "codes": tuple(codes)})
    return pd.DataFrame(rows, columns=SUBJECT_COLUMNS)


def _and(words: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def opening_sentence(existing: pd.DataFrame, council: str, council_name: str,
                     service_name: str, as_of: DateLike) -> str:
    """The sentence every shortlist output opens with: the council's running arrangements for
    the service, or that the register holds none.

    Parameters
    ----------
    existing : pandas.DataFrame
        As :func:`subject_arrangements` returns.
    council, council_name : str
        The council's GSS code and name.
    service_name : str
        The service's plain name (e.g. "Building control").
    as_of : date-like

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> ex = pd.DataFrame([{"name": "North Worcestershire Building Control",
    ...     "members": ("Bromsgrove", "Redditch", "Wyre Forest"), "lead": "Bromsgrove",
    ...     "start": 2011, "codes": ("E07000234", "E07000236", "E07000239")}])
    >>> opening_sentence(ex, "E07000239", "Wyre Forest", "Building control", "2024-04-01")
    'Wyre Forest already shares building control with Bromsgrove (lead) and Redditch, since 2011, in North Worcestershire Building Control.'
    >>> opening_sentence(ex.iloc[0:0], "E07000239", "Wyre Forest", "Building control",
    ...                  "2024-04-01")  # doctest: +NORMALIZE_WHITESPACE
    "The register holds no running arrangement of Wyre Forest's for building control on
    1 April 2024; the register is incomplete, so there may be one it does not record."
    """
    svc = name_in_sentence(service_name)
    if existing.empty:
        return (f"The register holds no running arrangement of {council_name}'s for {svc} on "
                f"{format_date(to_date(as_of) or today(), long=True)}; the register is "
                "incomplete, so there may be one it does not record.")
    out = []
    for r in existing.itertuples(index=False):
        others = [f"{n} (lead)" if n == r.lead else str(n)
                  for c, n in zip(r.codes, r.members) if c != council]
        since = f", since {r.start}" if r.start is not None and pd.notna(r.start) else ""
        if not others:
            out.append(f"{council_name} is the only council recorded in {r.name} for {svc} "
                       f"on {format_date(to_date(as_of) or today(), long=True)}.")
        elif r.lead == council_name:
            out.append(f"{council_name} already leads a shared {svc} service with "
                       f"{_and(others)}{since}, in {r.name}.")
        else:
            out.append(f"{council_name} already shares {svc} with {_and(others)}{since}, "
                       f"in {r.name}.")
    return " ".join(out)
