"""Existing partnerships as candidates: "join the Anglia Revenues Partnership" next to the
single councils of a shortlist.

For the shortlist's service and date, every running arrangement that

* is of a kind a council chooses to enter (:data:`partnerfit.availability.COMMITTING_KINDS`:
  not a joint board or statutory authority, nor a strategic or pooling arrangement),
* has at least two member councils in force on the date,
* does not hold the focal council (its own arrangements are ``Shortlist.existing``), and
* is *within reach*: at least one member passed the shortlist's screening (delivers the
  service, not excluded, within ``max_distance_km``, not marked unavailable)

is a candidate in its own right. Its ``code`` is the arrangement id (never a GSS code), its
name "Join <arrangement> (<n> councils)".

**How a partnership is scored** -- on the same criteria as a council, each measured on the
member that stands for it, so the two are comparable:

* geography (``distance``, ``adjacency``, ``same_area``): the *nearest member* (smallest
  distance between council centres; ties by GSS code) -- the partnership reaches the focal
  council from there;
* fit and systems (``tier_fit``, ``systems``, ``column`` criteria) and ``sharing_record``:
  the *host*, the member whose role is lead; when the table names no lead, the nearest member
  (the host's kind of council, systems and record are the partnership's);
* ``size_ratio``: the members' *combined population* against the focal council's;
* ``direct_links`` and ``shared_partners``: the *largest* over the members (the focal
  council's strongest existing tie with any member).

The missing-data policy, value functions and weights then apply as for a council.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .availability import running_for_service
from .criteria import Context, Criterion, compute_measures

__all__ = ["HOST_MEASURES", "MAX_MEASURES", "NEAREST_MEASURES", "PARTNERSHIP_COLUMNS",
           "is_partnership", "measured_on", "partnership_candidates", "partnership_measures"]

NEAREST_MEASURES = ("distance", "adjacency", "same_area")
HOST_MEASURES = ("tier_fit", "systems", "column", "sharing_record")
MAX_MEASURES = ("direct_links", "shared_partners")
PARTNERSHIP_COLUMNS = ["name", "arrangement_name", "members", "lead", "host", "nearest",
                       "population"]


def is_partnership(code: str, partnerships: pd.DataFrame | None) -> bool:
    """Whether ``code`` is a partnership candidate's arrangement id."""
    return partnerships is not None and code in partnerships.index


def partnership_candidates(ctx: Context, focal: str, service: str, reach: list[str],
                           rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The running arrangements for ``service`` that are candidates for ``focal``.

    Parameters
    ----------
    ctx : Context
        The shortlist's context (its links and register).
    focal : str
        GSS code of the focal council.
    service : str
        Service id.
    reach : list of str
        The councils that passed the shortlist's screening; a partnership is within reach
        when one of its members is among them.
    rows : pandas.DataFrame, optional
        :func:`~partnerfit.availability.running_for_service` of the context, if already
        computed.

    Returns
    -------
    pandas.DataFrame
        Index: arrangement id (``code``); columns ``name`` ("Join X (n councils)"),
        ``arrangement_name``, ``members`` (tuple of GSS codes, sorted), ``lead`` (GSS code
        or None), ``host`` (the lead, else the nearest member), ``nearest`` (the nearest
        member) and ``population`` (combined, NaN when a member's is unknown). Sorted by id.
    """
    if rows is None:
        rows = running_for_service(ctx.links, service, ctx.as_of)
    rows = rows[rows["code"].isin(ctx.codes)]
    reach_set = set(reach)
    reg = ctx.councils
    e, n = reg["easting"].to_numpy(float), reg["northing"].to_numpy(float)
    i = ctx.codes.get_loc(focal)
    dist = dict(zip(ctx.codes, np.hypot(e - e[i], n - n[i]), strict=True))
    pop = dict(zip(ctx.codes, reg["population"].to_numpy(float), strict=True))
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for arr, name, role, code in zip(rows["arrangement"], rows["name"], rows["role"],
                                     rows["code"], strict=True):
        groups.setdefault(arr, []).append((name, role, code))
    out = []
    for arr in sorted(groups):
        g = groups[arr]
        members = tuple(sorted({c for _, _, c in g}))
        if focal in members or len(members) < 2 or not reach_set.intersection(members):
            continue
        leads = sorted({c for _, role, c in g if role == "lead"})
        nearest = min(members, key=lambda c: (dist[c], c))
        name = g[0][0]
        total = float(sum(pop[c] for c in members))  # NaN when any is unknown
        out.append({"code": arr, "name": f"Join {name} ({len(members)} councils)",
                    "arrangement_name": name, "members": members,
                    "lead": leads[0] if leads else None,
                    "host": leads[0] if leads else nearest, "nearest": nearest,
                    "population": total})
    frame = pd.DataFrame(out, columns=["code", *PARTNERSHIP_COLUMNS])
    return frame.set_index("code")


def partnership_measures(ctx: Context, focal: str, service: str,
                         criteria: Mapping[str, Criterion], partnerships: pd.DataFrame,
                         raw: Mapping[str, np.ndarray] | None = None,
                         codes: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """Raw measures of the partnership candidates, aggregated from their members as the
    module docstring says: criterion id -> array of shape (1, number of partnerships).

    ``raw`` (criterion id -> (1, len(codes)) array, as :func:`compute_measures` returns for
    ``codes``) gives measures already computed for some councils; the members not among
    ``codes`` are measured here.
    """
    members = sorted({c for m in partnerships["members"] for c in m})
    col = {c: k for k, c in enumerate(codes)}
    rest = [c for c in members if c not in col]
    known = {cid: (raw[cid][0] if raw is not None and len(codes) else np.empty(0))
             for cid in criteria}
    if rest:
        more = compute_measures(ctx, [focal], rest, service, dict(criteria))
        known = {cid: np.concatenate([known[cid], more[cid][0]]) for cid in criteria}
        col.update({c: len(codes) + k for k, c in enumerate(rest)})
    pop_focal = float(ctx.councils.at[focal, "population"])
    rows = list(zip(partnerships["nearest"], partnerships["host"], partnerships["members"],
                    partnerships["population"].astype(float), strict=True))
    out: dict[str, np.ndarray] = {}
    for cid, crit in criteria.items():
        m, x = crit.measure, known[cid]
        values = []
        for nearest, host, members_of, pop in rows:
            if m in NEAREST_MEASURES:
                values.append(x[col[nearest]])
            elif m in MAX_MEASURES:
                values.append(float(np.nanmax([x[col[c]] for c in members_of])))
            elif m == "size_ratio":
                values.append(min(pop, pop_focal) / max(pop, pop_focal)
                              if np.isfinite(pop) and pop > 0 and pop_focal > 0 else np.nan)
            else:  # HOST_MEASURES and any other: the host's
                values.append(x[col[host]])
        dtype = object if x.dtype == object else float
        out[cid] = np.array([values], dtype=dtype).reshape(1, len(partnerships))
    return out


def measured_on(row: pd.Series, measure: str, names: pd.Series) -> str:
    """Which member a partnership's measure was taken on, as words to append to it:
    " (nearest member: East Cambridgeshire)", " (host: Breckland)", " (best of the members)"
    ("" for the combined population, which says so itself)."""
    if measure in NEAREST_MEASURES:
        return f" (nearest member: {names.get(row['nearest'], row['nearest'])})"
    if measure in MAX_MEASURES:
        return " (the most with any member)"
    if measure == "size_ratio":
        return ""
    who = "host" if row["lead"] is not None else "nearest member, no host recorded"
    return f" ({who}: {names.get(row['host'], row['host'])})"
