"""The joint model of several services: its columns, rows and how a plan is valued in it.

For services ``s`` with candidate groups ``g`` and a consistency value ``beta[i, j] >= 0``
per council pair, the linear model (see :mod:`partnerfit.grouping.multi`) has

* one binary ``x[g, s]`` per usable column of each service (values ``v + bonus``, where the
  bonus is ``beta`` summed over the shared pairs inside the group);
* one continuous ``u`` per pair that two or more services can share (cost ``-beta``), with
  the rows ``sum_{g contains pair} x[g, s] - u <= 0`` per service;
* with ``max_new_partnerships``, one continuous ``y`` per distinct new group
  (``x[g, s] - y <= 0``) and per council ``sum_{G contains i} y[G] <= cap_i``;
* with ``lead_capacity`` (delivery-model columns carrying a lead), per council
  ``sum_{s, g led by i} x[g, s] <= lead_cap_i``: a council leads at most that many services.

:func:`build_joint_model` builds it; :class:`JointModel` holds it and turns a plan (one
array of chosen columns per service) into the model's ``x``, its value and feasibility.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..errors import InfeasibleError
from ._backends import LinearProblem
from .model import ServiceProblem, prepare_columns

__all__ = ["JointModel", "ServiceColumns", "build_joint_model", "pair_list"]

_EMPTY = np.zeros(0, np.int64)


def pair_list(members: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All ``(column, a, b)`` with ``a < b`` members of the column."""
    cols, aa, bb = [], [], []
    w = members.shape[1]
    idx = np.arange(members.shape[0])
    for p in range(w):
        for q in range(p + 1, w):
            ok = (members[:, p] >= 0) & (members[:, q] >= 0)
            cols.append(idx[ok])
            aa.append(members[ok, p])
            bb.append(members[ok, q])
    if not cols:
        return _EMPTY, _EMPTY, _EMPTY
    return np.concatenate(cols), np.concatenate(aa), np.concatenate(bb)


@dataclass
class ServiceColumns:
    """One service's block of columns in the joint model.

    Attributes
    ----------
    name : str
        Service name.
    cols : numpy.ndarray
        Indices (into the service's ``Groups``) of the block's columns.
    members : numpy.ndarray
        Their member rows.
    vals : numpy.ndarray
        Their values for the service.
    need : numpy.ndarray
        Nodes the service's partition rows cover.
    new : numpy.ndarray
        Columns that are new partnerships (two or more, not existing).
    pair_col, pair_key : numpy.ndarray
        Every member pair of every column: the column and the key ``a * n + b``.
    col_off : int
        Offset of the block's first column in the joint model.
    bonus : numpy.ndarray
        Consistency value of the shared pairs inside each column.
    pidx, hcol : numpy.ndarray
        Shared-pair index and column of every (column, shared pair) incidence.
    prow, present : numpy.ndarray
        Row of each shared pair's linking row in this service (-1: none), and the shared
        pairs that have one.
    """

    name: str
    cols: np.ndarray
    members: np.ndarray
    vals: np.ndarray
    need: np.ndarray
    new: np.ndarray
    leads: np.ndarray = field(default_factory=lambda: _EMPTY)
    pair_col: np.ndarray = field(default_factory=lambda: _EMPTY)
    pair_key: np.ndarray = field(default_factory=lambda: _EMPTY)
    col_off: int = 0
    bonus: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pidx: np.ndarray = field(default_factory=lambda: _EMPTY)
    hcol: np.ndarray = field(default_factory=lambda: _EMPTY)
    prow: np.ndarray = field(default_factory=lambda: _EMPTY)
    present: np.ndarray = field(default_factory=lambda: _EMPTY)

    @property
    def n_cols(self) -> int:
        """Number of columns of the block."""
        return len(self.cols)

    def chosen_in(self, x: np.ndarray) -> np.ndarray:
        """Block indices of the columns chosen in a joint solution ``x``."""
        return np.flatnonzero(x[self.col_off:self.col_off + self.n_cols] > 0.5)


def service_columns(name: str, spec: ServiceProblem, max_new, labels) -> ServiceColumns:
    """The usable columns of one service (fixed groups kept as their nodes' only columns)."""
    try:
        prep = prepare_columns(spec, max_new_partnerships=max_new, labels=labels)
    except InfeasibleError as exc:
        raise InfeasibleError(f"Service {name!r}: {exc}") from exc
    usable = prep.usable.copy()
    usable[prep.fixed_idx] = True  # kept as the only columns covering their nodes
    cols = np.flatnonzero(usable)
    new = spec.groups.sizes[cols] >= 2
    existing = np.array([c in prep.existing_idx for c in cols], dtype=bool)
    leads = (np.asarray(spec.leads, np.int64)[cols] if spec.leads is not None
             else -np.ones(len(cols), np.int64))
    return ServiceColumns(name, cols, spec.groups.members[cols],
                          np.asarray(spec.values, float)[cols], prep.need | prep.covered,
                          new & ~existing, leads)


