"""Subset-row cuts on the packing rows of a set-partitioning MILP.

They tighten the LP bound, so reduced-cost fixing (:mod:`partnerfit.grouping.fixing`)
removes far more columns.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._backends import LinearProblem

__all__ = ["packing_rows", "separate_subset_rows", "with_cuts"]


def packing_rows(problem: LinearProblem) -> np.ndarray:
    """Rows ``sum x_j <= 1`` or ``= 1`` whose columns are all 0/1 integer with coefficient 1.

    Subset-row cuts are valid on any three of them (see :func:`separate_subset_rows`).
    """
    A = problem.A.tocsr()
    ok = (problem.row_hi == 1.0) & ((problem.row_lo == 1.0) | ~np.isfinite(problem.row_lo))
    binary = problem.integer & (problem.col_hi == 1.0)
    nnz = np.diff(A.indptr)
    good = (A.data == 1.0) & binary[A.indices]
    n_good = np.add.reduceat(good.astype(np.int64), A.indptr[:-1]) if A.nnz else \
        np.zeros(problem.n_rows, np.int64)
    n_good = np.where(nnz > 0, n_good, 0)
    return ok & (n_good == nnz) & (nnz > 0)


def separate_subset_rows(problem: LinearProblem, x: np.ndarray, packing: np.ndarray,
                         known: set, max_cuts: int = 200) -> list[tuple[int, int, int]]:
    """Violated subset-row cuts on three packing rows ``S = {a, b, c}``.

    For 0/1 columns, two columns that each cover at least two rows of a three-row set must
    share a row, so at most one of them can be chosen::

        sum_{j : |rows(j) & S| >= 2} x_j <= 1

    is valid for every integer plan (Jepsen et al., 2008, with ``|S| = 3``). The left side
    at the LP point is ``W_ab + W_ac + W_bc - 2 T_abc`` with ``W`` the LP weight of the
    columns covering a pair and ``T`` of those covering all three. Returns the most
    violated triples first (ties by row index), at most ``max_cuts``.
    """
    A = problem.A.tocsc()
    frac = np.flatnonzero((x > 1e-6) & (x < 1 - 1e-6) & problem.integer)
    pair_w: dict[tuple[int, int], float] = {}
    trip_w: dict[tuple[int, int, int], float] = {}
    for j in frac:
        rows = A.indices[A.indptr[j]:A.indptr[j + 1]]
        rows = np.sort(rows[packing[rows]]).tolist()
        if len(rows) < 2:
            continue
        xj = float(x[j])
        for p in range(len(rows)):
            for q in range(p + 1, len(rows)):
                key = (rows[p], rows[q])
                pair_w[key] = pair_w.get(key, 0.0) + xj
                for r in range(q + 1, len(rows)):
                    key3 = (rows[p], rows[q], rows[r])
                    trip_w[key3] = trip_w.get(key3, 0.0) + xj
    nbr: dict[int, set] = {}
    for a, b in pair_w:
        nbr.setdefault(a, set()).add(b)
        nbr.setdefault(b, set()).add(a)
    found, seen = [], set()
    for (a, b), w_ab in pair_w.items():
        if w_ab <= 1e-6:
            continue
        for c in nbr[a] | nbr[b]:
            if c == a or c == b:
                continue
            t = tuple(sorted((a, b, c)))
            if t in seen or t in known:
                continue
            seen.add(t)
            lhs = (pair_w.get((t[0], t[1]), 0.0) + pair_w.get((t[0], t[2]), 0.0)
                   + pair_w.get((t[1], t[2]), 0.0) - 2.0 * trip_w.get(t, 0.0))
            if lhs > 1.0 + 1e-4:
                found.append((-lhs, t))
    found.sort()
    return [t for _, t in found[:max_cuts]]


def with_cuts(problem: LinearProblem, triples: list) -> LinearProblem:
    """``problem`` with one subset-row cut row per triple appended (``<= 1``)."""
    if not triples:
        return problem
    tri = np.asarray(triples, dtype=np.int64)
    k = len(tri)
    sel = sp.csr_matrix((np.ones(3 * k), (np.repeat(np.arange(k), 3), tri.ravel())),
                        shape=(k, problem.n_rows))
    count = (sel @ problem.A.tocsc()).tocsr()
    count.data = (count.data >= 2).astype(float)
    count.eliminate_zeros()
    A = sp.vstack([problem.A, count]).tocsc()
    return LinearProblem(problem.c, A, np.concatenate([problem.row_lo, np.full(k, -np.inf)]),
                         np.concatenate([problem.row_hi, np.ones(k)]), problem.col_hi,
                         problem.integer)
