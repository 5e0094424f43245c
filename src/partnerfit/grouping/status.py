"""What a solve reports: objective, proven bound, relative gap, status, solver and time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

__all__ = ["HasSolveStatus", "SolveStatus", "relative_gap", "within_gap"]


def relative_gap(objective: float, bound: float) -> float:
    """Relative optimality gap ``(bound - objective) / max(|bound|, |objective|, 1e-9)``.

    Zero when the objective is proven optimal; ``inf`` when no plan was found or there is
    no bound (an infinite ``bound``).

    Examples
    --------
    >>> relative_gap(9.0, 10.0)
    0.1
    >>> relative_gap(10.0, 10.0)
    0.0
    >>> relative_gap(10.0, float("inf"))
    inf
    """
    if not np.isfinite(objective) or not np.isfinite(bound):
        return float("inf")
    diff = max(bound - objective, 0.0)
    if diff <= 1e-9 * max(1.0, abs(bound)):
        return 0.0
    return float(diff / max(abs(bound), abs(objective), 1e-9))


def within_gap(gap: float, mip_gap: float) -> bool:
    """Whether a relative ``gap`` meets the requested ``mip_gap`` (proven good enough)."""
    return gap <= mip_gap + 1e-12


@dataclass(frozen=True)
class SolveStatus:
    """Outcome of a solve as every result reports it.

    Attributes
    ----------
    objective : float
        Value of the plan found.
    bound : float
        Proven upper bound on the best possible objective.
    gap : float
        Relative gap, see :func:`relative_gap`.
    status : str
        ``"optimal"`` (gap within the requested gap) or ``"time_limit"`` (a plan with a gap).
    solver : str
        Back end used for the MILPs.
    time_s : float
        Wall-clock seconds.
    n_columns : int
        Candidate groups considered.
    """

    objective: float
    bound: float
    gap: float
    status: str
    solver: str
    time_s: float
    n_columns: int


class _StatusField:
    """A result attribute read from (and written to) the result's ``solve_status``."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(obj.solve_status, self.name)

    def __set__(self, obj: Any, value: Any) -> None:
        obj.solve_status = replace(obj.solve_status, **{self.name: value})


class HasSolveStatus:
    """Mixin: a result's solve fields (``objective``, ``bound``, ``gap``, ``status``,
    ``solver``, ``time_s``, ``n_columns``) as attributes, kept in its :class:`SolveStatus`
    ``solve_status``."""

    solve_status: SolveStatus
    objective = _StatusField()
    bound = _StatusField()
    gap = _StatusField()
    status = _StatusField()
    solver = _StatusField()
    time_s = _StatusField()
    n_columns = _StatusField()
