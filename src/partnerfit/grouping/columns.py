"""Enumerate the feasible groups (columns) of the set-partitioning model.

A *group* is a set of node indices ``0 .. n_nodes-1``. With ``contiguous=True`` a group
must induce a connected subgraph of the adjacency graph; otherwise any set of nodes
qualifies (optionally limited by a maximum pairwise distance).

Algorithm
---------
Vectorised frontier growth: level ``k`` holds every feasible group of size ``k`` as a
row of a sorted integer array. Level ``k+1`` is built by joining each row with every
neighbour of each of its members (one CSR gather), dropping candidates that repeat a
member or break a *hereditary* constraint (forbidden pair, maximum distance, allowed
mask), sorting each candidate row and removing duplicates through a single integer key
per row (base-``n`` encoding; ``np.unique(axis=0)`` when the key would overflow).
Every connected set of size ``k+1`` contains a connected subset of size ``k`` (drop a
leaf of a spanning tree), and every hereditary constraint that holds for a set holds for
its subsets, so the growth is exact. Non-hereditary constraints (``must_pairs``, the
minimum size) are applied to the output only. Without contiguity, growth uses canonical
extension (new node larger than every member), which needs no de-duplication.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..errors import DataValidationError
from . import clock

__all__ = ["GroupTotal", "Groups", "enumerate_groups", "groups_from_lists"]

_MAX_COLUMNS_DEFAULT = 5_000_000
_CHUNK = 20_000  # rows of a level extended at once between reads of the clock


@dataclass(frozen=True, eq=False)
class Groups:
    """Candidate groups (columns of the partitioning model).

    Attributes
    ----------
    members : numpy.ndarray
        ``(m, max_size)`` int array; row ``g`` lists the nodes of group ``g`` in ascending
        order, padded with ``-1``. Rows are ordered by size, then lexicographically.
    n_nodes : int
        Number of nodes of the instance (indices ``0 .. n_nodes-1``).
    active : numpy.ndarray
        ``(n_nodes,)`` bool: nodes that must be covered by exactly one chosen group.
        Nodes outside ``active`` (``allowed=False``) take no part in the partition.
    complete : bool
        False when the enumeration ran out of time before its largest size: the groups
        are every feasible group up to the size it reached, so a plan over them is valid
        but no bound over them holds for the full problem.
    """

    members: np.ndarray
    n_nodes: int
    active: np.ndarray
    _keys: dict = field(default_factory=dict, repr=False)
    complete: bool = True

    def __len__(self) -> int:
        return int(self.members.shape[0])

    @property
    def sizes(self) -> np.ndarray:
        """Number of members of each group, shape ``(m,)``."""
        return (self.members >= 0).sum(axis=1)

    @property
    def max_size(self) -> int:
        """Width of :attr:`members` (largest group size)."""
        return int(self.members.shape[1])

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(indptr, indices)``: the members of group ``g`` are
        ``indices[indptr[g]:indptr[g+1]]``."""
        sizes = self.sizes
        indptr = np.concatenate([[0], np.cumsum(sizes)])
        return indptr, self.members[self.members >= 0]

    def incidence(self) -> sp.csc_matrix:
        """Node-by-group 0/1 incidence matrix (``n_nodes x m``, CSC)."""
        indptr, indices = self.csr()
        data = np.ones(indices.shape[0], dtype=np.float64)
        return sp.csc_matrix((data, indices, indptr), shape=(self.n_nodes, len(self)))

    def as_lists(self) -> list[list[int]]:
        """Groups as Python lists of node indices."""
        return [[int(v) for v in row if v >= 0] for row in self.members]

    def index_of(self, group: Iterable[int]) -> int:
        """Row index of ``group`` (any order of its nodes), or ``-1`` if absent."""
        key = tuple(sorted(int(v) for v in group))
        lookup = self._keys.get("lookup")
        if lookup is None:
            lookup = {tuple(int(v) for v in row if v >= 0): i for i, row in
                      enumerate(self.members)}
            self._keys["lookup"] = lookup
        return lookup.get(key, -1)

    def subset(self, mask_or_index: np.ndarray) -> Groups:
        """Groups selected by a boolean mask or an index array (same nodes)."""
        return Groups(self.members[mask_or_index], self.n_nodes, self.active.copy(),
                      complete=self.complete)


