"""Plain-English reasons why a set of grouping constraints cannot all be met."""

from __future__ import annotations

import numpy as np

from ..formatting import format_date

__all__ = ["explain_infeasible", "infeasible_message"]


def infeasible_message(lines: list[str]) -> str:
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
    pos = {c: i for i, c in enumerate(codes)}
    out: list[str] = []
    day = format_date(date, long=True)
    caps = None if cap is None else np.broadcast_to(np.asarray(cap), (n,))
    for s in svc:
        groups, ok, mp, fixed = enumerated[s]
        mem = groups.members
        in_fixed = {c for g in fixed for c in g}
        # together: chains longer than max_size, then pair by pair
        parent = list(range(n))

        def root(i, parent=parent):
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
        bad_comp = set()
        for r, nodes in comps.items():
            nodes = sorted(nodes)
            names = ", ".join(labels[v] for v in nodes)
            if len(nodes) > max_size:
                out.append(f"{s}: the 'together' pairs chain {names} into one group of "
                           f"{len(nodes)}, more than max_size={max_size}; raise max_size or "
                           "drop a pair from together")
                bad_comp.add(r)
                continue
            clash = [(x, y) for x, y in forbid if pos[x] in nodes and pos[y] in nodes]
            if clash:
                out.append(f"{s}: 'together' puts {names} in one group, but 'apart' keeps "
                           + "; ".join(f"{x} and {y}" for x, y in clash) + " apart; "
                           "drop one of the two")
                bad_comp.add(r)
        failed = set()
        for a, b in mp:
            if root(a) in bad_comp:
                failed |= {a, b}
                continue
            both = np.any(mem == a, axis=1) & np.any(mem == b, axis=1)
            if both.any():
                continue
            failed |= {a, b}
            why = []
            if contiguous:
                k = _hops(n, edges, ok, a, b)
                if k is None:
                    why.append(f"no chain of land borders joins them through the chosen "
                               f"councils that deliver {s} (adjacency on {day}); pass "
                               "contiguous=False, water=True, or add the councils between "
                               "them")
                elif k > max_size:
                    why.append(f"the shortest chain of neighbours joining them has {k} "
                               f"councils, more than max_size={max_size}; raise max_size or "
                               "pass contiguous=False")
            if max_distance is not None and dist[a, b] > max_distance:
                why.append(f"they are {dist[a, b]:.0f} km apart, more than "
                           f"max_distance_km={max_distance:g}")
            if not why:
                why.append("no group allowed by the other constraints (size bounds, apart, "
                           "must_group, distance) holds both")
            out.append(f"{s}: 'together' asks for {labels[a]} and {labels[b]} in one group, "
                       "but " + "; and ".join(why))
        # must_group: a group of two or more it may join
        for c in sorted(must_group):
            i = pos[c]
            if not ok[i] or c in in_fixed or i in failed:
                continue
            has = np.any(mem == i, axis=1) & (groups.sizes >= 2)
            if caps is not None:
                zero = caps <= 0
                touches_zero = np.any((mem >= 0) & zero[np.maximum(mem, 0)], axis=1)
                if zero[i] and has.any():
                    out.append(f"{s}: must_group asks {labels[i]} to join a group, but "
                               "max_new_partnerships=0 allows it no new partnership; raise "
                               "max_new_partnerships or drop it from must_group")
                    continue
                if has.any() and not (has & ~touches_zero).any():
                    out.append(f"{s}: must_group asks {labels[i]} to join a group, but "
                               "max_new_partnerships=0 bars every council it could join; "
                               "raise max_new_partnerships or drop it from must_group")
                    continue
            if has.any():
                continue
            why = ""
            if contiguous:
                nb = sorted({int(v) for u, v in edges if u == i} |
                            {int(u) for u, v in edges if v == i})
                nb_ok = [v for v in nb if ok[v]]
                apart_of = {pos[y] if x == c else pos[x] for x, y in forbid if c in (x, y)}
                if not nb:
                    why = (f"it shares a land border with none of the chosen councils on {day}; "
                           "add a neighbour, pass contiguous=False or water=True")
                elif not nb_ok:
                    why = (f"its neighbours among the chosen councils ("
                           f"{', '.join(labels[v] for v in nb)}) do not deliver {s}")
                elif set(nb_ok) <= apart_of:
                    why = ("'apart' keeps it from every neighbour it could join ("
                           f"{', '.join(labels[v] for v in nb_ok)})")
            if not why and max_distance is not None:
                why = f"no eligible council is within max_distance_km={max_distance:g} of it"
            out.append(f"{s}: must_group asks {labels[i]} to join a group, but "
                       + (why or "no group of two or more allowed by the other constraints "
                          "holds it") + "; drop it from must_group or relax the other "
                       "constraint")
    return out
