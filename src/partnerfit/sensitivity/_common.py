"""Shared helpers: read a shortlist into arrays, rank with the GSS tie-break, format percents.

Every analysis in :mod:`partnerfit.sensitivity` works on a *shortlist-like* object
(duck-typed; see :func:`read_shortlist`). Candidates are held internally in GSS code
order, so that "ties broken by GSS code" is simply "ties broken by position".
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataValidationError, PartnerfitError

#: Scores (0–100) are compared after rounding to this many decimals, so that two
#: candidates whose scores differ only by floating-point noise count as tied and the
#: GSS code decides.
SCORE_DECIMALS = 9

#: Tolerance on "weights sum to 1".
WEIGHT_SUM_TOL = 1e-6


class SensitivityError(PartnerfitError, ValueError):
    """A sensitivity analysis cannot be run as asked (the message says why and what to do)."""


@dataclass(frozen=True)
class Problem:
    """A shortlist reduced to arrays, candidates in GSS code order.

    Attributes
    ----------
    codes : numpy.ndarray
        Candidate GSS codes, sorted ascending (str).
    names : numpy.ndarray
        Council names in the same order (the code where no name is known).
    criteria : tuple of str
        Criterion ids, in the shortlist's column order.
    labels : tuple of str
        Plain labels for the criteria (the id where no label is known).
    values : numpy.ndarray
        ``(n, m)`` value scores, 0–100.
    weights : numpy.ndarray
        ``(m,)`` weights summing to 1.
    missing : numpy.ndarray or None
        ``(n, m)`` booleans, True where a value was unknown and imputed.
    council, service : object
        Copied from the shortlist (None if absent), for titles and reports.
    """

    codes: np.ndarray
    names: np.ndarray
    criteria: tuple[str, ...]
    labels: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    missing: np.ndarray | None
    council: object = None
    service: object = None

    @property
    def n(self) -> int:
        """Number of candidates."""
        return len(self.codes)

    @property
    def m(self) -> int:
        """Number of criteria."""
        return len(self.criteria)

    def criterion_index(self, criterion: str) -> int:
        """Position of a criterion given by id (or by its exact label).

        Raises
        ------
        SensitivityError
            If the criterion is unknown; the message lists close matches and all ids.
        """
        if criterion in self.criteria:
            return self.criteria.index(criterion)
        if criterion in self.labels:
            return self.labels.index(criterion)
        close = difflib.get_close_matches(str(criterion), list(self.criteria) + list(self.labels))
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise SensitivityError(
            f"Unknown criterion {criterion!r}.{hint} The shortlist's criteria are: "
            f"{', '.join(self.criteria)}."
        )

    def name_of(self, i: int) -> str:
        """Council name of candidate at position ``i``."""
        return str(self.names[i])


def read_shortlist(shortlist: object) -> Problem:
    """Validate a shortlist-like object and return its arrays in GSS code order.

    The object needs ``value_matrix`` (DataFrame: index GSS codes, columns criterion
    ids, values 0–100, no gaps) and ``weights`` (Series over the same criteria,
    summing to 1). Optional: ``names`` (Series code -> name), ``criteria_labels``
    (dict id -> label), ``missing`` (DataFrame of bools shaped like ``value_matrix``),
    ``council`` and ``service``; if it has a ``method`` attribute it must be
    ``"additive"``. Nothing is modified.

    Raises
    ------
    DataValidationError
        Listing every problem found.
    SensitivityError
        If the shortlist was scored with a method other than the additive one.
    """
    problems: list[str] = []
    method = getattr(shortlist, "method", "additive")
    if method not in (None, "additive"):
        raise SensitivityError(
            f"This shortlist was scored with method={method!r}. Weight sensitivity, stability "
            "intervals and SMAA here assume the linear additive model (score = sum of weight x "
            "value); re-run the shortlist with method='additive'."
        )
    vm = getattr(shortlist, "value_matrix", None)
    w = getattr(shortlist, "weights", None)
    if not isinstance(vm, pd.DataFrame):
        problems.append("shortlist.value_matrix is missing or is not a pandas DataFrame.")
    if not isinstance(w, pd.Series):
        problems.append("shortlist.weights is missing or is not a pandas Series.")
    if problems:
        raise DataValidationError("shortlist", problems)
    assert isinstance(vm, pd.DataFrame) and isinstance(w, pd.Series)

    if vm.shape[0] == 0:
        problems.append("shortlist.value_matrix has no candidates (no rows).")
    if vm.shape[1] == 0:
        problems.append("shortlist.value_matrix has no criteria (no columns).")
    codes = [str(c) for c in vm.index]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        problems.append(f"shortlist.value_matrix lists these candidates twice: {', '.join(dup)}.")
    criteria = [str(c) for c in vm.columns]
    dupc = sorted({c for c in criteria if criteria.count(c) > 1})
    if dupc:
        problems.append(f"shortlist.value_matrix has duplicate criteria: {', '.join(dupc)}.")

    try:
        values = vm.to_numpy(dtype=float, copy=True)
    except (TypeError, ValueError):
        problems.append("shortlist.value_matrix holds values that are not numbers.")
        values = np.zeros(vm.shape)
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        problems.append(
            f"shortlist.value_matrix has {int(bad.sum())} missing or non-finite value(s), "
            f"e.g. candidate {codes[r]}, criterion {criteria[c]}; apply a missing-data "
            "policy before the sensitivity analysis."
        )
    out = np.isfinite(values) & ((values < 0) | (values > 100))
    if out.any():
        r, c = np.argwhere(out)[0]
        problems.append(
            f"shortlist.value_matrix has {int(out.sum())} value(s) outside 0–100, e.g. "
            f"candidate {codes[r]}, criterion {criteria[c]} = {values[r, c]:g}."
        )

    wkeys = [str(k) for k in w.index]
    missing_w = [c for c in criteria if c not in wkeys]
    extra_w = [k for k in wkeys if k not in criteria]
    if missing_w:
        problems.append(f"shortlist.weights has no weight for: {', '.join(missing_w)}.")
    if extra_w:
        problems.append(
            f"shortlist.weights has weights for criteria not in value_matrix: {', '.join(extra_w)}."
        )
    weights = np.zeros(len(criteria))
    if not missing_w and not dupc:
        try:
            ws = pd.Series(w.to_numpy(dtype=float), index=wkeys)
            weights = ws.reindex(criteria).to_numpy(dtype=float, copy=True)
        except (TypeError, ValueError):
            problems.append("shortlist.weights holds values that are not numbers.")
        if not np.isfinite(weights).all() or (weights < 0).any():
            problems.append("shortlist.weights must be finite and non-negative.")
        elif abs(weights.sum() - 1.0) > WEIGHT_SUM_TOL:
            problems.append(f"shortlist.weights sum to {weights.sum():.6g}, not 1.")

    miss = getattr(shortlist, "missing", None)
    missing = None
    if miss is not None:
        if not isinstance(miss, pd.DataFrame):
            problems.append("shortlist.missing is not a pandas DataFrame of booleans.")
        else:
            aligned = miss.copy()
            aligned.index = [str(i) for i in aligned.index]
            aligned.columns = [str(c) for c in aligned.columns]
            if set(aligned.index) != set(codes) or set(aligned.columns) != set(criteria):
                problems.append(
                    "shortlist.missing does not have the same candidates and criteria as "
                    "shortlist.value_matrix."
                )
            elif not dup and not dupc:
                missing = aligned.loc[codes, criteria].to_numpy(dtype=bool, copy=True)
    if problems:
        raise DataValidationError("shortlist", problems)

    names_obj = getattr(shortlist, "names", None)
    name_map: Mapping = {}
    if isinstance(names_obj, (pd.Series, Mapping)):
        name_map = {str(k): v for k, v in names_obj.items()}
    labels_obj = getattr(shortlist, "criteria_labels", None) or {}
    labels = tuple(str(labels_obj.get(c, c)) for c in criteria)

    order = np.argsort(np.array(codes, dtype=object), kind="stable")
    codes_sorted = np.array([codes[i] for i in order], dtype=object)
    names = np.array(
        [str(name_map.get(c)) if pd.notna(name_map.get(c)) else c for c in codes_sorted],
        dtype=object,
    )
    return Problem(
        codes=codes_sorted,
        names=names,
        criteria=tuple(criteria),
        labels=labels,
        values=values[order],
        weights=weights,
        missing=None if missing is None else missing[order],
        council=getattr(shortlist, "council", None),
        service=getattr(shortlist, "service", None),
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
