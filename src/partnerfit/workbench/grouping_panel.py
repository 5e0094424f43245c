"""The grouping panel: for a set of councils and services, sliders for the group size and the
minimum pair score re-solve the grouping plan (:func:`partnerfit.propose_groupings`), with the
progress shown, and redraw the plan on the boundary map.

ipywidgets is imported when a panel is made (extras ``notebooks`` or ``app``).
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import PartnerfitError
from ..grouping import Plan, propose_groupings
from .render import plan_html
from .widgets import require_widgets

__all__ = ["GroupingPanel", "grouping_panel"]

#: The steps the progress bar shows.
STEPS = ("Finding the possible groups and solving", "Drawing the map", "Done")


def grouping_panel(councils: Iterable[str] | str, services: str | Iterable[str], *,
                   as_of: Any = None, show_map: bool = True,
                   **constraints: Any) -> GroupingPanel:
    """A grouping panel for ``councils`` and ``services`` (solved once on creation).

    Parameters
    ----------
    councils, services, as_of
        As for :func:`partnerfit.propose_groupings`.
    show_map : bool, default True
        Draw the plan on the boundary map after each solve.
    **constraints
        Other :func:`partnerfit.propose_groupings` options, kept fixed (``min_size``,
        ``max_size`` and ``min_pair_score`` give the sliders' starting values).

    Returns
    -------
    GroupingPanel
    """
    return GroupingPanel(councils, services, as_of=as_of, show_map=show_map, **constraints)


class GroupingPanel:
    """Sliders for group size and minimum pair score over a grouping plan.

    Attributes
    ----------
    size : ipywidgets.IntRangeSlider
        Smallest and largest group.
    min_pair : ipywidgets.FloatSlider
        The minimum pair score (0-100) two councils need to be grouped.
    progress : ipywidgets.IntProgress
        The solve's progress through :data:`STEPS`.
    plan : Plan or None
        The last plan solved (None while the last solve failed; the reason is shown).
    box : ipywidgets.VBox
    """

    def __init__(self, councils: Iterable[str] | str, services: str | Iterable[str], *,
                 as_of: Any = None, show_map: bool = True, **constraints: Any):
        w = require_widgets()
        self._w = w
        self.councils = councils if isinstance(councils, str) else list(councils)
        self.services = services if isinstance(services, str) else list(services)
        self.as_of = as_of
        self.show_map = show_map
        self.constraints: dict[str, Any] = dict(constraints)
        lo = int(self.constraints.pop("min_size", 2))
        hi = int(self.constraints.pop("max_size", 4))
        pair = float(self.constraints.pop("min_pair_score", 50.0))
        self.plan: Plan | None = None
        self.solves = 0
        self.size = w.IntRangeSlider(value=(lo, hi), min=2, max=8, step=1,
                                     description="Group size", continuous_update=False,
                                     style={"description_width": "10em"},
                                     layout=w.Layout(width="30em"))
        self.min_pair = w.FloatSlider(value=pair, min=0.0, max=100.0, step=1.0,
                                      description="Minimum pair score", readout_format=".0f",
                                      continuous_update=False,
                                      style={"description_width": "10em"},
                                      layout=w.Layout(width="30em"))
        self.progress = w.IntProgress(value=0, min=0, max=len(STEPS) - 1,
                                      layout=w.Layout(width="20em"))
        self.step = w.HTML()
        self.summary = w.HTML()
        self.map = w.Image(format="png", layout=w.Layout(width="46em")) if show_map else None
        self.size.observe(self._changed, names="value")
        self.min_pair.observe(self._changed, names="value")
        self.box = w.VBox([w.HTML("<b>Partner groupings</b>"), self.size, self.min_pair,
                           w.HBox([self.progress, self.step]), self.summary,
                           *([self.map] if self.map is not None else [])])
        self.solve()

    def options(self) -> dict[str, Any]:
        """The :func:`partnerfit.propose_groupings` arguments the sliders give now."""
        lo, hi = self.size.value
        return {"as_of": self.as_of, "min_size": int(lo), "max_size": int(hi),
                "min_pair_score": float(self.min_pair.value), **self.constraints}

    def solve(self) -> Plan | None:
        """Re-solve with the sliders' values and redraw; returns the plan (None on failure,
        with the reason shown in the panel)."""
        self._show_step(0)
        try:
            plan = propose_groupings(self.councils, self.services, **self.options())
        except PartnerfitError as exc:
            self.plan = None
            self.summary.value = (f"<p style='color:#d4351c'>No plan with these settings: "
                                  f"{html.escape(str(exc))}</p>")
            self._show_step(len(STEPS) - 1)
            return None
        self.plan = plan
        self.solves += 1
        self.summary.value = plan_html(plan)
        if self.map is not None:
            self._show_step(1)
            self.map.value = _map_png(plan)
        self._show_step(len(STEPS) - 1)
        return plan

    def _show_step(self, k: int) -> None:
        self.progress.value = k
        self.progress.bar_style = "success" if k == len(STEPS) - 1 else "info"
        self.step.value = f"{html.escape(STEPS[k])}{'' if k == len(STEPS) - 1 else ' ...'}"

    def _changed(self, change: Mapping[str, Any]) -> None:
        self.solve()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)


def _map_png(plan: Plan) -> bytes:
    from ..plot.plan_map import plot_plan_map

    fig = plot_plan_map(plan)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72)
    return buf.getvalue()
