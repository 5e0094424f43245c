"""The report of a backtest: how often the method ranks the real partner near the top."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ...evaluate.metrics import METHODS
from ...report import DATA_SOURCES, Figure, Report, Section, Table
from ._common import ADDITIVE_MODEL

if TYPE_CHECKING:
    from ...evaluate import BacktestResult

__all__ = ["backtest_report"]

#: Display format of each metric column.
METRIC_FORMATS = {"hit@1": "percent", "hit@3": "percent", "hit@5": "percent",
                  "hit@10": "percent", "mrr": "float2", "median_rank": "float1"}

_METHOD_TEXT = ("Each real partner is ranked among every eligible council as at the date the "
                "pair came together, with every arrangement the two share and the whole "
                "partnership removed from the data. Each arrangement counts once: the cases "
                "of a large partnership share one arrangement's weight.")


def _metrics_table(name: str, frame: pd.DataFrame, caption: str) -> Table:
    """A metrics frame (its index as columns) with each metric column in its format."""
    flat = frame.reset_index()
    return Table(name, flat, formats={k: v for k, v in METRIC_FORMATS.items() if k in flat},
                 caption=caption)


def _grouped(frame: pd.DataFrame, label: str) -> Table:
    """The metrics by one grouping (``"By family"``, ``"By tier"``)."""
    return _metrics_table(label, frame, f"Metrics by {label.lower().removeprefix('by ')}")


def _summary_section(result: BacktestResult, figure: bool) -> Section:
    """Overall metrics per method, the case counts and (optionally) the hit@k curves."""
    paragraphs = [f"{len(result.cases)} cases scored, {len(result.skipped)} skipped. "
                  + _METHOD_TEXT]
    if result.sampled:
        paragraphs.append(result.sampled)
    figures = []
    if figure and len(result.cases):
        figures.append(Figure("Hit rates", result.plot(),
                              caption="Share of cases whose real partner is in the top k, "
                                      "by method"))
    summary = _metrics_table("Summary", result.summary,
                             "Hit rates, mean reciprocal rank (MRR) and median rank of the "
                             "real partner, by method")
    return Section("How often the real partner is near the top", paragraphs=paragraphs,
                   tables=[summary], figures=figures)


def backtest_report(result: BacktestResult, *, figure: bool = True) -> Report:
    """Report a :class:`partnerfit.evaluate.BacktestResult`.

    Parameters
    ----------
    result : BacktestResult
    figure : bool, default True
        Include the hit@k curves (``result.plot()``, needs matplotlib).

    Returns
    -------
    Report
        Overall metrics per method, metrics by service family and by focal tier, every
        scored case and every skipped case with its reason.
    """
    baselines = "; ".join(METHODS[m] for m in result.methods if m != "weights")
    return Report(
        title="Backtest against real shared-service arrangements",
        sections=[
            _summary_section(result, figure),
            Section("Breakdowns", tables=[_grouped(result.by_family, "By family"),
                                          _grouped(result.by_tier, "By tier")]),
            Section("Cases", tables=[Table("Cases", result.cases.copy(),
                                           caption="Every scored case"),
                                     Table("Skipped", result.skipped.copy(),
                                           caption="Cases not scored, with the reason")]),
        ],
        sources=list(DATA_SOURCES),
        assumptions=[(f"Baselines, scored on the same cases: {baselines}. Ties count as "
                      "expected values under random tie-breaking."),
                     ADDITIVE_MODEL],
    )