class _Rows:
    """Sparse entries and row bounds of the joint model, added block by block."""

    def __init__(self) -> None:
        self.i: list[np.ndarray] = []
        self.j: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.n_rows = 0

    def add_rows(self, lo: np.ndarray, hi: np.ndarray) -> int:
        """Reserve ``len(lo)`` rows with these bounds; return the first row's index."""
        first = self.n_rows
        self.lo.append(lo)
        self.hi.append(hi)
        self.n_rows += len(lo)
        return first

    def add_entries(self, i: np.ndarray, j: np.ndarray, v: np.ndarray) -> None:
        """Add coefficients ``A[i, j] = v``."""
        self.i.append(i)
        self.j.append(j)
        self.v.append(v)

    def matrix(self, n_cols: int) -> sp.csc_matrix:
        """The constraint matrix."""
        return sp.csc_matrix((np.concatenate(self.v), (np.concatenate(self.i),
                                                       np.concatenate(self.j))),
                             shape=(self.n_rows, n_cols))


def _shared_pairs(blocks: list[ServiceColumns], beta: np.ndarray, n: int) -> np.ndarray:
    """Keys of the pairs with ``beta > 0`` that two or more services can put together."""
    keys_by_s = []
    for b in blocks:
        c, a, bb = pair_list(b.members)
        b.pair_col, b.pair_key = c, a * n + bb
        keys_by_s.append(np.unique(b.pair_key))
    allk, cnt = np.unique(np.concatenate(keys_by_s), return_counts=True) \
        if keys_by_s else (_EMPTY, _EMPTY)
    pk = allk[cnt >= 2]
    return pk[beta[pk // n, pk % n] > 0]


def _link_pairs(b: ServiceColumns, pk: np.ndarray, pbeta: np.ndarray) -> None:
    """The block's column bonus and its (shared pair, column) incidences."""
    n_pairs = len(pk)
    bonus = np.zeros(b.n_cols)
    pos = np.searchsorted(pk, b.pair_key)
    posc = np.minimum(pos, max(n_pairs - 1, 0))
    hit = (pos < n_pairs) & (pk[posc] == b.pair_key) if n_pairs else \
        np.zeros(len(pos), bool)
    np.add.at(bonus, b.pair_col[hit], pbeta[posc[hit]])
    b.bonus, b.pidx, b.hcol = bonus, posc[hit], b.pair_col[hit]


def _block_rows(rows: _Rows, b: ServiceColumns, n: int, n_pairs: int, col_off: int) -> None:
    """Partition rows of one service, then its pair-linking rows (numbered by pair)."""
    need_nodes = np.flatnonzero(b.need)
    node_row = -np.ones(n, np.int64)
    first = rows.add_rows(np.ones(len(need_nodes)), np.ones(len(need_nodes)))
    node_row[need_nodes] = first + np.arange(len(need_nodes))
    mm = b.members
    colidx = np.repeat(np.arange(b.n_cols), mm.shape[1]).reshape(mm.shape)
    ok = mm >= 0
    rows.add_entries(node_row[mm[ok]], col_off + colidx[ok], np.ones(int(ok.sum())))
    if n_pairs:  # sum_{g ∋ pair} x[g,s] - u_pair <= 0
        present = np.unique(b.pidx)
        prow = -np.ones(n_pairs, np.int64)
        first = rows.add_rows(np.full(len(present), -np.inf), np.zeros(len(present)))
        prow[present] = first + np.arange(len(present))
        rows.add_entries(prow[b.pidx], col_off + b.hcol, np.ones(len(b.hcol)))
        b.prow, b.present = prow, present
    b.col_off = col_off


def _lead_rows(rows: _Rows, blocks: list[ServiceColumns], n: int, lead_cap) -> bool:
    """Rows ``sum_{s, g led by i} x[g, s] <= lead_cap_i`` (councils with a finite cap that
    lead some column); return whether any row was added."""
    cap = np.broadcast_to(np.asarray(lead_cap, dtype=float), (n,))
    led = sorted({int(v) for b in blocks for v in b.leads if v >= 0 and np.isfinite(cap[v])})
    if not led:
        return False
    row_of = -np.ones(n, np.int64)
    first = rows.add_rows(np.full(len(led), -np.inf), cap[led].copy())
    row_of[led] = first + np.arange(len(led))
    for b in blocks:
        j = np.flatnonzero((b.leads >= 0) & (row_of[np.maximum(b.leads, 0)] >= 0))
        rows.add_entries(row_of[b.leads[j]], b.col_off + j, np.ones(len(j)))
    return True


def _new_partnership_rows(rows: _Rows, blocks: list[ServiceColumns], n: int, y_off: int,
                          max_new) -> np.ndarray:
    """Rows ``x[g,s] - y[G] <= 0`` and ``sum_{G ∋ i} y[G] <= cap_i``; return the groups G."""
    cap = np.broadcast_to(np.asarray(max_new), (n,)).astype(float)
    keyrows = [np.where(b.members[b.new] < 0, n, b.members[b.new]) for b in blocks]
    w = max(k.shape[1] for k in keyrows)
    keyrows = [np.pad(k, ((0, 0), (0, w - k.shape[1])), constant_values=n) for k in keyrows]
    y_keys, inv = np.unique(np.concatenate(keyrows), axis=0, return_inverse=True)
    inv = inv.ravel()
    start = 0
    for b in blocks:
        idx_new = np.flatnonzero(b.new)
        ids = inv[start:start + len(idx_new)]
        start += len(idx_new)
        first = rows.n_rows
        r = first + np.arange(len(idx_new))
        rows.add_entries(r, b.col_off + idx_new, np.ones(len(idx_new)))
        rows.add_entries(r, y_off + ids, -np.ones(len(idx_new)))
        rows.add_rows(np.full(len(idx_new), -np.inf), np.zeros(len(idx_new)))
    # per node: sum of y over groups containing it <= cap
    gi, gn = np.nonzero(y_keys < n)
    first = rows.n_rows
    rows.add_entries(first + y_keys[gi, gn], y_off + gi, np.ones(len(gi)))
    rows.add_rows(np.full(n, -np.inf), cap.copy())
    return y_keys


@dataclass
class JointModel:
    """The joint model of several services (see the module docstring).

    Attributes
    ----------
    n : int
        Number of nodes.
    blocks : list of ServiceColumns
        One block of columns per service, in the order given.
    pair_keys : numpy.ndarray
        Keys ``a * n + b`` of the shared pairs (one ``u`` each).
    pair_beta : numpy.ndarray
        Their consistency values.
    problem : LinearProblem
        The MILP: ``x`` columns, then ``u``, then ``y``.
    n_x : int
        Number of ``x`` columns.
    n_y : int
        Number of ``y`` columns (0 without ``max_new_partnerships``).
    always : numpy.ndarray
        Columns every restricted model keeps: the continuous ones and each council alone.
    capped : bool
        Whether the model has ``max_new_partnerships`` rows.
    """

    n: int
    blocks: list[ServiceColumns]
    pair_keys: np.ndarray
    pair_beta: np.ndarray
    problem: LinearProblem
    n_x: int
    n_y: int
    always: np.ndarray
    capped: bool = False
    lead_rows: bool = False

    @property
    def n_pairs(self) -> int:
        """Number of shared pairs."""
        return len(self.pair_keys)

    @property
    def n_cols(self) -> int:
        """Number of columns of the MILP."""
        return self.problem.n_cols

    @property
    def n_partition_rows(self) -> int:
        """Number of partition rows (all services)."""
        return int(sum(b.need.sum() for b in self.blocks))

    def describe(self) -> str:
        """One log line: the model's size."""
        return (f"joint model: {self.n_x} group columns, {self.n_pairs} pair variables, "
                f"{self.problem.n_rows} rows")

    def pairs_together(self, si: int, chosen: np.ndarray) -> np.ndarray:
        """0/1 per shared pair: together in service ``si``'s chosen columns."""
        b = self.blocks[si]
        sel = np.zeros(b.n_cols, dtype=bool)
        sel[chosen] = True
        p = np.zeros(self.n_pairs)
        p[b.pidx[sel[b.hcol]]] = 1.0
        return p

    def value(self, choice: Sequence[np.ndarray]) -> float:
        """Joint objective of a plan: group values plus consistency value."""
        val = sum(float(b.vals[ch].sum()) for b, ch in zip(self.blocks, choice))
        if self.n_pairs:
            k = sum(self.pairs_together(si, ch) for si, ch in enumerate(choice))
            val += float(np.sum(self.pair_beta * np.maximum(k - 1.0, 0.0)))
        return val

    def full_x(self, choice: Sequence[np.ndarray]) -> np.ndarray:
        """The MILP solution of a plan (``u`` and ``y`` at their smallest feasible values)."""
        x = np.zeros(self.n_cols)
        for b, ch in zip(self.blocks, choice):
            x[b.col_off + ch] = 1.0
        if self.n_pairs:
            self._set_pairs(x)
        if self.capped:
            self._set_new_groups(x)
        return x

    def _set_pairs(self, x: np.ndarray) -> None:
        pk, n_pairs, u_off = self.pair_keys, self.n_pairs, self.n_x
        for b in self.blocks:
            sel = x[b.col_off:b.col_off + b.n_cols]
            p = np.zeros(n_pairs)
            hit_cols = sel[b.pair_col] > 0.5
            pos = np.searchsorted(pk, b.pair_key[hit_cols])
            ok = (pos < n_pairs)
            ok[ok] &= pk[pos[ok]] == b.pair_key[hit_cols][ok]
            p[pos[ok]] = 1.0
            x[u_off:u_off + n_pairs] = np.maximum(x[u_off:u_off + n_pairs], p)

    def _set_new_groups(self, x: np.ndarray) -> None:
        # y = max of x over the group's services
        A, n_cols, n_y = self.problem.A, self.n_cols, self.n_y
        yx = np.zeros(n_y)
        Ay = A[:, n_cols - n_y:].tocsr()
        Ax = A[:, :self.n_x].tocsr()
        rows_y = np.flatnonzero(np.asarray((Ay < 0).sum(axis=1)).ravel() > 0)
        xv = Ax[rows_y] @ x[:self.n_x]
        yid = Ay[rows_y].indices
        np.maximum.at(yx, yid, xv)
        x[n_cols - n_y:] = yx

    def feasible(self, choice: Sequence[np.ndarray]) -> bool:
        """Whether a plan meets every row (only the new-partnership and lead caps can fail)."""
        return not (self.capped or self.lead_rows) or _feasible(self.problem,
                                                                self.full_x(choice))

    def choice_of(self, x: np.ndarray) -> list[np.ndarray]:
        """Per service, the block indices chosen in a MILP solution ``x``."""
        return [b.chosen_in(x) for b in self.blocks]


def _feasible(problem: LinearProblem, x: np.ndarray, tol: float = 1e-7) -> bool:
    act = problem.A @ x
    return bool(np.all(act >= problem.row_lo - tol) and np.all(act <= problem.row_hi + tol))


def build_joint_model(services: Mapping[str, ServiceProblem], beta: np.ndarray, n: int,
                      max_new=None, labels=None, lead_capacity=None) -> JointModel:
    """The joint MILP of ``services`` with consistency values ``beta`` (see module docs).

    Parameters
    ----------
    services : mapping of str to ServiceProblem
        The services, all on ``n`` nodes.
    beta : numpy.ndarray
        ``(n, n)`` consistency value per pair (checked: non-negative, symmetric).
    n : int
        Number of nodes.
    max_new : int or array_like, optional
        Per council, the largest number of distinct new groups it may join.
    labels : sequence of str, optional
        Node names for messages.
    lead_capacity : int or array_like, optional
        Per council, the largest number of services it may lead (``inf``: no limit); counts
        the columns' ``leads`` (see :class:`ServiceProblem`).

    Returns
    -------
    JointModel

    Raises
    ------
    InfeasibleError
        If a service's own constraints cannot be met (the service and councils named).
    """
    blocks = [service_columns(s, services[s], max_new, labels) for s in services]
    pk = _shared_pairs(blocks, beta, n)
    pbeta = beta[pk // n, pk % n]
    rows = _Rows()
    col_off = 0
    for b in blocks:
        _link_pairs(b, pk, pbeta)
        _block_rows(rows, b, n, len(pk), col_off)
        col_off += b.n_cols
    n_x = col_off
    if len(pk):  # the -u entries of the pair-linking rows
        for b in blocks:
            rows.add_entries(b.prow[b.present], n_x + b.present, -np.ones(len(b.present)))
    lead_rows = lead_capacity is not None and _lead_rows(rows, blocks, n, lead_capacity)
    c_parts = [b.vals + b.bonus for b in blocks] + [-pbeta]
    n_cols = n_x + len(pk)
    n_y = 0
    if max_new is not None:
        n_y = len(_new_partnership_rows(rows, blocks, n, n_cols, max_new))
        c_parts.append(np.zeros(n_y))
        n_cols += n_y
    integer = np.zeros(n_cols, dtype=bool)
    integer[:n_x] = True
    problem = LinearProblem(np.concatenate(c_parts), rows.matrix(n_cols),
                            np.concatenate(rows.lo), np.concatenate(rows.hi),
                            np.ones(n_cols), integer)
    always = ~integer
    for b in blocks:
        always[b.col_off:b.col_off + b.n_cols] |= (b.members >= 0).sum(axis=1) == 1
    return JointModel(n, blocks, pk, pbeta, problem, n_x, n_y, always, max_new is not None,
                      bool(lead_rows))
