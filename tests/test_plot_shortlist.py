"""Tests for the shortlist figure (partnerfit.plot.shortlist)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import partnerfit as pf

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture(scope="module")
def sl():
    return pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")


def _bars_by_row(ax):
    """y position -> total bar length, from the drawn rectangles."""
    totals: dict[float, float] = {}
    for patch in ax.patches:
        y = round(patch.get_y() + patch.get_height() / 2, 6)
        totals[y] = totals.get(y, 0.0) + patch.get_width()
    return totals


def test_stacked_contributions_best_at_the_top(sl, tmp_path):
    import matplotlib.pyplot as plt

    fig = sl.plot(top=10)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    ys = list(ax.get_yticks())
    top_label = labels[int(np.argmax(ys))]
    assert top_label == f"1. {sl.table.iloc[0]['name']}"
    totals = _bars_by_row(ax)
    by_rank = [totals[round(y, 6)] for y in sorted(ys, reverse=True)]
    # the stacked bars are weight x value summed by hand from the value matrix
    t = sl.table.head(10)
    expected = [float((sl.value_matrix.loc[c] * sl.weights).sum()) for c in t["code"]]
    np.testing.assert_allclose(by_rank, expected, atol=1e-9)
    np.testing.assert_allclose(by_rank, t["score"], atol=1e-9)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [sl.criteria[c].label for c in sl.criteria if sl.weights[c] > 0]
    assert ax.get_xlim() == (0, 100)
    for ext in ("png", "svg"):
        out = tmp_path / f"shortlist.{ext}"
        fig.savefig(out)
        assert out.stat().st_size > 1000
    plt.close(fig)


def test_draws_on_given_axes_and_names_non_additive_scores():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01", method="topsis")
    assert sl.plot(top=5, ax=ax) is fig
    assert len(ax.get_yticks()) == 5
    assert "topsis" in ax.get_xlabel() and "does not split" in ax.get_xlabel()
    plt.close(fig)


def test_scoring_does_not_import_matplotlib():
    code = ("import sys, partnerfit as pf; "
            "pf.shortlist('Lancaster', 'revenues_benefits', as_of='2009-06-01').explain('Wyre'); "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_unknown_contributions_are_hatched_not_solid(partly_known_shortlist):
    import matplotlib

    matplotlib.use("Agg")
    sl = partly_known_shortlist
    fig = sl.plot(top=15)
    ax = fig.axes[0]
    label = sl.criteria["systems"].label
    shown = sl.full_table().head(15)
    gaps = sl.missing.loc[shown["code"], "systems"].to_numpy()
    assert gaps.any() and not gaps.all()  # Preston (known) is in the top 15
    container = next(c for c in ax.containers if c.get_label() == label)
    hatched = np.array([bool(bar.get_hatch()) for bar in container])
    assert (hatched == gaps).all()
    other = next(c for c in ax.containers if c.get_label() == sl.criteria["distance"].label)
    assert not any(bar.get_hatch() for bar in other)
    texts = [t.get_text() for leg in ax.findobj(matplotlib.legend.Legend) for t in leg.texts]
    assert "Hatched: unknown, filled in" in texts
