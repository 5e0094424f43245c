"""Tests for the one-page brief (partnerfit.export.brief, .builders.brief, .pdf, .docx) and the
robustness verdict (partnerfit.sensitivity.verdict).

Page counts come from printing the HTML in headless Chromium (Debian's ``chromium``, installed
by .ci/run) and from WeasyPrint's PDF, read back with pypdf; both skip cleanly when missing.
"""

from __future__ import annotations

import html.parser
import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import partnerfit as pf
from partnerfit.errors import ExportError, PDFEngineMissingError
from partnerfit.export import pdf as pdfmod
from partnerfit.export.brief import render_brief_html, write_brief
from partnerfit.export.builders.brief import plan_brief, shortlist_brief
from partnerfit.sensitivity.verdict import (
    GREEN_FIRST,
    GREEN_MARGIN,
    PLAN_THRESHOLDS_TEXT,
    RED_FIRST,
    RED_MARGIN,
    chance_text,
    robustness_verdict,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def _has(module: str) -> bool:
    try:
        __import__(module)
    except (ImportError, OSError):
        return False
    return True


needs_weasyprint = pytest.mark.skipif(not _has("weasyprint"),
                                      reason="WeasyPrint is not installed (extra 'brief')")
needs_docx = pytest.mark.skipif(not _has("docx"),
                                reason="python-docx is not installed (extra 'brief')")


@pytest.fixture(scope="module")
def wyre():
    return pf.shortlist("Wyre Forest", "building_control", as_of="2024-04-01")


@pytest.fixture(scope="module")
def lancaster():
    return pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")


@pytest.fixture(scope="module")
def plan():
    # pinned to the earlier default profile, under which Cumbria's districts form groups (the
    # default since 2026-12-05 leaves each alone: nothing to re-make)
    return pf.propose_groupings("county:Cumbria", ["revenues_benefits"], as_of="2019-04-01",
                                weights="north_lincolnshire_2014")


@pytest.fixture(scope="module")
def briefs(wyre, lancaster, plan):
    # a plan that leaves four councils alone: their reasons go on the page too
    strict = pf.propose_groupings("county:Cumbria", ["revenues_benefits"], as_of="2019-04-01",
                                  min_pair_score=60)
    out = {"wyre": shortlist_brief(wyre), "lancaster": shortlist_brief(lancaster),
           "plan": plan_brief(plan), "plan-alone": plan_brief(strict)}
    out["plan-alone"].alone_names = list(  # the councils the plan leaves alone
        strict.groups.loc[strict.groups["role"] == "alone", "name"])
    return out


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.alts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "title"):
            self._skip += 1
        if tag == "img":
            self.alts.append(dict(attrs).get("alt", ""))

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _visible(page: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split()), parser.alts


def _pdf_pages(data: bytes) -> list:
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed")
    return list(pypdf.PdfReader(io.BytesIO(data)).pages)


def _chromium_pdf(tmp_path: Path, page: Path) -> bytes:
    out = tmp_path / (page.stem + ".chromium.pdf")
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={out}", page.as_uri()],
                   capture_output=True, text=True, timeout=180, check=True)
    return out.read_bytes()


# ------------------------------------------------------------------------- content

def test_shortlist_brief_says_the_recommendation_in_one_sentence(briefs, wyre):
    brief = briefs["wyre"]
    top = wyre.table.iloc[:2]
    gap = round(float(top["score"].iloc[0]) - float(top["score"].iloc[1]), 1)
    assert brief.recommendation.startswith(f"{top['name'].iloc[0]} is the strongest partner")
    assert f"{gap:.1f} points ahead of {top['name'].iloc[1]}" in brief.recommendation
    assert brief.recommendation.count(". ") == 0 and brief.recommendation.endswith(".")
    assert [r[1] for r in brief.top_rows] == list(wyre.table["name"].head(3))


def test_existing_arrangements_name_the_running_shared_service(briefs):
    # North Worcestershire Building Control (Bromsgrove, Redditch, Wyre Forest) runs in 2024
    text = " ".join(briefs["wyre"].existing)
    assert "North Worcestershire" in text and "Redditch" in text and "Bromsgrove" in text


