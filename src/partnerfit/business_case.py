"""Business case of one delivery option, after HM Treasury Green Book practice.

An *option* is a group of councils delivering one service under one delivery model
(``sovereign``: a lead council delivers for the others; ``federal``: a shared team;
``joint_committee``; ``company``: council-owned, Teckal; ``private_partner``: outsourcing),
with a lead where the model has one (sovereign), and a status: ``new``, ``extending`` a running
arrangement (new members join it) or ``keeping`` one as it runs.

Cash flows (years 0 .. ``years``, real prices, in the units of the cost bases)
-------------------------------------------------------------------------------
* **Savings** from year 1: the economies-of-scale saving of
  :mod:`partnerfit.savings` (``C * r(n)`` on the combined cost base ``C``, ramped up), or,
  for ``private_partner``, ``private_saving_rate * C`` (the contract's saving, which the user
  must state: there is no cited default, so without it outsourcing is not valued). A kept
  arrangement already runs at full scale: no ramp-up. Savings are split by source
  (management, staff, systems, accommodation, procurement) by ``source_shares`` when the user
  gives them; no cited split exists, so by default they are reported as not split.
* **One-off costs** in year 0: set-up and redundancy (``transition_rate`` of the cost base of
  the councils whose service changes), IT convergence (``it_migration_rate`` of the cost base
  of each member that must move system: a member already on the target system moves at no
  cost -- the lead's system for a sovereign option, the arrangement's for an extension,
  otherwise the system most members already run; a member whose system is unknown is assumed
  to move, as stated in every case), the model's own set-up cost (``setup_cost``), and for
  ``company``/``private_partner`` pension strain and TUPE transfer costs
  (``pension_strain_rate``, ``tupe_rate``). A kept arrangement has none (they are sunk).
* **Annual costs** from year 1: the model's governance cost (``governance_cost``) and, for
  ``company``/``private_partner``, irrecoverable VAT (``irrecoverable_vat_share`` x
  ``vat_rate`` x the cost of the service bought in).
* **Optimism bias** (Green Book supplementary guidance): one-off costs are raised by the
  guidance's factor for equipment/development projects and, for outsourcing, the contract's
  operating cost by the outsourcing factor. The *central* case applies the guidance's lower
  bound (risks managed), the *low* case its upper bound (the starting point at an early
  stage), the *high* case none. Savings carry no cited range: low, central and high savings
  are equal, and the notes say so.
* **NPV** at the Green Book discount rate (3.5% real) and the **payback year** (first year
  whose cumulative undiscounted net flow is non-negative).

Every default is cited in :data:`SOURCES` (title, publisher, date, URL) or is zero with the
reason stated; :class:`CaseAssumptions` overrides any of them. The partners' shares of the
flows follow a rule the user picks (:func:`split_shares`), so each council's NPV adds up to
the group's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .errors import DataValidationError
from .savings import SavingsAssumptions, scale_saving_rate

__all__ = ["CASES", "LEAD_MODELS", "MODELS", "SAVING_SOURCES", "SOURCES", "SPLIT_RULES",
           "CaseAssumptions", "OptionCase", "estimated_cost_bases", "option_case",
           "split_shares"]

MODELS = ("sovereign", "federal", "joint_committee", "company", "private_partner")
LEAD_MODELS = ("sovereign",)
ARM_LENGTH = ("company", "private_partner")
SAVING_SOURCES = ("management", "staff", "systems", "accommodation", "procurement")
CASES = ("low", "central", "high")
SPLIT_RULES = ("population", "cost_base", "equal", "custom")

#: Where each default comes from: (title, publisher, date, URL) or the reason it is zero.
SOURCES: dict[str, str] = {
    "discount_rate": ("Review of discounting in the Green Book: Terms of Reference (the Social "
                      "Time Preference Rate is 3.5% real for the first 30 years), HM Treasury, "
                      "16 December 2025, https://www.gov.uk/government/publications/green-book-"
                      "discount-rate-review-2026/review-of-discounting-in-the-green-book-terms-"
                      "of-reference"),
    "optimism_bias": ("Green Book supplementary guidance: optimism bias, HM Treasury, "
                      "https://www.gov.uk/government/publications/green-book-supplementary-"
                      "guidance-optimism-bias; figures from Mott MacDonald, Review of Large "
                      "Public Procurement in the UK (2002), Table 2: equipment/development "
                      "capital expenditure upper bound 200%, lower bound 10%; outsourcing "
                      "operating expenditure upper 41%, lower 0%; as reproduced at "
                      "https://ppponline.affinitext.com/public/book?id=1343&toc_id=444193"),
    "vat_rate": "VAT rates (standard rate 20%), HM Revenue & Customs, GOV.UK, "
                "https://www.gov.uk/vat-rates",
    "revenues_benefits_cost": ("Council tax collection costs GBP 301.1m and council tax "
                               "benefit administration costs GBP 218.7m, England 2001-02 "
                               "(Revenue Summary Returns), House of Commons written answer, "
                               "Hansard HC Deb 17 November 2003 vol 413 cc531-2W, "
                               "https://api.parliament.uk/historic-hansard/written_answers/"
                               "2003/nov/17/council-tax-1; shared by population over the "
                               "English councils delivering the service in partnerfit's "
                               "register (mid-2020 population): an estimate in 2001-02 prices "
                               "that leaves out housing benefit administration and business "
                               "rates collection, so it understates the cost base"),
    "savings": "partnerfit.savings (economies of scale, ramp-up, set-up and IT migration "
               "rates; see SavingsAssumptions.sources -- partnerfit assumptions, not cited)",
    "source_shares": "no cited split of shared-service savings by source was found: savings "
                     "are reported as not split unless the user gives source_shares",
    "setup_cost": "no cited default per delivery model: zero unless the user gives it",
    "governance_cost": "no cited default per delivery model: zero unless the user gives it",
    "pension_strain_rate": "no cited default (strain costs are quoted by each pension fund "
                           "case by case): zero unless the user gives it",
    "tupe_rate": "no cited default: zero unless the user gives it",
    "irrecoverable_vat_share": "no cited default (depends on the VAT status of the body and "
                               "its supplies): zero unless the user gives it",
    "private_saving_rate": "no cited default: outsourcing is valued only when the user states "
                           "the contract's saving",
}

# England 2001-02, GBP m (SOURCES["revenues_benefits_cost"])
_NATIONAL_COST = {"revenues_benefits": 301.1 + 218.7}


@dataclass(frozen=True)
class CaseAssumptions:
    """Parameters of the business case (see the module docstring); every one adjustable.

    Attributes
    ----------
    savings : SavingsAssumptions
        Economies of scale, ramp-up, set-up (``transition_rate``), IT migration rate,
        discount rate and years.
    source_shares : mapping of str to float, optional
        Share of the saving from each of :data:`SAVING_SOURCES` (summing to 1).
    setup_cost, governance_cost : mapping of str to float
        Per model: one-off set-up cost and yearly governance cost, as shares of the combined
        cost base (default 0 for every model: no cited default).
    pension_strain_rate, tupe_rate : float
        One-off, as shares of the cost base moving to a company or private partner
        (default 0: no cited default).
    vat_rate : float, default 0.20
        Standard VAT rate (cited).
    irrecoverable_vat_share : float, default 0.0
        Share of the VAT on a company's or partner's charges that the councils cannot recover.
    private_saving_rate : float, optional
        Yearly saving of outsourcing as a share of the combined cost base; None (default):
        outsourcing is not valued.
    one_off_bias, private_opex_bias : tuple of float
        Optimism-bias uplifts (low, central, high cases) on one-off costs and on an
        outsourcing contract's operating cost.
    """

    savings: SavingsAssumptions = field(default_factory=SavingsAssumptions)
    source_shares: Mapping[str, float] | None = None
    setup_cost: Mapping[str, float] = field(default_factory=dict)
    governance_cost: Mapping[str, float] = field(default_factory=dict)
    pension_strain_rate: float = 0.0
    tupe_rate: float = 0.0
    vat_rate: float = 0.20
    irrecoverable_vat_share: float = 0.0
    private_saving_rate: float | None = None
    one_off_bias: tuple[float, float, float] = (2.00, 0.10, 0.0)
    private_opex_bias: tuple[float, float, float] = (0.41, 0.0, 0.0)

    def with_(self, **changes) -> CaseAssumptions:
        """Copy with some parameters changed."""
        return replace(self, **changes)

    def validate(self) -> None:
        """Raise :class:`DataValidationError` listing every out-of-range parameter."""
        self.savings.validate()
        p = []
        if self.source_shares is not None:
            bad = sorted(set(self.source_shares) - set(SAVING_SOURCES))
            if bad:
                p.append(f"source_shares: unknown sources {bad}; use {list(SAVING_SOURCES)}")
            total = sum(float(v) for v in self.source_shares.values())
            if any(float(v) < 0 for v in self.source_shares.values()) or abs(total - 1) > 1e-6:
                p.append(f"source_shares must be non-negative and sum to 1 (they sum to {total:g})")
        for name in ("setup_cost", "governance_cost"):
            table = getattr(self, name)
            bad = sorted(set(table) - set(MODELS))
            if bad:
                p.append(f"{name}: unknown models {bad}; use {list(MODELS)}")
            if any(not np.isfinite(float(v)) or float(v) < 0 for v in table.values()):
                p.append(f"{name}: shares must be non-negative numbers")
        for name in ("pension_strain_rate", "tupe_rate", "irrecoverable_vat_share", "vat_rate"):
            v = float(getattr(self, name))
            if not 0 <= v <= 1:
                p.append(f"{name}={v!r} must be between 0 and 1")
        if self.private_saving_rate is not None and not 0 <= self.private_saving_rate <= 1:
            p.append("private_saving_rate must be between 0 and 1")
        for name in ("one_off_bias", "private_opex_bias"):
            bias = tuple(getattr(self, name))
            if len(bias) != 3 or any(not np.isfinite(x) or x < 0 for x in bias):
                p.append(f"{name} must be three non-negative uplifts (low, central, high)")
        if p:
            raise DataValidationError("business case assumptions", p)


@dataclass(frozen=True)
class OptionCase:
    """The business case of one option.

    Attributes
    ----------
    flows : pandas.DataFrame
        One row per (case, year): ``case`` (low / central / high), ``year`` (0 ..),
        ``savings``, ``costs``, ``net``, ``discounted``.
    one_off : dict
        Central one-off costs by kind (``set-up and redundancy``, ``IT convergence``,
        ``model set-up``, ``pension strain and TUPE``, ``optimism bias``).
    annual_saving : float
        Steady-state yearly saving (central).
    by_source : dict
        Steady-state saving by source (``not split`` when no shares are given).
    npv : dict
        NPV per case.
    payback_year : int or None
        Central case: first year whose cumulative net flow is non-negative (None: never
        within the period).
    movers : tuple of str
        Members charged an IT move (on another or an unknown system).
    valued : bool
        False when the option cannot be valued (outsourcing without a stated saving); its
        flows are then zero and ``npv`` NaN.
    notes : tuple of str
    """

    flows: pd.DataFrame
    one_off: dict
    annual_saving: float
    by_source: dict
    npv: dict
    payback_year: int | None
    movers: tuple
    valued: bool
    notes: tuple


def _target_system(model: str, lead: str | None, members: Sequence[str], systems: Mapping,
                   cost: Mapping[str, float], anchor: str | None) -> str | None:
    """The system the group converges on: the lead's (sovereign), the arrangement's anchor
    member's (extension), else the one most members run (ties: larger cost base, then name)."""
    if model in LEAD_MODELS and lead is not None:
        return systems.get(lead)
    if anchor is not None:
        return systems.get(anchor)
    known = [systems[c] for c in members if systems.get(c)]
    if not known:
        return None
    count = {s: known.count(s) for s in set(known)}
    weight = {s: sum(cost[c] for c in members if systems.get(c) == s) for s in count}
    return min(count, key=lambda s: (-count[s], -weight[s], str(s)))


