"""A map of a grouping plan: councils at their British National Grid positions, one colour
per proposed group, lead councils marked, councils left alone in grey.

matplotlib is imported inside the function. The figure is a :class:`matplotlib.figure.Figure`
with an Agg canvas (no pyplot state); save it with ``fig.savefig("plan.png", dpi=150)`` or
``fig.savefig("plan.svg")``. Each group is drawn as one filled patch (its gid is
``"group-<id>"``) around its members, with its internal land borders in the group's colour.

:func:`plot_plan` decides the panels (one per service, or one for all when their groups are
the same) and draws each with :func:`_draw_panel`: colours, groups, title, legend, labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .._dates import DateLike, to_date, today
from ..errors import DataValidationError
from ..formatting import format_date, name_in_sentence
from ..register import load_councils
from ..services import services as _services
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
from ._links import SOURCE_NOTE
from .plan_map import panel_services, plot_plan_map

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..grouping.plan import Plan

__all__ = ["GROUP_COLOURS", "plot_plan"]

# Okabe-Ito first (colour-vision safe), then the rest of a qualitative palette
GROUP_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
                 "#F0E442", "#882255", "#44AA99", "#117733", "#AA4499", "#332288")
_LEAD = "#0b0c0c"
_SMALL = 25  # at most this many councils: label all, draw bigger
_LISTED = 12  # at most this many groups: one legend entry each

# A group: (group id, its member codes, sorted).
_Group = tuple[int, tuple[str, ...]]
XY = Mapping[str, tuple[float, float]]


def _positions(plan: Plan, codes: list[str], date: DateLike) -> dict[str, tuple[float, float]]:
    """Council -> (easting km, northing km) from the plan's register snapshot."""
    reg = plan.councils
    if reg is None or not {"easting", "northing"} <= set(reg.columns):
        reg = load_councils(date)
    missing = [c for c in codes if c not in reg.index or pd.isna(reg.at[c, "easting"])
               or pd.isna(reg.at[c, "northing"])]
    if missing:
        raise DataValidationError("plan map", [
            f"council {c} has no British National Grid position (easting/northing) in the "
            "register; a plan built outside propose_groupings needs a councils table with "
            "easting and northing columns" for c in missing[:10]])
    return {c: (float(reg.at[c, "easting"]) / 1000.0, float(reg.at[c, "northing"]) / 1000.0)
            for c in codes}


def _group_colours(groups: list[_Group], adj_pairs: Sequence[tuple[str, str]]) -> dict[int, str]:
    """Colour of each group (id -> hex). Up to len(GROUP_COLOURS) groups: all different;
    more: greedy colouring, biggest groups first, so that groups sharing a border differ."""
    ids = [g for g, _ in groups]
    if len(ids) <= len(GROUP_COLOURS):
        return {g: GROUP_COLOURS[k] for k, g in enumerate(ids)}
    owner = {c: g for g, mem in groups for c in mem}
    touch: dict[int, set[int]] = {g: set() for g in ids}
    for a, b in adj_pairs:
        ga, gb = owner.get(a), owner.get(b)
        if ga is not None and gb is not None and ga != gb:
            touch[ga].add(gb)
            touch[gb].add(ga)
    size = dict(groups)
    out: dict[int, str] = {}
    for g in sorted(ids, key=lambda g: (-len(size[g]), min(size[g]))):
        used = {out[h] for h in touch[g] if h in out}
        free = [c for c in GROUP_COLOURS if c not in used]
        out[g] = free[0] if free else GROUP_COLOURS[len(out) % len(GROUP_COLOURS)]
    return out


def _blob(points: np.ndarray, radius: float) -> np.ndarray:
    """Convex hull of discs of ``radius`` around ``points`` (a rounded outline)."""
    theta = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    ring = np.stack([np.cos(theta), np.sin(theta)], axis=1) * radius
    cloud = (points[:, None, :] + ring[None]).reshape(-1, 2)
    from scipy.spatial import ConvexHull

    hull = ConvexHull(cloud)
    return cloud[hull.vertices]


def _plan_axes(ax: Axes | None, n_panels: int, extent: MapExtent,
               small: bool) -> tuple[Figure, list[Axes]]:
    """One axes per panel, in a new figure of up to three columns unless ``ax`` is given."""
    if ax is None:
        ncol = min(n_panels, 3)
        nrow = int(np.ceil(n_panels / ncol))
        width = (6.6 if small else 8.0) if ncol == 1 else 5.2
        fig = map_figure((width * ncol + 3.4,
                          np.clip(width * extent.aspect * nrow + 1.3, 5.0, 13.5)))
        return fig, [fig.add_subplot(nrow, ncol, k + 1) for k in range(n_panels)]
    owner = ax.get_figure()
    assert owner is not None  # an axes always belongs to a figure
    attach_canvas(owner)
    return owner, [ax]


