"""Criterion weights: direct entry, swing weighting, AHP, several stakeholders, profiles.

Weights say how much a swing from the worst to the best value on one criterion matters
compared with the others (DCLG multi-criteria analysis manual, chapter 6).  Every
function here returns weights as a :class:`pandas.Series` indexed by criterion that sums
to 1, in a stated order.

* :func:`normalise` — direct entry: any non-negative numbers, scaled to sum 1.
* :func:`swing_weights` — rank the swings, give the top one 100 points and the others
  0–100 points consistent with the ranking; weights are the normalised points.
* :func:`ahp_weights` — Saaty's pairwise comparisons (1–9 scale and reciprocals): the
  principal eigenvector, with lambda_max and the consistency ratio; refused above 0.1
  unless the caller insists.
* :func:`combine_stakeholders` — several weight sets combined (arithmetic or geometric
  mean), with how far the stakeholders disagree.
* :func:`load_weight_profile` — the YAML files officers edit (below).

Weight profile files
--------------------
A profile (``criteria/weights/<name>.yaml``) looks like this::

    name: default                # optional; defaults to the file name
    description: Balanced weights for back-office services.   # optional
    missing: error               # optional: error (default) | zero — see below
    method: direct               # direct | swing | ahp (optional when only one block is given)
    weights:                     # method direct: any non-negative numbers, normalised
      distance: 25
      adjacency: 10
      systems: 20
    services:                    # optional per-service overrides, each a whole weight set
      revenues_benefits:
        method: swing
        swing:
          ranking: [systems, distance, adjacency]        # most important swing first
          points: {systems: 100, distance: 60, adjacency: 20}
      building_control:
        method: ahp
        ahp:
          comparisons:           # [a, b, n]: a is n times as important as b (1-9 or 1/9-1)
            - [distance, systems, 5]
            - [distance, adjacency, 3]
            - [adjacency, systems, 2]
          allow_inconsistent: false   # true accepts a consistency ratio above 0.1
    # Instead of method + weights at the top (or in a service), several stakeholders' sets
    # can be given; they are combined by the mean (or geometric mean) of their weights:
    # stakeholders:
    #   members:  {method: direct, weights: {distance: 40, systems: 10, adjacency: 50}}
    #   officers: {method: direct, weights: {distance: 20, systems: 60, adjacency: 20}}
    # combine: mean              # mean | geometric

Every criterion must get a weight (0 is allowed) in every weight set, unless the file
says ``missing: zero``, in which case criteria a set does not mention get weight 0.
A service without an override uses the top-level weights.  Validation reports every
problem in the file at once, each with its line, e.g. ``criteria/weights/default.yaml
line 12: weight 'forty' for 'distance' is not a number``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ._yaml import (
    as_number,
    did_you_mean,
    display_path,
    line_key,
    load_yaml,
    to_plain,
    where,
)
from .errors import DataValidationError, UnknownServiceError

__all__ = [
    "SAATY_RANDOM_INDEX",
    "AHPInconsistencyError",
    "AHPResult",
    "Disagreement",
    "StakeholderWeights",
    "WeightProfile",
    "ahp_weights",
    "combine_stakeholders",
    "load_weight_profile",
    "normalise",
    "swing_weights",
]

#: Saaty's random consistency index for n = 1..15 criteria (Saaty, *The Analytic Hierarchy
#: Process*, 1980; the table reproduced in most AHP texts).
SAATY_RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
    9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}  # fmt: skip
#: Largest acceptable consistency ratio (Saaty's rule of thumb).
CR_LIMIT = 0.1
_RESERVED_COLUMNS = ("combined", "min", "max", "spread")

# A problem found by a checker: (path inside the checked block, message).  The path lets
# the profile loader point at the exact line; the Python API just uses the message.
_Problem = tuple[tuple[Any, ...], str]


class _Problems(list):
    """A list of :data:`_Problem` with a shorthand for adding one."""

    def add(self, path: tuple[Any, ...], message: str) -> None:
        self.append((path, message))


def _fmt(x: float, digits: int = 3) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:.{digits}g}"


def _raise(source: str, problems: Sequence[_Problem]) -> None:
    if problems:
        raise DataValidationError(source, [msg for _, msg in problems])


# --------------------------------------------------------------------------- direct


def _direct_problems(weights: Any) -> tuple[pd.Series | None, list[_Problem]]:
    """Check direct weights; paths are ``(criterion,)``."""
    if isinstance(weights, pd.Series):
        items = list(weights.items())
        dup = weights.index[weights.index.duplicated()].unique()
        if len(dup):
            return None, [
                ((), f"criterion {c!r} has more than one weight — give each criterion once")
                for c in dup
            ]
    elif isinstance(weights, Mapping):
        items = list(weights.items())
    else:
        return None, [((), f"weights must be a mapping of criterion: weight, got {weights!r}")]
    problems = _Problems()
    if not items:
        return None, [((), "no weights given — give each criterion a weight")]
    values = []
    for name, w in items:
        x = as_number(w)
        if x is None:
            problems.add((name,), f"weight {w!r} for {name!r} is not a number")
        elif not math.isfinite(x):
            problems.add((name,), f"weight {w!r} for {name!r} is not a finite number")
        elif x < 0:
            problems.add(
                (name,), f"weight {_fmt(x)} for {name!r} is negative — weights must be 0 or more"
            )
        values.append(x)
    if problems:
        return None, problems
    total = math.fsum(values)
    if total <= 0:
        return None, [((), "all weights are zero — give at least one criterion a positive weight")]
    index = pd.Index([n for n, _ in items], dtype=object)
    return pd.Series(np.array(values) / total, index=index, name="weight"), []


def normalise(weights: Mapping[Hashable, float] | pd.Series) -> pd.Series:
    """Scale non-negative weights to sum to 1, keeping their order.

    Parameters
    ----------
    weights : mapping or pandas.Series
        Criterion -> weight; finite numbers, 0 or more, not all zero.

    Returns
    -------
    pandas.Series
        Named ``"weight"``, same index order, summing to 1.

    Raises
    ------
    DataValidationError
        Listing every weight that is not a number, not finite or negative, or if all are zero.

    Examples
    --------
    >>> normalise({"distance": 3, "systems": 1}).tolist()
    [0.75, 0.25]
    """
    result, problems = _direct_problems(weights)
    _raise("weights", problems)
    return result


# --------------------------------------------------------------------------- swing


def _swing_problems(ranking: Any, points: Any) -> tuple[pd.Series | None, list[_Problem]]:
    """Check swing weights; paths are ``("ranking", i)`` or ``("points", criterion)``."""
    problems = _Problems()
    if isinstance(ranking, str | bytes) or not isinstance(ranking, Sequence | pd.Index):
        problems.add(
            ("ranking",), "'ranking' must be a list of criteria, most important swing first"
        )
        ranking = []
    if not isinstance(points, Mapping | pd.Series):
        problems.add(("points",), "'points' must be a mapping of criterion: points (0-100)")
        points = {}
    if problems:
        return None, problems
    ranking = list(ranking)
    if not ranking:
        return None, [
            (("ranking",), "the ranking is empty — list the criteria, most important first")
        ]
    seen: dict[Any, int] = {}
    for i, name in enumerate(ranking):
        if name in seen:
            problems.add(
                ("ranking", i),
                f"{name!r} appears twice in the ranking (places {seen[name] + 1} "
                f"and {i + 1}) — list each criterion once",
            )
        else:
            seen[name] = i
    pts: dict[Any, float] = {}
    for name, p in points.items():
        x = as_number(p)
        if x is None or not math.isfinite(x):
            problems.add(("points", name), f"points {p!r} for {name!r} is not a number")
        elif not 0 <= x <= 100:
            problems.add(("points", name), f"points {_fmt(x)} for {name!r} are outside 0–100")
        else:
            pts[name] = x
        if name not in seen:
            problems.add(
                ("points", name),
                f"{name!r} has points but is not in the ranking — add it to "
                "the ranking or remove its points",
            )
    for name, i in seen.items():
        if name not in points:
            problems.add(("ranking", i), f"{name!r} is ranked but has no points — give it points")
    top = ranking[0]
    if top in pts and pts[top] != 100:
        problems.add(
            ("points", top),
            f"the top-ranked swing {top!r} must get 100 points, not "
            f"{_fmt(pts[top])} — the other swings are scored relative to it",
        )
    order = [n for n in seen if n in pts]
    for hi, lo in pairwise(order):
        if pts[lo] > pts[hi]:
            problems.add(
                ("points", lo),
                f"{lo!r} is ranked below {hi!r} but has more points "
                f"({_fmt(pts[lo])} > {_fmt(pts[hi])}) — swap them in the ranking or change "
                "the points",
            )
    if problems:
        return None, problems
    return _direct_problems(
        pd.Series([pts[n] for n in ranking], index=pd.Index(ranking, dtype=object))
    )


def swing_weights(ranking: Sequence[Hashable], points: Mapping[Hashable, float]) -> pd.Series:
    """Weights from DCLG swing weighting.

    The criteria are ranked by how much the swing from their worst to their best value
    matters; the top-ranked swing gets 100 points and every other swing 0–100 points
    relative to it, never more than a swing ranked above it.  The weights are the
    normalised points.

    Parameters
    ----------
    ranking : sequence of str
        Every criterion once, most important swing first.
    points : mapping
        Criterion -> points (0–100); exactly the ranked criteria; the first gets 100.

    Returns
    -------
    pandas.Series
        Weights in ranking order, summing to 1.

    Raises
    ------
    DataValidationError
        Listing every problem: duplicates, criteria ranked without points (or the
        reverse), points outside 0–100, a top swing not at 100, and each place where a
        criterion has more points than one ranked above it.

    Examples
    --------
    >>> swing_weights(["systems", "distance"], {"systems": 100, "distance": 60}).round(3).tolist()
    [0.625, 0.375]
    """
    result, problems = _swing_problems(ranking, points)
    _raise("swing weights", problems)
    return result


# --------------------------------------------------------------------------- AHP


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency of one AHP pairwise comparison matrix.

    Attributes
    ----------
    weights : pandas.Series
        Principal right eigenvector of the matrix, normalised to sum 1.
    matrix : pandas.DataFrame
        The reciprocal comparison matrix: ``matrix.loc[a, b]`` says how many times as
        important ``a`` is as ``b``.
    lambda_max : float
        Principal eigenvalue (equals n for perfectly consistent judgements).
    consistency_index : float
        ``(lambda_max - n) / (n - 1)`` (0 for n <= 2).
    random_index : float
        Saaty's random index for n (:data:`SAATY_RANDOM_INDEX`).
    consistency_ratio : float
        ``consistency_index / random_index`` (0 for n <= 2); acceptable up to 0.1.
    judgements : pandas.DataFrame
        One row per comparison as given (``item`` = its position in the input), with
        ``first``, ``second``, ``given``, ``implied`` (= w_first / w_second) and
        ``discrepancy`` (max of given/implied and its inverse, >= 1), most inconsistent first.
    """

    weights: pd.Series
    matrix: pd.DataFrame
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float
    judgements: pd.DataFrame

    @property
    def is_consistent(self) -> bool:
        """Whether the consistency ratio is at most 0.1."""
        return self.consistency_ratio <= CR_LIMIT

    def most_inconsistent(self, k: int = 3) -> list[str]:
        """Plain-English lines for the ``k`` judgements furthest from the weights.

        Parameters
        ----------
        k : int
            How many to describe.

        Returns
        -------
        list of str
        """
        return [_judgement_text(row) for row in self.judgements.head(k).itertuples()]

    def summary(self) -> str:
        """Return a one-paragraph plain-English summary.

        Returns
        -------
        str
        """
        n = len(self.weights)
        verdict = "acceptable" if self.is_consistent else "too inconsistent"
        return (
            f"AHP weights from {len(self.judgements)} comparisons of {n} criteria: lambda_max "
            f"{self.lambda_max:.3f}, consistency index {self.consistency_index:.3f}, "
            f"consistency ratio {self.consistency_ratio:.3f} ({verdict}; Saaty's limit is "
            f"{CR_LIMIT}). Weights: "
            + ", ".join(f"{c} {w:.1%}" for c, w in self.weights.items())
            + "."
        )


