"""Plain-English reasons why a set of grouping constraints cannot all be met."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..formatting import format_date

__all__ = ["explain_infeasible", "infeasible_message"]


def infeasible_message(lines: list[str]) -> str:
    """The error message listing each reason on its own line."""
    return "No plan meets these constraints:\n" + "\n".join(f"  - {x}" for x in lines)


def _hops(n: int, edges: np.ndarray, allowed: np.ndarray, a: int, b: int):
    """Councils on the shortest chain of neighbours from a to b (through allowed nodes)."""
    adj: dict[int, list[int]] = {}
    for u, v in edges:
        if allowed[u] and allowed[v]:
            adj.setdefault(int(u), []).append(int(v))
            adj.setdefault(int(v), []).append(int(u))
    depth = {a: 1}
    frontier = [a]
    while frontier:
        nxt = []
        for u in frontier:
            for v in adj.get(u, ()):
                if v not in depth:
                    depth[v] = depth[u] + 1
                    nxt.append(v)
        frontier = nxt
    return depth.get(b)


def explain_infeasible(svc, enumerated, codes, labels, edges, contiguous, min_size, max_size,
                       max_distance, dist, must_pairs, forbid, must_group, cap, eligible, date):
    """Plain-English reasons why the constraints cannot all be met (empty if none found).

    Checked before solving: pairs that must be together but no allowed group holds both,
    and councils that must be grouped but have no group of two or more they may join.
    """
    n = len(codes)
    why = _Why(codes, labels, edges, contiguous, max_size, max_distance, dist, forbid,
               format_date(date, long=True),
               None if cap is None else np.broadcast_to(np.asarray(cap), (n,)))
    out: list[str] = []
    for s in svc:
        groups, ok, mp, fixed = enumerated[s]
        failed = _together_problems(s, groups, ok, mp, why, out)
        in_fixed = {c for g in fixed for c in g}
        for c in sorted(must_group):
            i = why.pos[c]
            if ok[i] and c not in in_fixed and i not in failed:
                out += _must_group_problems(s, i, groups, ok, why)
    return out


@dataclass
class _Why:
    """What the explanations read: names, map, size and distance rules, pairs kept apart."""

    codes: list
    labels: list
    edges: np.ndarray
    contiguous: bool
    max_size: int
    max_distance: float | None
    dist: np.ndarray | None
    forbid: list
    day: str
    caps: np.ndarray | None

    @property
    def pos(self) -> dict:
        return {c: i for i, c in enumerate(self.codes)}


def _chains(mp: list[tuple[int, int]], n: int) -> tuple[list[int], dict[int, list[int]]]:
    """Union-find over the 'together' pairs: the root of each node and each chain's nodes."""
    parent = list(range(n))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in mp:
        parent[root(a)] = root(b)
    comps: dict[int, list[int]] = {}
    for a, b in mp:
        for v in (a, b):
            comps.setdefault(root(v), [])
            if v not in comps[root(v)]:
                comps[root(v)].append(v)
    return [root(i) for i in range(n)], comps


def _together_problems(s, groups, ok, mp, why: _Why, out: list[str]) -> set:
    """Explain 'together' chains and pairs no group can hold (appended to ``out``); return
    the councils of the failed pairs."""
    roots, comps = _chains(mp, len(why.codes))
    bad_comp = set()
    for r, nodes in comps.items():
        problem = _chain_problem(s, sorted(nodes), why)
        if problem:
            out.append(problem)
            bad_comp.add(r)
    failed = set()
    mem = groups.members
    for a, b in mp:
        if roots[a] in bad_comp:
            failed |= {a, b}
            continue
        both = np.any(mem == a, axis=1) & np.any(mem == b, axis=1)
        if both.any():
            continue
        failed |= {a, b}
        out.append(f"{s}: 'together' asks for {why.labels[a]} and {why.labels[b]} in one "
                   "group, but " + "; and ".join(_pair_reasons(s, a, b, ok, why)))
    return failed


