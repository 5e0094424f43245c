"""Shared arrangements already running for a service among given councils.

One public function, :func:`existing_arrangements`, built on :func:`partnerfit.links.load_links`:
the arrangements for one service running on a date that hold at least one of the given
councils, one row each, with the members among those councils, the lead (if the table names
one) and the start year. The optimiser uses it to mark each proposed group as new, extending
a running arrangement or keeping one; the shortlist will expose it as ``Shortlist.existing``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ._dates import DateLike, to_date, today
from .links import load_links
from .services import check_service

__all__ = ["EXISTING_COLUMNS", "existing_arrangements"]

EXISTING_COLUMNS = ["arrangement", "name", "model", "members", "all_members", "lead", "start"]


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
        sorted), ``all_members`` (tuple of every member on the date, sorted), ``lead`` (code of
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
        rows.append({"arrangement": arr, "name": name or arr, "model": part["model"].iloc[0],
                     "members": members, "all_members": tuple(sorted(set(part["council"]))),
                     "lead": leads[0] if leads else None,
                     "start": int(starts.min().year) if len(starts) else None})
    return pd.DataFrame(rows, columns=EXISTING_COLUMNS)

