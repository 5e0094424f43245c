"""Several stakeholders' weights: combined (arithmetic or geometric mean), with how far they
disagree (per-criterion range and Kendall's tau between their criterion orders)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from .._yaml import did_you_mean
from ._common import RESERVED_COLUMNS, Problem, Problems, checked
from .direct import direct_problems

__all__ = ["Disagreement", "StakeholderWeights", "combine_problems", "combine_stakeholders"]


def _kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-b of two vectors (NaN when either is constant)."""
    i, j = np.triu_indices(len(x), k=1)
    sx, sy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
    denom = math.sqrt(float(np.sum(sx * sx)) * float(np.sum(sy * sy)))
    return float(np.sum(sx * sy)) / denom if denom > 0 else math.nan


@dataclass(frozen=True)
class Disagreement:
    """How far stakeholders' weights differ.

    Attributes
    ----------
    per_criterion : pandas.DataFrame
        Index criteria; columns ``min``, ``max``, ``range`` (max - min, in weight units
        summing to 1), ``lowest`` and ``highest`` (the stakeholder giving each), sorted
        as the criteria are.
    kendall_tau : pandas.DataFrame
        Stakeholder x stakeholder Kendall tau-b between the criterion orders their weights
        imply (1 = same order, -1 = reversed; NaN if a stakeholder weights everything equally).
    """

    per_criterion: pd.DataFrame
    kendall_tau: pd.DataFrame


@dataclass(frozen=True)
class StakeholderWeights:
    """Several stakeholders' weights and their combination.

    Attributes
    ----------
    combined : pandas.Series
        The combined weights, summing to 1.
    table : pandas.DataFrame
        Criteria x (each stakeholder's normalised weights, ``combined``, ``min``, ``max``,
        ``spread``).
    disagreement : Disagreement
        Per-criterion range and pairwise Kendall tau.
    method : str
        ``"mean"`` or ``"geometric"``.
    """

    combined: pd.Series
    table: pd.DataFrame
    disagreement: Disagreement
    method: str

    @property
    def stakeholders(self) -> list[str]:
        """The stakeholders' names in input order."""
        return list(self.disagreement.kendall_tau.index)

    def summary(self) -> str:
        """Return a plain-English summary of the combination and the disagreement.

        Returns
        -------
        str
        """
        names = self.stakeholders
        how = "arithmetic mean" if self.method == "mean" else "geometric mean (renormalised)"
        text = [
            (
                f"Combined the weights of {len(names)} stakeholder"
                f"{'s' if len(names) != 1 else ''} ({', '.join(map(str, names))}) by the {how}."
            )
        ]
        if len(names) > 1:
            text += self._disagreement_sentences(names)
        text.append(
            "Combined weights: " + ", ".join(f"{c} {w:.1%}" for c, w in self.combined.items()) + "."
        )
        return " ".join(text)

    def _disagreement_sentences(self, names: list[str]) -> list[str]:
        """Where the stakeholders disagree most and least, and how alike their orders are."""
        pc = self.disagreement.per_criterion
        worst = pc["range"].idxmax()
        best = pc["range"].idxmin()
        r = pc.loc[worst]
        text = [
            (
                f"They disagree most on {worst!r}: from {r['min']:.0%} ({r['lowest']}) to "
                f"{r['max']:.0%} ({r['highest']}); least on {best!r} (a range of "
                f"{pc.loc[best, 'range'] * 100:.1f} percentage points)."
            )
        ]
        tau = self.disagreement.kendall_tau
        pairs = [
            (tau.iloc[i, j], names[i], names[j])
            for i, j in combinations(range(len(names)), 2)
            if not math.isnan(tau.iloc[i, j])
        ]
        if len(pairs) == 1:
            t, a, b = pairs[0]
            text.append(
                f"Kendall tau between the criterion orders of {a} and {b}: {t:.2f} "
                "(1 = same order, -1 = reversed)."
            )
        elif pairs:
            lo = min(pairs, key=lambda p: p[0])
            hi = max(pairs, key=lambda p: p[0])
            text.append(
                f"Their criterion orders agree most between {hi[1]} and {hi[2]} (Kendall "
                f"tau {hi[0]:.2f}) and least between {lo[1]} and {lo[2]} (tau {lo[0]:.2f}; "
                "1 = same order, -1 = reversed)."
            )
        flat = [n for n in names if self.table[n].nunique() == 1]
        if flat:
            text.append(
                f"{', '.join(map(str, flat))} weight{'s' if len(flat) == 1 else ''} every "
                "criterion equally, so imply no order."
            )
        return text


def _normalised_sets(weight_sets: Mapping[Any, Any], problems: Problems) -> dict[Any, pd.Series]:
    """Each stakeholder's weights normalised, reporting reserved names and bad weights."""
    normalised: dict[Any, pd.Series] = {}
    for name, ws in weight_sets.items():
        if name in RESERVED_COLUMNS:
            problems.add(
                (name,),
                f"a stakeholder may not be called {name!r} (a column of "
                "the comparison table) — rename it",
            )
        series, found = direct_problems(ws)
        problems += [((name, *path), f"stakeholder {name!r}: {msg}") for path, msg in found]
        if series is not None:
            normalised[name] = series
    return normalised


