"""The workbench as Jupyter widgets (ipywidgets): sliders, toggles, pickers, and the ranked
table, contribution bars, map and robustness verdict they redraw.

Everything shown comes from a :class:`~partnerfit.workbench.model.WorkbenchModel`; the widgets
only move it and draw it. ipywidgets is imported when a workbench is made (extras
``notebooks`` or ``app``), never when partnerfit is imported.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import PartnerfitError
from ..formatting import format_date
from ..results import Shortlist
from ..services import services
from .model import POLICY_CHOICES, WorkbenchModel, build_model
from .render import bars_html, changes_html, ranking_html, stakeholders_html, verdict_html

__all__ = ["WorkbenchWidget", "require_widgets", "workbench"]

#: Rows of the ranked table shown.
ROWS = 15
#: The dropdown's value for "each criterion's own policy" (a dropdown cannot hold None).
_POLICY_KEY: dict[str | None, str] = {None: "as set"}


def require_widgets() -> Any:
    """ipywidgets, or an error naming the extra to install."""
    try:
        import ipywidgets
    except ImportError:
        raise PartnerfitError(
            "The workbench needs ipywidgets: pip install 'partnerfit[notebooks]' (in Jupyter) "
            "or 'partnerfit[app]' (for `partnerfit app`).") from None
    return ipywidgets


def workbench(council: str | Shortlist, service: str | None = None, *, as_of: Any = None,
              show_map: bool = True, **options: Any) -> WorkbenchWidget:
    """The live weighting workbench for a shortlist, or for a council and service.

    Parameters
    ----------
    council : Shortlist or str
        A shortlist from :func:`partnerfit.shortlist` made with ``partnerships=False,
        two_way=False``, or the council's name or GSS code. The workbench ranks councils;
        partnership candidates and the two-way view are in the shortlist itself.
    service : str, optional
        Service id (with a council).
    as_of : date-like, optional
        The date (with a council; default today).
    show_map : bool, default True
        Draw the boundary map (the slowest part of a redraw).
    **options
        Passed to :func:`partnerfit.shortlist` with a council (which the workbench calls
        with ``partnerships=False, two_way=False``).

    Returns
    -------
    WorkbenchWidget
        Shows itself in a notebook; ``wb.set_weights({...})`` moves its sliders and
        ``wb.ranking`` is the table on screen (the columns of ``Shortlist.table``).

    Examples
    --------
    >>> import partnerfit as pf                                  # doctest: +SKIP
    >>> wb = pf.workbench("Lancaster", "revenues_benefits", as_of="2009-06-01")  # doctest: +SKIP
    >>> wb.set_weights({"distance": 40})                         # doctest: +SKIP
    >>> wb.ranking.head(3)                                       # doctest: +SKIP
    """
    return WorkbenchWidget(build_model(council, service, as_of=as_of, **options),
                           show_map=show_map)


class WorkbenchWidget:
    """The workbench's widgets around one :class:`WorkbenchModel`.

    Attributes
    ----------
    model : WorkbenchModel
    sliders, toggles : dict
        Criterion id -> its ``FloatSlider`` (raw swing weight, 0-100) / ``Checkbox``.
    policy : ipywidgets.Dropdown
        The unknowns policy.
    council, service, date : ipywidgets widgets
        The pickers; :meth:`load` (the "Score" button) scores their shortlist.
    table, bars, verdict_box, stakeholder_box, status : ipywidgets.HTML
    map : ipywidgets.Image or None
    box : ipywidgets.VBox
        The whole workbench.
    """

    def __init__(self, model: WorkbenchModel, *, show_map: bool = True):
        self._w = require_widgets()
        self.model = model
        self.show_map = show_map
        self.stakeholder_sets: dict[str, pd.Series] = {}
        self._quiet = False
        self._live_map: Any = None
        self._build()
        self.refresh()

    # ------------------------------------------------------------------ API
    @property
    def ranking(self) -> pd.DataFrame:
        """The ranked table on screen (the columns of :attr:`partnerfit.Shortlist.table`)."""
        return self.model.ranking

    def set_weights(self, weights: Mapping[str, float] | pd.Series, *,
                    normalised: bool = False) -> None:
        """Move the sliders (see :meth:`WorkbenchModel.set_weights`); redraws once."""
        self.model.set_weights(weights, normalised=normalised)
        self._sync_inputs()
        self.refresh()

    def add_stakeholder(self, name: str, weights: Mapping[str, float] | None = None) -> None:
        """Add a named weight set to stakeholder mode (default: the sliders' weights now)."""
        if not str(name).strip():
            raise PartnerfitError("Give the weight set a name, e.g. 'members'.")
        w = (self.model.raw_weights.where(self.model.enabled, 0.0) if weights is None
             else pd.Series(dict(weights), dtype=float))
        self.stakeholder_sets[str(name).strip()] = w
        self._draw_stakeholders()

    def load(self, council: str, service: str, as_of: Any) -> None:
        """Score a new shortlist and show it (the pickers' "Score" button)."""
        self.status.value = "<i>Scoring ...</i>"
        model = build_model(council, service, as_of=as_of)
        self.model = model
        self.stakeholder_sets.clear()
        self._live_map = None
        self._build()
        self.refresh()

    def refresh(self) -> None:
        """Redraw everything from the model."""
        self.redraw_ranking()
        if self.show_map:
            self._draw_map()
        self._draw_verdict()
        self._draw_stakeholders()

    def redraw_ranking(self) -> None:
        """Redraw the ranked table, the rank changes, the weights shown and the bars."""
        m = self.model
        used, given, changes = m.weights_used, m.weights, m.changes
        for cid, label in self.percent.items():
            if given[cid] > 0 and used[cid] == 0:
                label.value = "not scored"
            else:
                label.value = f"{used[cid] * 100:.0f}%"
        self.table.value = ranking_html(m.ranking.head(ROWS), changes.head(ROWS), m.view)
        self.bars.value = bars_html(m.contributions(top=10), m.labels)
        self.moves.value = changes_html(changes)

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        w, m = self._w, self.model
        self.sliders: dict[str, Any] = {}
        self.toggles: dict[str, Any] = {}
        self.percent: dict[str, Any] = {}
        rows = []
        for cid in m.criteria:
            s = w.FloatSlider(value=float(m.raw_weights[cid]), min=0.0, max=100.0, step=1.0,
                              readout_format=".0f", layout=w.Layout(width="13em"),
                              continuous_update=False)
            t = w.Checkbox(value=bool(m.enabled[cid]), indent=False,
                           layout=w.Layout(width="1.6em"))
            name = w.HTML(html.escape(m.labels[cid]), layout=w.Layout(width="17em"))
            p = w.HTML(layout=w.Layout(width="6em"))
            s.observe(self._slider_moved(cid), names="value")
            t.observe(self._toggled(cid), names="value")
            self.sliders[cid], self.toggles[cid], self.percent[cid] = s, t, p
            rows.append(w.HBox([t, name, s, p]))
        policies = [(words, _POLICY_KEY.get(key, key)) for key, words in POLICY_CHOICES.items()]
        self.policy = w.Dropdown(options=policies, value=_POLICY_KEY.get(m.policy, m.policy),
                                 description="Unknown values", style={"description_width":
                                                                      "9.5em"},
                                 layout=w.Layout(width="38em"))
        self.policy.observe(self._policy_changed, names="value")
        self.table, self.bars, self.moves = w.HTML(), w.HTML(), w.HTML()
        self.verdict_box, self.stakeholder_box, self.status = w.HTML(), w.HTML(), w.HTML()
        self.map = w.Image(format="png", layout=w.Layout(width="100%")) \
            if self.show_map else None
        inputs = w.VBox(layout=w.Layout(width="42em", flex="0 0 auto"), children=[
                         self._pickers(), w.HTML("<b>Weights</b> (sliders: swing weights; "
                                                 "the percentages sum to 100)"),
                         *rows, self.policy, self._file_row(), self.status])
        right = [self.verdict_box, self.table, self.moves]
        tabs = w.Tab(children=[w.VBox(right), self.bars,
                               *([self.map] if self.map is not None else []),
                               w.VBox([self._stakeholder_row(), self.stakeholder_box])])
        for k, title in enumerate(["Ranking", "Contributions",
                                   *(["Map"] if self.map is not None else []),
                                   "Stakeholders"]):
            tabs.set_title(k, title)
        self.tabs = tabs
        if not hasattr(self, "box"):
            self.box = w.HBox([inputs, tabs])
        else:
            self.box.children = [inputs, tabs]

    def _pickers(self) -> Any:
        w, sl = self._w, self.model.view
        cat = services()
        self.council = w.Text(value=sl.council_name, description="Council",
                              layout=w.Layout(width="19em"))
        self.service = w.Dropdown(options=[(str(cat.at[s, "name"]), s) for s in cat.index],
                                  value=sl.service, description="Service",
                                  layout=w.Layout(width="19em"))
        self.date = w.DatePicker(value=pd.Timestamp(sl.as_of).date(), description="Date",
                                 layout=w.Layout(width="16em"))
        go = w.Button(description="Score", button_style="primary",
                      tooltip="Score the shortlist for this council, service and date")
        go.on_click(lambda _: self._guarded(self.load, self.council.value, self.service.value,
                                            self.date.value))
        return w.VBox([w.HBox([self.council, self.service]), w.HBox([self.date, go])])

    def _file_row(self) -> Any:
        w = self._w
        self.path = w.Text(value="workbench_weights.yaml", description="File",
                           layout=w.Layout(width="22em"))
        save = w.Button(description="Save weights", layout=w.Layout(width="8em"), tooltip="Save the weights as a weight "
                        "profile (YAML) for pf.shortlist(weights=...)")
        brief = w.Button(description="Export brief", layout=w.Layout(width="8em"), tooltip="Write the one-page brief of "
                         "this view (.html, .pdf or .docx: the file name's ending decides)")
        save.on_click(lambda _: self._guarded(self._save, self.path.value))
        brief.on_click(lambda _: self._guarded(self._brief, self.path.value))
        return w.HBox([self.path, save, brief])

    def _stakeholder_row(self) -> Any:
        w = self._w
        self.set_name = w.Text(placeholder="members, officers, partners ...",
                               description="Name", layout=w.Layout(width="22em"))
        add = w.Button(description="Add current weights",
                       tooltip="Keep the sliders' weights under this name")
        add.on_click(lambda _: self._guarded(self.add_stakeholder, self.set_name.value))
        return w.HBox([self.set_name, add])

    # ------------------------------------------------------------------ events
    def _slider_moved(self, cid: str) -> Any:
        def moved(change: Mapping[str, Any]) -> None:
            if not self._quiet:
                self._guarded(self._set_one, cid, change["new"])
        return moved

    def _set_one(self, cid: str, value: float) -> None:
        self.model.set_weights({cid: value})
        self.refresh()

    def _toggled(self, cid: str) -> Any:
        def toggled(change: Mapping[str, Any]) -> None:
            if not self._quiet:
                self._guarded(self._switch, cid, bool(change["new"]))
        return toggled

    def _switch(self, cid: str, on: bool) -> None:
        self.model.switch(cid, on)
        self.refresh()

    def _policy_changed(self, change: Mapping[str, Any]) -> None:
        if not self._quiet:
            self.status.value = "<i>Scoring with the new policy ...</i>"
            new = None if change["new"] == _POLICY_KEY[None] else change["new"]
            self._guarded(self._set_policy, new)

    def _set_policy(self, policy: str | None) -> None:
        self.model.set_policy(policy)
        self.status.value = ""
        self.refresh()

    def _guarded(self, action: Any, *args: Any) -> None:
        """Run an action; a partnerfit error is shown in words and the inputs put back."""
        try:
            action(*args)
        except PartnerfitError as exc:
            self.status.value = f"<span style='color:#d4351c'>{html.escape(str(exc))}</span>"
            self._sync_inputs()

    def _sync_inputs(self) -> None:
        self._quiet = True
        try:
            for cid in self.model.criteria:
                self.sliders[cid].value = float(min(100.0, self.model.raw_weights[cid]))
                self.toggles[cid].value = bool(self.model.enabled[cid])
            self.policy.value = _POLICY_KEY.get(self.model.policy, self.model.policy)
        finally:
            self._quiet = False

    def _save(self, path: str) -> None:
        out = self.model.save_profile(os.path.expanduser(path))
        self.status.value = f"Weights saved to {html.escape(str(out))}."

    def _brief(self, path: str) -> None:
        root, _ = os.path.splitext(os.path.expanduser(path))
        target = path if path.lower().endswith((".html", ".pdf", ".docx")) else root + ".html"
        out = self.model.to_brief(target)
        self.status.value = f"Brief written to {html.escape(str(out))}."

    # ------------------------------------------------------------------ drawing
    def _draw_map(self) -> None:
        from .mapview import LiveMap

        if self._live_map is None:
            self._live_map = LiveMap(self.model.view)
        else:
            self._live_map.update(self.model.view)
        if self.map is not None:
            self.map.value = self._live_map.png()

    def _draw_verdict(self) -> None:
        self.verdict_box.value = verdict_html(self.model.verdict(), self.model.view)

    def _draw_stakeholders(self) -> None:
        if not self.stakeholder_sets:
            self.stakeholder_box.value = (
                "<p>Add two or more named weight sets (set the sliders, give a name, "
                "<i>Add current weights</i>) to compare their rankings here.</p>")
            return
        table = self.model.compare(self.stakeholder_sets, top=5)
        self.stakeholder_box.value = stakeholders_html(table)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        sl = self.model.view
        return (f"Workbench({sl.council_name}, {sl.service_name}, "
                f"{format_date(sl.as_of, long=True)})")
