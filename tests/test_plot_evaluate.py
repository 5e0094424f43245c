"""Tests for partnerfit.plot.evaluate: hit@k curves and calibrated weights render and save."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from partnerfit.evaluate import METHOD_ORDER, BacktestResult, calibrate
from partnerfit.evaluate.metrics import summarise as _summarise
from partnerfit.evaluate.metrics import summarise_by as _grouped
from partnerfit.matrix import ValueMatrix
from partnerfit.plot.evaluate import plot_calibrated_weights, plot_hit_curves

PNG = b"\x89PNG\r\n\x1a\n"


def _result() -> BacktestResult:
    # three cases; every method the same except where noted, hand-checkable hit@k:
    # weights ranks 1, 4 and 12; random over 20 candidates
    rows = []
    for i, r in enumerate((1, 4, 12)):
        row = {"arrangement": f"a{i}", "partnership": f"p{i}", "service": "ict",
               "family": "back_office", "focal": f"E0700000{i}", "focal_tier": "unitary",
               "partner": "E07000009", "as_of": pd.Timestamp("2015-01-01"), "n_candidates": 20}
        for m in METHOD_ORDER:
            row[f"rank_{m}"], row[f"tied_{m}"] = float(r), 1
        row["rank_random"], row["tied_random"] = 10.5, 20
        # adjacency only: partner tied with 3 others behind 1 -> equally at ranks 2..5
        row["rank_adjacency"], row["tied_adjacency"] = 1 + 2.5, 4
        rows.append(row)
    cases = pd.DataFrame(rows)
    return BacktestResult(cases=cases, skipped=pd.DataFrame(columns=["reason"]),
                          summary=_summarise(cases, METHOD_ORDER),
                          by_family=_grouped(cases, "family", METHOD_ORDER),
                          by_tier=_grouped(cases, "focal_tier", METHOD_ORDER),
                          criteria=["a", "b"])


def test_hit_curves_one_line_per_method_with_hand_values(tmp_path):
    bt = _result()
    fig = plot_hit_curves(bt, ks=range(1, 21))
    ax = fig.axes[0]
    lines = {ln.get_label().split(" (MRR")[0]: ln for ln in ax.get_lines()}
    assert len(ax.get_lines()) == len(METHOD_ORDER) == 7
    w = lines["Weights (method)"].get_ydata()
    # ranks 1, 4, 12: hit@1 = 1/3, hit@4..11 = 2/3, hit@12.. = 1
    assert w[0] == pytest.approx(1 / 3) and w[3] == pytest.approx(2 / 3)
    assert w[10] == pytest.approx(2 / 3) and w[11] == pytest.approx(1.0)
    rnd = lines["Random (expected)"].get_ydata()
    assert np.allclose(rnd, np.arange(1, 21) / 20)
    adj = lines["Adjacency only"].get_ydata()
    assert adj[0] == 0 and adj[2] == pytest.approx(0.5) and adj[4] == pytest.approx(1.0)
    out = tmp_path / "hit.png"
    fig.savefig(out, dpi=80)
    assert out.read_bytes()[:8] == PNG


def test_backtest_result_plot_method_draws_on_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert _result().plot(ks=range(1, 11), ax=ax) is fig
    assert len(ax.get_lines()) == 7 and len(ax.get_lines()[0].get_xdata()) == 10


def _calibration():
    rng = np.random.default_rng(0)
    names = ["distance", "adjacency", "systems", "direct_links"]
    beta = np.array([4.0, 1.0, 2.0, 0.5])
    sets, rows = [], []
    codes = np.array([f"E{j:08d}" for j in range(10)])
    for i in range(240):
        x = rng.uniform(0, 100, size=(10, len(names)))
        u = x @ beta / 100 + rng.gumbel(size=10)
        sets.append(ValueMatrix(codes, names, x, np.full(4, 0.25)))
        rows.append({"partnership": f"p{i % 24:02d}", "service": "ict",
                     "partner": codes[int(np.argmax(u))]})
    empty = pd.DataFrame()
    bt = BacktestResult(cases=pd.DataFrame(rows), skipped=empty, summary=empty,
                        by_family=empty, by_tier=empty, criteria=names, choice_sets=sets)
    return calibrate(result=bt, folds=3, bootstrap=8)


def test_calibrated_weights_error_bars_and_reference(tmp_path):
    cal = _calibration()
    fig = cal.plot()
    ax = fig.axes[0]
    bars = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    assert len(bars) == 1
    x, _y = bars[0].lines[0].get_data()
    assert np.allclose(x, cal.intervals["weight"].to_numpy())
    at = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    top_down = sorted(at, key=at.get, reverse=True)
    assert top_down == list(cal.intervals.index)          # first criterion at the top
    # horizontal error bars span low..high
    seg = bars[0].lines[2][0].get_segments()
    lows = np.array([s[0][0] for s in seg])
    highs = np.array([s[1][0] for s in seg])
    assert np.allclose(np.sort(lows), np.sort(np.minimum(cal.intervals["low"], x)))
    assert np.allclose(np.sort(highs), np.sort(np.maximum(cal.intervals["high"], x)))
    assert len(ax.collections[-1].get_offsets()) == 4   # reference markers
    out = tmp_path / "weights.png"
    fig.savefig(out, dpi=80)
    assert out.read_bytes()[:8] == PNG


def test_plotting_without_bootstrap():
    cal = _calibration()
    cal.intervals = cal.intervals[["weight"]]
    fig = plot_calibrated_weights(cal)
    assert len(fig.axes[0].containers) == 1
