"""Business-case estimate for a shared service: annual saving, one-off cost and NPV.

Model (all parameters in :class:`SavingsAssumptions`, every one overridable):

* **Economies of scale.** A group of ``n`` councils pooling a service with combined annual
  cost base ``C`` saves ``C * r(n)`` a year at steady state, with
  ``r(n) = min(max_saving_rate, saving_rate_per_doubling * log2(n))``: each doubling of
  scale saves a further fixed share, up to a cap. ``r(1) = 0``.
* **Ramp-up.** Year ``t`` (1-based) realises ``ramp_up[t-1]`` of the steady-state saving
  (the last entry repeats).
* **One-off costs** at year 0: ``transition_rate * C`` (programme, redundancy, premises)
  plus ``it_migration_rate`` times the cost base of every member except the largest
  (the others move to one system).
* **NPV** over ``years`` at the HM Treasury Green Book discount rate (3.5% a year, real):
  ``NPV = -one_off + sum_t saving_t / (1 + rate)^t``.

Sources and status of the defaults (see ``SavingsAssumptions.sources``): the discount
rate is the Green Book's; the other defaults are partnerfit's modelling assumptions chosen
to be of the order reported by councils (North Lincolnshire's 2014 report estimated
GBP 0.5m-0.75m a year per council from a back-office hub; the LGA's shared-service map
reports GBP 1.34bn cumulative savings from 626 partnerships). They are not evidence for a
given case: replace them with local figures. Unknown costs are never guessed: a group
with a missing cost base gets NaN and a note naming the council.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import DataValidationError

__all__ = [
    "GREEN_BOOK_DISCOUNT_RATE",
    "SavingsAssumptions",
    "SavingsEstimate",
    "estimate_group",
    "group_npv",
    "npv",
    "scale_saving_rate",
]

GREEN_BOOK_DISCOUNT_RATE = 0.035
"""HM Treasury Green Book social time preference rate for years 0-30 (real)."""

_SOURCES = {
    "discount_rate": "HM Treasury, The Green Book: appraisal and evaluation in central "
                     "government (3.5% real for years 0-30); see also 'Green Book "
                     "supplementary document: social discount rates', "
                     "https://gov.uk/government/publications/green-book-supplementary-"
                     "document-social-discount-rates-for-cost-benefit-analysis-a-report-"
                     "for-hm-treasury",
    "saving_rate_per_doubling": "partnerfit assumption (not from a source); order of "
                                "magnitude checked against North Lincolnshire Council "
                                "cabinet report 2014 (GBP 0.5m-0.75m per council from a "
                                "back-office hub) and the LGA shared services map "
                                "(GBP 1.34bn from 626 partnerships), "
                                "http://www.local.gov.uk/our-support/efficiency-and-income-"
                                "generation/shared-services",
    "max_saving_rate": "partnerfit assumption (not from a source)",
    "ramp_up": "partnerfit assumption (not from a source)",
    "transition_rate": "partnerfit assumption (not from a source)",
    "it_migration_rate": "partnerfit assumption (not from a source)",
    "years": "issue 6: a 5-10 year appraisal period",
}


@dataclass(frozen=True)
class SavingsAssumptions:
    """Parameters of the savings model (see the module docstring).

    Attributes
    ----------
    saving_rate_per_doubling : float, default 0.08
        Share of the combined cost base saved per doubling of scale.
    max_saving_rate : float, default 0.25
        Cap on the steady-state saving share.
    ramp_up : tuple of float, default (0.5, 1.0)
        Share of the steady-state saving realised in years 1, 2, ... (last repeats).
    transition_rate : float, default 0.10
        One-off transition cost as a share of the combined annual cost base.
    it_migration_rate : float, default 0.05
        One-off system migration cost as a share of each migrating member's cost base.
    discount_rate : float, default 0.035
        Annual real discount rate (HM Treasury Green Book).
    years : int, default 10
        Appraisal period in years.
    sources : dict
        Where each default comes from.
    """

    saving_rate_per_doubling: float = 0.08
    max_saving_rate: float = 0.25
    ramp_up: tuple[float, ...] = (0.5, 1.0)
    transition_rate: float = 0.10
    it_migration_rate: float = 0.05
    discount_rate: float = GREEN_BOOK_DISCOUNT_RATE
    years: int = 10
    sources: Mapping[str, str] = field(default_factory=lambda: dict(_SOURCES), compare=False)

    def with_(self, **changes) -> SavingsAssumptions:
        """Copy with some parameters changed (unknown names raise)."""
        return replace(self, **changes)

    def validate(self) -> None:
        """Raise :class:`DataValidationError` listing every out-of-range parameter."""
        p = []
        if not 0 <= self.saving_rate_per_doubling <= 1:
            p.append("saving_rate_per_doubling must be between 0 and 1")
        if not 0 <= self.max_saving_rate <= 1:
            p.append("max_saving_rate must be between 0 and 1")
        if not self.ramp_up or any(not 0 <= r <= 1 for r in self.ramp_up):
            p.append("ramp_up must be a non-empty sequence of shares between 0 and 1")
        if self.transition_rate < 0 or self.it_migration_rate < 0:
            p.append("one-off cost rates must be non-negative")
        if not -0.5 < self.discount_rate < 1:
            p.append("discount_rate must be a yearly rate such as 0.035")
        if int(self.years) != self.years or self.years < 1:
            p.append("years must be a positive whole number")
        if p:
            raise DataValidationError("savings assumptions", p)


def _annuity_factor(a: SavingsAssumptions) -> float:
    """Present value of the ramped-up saving stream per unit of steady-state saving."""
    t = np.arange(1, int(a.years) + 1)
    ramp = np.array([a.ramp_up[min(i, len(a.ramp_up) - 1)] for i in range(len(t))])
    return float(np.sum(ramp / (1.0 + a.discount_rate) ** t))


def npv(cashflows: Sequence[float], rate: float = GREEN_BOOK_DISCOUNT_RATE) -> float:
    """Net present value of yearly cash flows, the first at year 0 (undiscounted).

    Parameters
    ----------
    cashflows : sequence of float
        Cash flow in years 0, 1, 2, ...
    rate : float, default 0.035
        Annual discount rate.

    Returns
    -------
    float
    """
    cf = np.asarray(cashflows, dtype=float)
    return float(np.sum(cf / (1.0 + rate) ** np.arange(len(cf))))


def scale_saving_rate(n, assumptions: SavingsAssumptions | None = None) -> np.ndarray:
    """Steady-state saving share ``r(n)`` for groups of ``n`` councils (vectorised).

    Parameters
    ----------
    n : int or array_like of int
        Group sizes (>= 1).
    assumptions : SavingsAssumptions, optional

    Returns
    -------
    numpy.ndarray
    """
    a = assumptions or SavingsAssumptions()
    n = np.asarray(n, dtype=float)
    return np.minimum(a.max_saving_rate, a.saving_rate_per_doubling * np.log2(np.maximum(n, 1)))


def _group_parts(members: np.ndarray, costs: np.ndarray, a: SavingsAssumptions):
    mask = members >= 0
    c = np.where(mask, costs[np.maximum(members, 0)], 0.0)
    unknown = np.any(mask & ~np.isfinite(c), axis=1)
    c = np.where(np.isfinite(c), c, 0.0)
    total = c.sum(axis=1)
    size = mask.sum(axis=1)
    annual = total * scale_saving_rate(size, a)
    migrating = total - c.max(axis=1)
    one_off = np.where(size >= 2, a.transition_rate * total + a.it_migration_rate * migrating,
                       0.0)
    value = -one_off + annual * _annuity_factor(a)
    for arr in (annual, one_off, value):
        arr[unknown] = np.nan
    return annual, one_off, value


def group_npv(members, costs, assumptions: SavingsAssumptions | None = None) -> np.ndarray:
    """NPV of sharing for many groups at once (NaN where a member's cost is unknown).

    Parameters
    ----------
    members : array_like of shape (m, width)
        Member node indices, padded with ``-1``.
    costs : array_like of shape (n,)
        Annual cost base of the service per node (NaN = unknown).
    assumptions : SavingsAssumptions, optional

    Returns
    -------
    numpy.ndarray
        ``(m,)`` NPV in the units of ``costs``; 0 for singletons.
    """
    a = assumptions or SavingsAssumptions()
    a.validate()
    return _group_parts(np.asarray(members), np.asarray(costs, dtype=float), a)[2]


@dataclass(frozen=True)
class SavingsEstimate:
    """Business case of one group.

    Attributes
    ----------
    members : tuple of str
    cost_base : float
        Combined annual cost base (NaN if any member's is unknown).
    annual_saving : float
        Steady-state annual saving.
    one_off_cost : float
    npv : float
        Net present value over ``assumptions.years``.
    payback_year : int or None
        First year in which cumulative undiscounted savings cover the one-off cost.
    known : bool
        False when a member's cost base is unknown (numbers are NaN).
    notes : tuple of str
        Plain-English notes (unknown costs, the assumptions used).
    assumptions : SavingsAssumptions
    """

    members: tuple
    cost_base: float
    annual_saving: float
    one_off_cost: float
    npv: float
    payback_year: int | None
    known: bool
    notes: tuple
    assumptions: SavingsAssumptions


def estimate_group(costs: Mapping[str, float], assumptions: SavingsAssumptions | None = None,
                   **overrides) -> SavingsEstimate:
    """Estimate the business case of one group of councils.

    Parameters
    ----------
    costs : mapping of str to float
        Council (code or name) -> annual cost base of the service; ``None``/NaN = unknown.
    assumptions : SavingsAssumptions, optional
        Model parameters; keyword ``overrides`` change individual ones
        (e.g. ``years=5``, ``discount_rate=0.035``).

    Returns
    -------
    SavingsEstimate
    """
    a = (assumptions or SavingsAssumptions()).with_(**overrides) if overrides else (
        assumptions or SavingsAssumptions())
    a.validate()
    names = tuple(costs)
    if not names:
        raise DataValidationError("estimate_group", ["no councils given"])
    vals = np.array([np.nan if costs[k] is None else float(costs[k]) for k in names])
    neg = [k for k, v in zip(names, vals) if np.isfinite(v) and v < 0]
    if neg:
        raise DataValidationError("estimate_group", [f"cost base of {k} is negative"
                                                     for k in neg])
    members = np.arange(len(names))[None, :]
    annual, one_off, value = (float(x[0]) for x in _group_parts(members, vals, a))
    unknown = [k for k, v in zip(names, vals) if not np.isfinite(v)]
    notes = []
    if unknown:
        notes.append("cost base unknown for " + ", ".join(unknown) +
                     "; no estimate made (partnerfit does not invent costs)")
    notes.append(f"steady-state saving {scale_saving_rate(len(names), a):.1%} of the combined "
                 f"cost base; NPV over {a.years} years at {a.discount_rate:.1%}")
    payback = None
    if not unknown and annual > 0:
        cum = 0.0
        for t in range(1, int(a.years) + 1):
            cum += annual * a.ramp_up[min(t - 1, len(a.ramp_up) - 1)]
            if cum >= one_off:
                payback = t
                break
    total = float(np.nansum(vals)) if not unknown else float("nan")
    return SavingsEstimate(names, total, annual, one_off, value, payback, not unknown,
                           tuple(notes), a)
