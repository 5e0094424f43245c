"""Labels for the boundary maps: names placed greedily without overlaps, or numbers with a key.

:func:`place_names` tries positions around each council's point, nearest first, in sixteen
directions and widening rings, and keeps the first whose rendered text box (measured with the
figure's renderer) overlaps no label already placed, no box to keep clear of, and stays inside
the axes; a label placed away from its point gets a leader line. :func:`numbered_key` writes
numbers on the map (the key of names is the caller's), for maps with too many councils to name.
matplotlib is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

__all__ = ["numbered_key", "place_names"]

_DIRS = [(np.cos(a), np.sin(a)) for a in np.radians(
    [0, 180, 45, 135, 315, 225, 90, 270, 22.5, 157.5, 337.5, 202.5, 67.5, 112.5, 292.5, 247.5])]
_RINGS = (4.0, 10.0, 18.0, 28.0, 40.0, 55.0, 72.0)  # points from the council's point


def _style(fontsize: float, bold: bool = False) -> dict[str, Any]:
    import matplotlib.patheffects as pe

    return {"fontsize": fontsize, "color": "#0b0c0c", "zorder": 8, "annotation_clip": False,
            "fontweight": "bold" if bold else "normal",
            "path_effects": [pe.withStroke(linewidth=2.4, foreground="white")]}


def _overlap(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def place_names(ax: Axes, renderer: RendererBase, anchors: Sequence[tuple[float, float]],
                texts: Sequence[str], *, fontsize: float = 7.5,
                keep_clear: Sequence[Bbox] = (), gid: str = "label", mark: bool = False,
                areas: Sequence[Any] | None = None) -> list[Annotation]:
    """Place each text near its anchor (data coordinates) where it overlaps nothing placed.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    renderer : matplotlib.backend_bases.RendererBase
        Of the figure, after its layout is final.
    anchors : sequence of (float, float)
    texts : sequence of str
    fontsize : float, default 7.5
    keep_clear : sequence of Bbox
        Display boxes no label may touch (e.g. an inset).
    gid : str
        SVG id prefix of the labels (``<gid>-<k>``).
    mark : bool, default False
        Draw a small dot at each anchor (where the leader lines point).
    areas : sequence of matplotlib.path.Path, optional
        Each council's area (data coordinates): of the free places, the nearest whose
        centre is inside the council's own area is preferred.

    Returns
    -------
    list of matplotlib.text.Annotation
        One per text, in order. A label that found no free place within the widest ring is
        put at the place overlapping least (reported by :func:`overlapping_pairs`).
    """
    from matplotlib.text import Text

    style = _style(fontsize)
    ax_box = ax.get_window_extent(renderer)
    if mark and len(anchors):
        pts = np.asarray(anchors, dtype=float)
        ax.scatter(pts[:, 0], pts[:, 1], s=7, c="#0b0c0c", edgecolors="white", linewidths=0.4,
                   zorder=7, gid=f"{gid}-points")
    placed: list[Bbox] = []
    out: list[Annotation] = []
    for k, ((x, y), text) in enumerate(zip(anchors, texts, strict=True)):
        ann = ax.annotate(text, xy=(x, y), xycoords="data", xytext=(0, 0),
                          textcoords="offset points", **style)
        ann.set_in_layout(False)
        area = areas[k] if areas is not None else None
        (dx, dy), ha, va, ring = _best_place(ann, renderer, placed, keep_clear, ax_box, area)
        ann.remove()
        arrow = None
        if ring > 0:  # away from its point: a thin leader line
            arrow = {"arrowstyle": "-", "color": "#0b0c0c", "lw": 0.6, "shrinkA": 1,
                     "shrinkB": 0}
        ann = ax.annotate(text, xy=(x, y), xycoords="data", xytext=(dx, dy),
                          textcoords="offset points", ha=ha, va=va, arrowprops=arrow, **style)
        ann.set_in_layout(False)
        ann.set_gid(f"{gid}-{k}")
        ann.update_positions(renderer)
        placed.append(Text.get_window_extent(ann, renderer))
        out.append(ann)
    return out


def _best_place(ann: Any, renderer: RendererBase, placed: Sequence[Bbox],
                keep_clear: Sequence[Bbox], ax_box: Bbox, area: Any = None
                ) -> tuple[tuple[float, float], str, str, int]:
    from matplotlib.text import Text

    to_data = ann.axes.transData.inverted()

    best: tuple[tuple[float, float], str, str, int] | None = None
    best_cost = np.inf
    for ring, r in enumerate(_RINGS):
        for dx, dy in _DIRS:
            off = (dx * r, dy * r * 0.8)
            ha = "left" if dx > 0.3 else "right" if dx < -0.3 else "center"
            va = "bottom" if dy > 0.3 else "top" if dy < -0.3 else "center"
            ann.set_position(off)
            ann.set_horizontalalignment(ha)
            ann.set_verticalalignment(va)
            ann.update_positions(renderer)
            bb = Text.get_window_extent(ann, renderer).expanded(1.06, 1.15)
            hits = sum(_overlap(bb, o) for o in placed) + sum(
                _overlap(bb, o) for o in keep_clear)
            outside = bb.x0 < ax_box.x0 or bb.x1 > ax_box.x1 or bb.y0 < ax_box.y0 or \
                bb.y1 > ax_box.y1
            fig_box = ann.get_figure().bbox
            off_page = bb.x0 < fig_box.x0 or bb.x1 > fig_box.x1 or bb.y0 < fig_box.y0 or \
                bb.y1 > fig_box.y1
            cost = hits * 10 + outside * 2 + off_page * 40
            if area is not None and not area.contains_point(
                    to_data.transform(((bb.x0 + bb.x1) / 2, (bb.y0 + bb.y1) / 2))):
                cost += 1  # free, but over a neighbour's area
            if cost < best_cost:
                best, best_cost = (off, ha, va, ring), cost
            if cost == 0:
                return off, ha, va, ring
    assert best is not None
    return best


def overlapping_pairs(labels: Sequence[Any], renderer: RendererBase) -> list[tuple[str, str]]:
    """Pairs of labels whose rendered text boxes overlap (should be none)."""
    from matplotlib.text import Text

    boxes = [(a.get_text(), Text.get_window_extent(a, renderer)) for a in labels]
    return [(ta, tb) for i, (ta, a) in enumerate(boxes) for tb, b in boxes[i + 1:]
            if _overlap(a, b)]


def numbered_key(ax: Axes, renderer: RendererBase, anchors: Sequence[tuple[float, float]],
                 names: Sequence[str], *, keep_clear: Sequence[Bbox] = (),
                 key_anchor: tuple[float, float] = (1.02, 0.0), title: str = "Key",
                 fontsize: float = 6.5, inset: tuple[Axes, set[int]] | None = None,
                 ) -> list[Annotation]:
    """Number the councils on the map (1 = first in ``names``); the caller writes the key.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    renderer : matplotlib.backend_bases.RendererBase
    anchors : sequence of (float, float)
    names : sequence of str
    keep_clear : sequence of Bbox
    fontsize : float
    inset : (Axes, set of int), optional
        An inset axes and the indices (into ``names``) to number there instead.

    Returns
    -------
    list of matplotlib.text.Annotation
        The numbers placed (main map, then inset).
    """
    numbers = [str(k + 1) for k in range(len(names))]
    in_inset = inset[1] if inset else set()
    main = [k for k in range(len(names)) if k not in in_inset]
    out = place_names(ax, renderer, [anchors[k] for k in main], [numbers[k] for k in main],
                      fontsize=fontsize + 0.5, keep_clear=keep_clear, gid="number")
    if inset:
        inner = sorted(in_inset)
        out += place_names(inset[0], renderer, [anchors[k] for k in inner],
                           [numbers[k] for k in inner], fontsize=fontsize + 0.5,
                           gid="number-london")
    return out


#: More councils to label than this: numbers and a key instead of names.
NAMES_AT_MOST = 45
#: Councils numbered by default on a map with more than :data:`NAMES_AT_MOST` to label.
KEY_DEFAULT = 40


def label_choice(ranked: Sequence[str], label: Any, resolve: Any) -> tuple[list[str], bool]:
    """Which councils to label, and whether as a numbered key.

    Parameters
    ----------
    ranked : sequence of str
        The councils the map is about (sharing, shortlisted, grouped), most important first.
    label : None, "all", "none", int or list of str
        ``None``: all of ``ranked`` by name, or the first :data:`KEY_DEFAULT` numbered when
        there are more than :data:`NAMES_AT_MOST`; ``"all"``: every one (numbered when many);
        ``"none"`` or ``[]``: none; an int N: the first N; a list: those councils (codes or
        names, resolved by ``resolve``).
    resolve : callable
        Name or code -> code.

    Returns
    -------
    (list of str, bool)
        The codes to label, in order, and True for a numbered key.
    """
    if isinstance(label, str) and label.lower() == "none":
        return [], False
    if isinstance(label, str) and label.lower() == "all":
        chosen = list(ranked)
    elif label is None:
        chosen = list(ranked) if len(ranked) <= NAMES_AT_MOST else list(ranked[:KEY_DEFAULT])
    elif isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        if label < 0:
            raise ValueError(f"label={label}: give a number of councils to label, 0 or more")
        chosen = list(ranked[:int(label)])
    else:
        items = [label] if isinstance(label, str) else list(label)
        chosen = list(dict.fromkeys(resolve(q) for q in items))
    return chosen, len(chosen) > NAMES_AT_MOST or (label is None and len(ranked) > NAMES_AT_MOST)