@dataclass(frozen=True)
class _Map:
    """What every panel of one plan map shares."""

    xy: XY
    adj_pairs: list[tuple[str, str]]
    extent: MapExtent
    small: bool
    date: DateLike


@dataclass(frozen=True)
class _Panel:
    """One service's groups: its rows of ``plan.groups`` and what the map shows of them."""

    rows: pd.DataFrame
    multi: list[_Group]  # groups of two or more
    model: dict[int, str]  # group id -> delivery model
    lead: set[str]
    alone: list[str]

    @classmethod
    def of(cls, groups: pd.DataFrame, service: str) -> _Panel:
        rows = groups[groups["service"] == service]
        members = [(int(gid), tuple(sorted(r["council"]))) for gid, r in rows.groupby("group")]
        return cls(rows=rows,
                   multi=[(gid, mem) for gid, mem in members if len(mem) > 1],
                   model=rows.groupby("group")["model"].first().to_dict(),
                   lead=set(rows.loc[rows["role"] == "lead", "council"]),
                   alone=sorted(rows.loc[rows["role"] == "alone", "council"]))


def plot_plan(plan: Plan, service: str | Sequence[str] | None = None, *, ax: Axes | None = None,
              title: str | None = None, source_note: bool | str = True,
              label: Any = None,
              adjacency: pd.DataFrame | bool | None = None, kind: str = "boundaries") -> Figure:
    """Draw a grouping plan on the map.

    By default (``kind="boundaries"``) the councils are their areas on the boundary map, one
    panel per service stating its delivery models and leads: see
    :func:`partnerfit.plot.plan_map.plot_plan_map`. With ``kind="network"`` (node-link):
    Councils sit at their British National Grid centroids (equal aspect, km) from the
    register on the plan's date; the land borders between the plan's councils are drawn
    faintly as the map. Each group of two or more is one coloured patch around its members,
    with its internal borders in the group's colour; lead councils (sovereign delivery) are
    marked with a black-ringed star; councils that stay alone are grey dots.

    Parameters
    ----------
    plan : partnerfit.grouping.Plan
    service : str or list of str, optional
        Service(s) to draw, one panel each; default every service of the plan, drawn once
        when all services have the same groups.
    ax : matplotlib.axes.Axes, optional
        Draw here (only for a single panel).
    title : str, optional
        Default "Proposed groupings, <date>" (with the service name).
    source_note : bool or str, default True
        Print the sources under the map (a string replaces the default note).
    label : bool, "all", "none", int or list of str, optional
        Label the councils; node-link default when at most 25 are drawn (boundary map:
        every council, see ``plot_plan_map``).
    adjacency : pandas.DataFrame or bool, optional
        Border pairs (columns ``a, b``) for the base map; default (or ``True``) the register's
        land borders on the plan's date; ``False`` draws no base map (node-link only).
    kind : {"boundaries", "network"}, default "boundaries"

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (the one holding ``ax``, if given).

    Raises
    ------
    DataValidationError
        If a service is not in the plan or a council has no position.
    """
    if kind == "boundaries":
        if isinstance(label, bool):
            label = None if label else "none"
        return plot_plan_map(plan, service, ax=ax, title=title, source_note=source_note,
                             label=label)
    if kind != "network":
        raise ValueError(f"kind={kind!r} is not a kind of map; use 'boundaries' (council "
                         "areas) or 'network' (dots and links)")
    if label is not None and not isinstance(label, bool):
        label = not (isinstance(label, str) and label.lower() == "none") and label != 0
    panels = panel_services(plan.groups, service)  # a panel per model/lead, not just groups
    if ax is not None and len(panels) > 1:
        raise DataValidationError("plan map", [
            (f"the plan has {len(panels)} services with different groups; pass service= to "
            "draw one of them on the axes given")])
    # Plan.as_of holds the date given to propose_groupings (declared as object there).
    date = to_date(cast("DateLike", plan.as_of)) if plan.as_of is not None else today()
    codes = sorted(set(plan.groups["council"]))
    xy = _positions(plan, codes, date)
    extent = MapExtent.of(np.array([xy[c] for c in codes]))
    small = len(codes) <= _SMALL
    base = _Map(xy=xy, adj_pairs=border_pairs(adjacency, date, xy) or [], extent=extent,
                small=small, date=date)
    show_labels = small if label is None else bool(label)
    fig, axes = _plan_axes(ax, len(panels), extent, small)
    names = _services()["name"].to_dict()
    colour_of_set: dict[tuple[str, ...], str] = {}
    for k, (axk, svcs) in enumerate(zip(axes, panels, strict=True)):
        last = k == len(axes) - 1
        _draw_panel(axk, plan, svcs, base, colour_of_set, names, title,
                    source_note if last else False, legend=last, show_labels=show_labels)
    return fig


