"""Tests for partnerfit.plot.plan_map: a grouping plan on the council boundary map.

The two-service Kent plan of 2024 (revenues & benefits and legal services) has the same groups
for both services but a sovereign legal group led by Swale: each panel must state its own
service's delivery models and leads (checked against the plan's rows), star the lead at its
register centroid, colour every council by its group and name every council without overlaps.
"""

from __future__ import annotations

import re
from itertools import combinations

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import PathPatch
from matplotlib.text import Text

import partnerfit as pf
from partnerfit.export.builders.plan import plan_report
from partnerfit.plot._basemap import QUIET_COLOUR

matplotlib.use("Agg")


def _patches(ax):
    """The map's areas and outlines (drawn with add_artist, so not in ax.patches)."""
    return [a for a in ax.get_children() if isinstance(a, PathPatch)]

DATE = "2024-06-01"


@pytest.fixture(scope="module")
def kent():
    plan = pf.propose_groupings("county:Kent", ["revenues_benefits", "legal"], as_of=DATE)
    assert plan.verify()
    return plan


def _expected(plan, service):
    """(model, lead names) of each group of two or more, from the plan's rows."""
    rows = plan.groups[plan.groups["service"] == service]
    out = {}
    for gid, g in rows.groupby("group"):
        if len(g) > 1:
            out[int(gid)] = (g["model"].iloc[0], sorted(g.loc[g["role"] == "lead", "name"]))
    return out


def test_each_service_panel_states_its_own_models_and_leads(kent):
    fig = kent.plot()
    assert len(fig.axes) == 2  # same groups, different models: one panel per service
    legal = _expected(kent, "legal")
    rb = _expected(kent, "revenues_benefits")
    assert any(m == "sovereign" for m, _ in legal.values())  # the case of the issue
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["Proposed groupings: Revenues & benefits",
                      "Proposed groupings: Legal services"]
    for ax, expected in zip(fig.axes, (rb, legal), strict=True):
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        subtitle = " ".join(t.get_text() for t in ax.texts if "group" in t.get_text())
        for model, leads in expected.values():
            entry = [t for t in legend if t.split("\n")[-1].startswith(model)]
            assert entry, (model, legend)
            if leads:
                assert any(f"{leads[0]} leads" in t for t in entry)
                assert f"lead: {leads[0]}" in subtitle
            else:
                assert any("no single lead" in t for t in entry)
        if not any(leads for _, leads in expected.values()):
            assert "no single lead" in subtitle


def test_lead_is_starred_at_its_centroid_and_named(kent):
    fig = kent.plot()
    reg = pf.load_councils(DATE)
    swale = pf.find_council("Swale", DATE)
    for ax, service in zip(fig.axes, ["revenues_benefits", "legal"], strict=True):
        rows = kent.groups[(kent.groups["service"] == service) & (kent.groups["role"] == "lead")]
        stars = [c for c in ax.collections if c.get_gid() == "leads"]
        names = [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("label")]
        if rows.empty:
            assert not stars
            continue
        assert len(stars) == 1
        got = sorted(map(tuple, np.round(stars[0].get_offsets(), 6)))
        want = sorted((round(reg.at[c, "easting"] / 1000, 6), round(reg.at[c, "northing"] / 1000, 6))
                      for c in rows["council"])
        np.testing.assert_allclose(got, want)
        assert {f"{n} (lead)" for n in rows["name"]} <= set(names)
    legal_leads = kent.groups[(kent.groups["service"] == "legal") & (kent.groups["role"] == "lead")]
    assert swale in set(legal_leads["council"])  # the sovereign legal group of the module docstring


def test_areas_coloured_by_group_and_every_council_named_without_overlaps(kent):
    fig = kent.plot()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax, service in zip(fig.axes, ["revenues_benefits", "legal"], strict=True):
        rows = kent.groups[kent.groups["service"] == service]
        areas = {p.get_gid()[len("council-"):]: to_hex(p.get_facecolor())
                 for p in _patches(ax) if (p.get_gid() or "").startswith("council-")}
        assert set(areas) == set(rows["council"])
        for _, g in rows.groupby("group"):
            colours = {areas[c] for c in g["council"] if not c.startswith("E10")}
            assert len(colours) == 1
            assert (colours == {to_hex(QUIET_COLOUR)}) == (len(g) == 1)
        outlines = [p for p in _patches(ax) if (p.get_gid() or "").startswith("group-")]
        assert len(outlines) == sum(1 for _, g in rows.groupby("group") if len(g) > 1)
        labels = [t for t in ax.texts if (t.get_gid() or "").startswith("label")]
        assert sorted(t.get_text().replace(" (lead)", "") for t in labels) == sorted(rows["name"])
        boxes = [Text.get_window_extent(t, renderer) for t in labels]
        for a, b in combinations(range(len(boxes)), 2):
            assert not boxes[a].overlaps(boxes[b]), (labels[a].get_text(), labels[b].get_text())


def test_services_with_identical_groups_models_and_leads_share_a_panel():
    plan = pf.propose_groupings(["Lancaster", "Preston", "South Ribble", "Chorley",
                                 "West Lancashire"], ["revenues_benefits", "finance"],
                                as_of="2009-06-01")

    def shape(service):
        rows = plan.groups[plan.groups["service"] == service]
        return sorted((tuple(sorted(g["council"])), g["model"].iloc[0],
                       tuple(sorted(g.loc[g["role"] == "lead", "council"])))
                      for _, g in rows.groupby("group"))

    same = shape("revenues_benefits") == shape("finance")
    fig = plan.plot()
    assert len(fig.axes) == (1 if same else 2)
    if same:
        assert fig.axes[0].get_title(loc="left") == \
            "Proposed groupings: Revenues & benefits and finance & exchequer"


def test_report_caption_names_models_and_leads(kent):
    report = plan_report(kent)
    (figure,) = [f for s in report.sections for f in s.figures]
    assert "leads marked" not in figure.caption
    assert re.search(r"Legal services: federal, sovereign, led by Swale", figure.caption)
    part = re.search(r"Revenues & benefits: ([^;.]*)", figure.caption).group(1)
    rows = kent.groups[(kent.groups["service"] == "revenues_benefits")
                       & (kent.groups.groupby("group")["council"].transform("size") > 1)]
    assert all(m in part for m in set(rows["model"]))
    leads = rows.loc[rows["role"] == "lead", "name"]
    assert all(f"led by {n}" in part for n in leads) if len(leads) else "no single lead" in part
    assert any("Open Government Licence" in s for s in report.sources)


def test_node_link_option_and_bad_kind(kent):
    fig = kent.plot(kind="network")
    assert len(fig.axes) == 2  # the node-link map splits the panels the same way
    with pytest.raises(ValueError, match="not a kind of map"):
        kent.plot(kind="atlas")


def test_cli_groupings_county_writes_the_map_with_models_and_leads(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "kent.md"
    res = subprocess.run([sys.executable, "-m", "partnerfit.cli", "groupings", "--county", "Kent",
                          "-s", "revenues_benefits", "-s", "legal", "--as-of", DATE,
                          "--label", "none", "-o", str(out)], capture_output=True, text=True,
                         check=False)
    assert res.returncode == 0, res.stderr
    text = out.read_text(encoding="utf-8")
    assert "Legal services: federal, sovereign, led by Swale" in text
    assert "Open Government Licence" in text
    both = subprocess.run([sys.executable, "-m", "partnerfit.cli", "groupings", "--county",
                           "Kent", "--region", "South East", "-s", "legal"],
                          capture_output=True, text=True, check=False)
    assert both.returncode == 2 and "not both" in both.stderr
