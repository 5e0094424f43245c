"""Tests for the text exports: Markdown (partnerfit.export.markdown), CSV
(partnerfit.export.csvfile), the ``write`` dispatcher and atomic writing.

Tables are parsed back with a small independent pipe-table reader; expected
cells are worked out by hand from the input frames.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re

import numpy as np
import pandas as pd
import pytest

from partnerfit.export import ExportError, render_csv, render_markdown, write
from partnerfit.export._atomic import atomic_path
from partnerfit.report import Figure, Report, Section, Table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["E07000117", "E07000128", "W06000001"],
            "name": ["Burnley | Pendle", "Wyre*", "Ynys Môn"],
            "score": [81.25, 2.675, np.nan],
            "distance": [12.25, 30.0, 141.75],
            "population": [94_000, 1_112_000, 69_000],
            "share": [0.8125, 0.0004, 1.0],
            "since": pd.to_datetime(["2009-04-01", None, "2023-12-31"]),
            "note": ['=HYPERLINK("x")', "-2 partners", "line one\nline two"],
        }
    )


FORMATS = {"score": "float2", "distance": "km", "share": "percent"}


def _report(figures=()) -> Report:
    weights = pd.DataFrame({"criterion": ["geography", "systems"], "weight": [0.6, 0.4]})
    return Report(
        "Partners for Lancaster",
        subtitle="As of 1 April 2009",
        generated_on=dt.date(2009, 5, 14),
        sections=[
            Section(
                "Shortlist",
                ["Burnley ranks first.", "# not a heading\n- not a list"],
                [Table("Ranked", _frame(), FORMATS, caption="Best first.")],
                list(figures),
            ),
            Section("Method", tables=[Table("Weights", weights, {"weight": "percent"})]),
        ],
        sources=["ONS register (2009)", "LGA map"],
        assumptions=["Straight-line distances."],
    )


def _split_row(line: str) -> list[str]:
    """Cells of one pipe-table line, honouring backslash escapes."""
    assert line.startswith("| ") and line.endswith(" |"), line
    cells, current, escaped = [], "", False
    for char in line[2:-2]:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += char
    cells.append(current.strip())
    return cells


def _tables(text: str) -> list[dict]:
    """Every pipe table in the text: header, alignment row and body rows."""
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("| ") and i + 1 < len(lines) and "---" in lines[i + 1]:
            body = []
            j = i + 2
            while j < len(lines) and lines[j].startswith("| "):
                body.append(_split_row(lines[j]))
                j += 1
            tables.append(
                {"head": _split_row(lines[i]), "align": _split_row(lines[i + 1]), "rows": body}
            )
            i = j
        else:
            i += 1
    return tables


@pytest.fixture(scope="module")
def markdown():
    return render_markdown(_report())


def test_pipe_tables_with_formatted_numbers(markdown):
    ranked, weights = _tables(markdown)
    assert ranked["head"] == list(_frame().columns)
    assert ranked["align"] == ["---", "---", "---:", "---:", "---:", "---:", "---", "---"]
    assert ranked["rows"] == [
        [
            "E07000117",
            "Burnley | Pendle",
            "81.25",
            "12.3 km",
            "94,000",
            "81.3%",
            "1 Apr 2009",
            '=HYPERLINK("x")',
        ],
        ["E07000128", "Wyre*", "2.68", "30.0 km", "1,112,000", "0.0%", "", "-2 partners"],
        [
            "W06000001",
            "Ynys Môn",
            "",
            "141.8 km",
            "69,000",
            "100.0%",
            "31 Dec 2023",
            "line one<br>line two",
        ],
    ]
    assert weights["rows"] == [["geography", "60.0%"], ["systems", "40.0%"]]


def test_every_table_line_has_the_same_number_of_cells(markdown):
    for table in _tables(markdown):
        widths = {len(table["head"]), len(table["align"])} | {len(r) for r in table["rows"]}
        assert len(widths) == 1


def test_pipes_and_markup_are_escaped(markdown):
    assert r"Burnley \| Pendle" in markdown
    assert r"Wyre\*" in markdown
    assert "\\# not a heading<br>\\- not a list" in markdown


def test_headings_captions_and_sources_at_the_end(markdown):
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings == [
        "# Partners for Lancaster",
        "## Shortlist",
        "## Method",
        "## Sources and assumptions",
        "### Sources",
        "### Assumptions",
    ]
    assert "**Table 1: Best first.**" in markdown and "**Table 2: Weights**" in markdown
    assert "**Date:** 14 May 2009" in markdown
    tail = markdown.split("## Sources and assumptions", 1)[1]
    assert "1. ONS register (2009)\n2. LGA map" in tail
    assert "- Straight-line distances." in tail
    assert markdown.endswith("\n") and "|" not in tail


def _svg():
    return b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


def test_figures_omitted_with_a_note_by_default(tmp_path):
    report = _report([Figure("scores", _svg(), caption="Scores.")])
    path = write(report, tmp_path / "r.md")
    text = path.read_text(encoding="utf-8")
    assert "*Figure 1: Scores.* (not included in this Markdown file; see the HTML report)" in text
    assert "![" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]


def test_figures_as_side_car_files(tmp_path):
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(2, 1))
    fig.subplots().plot([0, 1])
    report = _report([Figure("line", fig, caption="A line."), Figure("svg", _svg(), alt="Box")])
    path = write(report, tmp_path / "my report.md", figures="files")
    text = path.read_text(encoding="utf-8")
    links = re.findall(r"!\[([^\]]*)\]\(([^)]+)\)", text)
    assert links == [
        ("A line.", "my%20report_figures/figure-1.png"),
        ("Box", "my%20report_figures/figure-2.svg"),
    ]
    folder = tmp_path / "my report_figures"
    assert (folder / "figure-1.png").read_bytes().startswith(PNG_SIGNATURE)
    assert (folder / "figure-2.svg").read_bytes() == _svg()


def test_failing_figure_in_files_mode_writes_nothing(tmp_path):
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure as MplFigure

    class Broken(Artist):
        def draw(self, renderer):
            raise RuntimeError("no data")

    broken = MplFigure()
    broken.add_artist(Broken())
    report = _report([Figure("ok", _svg()), Figure("broken", broken)])
    target = tmp_path / "r.md"
    target.write_text("old")
    with pytest.raises(ExportError, match="'broken' could not be drawn"):
        write(report, target, figures="files")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]


# ---------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------


def test_csv_holds_raw_values_and_defuses_formulas(tmp_path):
    path = write(_report(), tmp_path / "ranked.csv", table="Ranked")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads "Môn" correctly
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(_frame().columns)
    assert rows[1] == [
        "E07000117",
        "Burnley | Pendle",
        "81.25",
        "12.25",
        "94000",
        "0.8125",
        "2009-04-01",
        '\'=HYPERLINK("x")',
    ]
    assert rows[2][2] == "2.675" and rows[2][6] == "" and rows[2][7] == "'-2 partners"
    assert rows[3][2] == "" and rows[3][1] == "Ynys Môn" and rows[3][7] == "line one\nline two"
    assert len(rows) == 4


def test_csv_needs_a_table_name_when_there_are_several():
    with pytest.raises(ExportError, match="has 2 tables .*'Ranked', 'Weights'"):
        render_csv(_report())
    with pytest.raises(ExportError, match="no table named 'Nope'"):
        render_csv(_report(), table="Nope")
    one = Report.from_table("Weights", pd.DataFrame({"w": [0.5]}), {"w": "percent"})
    assert render_csv(one) == "w\r\n0.5\r\n"


# ---------------------------------------------------------------------------------------
# write(): choosing the format; atomic writing
# ---------------------------------------------------------------------------------------


def test_write_chooses_the_format_by_suffix(tmp_path):
    report = Report.from_table("T", pd.DataFrame({"a": [1]}))
    assert write(report, tmp_path / "a.XLSX").read_bytes()[:2] == b"PK"
    assert write(report, tmp_path / "a.htm").read_text().startswith("<!DOCTYPE html>")
    assert write(report, tmp_path / "a.markdown").read_text().startswith("# T\n")
    assert write(report, tmp_path / "a.csv").read_bytes() == b"\xef\xbb\xbfa\r\n1\r\n"
    assert write(report, tmp_path / "report", format="html").read_text().startswith("<!DOC")


def test_write_rejects_unknown_or_contradictory_formats(tmp_path):
    report = Report.from_table("T", pd.DataFrame({"a": [1]}))
    with pytest.raises(ExportError, match="Cannot tell the format"):
        write(report, tmp_path / "a.docx")
    with pytest.raises(ExportError, match="contradicts the suffix"):
        write(report, tmp_path / "a.xlsx", format="csv")
    with pytest.raises(ExportError, match="Unknown export format 'pdf'"):
        write(report, tmp_path / "a", format="pdf")
    with pytest.raises(ExportError, match="do not apply to 'html'"):
        write(report, tmp_path / "a.html", table="T")
    with pytest.raises(ExportError, match="folder .* does not exist"):
        write(report, tmp_path / "missing" / "a.md")
    assert list(tmp_path.iterdir()) == []


def test_write_accepts_results_with_to_report(tmp_path):
    class Shortlist:
        def to_report(self):
            return Report.from_table("From result", pd.DataFrame({"a": [1]}))

    assert write(Shortlist(), tmp_path / "s.md").read_text().startswith("# From result")
    with pytest.raises(ExportError, match="Cannot export a DataFrame"):
        write(pd.DataFrame({"a": [1]}), tmp_path / "d.md")


def test_atomic_path_keeps_target_and_removes_temp_on_any_failure(tmp_path):
    target = tmp_path / "out.md"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as temp:
        temp.write_text("half")
        assert temp.parent == tmp_path and temp != target
        raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_new_files_get_normal_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = write(Report.from_table("T", pd.DataFrame({"a": [1]})), tmp_path / "t.md")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0o600
    os.chmod(path, 0o640)
    write(Report.from_table("T", pd.DataFrame({"a": [2]})), path)
    assert path.stat().st_mode & 0o777 == 0o640  # replacing keeps the file's mode


def test_unknown_cells_are_starred(partly_known_shortlist):
    from partnerfit.export import render_markdown

    sl = partly_known_shortlist
    text = render_markdown(sl.to_report(top=30, figures=False))
    table = text.split("Points per criterion")[1]
    lines = [ln for ln in table.splitlines() if ln.startswith("| ")][2:]
    top = sl.full_table().head(30)
    col = 2 + list(sl.criteria).index("systems")
    for line, code in zip(lines, top["code"]):
        cell = [c.strip() for c in line.strip("|").split("|")][col]
        assert cell.endswith("\\*") == bool(sl.missing.at[code, "systems"])
