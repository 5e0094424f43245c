"""The clock every time limit of the optimiser is read from, and a hook on solver calls.

All deadlines in :mod:`partnerfit.grouping` are values of :func:`now` (by default
``time.perf_counter()``). Tests swap the clock with :func:`using` to check that a time
limit is kept without timing anything: a fake clock plus a solver hook that advances it
by the time each solver call was allowed (the worst case: every call uses all of it).

Examples
--------
>>> t = [0.0]
>>> with using(lambda: t[0]):
...     t[0] = 5.0
...     now()
5.0
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

__all__ = ["RESERVE", "expired", "left", "now", "solver_called", "using", "work_deadline"]

# share of a time limit kept back from the solver calls for reading results and building
# the plan (so the whole solve returns within its limit)
RESERVE = 0.03

_state: dict = {"clock": time.perf_counter, "hook": None}


def now() -> float:
    """The current time of the optimiser's clock, in seconds."""
    return float(_state["clock"]())


def left(deadline: float | None) -> float | None:
    """Seconds until ``deadline`` (never negative), or None without a deadline."""
    return None if deadline is None else max(deadline - now(), 0.0)


def expired(deadline: float | None, margin: float = 0.0) -> bool:
    """Whether ``deadline`` (less ``margin`` seconds) has passed."""
    return deadline is not None and now() >= deadline - margin


def work_deadline(start: float, time_limit: float | None) -> float | None:
    """The deadline for the solver work of a solve begun at ``start`` with ``time_limit``
    seconds: the limit less :data:`RESERVE` of it (at most 2 s) for assembling results."""
    if time_limit is None:
        return None
    limit = float(time_limit)
    return start + limit - min(RESERVE * limit, 2.0)


def solver_called(time_limit: float | None) -> None:
    """Called by every solver call with the time limit it was given (test hook)."""
    hook = _state["hook"]
    if hook is not None:
        hook(time_limit)


@contextlib.contextmanager
def using(clock: Callable[[], float],
          on_solve: Callable[[float | None], None] | None = None) -> Iterator[None]:
    """Use ``clock`` (and call ``on_solve(time_limit)`` after each solver call) inside the
    ``with`` block."""
    saved = dict(_state)
    _state["clock"], _state["hook"] = clock, on_solve
    try:
        yield
    finally:
        _state.update(saved)
