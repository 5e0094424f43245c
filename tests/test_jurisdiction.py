"""Jurisdiction: separate regimes screened, differences of detail marked (issue 15)."""

import csv
import importlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.errors import ArgumentTypeError
from partnerfit.jurisdiction import check_regimes, regime_rule

sv = importlib.import_module("partnerfit.services")

ROOT = Path(__file__).resolve().parents[1]


def _nation_codes(nation, date):
    """GSS codes of the councils of a nation in force on ``date``, read from the CSV itself."""
    day = pd.Timestamp(date)
    out = set()
    with open(ROOT / "councils" / "councils.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            start = pd.Timestamp(row["valid_from"]) if row["valid_from"] else None
            end = pd.Timestamp(row["valid_to"]) if row["valid_to"] else None
            if row["nation"] == nation and (start is None or start <= day) \
                    and (end is None or end >= day):
                out.add(row["code"])
    return out


def test_no_scottish_council_on_carlisle_building_control_unless_asked():
    scottish = _nation_codes("Scotland", "2009-04-01")
    assert len(scottish) == 32
    sl = pf.shortlist("Carlisle", "building_control", as_of="2009-04-01")
    assert not scottish & set(sl.table["code"])
    reasons = sl.screened.set_index("code")["reason"]
    assert set(reasons.index) >= scottish
    assert all(reasons[c] == "Scotland runs a separate building standards regime "
                             "(Building (Scotland) Act 2003)" for c in scottish)
    assert any("32 councils in Scotland screened out for building control" in n
               and "cross_regime=True" in n for n in sl.notes)
    # asked for: every Scottish council is back, marked, nothing else marked
    wide = pf.shortlist("Carlisle", "building_control", as_of="2009-04-01", cross_regime=True)
    t = wide.table.set_index("code")
    assert scottish <= set(t.index)
    assert set(t.index[t["regime"] != ""]) == scottish
    assert len(t) == len(sl.table) + 32
    assert "Law: Scotland runs a separate" in wide.explain("Scottish Borders")


def test_welsh_candidates_for_english_planning_are_marked_not_screened():
    welsh = _nation_codes("Wales", "2020-04-01")
    assert len(welsh) == 22
    sl = pf.shortlist("Herefordshire", "planning", as_of="2020-04-01")
    t = sl.table.set_index("code")
    assert welsh <= set(t.index)
    assert set(t.index[t["regime"] != ""]) == welsh
    assert t.loc[sorted(welsh), "regime"].str.contains("Planning \\(Wales\\) Act 2015").all()
    assert not sl.screened["reason"].str.contains("Wales").any()
    assert any("22 councils in Wales kept for planning and marked" in n for n in sl.notes)
    # the same English planning shortlist still screens Scotland (a separate planning Act)
    scottish = _nation_codes("Scotland", "2020-04-01")
    assert not scottish & set(t.index)


def test_a_difference_with_a_start_date_does_not_apply_before_it():
    # the Planning (Wales) Act 2015 received Royal Assent on 6 July 2015
    before = pf.shortlist("Herefordshire", "planning", as_of="2015-07-05").table
    after = pf.shortlist("Herefordshire", "planning", as_of="2015-07-06").table
    assert (before["regime"] == "").all()
    assert (after["regime"] != "").sum() == 22


def test_services_without_a_recorded_difference_are_untouched():
    assert regime_rule("finance", "England", "Scotland") is None
    sl = pf.shortlist("Carlisle", "hr_payroll", as_of="2009-04-01")
    scottish = _nation_codes("Scotland", "2009-04-01")
    assert scottish <= set(sl.table["code"])
    assert (sl.table["regime"] == "").all()


def test_a_scottish_council_sees_england_as_the_other_regime():
    rule = regime_rule("building_control", "scotland", "england", "2020-01-01")
    assert rule.differs == "separate"
    sl = pf.shortlist("Dumfries and Galloway", "building_control", as_of="2020-04-01")
    english = _nation_codes("England", "2020-04-01")
    assert not english & set(sl.table["code"])
    assert (sl.screened.set_index("code").loc[["E07000028"], "reason"]
            .str.startswith("England runs building control under a separate law").all())


def test_unknown_nation_is_said_not_guessed():
    reg = pf.load_councils("2020-04-01").copy()
    reg.loc["S12000026", "nation"] = ""  # Scottish Borders, nation not given
    check = check_regimes(reg, "E06000057", ["S12000026", "E06000047"], "building_control")
    assert check.kept == ["S12000026", "E06000047"]
    assert any("nation of 1 candidate(s) is not given" in n for n in check.notes)


def test_cross_regime_must_be_true_or_false():
    with pytest.raises(ArgumentTypeError, match="cross_regime must be True or False"):
        pf.shortlist("Carlisle", "building_control", as_of="2009-04-01", cross_regime="no")


def test_programme_passes_cross_regime():
    scottish = _nation_codes("Scotland", "2009-04-01")
    prog = pf.programme("Carlisle", as_of="2009-04-01", services_=["building_control"], top=40,
                        cross_regime=True)
    assert scottish & set(prog["code"])
    prog = pf.programme("Carlisle", as_of="2009-04-01", services_=["building_control"], top=40)
    assert not scottish & set(prog["code"])


def test_cli_cross_regime_flag():
    base = [sys.executable, "-m", "partnerfit.cli", "shortlist", "Carlisle", "-s",
            "building_control", "--as-of", "2009-04-01", "--top", "40"]
    plain = subprocess.run(base, capture_output=True, text=True, check=False)
    wide = subprocess.run([*base, "--cross-regime"], capture_output=True, text=True,
                          check=False)
    assert plain.returncode == 0 and wide.returncode == 0, plain.stderr + wide.stderr
    # the code column, as the terminal may shorten long names and add columns
    borders = pf.find_council("Scottish Borders", as_of="2009-04-01")
    assert borders not in plain.stdout
    assert borders in wide.stdout


def test_bundled_rules_carry_sources():
    cat = sv.services()
    marked = {s: rules for s, rules in cat["jurisdiction"].items() if rules}
    assert set(marked) == {"building_control", "planning", "licensing"}
    for rules in marked.values():
        for rule in rules:
            assert rule.sources
            assert all(src["url"].startswith("http") and src["title"] for src in rule.sources)


_GOOD = ("services:\n"
         "  planning: {name: Planning, family: place, delivered_by: [lower], geography: high, "
         "systems: []}\n"
         "jurisdiction:\n")


def test_bad_jurisdiction_reports_every_problem_with_lines(tmp_path):
    path = tmp_path / "services.yaml"
    path.write_text(
        _GOOD +
        "  planing:\n"                                           # line 4
        "    - nations: [england, wales]\n"
        "  planning:\n"                                          # line 6
        "    - nations: [england, narnia]\n"                     # line 7
        "      differs: seperate\n"                              # line 8
        "      says: {england: x, narnia: y}\n"
        "      sources: []\n"                                    # line 10
        "    - nations: [england, scotland]\n"                   # line 11
        "      differs: details\n"
        "      says: {england: x}\n"                             # line 13
        "      sources: [{title: t, publisher: p, date: 2020-1, url: www.x}]\n"
        "      from: 2020\n")                                    # line 15
    before = path.read_bytes()
    with pytest.raises(pf.DataValidationError) as err:
        sv.load_services(path)
    msg = str(err.value)
    assert "services.yaml" in msg
    assert "line 4: jurisdiction names service 'planing'" in msg and "'planning'" in msg
    assert "line 7: nations of a jurisdiction rule of 'planning'" in msg
    assert "line 8: differs 'seperate'" in msg and "did you mean 'separate'" in msg
    assert "line 10: a jurisdiction rule of 'planning' needs at least one source" in msg
    assert "line 13: says of a jurisdiction rule" in msg
    assert "date '2020-1'" in msg and "url 'www.x'" in msg
    assert "line 15: from '2020'" in msg
    assert path.read_bytes() == before


def test_good_user_jurisdiction_loads(tmp_path):
    path = tmp_path / "services.yaml"
    path.write_text(
        _GOOD +
        "  planning:\n"
        "    - nations: [england, wales]\n"
        "      differs: details\n"
        "      says: {england: 'English rules', wales: 'Welsh rules'}\n"
        "      sources: [{title: T, publisher: P, date: '2015', url: 'https://example.org/a'}]\n")
    cat = sv.load_services(path)
    (rule,) = cat.at["planning", "jurisdiction"]
    assert rule.nations == frozenset({"england", "wales"}) and rule.differs == "details"
    assert rule.says["wales"] == "Welsh rules" and rule.start is None


def test_the_report_says_where_the_law_differs():
    from partnerfit.export import render_markdown

    sl = pf.shortlist("Herefordshire", "planning", as_of="2020-04-01", top=10)
    md = render_markdown(sl.to_report(sensitivity=False))
    assert "22 councils in Wales kept for planning and marked in the table" in md
    assert "law differs" in md
    welsh_rows = [line for line in md.splitlines()
                  if line.startswith("| ") and "Welsh unitary" in line]
    assert welsh_rows and all("Planning (Wales) Act 2015" in line for line in welsh_rows)
    # an English council's payroll shortlist has no such column
    plain = render_markdown(pf.shortlist("Herefordshire", "hr_payroll", as_of="2020-04-01",
                                         top=10).to_report(sensitivity=False))
    assert "law differs" not in plain


def test_groupings_never_join_councils_across_a_separate_regime():
    # Cumbrian and Scottish Borders councils for building control, where every grouping
    # scores above staying alone (min_pair_score=0): the plan still keeps the nations apart
    names = ["Carlisle", "Allerdale", "Eden", "Dumfries and Galloway", "Scottish Borders"]
    plan = pf.propose_groupings(names, ["building_control"], as_of="2019-04-01",
                                min_pair_score=0)
    nation = pf.load_councils("2019-04-01")["nation"]   # read from the register directly
    for _, g in plan.groups.groupby("group"):
        assert g["council"].map(nation).nunique() == 1, g[["name"]]
    assert plan.groups["group"].nunique() == 2  # still grouped within each nation


def test_separate_pairs_follow_the_catalogue_rule_for_every_pair():
    from partnerfit.jurisdiction import regime_rule, separate_pairs

    nations = ["England", "Wales", "Scotland", ""]
    got = separate_pairs(nations, "planning", "2020-01-01")
    for i, a in enumerate(nations):
        for j, b in enumerate(nations):
            rule = regime_rule("planning", a, b, "2020-01-01")
            assert got[i, j] == (rule is not None and rule.differs == "separate")