def test_plan_brief_gives_each_council_left_alone_its_reason(briefs):
    notes = " ".join(briefs["plan-alone"].notes)
    alone = briefs["plan-alone"].alone_names       # read from the plan's own groups table
    assert len(alone) >= 2
    for name in alone[:4]:                         # the brief names the first four
        assert f"{name} keeps delivering revenues & benefits itself" in notes
    if len(alone) > 4:
        assert f"{len(alone) - 4} more councils are left alone" in notes


def test_verdict_in_words_as_well_as_colour(briefs):
    for brief in briefs.values():
        assert brief.verdict_colour in {"green", "amber", "red", "grey"}
        words = {"green": "robust", "amber": "fairly robust", "red": "fragile",
                 "grey": "not assessed"}
        assert brief.verdict_word == words[brief.verdict_colour]
        page, _ = _visible(render_brief_html(brief))
        assert brief.verdict_word.capitalize() in page


def _brute_margin(sl, step=0.0025):
    """Smallest move of one weight (others rescaled in proportion) that changes the leader,
    by a grid sweep with numpy (independent of the interval algebra)."""
    values = sl.value_matrix.to_numpy(float)
    w = sl.weights.to_numpy(float)
    codes = np.array(sl.value_matrix.index)
    leader = sl.table["code"].iloc[0]
    best = np.inf
    for j in range(len(w)):  # criteria at weight 0 too: raising one can change the leader
        for t in np.arange(0, 1 + 1e-9, step):
            rest = 1 - w[j]
            ww = w * ((1 - t) / rest) if rest > 0 else w.copy()
            ww[j] = t
            scores = values @ ww
            top = scores.max()
            first = min(codes[np.isclose(scores, top, rtol=0, atol=1e-9)])
            if first != leader:
                best = min(best, abs(t - w[j]))
    return best


def test_verdict_margin_matches_a_brute_force_weight_sweep(lancaster):
    verdict = robustness_verdict(lancaster)
    brute = _brute_margin(lancaster)
    assert np.isfinite(verdict.margin)
    assert abs(verdict.margin - brute) <= 0.0025 + 1e-9
    expected = ("red" if verdict.first < RED_FIRST or verdict.margin < RED_MARGIN else
                "green" if verdict.first >= GREEN_FIRST and verdict.margin >= GREEN_MARGIN
                else "amber")
    assert verdict.colour == expected


def test_plan_verdict_follows_the_recurrence_of_its_least_stable_group(plan):
    brief = plan_brief(plan, figure=False, robustness=12)
    recurrence = plan.robustness(12, seed=0)
    # re-solved independently: the least stable group sets the colour (thresholds as printed)
    low = recurrence["share"].min()
    expected = "red" if low < RED_FIRST else "green" if low >= GREEN_FIRST else "amber"
    assert brief.verdict_colour == expected
    assert PLAN_THRESHOLDS_TEXT in brief.notes
    if expected != "green":
        worst = recurrence.sort_values(["share", "group"]).iloc[0]
        assert worst["group"] in brief.verdict_text  # names, not codes
    assert not re.search(r"\b[EWS]\d{8}\b", brief.verdict_text)
    assert plan_brief(plan, figure=False, robustness=0).verdict_word == "not assessed"


def test_shortlist_brief_map_is_zoomed_on_the_top_three_and_partners(briefs, wyre):
    fig = briefs["wyre"].figure.figure_or_bytes
    ax = fig.axes[0]
    reg = pf.load_councils(wyre.as_of)
    focus = [wyre.council, *wyre.table["code"].head(3),
             pf.find_council("Redditch", wyre.as_of)]  # its existing partner
    x = reg.loc[focus, "easting"] / 1000
    y = reg.loc[focus, "northing"] / 1000
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 <= x.min() and x.max() <= x1 and y0 <= y.min() and y.max() <= y1
    # zoomed: the frame spans the focus plus a margin, not the next eight councils' area
    assert (x1 - x0) < (x.max() - x.min()) + 80 and (y1 - y0) < (y.max() - y.min()) + 80
    labels = " ".join(t.get_text() for t in ax.texts)
    for code in focus[1:]:
        assert reg.at[code, "name"] in labels