def _draw_panel(ax: Axes, plan: Plan, svcs: list[str], base: _Map,
                colour_of_set: dict[tuple[str, ...], str], names: Mapping[str, str],
                title: str | None, source_note: bool | str, *, legend: bool,
                show_labels: bool) -> None:
    """Draw one panel: the groups of ``svcs[0]`` (the panel's services share them)."""
    panel = _Panel.of(plan.groups, svcs[0])
    _assign_colours(panel.multi, base.adj_pairs, colour_of_set)
    _draw_groups(ax, panel, base, colour_of_set)
    frame_map(ax, base.extent.box, 0.07 * base.extent.span)
    _write_panel_titles(ax, plan, panel, [names.get(s, s) for s in svcs], base.date, title,
                        source_note)
    if legend:
        _draw_panel_legend(ax, panel, colour_of_set, base.small)
    if show_labels:
        _label_panel(ax, panel.rows, base)


def _assign_colours(multi: list[_Group], adj_pairs: Sequence[tuple[str, str]],
                    colour_of_set: dict[tuple[str, ...], str]) -> None:
    """Give each group not yet drawn a colour; a group keeps its colour across panels."""
    fresh = [(gid, mem) for gid, mem in multi if mem not in colour_of_set]
    if not fresh:
        return
    known = {gid: colour_of_set[mem] for gid, mem in multi if mem in colour_of_set}
    if not known:
        cols = _group_colours(multi, adj_pairs)
        for gid, mem in multi:
            colour_of_set[mem] = cols[gid]
    else:  # a later panel: reuse colours of groups already drawn, new ones follow on
        taken = list(colour_of_set.values())
        for k, (_, mem) in enumerate(fresh):
            colour_of_set[mem] = GROUP_COLOURS[(len(taken) + k) % len(GROUP_COLOURS)]