@dataclass(frozen=True)
class GroupTotal:
    """Bounds on a group's total of a per-council quantity (e.g. population, cost base).

    They hold for every group of two or more councils (a council staying alone forms no
    group), as the floor of spopt's max-p regions does.

    Attributes
    ----------
    name : str
        What is summed, in words, for messages (e.g. ``"population"``).
    values : array_like of shape (n_nodes,)
        The quantity of each council: finite and not negative.
    minimum, maximum : float, optional
        Smallest and largest total a group may have.

    Examples
    --------
    >>> GroupTotal("population", [100, 250], minimum=300).minimum
    300
    """

    name: str
    values: object
    minimum: float | None = None
    maximum: float | None = None


def groups_from_lists(
    lists: Sequence[Iterable[int]], n_nodes: int, *, active: np.ndarray | None = None
) -> Groups:
    """Build a :class:`Groups` object from explicit node lists (sorted, de-duplicated).

    Parameters
    ----------
    lists : sequence of iterables of int
        One node list per group.
    n_nodes : int
        Number of nodes.
    active : numpy.ndarray of bool, optional
        Nodes to cover; default all.
    """
    rows = sorted({tuple(sorted(int(v) for v in g)) for g in lists}, key=lambda t: (len(t), t))
    width = max((len(r) for r in rows), default=1)
    members = np.full((len(rows), width), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        if len(set(r)) != len(r):
            raise DataValidationError("groups", [f"group {list(r)} repeats a node"])
        members[i, : len(r)] = r
    if members.size and (members.max() >= n_nodes):
        raise DataValidationError("groups", [f"a group uses a node index >= n_nodes={n_nodes}"])
    act = np.ones(n_nodes, dtype=bool) if active is None else np.asarray(active, bool).copy()
    return Groups(members, n_nodes, act)


def _pair_keys(pairs: np.ndarray, n: int) -> np.ndarray:
    lo = np.minimum(pairs[:, 0], pairs[:, 1]).astype(np.int64)
    hi = np.maximum(pairs[:, 0], pairs[:, 1]).astype(np.int64)
    return np.unique(lo * n + hi)


def _check_pairs(name: str, pairs, n: int, problems: list[str]) -> np.ndarray:
    if pairs is None:
        return np.zeros((0, 2), dtype=np.int64)
    arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2) if len(pairs) else np.zeros(
        (0, 2), dtype=np.int64)
    for i, (a, b) in enumerate(arr):
        if not (0 <= a < n and 0 <= b < n):
            problems.append(f"{name} row {i}: node index ({a}, {b}) is outside 0..{n - 1}")
        elif a == b:
            problems.append(f"{name} row {i}: pair ({a}, {b}) joins a node to itself")
    return arr


def _row_keys(rows: np.ndarray, n: int) -> np.ndarray | None:
    """Encode sorted rows as int64 keys (base n); None if that could overflow."""
    k = rows.shape[1]
    if k * np.log2(max(n, 2)) >= 62:
        return None
    key = np.zeros(rows.shape[0], dtype=np.int64)
    for p in range(k):
        key = key * n + rows[:, p]
    return key


def _unique_rows(rows: np.ndarray, n: int) -> np.ndarray:
    keys = _row_keys(rows, n)
    if keys is None:
        return np.unique(rows, axis=0)
    _, idx = np.unique(keys, return_index=True)
    return rows[idx]  # np.unique sorts keys -> rows in lexicographic order


