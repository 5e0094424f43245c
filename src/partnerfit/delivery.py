"""Delivery model and lead council of a group, with plain-English reasons.

Rule (thresholds are parameters of :func:`choose_delivery_model`), applied in order:

1. **Alone** -- a group of one council: it keeps delivering the service itself.
2. **Existing host** -- exactly one member already leads/hosts more shared arrangements for
   the service than any other (``lead_roles``; ``hosted`` may name them for the reason):
   *sovereign*, that member leads.
3. **Scale** -- the largest member's population is at least ``scale_ratio`` (default 1.5)
   times the next largest: *sovereign*, the largest leads.
4. **Record / capacity** -- the best ``score`` (0-100, e.g. a capacity or performance
   score) is at least ``score_margin`` (default 10) points above the next: *sovereign*.
5. **Shared system** -- a strict majority of *all* members already run the same IT system
   for the service (``system``) and at least one does not: *sovereign*, the largest member
   running it leads and the others would adopt it. A member whose system is unknown (missing
   value) is never counted as running it or as running another one: it counts in the group
   size (so unknowns cannot make a majority) and the reason says its system is not known.
6. Otherwise **federal** (a joint team, no single lead) -- or, when ``allow_arms_length``
   and the group has at least ``arms_length_min_size`` members, an arm's-length
   **joint_committee** (or ``arms_length_model``).

Ties are broken by GSS code (string order), so the result is deterministic. Every choice
carries its reasons in plain English, naming the council and the figures the rule used; a
federal choice says why no rule picked a lead.
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


def _service_words(service: str) -> str:
    """The service's catalogue name as it reads mid-sentence ("revenues & benefits", "ICT")."""
    from .services import name_in_sentence, services

    cat = services()
    return (name_in_sentence(str(cat.at[service, "name"])) if service in cat.index
            else service.replace("_", " "))


def _names(m: pd.DataFrame, codes) -> str:
    """Council names as a list in English: "A", "A and B", "A, B and C"."""
    words = [_name(m, c) for c in codes]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


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
        service that the council leads or hosts), ``hosted`` (text naming those
        arrangements, quoted in the reason), ``shares`` (names of the running arrangements
        for the service the council is in, whatever its role, ``"; "``-separated: quoted
        when no member leads one), ``score`` (0-100 capacity/record score),
        ``system`` (the IT system it runs for the service, as text compared exactly). Missing
        values are skipped by the rule that needs them (never treated as zero, nor as a
        system shared or not shared).
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
    _check_members(members, scale_ratio, arms_length_model)
    m = members.copy()
    m.index = m.index.map(str)
    codes = sorted(m.index)
    svc = _service_words(service)
    if len(codes) == 1:
        return DeliveryChoice("alone", codes[0], ((f"{_name(m, codes[0])} keeps delivering "
                                                  f"{svc} itself (no partner chosen)"),))
    why_not: list[str] = []  # what each rule found, for a federal choice
    choice = (_existing_host(m, svc, why_not) or _scale(m, svc, scale_ratio, why_not)
              or _record(m, svc, score_margin, why_not) or _shared_system(m, codes, svc, why_not))
    if choice is not None:
        return choice
    if not why_not:
        why_not.append("no population, hosting, record or system data was given")
    reasons = ["no rule picks a single lead: " + "; ".join(why_not)]
    if allow_arms_length and len(codes) >= arms_length_min_size:
        reasons.append(f"a group of {len(codes)} (at least {arms_length_min_size}) is run at "
                       f"arm's length as a {arms_length_model.replace('_', ' ')}")
        return DeliveryChoice(arms_length_model, None, tuple(reasons))
    reasons.append(f"the members deliver {svc} jointly through one shared team (federal)")
    return DeliveryChoice("federal", None, tuple(reasons))


def _check_members(members: pd.DataFrame, scale_ratio: float, arms_length_model: str) -> None:
    """Raise listing every problem with the members table and the thresholds."""
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


def _existing_host(m: pd.DataFrame, svc: str, why_not: list[str]) -> DeliveryChoice | None:
    """Rule 2: the one member that already hosts most arrangements for the service leads."""
    if "lead_roles" not in m.columns:
        return None
    best, v1, v2 = _top_two(pd.to_numeric(m["lead_roles"]))
    if best is not None and v1 > 0 and not (v1 <= v2):
        hosted = ""
        if "hosted" in m.columns and pd.notna(m.at[best, "hosted"]) and \
                str(m.at[best, "hosted"]).strip():
            hosted = f" ({str(m.at[best, 'hosted']).strip()})"
        return DeliveryChoice("sovereign", best, (
            (f"{_name(m, best)} already leads or hosts {int(v1)} shared {svc} "
             f"arrangement{'s' if v1 != 1 else ''}{hosted}, more than any other member, "
             f"so it leads and delivers {svc} for the others"),))
    if best is None or v1 <= 0:
        why_not.append(f"no member already leads or hosts a shared {svc} arrangement"
                       + _already_shared(m, svc))
    else:
        tied = sorted(c for c in m.index if pd.to_numeric(m.at[c, "lead_roles"]) == v1)
        why_not.append(f"{_names(m, tied)} each already lead or host {int(v1)} shared "
                       f"{svc} arrangement{'s' if v1 != 1 else ''}, so none stands out")
    return None


