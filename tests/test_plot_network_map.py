"""Tests for partnerfit.plot.network_map: the sharing network on the council boundary map.

Checks are made on the rendered files and the drawn figure, against facts computed here from
the register and the arrangement rows (not from the plotting code): every council in force is
one filled area in the SVG, its shade is the class of its number of partners counted here from
the arrangements, every sharing council of the North West in 2014 is named and no two names'
rendered boxes overlap, the April 2009 map shows the new Cornwall and marks the districts
abolished then, and the same map saved twice gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from itertools import combinations

import matplotlib
import pytest
from matplotlib.patches import PathPatch
from matplotlib.text import Text

import partnerfit as pf
from partnerfit import network as N
from partnerfit.plot._shapes import APPROX_HATCH
from partnerfit.plot.network import plot_network
from partnerfit.plot.network_map import DEGREE_BINS, DEGREE_COLOURS, NO_SHARING

matplotlib.use("Agg")


def _patches(ax):
    """The map's areas and outlines (drawn with add_artist, so not in ax.patches)."""
    return [a for a in ax.get_children() if isinstance(a, PathPatch)]


def _partners(date: str, codes) -> dict[str, set[str]]:
    """Partner councils of each council, from the arrangement rows running on ``date``."""
    links = pf.load_links(date)
    inside = set(codes)
    out: dict[str, set[str]] = {c: set() for c in codes}
    for _, rows in links.groupby("arrangement"):
        members = [c for c in rows["council"] if c in inside]
        for a, b in combinations(sorted(set(members)), 2):
            out[a].add(b)
            out[b].add(a)
    return out


def _expected_fill(n: int) -> str:
    if n == 0:
        return NO_SHARING
    k = max(i for i, lo in enumerate(DEGREE_BINS) if n >= lo)
    return DEGREE_COLOURS[k]


def _svg_areas(svg: str) -> dict[str, str]:
    """SVG id council-<code> -> the fill of its path ('none' when unfilled)."""
    out = {}
    for m in re.finditer(r'<g id="council-([A-Z]\d{8})">\s*<path d="[^"]*"[^>]*?style="([^"]*)"',
                         svg):
        style = dict(kv.split(": ", 1) for kv in m.group(2).split("; ") if ": " in kv)
        out[m.group(1)] = style.get("fill", "#000000")
    return out


@pytest.fixture(scope="module")
def national_2014(tmp_path_factory):
    G = N.sharing_graph("2014-06-01")
    fig = plot_network(G)
    path = tmp_path_factory.mktemp("maps") / "national.svg"
    fig.savefig(path)
    return G, fig, path.read_text(encoding="utf-8")


def test_national_map_fills_every_council_in_force(national_2014):
    G, _, svg = national_2014
    reg = pf.load_councils("2014-06-01")
    assert set(G.nodes) == set(reg.index)
    areas = _svg_areas(svg)
    assert set(areas) == set(reg.index)  # one area per council in force, no other
    lower = reg.index[reg["tier"] != "county"]
    partners = _partners("2014-06-01", reg.index)
    for code in lower:
        assert areas[code].lower() == _expected_fill(len(partners[code])).lower(), code
    # counties are drawn over their districts: an outline, filled with a hatch pattern
    # when the county shares
    for code in reg.index[reg["tier"] == "county"]:
        if partners[code]:
            assert areas[code].startswith("url(#"), code
        else:
            assert areas[code] == "none", code


def test_national_map_has_inset_scale_key_and_sources(national_2014):
    _, fig, svg = national_2014
    assert 'id="london-inset"' in svg
    ax = fig.axes[0]
    (bar,) = [a for a in ax.artists if a.get_gid() == "scale-bar"]
    assert re.fullmatch(r"\d+ km", bar.get_child().get_children()[1].get_text())
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Open Government Licence v.3.0" in texts and "Crown copyright" in texts
    # a numbered key of the 40 councils with most partners, instead of crowded names
    reg = pf.load_councils("2014-06-01")
    partners = _partners("2014-06-01", reg.index)
    top = sorted((c for c in partners if partners[c]), key=lambda c: (-len(partners[c]), c))[:40]
    key = "\n".join(t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("key-"))
    for k, code in enumerate(top, 1):
        assert f"{k:>2}  {reg.at[code, 'name']}" in key
    numbers = [t for a in fig.axes for t in a.texts
               if (t.get_gid() or "").startswith("number")]
    assert sorted(int(t.get_text()) for t in numbers) == list(range(1, 41))