def enumerate_groups(
    n_nodes: int,
    edges,
    min_size: int = 2,
    max_size: int = 4,
    *,
    allowed=None,
    allow_alone=True,
    forbidden_pairs=None,
    must_pairs=None,
    max_distance: float | None = None,
    distance=None,
    contiguous: bool = True,
    include: Sequence[Iterable[int]] | None = None,
    max_columns: int = _MAX_COLUMNS_DEFAULT,
    time_limit: float | None = None,
    totals: Sequence[GroupTotal] | None = None,
) -> Groups:
    """Enumerate every feasible group of ``min_size..max_size`` nodes (plus singletons).

    Parameters
    ----------
    n_nodes : int
        Number of nodes; nodes are ``0 .. n_nodes-1``.
    edges : array_like of shape (E, 2)
        Undirected adjacency (index pairs). Used when ``contiguous=True``.
    min_size, max_size : int
        Size bounds for groups of two or more (``1 <= min_size <= max_size``).
    allowed : array_like of bool, optional
        Nodes that take part (e.g. eligible for the service). Others are left out of every
        group and need not be covered.
    allow_alone : bool or array_like of bool, default True
        Whether a node may stay alone (adds singleton groups), for all nodes or per node.
        Singletons are also added for every node when ``min_size == 1``.
    forbidden_pairs : array_like of shape (F, 2), optional
        Pairs that must not share a group.
    must_pairs : array_like of shape (P, 2), optional
        Pairs that must share a group: a group holding one of them must hold both.
    max_distance : float, optional
        Largest allowed distance between any two members; needs ``distance``.
    distance : array_like of shape (n_nodes, n_nodes), optional
        Symmetric distance matrix used with ``max_distance``.
    contiguous : bool, default True
        Require each group to be connected in the adjacency graph. If False, any set of
        nodes qualifies (within ``max_distance`` when given).
    include : sequence of node lists, optional
        Extra groups added whatever the rules above (e.g. existing arrangements to keep).
    max_columns : int
        Safety limit on the number of groups; a clear error is raised beyond it.
    time_limit : float, optional
        Seconds the enumeration may take (read from :func:`partnerfit.grouping.clock.now`).
        When it runs out, the sizes completed so far are returned with
        ``complete=False`` (the size being built is dropped, so every size returned is
        whole).
    totals : sequence of GroupTotal, optional
        Bounds on each group's total population, cost base or other quantity (groups of
        two or more; ``include`` groups are exempt).

    Returns
    -------
    Groups
        Candidate groups, rows sorted by size then lexicographically.

    Raises
    ------
    DataValidationError
        If an argument is malformed (all problems listed at once) or the enumeration
        would exceed ``max_columns``.
    """
    n = int(n_nodes)
    deadline = None if time_limit is None else clock.now() + float(time_limit)
    rules = _read_rules(n_nodes, edges, min_size, max_size, allowed, allow_alone, forbidden_pairs,
                        must_pairs, max_distance, distance, totals)
    levels = _grow_levels(rules, max_size, contiguous, max_columns, deadline)
    complete = len(levels) >= max_size or levels[-1].shape[0] == 0
    members = _must_pairs_kept(_stack_levels(levels, rules.alone, min_size, max_size),
                               rules.must)
    members = _floors_kept(members, rules.totals)
    if include:
        members = _with_included(members, include, rules.allow, n, max_size)
    return Groups(members.astype(np.int64), n, rules.allow, complete=complete)


@dataclass(frozen=True)
class _Rules:
    """The checked arguments of :func:`enumerate_groups`."""

    n: int
    edges: np.ndarray  # (E, 2) node index pairs
    allow: np.ndarray  # bool per node: takes part
    alone: np.ndarray  # bool per node: may stay alone
    forbidden_keys: np.ndarray | None  # sorted pair keys a * n + b (a < b), or None
    must: np.ndarray  # (P, 2) pairs that must share a group
    distance: np.ndarray | None
    max_distance: float | None
    totals: tuple = ()  # (values, minimum or None, maximum or None) per GroupTotal


def _read_rules(n_nodes, edges, min_size, max_size, allowed, allow_alone, forbidden_pairs,
                must_pairs, max_distance, distance, totals=None) -> _Rules:
    """Check every argument, list all problems at once, and return the rules."""
    n = int(n_nodes)
    problems: list[str] = []
    if n < 1:
        problems.append(f"n_nodes must be at least 1 (got {n_nodes})")
    if not (1 <= min_size <= max_size):
        problems.append(f"need 1 <= min_size <= max_size (got min_size={min_size}, "
                        f"max_size={max_size})")
    edges_arr = np.asarray(edges if edges is not None else np.zeros((0, 2)), dtype=np.int64)
    edges_arr = edges_arr.reshape(-1, 2) if edges_arr.size else np.zeros((0, 2), np.int64)
    if edges_arr.size and (edges_arr.min() < 0 or edges_arr.max() >= n):
        problems.append(f"edges use node indices outside 0..{n - 1}")
    forb = _check_pairs("forbidden_pairs", forbidden_pairs, n, problems)
    must = _check_pairs("must_pairs", must_pairs, n, problems)
    if allowed is None:
        allow = np.ones(max(n, 0), dtype=bool)
    else:
        allow = np.asarray(allowed, dtype=bool).copy()
        if allow.shape != (n,):
            problems.append(f"allowed must have shape ({n},), got {allow.shape}")
    alone = np.broadcast_to(np.asarray(allow_alone, dtype=bool), (max(n, 0),)).copy() \
        if np.ndim(allow_alone) == 0 or np.shape(allow_alone) == (n,) else None
    if alone is None:
        problems.append(f"allow_alone must be a bool or have shape ({n},)")
    dist = _distance(n, max_distance, distance, problems)
    checked_totals = _read_totals(totals, n, problems)
    if problems or alone is None:
        raise DataValidationError("enumerate_groups arguments", problems)
    if min_size == 1:
        alone[:] = True
    forb_keys = _pair_keys(forb, n) if len(forb) else None
    return _Rules(n, edges_arr, allow, alone, forb_keys, must, dist, max_distance,
                  checked_totals)


