"""Tests for partnerfit.plot.shortlist_map: a shortlist on the council boundary map.

Each drawn council's shade is checked against the class of its score in the shortlist table,
the council itself is red, screened councils grey, and the shortlisted candidates are named
with their rank, without overlaps.
"""

from __future__ import annotations

from itertools import combinations

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import PathPatch
from matplotlib.text import Text

import partnerfit as pf
from partnerfit.plot.shortlist_map import SCORE_BINS, SCORE_COLOURS

matplotlib.use("Agg")


def _patches(ax):
    """The map's areas and outlines (drawn with add_artist, so not in ax.patches)."""
    return [a for a in ax.get_children() if isinstance(a, PathPatch)]


@pytest.fixture(scope="module")
def sl():
    return pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")


def _areas(ax):
    return {p.get_gid()[len("council-"):]: to_hex(p.get_facecolor())
            for p in _patches(ax) if (p.get_gid() or "").startswith("council-")}


def test_candidates_shaded_by_score_and_named_with_rank(sl):
    fig = sl.plot(kind="map", top=12)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    areas = _areas(ax)
    best = sl.table.head(12)
    best = best[best["kind"] == "council"]  # an existing partnership is not one area
    assert set(areas) == set(best["code"]) | {sl.council}
    assert areas[sl.council] == to_hex("#d4351c")
    for code, score in zip(best["code"], best["score"], strict=True):
        k = int(np.searchsorted(SCORE_BINS, score, side="right")) - 1
        assert areas[code] == to_hex(SCORE_COLOURS[k]), (code, score)
    labels = [t for t in ax.texts if (t.get_gid() or "").startswith("label")]
    expected = ["Lancaster (for)"] + [f"{r}. {n}" for r, n in zip(best["rank"], best["name"],
                                                                  strict=True)]
    assert [t.get_text() for t in labels] == expected
    boxes = [Text.get_window_extent(t, renderer) for t in labels]
    for a, b in combinations(range(len(boxes)), 2):
        assert not boxes[a].overlaps(boxes[b])


def test_a_county_drawn_with_screened_councils_grey(sl):
    reg = pf.load_councils("2009-06-01")
    lancs = list(reg.index[reg["county"] == "E10000017"]) + ["E10000017"]
    fig = sl.plot(kind="map", councils=lancs, label="none")
    areas = _areas(fig.axes[0])
    assert set(areas) == set(lancs)
    assert "E10000017" not in set(sl.table["code"])  # a county: not a candidate for R&B
    assert not [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("label-1")]
    with pytest.raises(ValueError, match="'bars'"):
        sl.plot(kind="pie")
