"""A map of the sharing network: councils at their British National Grid positions.

matplotlib is imported inside the function. The figure is a :class:`matplotlib.figure.Figure`
with an Agg canvas (no pyplot state); save it with ``fig.savefig("network.png", dpi=150)`` or
``fig.savefig("network.svg")``.

:func:`plot_network` draws in this order: the land borders, the councils, the titles and the
legend; then, once the layout is final, the sharing links (their parallel offsets are in
points) and the labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from .._dates import today
from ..errors import UnknownCouncilError
from ..network import council_node, simple_graph
from ..services import FAMILIES, check_families, services
from ._basemap import (
    BORDER_COLOUR,
    QUIET_COLOUR,
    MapExtent,
    add_source_note,
    add_subtitle,
    attach_canvas,
    border_pairs,
    dot_boxes,
    draw_borders,
    frame_map,
    layout_renderer,
    map_figure,
    place_labels,
)
from ._links import (
    FAMILY_COLOURS,
    FAMILY_LABELS,
    SOURCE_NOTE,
    draw_links,
    edge_families,
    sharing_titles,
)
from .network_map import plot_network_map

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure

__all__ = ["FAMILY_COLOURS", "FAMILY_LABELS", "SOURCE_NOTE", "plot_network"]

_NODE = "#383f43"
_SMALL = 25  # at most this many councils: label all, draw bigger

XY = Mapping[str, tuple[float, float]]


def _dot_area(degree: Any, small: bool) -> Any:
    """Marker area (points squared) of a council with ``degree`` partners (number or array)."""
    return (28 + 55 * np.sqrt(degree)) if small else (7 + 9 * np.sqrt(degree))


def _resolve_labels(G: nx.Graph, label: Any) -> list[str]:
    """The councils to label: those asked for (codes or names, "all", "none" or a number of
    the best connected), else the default choice."""
    deg = sorted(((G.degree(c), c) for c in G if G.degree(c) > 0), key=lambda t: (-t[0], t[1]))
    if label is None:
        if G.number_of_nodes() <= _SMALL:
            return sorted(G.nodes)
        return [c for _, c in deg[:10]]
    if isinstance(label, str) and label.lower() in ("all", "none"):
        return [c for _, c in deg] if label.lower() == "all" else []
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        if label < 0:
            raise ValueError(f"label={label}: give a number of councils to label, 0 or more")
        return [c for _, c in deg[:int(label)]]
    if isinstance(label, str):
        label = [label]
    by_name: dict[str, str] = {}
    for c, d in G.nodes(data=True):
        by_name.setdefault(str(d.get("name", "")).lower(), c)
    out: list[str] = []
    for q in label:
        if isinstance(q, str) and q.lower() in by_name and q not in G:
            code = by_name[q.lower()]
        else:
            code = council_node(G, q)
        if code not in out:
            out.append(code)
    return out


def _check_positions(G: nx.Graph) -> None:
    """Refuse a graph with no councils, or with councils without a position."""
    if G.number_of_nodes() == 0:
        raise ValueError("The network has no councils to draw.")
    missing = [c for c, d in G.nodes(data=True) if "easting" not in d or "northing" not in d]
    if missing:
        raise UnknownCouncilError(
            f"Councils {', '.join(sorted(missing)[:5])} have no easting/northing; draw a "
            "graph built by partnerfit.network.sharing_graph.")


def _network_axes(ax: Axes | None, extent: MapExtent,
                  small: bool) -> tuple[Figure, Axes]:
    """The axes to draw on (a new figure sized to the map unless ``ax`` is given)."""
    if ax is None:
        width = 7.6 if small else 8.4
        fig = map_figure((width + 2.9, np.clip(width * extent.aspect + 1.1, 5.0, 12.5)))
        return fig, fig.add_subplot()
    owner = ax.get_figure()
    assert owner is not None  # an axes always belongs to a figure
    attach_canvas(owner)
    return owner, ax


def _draw_councils(ax: Axes, pts: np.ndarray, deg: np.ndarray, small: bool) -> None:
    """Councils as dots sized by their number of partners; grey when they share nothing."""
    sharing = deg > 0
    ax.scatter(pts[~sharing, 0], pts[~sharing, 1], s=16 if small else 5, c=QUIET_COLOUR,
               linewidths=0, zorder=3)
    ax.scatter(pts[sharing, 0], pts[sharing, 1], s=_dot_area(deg[sharing], small), c=_NODE,
               edgecolors="white", linewidths=0.8 if small else 0.4, zorder=4)


def _write_titles(ax: Axes, G: nx.Graph, H: nx.Graph, title: str | None, date: Any,
                  source_note: bool | str) -> None:
    """Title (default: what is shared, and when), subtitle with the counts, source note."""
    title, sub = sharing_titles(G, H, title, date, sum(1 for c in H if H.degree(c) > 0))
    ax.set_title(title, loc="left", fontsize=12.5, fontweight="bold", pad=20)
    add_subtitle(ax, sub, 9)
    if source_note:
        add_source_note(ax, source_note if isinstance(source_note, str) else SOURCE_NOTE)


def _draw_legend(ax: Axes, show: Sequence[str], counts: Mapping[str, int], deg: np.ndarray,
                 small: bool) -> None:
    """Legend outside the axes: link colours by family, the border, dot sizes."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=FAMILY_COLOURS[f], lw=2.4,
                      label=f"{FAMILY_LABELS[f]} ({counts[f]})") for f in show if counts[f]]
    handles.append(Line2D([], [], color=BORDER_COLOUR, lw=1.2, label="Shared land border"))
    top = int(deg.max())
    keys = sorted({1, max(2, round(top / 3)), top}) if top > 2 else list(range(1, top + 1))
    for k in keys:
        handles.append(Line2D([], [], ls="", marker="o", markersize=np.sqrt(_dot_area(k, small)),
                              markerfacecolor=_NODE, markeredgecolor="white",
                              label=f"{k} partner{'s' if k != 1 else ''}"))
    if (deg <= 0).any():
        handles.append(Line2D([], [], ls="", marker="o", markersize=np.sqrt(16 if small else 5),
                              markerfacecolor=QUIET_COLOUR, markeredgewidth=0,
                              label="No sharing recorded"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0,
              frameon=False, fontsize=8.5, title="Links by service family\n(pairs of councils)",
              title_fontsize=9, alignment="left", labelspacing=0.9, handlelength=2.2)


def _km_per_pt(fig: Figure, ax: Axes, renderer: RendererBase) -> float:
    """How many km of the map one typographic point covers, on the final layout."""
    box = ax.get_window_extent(renderer)
    lo, hi = ax.get_xlim()
    return (hi - lo) / (box.width * 72.0 / fig.dpi)


def _label_councils(ax: Axes, renderer: RendererBase, G: nx.Graph, chosen: list[str],
                    codes: list[str], xy: XY, deg: np.ndarray, small: bool) -> None:
    """Label the ``chosen`` councils, keeping the labels clear of every dot."""
    fig = ax.get_figure()
    assert fig is not None
    px_per_pt = fig.dpi / 72.0
    radii_pt = [np.sqrt(_dot_area(d, small) if d > 0 else 5) / 2 for d in deg]
    obstacles = dot_boxes(ax, [xy[c] for c in codes], [r * px_per_pt for r in radii_pt])
    index = {c: i for i, c in enumerate(codes)}
    anchors = [xy[c] for c in chosen]
    texts = [str(G.nodes[c].get("name", c)) for c in chosen]
    place_labels(ax, renderer, anchors, texts, [radii_pt[index[c]] for c in chosen], obstacles,
                 small)


def plot_network(G: nx.Graph, *, adjacency: pd.DataFrame | bool | None = None,
                 label: Any = None, ax: Axes | None = None,
                 title: str | None = None, source_note: bool | str = True,
                 families: str | Iterable[str] | None = None,
                 kind: str = "boundaries") -> Figure:
    """Draw a sharing network as a map.

    By default (``kind="boundaries"``) the councils are their areas on the boundary map,
    shaded by number of partners: see :func:`partnerfit.plot.network_map.plot_network_map`.
    With ``kind="network"`` they are dots at their centroids joined by links (node-link):
    councils sit at their British National Grid centroids (equal aspect, km), the land borders
    between them are drawn faintly as the map, and sharing links are coloured by service
    family (a pair sharing services of several families gets one parallel line per family,
    thicker for more services). Dot size shows the number of partners in ``G``.

    Parameters
    ----------
    G : networkx.Graph or MultiGraph
        From :func:`partnerfit.network.sharing_graph`, or a subgraph of it, e.g.
        ``G.subgraph(codes)`` for a county cluster of 10-20 councils.
    adjacency : pandas.DataFrame or bool, optional
        Border pairs (columns ``a, b``) for the base map; default (or ``True``) the land
        borders of the register on the network's date; ``False`` draws no map.
    label : None, "all", "none", int, str or list of str, optional
        Councils (codes or names) to label, ``"all"`` sharing councils, ``"none"``, or the
        N with most partners. Node-link default: every council when ``G`` has at most 25,
        otherwise the 10 with the most partners (boundary map: see ``plot_network_map``).
    ax : matplotlib.axes.Axes, optional
        Draw here instead of in a new figure.
    title : str, optional
        Default "Shared services between councils, <date>" (with the service filter, if any).
    source_note : bool or str, default True
        Print the sources under the map (a string replaces the default note).
    families : str or list of str, optional
        Draw only links of these service families.
    kind : {"boundaries", "network"}, default "boundaries"
        The boundary map, or the node-link map (``adjacency`` applies to it only).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (the one holding ``ax``, if given).
    """
    if kind == "boundaries":
        return plot_network_map(G, label=label, ax=ax, title=title, source_note=source_note,
                                families=families)
    if kind != "network":
        raise ValueError(f"kind={kind!r} is not a kind of map; use 'boundaries' (council "
                         "areas) or 'network' (dots and links)")
    _check_positions(G)
    show = list(FAMILIES) if families is None else check_families(
        [families] if isinstance(families, str) else families)
    date = G.graph.get("as_of") or today()
    codes = sorted(G.nodes)
    xy = {c: (G.nodes[c]["easting"] / 1000.0, G.nodes[c]["northing"] / 1000.0) for c in codes}
    pts = np.array([xy[c] for c in codes])
    extent = MapExtent.of(pts)
    small = len(codes) <= _SMALL
    fig, ax = _network_axes(ax, extent, small)
    borders = border_pairs(adjacency, date, xy)
    if borders is not None:
        draw_borders(ax, borders, xy, 0.9 if small else 0.5)
    per_pair = edge_families(G, services())
    counts = {f: sum(1 for fams in per_pair.values() if f in fams) for f in show}
    H = simple_graph(G)
    deg = np.array([H.degree(c) for c in codes], dtype=float)
    _draw_councils(ax, pts, deg, small)
    frame_map(ax, extent.box, 0.05 * extent.span)
    _write_titles(ax, G, H, title, date, source_note)
    _draw_legend(ax, show, counts, deg, small)
    renderer = layout_renderer(fig)  # links and labels are measured on the final layout
    draw_links(ax, per_pair, show, xy, _km_per_pt(fig, ax, renderer), small)
    chosen = _resolve_labels(G, label)
    if chosen:
        _label_councils(ax, renderer, G, chosen, codes, xy, deg, small)
    return fig
