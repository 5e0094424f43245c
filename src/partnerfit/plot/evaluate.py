"""Figures for the backtest and the calibration: hit@k curves, fitted weights with intervals.

matplotlib is imported inside each function. Figures are built with
:class:`matplotlib.figure.Figure` (not pyplot), so they do not pile up in pyplot's state and
display once in a notebook when returned. Save them with ``fig.savefig("x.png", dpi=150)``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..evaluate.metrics import METHODS

_BLUE = "#1d70b8"  # GOV.UK blue
_GREY = "#505a5f"
_STYLE = {  # method -> (colour, line style, marker)
    "weights": (_BLUE, "-", "o"),
    "nearest": ("#d4351c", "-", None),
    "adjacency": ("#00703c", "--", None),
    "same_county": ("#f47738", "--", None),
    "adjacent_nearest": ("#00703c", "-", None),
    "county_nearest": ("#f47738", "-", None),
    "random": ("#b1b4b6", ":", None),
}


def _new_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def plot_hit_curves(result, ks: Iterable[int] = range(1, 21), ax=None):
    """Share of cases with the real partner in the top k, for k = 1..20, one line per method.

    Parameters
    ----------
    result : BacktestResult
        From :func:`partnerfit.evaluate.backtest`.
    ks : iterable of int, default 1..20
    ax : matplotlib.axes.Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One line per method in ``result.summary`` (the method first, drawn thicker).
    """
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    curve = result.hit_curve(ks)
    fig, ax = _new_axes(ax, (8.5, 5.8))
    k = curve.columns.to_numpy()
    for m, row in curve.iterrows():
        colour, style, marker = _STYLE.get(m, (_GREY, "-", None))
        mrr = result.summary.at[m, "mrr"]
        ax.plot(k, row.to_numpy(), color=colour, linestyle=style, marker=marker,
                markersize=4, linewidth=2.6 if m == "weights" else 1.6,
                label=f"{METHODS.get(m, m)} (MRR {mrr:.3f})", zorder=3 if m == "weights" else 2)
    ax.set_xlabel("k (the real partner is in the top k)")
    ax.set_ylabel("Share of cases")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(k.min(), k.max())
    ax.set_ylim(0, 1)
    ax.grid(True, color="#e5e5e5", linewidth=0.8)
    n = int(result.summary["cases"].iloc[0]) if len(result.summary) else 0
    ax.set_title(f"Backtest: hit@k on {n} real partner choices", loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False,
              fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_calibrated_weights(calibration, ax=None):
    """Calibrated weights as points with 95% bootstrap intervals (horizontal error bars).

    The backtest's weights (averaged over the cases) are drawn as hollow markers for
    comparison.

    Parameters
    ----------
    calibration : CalibrationResult
        From :func:`partnerfit.evaluate.calibrate`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        One error bar per criterion, first criterion at the top.
    """
    from matplotlib.ticker import PercentFormatter

    iv = calibration.intervals
    crit = list(iv.index)
    y = np.arange(len(crit))[::-1]
    fig, ax = _new_axes(ax, (8.0, 0.42 * len(crit) + 1.8))
    w = iv["weight"].to_numpy(float)
    if {"low", "high"} <= set(iv.columns):
        err = np.vstack([np.clip(w - iv["low"].to_numpy(float), 0, None),
                         np.clip(iv["high"].to_numpy(float) - w, 0, None)])
        label = f"Calibrated (95% bootstrap interval, {iv.attrs.get('resamples', 0)} resamples)"
    else:
        err, label = None, "Calibrated (no bootstrap)"
    ax.errorbar(w, y, xerr=err, fmt="o", color=_BLUE, ecolor=_BLUE, elinewidth=2, capsize=4,
                label=label, zorder=3)
    ref = calibration.reference_weights
    if ref is not None:
        ax.scatter(ref.reindex(crit).to_numpy(float), y, marker="D", facecolors="none",
                   edgecolors=_GREY, label="Backtest weights (mean over cases)", zorder=2)
    ax.set_yticks(y, crit)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(left=0)
    ax.set_xlabel("Weight (share of the total)")
    ax.grid(True, axis="x", color="#e5e5e5", linewidth=0.8)
    ax.set_title(f"Calibrated weights: held-out MRR {calibration.heldout_mrr:.3f} "
                 f"(backtest weights {calibration.default_mrr:.3f})", loc="left")
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
