"""Figures for the sensitivity analysis: weight sweeps, rank acceptability, stability intervals.

matplotlib is imported inside each function. Figures are built with
:class:`matplotlib.figure.Figure` (not pyplot), so they do not pile up in pyplot's
state and display once in a notebook when returned. Save them with
``fig.savefig("x.png", dpi=150)`` or ``fig.savefig("x.svg")``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sensitivity import stability_intervals, weight_sweep
from ..sensitivity._common import analysis_matrix, rank_order

_BLUE = "#1d70b8"  # GOV.UK blue
_LIGHT = "#9dc3e6"
_GREY = "#b1b4b6"


def _new_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def plot_weight_sweep(shortlist: object, criterion: str, top: int = 8, ax=None):
    """Score lines per candidate as one criterion's weight runs from 0% to 100%.

    The other weights are rescaled in proportion (see
    :func:`partnerfit.sensitivity.weight_sweep`). The current weight is marked and the
    range over which the current leader stays first is shaded.

    Parameters
    ----------
    shortlist : Shortlist-like
        As for :func:`partnerfit.sensitivity.weight_sweep`.
    criterion : str
        Criterion id (or exact label).
    top : int, default 8
        Draw the current top ``top`` candidates, plus any other candidate that takes
        first place somewhere in the sweep.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import PercentFormatter

    sweep = weight_sweep(shortlist, criterion, steps=101)
    table = stability_intervals(shortlist, k=1)
    crit = sweep.attrs["criterion"]
    label = sweep.attrs["label"]
    now = sweep.attrs["current_weight"]
    row = table.set_index("criterion").loc[crit]

    first = sweep[sweep["weight"] == 0.0]  # any weight gives every candidate once
    current = _current_order(shortlist)
    chosen = list(current[: max(int(top), 1)])
    for code in sweep.loc[sweep["rank"] == 1, "code"].unique():
        if code not in chosen:
            chosen.append(code)
    names = dict(zip(first["code"], first["name"], strict=True))

    fig, ax = _new_axes(ax, (9.5, 5.2))
    ax.axvspan(
        row["top1_low"],
        row["top1_high"],
        color=_LIGHT,
        alpha=0.35,
        lw=0,
        label=f"{table.attrs['leader_name']} stays first",
    )
    cmap = _palette(len(chosen))
    for i, code in enumerate(chosen):
        line = sweep[sweep["code"] == code]
        ax.plot(
            line["weight"],
            line["score"],
            color=cmap[i],
            lw=2.2 if i == 0 else 1.5,
            label=f"{names[code]} ({code})",
        )
    ax.axvline(now, color="black", ls="--", lw=1.2, label=f"current weight ({now:.0%})")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel(f"Weight of '{label}' (other weights rescaled in proportion)")
    ax.set_ylabel("Score (0–100)")
    ax.set_title(f"How the scores change with the '{label}' weight")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    return fig


def plot_acceptability(smaa_result, top: int = 15, ax=None):
    """Heatmap of rank acceptability (share of weight samples giving each rank).

    Parameters
    ----------
    smaa_result : SMAAResult
        From :func:`partnerfit.sensitivity.smaa`.
    top : int, default 15
        Rows: at most ``top`` candidates, in order of expected rank (ties by code), leaving
        out those with under a 1% chance of any rank shown (they do not matter). Columns:
        ranks 1..``top`` (or all ranks if fewer), plus a "lower" column holding the rest
        so each row still adds up to 100%.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    acc = smaa_result.acceptability
    n_ranks = acc.shape[1]
    shown = min(n_ranks, max(int(top), 1))
    expected = smaa_result.expected_rank.round(9)
    ranked = sorted(acc.index, key=lambda c: (float(expected[c]), str(c)))
    matters = [c for c in ranked if float(acc.loc[c, 1:shown].max()) >= 0.01]
    order = pd.Index((matters or ranked)[: max(int(top), 1)])
    data = acc.loc[order, 1:shown].to_numpy()
    cols = [str(r) for r in range(1, shown + 1)]
    if shown < n_ranks:
        data = np.column_stack([data, acc.loc[order].iloc[:, shown:].sum(axis=1).to_numpy()])
        cols.append(f"{shown + 1}+")
    names = smaa_result.names.reindex(order)
    rows = [f"{nm} ({code})" for code, nm in zip(order, names, strict=True)]

    fig, ax = _new_axes(ax, (1.6 + 0.62 * len(cols) + 2.2, 1.4 + 0.42 * len(rows)))
    im = ax.imshow(100 * data, cmap="Blues", vmin=0, vmax=100, aspect="auto")
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            p = data[i, j]
            if p <= 0:
                continue
            text = "<1%" if p < 0.005 else f"{p:.0%}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if p > 0.55 else "black",
            )
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(rows)), rows)
    ax.tick_params(length=0)
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("Rank")
    ax.set_title(f"Chance of each rank over {smaa_result.samples:,} weightings "
                 "(in order of average rank)", pad=12)
    cbar = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.02)
    cbar.set_label("Share of samples (%)")
    return fig


def plot_stability(shortlist_or_table, ax=None):
    """Horizontal interval chart: for each criterion, the weights keeping first place.

    Parameters
    ----------
    shortlist_or_table : Shortlist-like or pandas.DataFrame
        A shortlist (``stability_intervals(shortlist)`` is computed with k=3) or a table
        returned by :func:`partnerfit.sensitivity.stability_intervals`.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One row per criterion: the full 0–100% range in grey, the range keeping the
        current top-k set in light blue, the range keeping the current leader first in
        dark blue, and the current weight as a black diamond.
    """
    from matplotlib.ticker import PercentFormatter

    if isinstance(shortlist_or_table, pd.DataFrame):
        table = shortlist_or_table
    else:
        table = stability_intervals(shortlist_or_table, k=3)
    leader = table.attrs.get("leader_name", "the current leader")
    k = table.attrs.get("k", None)
    m = len(table)
    fig, ax = _new_axes(ax, (9.5, 1.3 + 0.55 * m))
    y = np.arange(m)[::-1]
    ax.hlines(y, 0, 1, color=_GREY, lw=2, label="possible weights (0–100%)")
    if k is not None and k > 1:
        ax.hlines(
            y,
            table["topk_low"],
            table["topk_high"],
            color=_LIGHT,
            lw=11,
            label=f"top {k} set unchanged",
        )
    ax.hlines(
        y, table["top1_low"], table["top1_high"], color=_BLUE, lw=5, label=f"{leader} stays first"
    )
    ax.plot(table["weight"], y, "D", color="black", ms=6, label="current weight", zorder=3)
    for yi, lo, hi in zip(y, table["top1_low"], table["top1_high"], strict=True):
        ax.annotate(
            f"{lo:.0%}–{hi:.0%}",
            (hi, yi),
            xytext=(4, 5),
            textcoords="offset points",
            fontsize=8,
            color=_BLUE,
        )
    ax.set_yticks(y, list(table["label"]))
    ax.set_xlim(-0.02, 1.08)
    ax.set_ylim(-0.7, m - 0.3)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel("Criterion weight (other weights rescaled in proportion)")
    ax.set_title(f"Weight ranges over which {leader} stays first")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    return fig


def _current_order(shortlist) -> list[str]:
    p = analysis_matrix(shortlist)
    return [str(c) for c in p.codes[rank_order(p.values @ p.weights)]]


def _palette(k: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(k)]