def _read_totals(totals, n: int, problems: list[str]) -> tuple:
    """The group totals as (values, minimum, maximum); problems noted in plain words."""
    out = []
    for t in totals or ():
        vals = np.asarray(t.values, dtype=float)
        if vals.shape != (n,):
            problems.append(f"{t.name}: need one value per council ({n}), got shape "
                            f"{vals.shape}")
            continue
        bad = np.flatnonzero(~np.isfinite(vals) | (vals < 0))
        if len(bad):
            problems.append(f"{t.name} is unknown or negative for council(s) at position "
                            f"{', '.join(str(int(i)) for i in bad[:10])}; give a value for "
                            f"each, or drop the {t.name} limits")
        lo, hi = t.minimum, t.maximum
        if lo is not None and hi is not None and lo > hi:
            problems.append(f"{t.name}: the minimum {lo:g} is above the maximum {hi:g}")
        out.append((vals, lo, hi))
    return tuple(out)


def _floors_kept(members: np.ndarray, totals: tuple) -> np.ndarray:
    """Groups of two or more whose totals reach every minimum (singletons kept)."""
    if not totals or members.shape[0] == 0:
        return members
    keep = (members >= 0).sum(axis=1) < 2
    ok = np.ones(members.shape[0], dtype=bool)
    for vals, lo, _ in totals:
        if lo is not None:
            total = np.where(members >= 0, vals[np.maximum(members, 0)], 0.0).sum(axis=1)
            ok &= total >= lo
    return members[keep | ok]


def _distance(n: int, max_distance, distance, problems: list[str]) -> np.ndarray | None:
    """The distance matrix when ``max_distance`` is set (problems noted), else None."""
    if max_distance is None:
        return None
    if distance is None:
        problems.append("max_distance needs a distance matrix (distance=...)")
        return None
    dist = np.asarray(distance, dtype=float)
    if dist.shape != (n, n):
        problems.append(f"distance must have shape ({n}, {n}), got {dist.shape}")
    return dist


