"""A shortlist on the boundary map: candidate councils shaded by partner score, the council
the shortlist is for outlined, the shortlisted candidates named with their rank.

matplotlib is imported inside the functions; the figure has an Agg canvas (no pyplot state).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..formatting import format_date
from ..register import load_councils
from ._basemap import add_subtitle, layout_renderer
from ._labels import label_choice, place_names
from ._links import SOURCE_NOTE
from ._shapes import (
    APPROX_HATCH,
    CONTEXT_COLOUR,
    add_scale_bar,
    draw_areas,
    draw_context,
    fill_colours,
    map_layer,
)
from .network_map import frame, map_axes, source_line

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import Shortlist

__all__ = ["SCORE_BINS", "SCORE_COLOURS", "plot_shortlist_map"]

#: Lower edges of the score classes (points out of 100) and their colours (light to dark).
SCORE_BINS = (0, 40, 50, 60, 70, 80)
SCORE_COLOURS = ("#e3e6ef", "#d0d1e6", "#a6bddb", "#74a9cf", "#2b8cbe", "#045a8d")
_SUBJECT = "#d4351c"
_SCREENED = "#dedede"


def plot_shortlist_map(sl: Shortlist, *, top: int = 15, label: Any = None,
                       councils: Iterable[str] | None = None, ax: Axes | None = None,
                       title: str | None = None, source_note: bool | str = True) -> Figure:
    """Draw a shortlist on the council boundary map.

    The map covers the council and its ``top`` best candidates (or ``councils``, e.g. a
    county or region); each candidate on it is shaded by its partner score; councils that
    are not candidates (screened out, or not eligible for the service) are grey; the
    council the shortlist is for is red. The shortlisted candidates are named with their
    rank ("1. South Lakeland"), without overlaps.

    Parameters
    ----------
    sl : Shortlist
    top : int, default 15
        Candidates shortlisted (named, and framing the map).
    label : None, "all", "none", int or list of str, optional
        Default (and ``"all"``) the ``top`` candidates; an int N: the N best; ``"none"``.
    councils : iterable of str, optional
        GSS codes to draw instead (the council itself is always drawn).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Default "<service> partners for <council>, <date>".
    source_note : bool or str, default True

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = sl.table
    # an existing partnership is not one area: its members are drawn with their own scores,
    # and the subtitle says which ranks are partnerships
    head = table.head(top)
    skipped = head[head["kind"] == "partnership"] if "kind" in table.columns else head.iloc[0:0]
    table = table[~table["code"].isin(skipped["code"])] if len(skipped) else table
    date = sl.as_of
    best = list(table["code"].head(top - len(skipped)))
    reg = load_councils(date)
    if councils is None:
        codes = sorted({sl.council, *best})
    else:
        codes = sorted({sl.council, *councils})
    layer = map_layer(codes, date)
    score = dict(zip(table["code"], table["score"], strict=True))
    fills = fill_colours({c: float(score.get(c, np.nan)) for c in codes}, SCORE_BINS,
                         SCORE_COLOURS, _SCREENED)
    fills[sl.council] = _SUBJECT
    fig, ax = map_axes(ax, layer, False)
    draw_context(ax, layer, 0.4)
    counties = {c: fills[c] for c in codes if layer.tier.get(c) == "county" and c in score}
    draw_areas(ax, layer, fills, linewidth=0.5, county_fill=counties)
    view = frame(ax, layer)
    rank = dict(zip(table["code"], table["rank"], strict=True))
    name = reg["name"].to_dict()
    ax.set_title(title if title is not None else
                 f"{sl.service_name} partners for {sl.council_name}, "
                 f"{format_date(date, long=True)}", loc="left", fontsize=12, fontweight="bold",
                 pad=32 if len(skipped) else 20)  # room for the subtitle's second line
    shown = [c for c in best if c in set(codes)]
    add_subtitle(ax, f"{len(sl.scores)} candidates scored; the {len(shown)} best councils "
                     "shown and named with their rank; shading: partner score out of 100"
                     + ("\n" if len(skipped) else "") + _partnership_words(skipped), 8.5)
    _legend(ax, bool(layer.approximate & set(codes)), any(c not in score for c in codes
                                                          if c != sl.council))
    if source_note:
        source_line(ax, source_note if isinstance(source_note, str) else SOURCE_NOTE)
    add_scale_bar(ax, layer, view)
    renderer = layout_renderer(fig)

    def resolve(q: str) -> str:
        from ..register import find_council

        return find_council(q, date)

    ranked = [c for c in table["code"] if c in set(codes)]
    chosen, _ = label_choice(ranked[:top] if label is None else ranked, label, resolve)
    chosen = [sl.council, *[c for c in chosen if c != sl.council]]
    xy = {c: (float(reg.at[c, "easting"]) / 1000, float(reg.at[c, "northing"]) / 1000)
          for c in chosen}
    texts = [f"{name[c]} (for)" if c == sl.council else f"{rank[c]}. {name[c]}"
             if c in rank else str(name[c]) for c in chosen]
    place_names(ax, renderer, [xy[c] for c in chosen], texts, mark=True,
                fontsize=8 if len(chosen) <= 25 else 7.5,
                areas=[layer.paths[c] for c in chosen])
    return fig


def _partnership_words(skipped: Any) -> str:
    """The subtitle's words on the existing partnerships of the list, which are not drawn."""
    if not len(skipped):
        return ""
    ranks = ", ".join(str(int(r)) for r in skipped["rank"])
    return (f"rank{'s' if len(skipped) > 1 else ''} {ranks}: existing partnership"
            f"{'s' if len(skipped) > 1 else ''}, not drawn (members shaded by their own "
            "scores)")


def _legend(ax: Axes, any_approx: bool, any_screened: bool) -> None:
    from matplotlib.patches import Patch

    handles: list[Any] = [Patch(facecolor=_SUBJECT, label="The council shortlisted for")]
    edges = [*SCORE_BINS, 100]
    for k in range(len(SCORE_BINS) - 1, -1, -1):
        lo, hi = edges[k], edges[k + 1]
        handles.append(Patch(facecolor=SCORE_COLOURS[k], edgecolor="#bfc1c3", lw=0.5,
                             label=f"Score {lo} to {hi}" if k else f"Score under {hi}"))
    if any_screened:
        handles.append(Patch(facecolor=_SCREENED, label="Not a candidate (screened out\n"
                                                        "or not eligible)"))
    handles.append(Patch(facecolor=CONTEXT_COLOUR, edgecolor="#dcdcdc", lw=0.5,
                         label="Not on this map"))
    if any_approx:
        handles.append(Patch(facecolor="white", edgecolor="#6f777b", hatch=APPROX_HATCH, lw=0.5,
                             label="Approximate area (abolished\n1 April 2009)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0,
              frameon=False, fontsize=7.5, title="Partner score", title_fontsize=8.5,
              alignment="left", labelspacing=0.7)