class AHPInconsistencyError(DataValidationError):
    """AHP judgements with a consistency ratio above 0.1; ``.result`` holds the computation."""

    def __init__(self, source: str, problems: Sequence[str], result: AHPResult):
        super().__init__(source, problems)
        self.result = result


def _fmt_judgement(x: float) -> str:
    """``3`` or ``1/3`` (Saaty's reciprocals read better as fractions)."""
    if x < 1 and abs(1 / x - round(1 / x)) < 1e-6:
        return f"1/{round(1 / x)}"
    return _fmt(x)


def _judgement_text(row: Any) -> str:
    return (
        f"{row.first!r} vs {row.second!r}: you gave {_fmt_judgement(row.given)}, but the weights "
        f"imply about {_fmt(row.implied, 2)} (off by a factor of {row.discrepancy:.1f})"
    )


_FRACTION = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*(?:/\s*([0-9]+(?:\.[0-9]*)?)\s*)?$")


def _judgement_value(value: Any) -> float | None:
    """A Saaty judgement as a float: a number, or text such as ``"1/3"`` or ``"3"``."""
    x = as_number(value)
    if x is None and isinstance(value, str):
        m = _FRACTION.match(value)
        if m and m.group(2) is None:
            x = float(m.group(1))
        elif m and float(m.group(2)) != 0:
            x = float(m.group(1)) / float(m.group(2))
    return x


