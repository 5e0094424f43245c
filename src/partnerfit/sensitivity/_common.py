"""Shared helpers: the matrix to analyse, ranks with the GSS tie-break, percents.

Every analysis in :mod:`partnerfit.sensitivity` works on a
:class:`~partnerfit.matrix.ValueMatrix` (see :func:`analysis_matrix`). Candidates are held
internally in GSS code order, so that "ties broken by GSS code" is simply "ties broken by
position".
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import DataValidationError, SensitivityError
from ..matrix import ValueMatrix

#: Scores (0–100) are compared after rounding to this many decimals, so that two
#: candidates whose scores differ only by floating-point noise count as tied and the
#: GSS code decides.
SCORE_DECIMALS = 9


def analysis_matrix(shortlist: object) -> ValueMatrix:
    """The value matrix to analyse, in GSS code order, checked for the additive analyses.

    ``shortlist`` is a :class:`~partnerfit.matrix.ValueMatrix`, a
    :class:`~partnerfit.Shortlist` (its :attr:`~partnerfit.Shortlist.matrix`), or any
    shortlist-like object with ``value_matrix`` (DataFrame: index GSS codes, columns
    criterion ids, values 0–100, no gaps) and ``weights`` (Series over the same criteria,
    summing to 1), and optionally ``names`` (Series code -> name), ``criteria_labels``
    (dict id -> label) and ``missing`` (DataFrame of bools shaped like ``value_matrix``). If
    it has a ``method`` attribute it must be ``"additive"``. Nothing is modified.

    Raises
    ------
    DataValidationError
        Listing every problem found.
    SensitivityError
        If the shortlist was scored with a method other than the additive one.
    """
    if isinstance(shortlist, ValueMatrix):
        vm = shortlist
    else:
        _require_additive(shortlist)
        found = getattr(shortlist, "matrix", None)
        vm = found if isinstance(found, ValueMatrix) else _matrix_of(shortlist)
    problems = [] if vm.n else ["shortlist.value_matrix has no candidates (no rows)."]
    problems += vm.gap_problems()
    if problems:
        raise DataValidationError("shortlist", problems)
    return vm.by_code()


def _require_additive(shortlist: object) -> None:
    method = getattr(shortlist, "method", "additive")
    if method not in (None, "additive"):
        raise SensitivityError(
            f"This shortlist was scored with method={method!r}. Weight sensitivity, stability "
            "intervals and SMAA here assume the linear additive model (score = sum of weight x "
            "value); re-run the shortlist with method='additive'."
        )


def _matrix_of(shortlist: object) -> ValueMatrix:
    """A :class:`ValueMatrix` from a duck-typed shortlist's attributes."""
    values = getattr(shortlist, "value_matrix", None)
    weights = getattr(shortlist, "weights", None)
    problems = []
    if not isinstance(values, pd.DataFrame):
        problems.append("shortlist.value_matrix is missing or is not a pandas DataFrame.")
    if not isinstance(weights, pd.Series):
        problems.append("shortlist.weights is missing or is not a pandas Series.")
    if problems:
        raise DataValidationError("shortlist", problems)
    assert isinstance(values, pd.DataFrame) and isinstance(weights, pd.Series)
    names = getattr(shortlist, "names", None)
    return ValueMatrix.from_frame(
        values, weights, names=names if isinstance(names, (pd.Series, Mapping)) else None,
        labels=getattr(shortlist, "criteria_labels", None) or {},
        missing=getattr(shortlist, "missing", None), normalise_weights=False,
        source="shortlist")


def criterion_index(vm: ValueMatrix, criterion: str) -> int:
    """Position of a criterion given by id (or by its exact label).

    Raises
    ------
    SensitivityError
        If the criterion is unknown; the message lists close matches and all ids.
    """
    if criterion in vm.criteria:
        return vm.criteria.index(criterion)
    if criterion in vm.labels:
        return vm.labels.index(criterion)
    close = difflib.get_close_matches(str(criterion), list(vm.criteria) + list(vm.labels))
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise SensitivityError(
        f"Unknown criterion {criterion!r}.{hint} The shortlist's criteria are: "
        f"{', '.join(vm.criteria)}."
    )


def rank_order(scores: np.ndarray) -> np.ndarray:
    """Candidate positions best first, along the last axis.

    ``scores[..., i]`` is the score of the candidate at position ``i`` (GSS code
    order). Higher is better; scores equal after rounding to :data:`SCORE_DECIMALS`
    are tied and the smaller position (smaller GSS code) goes first.
    """
    scores = np.asarray(scores, dtype=float)
    n = scores.shape[-1]
    scale = 10.0**SCORE_DECIMALS
    if scores.size and np.abs(scores).max() * scale * max(n, 1) < 2.0**62:
        # One unique integer key per cell: rounded score first, position breaks ties.
        # Unique keys make the (faster, unstable) default sort deterministic.
        key = -np.rint(scores * scale).astype(np.int64) * n + np.arange(n)
        return np.argsort(key, axis=-1)
    key = -np.round(scores, SCORE_DECIMALS)
    return np.argsort(key, axis=-1, kind="stable")


def ranks_from_scores(scores: np.ndarray) -> np.ndarray:
    """Rank (1 = best) of every candidate along the last axis; see :func:`rank_order`."""
    order = rank_order(scores)
    ranks = np.empty_like(order)
    positions = np.broadcast_to(np.arange(1, scores.shape[-1] + 1), order.shape)
    np.put_along_axis(ranks, order, positions, axis=-1)
    return ranks


def fmt_pct(x: float, decimals: int = 0) -> str:
    """Format a fraction as a percentage: ``0.183 -> '18%'``."""
    return f"{100 * x:.{decimals}f}%"


def pct_decimals(values: list[float], max_decimals: int = 3) -> int:
    """Fewest decimals (0..max) that keep distinct fractions distinct once shown as percents."""
    for d in range(max_decimals + 1):
        ok = True
        for i, a in enumerate(values):
            for b in values[i + 1 :]:
                if abs(a - b) > 1e-9 and fmt_pct(a, d) == fmt_pct(b, d):
                    ok = False
        if ok:
            return d
    return max_decimals


def whole_number(x: object, label: str, low: int = 1) -> int:
    """``x`` as an int of at least ``low``, else :class:`SensitivityError` naming ``label``
    (text, ``True``, NaN, infinities and fractions are refused, not converted)."""
    ok = (not isinstance(x, bool) and isinstance(x, int | float | np.integer | np.floating)
          and np.isfinite(x) and float(x).is_integer() and x >= low)
    if not ok:
        raise SensitivityError(f"{label} must be a whole number of at least {low}, not {x!r}.")
    return int(x)  # type: ignore[call-overload]  # x is a finite real number here
