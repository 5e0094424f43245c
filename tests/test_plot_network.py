"""Tests for partnerfit.plot.network: the national map and a county cluster, PNG and SVG.

Checks are on the finished figure: files written and non-trivial, the legend outside the axes
(bounding boxes from the Agg renderer) and inside the figure, the chosen councils labelled
(the default labels recomputed here from networkx degrees), labels not overlapping each other.
Set PARTNERFIT_PLOT_DIR to keep copies of the images for a look.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from matplotlib.text import Text

from partnerfit import network as N
from partnerfit.errors import UnknownCouncilError, UnknownServiceError
from partnerfit.links import ARRANGEMENT_COLUMNS
from partnerfit.plot.network import SOURCE_NOTE, plot_network

matplotlib.use("Agg")

DATE = "2019-06-01"


@pytest.fixture(scope="module")
def national():
    """England on DATE from the bundled arrangements (which must validate)."""
    G = N.sharing_graph(DATE)
    england = [c for c, d in G.nodes(data=True) if d["nation"] == "England"]
    return G.subgraph(england)


LANCS = {"Chorley": "E07000118", "South Ribble": "E07000126", "Lancaster": "E07000121",
         "Preston": "E07000123", "Wyre": "E07000128", "Fylde": "E07000119",
         "Lancashire": "E10000017", "Blackpool": "E06000009", "West Lancashire": "E07000127",
         "Ribble Valley": "E07000124", "Pendle": "E07000122", "Burnley": "E07000117",
         "Hyndburn": "E07000120", "Rossendale": "E07000125",
         "Blackburn with Darwen": "E06000008"}


@pytest.fixture(scope="module")
def cluster():
    """A Lancashire cluster of 15 councils from an explicit table."""
    groups = [
        ("csr-finance", "finance", ["Chorley", "South Ribble"]),
        ("csr-audit", "audit", ["Chorley", "South Ribble"]),
        ("csr-customer", "customer_services", ["Chorley", "South Ribble"]),
        ("lp-revenues_benefits", "revenues_benefits", ["Lancaster", "Preston"]),
        ("fylde-coast-licensing", "licensing", ["Wyre", "Fylde", "Blackpool"]),
        ("lancs-procurement", "procurement", ["Lancashire", "Preston", "Wyre", "Chorley",
                                              "Blackpool", "Burnley"]),
        ("east-lancs-waste_collection", "waste_collection", ["Burnley", "Pendle", "Hyndburn",
                                                             "Rossendale"]),
        ("bwd-lancs-childrens_services", "childrens_services", ["Blackburn with Darwen",
                                                                "Lancashire"]),
        ("ribble-building_control", "building_control", ["Ribble Valley", "Preston"]),
    ]
    rows = [{"arrangement": a, "partnership": a.rsplit("-", 1)[0], "name": a, "service": s,
             "model": "federal", "council": LANCS[m], "council_name": m, "role": "partner",
             "start": "2012", "end": "", "notes": "", "source_title": "Test",
             "source_publisher": "Test", "source_date": "", "source_url": "https://example.org"}
            for a, s, members in groups for m in members]
    G = N.sharing_graph(DATE, links=pd.DataFrame(rows, columns=list(ARRANGEMENT_COLUMNS)))
    return G.subgraph(LANCS.values())


def _check_figure(fig, labels: list[str], title: str = "Shared services between councils"):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    lb = legend.get_window_extent(renderer)
    ab = ax.get_window_extent(renderer)
    assert not lb.overlaps(ab), "the legend covers the map"
    fb = fig.bbox
    assert lb.x0 >= fb.x0 - 1 and lb.x1 <= fb.x1 + 1 and lb.y0 >= fb.y0 - 1 and \
        lb.y1 <= fb.y1 + 1, "the legend runs off the figure"
    texts = {t.get_text(): t for t in ax.texts}
    for name in labels:
        assert name in texts, f"{name} not labelled"
    # the text itself (an Annotation's own extent also covers its leader line)
    boxes = [Text.get_window_extent(texts[n], renderer) for n in labels]
    for i, a in enumerate(boxes):
        assert not a.overlaps(lb)
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), "two labels overlap"
    all_text = " ".join(t.get_text() for t in ax.texts) + ax.get_title(loc="left")
    assert SOURCE_NOTE in all_text
    assert title in all_text


def _save(fig, tmp_path: Path, stem: str) -> None:
    for ext in ("png", "svg"):
        path = tmp_path / f"{stem}.{ext}"
        fig.savefig(path, dpi=130)
        assert path.stat().st_size > 20_000, f"{path.name} is suspiciously small"
        keep = os.environ.get("PARTNERFIT_PLOT_DIR")
        if keep:
            shutil.copy(path, Path(keep) / path.name)
    head = (tmp_path / f"{stem}.png").read_bytes()[:8]
    assert head == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / f"{stem}.svg").read_text()[:2000]


def test_national_plot(national, tmp_path):
    fig = plot_network(national, kind="network")  # the node-link option
    deg = sorted(((d, c) for c, d in national.degree() if d > 0), key=lambda t: (-t[0], t[1]))
    expected = [national.nodes[c]["name"] for _, c in deg[:10]]
    _check_figure(fig, expected)
    ax = fig.axes[0]
    assert ax.get_aspect() == 1.0  # equal aspect: km east = km north
    _save(fig, tmp_path, "network_national")


def test_cluster_plot_labels_every_council(cluster, tmp_path):
    fig = plot_network(cluster, title="Lancashire: shared services", kind="network")
    _check_figure(fig, list(LANCS), title="Lancashire: shared services")
    assert fig.axes[0].get_title(loc="left") == "Lancashire: shared services"
    _save(fig, tmp_path, "network_cluster")
    # the legend counts pairs per family: Chorley-South Ribble shares back office and customer
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    back = sum(1 for u, v, d in cluster.edges(data=True)
               if {"finance", "audit", "procurement"} & set(d["services"]))
    assert f"Back office ({back})" in legend


def test_options_labels_families_and_axes(cluster):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 6), layout="constrained")
    ax = fig.add_subplot()
    out = plot_network(cluster, ax=ax, label=["Chorley", "E07000121"], families="back_office",
                       source_note=False, adjacency=False, kind="network")
    assert out is fig
    names = {t.get_text() for t in ax.texts}
    assert {"Chorley", "Lancaster"} <= names and "Preston" not in names
    assert not any(SOURCE_NOTE in n for n in names)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any(t.startswith("Place") for t in legend)
    with pytest.raises(UnknownCouncilError):
        plot_network(cluster, label=["Cardiff"], kind="network")
    with pytest.raises(UnknownServiceError):
        plot_network(cluster, families=["plaice"], kind="network")


def test_importing_does_not_load_matplotlib():
    code = ("import sys, partnerfit.network, partnerfit.plot.network; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