def _already_shared(m: pd.DataFrame, svc: str) -> str:
    """", though A, B and C already share it in X (none recorded as its lead)" for each
    running arrangement two or more members are in ("" when none)."""
    if "shares" not in m.columns:
        return ""
    within: dict[str, list[str]] = {}
    for code in sorted(m.index):
        text = m.at[code, "shares"]
        if pd.isna(text) or not str(text).strip():
            continue
        for name in str(text).split("; "):
            within.setdefault(name.strip(), []).append(code)
    found = [(name, codes) for name, codes in sorted(within.items()) if len(codes) > 1]
    if not found:
        return ""
    parts = [f"{_names(m, codes)} already share {svc} in {name}" for name, codes in found]
    return (", though " + "; ".join(parts)
            + " (no member recorded as its lead or host in the register)")


def _scale(m: pd.DataFrame, svc: str, scale_ratio: float,
           why_not: list[str]) -> DeliveryChoice | None:
    """Rule 3: a member ``scale_ratio`` times the next largest by population leads."""
    if "population" not in m.columns:
        return None
    pop = pd.to_numeric(m["population"])
    best, v1, v2 = _top_two(pop)
    if best is not None and pop.notna().all() and v2 > 0 and v1 / v2 >= scale_ratio:
        return DeliveryChoice("sovereign", best, (
            (f"{_name(m, best)} is the largest member by population ({v1:,.0f}, "
            f"{v1 / v2:.2f} times the next largest, threshold {scale_ratio:g}), so it has "
            f"the scale to deliver {svc} for the others"),))
    if pop.notna().all() and v2 > 0:
        assert best is not None
        why_not.append(f"the largest member, {_name(m, best)}, is only {v1 / v2:.2f} "
                       f"times the next largest by population (threshold {scale_ratio:g})")
    else:
        why_not.append("the population of " + _names(m, m.index[pop.isna()]) +
                       " is not known, so no member is shown to be largest"
                       if pop.isna().any() else "no member is clearly largest")
    return None


def _record(m: pd.DataFrame, svc: str, score_margin: float,
            why_not: list[str]) -> DeliveryChoice | None:
    """Rule 4: a member ``score_margin`` points above the next on ``score`` leads."""
    if "score" not in m.columns:
        return None
    sc = pd.to_numeric(m["score"])
    best, v1, v2 = _top_two(sc)
    if best is not None and sc.notna().all() and v1 - v2 >= score_margin:
        return DeliveryChoice("sovereign", best, (
            (f"{_name(m, best)} has the strongest record for {svc} (score {v1:.0f}, "
            f"{v1 - v2:.0f} points above the next, threshold {score_margin:g})"),))
    why_not.append(f"no member's record score leads the next by {score_margin:g} points"
                   + ("" if sc.notna().all() else
                      " (" + _names(m, m.index[sc.isna()]) + " not scored)"))
    return None


def _shared_system(m: pd.DataFrame, codes: list[str], svc: str,
                   why_not: list[str]) -> DeliveryChoice | None:
    """Rule 5: a strict majority on one IT system (not all): its largest user leads."""
    if "system" not in m.columns:
        return None
    known = m["system"].notna() & (m["system"].astype(str).str.strip() != "")
    sysv = m.loc[known, "system"].astype(str).str.strip()
    unknown = [c for c in codes if not known[c]]
    counts = sysv.value_counts()
    top = min(counts.index, key=lambda s: (-counts[s], s)) if len(counts) else None
    if top is not None and counts[top] * 2 > len(codes) and counts[top] < len(codes):
        return _system_lead(m, codes, svc, top, int(counts[top]), sysv, known, unknown)
    if top is not None and counts[top] == len(codes):
        why_not.append(f"every member already runs {top}, so no member's system gives "
                       "it the lead")
    elif top is not None:
        why_not.append(f"no strict majority runs the same {svc} system (at most "
                       f"{counts[top]} of {len(codes)} members on one"
                       + (f"; not known for {_names(m, unknown)}" if unknown else "")
                       + ")")
    else:
        why_not.append(f"no member's {svc} system is known")
    return None


def _system_lead(m: pd.DataFrame, codes: list[str], svc: str, top: str, count: int,
                 sysv: pd.Series, known: pd.Series, unknown: list[str]) -> DeliveryChoice:
    """The largest member running ``top`` leads; the others would adopt it."""
    users = [c for c in codes if known[c] and sysv[c] == top]
    if "population" in m.columns:
        pop = pd.to_numeric(m.loc[users, "population"])
        users = sorted(users, key=lambda c: (-(pop[c] if pd.notna(pop[c]) else -1), c))
    lead = users[0]
    adopt = [c for c in codes if known[c] and sysv[c] != top]
    text = (f"{count} of {len(codes)} members already run {top} for {svc}; "
            f"{_name(m, lead)}, the largest of them, leads on it")
    if adopt:
        text += f" and {_names(m, adopt)} would adopt it"
    if unknown:
        one = len(unknown) == 1
        text += (f"; the {svc} system of {_names(m, unknown)} is not known "
                 f"({'it' if one else 'they'} would adopt it unless "
                 f"{'it already runs' if one else 'they already run'} it)")
    return DeliveryChoice("sovereign", lead, (text,))
