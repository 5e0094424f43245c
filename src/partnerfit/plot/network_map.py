"""The sharing network on the boundary map: council areas shaded by their number of partners,
sharing links on top, every sharing council named (or numbered with a key on national maps).

This is what :func:`partnerfit.plot.network.plot_network` draws by default
(``kind="boundaries"``). matplotlib is imported inside the functions; the figure has an Agg
canvas (no pyplot state).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from .._dates import today
from ..errors import UnknownCouncilError
from ..network import council_node, simple_graph
from ..services import FAMILIES, check_families, services
from ._basemap import NOTE_COLOUR, add_subtitle, attach_canvas, layout_renderer, map_figure
from ._labels import label_choice, numbered_key, place_names
from ._links import (
    FAMILY_COLOURS,
    FAMILY_LABELS,
    SOURCE_NOTE,
    draw_links,
    edge_families,
    sharing_titles,
)
from ._shapes import (
    APPROX_HATCH,
    CONTEXT_COLOUR,
    OGL_NOTE,
    MapLayer,
    add_scale_bar,
    draw_areas,
    draw_context,
    fill_colours,
    london_codes,
    london_inset,
    map_layer,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["DEGREE_BINS", "DEGREE_COLOURS", "frame", "map_axes", "plot_network_map", "source_line"]

#: Lower edges of the shading classes (number of partner councils) and their colours.
DEGREE_BINS = (1, 2, 3, 5, 8, 12)
DEGREE_COLOURS = ("#cbc9e2", "#b0aed6", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486")
NO_SHARING = "#dedede"
XY = Mapping[str, tuple[float, float]]


def _bin_labels() -> list[str]:
    out = []
    for k, lo in enumerate(DEGREE_BINS):
        hi = DEGREE_BINS[k + 1] - 1 if k + 1 < len(DEGREE_BINS) else None
        if hi is None:
            out.append(f"{lo} or more partners")
        elif hi == lo:
            out.append(f"{lo} partner{'s' if lo != 1 else ''}")
        else:
            out.append(f"{lo} to {hi} partners")
    return out


def _resolver(G: nx.Graph) -> Any:
    by_name: dict[str, str] = {}
    for c, d in G.nodes(data=True):
        by_name.setdefault(str(d.get("name", "")).lower(), c)

    def resolve(q: str) -> str:
        if isinstance(q, str) and q.lower() in by_name and q not in G:
            return by_name[q.lower()]
        return council_node(G, q)
    return resolve


#: Most rows in one column of the numbered key beside the map (two columns at most there).
KEY_ROWS = 50
#: Columns of a longer key, under the map.
KEY_BELOW = 6


def map_axes(ax: Axes | None, layer: MapLayer, numbered: bool | int) -> tuple[Figure, Axes]:
    """The axes to draw on: ``ax``, or a new map figure sized to the layer (wider for a
    numbered key; ``numbered`` may be the number of councils in it)."""
    if ax is not None:
        owner = ax.get_figure()
        assert owner is not None  # an axes always belongs to a figure
        attach_canvas(owner)
        return owner, ax
    width = 8.6 if layer.span > 250 else 7.8
    side = 3.4 if numbered else 3.0
    height = float(np.clip(width * layer.aspect + 1.3, 5.5, 13.0))
    if int(numbered) > 2 * KEY_ROWS:  # a long key goes under the map, in KEY_BELOW columns
        height += np.ceil(int(numbered) / KEY_BELOW) * 6.3 * 1.3 / 72 + 1.5
    fig = map_figure((width + side, height))
    return fig, fig.add_subplot()


def frame(ax: Axes, layer: MapLayer) -> tuple[float, float, float, float]:
    """Fit ``ax`` to the layer's box with a margin; equal scale, no ticks or frame."""
    x0, x1, y0, y1 = layer.box
    pad = 0.04 * layer.span
    view = (x0 - pad, x1 + pad, y0 - pad, y1 + pad)
    ax.set_xlim(view[0], view[1])
    ax.set_ylim(view[2], view[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#ffffff")
    for spine in ax.spines.values():
        spine.set_visible(False)
    return view


def source_line(ax: Axes, first: str, extra: str = "") -> None:
    """The sources and the OGL attribution under the map, left, in two lines."""
    text = f"{first}.{(' ' + extra) if extra else ''}\n{OGL_NOTE}; simplified."
    ax.annotate(text, xy=(0, 0), xycoords="axes fraction", xytext=(0, -4),
                textcoords="offset points", va="top", fontsize=6.5, color=NOTE_COLOUR)


def _legend(ax: Axes, show: Sequence[str], counts: Mapping[str, int], used_bins: set[int],
            any_quiet: bool, any_county: bool, any_approx: bool) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    for k, text in enumerate(_bin_labels()):
        if k in used_bins:
            handles.append(Patch(facecolor=DEGREE_COLOURS[k], edgecolor="#bfc1c3", lw=0.5,
                                 label=text))
    if any_quiet:
        handles.append(Patch(facecolor=NO_SHARING, edgecolor="#bfc1c3", lw=0.5,
                             label="No sharing recorded"))
    handles.append(Patch(facecolor=CONTEXT_COLOUR, edgecolor="#dcdcdc", lw=0.5,
                         label="Not on this map"))
    if any_county:
        handles.append(Patch(facecolor="none", edgecolor=DEGREE_COLOURS[-1], hatch="//",
                             lw=1.2, label="County council sharing\n(hatched over its districts)"))
    if any_approx:
        handles.append(Patch(facecolor="white", edgecolor="#6f777b", hatch=APPROX_HATCH, lw=0.5,
                             label="Approximate area: district\nabolished 1 April 2009, drawn\n"
                                   "with its successor's area"))
    for f in show:
        if counts[f]:
            handles.append(Line2D([], [], color=FAMILY_COLOURS[f], lw=2.2,
                                  label=f"{FAMILY_LABELS[f]} link ({counts[f]} "
                                        f"pair{'s' if counts[f] != 1 else ''})"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0,
              frameon=False, fontsize=7.5, title="Councils shaded by\nnumber of partners",
              title_fontsize=8.5, alignment="left", labelspacing=0.7, handlelength=1.8)


def plot_network_map(G: nx.Graph, *, label: Any = None, ax: Axes | None = None,
                     title: str | None = None, source_note: bool | str = True,
                     families: str | Iterable[str] | None = None) -> Figure:
    """Draw a sharing network on the council boundary map.

    Each council of ``G`` is its area on the network's date, shaded by its number of partner
    councils (grey: none recorded); counties that share are hatched over their districts;
    councils around the map are pale. Sharing links join council centroids, coloured by
    service family. Every sharing council is named without overlaps; with more than 45 to
    name (national maps) the 40 with most partners are numbered and listed in a key. A
    national or regional map showing London gets a London inset; a scale bar, the sources
    and the OS/ONS licence line sit under the map, the legend beside it.

    Parameters
    ----------
    G : networkx.Graph or MultiGraph
        From :func:`partnerfit.network.sharing_graph`, or a subgraph (a region, a county).
    label : None, "all", "none", int or list of str, optional
        Which councils to label: default every sharing council (a numbered key of the 40
        with most partners when there are more than 45); ``"all"`` every sharing council;
        ``"none"``; an int N, the N with most partners; or a list of codes or names.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of in a new figure.
    title : str, optional
        Default "Shared services between councils, <date>".
    source_note : bool or str, default True
        Print the sources under the map (a string replaces partnerfit's sources; the
        licence line is always printed).
    families : str or list of str, optional
        Draw only links of these service families.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if G.number_of_nodes() == 0:
        raise ValueError("The network has no councils to draw.")
    show = list(FAMILIES) if families is None else check_families(
        [families] if isinstance(families, str) else families)
    date = G.graph.get("as_of") or today()
    codes = sorted(G.nodes)
    missing = [c for c, d in G.nodes(data=True) if "easting" not in d or "northing" not in d]
    if missing:
        raise UnknownCouncilError(
            f"Councils {', '.join(sorted(missing)[:5])} have no easting/northing; draw a "
            "graph built by partnerfit.network.sharing_graph.")
    layer = map_layer(codes, date)
    H = simple_graph(G)
    deg = {c: H.degree(c) for c in codes}
    ranked = sorted((c for c in codes if deg[c] > 0), key=lambda c: (-deg[c], c))
    chosen, numbered = label_choice(ranked, label, _resolver(G))
    fills = fill_colours({c: (deg[c] if deg[c] > 0 else np.nan) for c in codes}, DEGREE_BINS,
                         DEGREE_COLOURS, NO_SHARING)
    county_fill = {c: DEGREE_COLOURS[-1] for c in codes
                   if layer.tier.get(c) == "county" and deg[c] > 0}
    fig, ax = map_axes(ax, layer, len(chosen) if numbered else 0)
    small = len(codes) <= 60
    lw = 0.5 if small else 0.25
    draw_context(ax, layer, lw)
    draw_areas(ax, layer, fills, linewidth=lw, county_fill=county_fill)
    view = frame(ax, layer)
    per_pair = edge_families(G, services())
    counts = {f: sum(1 for fams in per_pair.values() if f in fams) for f in show}
    _write_titles(ax, G, H, title, date, deg)
    used = {int(np.searchsorted(np.asarray(DEGREE_BINS), d, side="right") - 1)
            for d in deg.values() if d > 0}
    _legend(ax, show, counts, used, any(d == 0 for d in deg.values()),
            bool(county_fill), bool(layer.approximate & set(codes)))
    names = {c: str(G.nodes[c].get("name", c)) for c in codes}
    if numbered:
        _key_block(ax, [names[c] for c in chosen])
    if source_note:
        source_line(ax, source_note if isinstance(source_note, str) else SOURCE_NOTE,
                    "Links join council centroids.")
    inset = london_inset(ax, layer, view)
    add_scale_bar(ax, layer, view, avoid=inset[1] if inset else None)
    renderer = layout_renderer(fig)
    xy = {c: (G.nodes[c]["easting"] / 1000.0, G.nodes[c]["northing"] / 1000.0) for c in codes}
    km_pt = (view[1] - view[0]) / (ax.get_window_extent(renderer).width * 72.0 / fig.dpi)
    draw_links(ax, per_pair, show, xy, km_pt, small, halo=True, zorder=3)
    _dots(ax, [xy[c] for c in ranked])
    keep_clear = [inset[0].get_window_extent(renderer)] if inset else []
    if inset:
        _draw_inset(inset[0], layer, fills, county_fill, per_pair, show, xy, ranked, renderer)
    if not chosen:
        return fig
    anchors = [xy[c] for c in chosen]
    if numbered:
        in_ldn = {k for k, c in enumerate(chosen) if c in set(london_codes(layer))} \
            if inset else set()
        numbered_key(ax, renderer, anchors, [names[c] for c in chosen], keep_clear=keep_clear,
                     inset=(inset[0], in_ldn) if inset else None)
    else:
        place_names(ax, renderer, anchors, [names[c] for c in chosen], keep_clear=keep_clear,
                    fontsize=8 if len(chosen) <= 25 else 7.5,
                    areas=[layer.paths[c] for c in chosen])
    return fig


def _dots(ax: Axes, points: Sequence[tuple[float, float]], size: float = 6) -> None:
    if points:
        pts = np.asarray(points)
        ax.scatter(pts[:, 0], pts[:, 1], s=size, c="#0b0c0c", edgecolors="white",
                   linewidths=0.4, zorder=4, gid="centroids")


def _key_block(ax: Axes, names: Sequence[str], fontsize: float = 6.3) -> None:
    """The numbered key: beside the map, ending at its bottom, for up to 2 x KEY_ROWS names;
    under the map in KEY_BELOW columns for more. In the layout, so the figure keeps room."""
    rows = [f"{k + 1:>2}  {n}" for k, n in enumerate(names)]
    below = len(rows) > 2 * KEY_ROWS
    n_cols = KEY_BELOW if below else 1 if len(rows) <= 24 else 2
    per_col = int(np.ceil(len(rows) / n_cols))
    cols = ["\n".join(rows[i:i + per_col]) for i in range(0, len(rows), per_col)]
    height = per_col * fontsize * 1.3  # points
    width = max(len(r) for r in rows) * fontsize * 0.56
    at, top = ((0.0, 0.0), -34.0) if below else ((1.02, 0.0), height)
    title = ax.annotate("Numbered councils (most partners first)", xy=at,
                        xycoords="axes fraction", xytext=(0, top + 4),
                        textcoords="offset points", va="bottom", fontsize=fontsize + 1.2,
                        fontweight="bold", color="#0b0c0c")
    title.set_gid("key-title")
    for k, col in enumerate(cols):
        t = ax.annotate(col, xy=at, xycoords="axes fraction", xytext=(k * width, top),
                        textcoords="offset points", va="top", fontsize=fontsize,
                        color="#0b0c0c", linespacing=1.3)
        t.set_gid(f"key-{k}")


def _draw_inset(inset: Axes, layer: MapLayer, fills: Mapping[str, str],
                county_fill: Mapping[str, str], per_pair: Any, show: Sequence[str], xy: XY,
                ranked: Sequence[str], renderer: Any) -> None:
    draw_context(inset, layer, 0.3)
    draw_areas(inset, layer, fills, linewidth=0.4, county_fill=county_fill)
    fig = inset.get_figure()
    assert fig is not None
    lo, hi = inset.get_xlim()
    km_pt = (hi - lo) / (inset.get_window_extent(renderer).width * 72.0 / fig.dpi)
    ldn = set(london_codes(layer))
    near = {pair: fams for pair, fams in per_pair.items() if ldn & set(pair)}
    draw_links(inset, near, show, xy, km_pt, False, halo=True, zorder=3)
    _dots(inset, [xy[c] for c in ranked], size=10)


def _write_titles(ax: Axes, G: nx.Graph, H: nx.Graph, title: str | None, date: Any,
                  deg: Mapping[str, int]) -> None:
    title, sub = sharing_titles(G, H, title, date, sum(1 for d in deg.values() if d > 0))
    ax.set_title(title, loc="left", fontsize=12.5, fontweight="bold", pad=20)
    add_subtitle(ax, sub, 9)
