"""Exact set-partitioning model of one service over enumerated groups.

Formulation (one service)::

    max  sum_g v_g x_g
    s.t. sum_{g contains i} x_g = 1        for every active node i   (partition)
         x_g in {0, 1}

Singleton groups are ordinary columns, so "stay alone" is a choice with its own value.
Constraints that only remove columns (contiguity, sizes, forbidden/must pairs, councils
that must be grouped, zero new partnerships) are applied to the column set
(:func:`prepare_columns`); fixed groups are chosen up front and every column overlapping
them is removed.

Solving, in named steps (all exact; the reported bound is always a proven upper bound):

1. **Build** -- :func:`prepare_columns` filters the columns and checks that every council
   can be covered.
2. **Decompose** -- nodes linked by a shared column form independent blocks
   (:func:`independent_blocks`: connected components of the adjacency graph when groups
   are contiguous); each block is solved on its own and objectives/bounds add up.
3. **Solve** -- each block goes through :func:`partnerfit.grouping.fixing.solve_with_fixing`
   (LP bound, subset-row cuts, restricted-MIP incumbent, reduced-cost fixing).
4. **Check** -- a block the solver proves infeasible, or leaves without a plan, raises an
   error naming the councils; the result carries the proven bound and gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import DataValidationError, InfeasibleError, SolverError
from . import clock
from ._backends import LinearProblem, SolveOut
from .columns import Groups
from .fixing import solve_with_fixing
from .options import SolverOptions
from .status import HasSolveStatus, SolveStatus, relative_gap, within_gap

__all__ = ["PartitionResult", "PreparedColumns", "ServiceProblem", "independent_blocks",
           "prepare_columns", "relative_gap", "solve_partition", "solve_service",
           "solve_with_fixing"]


@dataclass
class ServiceProblem:
    """One service's candidate groups, their values and its own constraints.

    Attributes
    ----------
    groups : Groups
        Candidate groups for this service (eligibility already applied).
    values : numpy.ndarray
        Value of each group for this service.
    fixed_groups : list of node lists, optional
        Existing arrangements kept as they are.
    must_group_nodes : array_like, optional
        Nodes that may not stay alone in this service.
    existing_groups : list of node lists, optional
        Groups that are existing (not new) partnerships without being forced.
    leads : numpy.ndarray, optional
        With delivery-model columns (several columns may hold the same members), the lead
        node of each column (-1: the column's model has no lead); the joint model's
        ``lead_capacity`` rows count them.
    """

    groups: Groups
    values: np.ndarray
    fixed_groups: Sequence[Iterable[int]] | None = None
    must_group_nodes: object = None
    existing_groups: Sequence[Iterable[int]] | None = None
    leads: np.ndarray | None = None


@dataclass
class PartitionResult(HasSolveStatus):
    """Outcome of :func:`solve_partition`.

    Attributes
    ----------
    chosen : numpy.ndarray
        Indices (into the ``Groups`` passed in) of the chosen groups, ascending.
    solve_status : SolveStatus
        Objective, bound, gap, status, solver, time and columns; each is also an attribute
        of the result (``result.objective`` ...):
    objective : float
        Sum of the chosen groups' values.
    bound : float
        Proven upper bound on the best possible objective.
    gap : float
        Relative gap, see :func:`relative_gap`.
    status : str
        ``"optimal"`` (gap within ``mip_gap``) or ``"time_limit"`` (a plan with a gap).
    solver : str
        Back end used for the MILPs.
    time_s : float
        Wall-clock seconds.
    n_columns : int
        Number of candidate groups passed in.
    n_columns_solved : int
        Columns left for the final MIP after fixing and reduced-cost fixing.
    n_blocks : int
        Independent blocks solved (decomposition).
    log : list of str
        One line per phase, for the curious.
    """

    chosen: np.ndarray
    solve_status: SolveStatus
    n_columns_solved: int = 0
    n_blocks: int = 1
    log: list[str] = field(default_factory=list)


def _name(labels, i) -> str:
    return str(labels[i]) if labels is not None else f"node {i}"


def solve_partition(
    groups: Groups,
    values,
    n_nodes: int | None = None,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    fixed_groups: Sequence[Iterable[int]] | None = None,
    must_group_nodes=None,
    max_new_partnerships=None,
    existing_groups: Sequence[Iterable[int]] | None = None,
    labels: Sequence[str] | None = None,
    decompose: bool = True,
    presolve: bool = True,
    threads: int | None = None,
    verbose: bool = False,
    start: Sequence[int] | None = None,
) -> PartitionResult:
    """Choose groups so that every active node is in exactly one, maximising total value.

    Parameters
    ----------
    groups : Groups
        Candidate groups from :func:`~partnerfit.grouping.enumerate_groups` (singletons
        are the "stay alone" option).
    values : array_like of shape (len(groups),)
        Value of each group (see :mod:`partnerfit.grouping.values`).
    n_nodes : int, optional
        Checked against ``groups.n_nodes`` when given.
    solver : {"highs", "cbc"}, default "highs"
        HiGHS through highspy, or CBC through PuLP.
    time_limit : float, optional
        Seconds for the whole solve (kept to within a few per cent: no solver call starts
        after it); on expiry the best plan is returned with its proven bound and gap (an
        infinite bound when ``groups`` is incomplete, see :attr:`Groups.complete`).
    mip_gap : float, default 0.0
        Relative gap at which to stop (0 = prove optimality).
    fixed_groups : sequence of node lists, optional
        Groups that must be chosen as they are (existing arrangements kept).
    must_group_nodes : array_like of int or bool mask, optional
        Nodes that may not stay alone.
    max_new_partnerships : int or array_like of int, optional
        Per node, the largest number of *new* groups of two or more it may join (groups
        not in ``fixed_groups``/``existing_groups``). With one service only 0 is binding:
        the node keeps an existing group or stays alone.
    existing_groups : sequence of node lists, optional
        Groups that count as existing (not new) without being forced.
    labels : sequence of str, optional
        Node names (e.g. GSS codes) used in messages.
    decompose : bool, default True
        Solve independent blocks separately.
    presolve : bool, default True
        Use the LP bound, heuristic incumbent and reduced-cost fixing; False solves the
        plain MILP (the naive baseline).
    threads : int, optional
        Threads for CBC (HiGHS chooses its own thread pool once per process).
    verbose : bool
        Show solver logs.
    start : sequence of int, optional
        Indices of groups forming a plan to warm-start from (e.g. the previous solve of the
        same service with other values). In every independent block where it is a valid
        partition of the block's nodes it is the starting incumbent; elsewhere it is ignored.

    Returns
    -------
    PartitionResult

    Raises
    ------
    InfeasibleError
        If the constraints cannot all be met; the message names the councils and
        constraints in conflict.
    SolverError
        If the solver fails or is unavailable.
    """
    options = SolverOptions(solver=solver, time_limit=time_limit, mip_gap=mip_gap,
                            threads=threads, presolve=presolve, verbose=verbose)
    problem = ServiceProblem(groups, values, fixed_groups=fixed_groups,
                             must_group_nodes=must_group_nodes, existing_groups=existing_groups)
    return solve_service(problem, options, n_nodes=n_nodes, labels=labels, decompose=decompose,
                         max_new_partnerships=max_new_partnerships, start=start)


def solve_service(problem: ServiceProblem, options: SolverOptions, *,
                  n_nodes: int | None = None, max_new_partnerships=None,
                  labels: Sequence[str] | None = None, decompose: bool = True,
                  start: Sequence[int] | None = None) -> PartitionResult:
    """:func:`solve_partition` for a :class:`ServiceProblem` and :class:`SolverOptions`.

    Parameters
    ----------
    problem : ServiceProblem
        Candidate groups, values and the service's own constraints.
    options : SolverOptions
        Solver, time limit (for the whole solve), gap, threads, presolve and logging.
    n_nodes, max_new_partnerships, labels, decompose, start
        As in :func:`solve_partition`.

    Returns
    -------
    PartitionResult
    """
    t_start = clock.now()
    deadline = clock.work_deadline(t_start, options.time_limit)
    options.check()
    groups = problem.groups
    vals = _checked_values(groups, problem.values, n_nodes)
    log: list[str] = []
    prep = prepare_columns(problem, max_new_partnerships=max_new_partnerships, labels=labels)
    start_mask = _start_mask(start, len(groups), prep.usable)
    blocks = independent_blocks(groups, prep, decompose)
    tally = _Tally(list(prep.fixed_idx), vals, log)
    nodes_left = sum(len(bnodes) for _, bnodes in blocks)
    for bcols, bnodes in blocks:
        if len(bcols) == 1:
            tally.add(bcols, float(vals[bcols[0]]))
            nodes_left -= len(bnodes)
            continue
        share = None
        if deadline is not None:
            share = clock.now() + (clock.left(deadline) or 0.0) * len(bnodes) / max(nodes_left, 1)
        nodes_left -= len(bnodes)
        block = _block_problem(prep, vals, groups.sizes, bcols, bnodes, start_mask)
        out = solve_with_fixing(block.problem, options, deadline=share, log=log,
                                always_keep=block.always_keep, incumbent=block.start,
                                polish=True)
        if out.x is None and out.status == "no_solution":
            out = _alone_plan(block, out, log)
        _check_block(out, bnodes, prep, options, labels, max_new_partnerships)
        tally.add_solved(bcols, out)
    if not groups.complete:
        log.append("the candidate groups are incomplete (enumeration ran out of time): "
                   "no bound holds for the full problem")
        tally.bound = np.inf
        tally.status = "time_limit"
    return tally.result(options, clock.now() - t_start, len(groups), len(blocks))


def _alone_plan(block: _Block, out: SolveOut, log: list[str]) -> SolveOut:
    """Out of time without a plan: every council of the block alone, if that is allowed
    (no bound proven), else ``out`` unchanged."""
    x = block.always_keep.astype(float)
    if not np.array_equal(block.problem.A @ x, np.ones(block.problem.n_rows)):
        return out
    log.append("out of time before a plan was found: the councils of a block stay alone")
    return SolveOut("time_limit", x, float(block.problem.c @ x), max(out.bound, float(
        block.problem.c @ x)) if np.isfinite(out.bound) else np.inf, n_final=0)


def _checked_values(groups: Groups, values, n_nodes: int | None) -> np.ndarray:
    """``values`` as floats, one finite value per group (all problems raised at once)."""
    n = groups.n_nodes
    if n_nodes is not None and int(n_nodes) != n:
        raise DataValidationError("solve_partition", [
            f"n_nodes={n_nodes} but the groups were enumerated for {n} nodes"])
    vals = np.asarray(values, dtype=float)
    if vals.shape != (len(groups),):
        raise DataValidationError("solve_partition", [
            f"values has shape {vals.shape}; expected ({len(groups)},), one per group"])
    if not np.all(np.isfinite(vals)):
        bad = np.flatnonzero(~np.isfinite(vals))[:10]
        raise DataValidationError("solve_partition", [
            f"group {[int(v) for v in groups.members[g] if v >= 0]} has a non-finite value "
            f"{vals[g]}" for g in bad])
    return vals


def _start_mask(start, m: int, usable: np.ndarray) -> np.ndarray | None:
    """The warm-start plan as a mask over usable columns (None without one)."""
    if start is None:
        return None
    start_idx = np.asarray(start, dtype=np.int64).ravel()
    if start_idx.size and (start_idx.min() < 0 or start_idx.max() >= m):
        raise DataValidationError("solve_partition", [
            f"start holds a group index outside 0..{m - 1}"])
    mask = np.zeros(m, dtype=bool)
    mask[start_idx] = True
    return mask & usable


def independent_blocks(groups: Groups, prep: PreparedColumns,
                       decompose: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """Independent sub-problems: nodes linked by a usable column, with their columns.

    Parameters
    ----------
    groups : Groups
        Candidate groups.
    prep : PreparedColumns
        Usable columns and the nodes to cover (from :func:`prepare_columns`).
    decompose : bool, default True
        False: one block holding everything.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        Per block, its column indices and its nodes to cover; smallest blocks first (so
        they do not starve when time is shared by size), ties by component number.
    """
    n = groups.n_nodes
    cols = np.flatnonzero(prep.usable)
    sub_members = groups.members[cols]
    first = sub_members[:, 0]
    if decompose:
        links = [np.stack([first, sub_members[:, p]], axis=1)
                 for p in range(1, sub_members.shape[1])]
        pairs = np.concatenate(links) if links else np.zeros((0, 2), np.int64)
        pairs = pairs[pairs[:, 1] >= 0]
        graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        _, comp = connected_components(graph, directed=False)
    else:
        comp = np.zeros(n, dtype=np.int64)
    col_comp = comp[first]
    need = prep.need
    blocks = list(np.unique(comp[need]))
    size = {int(b): int(np.sum(need & (comp == b))) for b in blocks}
    blocks.sort(key=lambda b: (size[int(b)], int(b)))
    return [(cols[col_comp == b], np.flatnonzero(need & (comp == b))) for b in blocks]


@dataclass
class _Block:
    """One block's MILP, the columns its restricted MIPs always keep, and its warm start."""

    problem: LinearProblem
    always_keep: np.ndarray
    start: np.ndarray | None


def _block_problem(prep: PreparedColumns, vals: np.ndarray, sizes: np.ndarray,
                   bcols: np.ndarray, bnodes: np.ndarray,
                   start_mask: np.ndarray | None) -> _Block:
    """The partitioning MILP of one block (singletons always kept)."""
    A = prep.incidence[bnodes][:, bcols].tocsc()
    ones = np.ones(len(bnodes))
    problem = LinearProblem(vals[bcols].copy(), A, ones, ones.copy(),
                            np.ones(len(bcols)), np.ones(len(bcols), dtype=bool))
    x0 = None
    if start_mask is not None:
        x0 = start_mask[bcols].astype(float)
        if not np.array_equal(A @ x0, ones):
            x0 = None  # not a partition of this block's nodes
    return _Block(problem, sizes[bcols] == 1, x0)


def _check_block(out: SolveOut, bnodes: np.ndarray, prep: PreparedColumns,
                 options: SolverOptions, labels, max_new) -> None:
    """Raise if the block has no plan: infeasible (councils named) or out of time."""
    if out.status == "infeasible":
        raise InfeasibleError(_infeasible_message(bnodes, labels, prep.must_group, max_new))
    if out.x is None:
        raise SolverError(f"{options.solver} found no plan within the time limit "
                          f"({out.message}); raise time_limit")


@dataclass
class _Tally:
    """Chosen groups, objective and bound summed over the fixed groups and the blocks."""

    chosen: list[int]
    vals: np.ndarray
    log: list[str]
    objective: float = 0.0
    bound: float = 0.0
    status: str = "optimal"
    n_solved: int = 0

    def __post_init__(self) -> None:
        fixed = self.chosen
        self.objective = float(self.vals[fixed].sum()) if fixed else 0.0
        self.bound = self.objective

    def add(self, cols: np.ndarray, bound: float) -> None:
        """Add chosen columns and the block's proven bound."""
        self.chosen.extend(int(j) for j in cols)
        self.objective += float(self.vals[cols].sum())
        self.bound += float(bound)

    def add_solved(self, bcols: np.ndarray, out: SolveOut) -> None:
        """Add a solved block's plan, bound and status."""
        assert out.x is not None
        self.n_solved += len(bcols) if out.n_final is None else out.n_final
        self.add(bcols[out.x > 0.5], out.bound)
        if out.status != "optimal":
            self.status = "time_limit"

    def result(self, options: SolverOptions, time_s: float, n_columns: int,
               n_blocks: int) -> PartitionResult:
        """The :class:`PartitionResult` (optimal when the gap is within ``mip_gap``)."""
        gap = relative_gap(self.objective, self.bound)
        status = "optimal" if within_gap(gap, options.mip_gap) else self.status
        solved = SolveStatus(self.objective, max(self.bound, self.objective), gap, status,
                             options.solver, time_s, n_columns)
        return PartitionResult(np.array(sorted(self.chosen), dtype=np.int64), solved,
                               self.n_solved, n_blocks, self.log)


@dataclass
class PreparedColumns:
    """Column filters of one service (see :func:`prepare_columns`)."""

    usable: np.ndarray  # bool per column, fixed groups excluded
    fixed_idx: list[int]
    existing_idx: set
    need: np.ndarray  # active nodes not covered by fixed groups
    covered: np.ndarray  # nodes covered by fixed groups
    must_group: np.ndarray
    incidence: sp.csc_matrix


def prepare_columns(problem: ServiceProblem, *, max_new_partnerships=None,
                    labels=None) -> PreparedColumns:
    """Apply the column-removing constraints of one service and check coverage.

    Parameters
    ----------
    problem : ServiceProblem
        Candidate groups and the service's constraints (its values are not used).
    max_new_partnerships, labels
        As in :func:`solve_partition`.

    Returns
    -------
    PreparedColumns

    Raises
    ------
    InfeasibleError
        If a fixed group is missing or overlaps another, or a council is left with no
        usable group; the message names them.
    """
    groups = problem.groups
    must_group = _node_mask(groups.n_nodes, problem.must_group_nodes, "must_group_nodes")
    usable = _eligible_columns(groups, must_group)
    fixed_idx = _as_index_groups(groups, problem.fixed_groups, labels)
    existing_idx = set(fixed_idx)
    for g in problem.existing_groups or []:
        existing_idx.update(_rows_holding(groups, g))
    if max_new_partnerships is not None:
        usable &= ~_new_for_capped(groups, existing_idx, max_new_partnerships)
    covered = _fixed_cover(groups, fixed_idx, labels)
    usable &= ~_touching(groups.members, covered)
    # coverage check: every active node not in a fixed group needs a usable column
    need = groups.active & ~covered
    inc = groups.incidence()
    count = np.asarray(inc[:, usable].sum(axis=1)).ravel()
    orphan = np.flatnonzero(need & (count == 0))
    if len(orphan):
        raise InfeasibleError(_orphan_message(orphan, groups, usable, must_group,
                                              max_new_partnerships, covered, labels))
    return PreparedColumns(usable, fixed_idx, existing_idx, need, covered, must_group, inc)


def _rows_holding(groups: Groups, group: Iterable[int]) -> list[int]:
    """Every column whose members are exactly ``group`` (with delivery-model columns a
    group may have several)."""
    key = sorted(int(v) for v in group)
    if len(key) > groups.max_size:
        return []
    row = np.full(groups.max_size, -1, dtype=np.int64)
    row[:len(key)] = key
    return [int(j) for j in np.flatnonzero(np.all(groups.members == row, axis=1))]


def _touching(members: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Columns holding at least one of the ``nodes`` (a bool mask over nodes)."""
    return np.any((members >= 0) & nodes[np.maximum(members, 0)], axis=1)


def _eligible_columns(groups: Groups, must_group: np.ndarray) -> np.ndarray:
    """Columns of active nodes only, without the singletons of must-group nodes."""
    members = groups.members
    usable = np.ones(len(groups), dtype=bool)
    usable &= np.all((members < 0) | groups.active[np.maximum(members, 0)], axis=1)
    single = groups.sizes == 1
    usable[single & must_group[np.maximum(members[:, 0], 0)]] = False
    return usable


def _new_for_capped(groups: Groups, existing_idx: set, max_new) -> np.ndarray:
    """New groups (two or more, not existing) holding a node allowed no new partnership."""
    n = groups.n_nodes
    cap = np.broadcast_to(np.asarray(max_new), (n,)).astype(np.int64)
    is_new = (groups.sizes >= 2)
    if existing_idx:
        is_new[list(existing_idx)] = False
    return is_new & _touching(groups.members, cap <= 0)


def _fixed_cover(groups: Groups, fixed_idx: list[int], labels) -> np.ndarray:
    """Nodes covered by the fixed groups; raise if they overlap or hold a left-out node."""
    members, active = groups.members, groups.active
    covered = np.zeros(groups.n_nodes, dtype=bool)
    problems = []
    for j in fixed_idx:
        mem = members[j][members[j] >= 0]
        clash = mem[covered[mem]]
        if len(clash):
            problems.append(f"fixed groups overlap at {', '.join(_name(labels, v) for v in clash)}"
                            "; a council can be in only one group per service")
        if not active[mem].all():
            problems.append("fixed group " + str([_name(labels, v) for v in mem]) +
                            " includes a council that is left out (not allowed) for this service")
        covered[mem] = True
    if problems:
        raise InfeasibleError("Fixed arrangements conflict:\n" +
                              "\n".join(f"  - {p}" for p in problems))
    return covered


def _as_index_groups(groups: Groups, fixed, labels) -> list[int]:
    idx = []
    problems = []
    for g in fixed or []:
        g = [int(v) for v in g]
        j = groups.index_of(g)
        if j < 0:
            problems.append(f"fixed group {[_name(labels, v) for v in g]} is not among the "
                            "candidate groups; pass it to enumerate_groups(include=...)")
        idx.append(j)
    if problems:
        raise InfeasibleError("Fixed arrangements cannot be kept:\n" +
                              "\n".join(f"  - {p}" for p in problems))
    return idx


def _node_mask(n: int, nodes, name: str) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    if nodes is None:
        return mask
    arr = np.asarray(nodes)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise DataValidationError(name, [f"boolean mask must have shape ({n},)"])
        return arr.copy()
    arr = arr.astype(np.int64).ravel()
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise DataValidationError(name, [f"node index outside 0..{n - 1}"])
    mask[arr] = True
    return mask


def _orphan_message(orphan, groups, usable, must_group, max_new, covered, labels) -> str:
    inc = groups.incidence()
    total = np.asarray(inc.sum(axis=1)).ravel()
    lines = []
    for i in orphan:
        nm = _name(labels, i)
        if total[i] == 0:
            lines.append(f"{nm} has no candidate group at all: no neighbour it can join within "
                         "the size bounds (in councils, and in population or cost base where "
                         "limits are set), contiguity, distance and must/must-not pairs, and it "
                         "may not stay alone -- relax one of these")
            continue
        reasons = []
        in_group = (groups.sizes >= 2) & np.any(groups.members == i, axis=1)
        if must_group[i] and not in_group.any():
            lines.append(f"{nm} must be grouped, but no group of two or more it could join "
                         "meets the size bounds (in councils, and in population or cost base "
                         "where limits are set), contiguity, distance and must/must-not pairs "
                         "-- relax one of these or let it stay alone")
            continue
        if must_group[i]:
            reasons.append("it must be grouped and may not stay alone")
        if max_new is not None:
            reasons.append("max_new_partnerships forbids new groups for it or its neighbours")
        if covered.any():
            reasons.append("its possible partners are already taken by fixed arrangements")
        lines.append(f"{nm} cannot be placed in any group: " + "; ".join(
            reasons or ["every candidate group was removed by the constraints"]))
    return "No plan meets the constraints:\n" + "\n".join(f"  - {s}" for s in lines)


def _infeasible_message(nodes, labels, must_group, max_new) -> str:
    mg = [_name(labels, i) for i in nodes if must_group[i]]
    parts = ["the councils below cannot all be covered exactly once by the candidate groups"]
    if mg:
        parts.append("councils that must be grouped: " + ", ".join(mg[:20]) +
                     (" ..." if len(mg) > 20 else ""))
    if max_new is not None:
        parts.append("max_new_partnerships limits the groups they may join")
    names = ", ".join(_name(labels, i) for i in nodes[:30]) + (" ..." if len(nodes) > 30 else "")
    return ("No plan meets the constraints: " + "; ".join(parts) + f". Councils: {names}. "
            "Let some of them stay alone, or change the size bounds.")
