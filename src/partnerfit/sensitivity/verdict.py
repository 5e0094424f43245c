"""A red / amber / green verdict on how robust a shortlist's first place is.

Two independent readings of the weights are combined:

- the **stability intervals** (:func:`~partnerfit.sensitivity.stability_intervals`): the
  smallest move of any one weight, in percentage points, that hands first place to another
  council (the *margin*);
- **SMAA** (:func:`~partnerfit.sensitivity.smaa`) over *plausible* weights: every weight
  drawn between half and one and a half times its current value (renormalised to sum to 1),
  the leader's chance of staying first and each candidate's chance of a top-3 place.

Thresholds (documented here and printed on every brief):

======  =========================================================================
green   leader first in at least 75% of the plausible weightings, and no single
        weight moving by less than 5 percentage points changes the leader
red     leader first in under 50% of the plausible weightings, or a move of under
        2 percentage points in one weight changes the leader
amber   anything else
======  =========================================================================

The verdict is always given in words too (``robust``, ``fairly robust``, ``fragile``), never
by colour alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .smaa import smaa
from .sweep import stability_intervals

__all__ = ["GREEN_FIRST", "GREEN_MARGIN", "PLAN_THRESHOLDS_TEXT", "RED_FIRST", "RED_MARGIN",
           "THRESHOLDS_TEXT", "Verdict", "chance_text", "plan_verdict", "robustness_verdict"]

#: Leader's SMAA chance of first place at or above which the verdict can be green.
GREEN_FIRST = 0.75
#: Smallest weight move (fraction, 0.05 = 5 points) that changes the leader, for green.
GREEN_MARGIN = 0.05
#: Leader's SMAA chance of first place below which the verdict is red.
RED_FIRST = 0.50
#: Weight move below which a change of leader makes the verdict red.
RED_MARGIN = 0.02
#: SMAA samples drawn for the verdict (seeded, so the verdict is reproducible).
SAMPLES = 4000

THRESHOLDS_TEXT = (
    "How the robustness verdict is set: green (robust) when the recommended council comes "
    f"first in at least {GREEN_FIRST:.0%} of 4,000 plausible weightings (each weight drawn "
    "between half and one and a half times its value) and no single weight has to move by "
    f"less than {GREEN_MARGIN * 100:.0f} percentage points to change it; red (fragile) when it "
    f"comes first in under {RED_FIRST:.0%} of them or a move of under "
    f"{RED_MARGIN * 100:.0f} points changes it; amber (fairly robust) otherwise."
)

_WORDS = {"green": "robust", "amber": "fairly robust", "red": "fragile"}


@dataclass(frozen=True)
class Verdict:
    """The robustness verdict of a shortlist.

    Attributes
    ----------
    colour : {"green", "amber", "red"}
    word : str
        The verdict in words: ``robust``, ``fairly robust`` or ``fragile``.
    sentence : str
        Why, in plain English, with the figures behind it.
    first : float
        The leader's chance of first place over the plausible weightings (0-1).
    margin : float
        Smallest move of one weight (fraction) that changes the leader; ``inf`` when no
        single weight can.
    margin_label : str
        The criterion whose weight gives that margin ("" when none can).
    top3 : pandas.Series
        Chance of a top-3 place over the plausible weightings, by candidate code, ordered by
        expected rank; only candidates with a chance of at least 1%.
    smaa : SMAAResult or None
        The SMAA run behind ``first`` and ``top3`` (for its chart).
    """

    colour: str
    word: str
    sentence: str
    first: float
    margin: float
    margin_label: str
    top3: pd.Series
    smaa: object = None


def chance_text(x: float) -> str:
    """A chance as officers read it: whole percentages, ``under 1%`` and ``over 99%`` for
    what would otherwise round to 0% or 100% without being certain.

    Examples
    --------
    >>> chance_text(0.998), chance_text(1.0), chance_text(0.0004), chance_text(0.5)
    ('over 99%', '100%', 'under 1%', '50%')
    """
    if 0 < x < 0.005:
        return "under 1%"
    if 0.995 <= x < 1:
        return "over 99%"
    return f"{round(x * 100):.0f}%"


def _margin(table: pd.DataFrame) -> tuple[float, str, str | None]:
    """Smallest move of one weight that changes first place, its criterion label and the
    council that then comes first."""
    best, label, by = math.inf, "", None
    for row in table.itertuples(index=False):
        ends = []
        if row.top1_low > 0 or not row.top1_low_closed:
            ends.append((row.weight - row.top1_low, row.top1_low_by))
        if row.top1_high < 1 or not row.top1_high_closed:
            ends.append((row.top1_high - row.weight, row.top1_high_by))
        for move, who in ends:
            if move < best:
                best, label, by = float(move), str(row.label), who
    return best, label, by


def _colour(first: float, margin: float) -> str:
    if first < RED_FIRST or margin < RED_MARGIN:
        return "red"
    if first >= GREEN_FIRST and margin >= GREEN_MARGIN:
        return "green"
    return "amber"


def robustness_verdict(shortlist: object, *, samples: int = SAMPLES, seed: int = 0) -> Verdict:
    """Judge how robust the shortlist's first place is (see the module for the thresholds).

    Parameters
    ----------
    shortlist : Shortlist
        An additive shortlist with at least two candidates and two weighted criteria.
    samples : int, default 4000
        SMAA weight samples.
    seed : int, default 0
        SMAA seed (same seed, same verdict).

    Returns
    -------
    Verdict
    """
    weights = shortlist.weights  # type: ignore[attr-defined]  # duck-typed shortlist
    names = shortlist.names  # type: ignore[attr-defined]  # duck-typed shortlist
    table = stability_intervals(shortlist)
    ranges = {c: (float(w) * 0.5, min(1.0, float(w) * 1.5)) for c, w in weights.items() if w > 0}
    result = smaa(shortlist, samples=samples, seed=seed, ranges=ranges)
    leader = table.attrs["leader"]
    first = float(result.acceptability.loc[leader, 1])
    margin, label, by = _margin(table)
    colour = _colour(first, margin)
    top3 = result.top_k(3)
    top3 = top3[top3.round(2) >= 0.01]
    order = result.expected_rank.reindex(top3.index)
    top3 = top3.loc[sorted(top3.index, key=lambda c: (round(float(order[c]), 9), c))]
    leader_name = table.attrs["leader_name"]
    chance = chance_text(first)
    if math.isinf(margin):
        move = "no change to a single weight, however large, makes another council first"
    else:
        other = names.get(by, by) if by is not None else "another council"
        points = round(margin * 100)
        move = (f"a change of {points:.0f} percentage point{'' if points == 1 else 's'} in the "
                f"weight on '{label}' would make {other} first")
        if points == 0:
            move = (f"a change of under 1 percentage point in the weight on '{label}' "
                    f"would make {other} first")
    sentence = (f"The recommendation is {_WORDS[colour]}: {leader_name} comes first in "
                f"{chance} of plausible weightings, and {move}.")
    return Verdict(colour, _WORDS[colour], sentence, first, margin, label, top3, result)


#: How the verdict of a plan is set (printed on every plan brief).
PLAN_THRESHOLDS_TEXT = (
    "How the robustness verdict of a plan is set: the plan is re-made many times with every "
    "pair score moved at random by a few points; green (robust) when every proposed group "
    f"comes back exactly in at least {GREEN_FIRST:.0%} of the re-made plans; red (fragile) "
    f"when any group comes back in under {RED_FIRST:.0%} of them; amber (fairly robust) "
    "otherwise."
)


def plan_verdict(recurrence: pd.DataFrame, samples: int) -> tuple[str, str, str]:
    """Judge how robust a plan's groups are from how often each recurs when re-made.

    Parameters
    ----------
    recurrence : DataFrame
        From :meth:`partnerfit.grouping.Plan.robustness`: one row per proposed group of two
        or more, with ``group`` (the members' names) and ``share`` (0-1) of the re-made plans
        choosing exactly that group.
    samples : int
        How many plans were re-made (for the sentence).

    Returns
    -------
    (colour, word, sentence)
        ``colour`` is green, amber or red (see :data:`PLAN_THRESHOLDS_TEXT`); ``word`` the
        verdict in words.

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["A, B", "C, D"], "share": [0.9, 0.6]})
    >>> plan_verdict(table, 20)[:2]
    ('amber', 'fairly robust')
    """
    if recurrence.empty:
        return "green", _WORDS["green"], "No group is proposed, so there is nothing to re-make."
    worst = recurrence.sort_values(["share", "group"], kind="stable").iloc[0]
    low = float(worst["share"])
    colour = ("red" if low < RED_FIRST else "green" if low >= GREEN_FIRST else "amber")
    if colour == "green":
        why = (f"every proposed group comes back in at least {chance_text(low)} of {samples} "
               "re-made plans with the pair scores moved at random")
    else:
        why = (f"the group {worst['group']} comes back in only {chance_text(low)} of "
               f"{samples} re-made plans with the pair scores moved at random")
    return colour, _WORDS[colour], f"The plan is {_WORDS[colour]}: {why}."
