"""A survey workbook for officers to say which IT systems councils run.

:func:`systems_template` writes one row per (council, IT function) the council delivers, with
drop-down lists of the vendors and products already on record (free text is allowed too) and
what the register holds today beside it. The filled-in workbook goes back in through
``add_systems=`` (``--add-systems``), which accepts council and function names, skips rows
left blank, and reports what it added and overrode.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ._dates import DateLike, to_date, today
from .errors import DataValidationError
from .register import find_council, load_councils
from .services import SYSTEM_FUNCTIONS
from .systems import function_name, function_tiers, load_systems, systems_on

__all__ = ["TEMPLATE_COLUMNS", "systems_template"]

#: Columns of the survey sheet; the first seven are read back by ``add_systems=``.
TEMPLATE_COLUMNS = ("council", "function", "vendor", "product", "year observed",
                    "in use from", "in use to", "code", "on record", "notes")
_SHEET, _LISTS, _ABOUT = "Systems", "Lists", "About"
_ROWS_LIMIT = 20000


def _councils(councils: str | Iterable[str], date: pd.Timestamp) -> list[str]:
    if isinstance(councils, str) and ":" in councils:
        from .grouping import select_councils

        return select_councils(councils, date)
    names = [councils] if isinstance(councils, str) else list(councils)
    if not names:
        raise DataValidationError("systems template", [
            "no councils given; name them, or use a selector such as 'county:Lancashire'"])
    return sorted({find_council(n, date) for n in names})


def _rows(codes: list[str], date: pd.Timestamp, functions: Iterable[str] | None
          ) -> list[list[str]]:
    reg = load_councils(date)
    on = systems_on(date).set_index(["council", "function"])
    wanted = list(functions) if functions is not None else list(SYSTEM_FUNCTIONS)
    bad = [f for f in wanted if f not in SYSTEM_FUNCTIONS]
    if bad:
        raise DataValidationError("systems template", [
            f"unknown IT function {f!r}; use one of {', '.join(SYSTEM_FUNCTIONS)}" for f in bad])
    rows = []
    for code in codes:
        tier = reg.at[code, "tier"]
        for f in wanted:
            if tier not in function_tiers(f):
                continue
            known = ""
            if (code, f) in on.index:
                r = on.loc[(code, f)]
                known = f"{r['vendor']} {r['product']}".strip() + f" ({r['evidence']})"
            rows.append([str(reg.at[code, "name"]), function_name(f), "", "", "", "", "",
                         code, known, ""])
    return rows


def systems_template(councils: str | Iterable[str], path: str | os.PathLike, *,
                     as_of: DateLike = None, functions: Iterable[str] | None = None,
                     year: int | None = None) -> Path:
    """Write a survey workbook of the IT systems of ``councils``.

    Parameters
    ----------
    councils : str or iterable of str
        Council names or codes, or a selector (``"county:Lancashire"``, ``"region:North
        West"``, ``"nation:Wales"``).
    path : str or os.PathLike
        The ``.xlsx`` file to write (atomically; bytes do not depend on the time).
    as_of : date-like, optional
        The councils in force, and what the register holds, on this date (default today).
    functions : iterable of str, optional
        IT function ids (default every function the council's tier delivers).
    year : int, optional
        Written in the "year observed" column of every row (default: the year of ``as_of``);
        the officer may change it.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from .export.excel import save_workbook

    date = to_date(as_of) or today()
    rows = _rows(_councils(councils, date), date, functions)
    if len(rows) > _ROWS_LIMIT:
        raise DataValidationError("systems template", [
            f"{len(rows):,} rows is too many for one survey; choose fewer councils"])
    year_text = str(year if year is not None else date.year)
    wb = Workbook()
    ws = wb.active
    ws.title = _SHEET
    ws.append(list(TEMPLATE_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        r[4] = year_text
        ws.append(r)
    reg = load_systems()
    known = reg[reg["vendor"].str.lower() != "unknown"]
    vendors = sorted(set(known["vendor"]))
    products = sorted(set(known["product"]) - {""})
    lists = wb.create_sheet(_LISTS)
    lists.append(["vendors", "products"])
    for i in range(max(len(vendors), len(products))):
        lists.append([vendors[i] if i < len(vendors) else None,
                      products[i] if i < len(products) else None])
    last = len(rows) + 1
    for col, letter, n in (("C", "A", len(vendors)), ("D", "B", len(products))):
        if not n:
            continue
        dv = DataValidation(type="list", formula1=f"={_LISTS}!${letter}$2:${letter}${n + 1}",
                            allow_blank=True, showErrorMessage=False)
        dv.promptTitle = "Pick or type"
        dv.prompt = "Pick a name on record, or type another."
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}{max(last, 2)}")
    for letter, width in zip("ABCDEFGHIJ", (28, 26, 24, 30, 13, 13, 13, 11, 44, 30)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    about = wb.create_sheet(_ABOUT)
    for line in (
        "IT systems survey (partnerfit)",
        "Fill in vendor and product for the systems you know; leave a row blank if you do not.",
        "Pick from the drop-down lists (the names already on record) or type another name.",
        ("Year observed: the year your answer describes; in use from / to: dates if you know "
         "them (YYYY, YYYY-MM or YYYY-MM-DD)."),
        "'on record' shows what partnerfit holds for that date; your answers replace it.",
        ("Read it back with: partnerfit shortlist <council> -s <service> --add-systems "
         "<this file>"),
    ):
        about.append([line])
    about.column_dimensions["A"].width = 110
    stamp = _dt.datetime(2000, 1, 1)
    wb.properties.creator = wb.properties.lastModifiedBy = "partnerfit"
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.title = "IT systems survey"
    return save_workbook(wb, path)
