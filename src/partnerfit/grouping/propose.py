"""``propose_groupings``: the optimiser applied to real councils and services.

Value of a group
----------------
For each service, the pair score ``s[a, b]`` is :func:`partnerfit.scoring.pairwise_scores`
(the shortlist's criteria, value functions and weights, 0-100, symmetric). The value of a
group is the sum over its pairs of ``s[a, b] - min_pair_score`` (default 50, the neutral
score). A council alone scores 0, so a pair is grouped only when its score beats
``min_pair_score`` on balance, and poor pairs are never forced together just to collect
points (with ``min_pair_score=0`` every feasible grouping beats staying alone). The plan's
objective is the sum of the chosen groups' values over all services, plus ``consistency``
for every council pair that shares a group in each service beyond the first (see
:func:`partnerfit.grouping.solve_services`). Every service is solved jointly and exactly:
the plan carries the proven bound and relative gap.

Constraints
-----------
Councils whose tier does not deliver a service (:func:`partnerfit.services.tier_delivers`)
take no part in that service. Groups of two or more have ``min_size..max_size`` members and,
with ``contiguous=True``, are connected on the register's adjacency on ``as_of`` restricted to
the chosen councils (land borders; across water too with ``water=True``). With
``keep_existing=True``, the arrangements running on ``as_of`` for a service
(:func:`partnerfit.links.load_links`) are kept as fixed groups: the members inside the chosen
set (and eligible) of each arrangement form one group; arrangements sharing a council are
merged; an arrangement with only one member inside the chosen set fixes nothing. Fixed groups
are exempt from the size, contiguity and distance rules.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .._dates import DateLike, to_date, today
from ..errors import DataValidationError, InfeasibleError, UnknownCouncilError
from ..register import adjacency, distance_matrix, find_council, load_councils
from ..services import check_service, tier_delivers
from .enumerate import enumerate_groups
from .multi import ServiceProblem, solve_services
from .plan import Plan, PlanSpec, build_plan
from .values import group_values

__all__ = ["propose_groupings", "select_councils"]

_SELECTORS = ("region", "county", "nation")


def select_councils(selector: str, as_of: DateLike = None) -> list[str]:
    """Councils in force on ``as_of`` picked by a selector string.

    Parameters
    ----------
    selector : str
        ``"region:<name>"`` (every council of the English region, all tiers),
        ``"county:<county name>"`` (the districts of that county in force on the date) or
        ``"nation:<England|Wales|Scotland|Northern Ireland>"``. Matching ignores case.
    as_of : date-like, optional
        Date (default today).

    Returns
    -------
    list of str
        GSS codes, sorted.

    Raises
    ------
    DataValidationError
        If the selector is malformed or matches no council (the message lists valid values).
    UnknownCouncilError
        If the county of ``county:`` cannot be found.
    """
    date = to_date(as_of) or today()
    kind, sep, value = str(selector).partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if not sep or kind not in _SELECTORS or not value:
        raise DataValidationError("councils selector", [
            (f"{selector!r} is not a selector; write 'region:<name>', 'county:<name>' or "
            "'nation:<name>', or give a list of council names or codes")])
    reg = load_councils(date)
    if kind == "county":
        code = find_council(value, date)
        if reg.at[code, "tier"] != "county":
            raise DataValidationError("councils selector", [
                f"{selector!r}: {reg.at[code, 'name']} ({code}) is a "
                f"{reg.at[code, 'tier']}, not a county; counties on {date:%Y-%m-%d}: "
                + ", ".join(sorted(reg.loc[reg["tier"] == "county", "name"]))])
        out = reg.index[reg["county"] == code]
    else:
        col = reg[kind].fillna("").astype(str)
        out = reg.index[col.str.lower() == value.lower()]
        if len(out) == 0:
            valid = sorted(v for v in col.unique() if v)
            raise DataValidationError("councils selector", [
                (f"{selector!r} matches no council in force on {date:%Y-%m-%d}; valid "
                f"{kind} values: {', '.join(valid)}")])
    if len(out) == 0:
        raise DataValidationError("councils selector", [
            f"{selector!r} matches no council in force on {date:%Y-%m-%d}"])
    return sorted(out)


def _resolve(councils, date) -> list[str]:
    if isinstance(councils, str):
        if ":" in councils:
            return select_councils(councils, date)
        raise DataValidationError("councils", [
            (f"{councils!r} is a single council; give a list of councils or a selector such "
            "as 'county:Lancashire'")])
    codes, errors, seen, dups = [], [], {}, []
    for q in councils:
        try:
            c = find_council(q, date)
        except UnknownCouncilError as exc:
            errors.append(exc)
            continue
        if c in seen:
            dups.append(f"{q!r} and {seen[c]!r} are the same council ({c})")
        else:
            seen[c] = q
            codes.append(c)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise UnknownCouncilError(
            f"{len(errors)} councils could not be found:\n" +
            "\n".join(f"  - {e}" for e in errors),
            [s for e in errors for s in e.suggestions])
    if dups:
        raise DataValidationError("councils", [d + "; give each council once" for d in dups])
    return sorted(codes)


def _pairs(name: str, pairs, date, pos, problems) -> list[tuple[str, str]]:
    out = []
    for item in pairs or ():
        if isinstance(item, str) or len(item) != 2:
            problems.append(f"{name}: {item!r} is not a pair of councils")
            continue
        a, b = (find_council(x, date) for x in item)
        miss = [x for x in (a, b) if x not in pos]
        if miss:
            problems.append(f"{name}: {item!r} names {miss}, not among the chosen councils")
        elif a == b:
            problems.append(f"{name}: {item!r} pairs a council with itself")
        else:
            out.append(tuple(sorted((a, b))))
    return out


def _fixed_groups(service, date, links, pos, eligible) -> list[list[str]]:
    from ..links import load_links

    lk = load_links(date, links=links)
    lk = lk[(lk["service"] == service) & lk["council"].isin(eligible)]
    parts = [set(g) for _, g in lk.groupby("arrangement", sort=True)["council"] if len(set(g)) > 1]
    merged: list[set] = []
    for p in parts:  # merge arrangements that share a council
        hit = [m for m in merged if m & p]
        for m in hit:
            merged.remove(m)
            p |= m
        merged.append(p)
    return sorted((sorted(m) for m in merged), key=lambda g: g[0])


def propose_groupings(
    councils: Iterable[str] | str,
    services: str | Iterable[str],
    *,
    as_of: DateLike = None,
    min_size: int = 2,
    max_size: int = 4,
    contiguous: bool = True,
    water: bool = False,
    max_distance_km: float | None = None,
    must_group: Iterable[str] = (),
    together: Iterable[Sequence[str]] = (),
    apart: Iterable[Sequence[str]] = (),
    exclude: Iterable[str] = (),
    keep_existing: bool = False,
    max_new_partnerships=None,
    weights=None,
    links=None,
    systems=None,
    consistency=0.0,
    min_pair_score: float = 50.0,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
) -> Plan:
    """Propose partner groupings for a set of councils and one or more services.

    Parameters
    ----------
    councils : iterable of str or str
        Names or codes (resolved on ``as_of``), or a selector such as
        ``"region:North West"``, ``"county:Lancashire"`` or ``"nation:Wales"``
        (see :func:`select_councils`).
    services : str or iterable of str
        Service ids.
    as_of : date-like, optional
        Date of the map, arrangements and systems (default today).
    min_size, max_size : int
        Bounds on the size of a group of two or more (a council may also stay alone).
    contiguous : bool
        Groups must be connected on the adjacency graph of the date.
    water : bool
        Count councils facing each other across water as adjacent.
    max_distance_km : float, optional
        Largest centroid distance between any two members of a group.
    must_group : iterable of str
        Councils that may not stay alone (in every service they deliver).
    together, apart : iterable of (str, str)
        Pairs that must / must not share a group (``together`` applies in the services both
        deliver).
    exclude : iterable of str
        Councils removed from the chosen set (each must be in it).
    keep_existing : bool
        Keep the arrangements running on ``as_of`` as fixed groups (see module docstring).
    max_new_partnerships : int or sequence of int, optional
        Per council (in sorted code order when a sequence), the largest number of distinct
        new groups it may join across all services; a group shared by several services
        counts once; existing arrangements are not new.
    weights, links, systems
        As for :func:`partnerfit.shortlist`.
    consistency : float or array_like, default 0.0
        Value per council pair for each service it shares beyond the first (points on the
        pair-score scale); an array is ``(n, n)`` in sorted code order.
    min_pair_score : float, default 50.0
        Pair score (0-100) below which pairing loses value; see the module docstring.
    solver : {"highs", "cbc"}
    time_limit : float, optional
        Seconds for the whole solve; the best plan and its proven gap are returned.
    mip_gap : float, default 0.0
        Relative gap at which to stop.

    Returns
    -------
    Plan
        ``.groups`` one row per (group, service, council) with role and delivery model;
        ``.objective``, ``.bound``, ``.gap``, ``.status``; ``.verify()``.

    Raises
    ------
    UnknownCouncilError
        If a council cannot be found (close matches suggested).
    UnknownServiceError
        If a service id is not in the catalogue.
    DataValidationError
        If arguments are malformed (all problems listed).
    InfeasibleError
        If the constraints cannot all be met (the councils in conflict are named).
    """
    from ..scoring import pairwise_scores

    date = to_date(as_of) or today()
    svc = [services] if isinstance(services, str) else list(services)
    if not svc:
        raise DataValidationError("services", ["no service given"])
    for s in svc:
        check_service(s)
    if len(set(svc)) != len(svc):
        raise DataValidationError("services", [f"services listed twice: {svc}"])
    codes = _resolve(councils, date)
    problems: list[str] = []
    excl = []
    for x in exclude:
        c = find_council(x, date)
        if c not in codes:
            problems.append(f"exclude: {x!r} ({c}) is not among the chosen councils")
        excl.append(c)
    codes = [c for c in codes if c not in set(excl)]
    if len(codes) < 1:
        problems.append("no council left to group")
    if problems:
        raise DataValidationError("propose_groupings arguments", problems)
    pos = {c: i for i, c in enumerate(codes)}
    must_pairs = _pairs("together", together, date, pos, problems)
    forbid = _pairs("apart", apart, date, pos, problems)
    must_alone_not = set()
    for x in must_group:
        c = find_council(x, date)
        if c not in pos:
            problems.append(f"must_group: {x!r} ({c}) is not among the chosen councils")
        must_alone_not.add(c)
    clash = set(must_pairs) & set(forbid)
    problems += [f"{a} and {b} are both 'together' and 'apart'" for a, b in sorted(clash)]
    if problems:
        raise DataValidationError("propose_groupings arguments", problems)

    reg = load_councils(date).loc[codes]
    n = len(codes)
    adj = adjacency(date, water=water)
    inside = adj[adj["a"].isin(pos) & adj["b"].isin(pos)]
    edges = np.array([[pos[a], pos[b]] for a, b in zip(inside["a"], inside["b"])],
                     dtype=np.int64).reshape(-1, 2)
    dist = distance_matrix(codes).to_numpy() if max_distance_km is not None else None
    t0 = time.perf_counter()
    problems_by_s, eligible, value_fns, fixed_codes = {}, {}, {}, {}
    must_all = np.array([c in must_alone_not for c in codes], dtype=bool)
    for s in svc:
        ok = np.array([tier_delivers(reg.at[c, "tier"], s) for c in codes], dtype=bool)
        if not ok.any():
            tiers = ", ".join(sorted(set(reg["tier"])))
            raise DataValidationError("propose_groupings", [
                (f"none of the chosen councils delivers {s!r} (their tiers: {tiers}); drop the "
                "service or choose councils of a tier that delivers it")])
        eligible[s] = {c for c, k in zip(codes, ok) if k}
        score = pairwise_scores(codes, s, as_of=date, weights=weights, links=links,
                                systems=systems).loc[codes, codes].to_numpy(dtype=float)
        score = score - float(min_pair_score)
        np.fill_diagonal(score, 0.0)
        existing = _fixed_groups(s, date, links, pos, eligible[s])
        fixed = existing if keep_existing else []
        fixed_codes[s] = fixed
        fixed_idx = [[pos[c] for c in g] for g in fixed]
        mp = [(pos[a], pos[b]) for a, b in must_pairs if ok[pos[a]] and ok[pos[b]]]
        fp = [(pos[a], pos[b]) for a, b in forbid]
        for g in fixed:
            for a, b in must_pairs:
                if (a in g) != (b in g) and a in eligible[s] and b in eligible[s]:
                    raise InfeasibleError(f"{s}: {a} and {b} must be together, but the kept "
                                          f"arrangement {g} holds only one of them")
            for a, b in forbid:
                if a in g and b in g:
                    raise InfeasibleError(f"{s}: {a} and {b} must be apart, but the kept "
                                          f"arrangement {g} holds both")
        groups = enumerate_groups(n, edges, min_size, max_size, allowed=ok,
                                  forbidden_pairs=np.array(fp, np.int64).reshape(-1, 2),
                                  must_pairs=np.array(mp, np.int64).reshape(-1, 2),
                                  max_distance=max_distance_km, distance=dist,
                                  contiguous=contiguous, include=fixed_idx or None)
        values = group_values(groups, pairwise=score, labels=codes)
        problems_by_s[s] = ServiceProblem(groups, values, fixed_groups=fixed_idx or None,
                                          must_group_nodes=must_all & ok,
                                          existing_groups=[[pos[c] for c in g]
                                                           for g in existing] or None)
        value_fns[s] = (lambda g, m=score: float(sum(m[a, b] for i, a in enumerate(g)
                                                     for b in g[i + 1:])))
    if max_new_partnerships is not None and np.ndim(max_new_partnerships) == 0:
        cap = int(max_new_partnerships)
    else:
        cap = max_new_partnerships
    res = solve_services(problems_by_s, consistency=consistency, solver=solver,
                         time_limit=time_limit, mip_gap=mip_gap, max_new_partnerships=cap,
                         labels=[f"{reg.at[c, 'name']} ({c})" for c in codes])
    chosen = {s: [[int(v) for v in problems_by_s[s].groups.members[j] if v >= 0]
                  for j in res.chosen[s]] for s in svc}
    beta = consistency if np.ndim(consistency) == 0 else np.asarray(consistency, float)
    spec = PlanSpec(codes=codes, eligible=eligible, value_functions=value_fns,
                    min_size=min_size, max_size=max_size, edges=edges, contiguous=contiguous,
                    max_distance=max_distance_km, distance=dist, must_pairs=must_pairs,
                    forbidden_pairs=forbid, must_group=must_alone_not, fixed=fixed_codes,
                    consistency=beta)
    attrs = pd.DataFrame({"population": reg["population"], "tier": reg["tier"]})
    return build_plan(chosen, spec, objective=res.objective, bound=res.bound,
                      status=res.status, solver=solver, time_s=time.perf_counter() - t0,
                      n_columns=sum(len(p.groups) for p in problems_by_s.values()),
                      names=reg["name"].tolist(), attributes=attrs)
