"""Does the method agree with reality? Backtests against real arrangements, and learned weights.

:func:`backtest` replays past decisions. For each arrangement (one service) in the table, each
member council in turn is the focal council and each other member the real partner. As at the
date the pair came together (the later of the two members' starts), with the *whole
partnership* removed from the links data -- every arrangement sharing the arrangement's
``partnership`` id, for every service, so the pair's own arrangements cannot vouch for them --
the partner's position among every eligible candidate for the arrangement's service is
recorded, for the weights given and for baselines computed on the same cases:

``nearest``
    nearest first by distance between centres;
``adjacency``
    adjacency only: councils sharing a border (any kind) first, nothing else;
``same_county``
    same county only: councils in the focal council's county first, nothing else;
``adjacent_nearest`` / ``county_nearest``
    the same two rules with ties broken by distance (stronger, "neighbours first" rules);
``random``
    every eligible candidate equally likely.

**Ties are scored as expected values under random tie-breaking**, for every method alike: if
``b`` candidates are strictly better than the real partner and ``t`` (the partner included)
are tied with it, the partner is equally likely to sit anywhere from ``b + 1`` to ``b + t``, so
its expected rank is ``b + (t + 1) / 2``, its hit@k is the share of those places within the top
``k``, and its reciprocal rank the mean of ``1 / r`` over them. The single-criterion baselines
have huge ties (for a unitary, "same county" ties every candidate), so breaking them by GSS
code would reward or punish them by the accident of code order. Scores count as tied when
equal to 12 significant digits (:func:`partnerfit.aggregation.tie_key`, as ranks use); the weights method
almost never ties, and then its rank is the shortlist's rank. The random baseline is the
case with ``b = 0`` and ``t`` = all candidates. The median rank is the median of the cases'
expected ranks.

:func:`calibrate` fits criterion weights to those observed choices with a conditional logit
(McFadden) over each choice set, cross-validated by partnership, with bootstrap intervals.

Modules
-------
metrics
    :data:`METHODS` and the metrics with fair ties (:func:`expected_metrics`, ...); imports
    nothing else of this package, so figures and reports take :data:`METHODS` from there.
backtest
    :func:`backtest` and :class:`BacktestResult`.
calibration
    :func:`calibrate`, :class:`CalibrationResult`, :func:`fit_conditional_logit`,
    :func:`fold_assignments`.
"""

from .backtest import BacktestResult, backtest
from .calibration import CalibrationResult, calibrate, fit_conditional_logit, fold_assignments
from .metrics import KS, METHOD_ORDER, METHODS, expected_metrics, random_expectation

__all__ = ["KS", "METHODS", "METHOD_ORDER", "BacktestResult", "CalibrationResult", "backtest",
           "calibrate", "expected_metrics", "fit_conditional_logit", "fold_assignments",
           "random_expectation"]
