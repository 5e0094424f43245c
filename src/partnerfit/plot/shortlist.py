"""Shortlist figure: stacked contributions by criterion, best at the top."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..formatting import format_date

if TYPE_CHECKING:
    from ..results import Shortlist

__all__ = ["plot_shortlist"]


def plot_shortlist(sl: Shortlist, top: int = 15, ax: Any = None) -> Any:
    """Horizontal stacked bars of each criterion's points for the best ``top`` candidates.

    Parameters
    ----------
    sl : Shortlist
        The shortlist to draw.
    top : int, default 15
        Number of candidates, best at the top.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    t = sl.full_table().head(top)
    crit = [c for c in sl.criteria if sl.weights[c] > 0]
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 0.35 * len(t) + 1.8))
    else:
        fig = ax.figure
    cmap = plt.get_cmap("tab10")
    left = [0.0] * len(t)
    # a partnership's long name ("Join ... (5 councils)") is cut so the bars keep their width
    labels = [f"{r.rank}. {r.name if len(r.name) <= 45 else r.name[:44].rstrip() + '…'}"
              for r in t.itertuples()]
    y = list(range(len(t)))[::-1]
    unknown = sl.missing.reindex(t["code"].to_numpy())
    for k, c in enumerate(crit):
        vals = t[f"{c}_contribution"].to_numpy()
        bars = ax.barh(y, vals, left=left, color=cmap(k % 10), label=sl.criteria[c].label,
                       edgecolor="white", linewidth=0.5)
        for bar, gap in zip(bars, unknown[c].to_numpy()):
            if gap:  # unknown, filled by the missing-data policy: hatched, not solid
                bar.set_hatch("////")
                bar.set_alpha(0.45)
        left = [a + b for a, b in zip(left, vals)]
    handles = ax.get_legend_handles_labels()[0]
    if unknown[crit].to_numpy().any():
        from matplotlib.patches import Patch

        handles.append(Patch(facecolor="white", edgecolor="grey", hatch="////",
                             label="Hatched: unknown, filled in"))
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    if sl.method == "additive":
        ax.set_xlabel("Score (points out of 100): weight x value per criterion")
    else:  # the bars are the additive breakdown; rank order is the method's
        ax.set_xlabel(f"Weight x value per criterion (ranked by {sl.method}, whose score "
                      "does not split into these points)")
    ax.set_title(f"{sl.service_name} partners for "
                 f"{sl.council_name}, {format_date(sl.as_of)}", loc="left")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
              fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