def _draw_groups(ax: Axes, panel: _Panel, base: _Map,
                 colour_of_set: Mapping[tuple[str, ...], str]) -> None:
    """The borders, each group as a patch with its inner borders and dots, then the councils
    alone and the leads."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Polygon

    xy, small = base.xy, base.small
    if base.adj_pairs:
        draw_borders(ax, base.adj_pairs, xy, 0.9 if small else 0.4)
    radius = base.extent.span * (0.035 if small else 0.012)
    for gid, mem in panel.multi:
        colour = colour_of_set[mem]
        pts = np.array([xy[c] for c in mem])
        patch = Polygon(_blob(pts, radius), closed=True, facecolor=colour, alpha=0.22,
                        edgecolor=colour, linewidth=1.0 if small else 0.5, zorder=2)
        patch.set_gid(f"group-{gid}")
        ax.add_patch(patch)
        ms = set(mem)
        inner = [(xy[a], xy[b]) for a, b in base.adj_pairs if a in ms and b in ms]
        if inner:
            ax.add_collection(LineCollection(inner, colors=colour,
                                             linewidths=2.6 if small else 1.1, zorder=3))
        ax.scatter(pts[:, 0], pts[:, 1], s=70 if small else 9, c=colour, edgecolors="white",
                   linewidths=0.8 if small else 0.3, zorder=4)
    if panel.alone:
        pa = np.array([xy[c] for c in panel.alone])
        ax.scatter(pa[:, 0], pa[:, 1], s=55 if small else 7, c=QUIET_COLOUR, edgecolors="white",
                   linewidths=0.8 if small else 0.3, zorder=4, gid="alone")
    if panel.lead:
        pl = np.array([xy[c] for c in sorted(panel.lead)])
        ax.scatter(pl[:, 0], pl[:, 1], s=210 if small else 30, marker="*", c="white",
                   edgecolors=_LEAD, linewidths=1.2 if small else 0.6, zorder=5, gid="leads")


def _write_panel_titles(ax: Axes, plan: Plan, panel: _Panel, svc_names: list[str],
                        date: DateLike, title: str | None, source_note: bool | str) -> None:
    """Title (default: the services), subtitle (date, counts, optimality), source note."""
    # the first service as written in the catalogue, the others as in a sentence ("HR" stays)
    words = [svc_names[0], *(name_in_sentence(n) for n in svc_names[1:])]
    svc_text = ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]
    head = title if title is not None else f"Proposed groupings: {svc_text}"
    ax.set_title(head, loc="left", fontsize=12, fontweight="bold",
                 pad=20)
    n_multi, n_alone = len(panel.multi), len(panel.alone)
    proven = ("proven the best possible" if plan.gap == 0 else
              f"within {plan.gap:.1%} of the best possible")
    add_subtitle(ax, (f"{format_date(date, long=True)}: {n_multi} "
                      f"group{'s' if n_multi != 1 else ''} of two or more, {n_alone} "
                      f"council{'s' if n_alone != 1 else ''} alone; plan {proven}"), 8.5)
    if source_note:
        add_source_note(ax, source_note if isinstance(source_note, str) else SOURCE_NOTE.replace(
            "arrangements register", "council register and arrangements register"))


def _group_handles(panel: _Panel, colour_of_set: Mapping[tuple[str, ...], str]) -> list[Artist]:
    """Legend entries for the groups: one each (members and model), or one per model."""
    from matplotlib.patches import Patch

    rows = panel.rows
    handles: list[Artist] = []
    if len(panel.multi) <= _LISTED:
        for gid, mem in panel.multi:
            nm = [str(rows.loc[rows["council"] == c, "name"].iloc[0]) for c in mem]
            text = ", ".join(nm) if len(nm) <= 4 else f"{', '.join(nm[:3])} +{len(nm) - 3}"
            lead_nm = [str(n) for c, n in zip(rows["council"], rows["name"], strict=True)
                       if c in panel.lead and c in mem]
            how = panel.model[gid].replace("_", " ")
            if lead_nm:
                how += f", {lead_nm[0]} leads"
            handles.append(Patch(facecolor=colour_of_set[mem], alpha=0.5,
                                 edgecolor=colour_of_set[mem], label=f"{text}\n({how})"))
    else:
        counts = pd.Series([panel.model[gid] for gid, _ in panel.multi]).value_counts()
        for m, k in sorted(counts.items()):
            handles.append(Patch(facecolor="#bbbbbb", label=f"{k} {m.replace('_', ' ')} "
                                 "groups (one colour each; neighbours differ)"))
    return handles


def _draw_panel_legend(ax: Axes, panel: _Panel, colour_of_set: Mapping[tuple[str, ...], str],
                       small: bool) -> None:
    """Legend outside the axes: the groups, leads, councils alone, the border."""
    from matplotlib.lines import Line2D

    handles = _group_handles(panel, colour_of_set)
    if panel.lead:
        handles.append(Line2D([], [], ls="", marker="*", markersize=12 if small else 7,
                              markerfacecolor="white", markeredgecolor=_LEAD,
                              label="Lead council (sovereign)"))
    if panel.alone:
        handles.append(Line2D([], [], ls="", marker="o", markersize=7 if small else 4,
                              markerfacecolor=QUIET_COLOUR, markeredgecolor="white",
                              label="Stays alone"))
    handles.append(Line2D([], [], color=BORDER_COLOUR, lw=1.2, label="Land border"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              borderaxespad=0, frameon=False, fontsize=8, title="Groups",
              title_fontsize=9, alignment="left", labelspacing=0.8)


def _label_panel(ax: Axes, rows: pd.DataFrame, base: _Map) -> None:
    """Name every council of the panel, keeping the names clear of the dots."""
    fig = ax.get_figure()
    assert fig is not None
    renderer = layout_renderer(fig)
    codes = sorted(set(rows["council"]))
    r_pt = 5.0 if base.small else 2.0
    px_per_pt = fig.dpi / 72.0
    anchors = [base.xy[c] for c in codes]
    obstacles = dot_boxes(ax, anchors, [r_pt * px_per_pt] * len(codes))
    name_of = dict(zip(rows["council"], rows["name"], strict=True))
    place_labels(ax, renderer, anchors, [str(name_of[c]) for c in codes], [r_pt] * len(codes),
                 obstacles, base.small)
