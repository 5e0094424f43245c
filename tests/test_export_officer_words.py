"""Every officer-facing export speaks in names, not ids (issue 18): no raw service or tier id
and no underscored identifier in the text of the HTML, Markdown, Excel and Word exports of a
shortlist, a plan and a programme, nor in the one-page brief."""

from __future__ import annotations

import re
import zipfile

import pytest

import partnerfit as pf
from partnerfit.export import write
from partnerfit.register import TIERS

IDENTIFIER = re.compile(r"\b[A-Za-z]+_[A-Za-z0-9_]+\b")


def _text_of(path) -> str:
    """The text a reader sees: tags, styles, embedded images and web addresses taken out."""
    suffix = path.suffix
    if suffix in (".xlsx", ".docx"):
        z = zipfile.ZipFile(path)
        parts = [n for n in z.namelist() if n.endswith(".xml") and
                 (n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml"
                  or n == "word/document.xml")]
        text = " ".join(z.read(n).decode("utf-8") for n in parts)
        text = re.sub(r"<[^>]+>", " ", text)
    else:
        text = path.read_text(encoding="utf-8").replace("\\_", "_")  # Markdown escapes
        text = re.sub(r"<style.*?</style>", " ", text, flags=re.DOTALL)
        text = re.sub(r'src="data:[^"]+"', " ", text)
        text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"https?://\S+", " ", text)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("officer")
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")
    plan = pf.propose_groupings("county:Cumbria", ["revenues_benefits", "building_control"],
                                as_of="2019-04-01")
    programme = pf.programme("Lancaster", as_of="2009-06-01",
                             services_=["revenues_benefits", "building_control", "planning"])
    # the optimiser choosing the model too: options appraisal, business case, its constraints
    chosen = pf.propose_groupings("county:Cumbria", "revenues_benefits", as_of="2019-04-01",
                                  models=True, lead_capacity=1)
    paths = []
    for name, obj in {"shortlist": sl, "plan": plan, "programme": programme,
                      "plan-models": chosen}.items():
        for ext in ("html", "md", "xlsx"):
            paths.append(write(obj, folder / f"{name}.{ext}"))
    paths.append(sl.to_brief(folder / "brief.html"))
    paths.append(plan.to_brief(folder / "plan-brief.html"))
    try:
        import docx  # noqa: F401
    except ImportError:
        pass
    else:
        paths.append(sl.to_brief(folder / "brief.docx"))
        paths.append(plan.to_brief(folder / "plan-brief.docx"))
    return paths


def test_no_underscored_identifier_in_any_officer_export(written):
    found = {p.name: sorted(set(IDENTIFIER.findall(_text_of(p)))) for p in written}
    assert {k: v for k, v in found.items() if v} == {}


def test_no_raw_service_or_tier_id_in_any_officer_export(written):
    ids = set(pf.services().index) | set(TIERS)
    ids = {i for i in ids if "_" in i}  # "county", "unitary" are plain words
    for path in written:
        text = _text_of(path)
        assert not [i for i in ids if i in text], path.name


def test_the_scan_catches_an_identifier(tmp_path):
    page = tmp_path / "x.html"
    page.write_text("<p>Service: revenues_benefits</p>", encoding="utf-8")
    assert IDENTIFIER.findall(_text_of(page)) == ["revenues_benefits"]
