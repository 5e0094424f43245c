"""What the weight checkers share: the problem list they return and how it becomes an error.

Each way of setting weights (direct, swing, AHP, stakeholders) has a *checker* that returns
its result (or ``None``) together with every :data:`Problem` it found.  A problem carries the
path of the offending item inside the checked block, so the profile loader can point at the
exact line of a YAML file; the Python API only uses the message, through :func:`checked`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from ..errors import DataValidationError

__all__ = ["RESERVED_COLUMNS", "Problem", "Problems", "checked", "fmt_number"]

#: Columns of the stakeholder comparison table, so not allowed as stakeholder names.
RESERVED_COLUMNS = ("combined", "min", "max", "spread")

#: A problem found by a checker: (path inside the checked block, message).
Problem = tuple[tuple[Any, ...], str]

T = TypeVar("T")


class Problems(list[Problem]):
    """A list of :data:`Problem` with a shorthand for adding one."""

    def add(self, path: tuple[Any, ...], message: str) -> None:
        """Append the problem ``message`` found at ``path``.

        Parameters
        ----------
        path : tuple
            Where the problem is, inside the checked block.
        message : str
            The plain-English sentence for the user.
        """
        self.append((path, message))


def fmt_number(x: float, digits: int = 3) -> str:
    """Write a number for a message: whole numbers without a decimal point.

    Parameters
    ----------
    x : float
        The number.
    digits : int, default 3
        Significant digits for numbers that are not whole.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_number(40.0), fmt_number(0.123456)
    ('40', '0.123')
    """
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:.{digits}g}"


def checked(source: str, result: T | None, problems: Sequence[Problem]) -> T:
    """Return a checker's result, or raise every problem it found.

    Parameters
    ----------
    source : str
        What was checked, for the error message (e.g. ``"swing weights"``).
    result : object or None
        The checker's result (``None`` when there are problems).
    problems : sequence of Problem
        The checker's problems.

    Returns
    -------
    object
        ``result``, when there are no problems.

    Raises
    ------
    DataValidationError
        Listing the message of every problem, if there are any.
    """
    if problems:
        raise DataValidationError(source, [msg for _, msg in problems])
    assert result is not None, "a weight checker returned neither a result nor a problem"
    return result
