"""What the two maps share: the frame, the land borders, titles and notes, and label placement.

:mod:`partnerfit.plot.network` and :mod:`partnerfit.plot.plan` draw councils at their British
National Grid centroids (in km) over their land borders.  This module holds the parts they
draw the same way.  matplotlib is imported inside the functions, like everywhere in
:mod:`partnerfit.plot`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._dates import DateLike
from ..register import adjacency as register_adjacency

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

__all__ = [
    "BORDER_COLOUR",
    "NOTE_COLOUR",
    "QUIET_COLOUR",
    "MapExtent",
    "add_source_note",
    "add_subtitle",
    "attach_canvas",
    "border_pairs",
    "dot_boxes",
    "draw_borders",
    "frame_map",
    "layout_renderer",
    "map_figure",
    "place_labels",
    "reproducible_metadata",
]

#: Colour of the land borders (the base map).
BORDER_COLOUR = "#d3d6d8"
#: Colour of councils that take no part (no sharing recorded, or staying alone).
QUIET_COLOUR = "#a9aeb1"
#: Colour of the subtitle and the source note.
NOTE_COLOUR = "#505a5f"
_POSITIONS_NOTE = ". Positions: council centroids, British National Grid; grey lines: land borders."

XY = Mapping[str, tuple[float, float]]


@dataclass(frozen=True)
class MapExtent:
    """The box around a set of councils' positions.

    Attributes
    ----------
    box : tuple of float
        ``(x0, x1, y0, y1)`` in km.
    span : float
        The larger side of the box, at least 20 km.
    """

    box: tuple[float, float, float, float]
    span: float

    @classmethod
    def of(cls, points: np.ndarray) -> MapExtent:
        """The extent of ``points`` (an n x 2 array of km).

        Parameters
        ----------
        points : numpy.ndarray
            Easting and northing of each council, in km.

        Returns
        -------
        MapExtent
        """
        x0, y0 = points.min(axis=0)
        x1, y1 = points.max(axis=0)
        return cls((x0, x1, y0, y1), max(x1 - x0, y1 - y0, 20.0))

    @property
    def aspect(self) -> float:
        """Height over width of the padded box, kept within 0.55-1.6 for the figure size."""
        x0, x1, y0, y1 = self.box
        pad = 0.1 * self.span
        return float(np.clip((y1 - y0 + pad) / (x1 - x0 + pad), 0.55, 1.6))


def _format_of(fname: Any, fmt: str | None) -> str:
    """The image format savefig will write: ``format=``, else the file's suffix, else PNG."""
    import os

    from matplotlib import rcParams

    if fmt:
        return str(fmt).lower()
    if isinstance(fname, (str, os.PathLike)):
        suffix = os.path.splitext(os.fspath(fname))[1][1:].lower()
        if suffix:
            return suffix
    return str(rcParams["savefig.format"]).lower()


