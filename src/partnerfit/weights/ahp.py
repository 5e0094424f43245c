"""AHP weights: Saaty's pairwise comparisons, the principal eigenvector and its consistency.

:func:`ahp_problems` reads the comparisons (:class:`_ComparisonReader`), checks that every
pair of criteria is compared once, computes the weights (:func:`_ahp_result`) and, when the
judgements are too inconsistent, names the ones furthest from the weights.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from .._yaml import as_number, did_you_mean
from ..errors import AHPInconsistencyError
from ._common import Problem, Problems, checked, fmt_number

__all__ = [
    "CR_LIMIT",
    "SAATY_RANDOM_INDEX",
    "AHPInconsistencyError",
    "AHPResult",
    "ahp_problems",
    "ahp_weights",
]

#: Saaty's random consistency index for n = 1..15 criteria (Saaty, *The Analytic Hierarchy
#: Process*, 1980; the table reproduced in most AHP texts).
SAATY_RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
    9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}  # fmt: skip
#: Largest acceptable consistency ratio (Saaty's rule of thumb).
CR_LIMIT = 0.1

# One usable judgement: (its position in the input, first, second, value).
_Judgement = tuple[int, Any, Any, float]


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


def _fmt_judgement(x: float) -> str:
    """``3`` or ``1/3`` (Saaty's reciprocals read better as fractions)."""
    if x < 1 and abs(1 / x - round(1 / x)) < 1e-6:
        return f"1/{round(1 / x)}"
    return fmt_number(x)


def _judgement_text(row: Any) -> str:
    return (
        f"{row.first!r} vs {row.second!r}: you gave {_fmt_judgement(row.given)}, but the weights "
        f"imply about {fmt_number(row.implied, 2)} (off by a factor of {row.discrepancy:.1f})"
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


# --------------------------------------------------------------------------- reading


class _ComparisonReader:
    """Reads ``[a, b, n]`` comparisons one by one, collecting every problem.

    Attributes
    ----------
    order : list
        The criteria: ``known`` if given, else in order of first appearance.
    pairs : dict
        Each compared pair (a frozenset) -> the position of its comparison.
    judged : list
        The usable judgements, as ``(position, a, b, value)``.
    problems : Problems
        Paths are ``(position,)``.
    """

    def __init__(self, known: list[Any] | None):
        self.known = known
        self.order: list[Any] = list(known) if known is not None else []
        self.pairs: dict[frozenset[Any], int] = {}
        self.judged: list[_Judgement] = []
        self.problems = Problems()

    def read(self, i: int, item: Any) -> None:
        """Check comparison ``i``; note its criteria and pair, keep it when usable."""
        if isinstance(item, str | bytes) or not isinstance(item, Sequence) or len(item) != 3:
            self.problems.add(
                (i,),
                f"comparison {i + 1} ({item!r}) must be [a, b, n]: a is n times as important as b",
            )
            return
        a, b, v = item
        names_ok = self._note_criteria(i, a, b)
        x = self._value(i, a, b, v)
        if a == b:
            self.problems.add((i,), f"{a!r} is compared with itself — remove this comparison")
            return
        key = frozenset((a, b))
        if key in self.pairs:
            self.problems.add(
                (i,),
                f"{a!r} and {b!r} are compared twice (comparisons {self.pairs[key] + 1} and "
                f"{i + 1}) — keep one",
            )
            return
        self.pairs[key] = i
        if names_ok and x is not None:
            self.judged.append((i, a, b, x))

    def _note_criteria(self, i: int, a: Any, b: Any) -> bool:
        """Add new criteria to the order, or report those outside the known ones."""
        ok = True
        for name in (a, b):
            if self.known is not None and name not in self.known:
                self.problems.add(
                    (i,), f"unknown criterion {name!r}{did_you_mean(name, self.known)}"
                )
                ok = False
            elif self.known is None and name not in self.order:
                self.order.append(name)
        return ok

    def _value(self, i: int, a: Any, b: Any, v: Any) -> float | None:
        """The judgement as a number on Saaty's scale, or None (reported) if it is not one."""
        x = _judgement_value(v)
        if x is None or not math.isfinite(x):
            self.problems.add((i,), f"judgement {v!r} for {a!r} vs {b!r} is not a number")
            return None
        if not (1 / 9 - 1e-9 <= x <= 9 + 1e-9):
            self.problems.add(
                (i,),
                f"judgement {fmt_number(x)} for {a!r} vs {b!r} is outside Saaty's scale 1/9–9 "
                "(9 = extremely more important, 1 = equal, 1/9 = extremely less important)",
            )
            return None
        return x


def _check_coverage(order: list[Any], pairs: dict[frozenset[Any], int], problems: Problems) -> None:
    """Report too many criteria for AHP, and every pair of criteria not compared."""
    n = len(order)
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


# --------------------------------------------------------------------------- computing


def _comparison_matrix(pos: dict[Any, int], judged: list[_Judgement]) -> np.ndarray:
    """The reciprocal matrix: ``a_mat[a, b]`` = how many times as important a is as b."""
    n = len(pos)
    a_mat = np.ones((n, n))
    for _, a, b, x in judged:
        a_mat[pos[a], pos[b]] = x
        a_mat[pos[b], pos[a]] = 1.0 / x
    return a_mat


def _principal_eigen(a_mat: np.ndarray) -> tuple[float, np.ndarray]:
    """lambda_max and the principal (Perron) eigenvector normalised to sum 1."""
    eigvals, eigvecs = np.linalg.eig(a_mat)
    k = int(np.argmax(eigvals.real))
    lam = float(eigvals[k].real)
    vec = np.abs(eigvecs[:, k].real)  # Perron vector: one sign throughout
    return lam, vec / vec.sum()


def _consistency(lam: float, n: int) -> tuple[float, float, float]:
    """Consistency index, random index and consistency ratio of an n x n matrix."""
    # lambda_max >= n in exact arithmetic; clip rounding noise so CI is never -1e-16.
    ci = max(0.0, (lam - n) / (n - 1)) if n > 2 else 0.0
    ri = SAATY_RANDOM_INDEX[n]
    cr = ci / ri if n > 2 else 0.0
    return ci, ri, cr


def _judgement_table(judged: list[_Judgement], w: np.ndarray, pos: dict[Any, int]) -> pd.DataFrame:
    """Each judgement against the ratio the weights imply, most inconsistent first."""
    rows = []
    for i, a, b, x in judged:
        implied = w[pos[a]] / w[pos[b]]
        ratio = x / implied
        rows.append((i, a, b, x, implied, max(ratio, 1 / ratio)))
    judgements = pd.DataFrame(
        rows, columns=["item", "first", "second", "given", "implied", "discrepancy"]
    )
    return judgements.sort_values(
        ["discrepancy", "item"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def _ahp_result(order: list[Any], judged: list[_Judgement]) -> AHPResult:
    """Weights and consistency from complete, valid judgements over ``order``."""
    pos = {c: k for k, c in enumerate(order)}
    a_mat = _comparison_matrix(pos, judged)
    lam, w = _principal_eigen(a_mat)
    ci, ri, cr = _consistency(lam, len(order))
    index = pd.Index(order, dtype=object)
    return AHPResult(
        weights=pd.Series(w, index=index, name="weight"),
        matrix=pd.DataFrame(a_mat, index=index, columns=index),
        lambda_max=lam,
        consistency_index=ci,
        random_index=ri,
        consistency_ratio=cr,
        judgements=_judgement_table(judged, w, pos),
    )


def _inconsistency_problems(result: AHPResult) -> Problems:
    """Why ``result`` is refused: its consistency ratio, then the three worst judgements."""
    problems = Problems()
    problems.add(
        (),
        f"the judgements are too inconsistent: consistency ratio {result.consistency_ratio:.3f} "
        f"is above {CR_LIMIT} — revise the judgements below (or accept them on purpose with "
        "allow_inconsistent set to true)",
    )
    for row in result.judgements.head(3).itertuples():
        problems.add((int(row.item),), _judgement_text(row))
    return problems


def ahp_problems(
    comparisons: Any, criteria: Sequence[Hashable] | None, allow_inconsistent: bool
) -> tuple[AHPResult | None, list[Problem]]:
    """Check AHP comparisons and compute the weights; the checker behind :func:`ahp_weights`.

    Parameters
    ----------
    comparisons : object
        Should be a list of ``[a, b, n]`` triples (see :func:`ahp_weights`).
    criteria : sequence, optional
        The criteria and their order; by default the order of first appearance.
    allow_inconsistent : bool
        Accept a consistency ratio above 0.1.

    Returns
    -------
    result : AHPResult or None
        ``None`` when the comparisons have problems other than inconsistency; when the only
        problem is a consistency ratio above 0.1, the result comes with those problems.
    problems : list of Problem
        Each with the path ``(i,)`` of the comparison at fault, or ``()`` for the whole set.
    """
    if isinstance(comparisons, str | bytes) or not isinstance(comparisons, Sequence):
        return None, [((), "comparisons must be a list of [a, b, n] triples")]
    reader = _ComparisonReader(list(dict.fromkeys(criteria)) if criteria is not None else None)
    for i, item in enumerate(comparisons):
        reader.read(i, item)
    problems = reader.problems
    if not reader.order and not problems:
        problems.add((), "no criteria to compare")
    _check_coverage(reader.order, reader.pairs, problems)
    if problems:
        return None, problems
    result = _ahp_result(reader.order, reader.judged)
    if result.consistency_ratio > CR_LIMIT and not allow_inconsistent:
        return result, _inconsistency_problems(result)
    return result, []


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
    result, problems = ahp_problems(comparisons, criteria, allow_inconsistent)
    if result is not None and problems:  # too inconsistent, and nothing else wrong
        raise AHPInconsistencyError("AHP comparisons", [m for _, m in problems], result)
    return checked("AHP comparisons", result, problems)
