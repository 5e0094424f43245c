"""The options appraisal in plan exports: every option, against doing nothing, cash flows."""

from __future__ import annotations

import re

import openpyxl
import pytest

import partnerfit as pf
from partnerfit.export import render_markdown, write


@pytest.fixture(scope="module")
def plan():
    return pf.propose_groupings("county:Lancashire", "revenues_benefits", as_of="2019-04-01",
                                models=True, lead_capacity=1)


def test_markdown_has_the_appraisal_sections_in_officer_words(plan):
    md = render_markdown(plan.to_report(figures=False))
    for head in ("## Options appraisal", "## Each council against doing nothing",
                 "## Yearly cash flows per partner", "## Business case assumptions and sources"):
        assert head in md
    section = md[md.index("## Options appraisal"):md.index("## Each council against")]
    rows = [r for r in section.splitlines() if r.startswith("| ") and "---" not in r][1:]
    assert len(rows) == len(plan.options)
    options = [r.split("|")[4] for r in rows]
    assert not any("_" in o for o in options)  # model names, not ids
    assert "Sovereign (one council delivers for the others), led by Pendle" in section
    why = [p for p in section.split("\n\n") if p.startswith("Group ")]
    assert len(why) == plan.groups.query("role != 'alone'")[["group"]].drop_duplicates().shape[0]
    assert not any(re.search(r"\b(MILP|LP|dual|column|solver)\b", p) for p in why)
    assert "Hansard" in md and "optimism bias" in md


def test_workbook_has_the_appraisal_sheets_and_is_deterministic(plan, tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    write(plan.to_report(figures=False), a)
    again = pf.propose_groupings("county:Lancashire", "revenues_benefits", as_of="2019-04-01",
                                 models=True, lead_capacity=1)
    write(again.to_report(figures=False), b)
    strip = [re.sub(r"\| seconds \| [0-9.]+ \|", "", p.read_text()) for p in (a, b)]
    assert strip[0] == strip[1]
    x = tmp_path / "plan.xlsx"
    write(plan.to_report(figures=False), x)
    names = openpyxl.load_workbook(x).sheetnames
    assert {"Options", "Against doing nothing", "Cash flows"} <= set(names)
    ws = openpyxl.load_workbook(x)["Cash flows"]
    assert ws.max_row - 1 == len(plan.business_case())
