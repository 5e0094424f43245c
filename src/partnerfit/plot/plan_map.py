"""A grouping plan on the boundary map: one panel per service, the councils' areas coloured
by their proposed group, each group outlined, its delivery model and lead stated in the panel's
subtitle and legend, the lead starred and named on the map, councils staying alone in grey.

This is what :func:`partnerfit.plot.plan.plot_plan` draws by default (``kind="boundaries"``).
Services share one panel only when their groups, delivery models and leads are all the same.
matplotlib is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
import shapely

from .._dates import DateLike, to_date, today
from ..boundaries import boundaries
from ..errors import DataValidationError
from ..formatting import format_date, name_in_sentence
from ..services import services as _services
from ._basemap import QUIET_COLOUR, add_subtitle, attach_canvas, layout_renderer, map_figure
from ._labels import label_choice, place_names
from ._links import SOURCE_NOTE
from ._shapes import (
    APPROX_HATCH,
    CONTEXT_COLOUR,
    MapLayer,
    add_scale_bar,
    draw_areas,
    draw_context,
    geometry_path,
    map_layer,
)
from .network_map import frame, source_line

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..grouping.plan import Plan

__all__ = ["MODEL_NAMES", "panel_services", "plot_plan_map"]

GROUP_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
                 "#F0E442", "#882255", "#44AA99", "#117733", "#AA4499", "#332288")
#: Delivery models in officers' words.
MODEL_NAMES = {"sovereign": "sovereign (one council delivers for the others)",
               "federal": "federal (delivered jointly, no single lead)",
               "joint_committee": "joint committee", "company": "shared company",
               "alone": "stays alone"}
_SHORT = {"sovereign": "sovereign", "federal": "federal", "joint_committee": "joint committee",
          "company": "shared company", "alone": "alone"}


def _signature(rows: pd.DataFrame) -> list[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    """Each group of a service as (members, model, leads): what a panel shows."""
    out = []
    for _, g in rows.groupby("group"):
        out.append((tuple(sorted(g["council"])), str(g["model"].iloc[0]),
                    tuple(sorted(g.loc[g["role"] == "lead", "council"]))))
    return sorted(out)


def panel_services(groups: pd.DataFrame, service: str | Sequence[str] | None) -> list[list[str]]:
    """The services of each panel: one each, except that services whose groups, delivery
    models and leads are all the same share a panel (when ``service`` is not given)."""
    in_plan = list(dict.fromkeys(groups["service"]))
    if service is not None:
        wanted = [service] if isinstance(service, str) else list(service)
        bad = [s for s in wanted if s not in in_plan]
        if bad:
            raise DataValidationError("plan map", [
                f"service {s!r} is not in this plan; its services: {', '.join(in_plan)}"
                for s in bad])
        return [[s] for s in wanted]
    panels: list[list[str]] = []
    sig: list[Any] = []
    for s in in_plan:
        key = _signature(groups[groups["service"] == s])
        if key in sig:
            panels[sig.index(key)].append(s)
        else:
            sig.append(key)
            panels.append([s])
    return panels


def _colours(rows: pd.DataFrame, known: dict[tuple[str, ...], str]) -> dict[int, str]:
    """Group id -> colour; a group with the same members keeps its colour across panels."""
    out: dict[int, str] = {}
    for gid, g in rows.groupby("group"):
        mem = tuple(sorted(g["council"]))
        if len(mem) < 2:
            continue
        if mem not in known:
            known[mem] = GROUP_COLOURS[len(known) % len(GROUP_COLOURS)]
        out[int(gid)] = known[mem]
    return out


def _describe_group(g: pd.DataFrame) -> str:
    """'federal' / 'sovereign, Swale leads' for one group."""
    model = str(g["model"].iloc[0])
    leads = list(g.loc[g["role"] == "lead", "name"])
    text = _SHORT.get(model, model.replace("_", " "))
    if leads:
        text += f", {' and '.join(map(str, leads))} lead{'s' if len(leads) == 1 else ''}"
    elif model == "federal":
        text += ", no single lead"
    return text


def _figure(ax: Axes | None, n: int, layer: MapLayer) -> tuple[Figure, list[Axes]]:
    if ax is not None:
        owner = ax.get_figure()
        assert owner is not None  # an axes always belongs to a figure
        attach_canvas(owner)
        return owner, [ax]
    ncol = 1 if n <= 2 else 2
    nrow = int(np.ceil(n / ncol))
    width = 6.4 if ncol == 1 else 5.0
    height = float(np.clip(width * layer.aspect, 3.5, 9.0)) + 1.4
    fig = map_figure((width * ncol + 3.6 * ncol, min(height * nrow, 22.0)))
    return fig, [fig.add_subplot(nrow, ncol, k + 1) for k in range(n)]


def plot_plan_map(plan: Plan, service: str | Sequence[str] | None = None, *,
                  ax: Axes | None = None, title: str | None = None,
                  source_note: bool | str = True, label: Any = None) -> Figure:
    """Draw a grouping plan on the council boundary map, one panel per service.

    Each council of the plan is its area on the plan's date, coloured by its proposed group
    (grey: stays alone); each group of two or more is outlined (SVG id ``group-<id>``); its
    delivery model and lead are written in the panel's subtitle and legend; lead councils
    are starred and named "(lead)". Every council of the plan is named, without overlaps.

    Parameters
    ----------
    plan : partnerfit.grouping.Plan
    service : str or list of str, optional
        Service(s) to draw, one panel each; default every service of the plan, sharing a
        panel only when their groups, models and leads are all the same.
    ax : matplotlib.axes.Axes, optional
        Draw here (one panel only).
    title : str, optional
        Default "Proposed groupings: <service>".
    source_note : bool or str, default True
    label : None, "all", "none", int or list of str, optional
        Which councils to name: default (and ``"all"``) every council of the plan, leads
        first, or only the leads when there are more than 45; an int N: the first N (leads,
        then grouped councils); ``"none"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = panel_services(plan.groups, service)
    if ax is not None and len(panels) > 1:
        raise DataValidationError("plan map", [
            (f"the plan has {len(panels)} services with different groups, models or leads; "
             "pass service= to draw one of them on the axes given")])
    date = to_date(cast("DateLike", plan.as_of)) if plan.as_of is not None else today()
    codes = sorted(set(plan.groups["council"]))
    missing = sorted(set(codes) - set(boundaries(date).index))
    if missing:
        raise DataValidationError("plan map", [
            f"council {c} has no boundary on {date:%Y-%m-%d}: not a council in force then"
            for c in missing[:10]])
    layer = map_layer(codes, date)
    fig, axes = _figure(ax, len(panels), layer)
    names = _services()["name"].to_dict()
    known: dict[tuple[str, ...], str] = {}
    for k, (axk, svcs) in enumerate(zip(axes, panels, strict=True)):
        _draw_panel(axk, plan, svcs, layer, known, names, title, date)
        if source_note and k == len(axes) - 1:
            source_line(axk, source_note if isinstance(source_note, str) else SOURCE_NOTE)
    renderer = layout_renderer(fig)
    for axk, svcs in zip(axes, panels, strict=True):
        _label_panel(axk, renderer, plan, svcs[0], label)
    return fig