def _chain_problem(s, nodes: list[int], why: _Why) -> str | None:
    """Why one chain of 'together' pairs cannot be one group (None if it can)."""
    names = ", ".join(why.labels[v] for v in nodes)
    if len(nodes) > why.max_size:
        return (f"{s}: the 'together' pairs chain {names} into one group of "
                f"{len(nodes)}, more than max_size={why.max_size}; raise max_size or "
                "drop a pair from together")
    pos = why.pos
    clash = [(x, y) for x, y in why.forbid if pos[x] in nodes and pos[y] in nodes]
    if clash:
        return (f"{s}: 'together' puts {names} in one group, but 'apart' keeps "
                + "; ".join(f"{x} and {y}" for x, y in clash) + " apart; "
                "drop one of the two")
    return None


def _pair_reasons(s, a: int, b: int, ok, why: _Why) -> list[str]:
    """Why no group holds both councils of a 'together' pair."""
    reasons = []
    max_size = why.max_size
    if why.contiguous:
        k = _hops(len(why.codes), why.edges, ok, a, b)
        if k is None:
            reasons.append(f"no chain of land borders joins them through the chosen "
                           f"councils that deliver {s} (adjacency on {why.day}); pass "
                           "contiguous=False, water=True, or add the councils between "
                           "them")
        elif k > max_size:
            reasons.append(f"the shortest chain of neighbours joining them has {k} "
                           f"councils, more than max_size={max_size}; raise max_size or "
                           "pass contiguous=False")
    if why.max_distance is not None and why.dist is not None and \
            why.dist[a, b] > why.max_distance:
        reasons.append(f"they are {why.dist[a, b]:.0f} km apart, more than "
                       f"max_distance_km={why.max_distance:g}")
    if not reasons:
        reasons.append("no group allowed by the other constraints (size bounds, apart, "
                       "must_group, distance) holds both")
    return reasons


def _must_group_problems(s, i: int, groups, ok, why: _Why) -> list[str]:
    """Why council ``i`` cannot join a group of two or more (empty if it can)."""
    mem = groups.members
    name = why.labels[i]
    has = np.any(mem == i, axis=1) & (groups.sizes >= 2)
    if why.caps is not None:
        zero = why.caps <= 0
        touches_zero = np.any((mem >= 0) & zero[np.maximum(mem, 0)], axis=1)
        if zero[i] and has.any():
            return [(f"{s}: must_group asks {name} to join a group, but "
                     "max_new_partnerships=0 allows it no new partnership; raise "
                     "max_new_partnerships or drop it from must_group")]
        if has.any() and not (has & ~touches_zero).any():
            return [(f"{s}: must_group asks {name} to join a group, but "
                     "max_new_partnerships=0 bars every council it could join; "
                     "raise max_new_partnerships or drop it from must_group")]
    if has.any():
        return []
    reason = _alone_reason(s, i, ok, why) if why.contiguous else ""
    if not reason and why.max_distance is not None:
        reason = f"no eligible council is within max_distance_km={why.max_distance:g} of it"
    return [f"{s}: must_group asks {name} to join a group, but "
            + (reason or "no group of two or more allowed by the other constraints "
               "holds it") + "; drop it from must_group or relax the other constraint"]


def _alone_reason(s, i: int, ok, why: _Why) -> str:
    """Why council ``i`` has no neighbour to join on the map ("" if it has)."""
    c, labels, pos = why.codes[i], why.labels, why.pos
    nb = sorted({int(v) for u, v in why.edges if u == i} |
                {int(u) for u, v in why.edges if v == i})
    nb_ok = [v for v in nb if ok[v]]
    apart_of = {pos[y] if x == c else pos[x] for x, y in why.forbid if c in (x, y)}
    if not nb:
        return (f"it shares a land border with none of the chosen councils on {why.day}; "
                "add a neighbour, pass contiguous=False or water=True")
    if not nb_ok:
        return (f"its neighbours among the chosen councils ("
                f"{', '.join(labels[v] for v in nb)}) do not deliver {s}")
    if set(nb_ok) <= apart_of:
        return ("'apart' keeps it from every neighbour it could join ("
                f"{', '.join(labels[v] for v in nb_ok)})")
    return ""
