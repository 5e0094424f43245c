"""Checks of the arguments public functions take: numbers in range and finite, lists not strings.

Every check names the argument, says what was given and what to give instead, and raises
:class:`~partnerfit.errors.ArgumentError` (a ``ValueError``) or
:class:`~partnerfit.errors.ArgumentTypeError` (a ``TypeError``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError

__all__ = ["check_flag", "check_int", "check_names", "check_number"]


def _shown(value: Any) -> str:
    return repr(value) if not isinstance(value, float) else f"{value:g}"


def check_number(value: Any, name: str, *, low: float | None = None,
                 high: float | None = None, above: float | None = None,
                 below: float | None = None, meaning: str = "",
                 example: str = "") -> float:
    """``value`` as a finite float within the bounds, or an error naming ``name``.

    ``low``/``high`` are inclusive bounds, ``above``/``below`` exclusive ones.

    Examples
    --------
    >>> check_number(5, "max_distance_km", above=0)
    5.0
    >>> check_number(float("nan"), "min_pair_score", low=0, high=100)
    Traceback (most recent call last):
    ...
    partnerfit.errors.ArgumentError: min_pair_score=nan is not a number; give a number from 0 to 100.
    """
    what = _range_words(low, high, above, below)
    tail = f" ({meaning})" if meaning else ""
    fix = f"give a number {what}{tail}" + (f", e.g. {name}={example}" if example else "") + "."
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, str):
            raise ArgumentTypeError(f"{name}={value!r} is text, not a number; {fix}")
        raise ArgumentTypeError(f"{name} must be a number, not {type(value).__name__}; {fix}")
    x = float(value)
    if math.isnan(x):
        raise ArgumentError(f"{name}=nan is not a number; {fix}")
    if math.isinf(x):
        raise ArgumentError(f"{name}={_shown(x)} is not a finite number; {fix}")
    if ((low is not None and x < low) or (high is not None and x > high)
            or (above is not None and x <= above) or (below is not None and x >= below)):
        raise ArgumentError(f"{name}={_shown(value)} is out of range; {fix}")
    return x


def _range_words(low, high, above, below) -> str:
    parts = []
    if low is not None and high is not None:
        return f"from {low:g} to {high:g}"
    if low is not None:
        parts.append(f"of {low:g} or more")
    if above is not None:
        parts.append(f"more than {above:g}")
    if high is not None:
        parts.append(f"of at most {high:g}")
    if below is not None:
        parts.append(f"less than {below:g}")
    return " and ".join(parts) if parts else "that is finite"


def check_flag(value: Any, name: str) -> bool:
    """A yes/no argument: True or False only (not "no", which Python reads as true).

    Examples
    --------
    >>> check_flag(True, "keep")
    True
    >>> check_flag("no", "keep")
    Traceback (most recent call last):
    ...
    partnerfit.errors.ArgumentTypeError: keep must be True or False, not 'no'; e.g. keep=True.
    """
    if not isinstance(value, bool | np.bool_):
        raise ArgumentTypeError(f"{name} must be True or False, not {value!r}; e.g. "
                                f"{name}=True.")
    return bool(value)


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None,
              meaning: str = "", example: str = "") -> int:
    """``value`` as an int within ``[low, high]``, or an error naming ``name``.

    Whole floats (``10.0``) are accepted; ``10.5``, text and ``True`` are not.

    Examples
    --------
    >>> check_int(3, "top", low=1)
    3
    >>> check_int(-3, "top", low=1, meaning="rows to keep")
    Traceback (most recent call last):
    ...
    partnerfit.errors.ArgumentError: top=-3 is out of range; give a whole number of 1 or more (rows to keep).
    """
    words = _range_words(low, high, None, None)
    tail = f" ({meaning})" if meaning else ""
    fix = f"give a whole number {words}{tail}" + (f", e.g. {name}={example}" if example else "") \
        + "."
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, str):
            raise ArgumentTypeError(f"{name}={value!r} is text, not a number; {fix}")
        raise ArgumentTypeError(f"{name} must be a whole number, not {type(value).__name__}; "
                                f"{fix}")
    x = float(value)
    if not math.isfinite(x) or not x.is_integer():
        raise ArgumentError(f"{name}={_shown(value)} is not a whole number; {fix}")
    n = int(x)
    if (low is not None and n < low) or (high is not None and n > high):
        raise ArgumentError(f"{name}={_shown(value)} is out of range; {fix}")
    return n


def check_names(value: Any, name: str, *, what: str = "council") -> list[str]:
    """``value`` as a list of strings; a lone string is refused (it would be read letter by
    letter), as is anything that is not a list of strings.

    Examples
    --------
    >>> check_names(("Preston", "Wyre"), "exclude")
    ['Preston', 'Wyre']
    >>> check_names("Preston", "exclude")
    Traceback (most recent call last):
    ...
    partnerfit.errors.ArgumentTypeError: exclude='Preston' is one piece of text, not a list of councils; write exclude=['Preston'].
    """
    if value is None:
        return []
    if isinstance(value, str):
        raise ArgumentTypeError(f"{name}={value!r} is one piece of text, not a list of "
                                f"{what}s; write {name}=[{value!r}].")
    if not isinstance(value, Iterable):
        raise ArgumentTypeError(f"{name} must be a list of {what}s, not "
                                f"{type(value).__name__}; write e.g. {name}=['Preston'].")
    items = list(value)
    bad = [x for x in items if not isinstance(x, str)]
    if bad:
        raise ArgumentTypeError(f"{name} must list {what}s as text; {bad[0]!r} is a "
                                f"{type(bad[0]).__name__}; write e.g. {name}=['Preston'].")
    return items
