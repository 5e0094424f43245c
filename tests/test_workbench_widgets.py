"""Tests for the workbench widgets (partnerfit.workbench.widgets, .render, .mapview), driven
headlessly: slider values are set in Python (as the browser would) and what the widgets show
is checked against independent ``pf.shortlist(..., weights=...)`` calls and
:func:`partnerfit.compare_weight_sets`."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.workbench import COUNCILS_ONLY
from partnerfit.workbench.render import move_text

pytest.importorskip("ipywidgets")

AS_OF = "2009-06-01"


@pytest.fixture(scope="module")
def lancaster():
    return pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY)


@pytest.fixture()
def wb(lancaster):
    return pf.workbench(lancaster, show_map=False)


def _fresh(weights):
    return pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY,
                        weights={k: float(v) for k, v in weights.items()})


def _names_shown(table_html: str) -> list[str]:
    rows = re.findall(r"<tr[^>]*data-code='[^']+'>(.*?)</tr>", table_html)
    return [html.unescape(re.findall(r"<td[^>]*>(.*?)</td>", r)[2]) for r in rows]


def test_sliders_rerank_as_a_fresh_shortlist(wb):
    wb.sliders["distance"].value = 70.0
    wb.sliders["direct_links"].value = 5.0
    raw = {c: s.value for c, s in wb.sliders.items()}
    fresh = _fresh(raw)
    pd.testing.assert_frame_equal(wb.ranking, fresh.table)
    # the table on screen is that ranking, best first
    assert _names_shown(wb.table.value) == list(fresh.table["name"].head(15))
    # the percentages shown are the normalised weights, summing to 100
    # (a criterion the shortlist cannot score says so, and counts 0)
    shown = [0.0 if p.value == "not scored" else float(p.value.rstrip("%"))
             for p in wb.percent.values()]
    assert sum(shown) == pytest.approx(100, abs=len(shown) * 0.5)
    want = fresh.weights * 100
    assert all(abs(a - b) <= 0.5 for a, b in zip(shown, want, strict=True))
    assert [c for c, p in wb.percent.items() if p.value == "not scored"] == [
        c for c in want.index if want[c] == 0 and raw[c] > 0]


def test_toggle_off_and_set_weights_move_the_sliders(wb):
    wb.toggles["same_area"].value = False
    wb.set_weights({"systems": 55, "adjacency": 0})
    assert wb.sliders["systems"].value == 55 and wb.sliders["adjacency"].value == 0
    raw = {c: (s.value if wb.toggles[c].value else 0.0) for c, s in wb.sliders.items()}
    assert raw["same_area"] == 0
    pd.testing.assert_frame_equal(wb.ranking, _fresh(raw).table)


def test_rank_changes_are_marked(wb, lancaster):
    before = lancaster.table.set_index("code")["rank"]
    wb.sliders["sharing_record"].value = 100.0
    after = _fresh({c: s.value for c, s in wb.sliders.items()}).table.set_index("code")["rank"]
    marks = re.findall(r"<tr[^>]*data-code='([^']+)'>.*?title='([^']+)'", wb.table.value)
    assert marks
    for code, words in marks:
        assert words == move_text(float(before[code] - after[code]))[1]
    assert any(w != "no change" for _, w in marks)


def test_policy_dropdown(wb):
    wb.policy.value = "pessimistic"
    assert wb.model.policy == "pessimistic"
    wb.policy.value = "as set"  # each criterion's own policy
    assert wb.model.policy is None
    pd.testing.assert_frame_equal(wb.ranking, wb.model._origin.table)


def test_bad_input_is_said_in_words_and_undone(wb):
    for c in wb.sliders:
        if c != "distance":
            wb.sliders[c].value = 0.0
    wb.sliders["distance"].value = 0.0  # would leave no weight at all
    assert "at least one switched-on criterion" in wb.status.value
    assert wb.sliders["distance"].value > 0  # put back


def test_stakeholder_mode_equals_compare_weight_sets(wb):
    wb.set_weights({"distance": 60})
    wb.add_stakeholder("members")
    members = {c: s.value for c, s in wb.sliders.items()}
    wb.set_weights({"distance": 5, "systems": 80})
    wb.add_stakeholder("officers")
    officers = {c: s.value for c, s in wb.sliders.items()}
    want = pf.compare_weight_sets(_fresh(members), {"members": members, "officers": officers},
                                  top=5)
    got = wb.model.compare(wb.stakeholder_sets, top=5)
    pd.testing.assert_frame_equal(got, want)
    shown = wb.stakeholder_box.value
    for name in want["name"]:
        assert html.escape(name) in shown
    first = want.index[want["members"] == 1][0]
    if want.attrs["agree_first"]:
        assert f"Every set puts {html.escape(want.at[first, 'name'])} first" in shown
    else:
        assert "disagree on first place" in shown


def test_profile_saved_from_the_widget_round_trips(wb, tmp_path):
    wb.set_weights({"distance": 33, "systems": 7})
    wb.path.value = str(tmp_path / "weights.yaml")
    wb._save(wb.path.value)
    assert "saved" in wb.status.value
    pd.testing.assert_frame_equal(
        wb.ranking, pf.shortlist("Lancaster", "revenues_benefits", as_of=AS_OF, **COUNCILS_ONLY,
                                 weights=tmp_path / "weights.yaml").table)


def test_map_follows_the_ranking(lancaster):
    wb = pf.workbench(lancaster)
    first = wb.map.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    wb.sliders["distance"].value = 0.0
    assert wb.map.value != first
    labels = [a.get_text() for a in wb._live_map._labels if hasattr(a, "get_text")]
    want = [f"{r.rank}. {r.name}" for r in wb.ranking.head(10).itertuples()
            if r.code in wb._live_map.frame]
    assert sorted(labels) == sorted(want)


def test_workbench_from_council_and_service():
    wb = pf.workbench("Lancaster", "revenues_benefits", as_of=AS_OF, show_map=False)
    assert repr(wb) == "Workbench(Lancaster, Revenues & benefits, 1 June 2009)"
    assert wb.service.value == "revenues_benefits"


def test_score_button_loads_the_pickers_shortlist(wb):
    import datetime

    wb.council.value = "Preston"
    wb.service.value = "hr_payroll"
    wb.date.value = datetime.date(2014, 6, 1)
    go = wb.box.children[0].children[0].children[1].children[1]
    assert go.description == "Score"
    go.click()
    assert wb.status.value == ""
    fresh = pf.shortlist("Preston", "hr_payroll", as_of="2014-06-01", **COUNCILS_ONLY)
    pd.testing.assert_frame_equal(wb.ranking, fresh.table)
    assert set(wb.sliders) == set(fresh.criteria)
    wb.council.value = "Prestonn"
    go = wb.box.children[0].children[0].children[1].children[1]
    go.click()
    assert "Preston" in wb.status.value  # the close match offered, in words
    pd.testing.assert_frame_equal(wb.ranking, fresh.table)  # nothing changed
