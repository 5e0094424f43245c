"""The one reader of user files: what it accepts, and what it refuses in plain English."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.errors import (
    DataValidationError,
    FileFormatError,
    PartnerfitError,
    TableFileNotFoundError,
    TableTypeError,
)
from partnerfit.links import ARRANGEMENT_COLUMNS, SYSTEM_COLUMNS
from partnerfit.reading import read_table, read_text

ROWS = [["a", "b"], ["1", "x, y"], ["2", ""]]


def _csv(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_and_without_bom_read_alike(tmp_path):
    text = 'a,b\n1,"x, y"\n2,\n'
    plain = read_table(_csv(tmp_path / "p.csv", text), what="t")[0]
    bom = read_table(_csv(tmp_path / "b.csv", text, "utf-8-sig"), what="t")[0]
    assert plain.columns.tolist() == ["a", "b"] == bom.columns.tolist()
    assert plain.values.tolist() == [["1", "x, y"], ["2", ""]] == bom.values.tolist()


def test_line_column_counts_blank_lines_and_quoted_newlines(tmp_path):
    text = 'a,b\n1,"two\nlines"\n\n3,z\n'
    df = read_table(_csv(tmp_path / "l.csv", text), what="t", line_column="line")[0]
    # a row's line is the line where it ends, as the csv module counts (1-based)
    assert df["line"].tolist() == ["3", "5"]
    assert df["b"].tolist() == ["two\nlines", "z"]


def test_excel_dates_and_numbers_as_text(tmp_path):
    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["start", "year", "name", "blank"])
    sheet.append([dt.datetime(2010, 4, 1), 2014, "Lancaster", None])
    sheet.append([dt.date(2011, 1, 31), 2015.0, "Preston", None])
    book.save(path)
    df, name = read_table(path, what="t", line_column="line")
    assert name == str(path)
    assert df.values.tolist() == [["2010-04-01", "2014", "Lancaster", "", "2"],
                                  ["2011-01-31", "2015", "Preston", "", "3"]]


@pytest.mark.parametrize("content, words", [
    (b"", "is empty"),
    (b"\xef\xbb\xbf\n\n", "is empty"),
    ("a,b\n1,2\n".encode("utf-16"), "UTF-16"),
    ("a,b\ncaf\xe9,2\n".encode("cp1252"), "line 2 holds byte 0xE9"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"PK\x03\x04rest-of-zip", "zip archive"),
    (b"a,b\n1,2\n3,4,5\n", "line 3 has 3 values but the header has 2"),
    (b"a,b,c\n1,2,3\n4,5\n", "line 3 has 2 values but the header has 3"),
    (b"a\tb\n1\t2\n", "separated by tabs"),
    (b"a;b\n1;2\n", "separated by semicolons"),
    (b"a,a\n1,2\n", "appears twice"),
    (b"a,,c\n1,2,3\n", "column 2 has values but no name"),
    (b"a,b\n", "has a header but no rows"),
    (b'a,b\n1,"unclosed\n', "cannot be read as CSV"),
])
def test_bad_csv_refused_naming_file_and_fix(tmp_path, content, words):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(FileFormatError) as info:
        read_table(path, what="links")
    msg = str(info.value)
    assert msg.startswith(str(path)), msg
    assert words in msg, msg
    assert isinstance(info.value, ValueError) and isinstance(info.value, PartnerfitError)
    assert isinstance(info.value, DataValidationError)
    assert "save it" in msg or "quotes" in msg or "rename" in msg or "add one" in msg \
        or "give it a name" in msg or "add a header" in msg, msg


def test_trailing_empty_columns_from_excel_are_fine(tmp_path):
    df = read_table(_csv(tmp_path / "t.csv", "a,b,,\n1,2,,\n3,4,,\n"), what="t")[0]
    assert df.values.tolist() == [["1", "2"], ["3", "4"]]


@pytest.mark.parametrize("suffix, words", [(".xlsx", "not an Excel workbook"),
                                           (".xls", "old-style Excel"),
                                           (".ods", "OpenDocument")])
def test_fake_or_unsupported_workbooks(tmp_path, suffix, words):
    path = tmp_path / f"fake{suffix}"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=words) as info:
        read_table(path, what="systems")
    assert str(path) in str(info.value) and "save it" in str(info.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(TableFileNotFoundError, match="no such links file") as info:
        read_table(tmp_path / "nope.csv", what="links")
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(FileNotFoundError, match="is a folder"):
        read_table(tmp_path, what="links")


def test_wrong_type():
    with pytest.raises(TableTypeError, match="not list") as info:
        read_table([["a"]], what="links")  # type: ignore[arg-type]  # a wrong type on purpose
    assert isinstance(info.value, TypeError)


def test_read_text(tmp_path):
    good = _csv(tmp_path / "w.yaml", "a: 1\n", "utf-8-sig")
    assert read_text(good).strip() == "a: 1"
    with pytest.raises(FileFormatError, match="UTF-16"):
        read_text(_csv(tmp_path / "u.yaml", "a: 1\n", "utf-16"))
    with pytest.raises(FileFormatError, match="is empty"):
        read_text(_csv(tmp_path / "e.yaml", "  \n"))


# ----------------------------------------------------------------- the loaders go through it

def _systems_row() -> dict[str, str]:
    return {"council": "E07000121", "council_name": "Lancaster", "function": "revenues_benefits",
            "vendor": "Capita", "product": "Academy", "year_observed": "2012", "notes": "",
            "source_title": "A report", "source_publisher": "Lancaster City Council",
            "source_date": "2012-05-01", "source_url": ""}


def test_systems_dataframe_and_file_validated_alike(tmp_path):
    row = _systems_row()
    frame = pd.DataFrame([row], columns=SYSTEM_COLUMNS)
    path = tmp_path / "systems.csv"
    frame.to_csv(path, index=False)
    from_file = pf.read_systems(path)
    from_frame = pf.read_systems(frame)
    cols = list(SYSTEM_COLUMNS)
    assert from_file[cols].astype(str).values.tolist() == \
        from_frame[cols].astype(str).values.tolist()
    # the table read back by pandas (year as int64) is accepted too
    again = pf.read_systems(pd.read_csv(path))
    assert again["year_observed"].tolist() == [2012]
    bad = frame.assign(function="revenue_benefits")
    for source in (bad, tmp_path / "bad.csv"):
        bad.to_csv(tmp_path / "bad.csv", index=False)
        with pytest.raises(DataValidationError, match="did you mean 'revenues_benefits'"):
            pf.read_systems(source)


def test_shortlist_validates_a_systems_dataframe_and_a_path(tmp_path):
    bad = pd.DataFrame([_systems_row() | {"council": "E07999999"}], columns=SYSTEM_COLUMNS)
    with pytest.raises(DataValidationError, match="E07999999"):
        pf.shortlist("Lancaster", "revenues_benefits", as_of="2013-06-01", systems=bad)
    good = pd.DataFrame([_systems_row()], columns=SYSTEM_COLUMNS)
    path = tmp_path / "systems.csv"
    good.to_csv(path, index=False)
    # a valid table as read by pandas, and the file path itself: both scored, same result
    a = pf.shortlist("Preston", "revenues_benefits", as_of="2013-06-01",
                     systems=pd.read_csv(path))
    b = pf.shortlist("Preston", "revenues_benefits", as_of="2013-06-01",
                     systems=path)  # type: ignore[arg-type]  # paths are accepted too
    assert a.table["code"].tolist() == b.table["code"].tolist()


def test_arrangements_from_excel_with_date_cells(tmp_path):
    arr = pf.load_links()["arrangement"].iloc[0]  # noqa: F841  # used by the query below
    mine = pf.load_links().query("arrangement == @arr")[list(ARRANGEMENT_COLUMNS)].copy()
    path = tmp_path / "links.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(ARRANGEMENT_COLUMNS))
    for _, r in mine.iterrows():
        cells = ["" if pd.isna(v) else v for v in r.tolist()]
        start = r["start"]
        cells[ARRANGEMENT_COLUMNS.index("start")] = (start.to_pydatetime() if pd.notna(start)
                                                      else None)
        cells[ARRANGEMENT_COLUMNS.index("end")] = None
        sheet.append(cells)
    book.save(path)
    table = pf.read_arrangements(path)
    assert table["start"].tolist() == mine["start"].tolist()
    assert table["line"].tolist() == list(range(2, 2 + len(mine)))


def test_header_only_links_file_refused(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text(",".join(ARRANGEMENT_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="has a header but no rows"):
        pf.load_links(links=path)


def test_council_register_file_errors(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_bytes("code,name\n".encode("utf-16"))
    with pytest.raises(FileFormatError, match="UTF-16"):
        pf.read_councils(path)


def test_a_council_register_read_by_pandas_scores_like_the_bundled_one(tmp_path):
    from partnerfit._paths import bundled

    raw = pd.read_csv(bundled("councils", "councils.csv"))  # numbers and NaN, as pandas reads
    mine = pf.shortlist("Lancaster", "revenues_benefits", as_of="2012-06-01", councils=raw)
    ours = pf.shortlist("Lancaster", "revenues_benefits", as_of="2012-06-01")
    assert mine.table["code"].tolist() == ours.table["code"].tolist()
    assert (mine.table["score"].to_numpy() == ours.table["score"].to_numpy()).all()
