"""The live weighting workbench: move a weight, see the ranking, the map and the robustness
change at once.

* :class:`WorkbenchModel` (:mod:`.model`) -- the state in plain Python, driven by scripts
  and tests: ``set_weights``, ``switch``, ``set_policy``, ``ranking``, ``changes``,
  ``verdict()``, ``compare()`` (stakeholder mode), ``save_profile``, ``to_brief``.
* :func:`workbench` (:mod:`.widgets`) -- the same in Jupyter as ipywidgets (the
  ``notebooks`` or ``app`` extra).
* :func:`~.grouping_panel.grouping_panel` -- sliders for group size and minimum pair score
  that re-solve :func:`partnerfit.propose_groupings` and redraw the plan's map.
* ``partnerfit app`` (:mod:`.app`) -- the workbench served on localhost by Voila.
"""

from .model import COUNCILS_ONLY, WorkbenchModel, build_model

__all__ = ["COUNCILS_ONLY", "WorkbenchModel", "build_model"]