def test_chance_is_never_rounded_to_a_certainty_it_is_not():
    assert chance_text(0.998) == "over 99%" and chance_text(0.002) == "under 1%"
    assert chance_text(1.0) == "100%" and chance_text(0.0) == "0%"
    assert chance_text(0.555) == "56%"


# ------------------------------------------------------------------------- one A4 page

@needs_chromium
@pytest.mark.parametrize("which", ["wyre", "lancaster", "plan", "plan-alone"])
def test_brief_html_prints_on_one_a4_page_in_chromium(briefs, which, tmp_path):
    page = write_brief(briefs[which], tmp_path / f"{which}.html")
    pages = _pdf_pages(_chromium_pdf(tmp_path, page))
    assert len(pages) == 1
    box = pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 2 and abs(float(box.height) - 841.89) < 2


@needs_weasyprint
@pytest.mark.parametrize("which", ["wyre", "lancaster", "plan", "plan-alone"])
def test_weasyprint_pdf_is_one_a4_page(briefs, which, tmp_path):
    path = write_brief(briefs[which], tmp_path / f"{which}.pdf", pdf_engine="weasyprint")
    pages = _pdf_pages(path.read_bytes())
    assert len(pages) == 1
    assert abs(float(pages[0].mediabox.width) - 595.28) < 2
    text = pages[0].extract_text()
    assert briefs[which].verdict_word in text.lower()


@needs_chromium
def test_browser_pdf_is_one_page_with_fixed_dates(briefs, tmp_path):
    path = write_brief(briefs["wyre"], tmp_path / "b.pdf", pdf_engine="browser")
    data = path.read_bytes()
    assert len(_pdf_pages(data)) == 1
    assert b"2026" not in data.split(b"/CreationDate", 1)[1][:40]
    assert b"D:20000101000000" in data


def test_no_pdf_engine_names_what_to_install(briefs, tmp_path, monkeypatch):
    monkeypatch.setattr(pdfmod, "find_browser", lambda: None)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as if not installed
    with pytest.raises(PDFEngineMissingError) as info:
        write_brief(briefs["wyre"], tmp_path / "b.pdf")
    message = str(info.value)
    assert "partnerfit[brief]" in message and "Chrome" in message and "Edge" in message
    assert not (tmp_path / "b.pdf").exists()


def test_unknown_suffix_is_refused(briefs, tmp_path):
    with pytest.raises(ExportError, match=r"\.html, \.pdf or \.docx"):
        write_brief(briefs["wyre"], tmp_path / "b.txt")


# ------------------------------------------------------------------------- Word

@needs_docx
def test_docx_opens_and_holds_the_recommendation_and_map_alt_text(briefs, tmp_path):
    import docx

    path = write_brief(briefs["wyre"], tmp_path / "b.docx")
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert briefs["wyre"].recommendation in text
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert briefs["wyre"].top_rows[0][1] in cells
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    assert 'descr="Map of Wyre Forest' in xml
    section = document.sections[0]
    assert abs(section.page_width.mm - 210) < 0.5 and abs(section.page_height.mm - 297) < 0.5


@needs_docx
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (page count of Word)")
@pytest.mark.parametrize("which", ["wyre", "plan-alone"])
def test_docx_brief_is_one_a4_page_in_libreoffice(briefs, which, tmp_path):
    path = write_brief(briefs[which], tmp_path / f"{which}.docx")
    subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   capture_output=True, text=True, timeout=240, check=True)
    pages = _pdf_pages((tmp_path / f"{which}.pdf").read_bytes())
    assert len(pages) == 1
    assert abs(float(pages[0].mediabox.width) - 595.28) < 2


# ------------------------------------------------------------------------- reproducible

@pytest.mark.parametrize("suffix", [".html", ".docx", ".pdf"])
def test_brief_reruns_are_byte_identical(suffix, tmp_path):
    if suffix == ".docx" and not _has("docx"):
        pytest.skip("python-docx is not installed")
    if suffix == ".pdf" and not _has("weasyprint") and pdfmod.find_browser() is None:
        pytest.skip("no PDF engine installed")
    outs = []
    for run in range(2):
        sl = pf.shortlist("Wyre Forest", "building_control", as_of="2024-04-01")
        outs.append(sl.to_brief(tmp_path / f"r{run}{suffix}").read_bytes())
    assert outs[0] == outs[1]


