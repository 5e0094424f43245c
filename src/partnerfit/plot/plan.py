"""A map of a grouping plan: councils at their British National Grid positions, one colour
per proposed group, lead councils marked, councils left alone in grey.

matplotlib is imported inside the function. The figure is a :class:`matplotlib.figure.Figure`
with an Agg canvas (no pyplot state); save it with ``fig.savefig("plan.png", dpi=150)`` or
``fig.savefig("plan.svg")``. Each group is drawn as one filled patch (its gid is
``"group-<id>"``) around its members, with its internal land borders in the group's colour.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._dates import to_date, today
from ..errors import DataValidationError
from ..formatting import format_date
from ..register import adjacency as _adjacency
from ..register import load_councils
from ..services import services as _services
from .network import _MAP, _QUIET, SOURCE_NOTE, _frame_map, _place_labels

__all__ = ["GROUP_COLOURS", "plot_plan"]

# Okabe-Ito first (colour-vision safe), then the rest of a qualitative palette
GROUP_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
                 "#F0E442", "#882255", "#44AA99", "#117733", "#AA4499", "#332288")
_LEAD = "#0b0c0c"
_SMALL = 25  # at most this many councils: label all, draw bigger
_LISTED = 12  # at most this many groups: one legend entry each


def _positions(plan, codes: list[str]) -> dict[str, tuple[float, float]]:
    """Council -> (easting km, northing km) from the plan's register snapshot."""
    reg = plan.councils
    if reg is None or not {"easting", "northing"} <= set(reg.columns):
        reg = load_councils(plan.as_of or today())
    missing = [c for c in codes if c not in reg.index or pd.isna(reg.at[c, "easting"])
               or pd.isna(reg.at[c, "northing"])]
    if missing:
        raise DataValidationError("plan map", [
            f"council {c} has no British National Grid position (easting/northing) in the "
            "register; a plan built outside propose_groupings needs a councils table with "
            "easting and northing columns" for c in missing[:10]])
    return {c: (float(reg.at[c, "easting"]) / 1000.0, float(reg.at[c, "northing"]) / 1000.0)
            for c in codes}


def _group_colours(groups: list[tuple[int, tuple[str, ...]]], adj_pairs) -> dict[int, str]:
    """Colour of each group (id -> hex). Up to len(GROUP_COLOURS) groups: all different;
    more: greedy colouring, biggest groups first, so that groups sharing a border differ."""
    ids = [g for g, _ in groups]
    if len(ids) <= len(GROUP_COLOURS):
        return {g: GROUP_COLOURS[k] for k, g in enumerate(ids)}
    owner = {c: g for g, mem in groups for c in mem}
    touch: dict[int, set] = {g: set() for g in ids}
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


