"""Tests for the grouping panel (partnerfit.workbench.grouping_panel), driven headlessly: each
slider change re-solves, and the plan shown equals an independent
:func:`partnerfit.propose_groupings` call with the same settings."""

from __future__ import annotations

import pandas as pd
import pytest

import partnerfit as pf

pytest.importorskip("ipywidgets")

COUNCILS = ["Burnley", "Hyndburn", "Rossendale", "Pendle", "Ribble Valley"]
SERVICE, AS_OF = "revenues_benefits", "2009-06-01"


def _groups(plan):
    return plan.groups.sort_values(["group", "council"]).reset_index(drop=True)


def test_sliders_resolve_as_propose_groupings():
    from partnerfit.workbench.grouping_panel import grouping_panel

    panel = grouping_panel(COUNCILS, SERVICE, as_of=AS_OF, show_map=False, max_size=3)
    first = pf.propose_groupings(COUNCILS, SERVICE, as_of=AS_OF, max_size=3)
    pd.testing.assert_frame_equal(_groups(panel.plan), _groups(first))
    assert panel.progress.value == panel.progress.max and panel.step.value == "Done"
    panel.size.value = (2, 2)
    panel.min_pair.value = 60.0
    assert panel.solves == 3  # one solve per slider change
    want = pf.propose_groupings(COUNCILS, SERVICE, as_of=AS_OF, min_size=2, max_size=2,
                                min_pair_score=60.0)
    pd.testing.assert_frame_equal(_groups(panel.plan), _groups(want))
    assert panel.plan.objective == pytest.approx(want.objective)
    shown = panel.summary.value
    assert "Plan for 1 June 2009" in shown and "revenues_benefits" not in shown
    for _, grp in want.groups.groupby("group"):
        if len(grp) > 1:
            assert ", ".join(grp["name"]) in shown
        else:
            assert grp["name"].iloc[0] in shown.split("staying alone:")[1]


def test_map_is_drawn_and_a_failure_is_said():
    from partnerfit.workbench.grouping_panel import grouping_panel

    panel = grouping_panel(COUNCILS[:3], SERVICE, as_of=AS_OF, max_size=3)
    assert panel.map.value[:8] == b"\x89PNG\r\n\x1a\n"
    panel.constraints["must_group"] = ["Nowhere Borough"]
    panel.min_pair.value = 10.0
    assert panel.plan is None
    assert "No plan with these settings" in panel.summary.value
