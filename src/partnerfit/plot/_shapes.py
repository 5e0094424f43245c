"""The boundary map that the network, shortlist and plan maps share: council areas as filled
polygons (from :func:`partnerfit.boundaries`), the surrounding councils as a pale context,
county outlines, a scale bar, a London inset and the sources line with the OGL attribution.

Coordinates are British National Grid kilometres, as in :mod:`._basemap`. Each council of the
map is one patch (added with ``add_artist``: in ``ax.get_children()``, not ``ax.patches``) whose
SVG id is ``council-<GSS code>``. matplotlib is imported inside the
functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dates import DateLike
from ..boundaries import boundaries
from ..register import load_councils

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.path import Path

__all__ = [
    "APPROX_HATCH",
    "CONTEXT_COLOUR",
    "OGL_NOTE",
    "MapLayer",
    "add_scale_bar",
    "draw_areas",
    "draw_context",
    "emptiest_corner",
    "fill_colours",
    "geometry_path",
    "london_codes",
    "london_inset",
    "map_layer",
]

#: Attribution the OS/ONS Open Government Licence asks for, on every boundary map.
OGL_NOTE = ("Boundaries: contains OS data © Crown copyright and database right 2025; source: "
            "Office for National Statistics licensed under the Open Government Licence v.3.0")
#: Fill of the councils around the map's own (context).
CONTEXT_COLOUR = "#f7f7f7"
#: Hatch of boundaries drawn from a successor's area (districts abolished in April 2009).
APPROX_HATCH = "xxxx"
_EDGE = "#ffffff"
_COUNTY_EDGE = "#505a5f"

_PATHS: dict[int, Path] = {}


def geometry_path(geom: Any) -> Path:
    """A shapely (Multi)Polygon in metres -> a matplotlib Path in km (cached per geometry)."""
    key = id(geom)
    hit = _PATHS.get(key)
    if hit is not None:
        return hit
    from matplotlib.path import Path

    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords) / 1000.0
            c = np.full(len(xy), Path.LINETO, dtype=np.uint8)
            c[0], c[-1] = Path.MOVETO, Path.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    path = Path(np.concatenate(verts), np.concatenate(codes))
    _PATHS[key] = path  # the geometries live in boundaries' cache, so the id stays theirs
    return path


@dataclass(frozen=True)
class MapLayer:
    """The councils of one map and their areas.

    Attributes
    ----------
    codes : list of str
        The map's councils (sorted).
    paths : dict
        Code -> matplotlib Path in km, for every council in force on the date (context too).
    tier : dict
        Code -> tier.
    approximate : set of str
        Councils whose area is drawn from their successor's.
    box : tuple of float
        ``(x0, x1, y0, y1)`` of the map's councils, km.
    date : date-like
    """

    codes: list[str]
    paths: dict[str, Path]
    tier: dict[str, str]
    approximate: set[str]
    box: tuple[float, float, float, float]
    date: DateLike

    @property
    def span(self) -> float:
        """The larger side of the box (at least 20 km)."""
        x0, x1, y0, y1 = self.box
        return max(x1 - x0, y1 - y0, 20.0)

    @property
    def aspect(self) -> float:
        """Height over width of the box, kept within 0.55-1.6."""
        x0, x1, y0, y1 = self.box
        return float(np.clip((y1 - y0 + 1) / (x1 - x0 + 1), 0.55, 1.6))

    def lower_tier(self, codes: Iterable[str] | None = None) -> list[str]:
        """The councils of ``codes`` (default the map's) that are not counties."""
        return [c for c in (self.codes if codes is None else codes)
                if self.tier.get(c) != "county"]


def map_layer(codes: Iterable[str], date: DateLike) -> MapLayer:
    """The areas of ``codes`` on ``date`` and of every council around them.

    Parameters
    ----------
    codes : iterable of str
        Councils in force on ``date``.
    date : date-like

    Returns
    -------
    MapLayer
    """
    b = boundaries(date)
    tier = load_councils(date)["tier"].to_dict()
    codes = sorted(set(codes))
    paths = {c: geometry_path(g) for c, g in b["geometry"].items()}
    ext = np.concatenate([paths[c].vertices for c in codes])
    (x0, y0), (x1, y1) = ext.min(axis=0), ext.max(axis=0)
    return MapLayer(codes=codes, paths=paths, tier=tier,
                    approximate=set(b.index[b["approximate"]]),
                    box=(float(x0), float(x1), float(y0), float(y1)), date=date)


def draw_context(ax: Axes, layer: MapLayer, linewidth: float) -> None:
    """The lower-tier councils that are not on the map, pale, as the surrounding land."""
    from matplotlib.collections import PathCollection

    mine = set(layer.codes)
    others = [c for c in sorted(layer.paths) if c not in mine and layer.tier.get(c) != "county"]
    if others:
        ax.add_collection(PathCollection([layer.paths[c] for c in others],
                                         facecolors=CONTEXT_COLOUR, edgecolors="#dcdcdc",
                                         linewidths=linewidth, zorder=0.5, gid="context"),
                          autolim=False)


def draw_areas(ax: Axes, layer: MapLayer, fill: Mapping[str, str], *, linewidth: float,
               codes: Sequence[str] | None = None, county_fill: Mapping[str, str] | None = None,
               ) -> None:
    """Each council of the map as one patch (SVG id ``council-<code>``).

    Districts, unitaries and the like are filled with ``fill[code]``; counties are drawn on
    top as a darker outline, hatched in ``county_fill[code]`` when given (a county's own
    colour, over its districts). Areas drawn from a successor get a grey cross-hatch.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    layer : MapLayer
    fill : mapping
        Code -> colour of every lower-tier council drawn.
    linewidth : float
        Of the white borders between councils, points.
    codes : sequence of str, optional
        Councils to draw (default the layer's).
    county_fill : mapping, optional
        County code -> hatch colour.
    """
    from matplotlib.patches import PathPatch

    codes = layer.codes if codes is None else list(codes)
    for c in layer.lower_tier(codes):
        patch = PathPatch(layer.paths[c], facecolor=fill[c], edgecolor=_EDGE,
                          linewidth=linewidth, zorder=1)
        patch.set_gid(f"council-{c}")
        ax.add_artist(patch)  # not add_patch: the map's limits are set, not computed
        if c in layer.approximate:
            ax.add_artist(PathPatch(layer.paths[c], facecolor="none", edgecolor="#6f777b",
                                    hatch=APPROX_HATCH, linewidth=0, zorder=1.2))
    county_fill = county_fill or {}
    from matplotlib.colors import to_rgba

    for c in codes:
        if layer.tier.get(c) != "county":
            continue
        colour = county_fill.get(c)
        if colour:  # a light hatch over the districts, then a solid outline
            patch = PathPatch(layer.paths[c], facecolor="none", linewidth=0,
                              edgecolor=to_rgba(colour, 0.45), hatch="//", zorder=1.4)
            patch.set_gid(f"council-{c}")
            ax.add_artist(patch)
            ax.add_artist(PathPatch(layer.paths[c], facecolor="none", linewidth=linewidth * 3,
                                    edgecolor=colour, zorder=1.5))
        else:
            patch = PathPatch(layer.paths[c], facecolor="none", linewidth=linewidth * 3,
                              edgecolor=_COUNTY_EDGE, zorder=1.5)
            patch.set_gid(f"council-{c}")
            ax.add_artist(patch)


def emptiest_corner(layer: MapLayer, view: tuple[float, float, float, float],
                    frac: float, avoid: Sequence[int] = ()) -> int:
    """Which corner of ``view`` (0 top right, 1 top left, 2 bottom right, 3 bottom left) has
    the least land in a square of ``frac`` of the view's width: where an inset fits."""
    x0, x1, y0, y1 = view
    side = frac * (x1 - x0)
    corners = [(x1 - side, y1 - side), (x0, y1 - side), (x1 - side, y0), (x0, y0)]
    grid = np.stack(np.meshgrid(np.linspace(0, 1, 9), np.linspace(0, 1, 9)), -1).reshape(-1, 2)
    land = [p for c, p in layer.paths.items() if layer.tier.get(c) != "county"]
    best, best_hits = 0, np.inf
    for k, (cx, cy) in enumerate(corners):
        if k in avoid:
            continue
        pts = np.array([cx, cy]) + grid * side
        hits = sum(int(p.contains_points(pts).sum()) for p in land
                   if _overlaps(p, cx, cy, side))
        if hits < best_hits:
            best, best_hits = k, hits
    return best


def _overlaps(path: Path, x: float, y: float, side: float) -> bool:
    ext = path.get_extents()
    return not (ext.x1 < x or ext.x0 > x + side or ext.y1 < y or ext.y0 > y + side)


def add_scale_bar(ax: Axes, layer: MapLayer, view: tuple[float, float, float, float],
                  avoid: int | None = None, fontsize: float = 7.5) -> None:
    """A scale bar of a round length (about a fifth of the map) in the emptier bottom corner
    of the map."""
    from matplotlib.offsetbox import AnchoredOffsetbox, AuxTransformBox, HPacker, TextArea
    from matplotlib.patches import Rectangle

    span = view[1] - view[0]
    length = next(v for v in (200, 100, 50, 20, 10, 5, 2, 1) if v <= span / 4.5 or v == 1)
    bar = AuxTransformBox(ax.transData)
    h = span / 150
    bar.add_artist(Rectangle((0, 0), length / 2, h, fc="#0b0c0c", ec="#0b0c0c", lw=0.5))
    bar.add_artist(Rectangle((length / 2, 0), length / 2, h, fc="white", ec="#0b0c0c", lw=0.5))
    text = TextArea(f"{length} km", textprops={"fontsize": fontsize, "color": "#0b0c0c"})
    corner = emptiest_corner(layer, view, 0.22, avoid=[0, 1] + ([avoid] if avoid else []))
    box = AnchoredOffsetbox(loc="lower right" if corner == 2 else "lower left",
                            child=HPacker(children=[bar, text], sep=4, align="center"),
                            frameon=False, borderpad=0.6, pad=0)
    box.set_gid("scale-bar")
    box.set_zorder(7)
    ax.add_artist(box)


#: London's bounding box in BNG km (the 33 London councils).
def _london_box(layer: MapLayer, codes: Sequence[str]) -> tuple[float, float, float, float]:
    ext = np.concatenate([layer.paths[c].vertices for c in codes])
    (x0, y0), (x1, y1) = ext.min(axis=0), ext.max(axis=0)
    return float(x0), float(x1), float(y0), float(y1)


def london_codes(layer: MapLayer) -> list[str]:
    """The map's London councils (London boroughs and the City)."""
    return [c for c in layer.codes if c.startswith("E09")]


def london_inset(ax: Axes, layer: MapLayer, view: tuple[float, float, float, float]
                 ) -> tuple[Axes, int] | None:
    """An inset axes zoomed on London, in the emptiest corner, when the map is national or
    regional (wider than 250 km) and shows at least ten London councils; else ``None``.

    Returns the inset axes (framed, its view set to London) and the corner used.
    """
    ldn = london_codes(layer)
    if len(ldn) < 10 or layer.span < 250:
        return None
    frac = 0.27
    corner = emptiest_corner(layer, view, frac)
    x = 1 - frac if corner in (0, 2) else 0.0
    y = 1 - frac if corner in (0, 1) else 0.0
    inset = ax.inset_axes((x, y, frac, frac))
    x0, x1, y0, y1 = _london_box(layer, ldn)
    pad = 1.5
    side = max(x1 - x0, y1 - y0) / 2 + pad
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    inset.set_xlim(cx - side, cx + side)
    inset.set_ylim(cy - side, cy + side)
    inset.set_aspect("equal", adjustable="box")
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_edgecolor("#505a5f")
        spine.set_linewidth(0.8)
    inset.set_facecolor("white")
    inset.set_gid("london-inset")
    inset.text(0.02, 0.98, "London", transform=inset.transAxes, va="top", fontsize=7.5,
               fontweight="bold", color="#0b0c0c", zorder=10)
    from matplotlib.patches import Rectangle

    ax.add_artist(Rectangle((cx - side, cy - side), 2 * side, 2 * side, fill=False,
                            ec="#505a5f", lw=0.6, zorder=5))
    return inset, corner


def fill_colours(values: Mapping[str, float], bins: Sequence[float], colours: Sequence[str],
                 missing: str) -> dict[str, str]:
    """Code -> colour of its bin (``bins`` are the lower edges); NaN gets ``missing``."""
    out = {}
    for c, v in values.items():
        if v is None or np.isnan(v):
            out[str(c)] = missing
            continue
        k = int(np.searchsorted(np.asarray(bins), v, side="right") - 1)
        out[str(c)] = colours[max(0, min(k, len(colours) - 1))]
    return out
