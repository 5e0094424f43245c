"""Direct weights: any non-negative numbers per criterion, scaled to sum 1."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._yaml import as_number
from ._common import Problem, Problems, checked, fmt_number

__all__ = ["direct_problems", "normalise"]


def direct_problems(weights: Any) -> tuple[pd.Series | None, list[Problem]]:
    """Check direct weights and normalise them; the checker behind :func:`normalise`.

    Parameters
    ----------
    weights : object
        Should be a mapping or Series of criterion -> non-negative number, not all zero.

    Returns
    -------
    weights : pandas.Series or None
        Named ``"weight"``, in the given order, summing to 1; ``None`` if there are problems.
    problems : list of Problem
        Each with the path ``(criterion,)`` of the bad weight, or ``()`` for the whole set.
    """
    if isinstance(weights, pd.Series):
        items = list(weights.items())
        dup = weights.index[weights.index.duplicated()].unique()
        if len(dup):
            return None, [
                ((), f"criterion {c!r} has more than one weight — give each criterion once")
                for c in dup
            ]
    elif isinstance(weights, Mapping):
        items = list(weights.items())
    else:
        return None, [((), f"weights must be a mapping of criterion: weight, got {weights!r}")]
    problems = Problems()
    if not items:
        return None, [((), "no weights given — give each criterion a weight")]
    values: list[float] = []
    for name, w in items:
        x = as_number(w)
        if x is None:
            problems.add((name,), f"weight {w!r} for {name!r} is not a number — "
                                      "write a number such as 40")
        elif not math.isfinite(x):
            problems.add((name,), f"weight {w!r} for {name!r} is not a finite number — "
                                      "write a number such as 40")
        elif x < 0:
            problems.add(
                (name,),
                f"weight {fmt_number(x)} for {name!r} is negative — weights must be 0 or more",
            )
        else:
            values.append(x)
    if problems:
        return None, problems
    largest = max(values)
    if largest <= 0:
        return None, [((), "all weights are zero — give at least one criterion a positive weight")]
    values = [v / largest for v in values]  # in [0, 1]: the sum cannot overflow
    total = math.fsum(values)
    index = pd.Index([n for n, _ in items], dtype=object)
    return pd.Series(np.array(values) / total, index=index, name="weight"), []


def normalise(weights: Mapping[Hashable, float] | pd.Series) -> pd.Series:
    """Scale non-negative weights to sum to 1, keeping their order.

    Parameters
    ----------
    weights : mapping or pandas.Series
        Criterion -> weight; finite numbers, 0 or more, not all zero.

    Returns
    -------
    pandas.Series
        Named ``"weight"``, same index order, summing to 1.

    Raises
    ------
    DataValidationError
        Listing every weight that is not a number, not finite or negative, or if all are zero.

    Examples
    --------
    >>> normalise({"distance": 3, "systems": 1}).tolist()
    [0.75, 0.25]
    """
    return checked("weights", *direct_problems(weights))
