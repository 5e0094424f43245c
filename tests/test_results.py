"""Tests for partnerfit.results.Shortlist: table, explain(), compare(), summary(), HTML."""

from __future__ import annotations

import re

import numpy as np
import pytest

import partnerfit as pf

LANCS = "2009-06-01"
PRESTON, WYRE = "E07000123", "E07000128"


@pytest.fixture(scope="module")
def sl():
    links = pf.load_links()
    return pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS,
                        links=links[links["partnership"] != "lancaster-preston"])


def test_table_columns_and_order(sl):
    t = sl.table
    assert t.columns[:4].tolist() == ["rank", "code", "name", "score"]
    for cid in sl.criteria:
        assert cid in t.columns and f"{cid}_contribution" in t.columns
    assert "flags" in t.columns
    assert t["rank"].tolist() == list(range(1, len(t) + 1))
    # ties in score are broken by GSS code
    for _, grp in t.groupby(t["score"].round(9)):
        assert grp["code"].tolist() == sorted(grp["code"])
    assert len(pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, top=5).table) == 5


def test_weights_used_sum_to_one_and_match_the_profile(sl):
    # criteria/weights/default.yaml, revenues_benefits: points out of 370
    given = {"distance": 60, "adjacency": 40, "same_area": 40, "tier_fit": 10, "size_ratio": 20,
             "systems": 80, "direct_links": 0, "same_service": 120, "shared_partners": 0,
             "sharing_record": 0}
    # Lancaster's revenues & benefits system is unknown in 2009: systems drops out and its 80
    # points are shared among the other 290 in proportion
    expected = {k: (0.0 if k == "systems" else v / 290) for k, v in given.items()}
    assert sl.weights.to_dict() == pytest.approx(expected)


def test_explain_reads_as_a_sentence_and_adds_up(sl):
    text = sl.explain("Preston")
    # it opens with Lancaster's running arrangements for the service (none recorded in 2009)
    assert text.startswith("The register holds no running arrangement of Lancaster's for "
                           "revenues & benefits on 1 June 2009; ")
    text = text[len(sl.opening()) + 1:]
    row = sl.table.set_index("code").loc[PRESTON]  # the sentence agrees with the table
    assert text.startswith(f"Preston (E07000123): {row['score']:.0f}/100, ranked {row['rank']} "
                           f"of {len(sl.table)} as Lancaster's partner for revenues & benefits "
                           "on 1 June 2009.")
    # distance by hand: 29.4 km on the segment (25, 70)-(50, 40) -> 64.7; weight 60 of the 290
    # points left once the unknown systems criterion drops out, i.e. 20.7% -> 13.4 ..
    km = pf.distance("Lancaster", "Preston")
    value = 70 + (km - 25) * (40 - 70) / 25
    assert f"Geography: distance {60 / 290 * value:.1f} of 20.7 ({km:.0f} km)" in text
    assert "Geography: same county / region 13.8 of 13.8 (same county)" in text
    assert "Geography: shared border 0.0 of 13.8 (no shared border)" in text
    # criteria at weight 0 are still measured and said: the Lancashire Waste Partnership (a
    # strategic arrangement: weight 0.75) is what they still share
    tail = text[text.index("Measured but not weighted in these weights: "):]
    assert "Relationships: existing arrangements (already share 0.75 services)" in tail
    assert "Relationships: existing arrangements" not in text[:text.index(tail)]
    assert "Systems compatibility" not in text  # left out, not scored
    assert "(s)" not in text
    points = [float(x) for x in re.findall(r" (\d+\.\d) of [\d.]+ \(", text)]
    assert len(points) == 6  # every criterion with a weight but systems (left out)
    assert sum(points) == pytest.approx(sl.scores[PRESTON], abs=0.05 * 6)


