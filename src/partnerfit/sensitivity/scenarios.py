"""Run many independent scenarios, serially or on any concurrent.futures-style executor."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def run_scenarios(
    func: Callable[[Any], Any],
    scenarios: Iterable[Any],
    *,
    executor: Any = None,
    progress: bool = False,
) -> list:
    """Apply ``func`` to every scenario and return the results in input order.

    Use it for sweeps that outgrow one core, e.g. one scenario per
    (weight set, service, council).

    Parameters
    ----------
    func : callable
        Called as ``func(scenario)``. For process-based executors (a
        ``ProcessPoolExecutor``, a dask cluster with worker processes) it and the
        scenarios must be picklable: a module-level function, not a lambda.
    scenarios : iterable
        The independent inputs.
    executor : concurrent.futures.Executor-like, optional
        Anything with ``submit(fn, arg)`` returning a future with ``result()``, e.g.
        ``ThreadPoolExecutor``, ``ProcessPoolExecutor`` or a ``dask.distributed``
        ``Client`` (or ``client.get_executor()``). None runs serially in this process.
    progress : bool, default False
        Show a tqdm progress bar.

    Returns
    -------
    list
        ``[func(s) for s in scenarios]``, in the same order whatever the executor.
        The first exception raised by ``func`` (in input order) propagates.
    """
    items = list(scenarios)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(items), desc="scenarios", unit="scenario")
    try:
        if executor is None:
            out = []
            for item in items:
                out.append(func(item))
                if bar is not None:
                    bar.update(1)
            return out
        futures = [executor.submit(func, item) for item in items]
        out = []
        try:
            for fut in futures:
                out.append(fut.result())
                if bar is not None:
                    bar.update(1)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
        return out
    finally:
        if bar is not None:
            bar.close()
