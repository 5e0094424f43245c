"""The one reader of user-supplied tables and text files.

Every table a user gives partnerfit (arrangements, IT systems, a council register) comes in
through :func:`read_table`, as a file path or a :class:`pandas.DataFrame`, and leaves as a
DataFrame of strings, so a table is validated the same way whichever form it came in. Text
files (weight profiles, criteria) come in through :func:`read_text`.

What is accepted: CSV in UTF-8 (with or without the byte-order mark Excel writes for "CSV UTF-8")
and Excel workbooks (``.xlsx``/``.xlsm``, first sheet, date cells written ``YYYY-MM-DD``). What
is refused, with a sentence naming the file and the fix: a missing file or a folder, an empty
file, a header without rows, another encoding (UTF-16, Windows-1252), a binary file or a fake
workbook, a line with more or fewer values than the header, a header with a repeated or missing
column name, tab- or semicolon-separated text. Nothing is guessed or repaired.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import FileFormatError, TableFileNotFoundError, TableTypeError

__all__ = ["EXCEL_SUFFIXES", "cell_text", "read_table", "read_text"]

#: Workbook suffixes read as Excel; everything else is read as CSV text.
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_OTHER_SPREADSHEETS = {".xls": "an old-style Excel workbook (.xls)",
                       ".ods": "an OpenDocument spreadsheet (.ods)",
                       ".numbers": "a Numbers spreadsheet"}
_SAVE_TEXT = "save it as UTF-8 text (in Notepad: File, Save As, Encoding UTF-8)"
_SAVE_AS = "save it from Excel as 'CSV UTF-8 (Comma delimited)' or as an Excel workbook (.xlsx)"


def cell_text(value: Any) -> str:
    """One table cell as the text a CSV would hold.

    Missing values become ``""``; dates (Excel date cells, parsed timestamps) ``YYYY-MM-DD``
    (with the time only when it is not midnight); whole numbers stored as floats lose their
    ``.0``; everything else is ``str(value)``.

    Examples
    --------
    >>> cell_text(_dt.datetime(2010, 4, 1))
    '2010-04-01'
    >>> cell_text(2014.0), cell_text(None), cell_text(float("nan")), cell_text(" a ")
    ('2014', '', '', ' a ')
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return ""
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else str(value)
    if isinstance(value, _dt.datetime | pd.Timestamp | np.datetime64):
        ts = pd.Timestamp(value)
        if pd.isna(ts):
            return ""
        return f"{ts:%Y-%m-%d}" if ts == ts.normalize() else f"{ts:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _check_path(source: Any, what: str) -> Path:
    if not isinstance(source, str | os.PathLike):
        raise TableTypeError(f"the {what} table must be a file path (CSV or .xlsx) or a pandas "
                             f"DataFrame, not {type(source).__name__}.")
    path = Path(source)
    if not str(source).strip():
        raise TableFileNotFoundError(f"the {what} file name is empty; give the path of a CSV "
                                     "or .xlsx file.")
    if path.is_dir():
        raise TableFileNotFoundError(f"{path}: is a folder, not a {what} file; give the path "
                                     "of a CSV or .xlsx file inside it.")
    if not path.exists():
        raise TableFileNotFoundError(f"{path}: no such {what} file; check the path and the "
                                     "file name.")
    return path