def _draw_panel(ax: Axes, plan: Plan, svcs: list[str], layer: MapLayer,
                known: dict[tuple[str, ...], str], names: Mapping[str, str],
                title: str | None, date: DateLike) -> None:
    from matplotlib.patches import PathPatch

    rows = plan.groups[plan.groups["service"] == svcs[0]]
    colour = _colours(rows, known)
    group_of = dict(zip(rows["council"], rows["group"].astype(int), strict=True))
    fill = {c: colour.get(group_of[c], QUIET_COLOUR) for c in layer.codes}
    counties = {c: fill[c] for c in layer.codes if layer.tier.get(c) == "county"}
    draw_context(ax, layer, 0.4)
    draw_areas(ax, layer, fill, linewidth=0.6, county_fill=counties)
    geoms = boundaries(date, layer.codes)["geometry"]
    for gid, g in rows.groupby("group"):
        mem = sorted(g["council"])
        if len(mem) < 2:
            continue
        outline = PathPatch(geometry_path(shapely.union_all([geoms[c] for c in mem])),
                            facecolor="none", edgecolor="#0b0c0c", linewidth=1.3, zorder=2)
        outline.set_gid(f"group-{int(gid)}")
        ax.add_artist(outline)
    leads = sorted(rows.loc[rows["role"] == "lead", "council"])
    if leads:
        reg = plan.councils if plan.councils is not None else None
        pts = np.array([_point(reg, geoms, c) for c in leads])
        ax.scatter(pts[:, 0], pts[:, 1], s=120, marker="*", c="white", edgecolors="#0b0c0c",
                   linewidths=1.0, zorder=6, gid="leads")
    view = frame(ax, layer)
    add_scale_bar(ax, layer, view)
    _titles(ax, rows, svcs, names, title, date, plan)
    _legend(ax, rows, colour, bool(leads), layer)


def _point(reg: pd.DataFrame | None, geoms: pd.Series, code: str) -> tuple[float, float]:
    """Where a council's star and label go: its register centroid, else a point inside."""
    if reg is not None and code in reg.index and {"easting", "northing"} <= set(reg.columns) \
            and pd.notna(reg.at[code, "easting"]):
        return float(reg.at[code, "easting"]) / 1000, float(reg.at[code, "northing"]) / 1000
    p = geoms[code].representative_point()
    return p.x / 1000, p.y / 1000


