"""Tests for partnerfit.plot.plan (Plan.plot) and Plan.to_report through export.write.

Positions are checked against the register's British National Grid eastings/northings (in
km), leads and alone councils against the plan's own roles, colours one per group; files are
checked by their signatures and, for Excel, by reading a cell back with openpyxl.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import openpyxl
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Polygon

import partnerfit as pf
from partnerfit import export
from partnerfit.grouping import propose_groupings

matplotlib.use("Agg")

MID_LANCS = ["Lancaster", "Preston", "South Ribble", "Chorley", "West Lancashire"]


@pytest.fixture(scope="module")
def mid_lancs():
    # pinned to the earlier default profile: these tests check how a plan is drawn and
    # exported, on the plan it gave (the default since 2026-12-05 groups these councils apart)
    plan = propose_groupings(MID_LANCS, ["revenues_benefits", "finance"], as_of="2009-06-01",
                             weights="north_lincolnshire_2014")
    assert plan.verify()
    return plan


@pytest.fixture(scope="module")
def sovereign():
    plan = propose_groupings(["Manchester", "Trafford", "Salford", "Bolton", "Wigan"],
                             "revenues_benefits", as_of="2019-06-01", max_size=3)
    assert plan.verify()
    return plan


def _group_patches(ax):
    return [p for p in ax.patches if isinstance(p, Polygon) and
            str(p.get_gid() or "").startswith("group-")]


def _collection(ax, gid):
    hits = [c for c in ax.collections if c.get_gid() == gid]
    return hits[0] if hits else None


def _km(codes, date):
    reg = pf.load_councils(date)
    return np.array([[reg.at[c, "easting"] / 1000, reg.at[c, "northing"] / 1000] for c in codes])


def test_one_patch_and_one_colour_per_group_and_alone_in_grey(mid_lancs):
    fig = mid_lancs.plot(kind="network")
    (ax,) = fig.axes  # both services have the same groups: one map
    g = mid_lancs.groups[mid_lancs.groups["service"] == "revenues_benefits"]
    sizes = g.groupby("group").size()
    patches = _group_patches(ax)
    assert len(patches) == int((sizes > 1).sum()) == 1
    alone = sorted(g.loc[g["role"] == "alone", "council"])
    assert alone == [pf.find_council("Lancaster", "2009-06-01")]
    dots = _collection(ax, "alone")
    # at BNG easting/northing in km, not at lat/lon
    np.testing.assert_allclose(np.sort(dots.get_offsets(), axis=0),
                               np.sort(_km(alone, "2009-06-01"), axis=0))
    assert to_hex(dots.get_facecolors()[0]) not in {to_hex(p.get_facecolor()) for p in patches}
    assert _collection(ax, "leads") is None  # federal: no lead


def test_leads_are_marked_at_their_positions_and_colours_differ(sovereign):
    fig = sovereign.plot(kind="network")
    ax = fig.axes[0]
    g = sovereign.groups
    multi = g.groupby("group").filter(lambda r: len(r) > 1)
    patches = _group_patches(ax)
    assert len(patches) == multi["group"].nunique() >= 2
    colours = [to_hex(p.get_facecolor()[:3]) for p in patches]
    assert len(set(colours)) == len(colours)
    leads = sorted(g.loc[g["role"] == "lead", "council"])
    assert pf.find_council("Manchester", "2019-06-01") in leads
    star = _collection(ax, "leads")
    np.testing.assert_allclose(np.sort(star.get_offsets(), axis=0),
                               np.sort(_km(leads, "2019-06-01"), axis=0))


def test_legend_outside_axes_title_and_source_note(sovereign):
    fig = sovereign.plot(kind="network")
    fig.canvas.draw()
    ax = fig.axes[0]
    r = fig.canvas.get_renderer()
    assert ax.get_legend().get_window_extent(r).x0 >= ax.get_window_extent(r).x1
    assert ax.get_title(loc="left").startswith("Proposed groupings")
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Sources:" in texts and "British National Grid" in texts


def test_png_and_svg_are_written(sovereign, tmp_path):
    fig = sovereign.plot(kind="network")
    fig.savefig(tmp_path / "plan.png", dpi=80)
    fig.savefig(tmp_path / "plan.svg")
    assert (tmp_path / "plan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "plan.svg").read_text()
    assert "<svg" in svg and 'id="group-' in svg


def test_one_panel_per_service_when_groups_differ_and_bad_service(mid_lancs):
    fig = mid_lancs.plot(service=["finance", "revenues_benefits"], kind="network")
    assert len(fig.axes) == 2
    with pytest.raises(pf.DataValidationError, match="not in this plan"):
        mid_lancs.plot(service="licensing")


@pytest.mark.parametrize("ext", ["xlsx", "html", "md"])
def test_plan_exports_through_write(mid_lancs, tmp_path, ext):
    opts = {"figures": "files"} if ext == "md" else {}
    path = export.write(mid_lancs, tmp_path / f"plan.{ext}", **opts)
    assert path.exists()
    lancaster = pf.find_council("Lancaster", "2009-06-01")
    g = mid_lancs.groups
    if ext == "xlsx":
        wb = openpyxl.load_workbook(path)
        ws = wb["Groups"]  # one row per group and service, the reason once
        header = [c.value for c in ws[1]]
        # issue 18: officer words (service names, delivery in words)
        assert header == ["group", "service", "delivery", "lead", "members", "reason"]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        assert len(rows) == g.groupby(["group", "service"]).ngroups == 4
        four = [r for r in rows if r[4].count(",") == 3]
        assert len(four) == 2 and all(r[2] == "a shared team run jointly" and not r[3]
                                      for r in four)
        assert all("_" not in r[1] for r in rows)  # service names, not ids
        assert all(r[5] for r in rows)
        ws = wb["Members"]  # one row per council, group and service, no reason
        header = [c.value for c in ws[1]]
        assert header == ["group", "service", "council", "ONS code", "role", "delivery"]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        assert len(rows) == 10  # 5 councils x 2 services
        lan = [r for r in rows if r[3] == lancaster]
        assert len(lan) == 2 and all(r[4] == "alone" for r in lan)
        solve = {r[0].value: r[1].value for r in wb["Solve"].iter_rows(min_row=2)}
        assert solve["status"] == "optimal" and solve["gap"] == "0.0000%"
        cons = {r[0].value: r[1].value for r in wb["Constraints"].iter_rows(min_row=2)}
        assert cons["Largest group"] == "4"
        assert cons["Groups must share land borders (contiguous)"] == "yes"
    else:
        text = path.read_text(encoding="utf-8")
        assert lancaster in text and "constraints used" in text and "federal" in text
        # each group's reason is written once, not on every member's row: two federal
        # groups of four (one per service), so the federal sentence appears twice, not 8 times
        federal = g[g["model"] == "federal"].groupby(["group", "service"]).ngroups
        assert federal == 2
        assert text.count("jointly through one shared team (federal)") == federal
        assert ("<img" in text) if ext == "html" else ("![" in text)
        if ext == "md":
            assert any(p.suffix == ".png" for p in tmp_path.rglob("*"))
