"""What several report builders say the same way: the scoring model and the report date."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..._dates import to_date

#: The assumption line of reports scored with the bundled model.
ADDITIVE_MODEL = (
    "Scores use the bundled criteria, value functions and weights with the linear additive "
    "model of the DCLG multi-criteria analysis manual, unless stated otherwise."
)

#: The sources line of reports with a boundary map (the OS/ONS Open Government Licence).
BOUNDARY_SOURCE = (
    "Council boundaries: contains OS data © Crown copyright and database right 2025; source: "
    "Office for National Statistics licensed under the Open Government Licence v.3.0 "
    "(simplified; councils/SOURCES.md)"
)


def report_date(value: Any) -> _dt.date | None:
    """The date a report is printed for, or None when there is none.

    Parameters
    ----------
    value : date-like or None
        The analysis date of a result (``as_of``).

    Returns
    -------
    datetime.date or None
    """
    return None if value is None else to_date(value, "as_of").date()