def test_explain_keeps_acronyms_and_refuses_screened_councils():
    sl = pf.shortlist("North Lincolnshire", "hr_payroll", as_of="2014-05-22")
    assert "North Lincolnshire's partner for HR & payroll on 22 May 2014" in sl.explain(
        "North East Lincolnshire")
    with pytest.raises(KeyError, match="the council itself"):
        sl.explain("North Lincolnshire")
    rb = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS)
    with pytest.raises(KeyError, match="a county does not deliver revenues & benefits"):
        rb.explain("Lancashire")


def test_explain_for_methods_that_do_not_decompose():
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, method="promethee")
    text = sl.explain("Preston")
    assert "PROMETHEE II net flow, rescaled from -1..1 to 0..100" in text
    assert "does not split into points per criterion" in text
    assert "Geography: distance value 66/100, weight 21% (29 km)" in text


def test_compare_rows_add_up(sl):
    cmp = sl.compare("Preston", "Wyre")
    body = cmp.drop("total")
    assert list(body.index) == list(sl.criteria)
    np.testing.assert_allclose(body["difference"],
                               sl.weights * (sl.value_matrix.loc[PRESTON]
                                             - sl.value_matrix.loc[WYRE]))
    assert cmp.loc["total", "difference"] == pytest.approx(sl.scores[PRESTON] - sl.scores[WYRE])
    assert body["difference"].sum() == pytest.approx(cmp.loc["total", "difference"])
    assert cmp.at["adjacency", "Wyre measure"] == "shares a land border"


def test_summary_names_the_leader_and_the_caveats(sl):
    text = sl.summary()
    first, second = sl.table.iloc[0], sl.table.iloc[1]
    assert f"{first['name']} ranks first with {first['score']:.1f}" in text
    assert f"{first['score'] - second['score']:.1f} points ahead of {second['name']}" in text
    # systems: 80 of the 370 points (22%)
    assert ("Systems compatibility is unknown for Lancaster on this date, so it is left out of "
            "this shortlist: its weight (22%) is shared among the other criteria in "
            "proportion.") in text


def test_html_is_a_styled_table_of_30_readable_rows(sl):
    html = sl._repr_html_()
    rows = _body_rows(html)
    assert len(rows) == 30
    assert [r[1] for r in rows] == sl.table["name"].head(30).tolist()
    assert _header(html)[:5] == ["Rank", "Council", "GSS code", "Tier", "Score"]
    assert "Geography: distance (21%)" in _header(html)  # 60 of the 290 left without systems
    assert rows[0][3] == "non metropolitan district"
    assert rows[0][4] == f"{sl.table.iloc[0]['score']:.1f}"
    assert "nth-child(even)" in html and "<caption>" in html
    assert "Revenues & benefits partners for Lancaster, 1 June 2009" in html.replace("&amp;",
                                                                                      "&")
    top5 = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, top=5)._repr_html_()
    assert len(_body_rows(top5)) == 5


def _cells(fragment: str, tag: str) -> list[str]:
    found = re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", fragment, flags=re.DOTALL)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in found]


def _header(html: str) -> list[str]:
    return _cells(html.split("<thead>")[1].split("</thead>")[0], "th")


def _body_rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [_cells(tr, "td") for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.DOTALL)]


def test_notebook_table_hatches_unknown_cells_only(partly_known_shortlist):
    sl = partly_known_shortlist
    html = sl._repr_html_()
    shown = sl.table.head(sl.top or 30)
    col = list(sl.criteria).index("systems")
    # the Styler writes one CSS rule per styled cell: #T_<id>_row<r>_col<c>
    styled = set()
    for selectors, props in re.findall(r"([^{}]+)\{([^}]*)\}", html):
        if "repeating-linear-gradient" in props:
            styled |= set(re.findall(r"_row(\d+)_col(\d+)", selectors))
    header = _header(html)
    c = header.index(f"{sl.criteria['systems'].label} ({sl.weights['systems']:.0%})")
    expect = {str(r) for r, code in enumerate(shown["code"]) if sl.missing.at[code, "systems"]}
    assert {r for r, cc in styled if cc == str(c)} == expect
    assert {cc for _, cc in styled} == {str(c)}
    assert len(expect) > 0 and col >= 0
