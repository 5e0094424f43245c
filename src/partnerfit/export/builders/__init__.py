"""Builders: each turns one kind of result into a :class:`partnerfit.report.Report`.

Result classes call their builder from ``to_report()``, importing it only then, so that
results never depend on the export layer while they are being computed:

- :func:`shortlist_report` for :meth:`partnerfit.results.Shortlist.to_report`,
- :func:`plan_report` for :meth:`partnerfit.grouping.Plan.to_report`,
- :func:`programme_report` for :meth:`partnerfit.results.Programme.to_report`,
- :func:`backtest_report` for :meth:`partnerfit.evaluate.BacktestResult.to_report`.

:func:`partnerfit.export.write` turns the report into Excel, HTML, Markdown or CSV.
"""

from __future__ import annotations

from .backtest import backtest_report
from .plan import plan_report
from .programme import programme_report
from .shortlist import shortlist_report

__all__ = ["backtest_report", "plan_report", "programme_report", "shortlist_report"]