def test_north_west_2014_names_every_sharing_council_without_overlaps():
    reg = pf.load_councils("2014-06-01")
    nw = reg.index[reg["region"] == "North West"]
    G = N.sharing_graph("2014-06-01").subgraph(nw)
    fig = plot_network(G)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    partners = _partners("2014-06-01", nw)
    sharing = sorted(reg.at[c, "name"] for c in nw if partners[c])
    assert len(sharing) >= 10
    labels = [t for t in ax.texts if (t.get_gid() or "").startswith("label-")]
    assert sorted(t.get_text() for t in labels) == sharing
    boxes = [Text.get_window_extent(t, renderer) for t in labels]
    for a, b in combinations(range(len(boxes)), 2):
        assert not boxes[a].overlaps(boxes[b]), (labels[a].get_text(), labels[b].get_text())
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.x0 >= ax.get_window_extent(renderer).x1  # legend outside the map
    assert all(not box.overlaps(legend) for box in boxes)
    fb = fig.bbox
    assert all(fb.x0 <= box.x0 and box.x1 <= fb.x1 for box in boxes)  # names on the page


def test_april_2009_maps_show_the_new_unitaries_and_mark_the_abolished_districts(tmp_path):
    after = plot_network(N.sharing_graph("2009-04-01"), label="none")
    after.savefig(tmp_path / "after.svg")
    areas = _svg_areas((tmp_path / "after.svg").read_text(encoding="utf-8"))
    assert "E06000052" in areas and areas["E06000052"] != "none"  # Cornwall unitary
    assert "E07000019" not in areas  # Caradon is gone
    before_fig = plot_network(N.sharing_graph("2009-03-31"), label="none")
    before_fig.savefig(tmp_path / "before.svg")
    before = _svg_areas((tmp_path / "before.svg").read_text(encoding="utf-8"))
    assert "E06000052" not in before and "E07000019" in before
    # the districts abolished on 2009-03-31 that merged into a new unitary, from the register
    reg = pf.load_councils("2009-03-31")
    gone = reg[(reg["valid_to"] == "2009-03-31") & (reg["tier"] != "county")]
    shared = gone["successors"].value_counts()
    merged = {c for c, s in gone["successors"].items() if shared[s] > 1}
    assert len(merged) == 36
    ax = before_fig.axes[0]
    hatched = [p for p in _patches(ax) if p.get_hatch() == APPROX_HATCH]
    assert len(hatched) == len(merged)
    assert any("abolished 1 April 2009" in t.get_text()
               for t in ax.get_legend().get_texts())


_RERUN = """
import sys, partnerfit as pf
from partnerfit.plot.network import plot_network
reg = pf.load_councils("2014-06-01")
G = pf.sharing_graph("2014-06-01").subgraph(reg.index[reg["county"] == "E10000017"].union(
    ["E10000017"]))
plot_network(G).savefig(sys.argv[1])
"""


@pytest.mark.parametrize("ext", ["png", "svg"])
def test_reruns_are_byte_identical(tmp_path, ext):
    digests = []
    for k in range(2):
        out = tmp_path / f"lancs{k}.{ext}"
        subprocess.run([sys.executable, "-c", _RERUN, str(out)], check=True)
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    if ext == "svg":
        text = (tmp_path / "lancs0.svg").read_text(encoding="utf-8")
        assert "<dc:date>" not in text


def test_label_options_and_kind():
    reg = pf.load_councils("2014-06-01")
    G = N.sharing_graph("2014-06-01").subgraph(reg.index[reg["region"] == "North West"])
    fig = plot_network(G, label=3)
    labels = [t.get_text() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("label")]
    partners = _partners("2014-06-01", G.nodes)
    top3 = sorted((c for c in partners if partners[c]), key=lambda c: (-len(partners[c]), c))[:3]
    assert labels == [reg.at[c, "name"] for c in top3]
    fig = plot_network(G, label="none")
    assert not [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("label")]
    fig = plot_network(G, label=["Preston"])
    assert [t.get_text() for t in fig.axes[0].texts
            if (t.get_gid() or "").startswith("label")] == ["Preston"]
    with pytest.raises(ValueError, match="not a kind of map"):
        plot_network(G, kind="hairball")


def test_cli_map_options_write_different_maps(tmp_path):
    def run(*extra):
        return subprocess.run([sys.executable, "-m", "partnerfit.cli", "network", "--as-of",
                               "2014-06-01", *extra], capture_output=True, text=True, check=False)

    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    assert run("--county", "Lancashire", "-o", str(a)).returncode == 0
    assert run("--county", "Lancashire", "--map", "network", "-o", str(b)).returncode == 0
    reg = pf.load_councils("2014-06-01")
    lancs = set(reg.index[(reg["county"] == "E10000017")]) | {"E10000017"}
    assert set(_svg_areas(a.read_text(encoding="utf-8"))) == lancs
    assert 'id="council-' not in b.read_text(encoding="utf-8")
    bad = run("--county", "Lancaster")
    assert bad.returncode == 2 and "not a county council" in bad.stderr
    bad = run("--label", "some")
    assert bad.returncode == 2 and "'all', 'none' or a number" in bad.stderr