def _decode(path: Path, data: bytes, fix: str = _SAVE_AS) -> str:
    """The file's text, or a FileFormatError saying which encoding it has instead of UTF-8."""
    name = str(path)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 1 and b"\x00" in data[:4096]
                                                   and data[1:2] == b"\x00"):
        raise FileFormatError(name, "is saved as UTF-16 (Excel's 'Unicode Text'), not UTF-8; "
                              f"{fix}.")
    if data[:4] == b"PK\x03\x04":
        raise FileFormatError(name, "is a zip archive (an Excel workbook?), not CSV text; if it "
                              "is a workbook, name it .xlsx, otherwise " + fix + ".")
    if b"\x00" in data[:4096]:
        raise FileFormatError(name, f"is not a text file (it holds binary data); {fix}.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start: exc.start + 1].hex().upper()
        raise FileFormatError(name, f"is not UTF-8 text: line {line} holds byte 0x{byte}, as "
                              "Windows-1252/Latin-1 files (such as Excel's plain 'CSV') do; "
                              f"{fix}.", line=line) from None


def read_text(path: str | os.PathLike[str], *, what: str = "text") -> str:
    """Read a user's UTF-8 text file (with or without a byte-order mark).

    Parameters
    ----------
    path : str or pathlib.Path
    what : str
        What the file is ("weights", "criteria" ...), for messages.

    Returns
    -------
    str

    Raises
    ------
    TableFileNotFoundError
        The file does not exist, or is a folder (also a ``FileNotFoundError``).
    FileFormatError
        The file is empty, binary or not UTF-8 (also a ``ValueError``).
    """
    p = _check_path(path, what)
    text = _decode(p, p.read_bytes(), _SAVE_TEXT)
    if not text.strip():
        raise FileFormatError(str(p), f"is empty; the {what} file needs content.")
    return text


def _dataframe_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    if isinstance(out.columns, pd.MultiIndex):
        raise TableTypeError("the table has several header rows (a column MultiIndex); give "
                             "one row of column names.")
    out.columns = [str(c).strip() for c in out.columns]
    twice = out.columns[out.columns.duplicated()]
    if len(twice):
        raise TableTypeError(f"the table has the column {twice[0]!r} more than once; rename or "
                             "delete one.")
    for col in out.columns:
        if out[col].dtype != object or out[col].map(lambda v: not isinstance(v, str)).any():
            out[col] = out[col].astype(object).map(cell_text)
    return out


def _header(name: str, header: list[str], rows: list[tuple[int, list[str]]],
            where: str) -> tuple[list[str], list[int]]:
    """The column names to keep and their positions; refuses repeated or missing names."""
    keep: list[int] = []
    seen: dict[str, int] = {}
    for j, col in enumerate(header):
        col = col.strip()
        if not col:
            if any(j < len(r) and r[j].strip() for _, r in rows):
                raise FileFormatError(name, f"column {j + 1} has values but no name in the "
                                      f"header ({where} 1); give it a name or delete it.", line=1)
            continue  # an empty trailing column, as Excel leaves behind
        if col in seen:
            raise FileFormatError(name, f"column {col!r} appears twice in the header ({where} "
                                  f"1, columns {seen[col] + 1} and {j + 1}); rename or delete "
                                  "one.", line=1)
        seen[col] = j
        keep.append(j)
    return [header[j].strip() for j in keep], keep


def _csv_rows(path: Path, text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    name = str(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if header is None:
                header = row
            else:
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise FileFormatError(name, f"line {reader.line_num + 1} cannot be read as CSV ({exc});"
                              " a value holding a double quote must be written inside double "
                              "quotes with the quote doubled (\"\").",
                              line=reader.line_num + 1) from None
    if header is None:
        raise FileFormatError(name, "is empty; add a header line naming the columns, then one "
                              "line per row.")
    if len(header) == 1 and any(sep in header[0] for sep in ("\t", ";")):
        sep = "tabs" if "\t" in header[0] else "semicolons"
        raise FileFormatError(name, f"its values are separated by {sep}, not commas; "
                              f"{_SAVE_AS}.", line=1)
    for line, row in rows:
        short = len(row) < len(header)
        if short or any(c.strip() for c in row[len(header):]):
            raise FileFormatError(
                name, f"line {line} has {len(row)} values but the header has {len(header)}; "
                "a value holding a comma must be written inside double quotes, and every line "
                "needs one value per column (empty values are fine).", line=line)
    return header, rows


def _excel_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    name = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, PermissionError):
            raise
        raise FileFormatError(name, "is not an Excel workbook that can be read (it is not a "
                              ".xlsx file inside, or it is password-protected or damaged); "
                              "open it in Excel and save it as .xlsx, or as 'CSV UTF-8'.") \
            from None
    try:
        sheet = book.worksheets[0]
        raw = [(i, [cell_text(v) for v in row])
               for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    raw = [(i, row) for i, row in raw if any(c.strip() for c in row)]
    if not raw:
        raise FileFormatError(name, "has no cells on its first sheet; add a header row naming "
                              "the columns, then one row per record.")
    (_, header), rows = raw[0], raw[1:]
    width = max(len(header), *(len(r) for _, r in rows)) if rows else len(header)
    header = header + [""] * (width - len(header))
    return header, [(i, r + [""] * (width - len(r))) for i, r in rows]


def read_table(source: str | Path | pd.DataFrame, *, what: str,
               allow_empty: bool = False, line_column: str | None = None,
               ) -> tuple[pd.DataFrame, str]:
    """Read a user's table from a CSV file, an Excel workbook or a DataFrame, as text.

    Parameters
    ----------
    source : str, pathlib.Path or pandas.DataFrame
        A ``.xlsx``/``.xlsm`` workbook (first sheet), any other file as CSV UTF-8, or a
        DataFrame (not modified).
    what : str
        What the table is ("arrangements", "systems", "council register" ...), for messages.
    allow_empty : bool, default False
        Accept a file with a header and no rows (a DataFrame may always be empty).
    line_column : str, optional
        Add a column of this name holding each row's line in the file (row in the workbook);
        a DataFrame keeps its own column of that name if it has one.

    Returns
    -------
    (pandas.DataFrame, str)
        Every cell a string (missing = ``""``, dates ``YYYY-MM-DD``, whole numbers without
        ``.0``), and the name to use in messages (the path, or ``"<what> table"``).

    Raises
    ------
    TableFileNotFoundError
        No such file, or a folder (also a ``FileNotFoundError``).
    FileFormatError
        The file cannot be read as a table; the message says why and how to fix it (also a
        ``ValueError``; ``.line`` is the line at fault where there is one).
    TableTypeError
        ``source`` is neither a path nor a DataFrame (also a ``TypeError``).

    Examples
    --------
    >>> df, name = read_table(pd.DataFrame({"start": [pd.Timestamp("2010-04-01")],
    ...                                     "year": [2014.0]}), what="example")
    >>> df.iloc[0].tolist(), name
    (['2010-04-01', '2014'], 'example table')
    """
    if isinstance(source, pd.DataFrame):
        return _dataframe_text(source), f"{what} table"
    path = _check_path(source, what)
    suffix = path.suffix.lower()
    if suffix in _OTHER_SPREADSHEETS:
        raise FileFormatError(str(path), f"is {_OTHER_SPREADSHEETS[suffix]}, which partnerfit "
                              f"does not read; {_SAVE_AS}.")
    if suffix in EXCEL_SUFFIXES:
        header, rows = _excel_rows(path)
        where = "row"
    else:
        header, rows = _csv_rows(path, _decode(path, path.read_bytes()))
        where = "line"
    columns, keep = _header(str(path), header, rows, where)
    if not rows and not allow_empty:
        raise FileFormatError(str(path), f"has a header but no rows; add one {where} per "
                              f"record under the header (columns: {', '.join(columns)}).")
    df = pd.DataFrame([[r[j] if j < len(r) else "" for j in keep] for _, r in rows],
                      columns=columns, dtype=object)
    if not rows:
        df = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    if line_column is not None:
        df[line_column] = [str(i) for i, _ in rows]
    return df, str(path)