def _movers(model: str, lead: str | None, members: Sequence[str], changing: Sequence[str],
            systems: Mapping, cost: Mapping[str, float], anchor: str | None) -> list[str]:
    """Members whose service changes and who must move IT system."""
    target = _target_system(model, lead, members, systems, cost, anchor)
    if target is None:  # no known system: all but one member (the lead, or the largest) move
        keep = lead if (model in LEAD_MODELS and lead is not None) else (
            anchor if anchor is not None else min(members, key=lambda c: (-cost[c], c)))
        return [c for c in changing if c != keep]
    return [c for c in changing if systems.get(c) != target]


def option_case(members: Sequence[str], cost: Mapping[str, float], model: str,
                lead: str | None = None, *, status: str = "new",
                joiners: Sequence[str] = (), anchor: str | None = None,
                systems: Mapping[str, str | None] | None = None,
                assumptions: CaseAssumptions | None = None) -> OptionCase:
    """The business case of one option (see the module docstring).

    Parameters
    ----------
    members : sequence of str
        Member codes (two or more).
    cost : mapping of str to float
        Yearly cost base of the service per member (finite, non-negative).
    model : str
        One of :data:`MODELS`.
    lead : str, optional
        The lead (sovereign).
    status : {"new", "extending", "keeping"}
        A new arrangement, a running one joined by ``joiners``, or a running one kept.
    joiners : sequence of str
        Members joining (``extending``): only they bear set-up and IT costs.
    anchor : str, optional
        A member of the running arrangement whose system the joiners move to.
    systems : mapping of str to str or None, optional
        Each member's IT system for the service (None: unknown).
    assumptions : CaseAssumptions, optional

    Returns
    -------
    OptionCase

    Examples
    --------
    >>> case = option_case(["A", "B"], {"A": 2.0, "B": 2.0}, "federal",
    ...                    systems={"A": "X", "B": "X"})
    >>> case.movers
    ()
    """
    a = assumptions or CaseAssumptions()
    sa = a.savings
    systems = dict(systems or {})
    members = list(members)
    c_total = float(sum(cost[c] for c in members))
    changing = list(joiners) if status == "extending" else (members if status == "new" else [])
    c_change = float(sum(cost[c] for c in changing))
    notes: list[str] = []
    valued = True
    if model == "private_partner":
        if a.private_saving_rate is None:
            valued = False
            annual = 0.0
            notes.append("outsourcing is not valued: no cited saving exists; state the "
                         "contract's saving (private_saving_rate)")
        else:
            annual = a.private_saving_rate * c_total
    else:
        annual = c_total * float(scale_saving_rate(len(members), sa))
    movers = _movers(model, lead, members, changing, systems, cost, anchor) if changing else []
    unknown = [c for c in movers if not systems.get(c)]
    if unknown:
        notes.append("IT system not known for " + ", ".join(unknown) +
                     ": assumed to move system (charged the IT convergence cost)")
    arm = model in ARM_LENGTH
    one_off = {
        "set-up and redundancy": sa.transition_rate * c_change,
        "IT convergence": sa.it_migration_rate * float(sum(cost[c] for c in movers)),
        "model set-up": float(a.setup_cost.get(model, 0.0)) * c_change,
        "pension strain and TUPE": ((a.pension_strain_rate + a.tupe_rate) * c_change
                                    if arm else 0.0),
    }
    base_one_off = float(sum(one_off.values()))
    yearly_cost = float(a.governance_cost.get(model, 0.0)) * c_total
    bought_in = max(c_total - annual, 0.0)
    if arm:
        yearly_cost += a.irrecoverable_vat_share * a.vat_rate * bought_in
    years = int(sa.years)
    t = np.arange(years + 1)
    ramp = np.array([0.0] + [sa.ramp_up[min(i, len(sa.ramp_up) - 1)] for i in range(years)])
    if status == "keeping":
        ramp = np.where(t >= 1, 1.0, 0.0)
    disc = (1.0 + sa.discount_rate) ** t
    rows, npv = [], {}
    for k, case in enumerate(CASES):
        sav = annual * ramp if valued else np.zeros(years + 1)
        cost_t = np.where(t >= 1, yearly_cost, 0.0)
        if model == "private_partner" and valued:
            cost_t = cost_t + np.where(t >= 1, a.private_opex_bias[k] * bought_in, 0.0)
        cost_t[0] += base_one_off * (1.0 + a.one_off_bias[k])
        if not valued:
            cost_t = np.zeros(years + 1)
        net = sav - cost_t
        npv[case] = float(np.sum(net / disc)) if valued else float("nan")
        rows += [{"case": case, "year": int(y), "savings": float(s), "costs": float(c),
                  "net": float(n), "discounted": float(n / d)}
                 for y, s, c, n, d in zip(t, sav, cost_t, net, disc)]
    one_off["optimism bias"] = base_one_off * a.one_off_bias[1]
    flows = pd.DataFrame(rows)
    central = flows[flows["case"] == "central"]
    cum = np.cumsum(central["net"].to_numpy())
    payback = next((int(y) for y, v in zip(central["year"], cum) if v >= -1e-12), None) \
        if valued else None
    if a.source_shares is None:
        by_source = {"not split": annual}
    else:
        by_source = {s: annual * float(a.source_shares.get(s, 0.0)) for s in SAVING_SOURCES}
    return OptionCase(flows, one_off, annual, by_source, npv, payback, tuple(movers), valued,
                      tuple(notes))


