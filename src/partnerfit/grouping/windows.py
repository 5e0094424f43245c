"""A better joint plan by re-solving it exactly on small windows of councils.

A *window* is a council and the councils nearest to it (by the number of steps between
councils that some candidate group holds together, ties by node number). Inside it, each
service's chosen groups that lie wholly in the window are freed: the joint model is solved
exactly on every column made only of freed councils of that service (with the plan's other
groups kept), starting from the plan. The result is never worse than the plan, since the
plan is a solution of the window's model. A heuristic for the plan only: the bound is not
touched.

Windows are taken around councils in a fixed seeded order, skipping a council already in
a window of the same pass, until every council has been in one (a pass); passes are
repeated until the deadline or a pass brings no gain (one pass without a deadline).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from . import clock
from ._backends import run_solver
from .joint import JointModel
from .options import SolverOptions

__all__ = ["WINDOW_SIZE", "neighbours", "window", "window_search"]

# councils per window (30: about 1-2 s per window on the 300-council benchmark)
WINDOW_SIZE = 30
# the longest one window's solve may take, in seconds
WINDOW_LIMIT_S = 10.0
# most passes over the map (a pass: windows around councils not yet in one, until every
# council has been in one); the search stops after a pass without a better plan
MAX_PASSES = 10


def neighbours(model: JointModel) -> list[np.ndarray]:
    """Per node, the nodes some column of some service holds together with it (sorted)."""
    n = model.n
    keys = np.unique(np.concatenate([b.pair_key for b in model.blocks] or
                                    [np.zeros(0, np.int64)]))
    a, b = keys // n, keys % n
    both = np.concatenate([a, b]), np.concatenate([b, a])
    order = np.lexsort((both[1], both[0]))
    src, dst = both[0][order], both[1][order]
    cuts = np.searchsorted(src, np.arange(n + 1))
    return [dst[cuts[i]:cuts[i + 1]] for i in range(n)]


def window(adjacent: list[np.ndarray], centre: int, size: int) -> np.ndarray:
    """The ``size`` nodes nearest ``centre`` (breadth-first; ties by node number)."""
    seen = {centre}
    order = [centre]
    queue = deque([centre])
    while queue and len(order) < size:
        v = queue.popleft()
        for w in adjacent[v]:
            w = int(w)
            if w not in seen:
                seen.add(w)
                order.append(w)
                queue.append(w)
                if len(order) >= size:
                    break
    return np.array(sorted(order), np.int64)


def _window_columns(model: JointModel, choice: list, inside: np.ndarray) -> np.ndarray:
    """Columns of the window's model: every column of freed councils, the plan's columns
    and the continuous ones."""
    keep = model.always.copy()
    for b, ch in zip(model.blocks, choice):
        m = b.members
        whole = np.all((m < 0) | inside[np.maximum(m, 0)], axis=1)
        freed_groups = ch[whole[ch]]
        free = np.zeros(model.n, bool)
        rows = m[freed_groups]
        free[rows[rows >= 0]] = True
        ok = np.all((m < 0) | free[np.maximum(m, 0)], axis=1) & np.any(m >= 0, axis=1)
        sel = ok.copy()
        sel[ch] = True
        keep[b.col_off:b.col_off + b.n_cols] |= sel
    return keep


def window_search(model: JointModel, choice: list, options: SolverOptions,
                  deadline: float | None, log: list[str], *, size: int = WINDOW_SIZE,
                  seed: int = 0) -> tuple[list, float]:
    """Improve a feasible joint plan window by window until ``deadline`` (see module).

    Parameters
    ----------
    model : JointModel
    choice : list of numpy.ndarray
        Per service, the block indices of the plan's columns (feasible).
    options : SolverOptions
        Solver and gap (the time limit is taken from ``deadline``).
    deadline : float or None
        ``clock.now()`` value by which to stop; None: one pass.
    log : list of str
        One line is appended.
    size, seed
        Councils per window; seed of the order of the windows' centres.

    Returns
    -------
    (list of numpy.ndarray, float)
        The improved plan and its value.
    """
    start, cur = clock.now(), model.value(choice)
    first = cur
    solved = improved = 0
    if size < model.n:  # a window of every council is the whole model: nothing to do here
        adjacent = neighbours(model)
        centres = [int(c) for c in np.random.default_rng(seed).permutation(model.n)]
        for _ in range(1 if deadline is None else MAX_PASSES):
            gained = 0
            covered = np.zeros(model.n, bool)
            for centre in centres:
                if covered[centre] or clock.expired(deadline, margin=0.5):
                    continue
                inside = np.zeros(model.n, bool)
                inside[window(adjacent, centre, size)] = True
                covered |= inside
                choice, val = _solve_window(model, choice, inside, options, deadline)
                solved += 1
                if val > cur + 1e-9:
                    cur, gained = val, gained + 1
            improved += gained
            if not gained or clock.expired(deadline, margin=0.5):
                break
    log.append(f"window search: {solved} windows of {size} councils, {improved} better, "
               f"{first:.6g} -> {cur:.6g} ({clock.now() - start:.1f}s)")
    return choice, cur


def _solve_window(model: JointModel, choice: list, inside: np.ndarray,
                  options: SolverOptions, deadline: float | None) -> tuple[list, float]:
    """The plan re-solved on one window (the plan itself if that is not better)."""
    cur = model.value(choice)
    keep = _window_columns(model, choice, inside)
    left = clock.left(deadline)
    limit = WINDOW_LIMIT_S if left is None else min(WINDOW_LIMIT_S, max(left - 0.5, 0.01))
    x0 = model.full_x(choice)
    out = run_solver(model.problem.columns(keep), options.with_time_limit(limit),
                     start=x0[keep])
    if out.x is None:
        return choice, cur
    x = np.zeros(model.n_cols)
    x[keep] = out.x
    trial = model.choice_of(x)
    val = model.value(trial)
    if val > cur + 1e-9 and model.feasible(trial):
        return trial, val
    return choice, cur
