"""Delivery model and lead council of a group, with plain-English reasons.

Rule (thresholds are parameters of :func:`choose_delivery_model`), applied in order:

1. **Alone** -- a group of one council: it keeps delivering the service itself.
2. **Existing host** -- exactly one member already leads/hosts more shared arrangements for
   the service than any other (``lead_roles``): *sovereign*, that member leads.
3. **Scale** -- the largest member's population is at least ``scale_ratio`` (default 1.5)
   times the next largest: *sovereign*, the largest leads.
4. **Record / capacity** -- the best ``score`` (0-100, e.g. a capacity or performance
   score) is at least ``score_margin`` (default 10) points above the next: *sovereign*.
5. **Shared system** -- a strict majority of members already run the same IT system for
   the service (``system``) and the others would adopt it: *sovereign*, the largest member
   running it leads.
6. Otherwise **federal** (a joint team, no single lead) -- or, when ``allow_arms_length``
   and the group has at least ``arms_length_min_size`` members, an arm's-length
   **joint_committee** (or ``arms_length_model``).

Ties are broken by GSS code (string order), so the result is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataValidationError

__all__ = ["DeliveryChoice", "choose_delivery_model"]

MODELS = ("alone", "sovereign", "federal", "joint_committee", "company")


@dataclass(frozen=True)
class DeliveryChoice:
    """Delivery model of one group for one service.

    Attributes
    ----------
    model : str
        One of ``alone``, ``sovereign``, ``federal``, ``joint_committee``, ``company``.
    lead : str or None
        GSS code of the lead council (sovereign and alone), else None.
    reasons : tuple of str
        Why, in plain English.
    """

    model: str
    lead: str | None
    reasons: tuple[str, ...]

    def role(self, code: str) -> str:
        """Role of member ``code``: ``alone``, ``lead`` or ``partner``."""
        if self.model == "alone":
            return "alone"
        return "lead" if code == self.lead else "partner"


def _name(members: pd.DataFrame, code: str) -> str:
    if "name" in members.columns and pd.notna(members.at[code, "name"]):
        return str(members.at[code, "name"])
    return str(code)


def _top_two(series: pd.Series):
    """(best code, best value, second value) with ties broken by code."""
    s = series.dropna()
    if s.empty:
        return None, np.nan, np.nan
    order = sorted(s.index, key=lambda c: (-float(s[c]), str(c)))
    second = float(s[order[1]]) if len(order) > 1 else np.nan
    return order[0], float(s[order[0]]), second


def choose_delivery_model(
    members: pd.DataFrame,
    service: str,
    *,
    scale_ratio: float = 1.5,
    score_margin: float = 10.0,
    allow_arms_length: bool = False,
    arms_length_min_size: int = 5,
    arms_length_model: str = "joint_committee",
) -> DeliveryChoice:
    """Choose sovereign / federal / arm's-length delivery and the lead council.

    Parameters
    ----------
    members : pandas.DataFrame
        One row per member, indexed by GSS code. Optional columns: ``name``,
        ``population``, ``tier``, ``lead_roles`` (number of existing arrangements for this
        service that the council leads or hosts), ``score`` (0-100 capacity/record score),
        ``system`` (the IT system it runs for the service). Missing values are skipped by
        the rule that needs them (never treated as zero).
    service : str
        Service id, used in the reasons.
    scale_ratio : float, default 1.5
        Population ratio (largest / next) at which the largest member leads.
    score_margin : float, default 10.0
        Score lead (points) at which the best-scoring member leads.
    allow_arms_length : bool, default False
        Offer an arm's-length body instead of federal delivery for large groups.
    arms_length_min_size : int, default 5
        Smallest group offered an arm's-length body.
    arms_length_model : {"joint_committee", "company"}
        Which arm's-length body.

    Returns
    -------
    DeliveryChoice

    Raises
    ------
    DataValidationError
        If ``members`` is empty, has duplicate codes or invalid numbers.
    """
    problems = []
    if members is None or len(members) == 0:
        problems.append("no members given")
    elif members.index.has_duplicates:
        problems.append("duplicate council codes: " +
                        ", ".join(map(str, members.index[members.index.duplicated()])))
    if scale_ratio < 1:
        problems.append("scale_ratio must be at least 1")
    if arms_length_model not in ("joint_committee", "company"):
        problems.append("arms_length_model must be 'joint_committee' or 'company'")
    for col in ("population", "lead_roles", "score"):
        if members is not None and col in members.columns:
            bad = members.index[pd.to_numeric(members[col], errors="coerce").isna()
                                & members[col].notna()]
            problems += [f"row {c}: {col} is not a number" for c in bad]
    if problems:
        raise DataValidationError("choose_delivery_model members", problems)
    m = members.copy()
    m.index = m.index.map(str)
    codes = sorted(m.index)
    svc = service.replace("_", " ")
    if len(codes) == 1:
        return DeliveryChoice("alone", codes[0], ((f"{_name(m, codes[0])} keeps delivering "
                                                  f"{svc} itself (no partner chosen)"),))
    # 2. existing host
    if "lead_roles" in m.columns:
        best, v1, v2 = _top_two(pd.to_numeric(m["lead_roles"]))
        if best is not None and v1 > 0 and not (v1 <= v2):
            return DeliveryChoice("sovereign", best, (
                (f"{_name(m, best)} already leads or hosts {int(v1)} shared {svc} "
                f"arrangement{'s' if v1 != 1 else ''}, more than any other member"),))
    # 3. scale
    if "population" in m.columns:
        pop = pd.to_numeric(m["population"])
        best, v1, v2 = _top_two(pop)
        if best is not None and pop.notna().all() and v2 > 0 and v1 / v2 >= scale_ratio:
            return DeliveryChoice("sovereign", best, (
                (f"{_name(m, best)} is the largest member by population ({v1:,.0f}, "
                f"{v1 / v2:.2f} times the next largest, threshold {scale_ratio:g}), so it has "
                f"the scale to deliver {svc} for the others"),))
    # 4. record / capacity
    if "score" in m.columns:
        sc = pd.to_numeric(m["score"])
        best, v1, v2 = _top_two(sc)
        if best is not None and sc.notna().all() and v1 - v2 >= score_margin:
            return DeliveryChoice("sovereign", best, (
                (f"{_name(m, best)} has the strongest record for {svc} (score {v1:.0f}, "
                f"{v1 - v2:.0f} points above the next, threshold {score_margin:g})"),))
    # 5. shared system
    if "system" in m.columns:
        sysv = m["system"].dropna().astype(str)
        if len(sysv):
            counts = sysv.value_counts()
            top = min(counts.index, key=lambda s: (-counts[s], s))
            if counts[top] * 2 > len(codes) and counts[top] < len(codes):
                users = [c for c in codes if c in sysv.index and sysv[c] == top]
                if "population" in m.columns:
                    pop = pd.to_numeric(m.loc[users, "population"])
                    users = sorted(users, key=lambda c: (-(pop[c] if pd.notna(pop[c])
                                                           else -1), c))
                lead = users[0]
                others = [c for c in codes if c not in users]
                return DeliveryChoice("sovereign", lead, (
                    f"{counts[top]} of {len(codes)} members already run {top}; "
                    f"{_name(m, lead)} leads on it and "
                    + ", ".join(_name(m, c) for c in others) + " would adopt it",))
    reasons = [("no member is clearly largest, best-scoring or an existing host "
               f"(population ratio below {scale_ratio:g}, score lead below {score_margin:g})")]
    if allow_arms_length and len(codes) >= arms_length_min_size:
        reasons.append(f"a group of {len(codes)} (at least {arms_length_min_size}) is run at "
                       f"arm's length as a {arms_length_model.replace('_', ' ')}")
        return DeliveryChoice(arms_length_model, None, tuple(reasons))
    reasons.append(f"the members deliver {svc} jointly through one shared team (federal)")
    return DeliveryChoice("federal", None, tuple(reasons))