def _compatible(rules: _Rules, rows: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Whether each ``new`` node may join its row (forbidden pairs, maximum distance)."""
    n, forb_keys, dist = rules.n, rules.forbidden_keys, rules.distance
    ok = np.ones(new.shape[0], dtype=bool)
    for p in range(rows.shape[1]):
        a = rows[:, p]
        if forb_keys is not None:
            key = np.minimum(a, new) * n + np.maximum(a, new)
            pos = np.searchsorted(forb_keys, key)
            pos = np.minimum(pos, len(forb_keys) - 1)
            ok &= forb_keys[pos] != key
        if dist is not None:
            ok &= dist[a, new] <= rules.max_distance
    for vals, _, hi in rules.totals:
        if hi is not None:  # hereditary: totals only grow as members join
            ok &= vals[rows].sum(axis=1) + vals[new] <= hi
    return ok


def _adjacency(rules: _Rules) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(indptr, indices)`` of the adjacency among allowed nodes."""
    n, edges, allow = rules.n, rules.edges, rules.allow
    e = edges[(allow[edges[:, 0]]) & (allow[edges[:, 1]]) & (edges[:, 0] != edges[:, 1])]
    both = np.concatenate([e, e[:, ::-1]])
    adj = sp.csr_matrix((np.ones(len(both), dtype=np.int8), (both[:, 0], both[:, 1])),
                        shape=(n, n))
    adj.sum_duplicates()
    return adj.indptr.astype(np.int64), adj.indices.astype(np.int64)


def _neighbour_extensions(cur: np.ndarray, indptr: np.ndarray, indices: np.ndarray):
    """Every (row, neighbour of a member) pair with the neighbour not already a member."""
    k = cur.shape[1]
    flat = cur.ravel()
    deg = indptr[flat + 1] - indptr[flat]
    row_of = np.repeat(np.repeat(np.arange(cur.shape[0]), k), deg)
    starts = np.repeat(indptr[flat], deg)
    offs = np.arange(deg.sum()) - np.repeat(np.cumsum(deg) - deg, deg)
    new = indices[starts + offs]
    rows = cur[row_of]
    keep = ~(rows == new[:, None]).any(axis=1)
    return rows[keep], new[keep]


def _canonical_extensions(cur: np.ndarray, nodes: np.ndarray):
    """Every (row, node larger than its largest member) pair: each set made once."""
    last = cur[:, -1]
    counts = len(nodes) - np.searchsorted(nodes, last, side="right")
    row_of = np.repeat(np.arange(cur.shape[0]), counts)
    pos0 = np.repeat(np.searchsorted(nodes, last, side="right"), counts)
    offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return cur[row_of], nodes[pos0 + offs]


def _grow_levels(rules: _Rules, max_size: int, contiguous: bool, max_columns: int,
                 deadline: float | None = None) -> list[np.ndarray]:
    """Level ``k`` (from 1): every feasible group of ``k`` allowed nodes, one per row.

    Stops early (fewer levels) when ``deadline`` passes; a level is built in chunks and
    the clock read between them, so a level under way when time runs out is dropped."""
    n = rules.n
    nodes = np.flatnonzero(rules.allow).astype(np.int64)
    levels: list[np.ndarray] = [nodes[:, None]]
    if contiguous:
        indptr, indices = _adjacency(rules)
    total = len(nodes)
    for k in range(1, max_size):
        cur = levels[-1]
        if cur.shape[0] == 0:
            break
        parts = []
        for lo in range(0, cur.shape[0], _CHUNK):
            if clock.expired(deadline):
                return levels
            chunk = cur[lo:lo + _CHUNK]
            if contiguous:
                rows, new = _neighbour_extensions(chunk, indptr, indices)
            else:
                rows, new = _canonical_extensions(chunk, nodes)
            keep = _compatible(rules, rows, new)
            part = np.concatenate([rows[keep], new[keep][:, None]], axis=1)
            if contiguous:
                part.sort(axis=1)
                part = _unique_rows(part, n)
            parts.append(part)
        cand = np.concatenate(parts)
        if contiguous and len(parts) > 1:
            cand = _unique_rows(cand, n)
        if clock.expired(deadline):
            return levels
        total += cand.shape[0]
        if total > max_columns:
            raise DataValidationError("enumerate_groups", [
                (f"more than {max_columns:,} candidate groups of up to {k + 1} members; "
                "reduce max_size, set contiguous=True or max_distance, or raise max_columns")])
        levels.append(cand)
    return levels


def _stack_levels(levels: list[np.ndarray], alone: np.ndarray, min_size: int,
                  width: int) -> np.ndarray:
    """The member array: singletons that may stay alone, then levels ``min_size..``."""
    out = []
    for k, lev in enumerate(levels, start=1):
        if k == 1:
            lev = lev[alone[lev[:, 0]]]
        elif k < min_size:
            continue
        if lev.shape[0] == 0:
            continue
        pad = np.full((lev.shape[0], width - k), -1, dtype=np.int64)
        out.append(np.concatenate([lev, pad], axis=1))
    return np.concatenate(out) if out else np.zeros((0, width), dtype=np.int64)


def _must_pairs_kept(members: np.ndarray, must: np.ndarray) -> np.ndarray:
    """Rows that hold both or neither node of every must pair."""
    if not len(must):
        return members
    keep = np.ones(members.shape[0], dtype=bool)
    for a, b in must:
        has_a = (members == a).any(axis=1)
        has_b = (members == b).any(axis=1)
        keep &= has_a == has_b
    return members[keep]


def _with_included(members: np.ndarray, include, allow: np.ndarray, n: int,
                   width: int) -> np.ndarray:
    """``members`` with the ``include`` groups added, de-duplicated and re-ordered."""
    extra = groups_from_lists(include, n).members
    problems = [f"include: group {[int(v) for v in r if v >= 0]} uses a node that is "
                "not allowed" for r in extra if not allow[r[r >= 0]].all()]
    if problems:
        raise DataValidationError("enumerate_groups", problems)
    w = max(width, extra.shape[1])
    members = np.pad(members, ((0, 0), (0, w - width)), constant_values=-1)
    extra = np.pad(extra, ((0, 0), (0, w - extra.shape[1])), constant_values=-1)
    allrows = np.concatenate([members, extra])
    sizes = (allrows >= 0).sum(axis=1)
    # de-duplicate and order by (size, lexicographic with -1 padding after members)
    srt = np.where(allrows < 0, n, allrows)
    _, idx = np.unique(np.concatenate([sizes[:, None], srt], axis=1), axis=0,
                       return_index=True)
    return allrows[idx]
