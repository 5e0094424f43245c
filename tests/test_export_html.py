"""Tests for partnerfit.export.html: parsed with html.parser, rendered in headless Chromium.

The Chromium tests need Debian's ``chromium`` package and skip cleanly without it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partnerfit.export import render_html, write, write_html
from partnerfit.report import ExportError, Figure, Report, Section, Table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60">'
    b'<rect width="240" height="60" fill="#00703c"/></svg>'
)
NASTY = '<script>alert("x")</script> & "quotes"'


def _figure():
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(5, 2.5))
    ax = fig.subplots()
    ax.barh(["Burnley", "Wyre", "Fylde"], [81.25, 77.5, 60.0], color="#1d70b8")
    ax.set_xlabel("Score (0-100)")
    return fig


def _report(figures=None) -> Report:
    ranked = pd.DataFrame(
        {
            "rank": range(1, 31),
            "name": [f"Council {i}" for i in range(1, 31)],
            "score": np.linspace(90, 41, 30),
            "share": np.linspace(1, 0, 30),
            "since": pd.to_datetime(["2009-04-01"] * 30),
        }
    )
    ranked.loc[1, "name"] = NASTY
    weights = pd.DataFrame({"criterion": ["geography", "systems"], "weight": [0.6, 0.4]})
    if figures is None:
        figures = [
            Figure("scores", _figure(), caption="Scores of the shortlisted councils."),
            Figure("badge", SVG, caption="An SVG figure."),
        ]
    return Report(
        "Revenues & benefits partners for Lancaster",
        subtitle="As of 1 April 2009",
        generated_for="Cabinet, 14 May 2009",
        generated_on=dt.date(2009, 5, 14),
        sections=[
            Section(
                "Shortlist",
                ["Burnley ranks first.", NASTY],
                [Table("Ranked", ranked, {"score": "float1", "share": "percent"}, "Best first.")],
                figures,
            ),
            Section("Method", tables=[Table("Weights", weights, {"weight": "percent"})]),
        ],
        sources=["ONS register of councils (2009)", NASTY],
        assumptions=["Straight-line distances."],
    )


class _Page(HTMLParser):
    """Collect what the tests need from a page, independently of the writer."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.text: dict[str, list[str]] = {}
        self.tables: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self.stack.append(tag)
        if tag == "table":
            self.tables.append({"head": [], "rows": [], "classes": []})
        elif tag == "tr" and self.tables:
            part = "head" if "thead" in self.stack else "rows"
            self.tables[-1][part].append([])
        elif tag in ("td", "th") and self.tables:
            part = "head" if "thead" in self.stack else "rows"
            self.tables[-1][part][-1].append("")
            if tag == "td":
                self.tables[-1]["classes"].append(attrs.get("class") or "")

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self.stack:
            self.text.setdefault(self.stack[-1], []).append(data)
        if self.stack and self.stack[-1] in ("td", "th") and self.tables:
            part = "head" if "thead" in self.stack else "rows"
            self.tables[-1][part][-1][-1] += data


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module")
def page_text():
    return render_html(_report())


def test_title_headings_and_sections_in_order(page_text):
    page = _parse(page_text)
    assert page.text["title"] == ["Revenues & benefits partners for Lancaster"]
    assert page.text["h1"] == ["Revenues & benefits partners for Lancaster"]
    assert page.text["h2"] == ["Shortlist", "Method", "Sources and assumptions"]
    assert "14 May 2009" in page.text["time"]
    # sources come after every table and figure
    order = [tag for tag, _ in page.tags if tag in ("table", "img", "ol")]
    assert order[-1] == "ol"


def test_tables_rows_cells_and_alignment(page_text):
    page = _parse(page_text)
    ranked, weights = page.tables
    assert ranked["head"] == [["rank", "name", "score", "share", "since"]]
    assert len(ranked["rows"]) == 30 and len(weights["rows"]) == 2
    assert ranked["rows"][0] == ["1", "Council 1", "90.0", "100.0%", "1 Apr 2009"]
    # 90 - 49 * 29 / 29 = 41.0 for the last row; share 0
    assert ranked["rows"][-1] == ["30", "Council 30", "41.0", "0.0%", "1 Apr 2009"]
    assert weights["rows"] == [["geography", "60.0%"], ["systems", "40.0%"]]
    first_row_classes = ranked["classes"][:5]
    assert first_row_classes == ["pf-num", "", "pf-num", "pf-num", "pf-date"]


