"""Group values: how much a candidate group is worth to the objective.

The optimiser maximises the sum of the values of the chosen groups. Three pluggable
ingredients, added together by :func:`group_values`:

(a) **pairwise** -- a symmetric ``(n, n)`` score matrix ``S``; a group's value is the sum of
    ``S[i, j]`` over its unordered member pairs (a singleton is worth 0). This is how the
    shortlist engine's pairwise criterion scores enter the optimiser.
(b) **callable** -- any function ``f(members) -> values`` taking the ``(m, width)`` member
    array (ascending node indices padded with ``-1``) and returning ``m`` values, so group
    values that are not pairwise sums (economies of scale, a lead's capacity, ...) work.
(c) **savings** -- where cost data is given, ``savings_weight`` times the net present value
    of the group's business case from :func:`partnerfit.savings.group_npv` (in the units
    of the cost base, e.g. GBP m), so one unit of NPV is worth ``savings_weight`` points.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import DataValidationError
from .columns import Groups

__all__ = ["callable_values", "group_values", "pairwise_values"]


def pairwise_values(groups: Groups | np.ndarray, score) -> np.ndarray:
    """Sum of pairwise scores within each group (vectorised).

    Parameters
    ----------
    groups : Groups or numpy.ndarray
        Candidate groups, or their ``(m, width)`` member array padded with ``-1``.
    score : array_like of shape (n, n)
        Symmetric pair scores; the diagonal is ignored.

    Returns
    -------
    numpy.ndarray
        ``(m,)`` float values.
    """
    members = groups.members if isinstance(groups, Groups) else np.asarray(groups)
    s = np.asarray(score, dtype=float)
    if s.ndim != 2 or s.shape[0] != s.shape[1]:
        raise DataValidationError("pairwise score matrix", [f"must be square, got {s.shape}"])
    if not np.allclose(s, s.T, equal_nan=True):
        raise DataValidationError("pairwise score matrix", ["must be symmetric (S == S.T)"])
    out = np.zeros(members.shape[0], dtype=float)
    w = members.shape[1]
    for a in range(w):
        ia = members[:, a]
        for b in range(a + 1, w):
            ib = members[:, b]
            ok = (ia >= 0) & (ib >= 0)
            out[ok] += s[ia[ok], ib[ok]]
    return out


def callable_values(groups: Groups | np.ndarray, func: Callable[[np.ndarray], np.ndarray]):
    """Evaluate a user value function over all groups at once.

    Parameters
    ----------
    groups : Groups or numpy.ndarray
        Candidate groups or their member array (padded with ``-1``).
    func : callable
        ``func(members) -> array of shape (m,)``. It receives a copy of the member array.

    Returns
    -------
    numpy.ndarray
        ``(m,)`` float values.
    """
    members = groups.members if isinstance(groups, Groups) else np.asarray(groups)
    vals = np.asarray(func(members.copy()), dtype=float)
    if vals.shape != (members.shape[0],):
        raise DataValidationError("group value function", [
            f"returned shape {vals.shape}; expected ({members.shape[0]},), one value per group"])
    return vals


def group_values(
    groups: Groups | np.ndarray,
    *,
    pairwise=None,
    func: Callable[[np.ndarray], np.ndarray] | None = None,
    costs=None,
    savings_weight: float = 1.0,
    savings_assumptions=None,
    labels=None,
) -> np.ndarray:
    """Value of every candidate group: pairwise + callable + weighted savings NPV.

    Parameters
    ----------
    groups : Groups or numpy.ndarray
        Candidate groups.
    pairwise : array_like of shape (n, n), optional
        Symmetric pair score matrix (ingredient a).
    func : callable, optional
        Vectorised group value function (ingredient b).
    costs : array_like of shape (n,), optional
        Annual cost base of the service per node; NaN where unknown (ingredient c).
    savings_weight : float, default 1.0
        Points per unit of NPV.
    savings_assumptions : partnerfit.savings.SavingsAssumptions, optional
        Overrides for the savings model.
    labels : sequence of str, optional
        Node names used in error messages.

    Returns
    -------
    numpy.ndarray
        ``(m,)`` values.

    Raises
    ------
    DataValidationError
        If any value is not finite; for unknown costs the message names the councils
        whose cost base is missing (they are not guessed).
    """
    members = groups.members if isinstance(groups, Groups) else np.asarray(groups)
    vals = np.zeros(members.shape[0], dtype=float)
    if pairwise is not None:
        vals += pairwise_values(members, pairwise)
    if func is not None:
        vals += callable_values(members, func)
    if costs is not None:
        from ..savings import group_npv

        c = np.asarray(costs, dtype=float)
        used = np.unique(members[members >= 0])
        missing = used[~np.isfinite(c[used])]
        if len(missing):
            names = [str(labels[i]) if labels is not None else str(i) for i in missing]
            raise DataValidationError("cost base", [
                f"no cost figure for {nm}; give one, or leave costs out of the value "
                "(partnerfit does not invent costs)" for nm in names])
        npv = group_npv(members, c, savings_assumptions)
        vals += savings_weight * npv
    bad = np.flatnonzero(~np.isfinite(vals))
    if len(bad):
        raise DataValidationError("group values", [
            f"group {[int(v) for v in members[g] if v >= 0]} has value {vals[g]}"
            for g in bad[:20]] + ([f"... and {len(bad) - 20} more"] if len(bad) > 20 else []))
    return vals