def reproducible_metadata(fmt: str, metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Metadata that keeps dates and versions out of a saved image (the caller's win).

    Parameters
    ----------
    fmt : str
        ``"png"``, ``"svg"``, ``"pdf"`` ...
    metadata : mapping, optional
        What the caller passed to ``savefig``.

    Returns
    -------
    dict
    """
    meta = dict(metadata or {})
    blank = {"png": ("Software",), "svg": ("Date", "Creator"),
             "pdf": ("CreationDate", "Creator", "Producer")}.get(fmt, ())
    for key in blank:
        meta.setdefault(key, None)
    return meta


def map_figure(figsize: tuple[float, float]) -> Figure:
    """A new figure with the maps' constrained layout and an Agg canvas (no pyplot state).

    Its ``savefig`` writes the same bytes on every run: no date or software version in the
    metadata, and fixed SVG element ids (``svg.hashsalt``).

    Parameters
    ----------
    figsize : tuple of float
        Width and height in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    class MapFigure(Figure):
        """A Figure whose saved files carry no date, version or random id."""

        def savefig(self, fname: Any, *args: Any, **kwargs: Any) -> None:
            fmt = _format_of(fname, kwargs.get("format"))
            kwargs["metadata"] = reproducible_metadata(fmt, kwargs.get("metadata"))
            with rc_context({"svg.hashsalt": "partnerfit"}):
                super().savefig(fname, *args, **kwargs)

    fig = MapFigure(figsize=figsize, layout=ConstrainedLayoutEngine(w_pad=0.12, h_pad=0.08))
    attach_canvas(fig)
    return fig


def attach_canvas(fig: Figure) -> None:
    """Give ``fig`` an Agg canvas unless its canvas can already measure text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)


def layout_renderer(fig: Figure) -> RendererBase:
    """Draw ``fig`` once, so its layout is final, and return the renderer that measures it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure that went through :func:`attach_canvas`.

    Returns
    -------
    matplotlib.backend_bases.RendererBase
    """
    fig.canvas.draw()
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]  # attach_canvas gave it one


def border_pairs(
    adjacency: pd.DataFrame | bool | None, date: DateLike, xy: XY
) -> list[tuple[str, str]] | None:
    """The land borders to draw: pairs of councils that are both on the map.

    Parameters
    ----------
    adjacency : pandas.DataFrame or bool, optional
        Border pairs (columns ``a, b``); ``None`` or ``True`` for the register's land borders
        on ``date``; ``False`` for no base map.
    date : date-like
        The map's date.
    xy : mapping
        Council code -> position; pairs with a council not in it are left out.

    Returns
    -------
    list of (str, str) or None
        ``None`` when there is no base map (``False``, or an empty table).
    """
    if adjacency is None or adjacency is True:
        adjacency = register_adjacency(date, water=False)
    if not isinstance(adjacency, pd.DataFrame) or not len(adjacency):
        return None
    inside = adjacency["a"].isin(xy) & adjacency["b"].isin(xy)
    return list(zip(adjacency.loc[inside, "a"], adjacency.loc[inside, "b"], strict=True))


def draw_borders(ax: Axes, pairs: Sequence[tuple[str, str]], xy: XY, linewidth: float) -> None:
    """Draw the land borders ``pairs`` faintly, under everything else.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    pairs : sequence of (str, str)
        From :func:`border_pairs`.
    xy : mapping
        Council code -> position in km.
    linewidth : float
        In points.
    """
    from matplotlib.collections import LineCollection

    segments = [(xy[a], xy[b]) for a, b in pairs]
    ax.add_collection(
        LineCollection(segments, colors=BORDER_COLOUR, linewidths=linewidth, zorder=1)
    )


def frame_map(ax: Axes, box: tuple[float, float, float, float], pad: float) -> None:
    """Fit ``ax`` to ``box`` = (x0, x1, y0, y1) plus ``pad``, equal scale, no ticks or frame.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    box : tuple of float
        From :attr:`MapExtent.box`.
    pad : float
        Margin around the box, in km.
    """
    x0, x1, y0, y1 = box
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def add_subtitle(ax: Axes, text: str, fontsize: float) -> None:
    """Write ``text`` in grey between the title and the map.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    text : str
    fontsize : float
    """
    ax.annotate(text, xy=(0, 1), xycoords="axes fraction", xytext=(0, 6),
                textcoords="offset points", va="bottom", fontsize=fontsize, color=NOTE_COLOUR)


def add_source_note(ax: Axes, sources: str) -> None:
    """Write the sources, and what the positions and grey lines are, under the map.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    sources : str
        The sources sentence, without its full stop.
    """
    ax.annotate(sources + _POSITIONS_NOTE, xy=(0, 0), xycoords="axes fraction", xytext=(0, -4),
                textcoords="offset points", va="top", fontsize=7, color=NOTE_COLOUR)


def dot_boxes(ax: Axes, points: Sequence[tuple[float, float]],
              radii_px: Sequence[float]) -> list[Bbox]:
    """Display-space squares around the dots, for labels to keep clear of.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    points : sequence of (float, float)
        Dot centres in data coordinates.
    radii_px : sequence of float
        Dot radii in pixels.

    Returns
    -------
    list of matplotlib.transforms.Bbox
    """
    from matplotlib.transforms import Bbox

    boxes = []
    for point, r in zip(points, radii_px, strict=True):
        px, py = ax.transData.transform(point)
        boxes.append(Bbox([[px - r, py - r], [px + r, py + r]]))
    return boxes


def _overlap(a: Any, b: Any) -> float:
    """Area shared by two bounding boxes."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


_DIRECTIONS = [(1, 0), (-1, 0), (0.7, 0.7), (-0.7, 0.7), (0.7, -0.7), (-0.7, -0.7),
               (0, 1), (0, -1)]


def place_labels(ax: Axes, renderer: RendererBase, anchors: Sequence[tuple[float, float]],
                 texts: Sequence[str], sizes_pt: Sequence[float], obstacles: Sequence[Bbox],
                 small: bool) -> list[Bbox]:
    """Label councils, each at the first free offset around its dot (greedy placement).

    Offsets are tried in eight directions at three distances; a label's cost is its overlap
    with labels already placed, with ``obstacles`` and with the outside of the axes.  A label
    placed away from its dot gets a thin leader line.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    renderer : matplotlib.backend_bases.RendererBase
        From :func:`layout_renderer`.
    anchors : sequence of (float, float)
        Dot centres in data coordinates.
    texts : sequence of str
        The labels.
    sizes_pt : sequence of float
        Dot radii in points.
    obstacles : sequence of Bbox
        Display boxes to keep clear of (e.g. from :func:`dot_boxes`).
    small : bool
        A map of few councils (slightly bigger labels).

    Returns
    -------
    list of Bbox
        The display boxes of the labels placed.
    """
    import matplotlib.patheffects as pe

    fontsize = 8.5 if small else 8
    style: dict[str, Any] = {"fontsize": fontsize, "color": "#0b0c0c",
             "path_effects": [pe.withStroke(linewidth=2.5, foreground="white")], "zorder": 6,
             "annotation_clip": False,
             "bbox": {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.72}}
    ax_box = ax.get_window_extent(renderer)
    placed: list[Bbox] = []
    for (x, y), text, r in zip(anchors, texts, sizes_pt, strict=True):
        ann = ax.annotate(text, xy=(x, y), xycoords="data", xytext=(0, 0),
                          textcoords="offset points", **style)
        ann.set_in_layout(False)
        off, ha, va, scale = _best_offset(ann, renderer, r, placed, obstacles, ax_box)
        ann.remove()
        arrow = None
        if scale > 1.0:  # far from its dot: a thin leader line
            arrow = {"arrowstyle": "-", "color": "#6f777b", "lw": 0.6, "shrinkA": 1,
                     "shrinkB": r * 0.9}
        ann = ax.annotate(text, xy=(x, y), xycoords="data", xytext=off,
                          textcoords="offset points", ha=ha, va=va, arrowprops=arrow, **style)
        ann.set_in_layout(False)
        placed.append(ann.get_window_extent(renderer))
    return placed


def _best_offset(ann: Any, renderer: RendererBase, r: float, placed: Sequence[Bbox],
                 obstacles: Sequence[Bbox], ax_box: Bbox
                 ) -> tuple[tuple[float, float], str, str, float]:
    """Try offsets around a dot of radius ``r`` points; the first free one, else the least bad.

    Returns the offset in points, the horizontal and vertical alignment, and the distance
    scale (1.0 is next to the dot).
    """
    best: tuple[tuple[float, float], str, str, float] | None = None
    best_cost = np.inf
    for scale in (1.0, 2.2, 3.6):
        for dx, dy in _DIRECTIONS:
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
        assert best is not None  # the first offset tried is always the best so far
        if best_cost <= best[3] * 0.5 + 1e-9:
            break
    assert best is not None
    return best