def test_all_text_is_escaped(page_text):
    page = _parse(page_text)
    assert not any(tag == "script" for tag, _ in page.tags)
    assert NASTY in page.tables[0]["rows"][1]
    assert NASTY in page.text["p"] and NASTY in page.text["li"]


def test_self_contained_no_external_resources(page_text):
    page = _parse(page_text)
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    for _, attrs in page.tags:
        for name in ("src", "href"):
            if name in attrs:
                assert attrs[name].startswith("data:"), attrs[name][:60]
    assert not re.search(r"url\(|@import|https?://", "".join(page.text["style"]))
    csp = [a["content"] for t, a in page.tags if t == "meta" and "http-equiv" in a]
    assert csp == ["default-src 'none'; img-src data:; style-src 'unsafe-inline'"]


def test_figures_are_embedded_with_captions(page_text):
    page = _parse(page_text)
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) == 2
    png = base64.b64decode(images[0]["src"].removeprefix("data:image/png;base64,"))
    svg = base64.b64decode(images[1]["src"].removeprefix("data:image/svg+xml;base64,"))
    assert png.startswith(PNG_SIGNATURE) and svg == SVG
    assert images[0]["alt"] == "Scores of the shortlisted councils."
    # 5 inches wide at 150 dpi shown at 96 CSS px per inch: about 480 px (tight crop)
    assert 380 <= int(images[0]["width"]) <= 560
    assert page.text["figcaption"] == [
        "Figure 1: Scores of the shortlisted councils.",
        "Figure 2: An SVG figure.",
    ]


def test_print_rules_for_a4(page_text):
    style = "".join(_parse(page_text).text["style"])
    assert re.search(r"@page\s*{\s*size:\s*A4", style)
    assert "display: table-header-group" in style
    assert re.search(r"break-inside:\s*avoid", style)


def test_same_report_same_page(page_text):
    assert render_html(_report()) == page_text


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_failing_figure_leaves_no_file_and_keeps_the_old_one(tmp_path):
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure as MplFigure

    class Broken(Artist):
        def draw(self, renderer):
            raise RuntimeError("no data")

    broken = MplFigure()
    broken.add_artist(Broken())
    report = _report([Figure("fine", SVG), Figure("broken", broken)])
    with pytest.raises(ExportError, match="'broken' could not be drawn"):
        write(report, tmp_path / "new.html")
    assert _listing(tmp_path) == []
    target = tmp_path / "old.html"
    target.write_text("previous report")
    with pytest.raises(ExportError):
        write_html(report, target)
    assert target.read_text() == "previous report"
    assert _listing(tmp_path) == ["old.html"]


def test_failure_while_writing_the_file_leaves_no_trace(tmp_path, monkeypatch):
    import partnerfit.export._atomic as atomic

    def fail(fd):
        raise OSError("disk full")

    target = tmp_path / "r.html"
    target.write_text("previous report")
    monkeypatch.setattr(atomic.os, "fsync", fail)  # after the bytes are in the temp file
    with pytest.raises(OSError, match="disk full"):
        write_html(_report(), target)
    assert target.read_text() == "previous report"
    assert _listing(tmp_path) == ["r.html"]


# ---------------------------------------------------------------------------------------
# Headless Chromium
# ---------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

CHECK_SCRIPT = """<script>
window.addEventListener("load", function () {
  var tables = Array.prototype.map.call(document.querySelectorAll("table"), function (t) {
    return t.tBodies[0].rows.length;
  });
  var images = Array.prototype.map.call(document.images, function (i) {
    return {complete: i.complete, width: i.naturalWidth, height: i.naturalHeight};
  });
  var out = document.createElement("pre");
  out.id = "pf-check";
  out.textContent = JSON.stringify({title: document.title, tables: tables, images: images});
  document.body.appendChild(out);
});
</script>"""


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",  # needed when running as root (CI containers)
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    path = write(_report(), folder / "report.html")
    return folder, path


