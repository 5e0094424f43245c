"""A map of the sharing network: councils at their British National Grid positions.

matplotlib is imported inside the function. The figure is a :class:`matplotlib.figure.Figure`
with an Agg canvas (no pyplot state); save it with ``fig.savefig("network.png", dpi=150)`` or
``fig.savefig("network.svg")``.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd

from .._dates import today
from ..errors import UnknownCouncilError
from ..formatting import format_date
from ..network import _check_families, _node, _simple
from ..register import adjacency as _adjacency
from ..services import FAMILIES, services

__all__ = ["FAMILY_COLOURS", "plot_network"]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
FAMILY_COLOURS = {
    "back_office": "#0072B2",
    "customer": "#E69F00",
    "regulatory": "#009E73",
    "place": "#D55E00",
    "people": "#CC79A7",
}
FAMILY_LABELS = {
    "back_office": "Back office",
    "customer": "Customer services",
    "regulatory": "Regulatory",
    "place": "Place",
    "people": "People",
}
SOURCE_NOTE = "Sources: partnerfit arrangements register; ONS boundaries; mySociety"
_MAP = "#d3d6d8"
_NODE = "#383f43"
_QUIET = "#a9aeb1"
_SMALL = 25  # at most this many councils: label all, draw bigger


def _resolve_labels(G: nx.Graph, label) -> list[str]:
    if label is None:
        if G.number_of_nodes() <= _SMALL:
            return sorted(G.nodes)
        deg = sorted(((G.degree(c), c) for c in G if G.degree(c) > 0),
                     key=lambda t: (-t[0], t[1]))
        return [c for _, c in deg[:10]]
    if isinstance(label, str):
        label = [label]
    by_name = {}
    for c, d in G.nodes(data=True):
        by_name.setdefault(str(d.get("name", "")).lower(), c)
    out = []
    for q in label:
        if isinstance(q, str) and q.lower() in by_name and q not in G:
            code = by_name[q.lower()]
        else:
            code = _node(G, q)
        if code not in out:
            out.append(code)
    return out


def _edge_families(G: nx.Graph, cat: pd.DataFrame) -> dict[tuple[str, str], dict[str, int]]:
    """For each pair, the number of distinct services shared per family."""
    fam = cat["family"].to_dict()
    out: dict[tuple[str, str], dict[str, set]] = {}
    if G.is_multigraph():
        for u, v, d in G.edges(data=True):
            key = (u, v) if u < v else (v, u)
            out.setdefault(key, {}).setdefault(d["family"], set()).add(d["service"])
    else:
        for u, v, d in G.edges(data=True):
            key = (u, v) if u < v else (v, u)
            rec = out.setdefault(key, {})
            for s in d.get("services", ()):
                rec.setdefault(fam.get(s, "back_office"), set()).add(s)
    return {k: {f: len(s) for f, s in v.items()} for k, v in out.items()}


def _frame_map(ax, box: tuple[float, float, float, float], pad: float) -> None:
    """Fit ``ax`` to ``box`` = (x0, x1, y0, y1) plus ``pad``, equal scale, no ticks or frame."""
    x0, x1, y0, y1 = box
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _place_labels(ax, renderer, anchors, texts, sizes_pt, obstacles, small):
    """Greedy label placement: try offsets around each node, keep the first free one."""
    import matplotlib.patheffects as pe

    fontsize = 8.5 if small else 8
    halo = [pe.withStroke(linewidth=2.5, foreground="white")]
    plate = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.72}
    directions = [(1, 0), (-1, 0), (0.7, 0.7), (-0.7, 0.7), (0.7, -0.7), (-0.7, -0.7),
                  (0, 1), (0, -1)]
    ax_box = ax.get_window_extent(renderer)
    placed: list = []
    for (x, y), text, r in zip(anchors, texts, sizes_pt, strict=True):
        ann = ax.annotate(text, xy=(x, y), xycoords="data", xytext=(0, 0),
                          textcoords="offset points", fontsize=fontsize, color="#0b0c0c",
                          path_effects=halo, zorder=6, annotation_clip=False, bbox=plate)
        ann.set_in_layout(False)
        best, best_cost = None, np.inf
        for scale in (1.0, 2.2, 3.6):
            for dx, dy in directions:
                off = (dx * (r + 4) * scale, dy * (r + 3) * scale)
                ha = "left" if dx > 0.1 else "right" if dx < -0.1 else "center"
                va = "bottom" if dy > 0.1 else "top" if dy < -0.1 else "center"
                ann.set_position(off)
                ann.set_horizontalalignment(ha)
                ann.set_verticalalignment(va)
                bb = ann.get_window_extent(renderer).expanded(1.04, 1.1)
                cost = sum(_overlap(bb, o) for o in placed) * 4
                cost += sum(_overlap(bb, o) for o in obstacles)
                outside = bb.width * bb.height - _overlap(bb, ax_box)
                cost += outside * 4 + scale * 0.5
                if cost < best_cost:
                    best, best_cost = (off, ha, va, scale), cost
                if cost <= scale * 0.5 + 1e-9:
                    break
            if best_cost <= best[3] * 0.5 + 1e-9:
                break
        off, ha, va, scale = best
        ann.remove()
        arrow = None
        if scale > 1.0:  # far from its dot: a thin leader line
            arrow = {"arrowstyle": "-", "color": "#6f777b", "lw": 0.6, "shrinkA": 1,
                     "shrinkB": r * 0.9}
        ann = ax.annotate(text, xy=(x, y), xycoords="data", xytext=off,
                          textcoords="offset points", fontsize=fontsize, color="#0b0c0c",
                          path_effects=halo, zorder=6, annotation_clip=False, ha=ha, va=va,
                          arrowprops=arrow, bbox=plate)
        ann.set_in_layout(False)
        placed.append(ann.get_window_extent(renderer))
    return placed


def _draw_links(ax, per_pair, show, xy, km_per_pt, small, LineCollection) -> None:
    """One line per (pair, family); a pair sharing several families gets parallel lines
    side by side (offsets in points, so they never merge), thicker for more services."""
    base_w = 1.8 if small else 0.75
    gap = 0.8 if small else 0.25
    segs_by: dict[str, list] = {f: [] for f in show}
    widths_by: dict[str, list] = {f: [] for f in show}
    for (a, b), fams in sorted(per_pair.items()):
        drawn = [f for f in show if f in fams]
        if not drawn:
            continue
        widths = [base_w * (1 + 0.45 * (min(fams[f], 5) - 1)) for f in drawn]
        total = sum(widths) + gap * (len(drawn) - 1)
        (xa, ya), (xb, yb) = xy[a], xy[b]
        length = np.hypot(xb - xa, yb - ya) or 1.0
        nx_, ny_ = -(yb - ya) / length, (xb - xa) / length
        at = -total / 2
        for f, w in zip(drawn, widths, strict=True):
            shift = (at + w / 2) * km_per_pt
            at += w + gap
            segs_by[f].append(((xa + nx_ * shift, ya + ny_ * shift),
                               (xb + nx_ * shift, yb + ny_ * shift)))
            widths_by[f].append(w)
    for f in show:
        if segs_by[f]:
            ax.add_collection(LineCollection(
                segs_by[f], colors=FAMILY_COLOURS[f], linewidths=widths_by[f],
                alpha=0.9 if small else 0.6, zorder=2, capstyle="butt"))


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def plot_network(G: nx.Graph, *, adjacency: pd.DataFrame | bool | None = None,
                 label: str | Iterable[str] | None = None, ax=None, title: str | None = None,
                 source_note: bool | str = True, families: str | Iterable[str] | None = None):
    """Draw a sharing network as a map.

    Councils sit at their British National Grid centroids (equal aspect, km), the land borders
    between them are drawn faintly as the map, and sharing links are coloured by service
    family (a pair sharing services of several families gets one parallel line per family,
    thicker for more services). Dot size shows the number of partners in ``G``.

    Parameters
    ----------
    G : networkx.Graph or MultiGraph
        From :func:`partnerfit.network.sharing_graph`, or a subgraph of it, e.g.
        ``G.subgraph(codes)`` for a county cluster of 10-20 councils.
    adjacency : pandas.DataFrame or bool, optional
        Border pairs (columns ``a, b``) for the base map; default the land borders of the
        register on the network's date; ``False`` draws no map.
    label : str or list of str, optional
        Councils (codes or names) to label; default every council when ``G`` has at most 25,
        otherwise the 10 with the most partners. ``[]`` labels none.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of in a new figure.
    title : str, optional
        Default "Shared services between councils, <date>" (with the service filter, if any).
    source_note : bool or str, default True
        Print the sources under the map (a string replaces the default note).
    families : str or list of str, optional
        Draw only links of these service families.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    if G.number_of_nodes() == 0:
        raise ValueError("The network has no councils to draw.")
    missing = [c for c, d in G.nodes(data=True) if "easting" not in d or "northing" not in d]
    if missing:
        raise UnknownCouncilError(
            f"Councils {', '.join(sorted(missing)[:5])} have no easting/northing; draw a "
            "graph built by partnerfit.network.sharing_graph.")
    show = list(FAMILIES) if families is None else _check_families(
        [families] if isinstance(families, str) else list(families))
    date = G.graph.get("as_of") or today()
    codes = sorted(G.nodes)
    xy = {c: (G.nodes[c]["easting"] / 1000.0, G.nodes[c]["northing"] / 1000.0) for c in codes}
    pts = np.array([xy[c] for c in codes])
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    span = max(x1 - x0, y1 - y0, 20.0)
    small = len(codes) <= _SMALL

    if ax is None:
        aspect = np.clip((y1 - y0 + 0.1 * span) / (x1 - x0 + 0.1 * span), 0.55, 1.6)
        width = 7.6 if small else 8.4
        fig = Figure(figsize=(width + 2.9, np.clip(width * aspect + 1.1, 5.0, 12.5)),
                     layout="constrained")
        fig.get_layout_engine().set(w_pad=0.12, h_pad=0.08)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)

    # base map: land borders between the councils drawn
    if adjacency is None:
        adjacency = _adjacency(date, water=False)
    if adjacency is not False and adjacency is not None and len(adjacency):
        inside = adjacency["a"].isin(xy) & adjacency["b"].isin(xy)
        segs = [(xy[a], xy[b]) for a, b in zip(adjacency.loc[inside, "a"],
                                               adjacency.loc[inside, "b"], strict=True)]
        ax.add_collection(LineCollection(segs, colors=_MAP, linewidths=0.9 if small else 0.5,
                                         zorder=1))

    # sharing links per family (drawn after the layout pass, below)
    cat = services()
    per_pair = _edge_families(G, cat)
    counts = {f: sum(1 for fams in per_pair.values() if f in fams) for f in show}

    # councils, sized by number of partners
    H = _simple(G)
    deg = np.array([H.degree(c) for c in codes], dtype=float)

    def size(d):
        return (28 + 55 * np.sqrt(d)) if small else (7 + 9 * np.sqrt(d))

    sharing = deg > 0
    ax.scatter(pts[~sharing, 0], pts[~sharing, 1], s=16 if small else 5, c=_QUIET,
               linewidths=0, zorder=3)
    ax.scatter(pts[sharing, 0], pts[sharing, 1], s=size(deg[sharing]), c=_NODE,
               edgecolors="white", linewidths=0.8 if small else 0.4, zorder=4)

    _frame_map(ax, (x0, x1, y0, y1), 0.05 * span)

    # title, subtitle, source note
    filt = []
    if G.graph.get("service"):
        filt.append(", ".join(G.graph["service"]))
    if G.graph.get("family"):
        filt.append(", ".join(FAMILY_LABELS[f].lower() for f in G.graph["family"]))
    if title is None:
        title = f"Shared services between councils, {format_date(date, long=True)}"
        if filt:
            title += f" ({'; '.join(filt)})"
    n_arr = len({a for _, _, d in G.edges(data=True) for a in d.get("arrangements", ())}
                ) if not G.is_multigraph() else len({k for _, _, k in G.edges(keys=True)})
    sub = (f"{int(sharing.sum())} of {len(codes)} councils share services with another; "
           f"{H.number_of_edges()} pairs, {n_arr} arrangements")
    ax.set_title(title, loc="left", fontsize=12.5, fontweight="bold", pad=20)
    ax.annotate(sub, xy=(0, 1), xycoords="axes fraction", xytext=(0, 6),
                textcoords="offset points", va="bottom", fontsize=9, color="#505a5f")
    if source_note:
        note = source_note if isinstance(source_note, str) else SOURCE_NOTE
        note += ". Positions: council centroids, British National Grid; grey lines: land borders."
        ax.annotate(note, xy=(0, 0), xycoords="axes fraction", xytext=(0, -4),
                    textcoords="offset points", va="top", fontsize=7, color="#505a5f")

    # legend outside the axes
    handles = [Line2D([], [], color=FAMILY_COLOURS[f], lw=2.4,
                      label=f"{FAMILY_LABELS[f]} ({counts[f]})") for f in show if counts[f]]
    handles.append(Line2D([], [], color=_MAP, lw=1.2, label="Shared land border"))
    top = int(deg.max())
    keys = sorted({1, max(2, round(top / 3)), top}) if top > 2 else list(range(1, top + 1))
    for k in keys:
        handles.append(Line2D([], [], ls="", marker="o", markersize=np.sqrt(size(k)),
                              markerfacecolor=_NODE, markeredgecolor="white",
                              label=f"{k} partner{'s' if k != 1 else ''}"))
    if (~sharing).any():
        handles.append(Line2D([], [], ls="", marker="o", markersize=np.sqrt(16 if small else 5),
                              markerfacecolor=_QUIET, markeredgewidth=0,
                              label="No sharing recorded"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0,
              frameon=False, fontsize=8.5, title="Links by service family\n(pairs of councils)",
              title_fontsize=9, alignment="left", labelspacing=0.9, handlelength=2.2)

    # a layout pass, so link offsets and labels are measured on the final axes
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    lo, hi = ax.get_xlim()
    km_per_pt = (hi - lo) / (box.width * 72.0 / fig.dpi)
    _draw_links(ax, per_pair, show, xy, km_per_pt, small, LineCollection)

    chosen = _resolve_labels(G, label)
    if chosen:
        from matplotlib.transforms import Bbox

        trans = ax.transData
        px_per_pt = fig.dpi / 72.0
        obstacles = []
        for c, d in zip(codes, deg, strict=True):
            px, py = trans.transform(xy[c])
            r_px = np.sqrt(size(d) if d > 0 else 5) / 2 * px_per_pt
            obstacles.append(Bbox([[px - r_px, py - r_px], [px + r_px, py + r_px]]))
        index = {c: i for i, c in enumerate(codes)}
        anchors = [xy[c] for c in chosen]
        texts = [str(G.nodes[c].get("name", c)) for c in chosen]
        radii = [np.sqrt(size(deg[index[c]]) if deg[index[c]] > 0 else 5) / 2 for c in chosen]
        _place_labels(ax, renderer, anchors, texts, radii, obstacles, small)
    return fig