# ------------------------------------------------------------------------- officer words

_IDENTIFIER = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


def _officer_text_problems(text: str) -> list[str]:
    cat = pf.services() if hasattr(pf, "services") else None
    ids = set(cat.index) if cat is not None else set()
    ids |= {"non_metropolitan_district", "metropolitan_district", "london_borough", "unitary",
            "county"} - {"county", "unitary"}
    found = sorted(set(_IDENTIFIER.findall(text)) | {i for i in ids if f" {i} " in f" {text} "})
    return found


def test_brief_text_has_no_raw_ids(briefs):
    for name, brief in briefs.items():
        page, alts = _visible(render_brief_html(brief))
        assert alts and all(a.strip() for a in alts), name
        assert _officer_text_problems(page + " " + " ".join(alts)) == [], name


def test_cli_brief_writes_each_format(tmp_path):
    for suffix in (".html", ".docx"):
        out = subprocess.run([sys.executable, "-m", "partnerfit.cli", "brief", "Wyre Forest",
                              "-s", "building_control", "--as-of", "2024-04-01",
                              "-o", str(tmp_path / f"b{suffix}")],
                             capture_output=True, text=True, check=False)
        assert out.returncode == 0, out.stderr
        assert (tmp_path / f"b{suffix}").stat().st_size > 1000
    bad = subprocess.run([sys.executable, "-m", "partnerfit.cli", "brief", "Wyre Forest", "-s",
                          "building_control", "-o", str(tmp_path / "b.txt")],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and ".html, .pdf or .docx" in bad.stderr


def test_cli_groupings_writes_the_plan_brief(tmp_path, plan):
    out = subprocess.run([sys.executable, "-m", "partnerfit.cli", "groupings", "--county",
                          "Cumbria", "-s", "revenues_benefits", "--as-of", "2019-04-01",
                          "--weights", "north_lincolnshire_2014",  # as the plan fixture
                          "--brief", str(tmp_path / "plan.html")],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    page, _ = _visible((tmp_path / "plan.html").read_text(encoding="utf-8"))
    # the same plan and verdict as made in Python
    assert plan_brief(plan, figure=False).recommendation in page
    assert plan_brief(plan, figure=False).verdict_text in page
    bad = subprocess.run([sys.executable, "-m", "partnerfit.cli", "groupings", "--county",
                          "Cumbria", "-s", "revenues_benefits", "--brief",
                          str(tmp_path / "b.txt")], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and ".html, .pdf or .docx" in bad.stderr
    assert not (tmp_path / "b.txt").exists()


# ------------------------------------------------------------------------- CLI parity

@pytest.mark.parametrize("command", ["shortlist", "report", "brief", "groupings"])
def test_data_options_on_every_scoring_command(command):
    out = subprocess.run([sys.executable, "-m", "partnerfit.cli", command, "--help"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0
    for flag in ("--weights", "--links", "--systems"):
        assert flag in out.stdout, (command, flag)


def test_cli_links_file_replaces_the_bundled_arrangements(tmp_path):
    import pandas as pd

    root = Path(__file__).resolve().parents[1] / "councils"
    table = pd.read_csv(root / "arrangements_england_districts.csv", dtype=str)
    # one arrangement that does not involve Wyre Forest
    other = table[~table["arrangement"].isin(
        table.loc[table["council"] == "E07000239", "arrangement"])]
    first = other[other["arrangement"] == other["arrangement"].iloc[0]]
    links = tmp_path / "links.csv"
    first.to_csv(links, index=False)
    args = ["brief", "Wyre Forest", "-s", "building_control", "--as-of", "2024-04-01"]
    for name, extra in (("bundled", []), ("own", ["--links", str(links)])):
        out = subprocess.run([sys.executable, "-m", "partnerfit.cli", *args, *extra,
                              "-o", str(tmp_path / f"{name}.html")],
                             capture_output=True, text=True, check=False)
        assert out.returncode == 0, out.stderr
    bundled = (tmp_path / "bundled.html").read_text(encoding="utf-8")
    own = (tmp_path / "own.html").read_text(encoding="utf-8")
    assert "North Worcestershire Building Control" in bundled
    assert "North Worcestershire Building Control" not in own
    assert "No shared arrangement for building control involving Wyre Forest" in own