def split_shares(members: Sequence[str], rule: str, *, population: Mapping[str, float],
                 cost: Mapping[str, float], custom: Mapping[str, float] | None = None
                 ) -> dict[str, float]:
    """Each member's share of a group's costs and savings (shares sum to 1).

    Parameters
    ----------
    members : sequence of str
    rule : {"population", "cost_base", "equal", "custom"}
        By population, by cost base, equally, or by the ``custom`` weights (normalised over
        the members).
    population, cost : mapping of str to float
    custom : mapping of str to float, optional
        Weights per council for ``rule="custom"``.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> split_shares(["A", "B"], "population", population={"A": 1, "B": 3}, cost={})
    {'A': 0.25, 'B': 0.75}
    """
    if rule not in SPLIT_RULES:
        raise DataValidationError("split", [f"split={rule!r}; use one of {list(SPLIT_RULES)}"])
    if rule == "equal":
        w = {c: 1.0 for c in members}
    elif rule == "custom":
        missing = [c for c in members if c not in (custom or {})]
        if missing:
            raise DataValidationError("split", [f"custom split has no weight for {c}"
                                                for c in missing])
        w = {c: float((custom or {})[c]) for c in members}
    else:
        table = population if rule == "population" else cost
        w = {c: float(table.get(c, np.nan)) for c in members}
    bad = [c for c, v in w.items() if not np.isfinite(v) or v < 0]
    if bad or sum(w.values()) <= 0:
        who = ", ".join(bad) or "any member"
        raise DataValidationError("split", [(f"split by {rule}: no usable non-negative weight "
                                             f"for {who}; pick another rule or give custom "
                                             "weights")])
    total = sum(w.values())
    return {c: w[c] / total for c in members}


def estimated_cost_bases(service: str, population: pd.Series,
                         national_population: float) -> tuple[pd.Series | None, str]:
    """Yearly cost base per council estimated from a cited national cost, by population.

    Parameters
    ----------
    service : str
    population : pandas.Series
        Population of the councils to estimate, indexed by code.
    national_population : float
        Population of every English council delivering the service (the denominator).

    Returns
    -------
    (pandas.Series or None, str)
        The estimates in GBP m (None when no cited national cost exists for the service),
        and a note saying what was done.
    """
    total = _NATIONAL_COST.get(service)
    if total is None:
        return None, (f"{service}: no cost base given and no cited national cost to estimate "
                      "one from; its business case is not estimated (zero)")
    est = population.astype(float) * (total / float(national_population))
    return est, (f"{service}: cost bases are ESTIMATES (GBP m a year): England's cited cost "
                 f"of GBP {total:,.1f}m shared by population; source: "
                 f"{SOURCES['revenues_benefits_cost']}")
