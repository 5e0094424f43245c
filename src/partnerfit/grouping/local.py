"""Local search on a set-partitioning plan: move or swap single councils between groups.

Used to improve the incumbent before reduced-cost fixing (a better incumbent fixes more
columns); it never changes what is proven, since the MILP still decides optimality.

A *move* takes council ``i`` out of its group ``A`` into another group ``B`` (or alone,
or out of being alone): the new groups ``A - {i}`` and ``B + {i}`` must both be columns.
A *swap* exchanges ``i`` in ``A`` with ``k`` in ``B``. Each candidate is found from the
columns holding ``i``: a column ``S`` with ``S - {i}`` equal to a current group ``B`` is
a move, with ``S - {i}`` equal to ``B`` less one council ``k`` a swap.
"""

from __future__ import annotations

import numpy as np

from . import clock
from ._backends import LinearProblem

__all__ = ["improve_partition"]


def _column_keys(problem: LinearProblem) -> tuple[list[tuple[int, ...]], dict]:
    A = problem.A.tocsc()
    keys = [tuple(sorted(int(r) for r in A.indices[A.indptr[j]:A.indptr[j + 1]]))
            for j in range(problem.n_cols)]
    index: dict[tuple[int, ...], int] = {}
    for j, k in enumerate(keys):
        if k not in index or problem.c[j] > problem.c[index[k]]:
            index[k] = j
    return keys, index


def _best_change(i: int, where: dict, keys, index, c, cols_of_row):
    """The best improving move or swap of council ``i``: (gain, old columns, new columns)."""
    a = where[i]
    ka = keys[a]
    best: tuple[float, list | None, list | None] = (1e-9, None, None)
    rest_a = tuple(r for r in ka if r != i)
    for j in cols_of_row[i]:
        s = keys[j]
        if j == a:
            continue
        others = [r for r in s if r != i]
        b = where[others[0]] if others else None
        if b == a or (others and any(where[r] != b for r in others)):
            continue
        if b is None:  # i alone: only a move out of A
            new_a = index.get(rest_a) if rest_a else None
            if rest_a and new_a is None:
                continue
            gain = c[j] + (c[new_a] if new_a is not None else 0.0) - c[a]
            if gain > best[0]:
                best = (gain, [a], [j] + ([new_a] if new_a is not None else []))
            continue
        kb = keys[b]
        missing = [r for r in kb if r not in s]
        if not missing:  # move: S = B + {i}
            new_a = index.get(rest_a) if rest_a else None
            if rest_a and new_a is None:
                continue
            gain = c[j] + (c[new_a] if new_a is not None else 0.0) - c[a] - c[b]
            if gain > best[0]:
                best = (gain, [a, b], [j] + ([new_a] if new_a is not None else []))
        elif len(missing) == 1:  # swap: S = B - {k} + {i}
            new_a = index.get(tuple(sorted(rest_a + (missing[0],))))
            if new_a is None:
                continue
            gain = c[j] + c[new_a] - c[a] - c[b]
            if gain > best[0]:
                best = (gain, [a, b], [j, new_a])
    return best


def improve_partition(problem: LinearProblem, x: np.ndarray, *, deadline: float | None = None,
                      max_passes: int = 10) -> np.ndarray:
    """A plan at least as good as ``x`` for the partitioning problem ``max c'x, Ax = 1``.

    Parameters
    ----------
    problem : LinearProblem
        A pure set-partitioning problem (every row ``= 1``, 0/1 coefficients).
    x : numpy.ndarray
        A feasible 0/1 plan.
    deadline : float, optional
        :func:`partnerfit.grouping.clock.now` value by which to stop.
    max_passes : int
        Passes over all councils.

    Returns
    -------
    numpy.ndarray
        The improved plan (``x`` itself when nothing improves it).
    """
    keys, index = _column_keys(problem)
    c = problem.c
    A = problem.A.tocsr()
    cols_of_row = [A.indices[A.indptr[r]:A.indptr[r + 1]] for r in range(problem.n_rows)]
    plan = {int(j) for j in np.flatnonzero(x > 0.5)}
    where = {r: j for j in plan for r in keys[j]}
    improved = False
    for _ in range(max_passes):
        changed = False
        for i in range(problem.n_rows):
            if clock.expired(deadline):
                break
            _, old, new = _best_change(i, where, keys, index, c, cols_of_row)
            if old is None or new is None:
                continue
            plan.difference_update(old)
            plan.update(new)
            for j in new:
                for r in keys[j]:
                    where[r] = j
            changed = improved = True
        if not changed or clock.expired(deadline):
            break
    if not improved:
        return x
    out = np.zeros(problem.n_cols)
    out[sorted(plan)] = 1.0
    return out