def plot_plan(plan, service: str | Sequence[str] | None = None, *, ax=None,
              title: str | None = None, source_note: bool | str = True,
              label: bool | None = None, adjacency: pd.DataFrame | bool | None = None):
    """Draw a grouping plan on the map.

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
    label : bool, optional
        Label the councils; default when at most 25 are drawn.
    adjacency : pandas.DataFrame or bool, optional
        Border pairs (columns ``a, b``) for the base map; default the register's land
        borders on the plan's date; ``False`` draws no base map.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataValidationError
        If a service is not in the plan or a council has no position.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    g = plan.groups
    in_plan = list(dict.fromkeys(g["service"]))
    if service is None:
        shape = {s: sorted(tuple(sorted(r["council"])) for _, r in
                           g[g["service"] == s].groupby("group")) for s in in_plan}
        same = all(shape[s] == shape[in_plan[0]] for s in in_plan)
        panels = [in_plan] if same else [[s] for s in in_plan]
    else:
        wanted = [service] if isinstance(service, str) else list(service)
        bad = [s for s in wanted if s not in in_plan]
        if bad:
            raise DataValidationError("plan map", [
                f"service {s!r} is not in this plan; its services: {', '.join(in_plan)}"
                for s in bad])
        panels = [[s] for s in wanted]
    if ax is not None and len(panels) > 1:
        raise DataValidationError("plan map", [
            (f"the plan has {len(panels)} services with different groups; pass service= to "
            "draw one of them on the axes given")])
    codes = sorted(set(g["council"]))
    xy = _positions(plan, codes)
    pts = np.array([xy[c] for c in codes])
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    span = max(x1 - x0, y1 - y0, 20.0)
    small = len(codes) <= _SMALL
    show_labels = small if label is None else bool(label)
    date = to_date(plan.as_of) if plan.as_of is not None else today()
    if adjacency is None:
        adjacency = _adjacency(date, water=False)
    if adjacency is False or adjacency is None:
        adj_pairs: list[tuple[str, str]] = []
    else:
        inside = adjacency["a"].isin(xy) & adjacency["b"].isin(xy)
        adj_pairs = list(zip(adjacency.loc[inside, "a"], adjacency.loc[inside, "b"],
                             strict=True))

    if ax is None:
        ncol = min(len(panels), 3)
        nrow = int(np.ceil(len(panels) / ncol))
        aspect = np.clip((y1 - y0 + 0.1 * span) / (x1 - x0 + 0.1 * span), 0.55, 1.6)
        width = (6.6 if small else 8.0) if ncol == 1 else 5.2
        fig = Figure(figsize=(width * ncol + 3.4,
                              np.clip(width * aspect * nrow + 1.3, 5.0, 13.5)),
                     layout="constrained")
        fig.get_layout_engine().set(w_pad=0.12, h_pad=0.08)
        axes = [fig.add_subplot(nrow, ncol, k + 1) for k in range(len(panels))]
    else:
        fig = ax.figure
        axes = [ax]
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    names = _services()["name"].to_dict()
    colour_of_set: dict[tuple[str, ...], str] = {}
    for k, (axk, svcs) in enumerate(zip(axes, panels, strict=True)):
        _draw_panel(fig, axk, plan, svcs, xy, adj_pairs, small, show_labels, span,
                    (x0, x1, y0, y1), colour_of_set, names, date, title,
                    source_note if k == len(axes) - 1 else False, legend=k == len(axes) - 1)
    return fig


def _draw_panel(fig, ax, plan, svcs, xy, adj_pairs, small, show_labels, span, box,
                colour_of_set, names, date, title, source_note, legend):
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Polygon

    g = plan.groups
    rows = g[g["service"] == svcs[0]]
    groups = [(int(gid), tuple(sorted(r["council"]))) for gid, r in rows.groupby("group")]
    multi = [(gid, mem) for gid, mem in groups if len(mem) > 1]
    fresh = [(gid, mem) for gid, mem in multi if mem not in colour_of_set]
    if fresh:
        known = {gid: colour_of_set[mem] for gid, mem in multi if mem in colour_of_set}
        if not known:
            cols = _group_colours(multi, adj_pairs)
            for gid, mem in multi:
                colour_of_set[mem] = cols[gid]
        else:  # a later panel: reuse colours of groups already drawn, new ones follow on
            taken = list(colour_of_set.values())
            for k, (_, mem) in enumerate(fresh):
                colour_of_set[mem] = GROUP_COLOURS[(len(taken) + k) % len(GROUP_COLOURS)]
    model = rows.groupby("group")["model"].first().to_dict()
    lead = set(rows.loc[rows["role"] == "lead", "council"])
    alone = sorted(rows.loc[rows["role"] == "alone", "council"])

    if adj_pairs:
        ax.add_collection(LineCollection([(xy[a], xy[b]) for a, b in adj_pairs], colors=_MAP,
                                         linewidths=0.9 if small else 0.4, zorder=1))
    radius = span * (0.035 if small else 0.012)
    for gid, mem in multi:
        colour = colour_of_set[mem]
        pts = np.array([xy[c] for c in mem])
        patch = Polygon(_blob(pts, radius), closed=True, facecolor=colour, alpha=0.22,
                        edgecolor=colour, linewidth=1.0 if small else 0.5, zorder=2)
        patch.set_gid(f"group-{gid}")
        ax.add_patch(patch)
        ms = set(mem)
        inner = [(xy[a], xy[b]) for a, b in adj_pairs if a in ms and b in ms]
        if inner:
            ax.add_collection(LineCollection(inner, colors=colour,
                                             linewidths=2.6 if small else 1.1, zorder=3))
        ax.scatter(pts[:, 0], pts[:, 1], s=70 if small else 9, c=colour, edgecolors="white",
                   linewidths=0.8 if small else 0.3, zorder=4)
    if alone:
        pa = np.array([xy[c] for c in alone])
        ax.scatter(pa[:, 0], pa[:, 1], s=55 if small else 7, c=_QUIET, edgecolors="white",
                   linewidths=0.8 if small else 0.3, zorder=4, gid="alone")
    if lead:
        pl = np.array([xy[c] for c in sorted(lead)])
        ax.scatter(pl[:, 0], pl[:, 1], s=210 if small else 30, marker="*", c="white",
                   edgecolors=_LEAD, linewidths=1.2 if small else 0.6, zorder=5, gid="leads")

    _frame_map(ax, box, 0.07 * span)

    svc_names = [names.get(s, s) for s in svcs]
    svc_text = (", ".join(svc_names[:-1]) + " and " + svc_names[-1] if len(svc_names) > 1
                else svc_names[0]).lower()
    svc_text = svc_text[:1].upper() + svc_text[1:]
    head = title if title is not None else f"Proposed groupings: {svc_text}"
    ax.set_title(head, loc="left", fontsize=12, fontweight="bold",
                 pad=20)
    proven = "proven optimal" if plan.gap == 0 else f"gap {plan.gap:.2%} to the bound"
    sub = (f"{format_date(date, long=True)}: {len(multi)} group{'s' if len(multi) != 1 else ''} "
           f"of two or more, {len(alone)} council{'s' if len(alone) != 1 else ''} alone; "
           f"plan {proven}")
    ax.annotate(sub, xy=(0, 1), xycoords="axes fraction", xytext=(0, 6),
                textcoords="offset points", va="bottom", fontsize=8.5, color="#505a5f")
    if source_note:
        note = source_note if isinstance(source_note, str) else SOURCE_NOTE.replace(
            "arrangements register", "council register and arrangements register")
        note += (". Positions: council centroids, British National Grid; grey lines: land "
                 "borders.")
        ax.annotate(note, xy=(0, 0), xycoords="axes fraction", xytext=(0, -4),
                    textcoords="offset points", va="top", fontsize=7, color="#505a5f")

    if legend:
        handles = []
        if len(multi) <= _LISTED:
            for gid, mem in multi:
                nm = [str(rows.loc[rows["council"] == c, "name"].iloc[0]) for c in mem]
                text = ", ".join(nm) if len(nm) <= 4 else f"{', '.join(nm[:3])} +{len(nm) - 3}"
                lead_nm = [str(n) for c, n in zip(rows["council"], rows["name"], strict=True)
                           if c in lead and c in mem]
                how = model[gid].replace("_", " ")
                if lead_nm:
                    how += f", {lead_nm[0]} leads"
                handles.append(Patch(facecolor=colour_of_set[mem], alpha=0.5,
                                     edgecolor=colour_of_set[mem], label=f"{text}\n({how})"))
        else:
            counts = pd.Series([model[gid] for gid, _ in multi]).value_counts()
            for m, k in sorted(counts.items()):
                handles.append(Patch(facecolor="#bbbbbb", label=f"{k} {m.replace('_', ' ')} "
                                     "groups (one colour each; neighbours differ)"))
        if lead:
            handles.append(Line2D([], [], ls="", marker="*", markersize=12 if small else 7,
                                  markerfacecolor="white", markeredgecolor=_LEAD,
                                  label="Lead council (sovereign)"))
        if alone:
            handles.append(Line2D([], [], ls="", marker="o", markersize=7 if small else 4,
                                  markerfacecolor=_QUIET, markeredgecolor="white",
                                  label="Stays alone"))
        handles.append(Line2D([], [], color=_MAP, lw=1.2, label="Land border"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0, frameon=False, fontsize=8, title="Groups",
                  title_fontsize=9, alignment="left", labelspacing=0.8)

    if show_labels:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        from matplotlib.transforms import Bbox

        codes = sorted(set(rows["council"]))
        r_pt = 5.0 if small else 2.0
        px_per_pt = fig.dpi / 72.0
        obstacles = []
        for c in codes:
            px, py = ax.transData.transform(xy[c])
            r = r_pt * px_per_pt
            obstacles.append(Bbox([[px - r, py - r], [px + r, py + r]]))
        name_of = dict(zip(rows["council"], rows["name"], strict=True))
        _place_labels(ax, renderer, [xy[c] for c in codes], [str(name_of[c]) for c in codes],
                      [r_pt] * len(codes), obstacles, small)
