"""The workbench map: the shortlist boundary map drawn once, then recoloured in place.

The first drawing is :func:`partnerfit.plot.shortlist_map.plot_shortlist_map` (candidates
shaded by score, the council itself in red), framed on the council, its best candidates and
its nearest ones. A weight change then only changes each council's shading, outlines the
best three and moves the rank labels, which is several times faster than drawing anew; the
map is drawn anew only when a council outside the frame enters the top.

matplotlib is imported inside the functions (the figure has an Agg canvas).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np

from ..register import load_councils

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..results import Shortlist

__all__ = ["LiveMap"]

#: Candidates named on the map.
TOP = 10
#: Extra nearest candidates drawn, so that most changes of the top stay inside the frame.
NEAREST = 20
_OUTLINE = "#0b0c0c"


class LiveMap:
    """A shortlist map that follows the workbench's ranking.

    Parameters
    ----------
    view : Shortlist
        The shortlist at the current weights.
    top : int, default 10
        Candidates named with their rank (the best three are outlined).
    dpi : int, default 72
        Resolution of :meth:`png`.
    """

    def __init__(self, view: Shortlist, top: int = TOP, dpi: int = 72):
        self.top = top
        self.dpi = dpi
        self.redraws = 0
        self._reg = load_councils(view.as_of)
        self._draw(view)

    @property
    def figure(self) -> Figure:
        """The matplotlib figure."""
        return self._fig

    def _draw(self, view: Shortlist) -> None:
        from ..plot.shortlist_map import plot_shortlist_map

        table = view.full_table()
        best = list(table["code"].head(self.top))
        near = list(table.sort_values(["distance_km", "code"])["code"].head(NEAREST)) \
            if "distance_km" in table.columns else []
        self.frame = sorted({view.council, *best, *near})
        fig = plot_shortlist_map(view, top=self.top, councils=self.frame, label="none",
                                 source_note=False)
        fig.set_dpi(self.dpi)
        fig.canvas.draw()
        fig.set_layout_engine("none")  # keep the first layout: later draws only recolour
        ax = fig.axes[0]
        self._fig, self._ax = fig, ax
        from matplotlib.patches import PathPatch

        self._patches: dict[str, PathPatch] = {
            str(a.get_gid())[len("council-"):]: a for a in [*ax.patches, *ax.artists]
            if isinstance(a, PathPatch) and str(a.get_gid()).startswith("council-")}
        self._base_edges = {c: (p.get_edgecolor(), p.get_linewidth())
                            for c, p in self._patches.items()}
        self._labels: list[Any] = []
        self.redraws += 1
        self._place(view)

    def update(self, view: Shortlist) -> None:
        """Recolour and relabel for the shortlist at new weights."""
        ranked = view.ranks().sort_values(kind="stable")
        best = list(ranked.index[: self.top])
        if not set(best) <= set(self.frame):
            self._draw(view)
            return
        self._place(view)

    def _place(self, view: Shortlist) -> None:
        from ..plot._labels import place_names
        from ..plot._shapes import fill_colours
        from ..plot.shortlist_map import SCORE_BINS, SCORE_COLOURS

        for artist in self._labels:
            artist.remove()
        ranks = view.ranks()
        scores = view.scores
        fills = fill_colours({c: float(scores[c]) for c in self._patches if c in scores.index},
                             SCORE_BINS, SCORE_COLOURS, "#dedede")
        order = ranks.sort_values(kind="stable").index
        best = [c for c in order[: self.top] if c in self._patches]
        for code, patch in self._patches.items():
            if code in fills and self._reg.at[code, "tier"] != "county":
                patch.set_facecolor(fills[code])
            edge, width = self._base_edges[code]
            patch.set_edgecolor(edge)
            patch.set_linewidth(width)
        for code in best[:3]:
            patch = self._patches[code]
            patch.set_edgecolor(_OUTLINE)
            patch.set_linewidth(1.6)
            patch.set_zorder(1.3)
        before = self._children()
        xy = [(float(self._reg.at[c, "easting"]) / 1000, float(self._reg.at[c, "northing"])
               / 1000) for c in best]
        texts = [f"{int(ranks[c])}. {self._reg.at[c, 'name']}" for c in best]
        renderer = self._fig.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg, drawn
        place_names(self._ax, renderer, xy, texts, mark=True, fontsize=8,
                    areas=[self._patches[c].get_path() for c in best])
        self._labels = [a for a in self._ax.get_children() if id(a) not in before]

    def _children(self) -> set[int]:
        return {id(a) for a in self._ax.get_children()}

    def png(self) -> bytes:
        """The map as PNG bytes: one drawing of the canvas, quickly compressed (what the
        widget shows; :meth:`partnerfit.Shortlist.plot` gives the map for reports)."""
        from PIL import Image

        self._fig.canvas.draw()
        pixels = np.asarray(self._fig.canvas.buffer_rgba())  # type: ignore[attr-defined]
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="png", compress_level=1)
        return buf.getvalue()