@needs_chromium
def test_chromium_loads_title_rows_and_images(written):
    folder, path = written
    page = path.read_text(encoding="utf-8")
    # The page forbids scripts (CSP); the checking copy allows inline scripts only,
    # keeping "img-src data:", so an image from anywhere else would fail to load.
    policy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    assert policy in page
    probe = page.replace(policy, policy + "; script-src 'unsafe-inline'")
    probe = probe.replace("</body>", CHECK_SCRIPT + "</body>")
    probe_path = folder / "probe.html"
    probe_path.write_text(probe, encoding="utf-8")
    dom = _chromium(folder, "--virtual-time-budget=5000", "--dump-dom", probe_path.as_uri())
    found = re.search(r'<pre id="pf-check">(.*?)</pre>', dom.stdout, re.DOTALL)
    assert found, dom.stdout[-500:]
    checks = json.loads(
        found.group(1)
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )
    assert checks["title"] == "Revenues & benefits partners for Lancaster"
    assert checks["tables"] == [30, 2]
    assert len(checks["images"]) == 2
    assert all(image["complete"] and image["width"] > 0 for image in checks["images"])
    assert checks["images"][1] == {"complete": True, "width": 240, "height": 60}


@needs_chromium
def test_chromium_screenshot_is_not_blank(written):
    from PIL import Image

    folder, path = written
    shot = folder / "report.png"
    _chromium(folder, "--window-size=1000,1400", f"--screenshot={shot}", path.as_uri())
    image = Image.open(shot).convert("RGB")
    assert image.size == (1000, 1400)
    pixels = np.asarray(image).reshape(-1, 3)
    dark = (pixels.sum(axis=1) < 200).mean()  # text, rules
    assert 0.002 < dark < 0.5
    # the GOV.UK blue rule under the title (#1d70b8) is drawn, so the CSS applied
    blue = np.all(np.abs(pixels.astype(int) - [0x1D, 0x70, 0xB8]) <= 8, axis=1)
    assert blue.sum() > 1000
    assert len(np.unique(pixels, axis=0)) > 50  # anti-aliased text and a chart, not a flat page


