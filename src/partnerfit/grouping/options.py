"""What a solve is asked: back end, time limit, gap, threads, presolve levers and logging."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import SolverError

__all__ = ["SOLVERS", "SolverOptions"]

SOLVERS = ("highs", "cbc")


@dataclass(frozen=True)
class SolverOptions:
    """Options every solver call of the grouping optimiser is given (one object, passed down).

    Attributes
    ----------
    solver : {"highs", "cbc"}
        HiGHS through highspy, or CBC through PuLP.
    time_limit : float or None
        Seconds for this solve (None: no limit).
    mip_gap : float
        Relative gap at which a MIP may stop (0 = prove optimality).
    threads : int or None
        Threads for CBC (HiGHS chooses its own thread pool once per process).
    presolve : bool
        Use the levers (LP bound, heuristic incumbent, reduced-cost fixing); False solves
        the plain MILP (the naive baseline).
    verbose : bool
        Show the solver's own log.

    Examples
    --------
    >>> opts = SolverOptions(time_limit=30.0)
    >>> opts.with_time_limit(5.0).time_limit
    5.0
    >>> opts.deadline(100.0)
    130.0
    """

    solver: str = "highs"
    time_limit: float | None = None
    mip_gap: float = 0.0
    threads: int | None = None
    presolve: bool = True
    verbose: bool = False

    def check(self) -> None:
        """Raise :class:`~partnerfit.errors.SolverError` if :attr:`solver` is unknown."""
        if self.solver not in SOLVERS:
            raise SolverError(f"unknown solver {self.solver!r}; use one of "
                              f"{', '.join(SOLVERS)}")

    def deadline(self, start: float) -> float | None:
        """The ``time.perf_counter()`` value at which a solve begun at ``start`` must stop."""
        return None if self.time_limit is None else start + float(self.time_limit)

    def with_time_limit(self, seconds: float | None) -> SolverOptions:
        """The same options with another time limit (e.g. what is left of a deadline)."""
        return replace(self, time_limit=seconds)

    def with_gap(self, mip_gap: float) -> SolverOptions:
        """The same options with another relative gap."""
        return replace(self, mip_gap=mip_gap)