def _ahp_problems(
    comparisons: Any, criteria: Sequence[Hashable] | None, allow_inconsistent: bool
) -> tuple[AHPResult | None, list[_Problem], bool]:
    """Check and compute AHP; paths are ``(i,)`` into ``comparisons``.

    Returns the result (also when it is too inconsistent), the problems, and whether the
    only problem is inconsistency.
    """
    problems = _Problems()
    if isinstance(comparisons, str | bytes) or not isinstance(comparisons, Sequence):
        return None, [((), "comparisons must be a list of [a, b, n] triples")], False
    known = list(dict.fromkeys(criteria)) if criteria is not None else None
    order: list[Any] = list(known) if known is not None else []
    pairs: dict[frozenset, int] = {}
    judged: list[tuple[int, Any, Any, float]] = []
    for i, item in enumerate(comparisons):
        if isinstance(item, str | bytes) or not isinstance(item, Sequence) or len(item) != 3:
            problems.add(
                (i,),
                f"comparison {i + 1} ({item!r}) must be [a, b, n]: a is n times as important as b",
            )
            continue
        a, b, v = item
        ok = True
        for name in (a, b):
            if known is not None and name not in known:
                problems.add((i,), f"unknown criterion {name!r}{did_you_mean(name, known)}")
                ok = False
            elif known is None and name not in order:
                order.append(name)
        x = _judgement_value(v)
        if x is None or not math.isfinite(x):
            problems.add((i,), f"judgement {v!r} for {a!r} vs {b!r} is not a number")
            ok = False
        elif not (1 / 9 - 1e-9 <= x <= 9 + 1e-9):
            problems.add(
                (i,),
                f"judgement {_fmt(x)} for {a!r} vs {b!r} is outside Saaty's scale 1/9–9 "
                "(9 = extremely more important, 1 = equal, 1/9 = extremely less important)",
            )
            ok = False
        if a == b:
            problems.add((i,), f"{a!r} is compared with itself — remove this comparison")
            continue
        key = frozenset((a, b))
        if key in pairs:
            problems.add(
                (i,),
                f"{a!r} and {b!r} are compared twice (comparisons {pairs[key] + 1} and "
                f"{i + 1}) — keep one",
            )
            continue
        pairs[key] = i
        if ok:
            judged.append((i, a, b, x))
    n = len(order)
    if n == 0 and not problems:
        problems.add((), "no criteria to compare")
    if n > max(SAATY_RANDOM_INDEX):
        problems.add(
            (),
            f"{n} criteria is too many for AHP (at most {max(SAATY_RANDOM_INDEX)}: "
            "Saaty's random index stops there) — use swing or direct weights",
        )
    missing = [(a, b) for a, b in combinations(order, 2) if frozenset((a, b)) not in pairs]
    if missing:
        shown = "; ".join(f"{a!r} vs {b!r}" for a, b in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        problems.add(
            (),
            f"{len(missing)} comparison{'s are' if len(missing) > 1 else ' is'} missing: "
            f"{shown}{more} — AHP needs every pair of criteria compared once",
        )
    if problems:
        return None, problems, False

    pos = {c: k for k, c in enumerate(order)}
    a_mat = np.ones((n, n))
    for _, a, b, x in judged:
        a_mat[pos[a], pos[b]] = x
        a_mat[pos[b], pos[a]] = 1.0 / x
    eigvals, eigvecs = np.linalg.eig(a_mat)
    k = int(np.argmax(eigvals.real))
    lam = float(eigvals[k].real)
    vec = np.abs(eigvecs[:, k].real)  # Perron vector: one sign throughout
    w = vec / vec.sum()
    # lambda_max >= n in exact arithmetic; clip rounding noise so CI is never -1e-16.
    ci = max(0.0, (lam - n) / (n - 1)) if n > 2 else 0.0
    ri = SAATY_RANDOM_INDEX[n]
    cr = ci / ri if n > 2 else 0.0
    index = pd.Index(order, dtype=object)
    weights = pd.Series(w, index=index, name="weight")
    rows = []
    for i, a, b, x in judged:
        implied = w[pos[a]] / w[pos[b]]
        ratio = x / implied
        rows.append((i, a, b, x, implied, max(ratio, 1 / ratio)))
    judgements = pd.DataFrame(
        rows, columns=["item", "first", "second", "given", "implied", "discrepancy"]
    )
    judgements = judgements.sort_values(
        ["discrepancy", "item"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)
    result = AHPResult(
        weights=weights,
        matrix=pd.DataFrame(a_mat, index=index, columns=index),
        lambda_max=lam,
        consistency_index=ci,
        random_index=ri,
        consistency_ratio=cr,
        judgements=judgements,
    )
    if cr > CR_LIMIT and not allow_inconsistent:
        problems.add(
            (),
            f"the judgements are too inconsistent: consistency ratio {cr:.3f} is above "
            f"{CR_LIMIT} — revise the judgements below (or accept them on purpose with "
            "allow_inconsistent set to true)",
        )
        for row in judgements.head(3).itertuples():
            problems.add((int(row.item),), _judgement_text(row))
        return result, problems, True
    return result, [], False


def ahp_weights(
    comparisons: Sequence[tuple[Hashable, Hashable, float | str]],
    criteria: Sequence[Hashable] | None = None,
    *,
    allow_inconsistent: bool = False,
) -> AHPResult:
    """Weights from AHP pairwise comparisons (Saaty's eigenvector method).

    Parameters
    ----------
    comparisons : sequence of (a, b, n)
        ``a`` is ``n`` times as important as ``b`` on Saaty's scale: 1 (equal), 3
        (moderately), 5 (strongly), 7 (very strongly), 9 (extremely), the even numbers in
        between, and reciprocals (``1/3`` or the text ``"1/3"``) for the reverse.  Every
        pair of criteria exactly once, in either order.
    criteria : sequence of str, optional
        The criteria and their order in the result; by default the order of first
        appearance in ``comparisons``.  Names outside it are errors.
    allow_inconsistent : bool, default False
        Accept a consistency ratio above 0.1.

    Returns
    -------
    AHPResult
        Weights, matrix, lambda_max, consistency index and ratio, judgements.

    Raises
    ------
    DataValidationError
        For malformed, unknown, duplicated, off-scale or missing comparisons (all listed),
        or more than 15 criteria.
    AHPInconsistencyError
        If the consistency ratio is above 0.1 and ``allow_inconsistent`` is false; the
        message lists the three judgements furthest from the resulting weights.

    Examples
    --------
    >>> r = ahp_weights([("a", "b", 2), ("a", "c", 4), ("b", "c", 2)])
    >>> r.weights.round(4).tolist(), round(r.consistency_ratio, 6)
    ([0.5714, 0.2857, 0.1429], 0.0)
    """
    result, problems, inconsistent_only = _ahp_problems(comparisons, criteria, allow_inconsistent)
    if inconsistent_only:
        raise AHPInconsistencyError("AHP comparisons", [m for _, m in problems], result)
    _raise("AHP comparisons", problems)
    return result


# --------------------------------------------------------------------------- stakeholders


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
            pc = self.disagreement.per_criterion
            worst = pc["range"].idxmax()
            best = pc["range"].idxmin()
            r = pc.loc[worst]
            text.append(
                f"They disagree most on {worst!r}: from {r['min']:.0%} ({r['lowest']}) to "
                f"{r['max']:.0%} ({r['highest']}); least on {best!r} (a range of "
                f"{pc.loc[best, 'range'] * 100:.1f} percentage points)."
            )
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
        text.append(
            "Combined weights: " + ", ".join(f"{c} {w:.1%}" for c, w in self.combined.items()) + "."
        )
        return " ".join(text)


def _combine_problems(
    weight_sets: Any, method: str
) -> tuple[StakeholderWeights | None, list[_Problem]]:
    """Combine stakeholder sets; paths are ``(stakeholder, *path in that set)``."""
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
    problems = _Problems()
    normalised: dict[Any, pd.Series] = {}
    for name, ws in weight_sets.items():
        if name in _RESERVED_COLUMNS:
            problems.add(
                (name,),
                f"a stakeholder may not be called {name!r} (a column of "
                "the comparison table) — rename it",
            )
        series, found = _direct_problems(ws)
        problems += [((name, *path), f"stakeholder {name!r}: {msg}") for path, msg in found]
        if series is not None:
            normalised[name] = series
    if problems:
        return None, problems
    criteria = list(dict.fromkeys(c for s in normalised.values() for c in s.index))
    for name, s in normalised.items():
        absent = [c for c in criteria if c not in s.index]
        if absent:
            problems.add(
                (name,),
                f"stakeholder {name!r} gives no weight for "
                f"{', '.join(map(repr, absent))} — give 0 if it does not matter to them",
            )
    if problems:
        return None, problems
    table = pd.DataFrame({name: s.reindex(criteria) for name, s in normalised.items()})
    table.index = pd.Index(criteria, dtype=object)
    w = table.to_numpy()
    if method == "mean":
        combined = w.mean(axis=1)
    else:
        with np.errstate(divide="ignore"):
            combined = np.exp(np.log(w).mean(axis=1))
        if combined.sum() <= 0:
            return None, [
                (
                    (),
                    (
                        "the geometric mean is zero for every criterion (each criterion "
                        "has a stakeholder giving it 0) — use combine: mean"
                    ),
                )
            ]
    combined = pd.Series(combined / combined.sum(), index=table.index, name="weight")
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
    full = table.copy()
    full["combined"] = combined
    full["min"] = per_criterion["min"]
    full["max"] = per_criterion["max"]
    full["spread"] = per_criterion["range"]
    result = StakeholderWeights(
        combined=combined,
        table=full,
        disagreement=Disagreement(
            per_criterion=per_criterion,
            kendall_tau=pd.DataFrame(tau, index=names, columns=names),
        ),
        method=method,
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
    result, problems = _combine_problems(weight_sets, method)
    _raise("stakeholder weights", problems)
    return result


# --------------------------------------------------------------------------- profiles

_METHODS = ("direct", "swing", "ahp")
_BLOCK_OF = {"direct": "weights", "swing": "swing", "ahp": "ahp"}
_SET_KEYS = ("method", "weights", "swing", "ahp", "description")
_COMBINED_KEYS = ("stakeholders", "combine", "description")
_TOP_KEYS = ("name", "description", "missing", "services", *_SET_KEYS, "stakeholders", "combine")


@dataclass(frozen=True)
class WeightProfile:
    """A validated weight profile: default weights and per-service overrides.

    Attributes
    ----------
    name, description : str
        From the file.
    criteria : tuple of str
        The criteria, in the order every weight Series uses.
    default : pandas.Series
        Weights for services without an override (sum 1).
    services : dict of str -> pandas.Series
        Per-service overrides (each sums to 1).
    missing : {"error", "zero"}
        The file's policy for criteria a weight set does not mention.
    details : dict
        ``"default"`` or a service id -> the :class:`AHPResult` or :class:`StakeholderWeights`
        behind those weights (only for AHP and stakeholder sets); stakeholders' own AHP
        results under ``"<set>/<stakeholder>"``.
    known_services : tuple of str or None
        The services the profile was checked against, if any.
    source : str
        Where the profile came from.
    """

    name: str
    description: str
    criteria: tuple[str, ...]
    default: pd.Series
    services: dict[str, pd.Series]
    missing: str
    details: dict[str, Any]
    known_services: tuple[str, ...] | None
    source: str
    _spec: dict[str, Any] = field(repr=False)

    def for_service(self, service: str | None = None) -> pd.Series:
        """Return the weights for ``service`` (the default weights when it has no override).

        Parameters
        ----------
        service : str, optional
            A service id; ``None`` for the default weights.

        Returns
        -------
        pandas.Series
            Indexed by :attr:`criteria`, summing to 1 (a copy).

        Raises
        ------
        UnknownServiceError
            If the profile was loaded with a list of services and ``service`` is not in it.
        """
        if service is None:
            return self.default.copy()
        if self.known_services is not None and service not in self.known_services:
            raise UnknownServiceError(
                f"unknown service {service!r}{did_you_mean(service, self.known_services)} "
                f"(weight profile {self.name!r})"
            )
        return self.services.get(service, self.default).copy()

    def to_frame(self) -> pd.DataFrame:
        """Return criteria x (``default`` and each service override) weights.

        Returns
        -------
        pandas.DataFrame
        """
        cols = {"default": self.default, **self.services}
        return pd.DataFrame(cols, index=pd.Index(self.criteria, dtype=object))

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as plain data in the file format (loads back to the same weights).

        Returns
        -------
        dict
        """
        return to_plain(self._spec)

    def save(self, path: str | Path) -> None:
        """Write the profile as YAML to ``path`` (UTF-8).

        Parameters
        ----------
        path : str or path-like
            The file to write.
        """
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        Path(path).write_text(text, encoding="utf-8")


class _ProfileReader:
    """Validates one profile, collecting every problem with its file line.

    Weight sets are read with a ``label`` (e.g. ``"service 'parking': "``) that starts each
    of their messages, and a ``key`` under which AHP / stakeholder details are kept.
    """

    def __init__(self, source: str, criteria: Sequence[str], missing: str):
        self.source = source
        self.criteria = list(criteria)
        self.missing = missing
        self.problems: list[str] = []
        self.details: dict[str, Any] = {}

    def add(self, container: Any, key: Any, label: str, msg: str) -> None:
        self.problems.append(f"{where(self.source, container, key)}: {label}{msg}")

    def add_at(self, node: Any, path: tuple, label: str, msg: str) -> None:
        """Report ``msg`` at the deepest element of ``path`` below ``node`` that exists."""
        container, key = node, None
        for step in path:
            if not _has(node, step):
                break
            container, key, node = node, step, node[step]
        self.add(container, key, label, msg)

    def check_keys(
        self, block: Mapping, allowed: Sequence[str], label: str, inside: str = ""
    ) -> None:
        for key in block:
            if key not in allowed:
                self.add(
                    block, key, label, f"unknown key {key!r}{inside}{did_you_mean(key, allowed)}"
                )

    def check_names(self, node: Any, names: list[tuple[tuple, Any]], label: str) -> bool:
        """Report every name (at its path below ``node``) that is not a criterion."""
        ok = True
        for path, name in names:
            if name not in self.criteria:
                ok = False
                self.add_at(
                    node,
                    path,
                    label,
                    f"unknown criterion {name!r}{did_you_mean(name, self.criteria)}",
                )
        return ok

    def complete(self, raw: pd.Series, parent: Any, pkey: Any, label: str) -> pd.Series | None:
        """Give every criterion a weight (0 under ``missing: zero``) and normalise."""
        absent = [c for c in self.criteria if c not in raw.index]
        if absent and self.missing != "zero":
            self.add(
                parent,
                pkey,
                label,
                f"no weight for {', '.join(map(repr, absent))} — give them a weight (0 is "
                "allowed) or write 'missing: zero' at the top of the file",
            )
            return None
        full = raw.reindex(self.criteria, fill_value=0.0)
        full.index = pd.Index(self.criteria, dtype=object)
        total = full.sum()
        if total <= 0:
            self.add(
                parent,
                pkey,
                label,
                "all weights are zero — give at least one criterion a positive weight",
            )
            return None
        return (full / total).rename("weight")

    def read_set(
        self, parent: Any, pkey: Any, label: str, key: str, allow_stakeholders: bool
    ) -> pd.Series | None:
        """Read the weight set ``parent[pkey]`` (``parent`` itself if ``pkey`` is None)."""
        block = parent if pkey is None else parent[pkey]
        if not isinstance(block, Mapping):
            self.add(
                parent,
                pkey,
                label,
                "must be a mapping with 'method' and 'weights' (or 'swing' or 'ahp')",
            )
            return None
        if allow_stakeholders and "stakeholders" in block:
            return self.read_stakeholders(block, label, key)
        n_before = len(self.problems)
        method = block.get("method")
        if method is None:
            present = [m for m in _METHODS if _BLOCK_OF[m] in block]
            if len(present) != 1:
                what = (
                    "more than one of 'weights', 'swing', 'ahp'"
                    if present
                    else ("no 'weights', 'swing' or 'ahp' block")
                )
                self.add(
                    parent,
                    pkey,
                    label,
                    f"no 'method' and {what} — write e.g. 'method: "
                    "direct' with 'weights: {criterion: weight}'",
                )
                return None
            method = present[0]
        elif method not in _METHODS:
            self.add(
                block,
                "method",
                label,
                f"unknown method {method!r}"
                f"{did_you_mean(method, _METHODS)} (use direct, swing or ahp)",
            )
            return None
        wanted = _BLOCK_OF[method]
        if wanted not in block:
            self.add(parent, pkey, label, f"method is {method!r} but there is no '{wanted}' block")
            return None
        for other in _BLOCK_OF.values():
            if other in block and other != wanted:
                self.add(
                    block,
                    other,
                    label,
                    f"'{other}' does not go with method {method!r} — "
                    "remove it or change the method",
                )
        self.check_keys(block, _SET_KEYS, label)
        if len(self.problems) > n_before:
            return None
        read = {"direct": self.read_direct, "swing": self.read_swing, "ahp": self.read_ahp}
        raw = read[method](block, wanted, label, key)
        if raw is None or len(self.problems) > n_before:
            return None
        return self.complete(raw, parent, pkey, label)

    def read_direct(self, block: Mapping, name: str, label: str, key: str) -> pd.Series | None:
        body = block[name]
        if isinstance(body, Mapping):
            self.check_names(block, [((name, k), k) for k in body], label)
        raw, found = _direct_problems(body)
        for path, msg in found:
            self.add_at(block, (name, *path), label, msg)
        return raw

    def read_swing(self, block: Mapping, name: str, label: str, key: str) -> pd.Series | None:
        body = block[name]
        if not isinstance(body, Mapping) or "ranking" not in body or "points" not in body:
            self.add(block, name, label, "'swing' must contain 'ranking' and 'points'")
            return None
        self.check_keys(body, ("ranking", "points"), label, " in 'swing'")
        ranking, points = body["ranking"], body["points"]
        names = []
        if _is_list(ranking):
            names += [((name, "ranking", i), r) for i, r in enumerate(ranking)]
        if isinstance(points, Mapping):
            names += [((name, "points", k), k) for k in points]
        if not self.check_names(block, names, label):
            return None  # a misspelt name would also show up as unranked / without points
        raw, found = _swing_problems(ranking, points)
        for path, msg in found:
            self.add_at(block, (name, *path), label, msg)
        return raw

    def read_ahp(self, block: Mapping, name: str, label: str, key: str) -> pd.Series | None:
        body = block[name]
        if not isinstance(body, Mapping) or "comparisons" not in body:
            self.add(block, name, label, "'ahp' must contain 'comparisons'")
            return None
        self.check_keys(body, ("comparisons", "allow_inconsistent"), label, " in 'ahp'")
        allow = body.get("allow_inconsistent", False)
        if not isinstance(allow, bool):
            self.add(
                body,
                "allow_inconsistent",
                label,
                f"'allow_inconsistent' must be true or false, got {allow!r}",
            )
            return None
        comps = body["comparisons"]
        allowed = self.criteria
        if _is_list(comps):
            triples = [(i, t) for i, t in enumerate(comps) if _is_list(t) and len(t) == 3]
            names = [(("comparisons", i), c) for i, t in triples for c in t[:2]]
            if not self.check_names(body, names, label):
                return None
            if self.missing == "zero":  # a partial AHP compares only the criteria it names
                allowed = list(dict.fromkeys(c for _, c in names))
        result, found, _ = _ahp_problems(comps, allowed, allow)
        for path, msg in found:
            self.add_at(body, ("comparisons", *path), label, msg)
        if result is None or found:
            return None
        self.details[key] = result
        return result.weights

    def read_stakeholders(self, block: Mapping, label: str, key: str) -> pd.Series | None:
        n_before = len(self.problems)
        for k in block:
            if k not in _COMBINED_KEYS:
                hint = (
                    " — with 'stakeholders', each stakeholder gets its own method and weights"
                    if k in _SET_KEYS
                    else did_you_mean(k, _COMBINED_KEYS)
                )
                self.add(block, k, label, f"unknown key {k!r}{hint}")
        method = block.get("combine", "mean")
        if method not in ("mean", "geometric"):
            self.add(
                block,
                "combine",
                label,
                f"'combine' must be mean or geometric, got "
                f"{method!r}{did_you_mean(method, ('mean', 'geometric'))}",
            )
        people = block["stakeholders"]
        if not isinstance(people, Mapping) or not people:
            self.add(
                block,
                "stakeholders",
                label,
                "'stakeholders' must map each stakeholder's name to a weight set",
            )
            return None
        sets: dict[Any, pd.Series] = {}
        for name in people:
            if name in _RESERVED_COLUMNS:
                self.add(
                    people, name, label, f"a stakeholder may not be called {name!r} — rename it"
                )
            s = self.read_set(
                people,
                name,
                f"{label}stakeholder {name!r}: ",
                f"{key}/{name}",
                allow_stakeholders=False,
            )
            if s is not None:
                sets[name] = s
        if len(self.problems) > n_before:
            return None
        result, found = _combine_problems(sets, method)  # sets are complete and valid here
        for _, msg in found:
            self.add(block, "stakeholders", label, msg)
        if result is None:
            return None
        self.details[key] = result
        return result.combined


def _is_list(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str | bytes)


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, Mapping):
        return key in container
    if isinstance(container, list) and isinstance(key, int):
        return 0 <= key < len(container)
    return False


def load_weight_profile(
    path_or_dict: str | Path | Mapping[str, Any],
    *,
    criteria: Sequence[str],
    services: Sequence[str] | None = None,
) -> WeightProfile:
    """Read and validate a weight profile (format in the module docstring).

    Parameters
    ----------
    path_or_dict : str, path-like or mapping
        A YAML file, or the same structure as a dict (e.g. from :meth:`WeightProfile.to_dict`).
    criteria : sequence of str
        Every criterion the scoring uses, in the order the weights should follow.
    services : sequence of str, optional
        Valid service ids; service overrides (and later ``for_service`` calls) are checked
        against them.

    Returns
    -------
    WeightProfile

    Raises
    ------
    DataValidationError
        Listing every problem in the file, each with its line: unknown keys, criteria or
        services (with suggestions), weights that are not numbers or negative, all-zero
        weights, criteria without a weight (unless ``missing: zero``), swing points
        inconsistent with the ranking, malformed, missing or too inconsistent AHP judgements.
    """
    if isinstance(path_or_dict, Mapping):
        data = path_or_dict
        source = f"weight profile {data.get('name')!r}" if data.get("name") else "weight profile"
        default_name = "weights"
    else:
        source = display_path(path_or_dict)
        data = load_yaml(path_or_dict)
        default_name = Path(path_or_dict).stem
    crit = list(criteria)
    if len(set(crit)) != len(crit) or not crit:
        raise ValueError("criteria must be a non-empty list of distinct names")
    if not isinstance(data, Mapping):
        raise DataValidationError(
            source, [f"{source}: a weight profile must be a mapping (name, method, weights, ...)"]
        )
    missing = data.get("missing", "error")
    reader = _ProfileReader(source, crit, missing if missing in ("error", "zero") else "error")
    if missing not in ("error", "zero"):
        reader.add(data, "missing", "", f"'missing' must be 'error' or 'zero', got {missing!r}")
    for key in data:
        if key not in _TOP_KEYS:
            reader.add(data, key, "", f"unknown key {key!r}{did_you_mean(key, _TOP_KEYS)}")
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            reader.add(data, key, "", f"'{key}' must be text, got {data[key]!r}")

    top = {k: v for k, v in data.items() if k in (*_SET_KEYS, "stakeholders", "combine")}
    top.pop("description", None)
    default = None
    if not top:
        reader.add(
            data,
            None,
            "",
            "no weights: give 'method' and 'weights' (or 'swing', 'ahp' or 'stakeholders')",
        )
    elif "stakeholders" in top and any(k in top for k in _SET_KEYS):
        reader.add(
            data,
            "stakeholders",
            "",
            "give either 'stakeholders' or a single weight "
            "set ('method' with 'weights', 'swing' or 'ahp'), not both",
        )
    else:
        default = reader.read_set(_Box(data, top), None, "", "default", allow_stakeholders=True)

    overrides: dict[str, pd.Series] = {}
    svc_block = data.get("services")
    if svc_block is not None:
        if not isinstance(svc_block, Mapping):
            reader.add(data, "services", "", "'services' must map service ids to weight sets")
        else:
            for svc in svc_block:
                label = f"service {svc!r}: "
                if services is not None and svc not in services:
                    reader.add(
                        svc_block, svc, "", f"unknown service {svc!r}{did_you_mean(svc, services)}"
                    )
                    continue
                s = reader.read_set(svc_block, svc, label, str(svc), allow_stakeholders=True)
                if s is not None:
                    overrides[str(svc)] = s
    if reader.problems:
        raise DataValidationError(source, sorted(reader.problems, key=line_key))
    spec = to_plain(data)
    spec.setdefault("name", default_name)
    return WeightProfile(
        name=str(spec["name"]),
        description=str(data.get("description", "")),
        criteria=tuple(crit),
        default=default,
        services=overrides,
        missing=missing,
        details=reader.details,
        known_services=tuple(services) if services is not None else None,
        source=source,
        _spec=spec,
    )


class _Box(dict):
    """The top-level weight-set keys of a profile, keeping the profile's line numbers."""

    def __init__(self, data: Mapping, keys: Mapping):
        super().__init__(keys)
        self.line = getattr(data, "line", None)
        self.lines = getattr(data, "lines", {})