@needs_chromium
def test_chromium_prints_on_a4(written):
    folder, path = written
    pdf = folder / "report.pdf"
    _chromium(folder, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", path.as_uri())
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes
    for width, height in boxes:  # A4 is 595.28 x 841.89 points
        assert abs(float(width) - 595.28) < 2 and abs(float(height) - 841.89) < 2
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages >= 2  # 30-row table, chart and sources do not fit one A4 page


# ---------------------------------------------------------------------------------------
# A real report in Chromium: Lancaster, revenues and benefits, June 2009
# ---------------------------------------------------------------------------------------

#: The printable width of A4 with the report's 16 mm side margins, in CSS pixels.
A4_PRINTABLE_PX = int((210 - 2 * 16) / 25.4 * 96)

LAYOUT_SCRIPT = """<script>
window.addEventListener("load", function () {
  var width = document.documentElement.clientWidth;
  var tables = Array.prototype.map.call(document.querySelectorAll("table"), function (t) {
    return {rows: t.tBodies[0].rows.length, right: Math.ceil(t.getBoundingClientRect().right),
            caption: t.caption ? t.caption.textContent : ""};
  });
  var images = Array.prototype.map.call(document.images, function (i) {
    return {complete: i.complete, width: i.naturalWidth,
            right: Math.ceil(i.getBoundingClientRect().right)};
  });
  var out = document.createElement("pre");
  out.id = "pf-check";
  out.textContent = JSON.stringify({title: document.title, width: width, tables: tables,
                                    images: images,
                                    scroll: document.documentElement.scrollWidth});
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    import partnerfit as pf

    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")
    folder = tmp_path_factory.mktemp("real-html")
    return sl, folder, write(sl, folder / "lancaster.html")


def _layout(folder: Path, page: str, width: int) -> dict:
    policy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    probe = page.replace(policy, policy + "; script-src 'unsafe-inline'")
    probe = probe.replace("</body>", LAYOUT_SCRIPT + "</body>")
    path = folder / f"probe-{width}.html"
    path.write_text(probe, encoding="utf-8")
    dom = _chromium(folder, f"--window-size={width},900", "--virtual-time-budget=5000",
                    "--dump-dom", path.as_uri())
    found = re.search(r'<pre id="pf-check">(.*?)</pre>', dom.stdout, re.DOTALL)
    assert found, dom.stdout[-500:]
    text = found.group(1)
    for entity, char in (("&quot;", '"'), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return json.loads(text)


@needs_chromium
def test_real_report_loads_with_its_tables_and_chart(real_report):
    sl, folder, path = real_report
    checks = _layout(folder, path.read_text(encoding="utf-8"), 1000)
    assert checks["title"] == "Revenues & benefits partners for Lancaster"
    rows = [table["rows"] for table in checks["tables"]]
    n_criteria = int((sl.weights > 0).sum())
    # issue 18: main body: screening by reason (in the summary), the best 10, the chance of a
    # top-3 place (at least one council); appendices: breakdown (30 shown), every criterion's
    # weight, a stability row per criterion, every screened council; the full ranking is not
    # in the page
    from partnerfit.export.builders.shortlist import screened_summary

    assert rows[0] == len(screened_summary(sl.screened))
    assert rows[1] == 10 and rows[2] >= 3
    assert rows[3:] == [30, len(sl.criteria), len(sl.criteria), len(sl.screened)]
    assert n_criteria <= len(sl.criteria)
    assert len(checks["images"]) == 4  # contributions, candidates map, stability, chance of each rank
    assert all(i["complete"] and i["width"] > 0 for i in checks["images"])


@needs_chromium
def test_real_report_fits_the_width_of_an_a4_page(real_report):
    _, folder, path = real_report
    # lay the page out with its print rules at the printable width of A4
    page = path.read_text(encoding="utf-8").replace("@media print", "@media all")
    checks = _layout(folder, page, A4_PRINTABLE_PX)
    assert checks["width"] <= A4_PRINTABLE_PX
    for table in checks["tables"]:
        assert table["right"] <= checks["width"], table["caption"]
    assert all(image["right"] <= checks["width"] for image in checks["images"])
    assert checks["scroll"] <= checks["width"]


@needs_chromium
def test_real_report_screenshot_shows_the_ranked_table(real_report):
    from PIL import Image

    _, folder, path = real_report
    shot = folder / "lancaster.png"
    _chromium(folder, "--window-size=1000,1800", f"--screenshot={shot}", path.as_uri())
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert pixels.shape == (1800, 1000, 3)
    blue = np.all(np.abs(pixels - [0x1D, 0x70, 0xB8]) <= 8, axis=2)
    rule_rows = np.nonzero(blue.sum(axis=1) > 800)[0]  # the 8px title rule spans the page
    assert 4 <= len(rule_rows) <= 12
    below = pixels[rule_rows.max() + 1 :]
    # the table rules (#b1b4b6) of the ranked table's 10 rows (issue 18: the best ten in the
    # main body): many full-width grey lines
    grey = np.all(np.abs(below - [0xB1, 0xB4, 0xB6]) <= 6, axis=2)
    lines = np.nonzero(grey.sum(axis=1) > 600)[0]
    assert len(lines) >= 10
    # the chart's bars: the criterion colours (matplotlib's tab10 blue and orange) appear
    tab_blue = np.all(np.abs(below - [0x1F, 0x77, 0xB4]) <= 6, axis=2).sum()
    tab_orange = np.all(np.abs(below - [0xFF, 0x7F, 0x0E]) <= 6, axis=2).sum()
    assert tab_blue > 500 and tab_orange > 200


def test_unknown_cells_are_hatched_and_starred(partly_known_shortlist):
    import re

    sl = partly_known_shortlist
    html = render_html(sl.to_report(top=30, figures=False))
    breakdown = html.split("Points per criterion")[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", breakdown, flags=re.DOTALL)[1:]
    col = list(sl.criteria).index("systems")  # criteria in order after rank and name
    top = sl.full_table().head(30)
    assert len(rows) == len(top)
    for row, code in zip(rows, top["code"]):
        cells = re.findall(r"<td([^>]*)>(.*?)</td>", row)
        attrs, text = cells[2 + col]
        unknown = bool(sl.missing.at[code, "systems"])
        assert ("pf-marked" in attrs) == unknown
        assert text.endswith("*") == unknown
        if unknown:
            assert 'title="unknown' in attrs
