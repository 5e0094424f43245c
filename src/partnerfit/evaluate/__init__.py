"""Does the method agree with reality? Backtests against real arrangements, and learned weights.

:func:`backtest` replays past decisions. Its definition is frozen (issue 15), so that
modelling changes are compared on the same footing:

1. **Cases.** For each arrangement of a kind councils choose (lead authority, joint committee,
   company, outsourced, kind not stated; not joint boards or statutory authorities, whose
   membership is set by law, nor strategic arrangements such as pension pools and growth
   deals), each member council in turn is the focal council ``S`` and each other member the
   real partner ``P``, dated at the later of the two members' starts.
2. **What is held out.** As at that date, the data lose *every* arrangement ``S`` and ``P``
   share (any service, any partnership, any dates -- so an older or other-service link
   between the pair cannot vouch for them) and every arrangement of the case's own
   partnership (all its services), with everything derived from them: their rows of the
   links (members, leads and hosts), the relationship figures rebuilt from the rows kept
   (services shared, partners, partners of partners, partnerships counted) and the IT
   systems records describing them (:func:`held_out` names the set; the test
   ``test_no_input_encodes_the_outcome`` checks one arrangement end to end).
3. **Ranks.** The partner's position among every eligible *council* candidate for the
   arrangement's service is recorded, for the weights given and for baselines computed on
   the same cases. Candidates that are not councils (a partnership offered as a candidate;
   any code that is not a council code) are left out of the ranks.
4. **Weights.** Each arrangement counts once: a case weighs 1 / (the scored cases of its
   arrangement), so a 26-member partnership (650 ordered pairs) weighs as much as a pair of
   councils (2). :attr:`BacktestResult.summary`, ``by_family``, ``by_tier`` and
   :meth:`BacktestResult.hit_curve` are weighted; :meth:`BacktestResult.metrics` with
   ``weighted=False`` gives each case one count, and the cases table carries each ``weight``.

**What the frozen definition cannot measure.** Because every tie of the pair is removed, a
criterion measuring the pair's *own* ties (``direct_links``: services the two already share;
``same_service``: already sharing this service) is 0 for every real partner, while other
candidates keep theirs: such a criterion can only lift the wrong councils there, whatever its
true worth. ``backtest(keep_earlier_ties=True)`` is the companion that measures them: the
pair's arrangements outside the case's partnership that started at least a year before the
case (:data:`~partnerfit.evaluate.backtest.EARLIER_TIES_DAYS`) stay, as they were known when
the choice was made; everything else is removed as above. The default weights were chosen
with both (``scripts/choose_weights_backtest.py``; the figures are in
``criteria/weights/default.yaml``).

The baselines:

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
expected ranks (a weighted median when weighted, :func:`~partnerfit.evaluate.metrics.weighted_median`).

:func:`calibrate` fits criterion weights to those observed choices with a conditional logit
(McFadden) over each choice set, cross-validated by partnership, with bootstrap intervals.

Modules
-------
metrics
    :data:`METHODS` and the metrics with fair ties (:func:`expected_metrics`, ...); imports
    nothing else of this package, so figures and reports take :data:`METHODS` from there.
backtest
    :func:`backtest`, :func:`held_out` and :class:`BacktestResult`.
calibration
    :func:`calibrate`, :class:`CalibrationResult`, :func:`fit_conditional_logit`,
    :func:`fold_assignments`, :func:`leave_one_family_out` (does a modelling change's gain
    hold in each service family when chosen on the others?).
"""

from .backtest import BacktestResult, backtest, held_out
from .calibration import (
    CalibrationResult,
    calibrate,
    fit_conditional_logit,
    fold_assignments,
    leave_one_family_out,
)
from .metrics import KS, METHOD_ORDER, METHODS, expected_metrics, random_expectation

__all__ = ["KS", "METHODS", "METHOD_ORDER", "BacktestResult", "CalibrationResult", "backtest",
           "calibrate", "expected_metrics", "fit_conditional_logit", "fold_assignments",
           "held_out", "leave_one_family_out", "random_expectation"]
