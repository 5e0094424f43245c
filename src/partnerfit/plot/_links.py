"""Sharing links on a map: one line per pair of councils and service family, shared by the
node-link and the boundary maps of :mod:`partnerfit.plot.network`. matplotlib is imported
inside the functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["FAMILY_COLOURS", "FAMILY_LABELS", "SOURCE_NOTE", "draw_links", "edge_families",
           "sharing_titles"]

XY = Mapping[str, tuple[float, float]]

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


def edge_families(G: nx.Graph, cat: pd.DataFrame) -> dict[tuple[str, str], dict[str, int]]:
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


def draw_links(ax: Axes, per_pair: Mapping[tuple[str, str], Mapping[str, int]],
                show: Sequence[str], xy: XY, km_per_pt: float, small: bool, *,
               halo: bool = False, zorder: float = 2) -> None:
    """One line per (pair, family); a pair sharing several families gets parallel lines
    side by side (offsets in points, so they never merge), thicker for more services.
    ``halo`` casts each line in white, to stand out on shaded areas."""
    from matplotlib.collections import LineCollection

    base_w = 1.8 if small else 0.75
    gap = 0.8 if small else 0.25
    segs_by: dict[str, list[Any]] = {f: [] for f in show}
    widths_by: dict[str, list[float]] = {f: [] for f in show}
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
            lines = LineCollection(
                segs_by[f], colors=FAMILY_COLOURS[f], linewidths=widths_by[f],
                alpha=0.9 if small or halo else 0.6, zorder=zorder, capstyle="butt")
            if halo:
                import matplotlib.patheffects as pe

                lines.set_path_effects([pe.Stroke(linewidth=max(widths_by[f]) + 1.4,
                                                  foreground="white", alpha=0.8), pe.Normal()])
            lines.set_gid(f"links-{f}")
            ax.add_collection(lines)


def sharing_titles(G: nx.Graph, H: nx.Graph, title: str | None, date: Any,
                   n_sharing: int) -> tuple[str, str]:
    """Title and subtitle of a map of sharing links: what is shared and when (services by
    name), and the counts of the councils drawn (``H``)."""
    from ..formatting import format_date
    from ..services import services

    names = services()["name"]
    filt = []
    if G.graph.get("service"):
        filt.append(", ".join(str(names.get(s, s)) for s in G.graph["service"]))
    if G.graph.get("family"):
        filt.append(", ".join(FAMILY_LABELS[f].lower() for f in G.graph["family"]))
    if title is None:
        title = f"Shared services between councils, {format_date(date, long=True)}"
        if filt:
            title += f" ({'; '.join(filt)})"
    n_arr = len({a for _, _, d in G.edges(data=True) for a in d.get("arrangements", ())}
                ) if not G.is_multigraph() else len({k for _, _, k in G.edges(keys=True)})
    pairs, arrangements = H.number_of_edges(), n_arr
    sub = (f"{n_sharing} of {H.number_of_nodes()} councils share services with another; "
           f"{pairs} pair{'' if pairs == 1 else 's'}, {arrangements} "
           f"arrangement{'' if arrangements == 1 else 's'}")
    return title, sub
