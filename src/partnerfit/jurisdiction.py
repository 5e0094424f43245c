"""Jurisdiction: where the law behind a service differs between England, Wales and Scotland.

The service catalogue (``criteria/services.yaml``, ``jurisdiction:``) records, with sources,
each pair of nations whose law differs for a service: ``separate`` (a council under one regime
cannot lawfully deliver the service for a council under the other, e.g. Scotland's building
standards against building control in England) or ``details`` (the same framework differing
in detail, e.g. planning in England and Wales). The shortlist screens candidates across a
``separate`` line, with the reason in plain English, unless the user asks for cross-regime
candidates; candidates across a ``details`` line stay and are marked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._dates import DateLike, to_date
from .formatting import name_in_sentence
from .services import RegimeRule, services

__all__ = ["RegimeCheck", "check_regimes", "regime_rule", "separate_pairs"]


def regime_rule(service: str, nation_a: str, nation_b: str, as_of: DateLike = None,
                catalogue: pd.DataFrame | None = None) -> RegimeRule | None:
    """The catalogue's rule for ``service`` between two nations on a date (None where none is
    recorded or in force on ``as_of``, or where the nations are the same or unknown).

    Examples
    --------
    >>> regime_rule("building_control", "England", "Scotland").differs
    'separate'
    >>> regime_rule("planning", "wales", "england").differs
    'details'
    >>> regime_rule("finance", "england", "scotland") is None
    True
    """
    a, b = str(nation_a or "").strip().lower(), str(nation_b or "").strip().lower()
    if not a or not b or a == b:
        return None
    cat = services() if catalogue is None else catalogue
    date = to_date(as_of)
    for rule in cat.at[service, "jurisdiction"]:
        if rule.nations == frozenset((a, b)) and rule.applies(date):
            return rule
    return None


@dataclass
class RegimeCheck:
    """What the jurisdiction check did to one shortlist's candidates.

    Attributes
    ----------
    kept : list of str
        Candidates still in (GSS codes, in the order given).
    screened : dict
        Code -> reason, for candidates screened out across a ``separate`` line.
    marks : dict
        Code -> sentence, for candidates kept across a line (``details``, or ``separate``
        when cross-regime candidates were asked for).
    notes : list of str
        Sentences for the shortlist's notes (what was screened or marked, and how many).
    """

    kept: list[str]
    screened: dict[str, str] = field(default_factory=dict)
    marks: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def check_regimes(councils: pd.DataFrame, focal: str, candidates: list[str], service: str,
                  *, as_of: DateLike = None, cross_regime: bool = False) -> RegimeCheck:
    """Screen or mark the candidates whose law differs from the focal council's for a service.

    Parameters
    ----------
    councils : DataFrame
        The council register in force (indexed by GSS code, with a ``nation`` column).
    focal : str
        GSS code of the focal council.
    candidates : list of str
        GSS codes of the candidates left after the other screens.
    service : str
        Service id from the catalogue.
    as_of : date-like, optional
        The date of the shortlist (a rule with a ``from:`` date holds from that day).
    cross_regime : bool
        Keep candidates across a ``separate`` line (marked, not screened).

    Returns
    -------
    RegimeCheck
    """
    out = RegimeCheck(kept=[])
    if not len(services().at[service, "jurisdiction"]):
        out.kept = list(candidates)
        return out
    nation = councils["nation"].astype(str).str.strip().str.lower() \
        if "nation" in councils.columns else pd.Series("", index=councils.index)
    mine = nation.get(focal, "")
    unknown = [c for c in candidates if not nation.get(c, "")]
    groups: dict[tuple[str, str], list[str]] = {}
    for code in candidates:
        rule = regime_rule(service, mine, nation.get(code, ""), as_of)
        if rule is None:
            out.kept.append(code)
            continue
        text = rule.says[nation[code]]
        if rule.differs == "separate" and not cross_regime:
            out.screened[code] = text
        else:
            out.kept.append(code)
            out.marks[code] = text
        groups.setdefault((rule.differs, text), []).append(code)
    label = name_in_sentence(str(services().at[service, "name"]))
    for (differs, text), codes in sorted(groups.items()):
        where = nation[codes[0]].title()
        n = f"{len(codes)} council{'s' if len(codes) != 1 else ''} in {where}"
        if differs == "separate" and not cross_regime:
            out.notes.append(f"{n} screened out for {label}: {text}. Ask for cross-regime "
                             "candidates (cross_regime=True, or --cross-regime) to include "
                             "them.")
        elif differs == "separate":
            out.notes.append(f"{n} kept for {label} because cross-regime candidates were "
                             f"asked for, though {_lower_first(text)}; marked in the table.")
        else:
            out.notes.append(f"{n} kept for {label} and marked in the table: {text}.")
    if not mine and len(candidates):
        out.notes.append(f"The nation of {focal} is not given, so differences in the law of "
                         f"{label} between England, Wales and Scotland were not checked.")
    elif unknown:
        out.notes.append(f"The nation of {len(unknown)} candidate(s) is not given, so "
                         f"differences in the law of {label} were not checked for them.")
    return out


def _lower_first(text: str) -> str:
    """``"Scotland runs"`` stays; ``"The Act"`` becomes ``"the Act"`` (names keep capitals)."""
    return text[:1].lower() + text[1:] if text.startswith(("The ", "A ")) else text


def separate_pairs(nations: Iterable[str], service: str, as_of: DateLike = None) -> np.ndarray:
    """Which pairs of councils cannot share ``service`` because its law is separate.

    Parameters
    ----------
    nations : iterable of str
        Each council's nation (England, Wales, Scotland; "" unknown).
    service : str
        Service id from the catalogue.
    as_of : date-like, optional
        The date (a rule with a ``from:`` date holds from that day).

    Returns
    -------
    numpy.ndarray of bool, shape (n, n)
        True where the catalogue records a ``separate`` regime between the two nations.

    Examples
    --------
    >>> separate_pairs(["England", "Scotland", "england"], "building_control").astype(int)
    array([[0, 1, 0],
           [1, 0, 1],
           [0, 1, 0]])
    """
    nation = np.array([str(x or "").strip().lower() for x in nations], dtype=object)
    out = np.zeros((len(nation), len(nation)), dtype=bool)
    for a in sorted(set(nation)):
        for b in sorted(set(nation)):
            rule = regime_rule(service, a, b, as_of)
            if rule is not None and rule.differs == "separate":
                out |= (nation == a)[:, None] & (nation == b)[None, :]
    return out

