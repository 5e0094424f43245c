"""Tests for the shortlist report builder (partnerfit.export.builders.shortlist): a main body of
at most three A4 pages when printed in headless Chromium, the full ranking in Excel only,
screened councils counted by reason."""

from __future__ import annotations

import io
import shutil
import subprocess

import openpyxl
import pytest

import partnerfit as pf
from partnerfit.export import write
from partnerfit.export.builders.shortlist import screened_summary

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def wyre():
    return pf.shortlist("Wyre Forest", "building_control", as_of="2024-04-01")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("case", [("Wyre Forest", "building_control", "2024-04-01"),
                                  ("Lancaster", "revenues_benefits", "2009-06-01")])
def test_main_body_prints_on_at_most_three_a4_pages(case, tmp_path):
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed")
    council, service, date = case
    sl = pf.shortlist(council, service, as_of=date)
    page = write(sl, tmp_path / "r.html")
    pdf = tmp_path / "r.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()],
                   capture_output=True, text=True, timeout=180, check=True)
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages]
    first_appendix = next(i for i, text in enumerate(pages) if "Appendix A" in text)
    assert 1 <= first_appendix <= 3  # pages before the appendices: the main body
    main = " ".join(pages[:first_appendix])
    assert "How robust the ranking is" in main and "Screened by reason" in main
    assert "Bromsgrove" in main or "South Lakeland" in main


def test_screened_councils_counted_by_reason_add_up(wyre):
    summary = screened_summary(wyre.screened)
    assert summary["councils"].sum() == len(wyre.screened)
    # counted independently from the raw reasons
    reasons = wyre.screened["reason"]
    ended = reasons.str.contains(r"\(ended", regex=True).sum()
    got = dict(zip(summary["reason"], summary["councils"]))
    assert got["abolished or merged before this date"] == ended
    assert got["a county does not deliver building control"] == \
        (reasons == "a county does not deliver building control").sum()
    assert list(summary["councils"]) == sorted(summary["councils"], reverse=True)


def test_full_ranking_and_charts_in_the_workbook(wyre, tmp_path):
    path = write(wyre, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    full = wb["Full ranking"]
    assert full.max_row - 1 == len(wyre.scores)
    codes = [row[0] for row in full.iter_rows(min_row=2, min_col=3, max_col=3,
                                                values_only=True)]
    ft = wyre.full_table()
    # an existing partnership has no ONS code: its cell is empty
    assert codes == [c if k == "council" else None for c, k in zip(ft["code"], ft["kind"],
                                                                   strict=True)]
    assert list(ft["code"].head(len(wyre.table))) == list(wyre.table["code"])
    assert len(wb["Charts"]._images) == 4  # contributions, stability, chance of each rank, map
    page = write(wyre, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Full ranking" not in page.split("<main>")[1].split("Sources and assumptions")[0] \
        .replace("all are in the Excel workbook", "")