def _titles(ax: Axes, rows: pd.DataFrame, svcs: list[str], names: Mapping[str, str],
            title: str | None, date: DateLike, plan: Plan) -> None:
    svc_names = [names.get(s, s) for s in svcs]
    # the first service as written in the catalogue, the others as in a sentence ("HR" stays)
    words = [svc_names[0], *(name_in_sentence(n) for n in svc_names[1:])]
    svc_text = ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]
    ax.set_title(title if title is not None else f"Proposed groupings: {svc_text}",
                 loc="left", fontsize=11.5, fontweight="bold", pad=34)
    multi = [g for _, g in rows.groupby("group") if len(g) > 1]
    n_alone = int((rows["role"] == "alone").sum())
    models = sorted({str(g["model"].iloc[0]) for g in multi})
    how = "; ".join(f"{_SHORT.get(m, m)}: {sum(1 for g in multi if g['model'].iloc[0] == m)}"
                    for m in models) or "no groups"
    leads = [str(n) for g in multi for n in g.loc[g["role"] == "lead", "name"]]
    lead_text = f"lead: {', '.join(leads)}" if leads else "no single lead (no sovereign group)"
    proven = ("proven the best possible" if plan.gap == 0 else
              f"within {plan.gap:.1%} of the best possible")
    same = " (the same for each)" if len(svcs) > 1 else ""
    add_subtitle(ax, f"{format_date(date, long=True)}: {len(multi)} group"
                     f"{'s' if len(multi) != 1 else ''}, {n_alone} alone; delivery model{same} "
                     f"{how}; {lead_text}\nplan {proven}", 8)


def _legend(ax: Axes, rows: pd.DataFrame, colour: Mapping[int, str], any_lead: bool,
            layer: MapLayer) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    multi = [(int(gid), g) for gid, g in rows.groupby("group") if len(g) > 1]
    for gid, g in multi[:12]:
        nm = [str(n) for n in g.sort_values("council")["name"]]
        text = ", ".join(nm) if len(nm) <= 4 else f"{', '.join(nm[:3])} +{len(nm) - 3}"
        handles.append(Patch(facecolor=colour[gid], edgecolor="#0b0c0c", lw=0.6,
                             label=f"{text}\n{_describe_group(g)}"))
    if len(multi) > 12:
        handles.append(Patch(facecolor="white", edgecolor="white",
                             label=f"... and {len(multi) - 12} more groups (see the table)"))
    if any_lead:
        handles.append(Line2D([], [], ls="", marker="*", markersize=10, markerfacecolor="white",
                              markeredgecolor="#0b0c0c", label="Lead council (sovereign)"))
    if (rows["role"] == "alone").any():
        handles.append(Patch(facecolor=QUIET_COLOUR, edgecolor="white", label="Stays alone"))
    handles.append(Patch(facecolor=CONTEXT_COLOUR, edgecolor="#dcdcdc", lw=0.5,
                         label="Not in the plan"))
    if layer.approximate & set(layer.codes):
        handles.append(Patch(facecolor="white", edgecolor="#6f777b", hatch=APPROX_HATCH,
                             lw=0.5, label="Approximate area (abolished\n"
                                           "1 April 2009; successor's area)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0,
              frameon=False, fontsize=7.5, title="Groups (delivery model, lead)",
              title_fontsize=8.5, alignment="left", labelspacing=0.8)


def _label_panel(ax: Axes, renderer: Any, plan: Plan, service: str, label: Any) -> None:
    rows = plan.groups[plan.groups["service"] == service]
    order = {"lead": 0, "partner": 1, "alone": 2}
    ranked = sorted(rows["council"], key=lambda c: (
        order.get(str(rows.loc[rows["council"] == c, "role"].iloc[0]), 3), c))
    name_of = dict(zip(rows["council"], rows["name"], strict=True))
    by_name = {str(n).lower(): c for c, n in name_of.items()}

    def resolve(q: str) -> str:
        if q in name_of:
            return q
        if str(q).lower() in by_name:
            return by_name[str(q).lower()]
        raise DataValidationError("plan map", [f"{q!r} is not a council of this plan"])

    chosen, crowded = label_choice(ranked, label, resolve)
    roles = dict(zip(rows["council"], rows["role"], strict=True))
    if crowded:  # too many to name on one map: the leads only, and say so
        chosen = [c for c in chosen if roles[c] == "lead"]
        ax.annotate(f"{len(ranked) - len(chosen)} councils not named on this map (too many); "
                    "the groups table lists them", xy=(0, 0), xycoords="axes fraction",
                    xytext=(0, 3), textcoords="offset points", fontsize=7, color="#505a5f",
                    annotation_clip=False)
    if not chosen:
        return
    date = to_date(cast("DateLike", plan.as_of)) if plan.as_of is not None else today()
    geoms = boundaries(date, chosen)["geometry"]
    anchors = [_point(plan.councils, geoms, c) for c in chosen]
    texts = [f"{name_of[c]} (lead)" if roles[c] == "lead" else str(name_of[c]) for c in chosen]
    place_names(ax, renderer, anchors, texts, fontsize=7.5 if len(chosen) > 20 else 8,
                mark=True, areas=[geometry_path(geoms[c]) for c in chosen])