def _common_criteria(normalised: Mapping[Any, pd.Series], problems: Problems) -> list[Any]:
    """Every criterion any stakeholder weights, reporting stakeholders that miss some."""
    criteria = list(dict.fromkeys(c for s in normalised.values() for c in s.index))
    for name, s in normalised.items():
        absent = [c for c in criteria if c not in s.index]
        if absent:
            problems.add(
                (name,),
                f"stakeholder {name!r} gives no weight for "
                f"{', '.join(map(repr, absent))} — give 0 if it does not matter to them",
            )
    return criteria


def _combine(w: np.ndarray, method: str) -> np.ndarray:
    """Per-criterion mean or geometric mean of the rows of ``w`` (criteria x stakeholders)."""
    if method == "mean":
        return w.mean(axis=1)
    with np.errstate(divide="ignore"):
        return np.exp(np.log(w).mean(axis=1))


def _disagreement(table: pd.DataFrame) -> Disagreement:
    """Per-criterion range and pairwise Kendall tau of the stakeholders' weights."""
    w = table.to_numpy()
    names = list(table.columns)
    lo_idx, hi_idx = w.argmin(axis=1), w.argmax(axis=1)
    per_criterion = pd.DataFrame(
        {
            "min": w.min(axis=1),
            "max": w.max(axis=1),
            "range": w.max(axis=1) - w.min(axis=1),
            "lowest": [names[k] for k in lo_idx],
            "highest": [names[k] for k in hi_idx],
        },
        index=table.index,
    )
    tau = np.array(
        [[_kendall_tau_b(w[:, i], w[:, j]) for j in range(len(names))] for i in range(len(names))]
    )
    return Disagreement(
        per_criterion=per_criterion,
        kendall_tau=pd.DataFrame(tau, index=names, columns=names),
    )


def combine_problems(
    weight_sets: Any, method: str
) -> tuple[StakeholderWeights | None, list[Problem]]:
    """Check and combine stakeholders' weights; the checker behind :func:`combine_stakeholders`.

    Parameters
    ----------
    weight_sets : object
        Should be a non-empty mapping of stakeholder -> weights (as for :func:`normalise`).
    method : str
        ``"mean"`` or ``"geometric"``.

    Returns
    -------
    result : StakeholderWeights or None
        ``None`` if there are problems.
    problems : list of Problem
        Each with the path ``(stakeholder, *path in that set)``, or ``()`` for the whole.
    """
    if method not in ("mean", "geometric"):
        return None, [
            (
                (),
                (
                    f"combine method {method!r} is not 'mean' or 'geometric'"
                    f"{did_you_mean(method, ('mean', 'geometric'))}"
                ),
            )
        ]
    if not isinstance(weight_sets, Mapping) or not weight_sets:
        return None, [((), "give at least one stakeholder's weights, as name: weights")]
    problems = Problems()
    normalised = _normalised_sets(weight_sets, problems)
    if problems:
        return None, problems
    criteria = _common_criteria(normalised, problems)
    if problems:
        return None, problems
    table = pd.DataFrame({name: s.reindex(criteria) for name, s in normalised.items()})
    table.index = pd.Index(criteria, dtype=object)
    combined = _combine(table.to_numpy(), method)
    if combined.sum() <= 0:  # only the geometric mean can be zero everywhere
        return None, [
            (
                (),
                (
                    "the geometric mean is zero for every criterion (each criterion "
                    "has a stakeholder giving it 0) — use combine: mean"
                ),
            )
        ]
    weights = pd.Series(combined / combined.sum(), index=table.index, name="weight")
    disagreement = _disagreement(table)
    full = table.copy()
    full["combined"] = weights
    full["min"] = disagreement.per_criterion["min"]
    full["max"] = disagreement.per_criterion["max"]
    full["spread"] = disagreement.per_criterion["range"]
    result = StakeholderWeights(
        combined=weights, table=full, disagreement=disagreement, method=method
    )
    return result, []


def combine_stakeholders(
    weight_sets: Mapping[str, Mapping[Hashable, float] | pd.Series], method: str = "mean"
) -> StakeholderWeights:
    """Combine several stakeholders' weights and measure their disagreement.

    Each set is normalised to sum 1 first, so stakeholders may use any scale.  ``"mean"``
    averages the normalised weights; ``"geometric"`` takes the geometric mean per
    criterion and renormalises (the usual rule for aggregating AHP judgements; a
    criterion any stakeholder weights 0 gets 0).

    Parameters
    ----------
    weight_sets : mapping of name -> weights
        Every set must weight the same criteria (0 is allowed).
    method : {"mean", "geometric"}
        How to combine.

    Returns
    -------
    StakeholderWeights
        ``.combined``, ``.table``, ``.disagreement`` and ``.summary()``.

    Raises
    ------
    DataValidationError
        Listing every bad weight, stakeholder missing a criterion, or reserved name.
    """
    return checked("stakeholder weights", *combine_problems(weight_sets, method))
