"""Tests for partnerfit.export.excel: the workbook is reopened with openpyxl and unzipped.

Every check reads the written file back independently of the writer; expected
values come from the input frames, not from earlier output.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from partnerfit.errors import DataValidationError
from partnerfit.export import excel as excel_module
from partnerfit.export import write
from partnerfit.export.excel import MAX_WIDTH, MIN_WIDTH, SOURCES_SHEET, sheet_names, write_excel
from partnerfit.report import Report, Section, Table

INJECTIONS = ['=HYPERLINK("x")', "+44 1524 582000", "-2", "@SUM(A1:A3)", "\tTAB", "=1+1"]


def _ranked() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rank": [1, 2, 3, 4, 5, 6],
            "code": ["E07000117", "E07000128", "E06000009", "E07000118", "E07000119", "E07000123"],
            "name": ["Burnley", "Wyre", "Blackpool", "Chorley", "Fylde", "Preston"],
            "score": [81.25, 77.5, np.nan, 64.125, 60.0, 59.95],
            "distance": [12.25, 30.0, 41.75, 35.0, 28.5, 32.0],
            "population": [94_000, 112_000, 141_000, 118_000, 81_000, 147_000],
            "agreement": [0.8125, 0.5, 0.125, np.nan, 0.0, 1.0],
            "since": pd.to_datetime(["2009-04-01", "2010-06-30", None, "2014-01-01", None, None]),
            "note": INJECTIONS,
        }
    )


def _report() -> Report:
    breakdown = pd.DataFrame(
        {"name": ["Burnley", "Wyre"], "geography": [90.0, 70.0], "systems": [50.0, 100.0]}
    )
    weights = pd.DataFrame(
        {"criterion": ["geography", "systems"], "weight": [0.6, 0.4], "value function": ["a", "b"]}
    )
    screening = pd.DataFrame(
        {"code": ["E10000017"], "name": ["Lancashire"], "reason": ["County: " + "long " * 40]}
    )
    sensitivity = pd.DataFrame({"name": ["Burnley", "Wyre"], "P(rank 1)": [0.625, 0.375]})
    return Report(
        "Revenues and benefits partners for Lancaster",
        subtitle="As of 1 April 2009",
        generated_on=dt.date(2009, 5, 14),
        sections=[
            Section(
                "Shortlist",
                ["Burnley ranks first."],
                [
                    Table(
                        "Ranked shortlist",
                        _ranked(),
                        {"score": "float2", "distance": "km", "agreement": "percent"},
                        caption="Eligible partners, best first.",
                    ),
                    Table("Per-criterion breakdown: value scores [0-100]", breakdown),
                ],
            ),
            Section(
                "Method",
                tables=[
                    Table("Weights and value functions", weights, {"weight": "percent"}),
                    Table("Screening reasons", screening),
                    Table("Sensitivity", sensitivity, {"P(rank 1)": "percent"}),
                ],
            ),
        ],
        sources=["ONS register of councils (2009)", "LGA shared services map"],
        assumptions=["Straight-line distance between council offices."],
    )


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "shortlist.xlsx"
    write(_report(), path)
    return path


@pytest.fixture(scope="module")
def workbook(workbook_path):
    return openpyxl.load_workbook(workbook_path)


def test_one_sheet_per_table_then_sources(workbook):
    assert workbook.sheetnames == [
        "Ranked shortlist",
        "Per-criterion breakdown value",
        "Weights and value functions",
        "Screening reasons",
        "Sensitivity",
        "Sources and assumptions",
    ]
    assert workbook.active.title == "Ranked shortlist"


def test_every_sheet_has_bold_frozen_header_and_autofilter(workbook):
    report = _report()
    frames = [table.display_frame() for _, table in report.tables()]
    for ws, frame in zip(workbook.worksheets, frames):
        assert ws.freeze_panes == "A2"
        header = [cell.value for cell in ws[1]]
        assert header == list(frame.columns)
        assert all(cell.font.b for cell in ws[1])
        last = openpyxl.utils.get_column_letter(frame.shape[1])
        assert ws.auto_filter.ref == f"A1:{last}{len(frame) + 1}"
        assert ws.max_row == len(frame) + 1
    sources = workbook[SOURCES_SHEET]
    assert sources.freeze_panes == "A2" and [c.value for c in sources[1]] == ["Item", "Detail"]


def test_types_and_number_formats(workbook):
    ws = workbook["Ranked shortlist"]
    frame = _ranked()
    columns = {cell.value: cell.column for cell in ws[1]}
    for row, record in enumerate(frame.itertuples(index=False), start=2):
        rank = ws.cell(row, columns["rank"])
        assert rank.value == record.rank and isinstance(rank.value, int)
        assert rank.number_format == "#,##0"
        population = ws.cell(row, columns["population"])
        assert population.value == record.population and population.number_format == "#,##0"
        distance = ws.cell(row, columns["distance"])
        assert distance.value == record.distance and distance.number_format == '#,##0.0" km"'
        agreement = ws.cell(row, columns["agreement"])
        if np.isnan(record.agreement):
            assert agreement.value is None  # NaN -> empty cell
        else:  # a fraction, shown by Excel as a percentage
            assert agreement.value == record.agreement and agreement.number_format == "0.0%"
        score = ws.cell(row, columns["score"])
        if np.isnan(record.score):
            assert score.value is None
        else:
            assert score.value == record.score and score.number_format == "#,##0.00"
        since = ws.cell(row, columns["since"])
        if pd.isna(record.since):
            assert since.value is None
        else:
            assert since.is_date and since.value == record.since.to_pydatetime()
            assert since.number_format == "d mmm yyyy"
        code = ws.cell(row, columns["code"])
        assert code.data_type == "s" and code.value == record.code


def test_formula_injection_is_stored_as_text(workbook, workbook_path):
    ws = workbook["Ranked shortlist"]
    column = [cell.value for cell in ws[1]].index("note") + 1
    cells = [ws.cell(row, column) for row in range(2, 2 + len(INJECTIONS))]
    assert [cell.value for cell in cells] == INJECTIONS
    assert all(cell.data_type == "s" for cell in cells)
    assert ws.cell(2, column).value == '=HYPERLINK("x")'
    # the quote prefix keeps the cell text even when someone edits it in Excel
    assert all(cell.quotePrefix for cell in cells)
    with zipfile.ZipFile(workbook_path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name


def test_formula_injection_also_in_headers_and_sources(tmp_path):
    frame = pd.DataFrame({"=cmd|' /C calc'!A0": ["ok"]})
    report = Report("R", sections=[Section("S", tables=[Table("T", frame)])], sources=["=1+2"])
    path = write_excel(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    header = wb["T"]["A1"]
    assert header.data_type == "s" and header.value == "=cmd|' /C calc'!A0"
    details = [cell for cell in wb[SOURCES_SHEET]["B"] if cell.value == "=1+2"]
    assert len(details) == 1 and details[0].data_type == "s"


def test_column_widths_follow_content_within_limits(workbook):
    ws = workbook["Ranked shortlist"]
    widths = {cell.value: ws.column_dimensions[cell.column_letter].width for cell in ws[1]}
    assert all(MIN_WIDTH <= width <= MAX_WIDTH for width in widths.values())
    assert widths["rank"] == MIN_WIDTH  # "1".."6" and "rank" are short
    assert widths["name"] >= len("Blackpool")
    assert widths["population"] >= len("population")
    long_reason = workbook["Screening reasons"]
    reason_letter = [c.value for c in long_reason[1]].index("reason")
    letter = openpyxl.utils.get_column_letter(reason_letter + 1)
    assert long_reason.column_dimensions[letter].width == MAX_WIDTH
    assert long_reason[f"{letter}2"].alignment.wrap_text


def test_sources_sheet_lists_sources_assumptions_and_captions(workbook):
    rows = [(a.value, b.value) for a, b in workbook[SOURCES_SHEET].iter_rows(min_row=2)]
    items = dict(rows)
    assert items["Title"] == "Revenues and benefits partners for Lancaster"
    assert items["Date"] == dt.datetime(2009, 5, 14)
    assert items["Source 1"] == "ONS register of councils (2009)"
    assert items["Source 2"] == "LGA shared services map"
    assert items["Assumption 1"] == "Straight-line distance between council offices."
    assert items["Sheet 'Ranked shortlist'"] == "Eligible partners, best first."
    assert items["Note: Shortlist"] == "Burnley ranks first."


def _valid_sheet_name(name: str) -> bool:
    return 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) and name[0] != "'"


def test_sheet_names_are_valid_unique_and_readable():
    wanted = [
        "Screening: reasons?",
        "Per-criterion breakdown: value scores [0-100]",
        "Per-criterion breakdown: value scores [0-100] again",
        "per-criterion breakdown value",
        "Sources and assumptions",
        "'quoted'",
        "a/b\\c*d",
        "",
        "History",
        "x" * 40,
        "x" * 40,
    ]
    names = sheet_names(wanted)
    assert all(_valid_sheet_name(name) for name in names)
    folded = [name.casefold() for name in names] + ["sources and assumptions"]
    assert len(set(folded)) == len(folded)  # Excel compares names ignoring case
    assert names[0] == "Screening reasons"
    assert names[1] == "Per-criterion breakdown value"
    assert names[2] == "Per-criterion breakdown (2)"  # cut at a word break
    assert names[3] == "per-criterion breakdown (3)"
    assert names[4] == "Sources and assumptions (2)"
    assert names[5] == "quoted"
    assert names[6] == "a b c d"
    assert names[9] == "x" * 31 and names[10] == "x" * 27 + " (2)"


def test_same_report_gives_the_same_bytes_at_any_time(tmp_path, monkeypatch):
    first = write_excel(_report(), tmp_path / "a.xlsx").read_bytes()
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 86_400 * 400)
    second = write_excel(_report(), tmp_path / "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "b.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2009-05-14T00:00:00Z" in core


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_values_excel_cannot_store_are_reported_and_nothing_is_written(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous workbook")
    frame = pd.DataFrame({"name": ["ok", "bell\x07", "also\x01"], "score": [1.0, np.inf, 2.0]})
    report = Report.from_table("T", frame)
    with pytest.raises(DataValidationError) as info:
        write(report, target)
    assert len(info.value.problems) == 3
    assert "row 3, column 'name'" in "\n".join(info.value.problems)
    assert target.read_bytes() == b"previous workbook"
    assert _listing(tmp_path) == ["out.xlsx"]


def test_failure_while_writing_the_zip_leaves_no_trace(tmp_path, monkeypatch):
    class ExplodingWriter:
        def __init__(self, workbook, archive):
            self.archive = archive

        def save(self):
            self.archive.writestr("xl/half-written.xml", b"x" * 10_000)
            raise OSError("disk full")

    monkeypatch.setattr(excel_module, "ExcelWriter", ExplodingWriter)
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous workbook")
    with pytest.raises(OSError, match="disk full"):
        write(_report(), target)
    assert target.read_bytes() == b"previous workbook"
    assert _listing(tmp_path) == ["out.xlsx"]
    with pytest.raises(OSError, match="disk full"):
        write(_report(), tmp_path / "new.xlsx")
    assert _listing(tmp_path) == ["out.xlsx"]


# ---------------------------------------------------------------------------------------
# A real shortlist: Lancaster, revenues and benefits, June 2009
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_workbook(tmp_path_factory):
    import partnerfit as pf

    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")
    path = tmp_path_factory.mktemp("real") / "lancaster.xlsx"
    write(sl, path)
    return sl, openpyxl.load_workbook(path)


def _records(ws):
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_real_shortlist_has_every_sheet_the_issue_asks_for(real_workbook):
    _, wb = real_workbook
    # issue 18: the main body's tables (screening by reason in the summary, best ten, chance
    # of top 3), the appendices' (breakdown, weights, stability, every council screened out),
    # the full ranking (workbook only), the charts as pictures, sources and assumptions
    assert wb.sheetnames == ["Screened by reason", "Ranked", "Chance of top 3", "Breakdown",
                             "Weights", "Stability", "Screened", "Full ranking", "Charts",
                             SOURCES_SHEET]
    for ws in wb.worksheets:
        assert _valid_sheet_name(ws.title)
        if ws.title == "Charts":
            assert len(ws._images) == 4  # contributions, stability, rank-chance charts, map
            continue
        assert ws.freeze_panes == "A2"
        assert all(cell.font.b for cell in ws[1])
        for cell in ws[1]:
            width = ws.column_dimensions[cell.column_letter].width
            assert MIN_WIDTH <= width <= MAX_WIDTH, (ws.title, cell.value, width)
    items = {a: b for a, b in wb[SOURCES_SHEET].iter_rows(min_row=2, values_only=True)}
    assert any(key.startswith("Source ") for key in items)
    assert any(key.startswith("Assumption ") for key in items)


def test_real_shortlist_types_and_formats(real_workbook):
    _, wb = real_workbook
    ws = wb["Full ranking"]
    columns = {cell.value: cell.column for cell in ws[1]}
    sl, _ = real_workbook
    assert ws.max_row - 1 == len(sl.scores)  # every candidate, not the best 30
    for row in range(2, ws.max_row + 1):
        rank, score = ws.cell(row, columns["rank"]), ws.cell(row, columns["score (of 100)"])
        distance = ws.cell(row, columns["distance (km)"])
        code = ws.cell(row, columns["ONS code"])
        assert isinstance(rank.value, int) and rank.value == row - 1
        # a whole score (28.0) comes back from the file as an int
        assert isinstance(score.value, (int, float)) and 0 <= score.value <= 100
        assert score.number_format == "#,##0.0"
        assert distance.number_format == '#,##0.0" km"' and distance.value > 0
        if ws.cell(row, columns["kind of council"]).value == "Existing partnership":
            assert code.value in (None, "")  # an arrangement, no ONS code
        else:
            assert code.data_type == "s" and re.fullmatch(r"[ENSW]\d{8}", code.value)
    weights = wb["Weights"]
    wcol = [c.value for c in weights[1]].index("weight") + 1
    cells = [weights.cell(row, wcol) for row in range(2, weights.max_row + 1)]
    assert all(cell.number_format == "0.0%" for cell in cells)  # Excel percentages
    assert abs(sum(cell.value for cell in cells) - 1) < 1e-9  # fractions that sum to 100%
    for record in _records(weights):
        assert isinstance(record["value function"], str) and "scores" in record["value function"]
    stability = wb["Stability"]
    for cell in stability[2][1:]:
        assert cell.number_format == "0.0%" and 0 <= cell.value <= 1


def test_real_shortlist_breakdown_adds_up_to_the_score(real_workbook):
    _, wb = real_workbook
    ranked = {r["rank"]: r for r in _records(wb["Full ranking"])}
    for record in _records(wb["Breakdown"]):
        parts = [v for k, v in record.items() if k not in ("rank", "council")]
        assert abs(sum(parts) - ranked[record["rank"]]["score (of 100)"]) < 1e-9
        assert record["council"] == ranked[record["rank"]]["council"]
    # the breakdown's headers are the criteria without their group ("distance" for
    # "Geography: distance")
    weights = {r["criterion"].split(": ", 1)[-1] for r in _records(wb["Weights"])
               if r["weight"] > 0}
    assert set(_records(wb["Breakdown"])[0]) - {"rank", "council"} == weights


def test_real_shortlist_screening_reasons(real_workbook):
    import partnerfit as pf

    sl, wb = real_workbook
    screened = {r["code"]: r for r in _records(wb["Screened"])}
    assert "county" in screened["E10000017"]["reason"]  # Lancashire cannot run R&B
    assert "not in force" in screened["E06000057"]["reason"]  # Northumberland, from 2013
    assert screened["E07000121"]["reason"] == "the council itself"
    # every council of the register (every vintage) is either scored or screened out
    councils = {c for c in sl.scores.index if not sl.is_partnership(c)}
    assert set(screened).isdisjoint(sl.scores.index)
    assert set(screened) | councils == set(pf.load_councils().index)


def test_unknown_cells_are_hatched_with_a_note(partly_known_shortlist, tmp_path):
    from openpyxl import load_workbook

    sl = partly_known_shortlist
    path = write_excel(sl.to_report(top=30, figures=False), tmp_path / "sl.xlsx")
    ws = load_workbook(path)["Breakdown"]
    header = [c.value for c in ws[1]]
    col = header.index(sl.criteria["systems"].label) + 1
    names = [ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)]
    codes = sl.full_table().head(30).set_index("name")["code"]
    for r, name in enumerate(names, start=2):
        cell = ws.cell(row=r, column=col)
        unknown = bool(sl.missing.at[codes[name], "systems"])
        assert (cell.fill.fill_type == "lightUp") == unknown, name
        assert (cell.comment is not None) == unknown
        if unknown:
            assert "unknown" in cell.comment.text
            assert isinstance(cell.value, (int, float))  # still a number officers can add up
    assert "Preston" in names and "Lancaster" not in names
