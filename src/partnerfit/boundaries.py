"""Council boundaries on any date since 2009, from the bundled ``councils/boundaries.json``.

The file is derived by ``scripts/build_boundaries.py`` from the ONS boundaries (simplified;
attribution in ``councils/SOURCES.md``). Geometry is in British National Grid metres
(EPSG:27700), as shapely polygons. Every council in force on a date in the register has one:

* 2014 onwards as ONS publishes them, 2009-2013 on the 2014 boundaries;
* a council whose code changed (e.g. St Albans in 2012) has its successor code's area;
* the districts abolished on 1 April 2009 have no surviving boundary: each is drawn with its
  successor unitary's whole area and marked ``approximate`` ("drawn from successor");
* counties are the union of their districts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ._dates import DateLike, to_date
from ._paths import bundled
from .errors import UnknownCouncilError

__all__ = ["APPROXIMATE_METHOD", "METHODS", "boundaries"]

#: How each boundary was obtained (the ``method`` column), in plain words.
METHODS = {
    "ons": "ONS boundary (2014 boundary before 2014)",
    "successor": "area of the council's successor code (the code changed, not the area)",
    "drawn from successor": "approximate: drawn with the whole area of the successor unitary "
                            "(no boundary survives for districts abolished in April 2009)",
    "union of districts": "union of the county's districts",
}
#: The method whose boundaries are approximate.
APPROXIMATE_METHOD = "drawn from successor"


@lru_cache(maxsize=1)
def _bundled() -> tuple[pd.DataFrame, tuple[shapely.Geometry, ...], int]:
    """The table of rows and the decoded geometries (built once)."""
    path = bundled("councils", "boundaries.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = pd.DataFrame(data["councils"], columns=data["columns"])
    for col in ("valid_from", "valid_to"):
        rows[col] = pd.to_datetime(rows[col].replace("", None), format="%Y-%m-%d")
    unit = int(data["unit"])
    geoms = tuple(_decode(g, unit) for g in data["geometries"])
    return rows, geoms, unit


def _decode(polys: list[list[list[int]]], unit: int) -> shapely.Geometry:
    """Delta-encoded integer rings -> a shapely (Multi)Polygon in metres."""
    out = []
    for rings in polys:
        coords = [np.cumsum(np.asarray(r, dtype=np.int64).reshape(-1, 2), axis=0) * unit
                  for r in rings]
        out.append(shapely.Polygon(coords[0], coords[1:]))
    return out[0] if len(out) == 1 else shapely.MultiPolygon(out)


def boundaries(as_of: DateLike = None, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Council boundaries on a date (simplified, British National Grid metres).

    Parameters
    ----------
    as_of : date-like, optional
        The councils in force on this date, with the boundary that applies then. ``None``
        returns every row: one per council and boundary, with the dates it applies.
    codes : iterable of str, optional
        Only these GSS codes (each must have a boundary on ``as_of``).

    Returns
    -------
    pandas.DataFrame
        Indexed by GSS code (unique when ``as_of`` is given); columns ``geometry``
        (shapely Polygon or MultiPolygon, EPSG:27700 metres), ``valid_from``, ``valid_to``
        (``NaT``: before 2009 / still in force), ``method`` (see :data:`METHODS`) and
        ``approximate`` (True for the districts abolished in 2009, drawn from their successor).

    Raises
    ------
    UnknownCouncilError
        If a code in ``codes`` has no boundary on ``as_of``.

    Examples
    --------
    >>> import partnerfit as pf
    >>> b = pf.boundaries("2009-03-31")
    >>> bool(b.at["E07000019", "approximate"])  # Caradon, abolished the next day
    True
    >>> round(pf.boundaries("2020-01-01").at["E06000052", "geometry"].area / 1e6, -2)
    3600.0
    """
    rows, geoms, _ = _bundled()
    date = to_date(as_of)
    if date is not None:
        keep = (rows["valid_from"].isna() | (rows["valid_from"] <= date)) & (
            rows["valid_to"].isna() | (rows["valid_to"] >= date))
        rows = rows[keep]
    if codes is not None:
        wanted = list(dict.fromkeys(codes))
        missing = [c for c in wanted if c not in set(rows["code"])]
        if missing:
            when = f"on {date:%Y-%m-%d}" if date is not None else "at any date"
            raise UnknownCouncilError(
                f"No boundary {when} for {', '.join(missing[:10])}"
                f"{' and more' if len(missing) > 10 else ''}: not a council in force then. "
                "Check the codes with partnerfit.load_councils(as_of).")
        rows = rows[rows["code"].isin(wanted)]
    out = rows.set_index("code")
    geometry: list[Any] = [geoms[int(i)] for i in out["geometry"]]
    out = out.drop(columns="geometry")
    out.insert(0, "geometry", pd.Series(geometry, index=out.index, dtype=object))
    out["approximate"] = out["method"] == APPROXIMATE_METHOD
    return out
