"""The decision matrix: candidates x criteria, 0-100 values, weights, missing-value flags.

:class:`ValueMatrix` is the one form in which a scored decision travels between the stages of
partnerfit: scoring builds it (:attr:`partnerfit.Shortlist.matrix`), and aggregation, the
sensitivity analyses and the backtest read it. It is validated once, when it is made; a
:class:`ValueMatrix` that exists is well formed. In the spirit of scikit-criteria's
``DecisionMatrix``, with every criterion a benefit on the common 0-100 value scale.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import InitVar, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataValidationError
from .weights import normalise

__all__ = ["VALUE_TOLERANCE", "WEIGHT_SUM_TOLERANCE", "ValueMatrix"]

#: Values may leave 0-100 by this much (rounding in value functions).
VALUE_TOLERANCE = 1e-9
#: Tolerance on "the weights sum to 1".
WEIGHT_SUM_TOLERANCE = 1e-6
_SHOW = 10  # problem cells listed before "and N more"
_GAP_HINT = (" — fill them (a missing-data policy) or use renormalise_missing=True where it is "
             "offered")


@dataclass(frozen=True, eq=False)
class ValueMatrix:
    """Candidates x criteria value scores (0-100, higher better) with the weights to combine them.

    Parameters
    ----------
    codes : array-like of str
        Candidate codes (GSS codes), one per row, each once.
    criteria : sequence of str
        Criterion ids, one per column, each once.
    values : array-like, shape (candidates, criteria)
        Value scores from 0 (worst) to 100 (best). A cell may be NaN only where ``missing``
        flags it: an unknown value no missing-data policy has filled (see :attr:`complete`).
    weights : array-like, shape (criteria,)
        Finite weights, 0 or more, summing to 1; aligned with ``criteria``.
    names : array-like of str, optional
        Candidate names (default: the codes).
    labels : sequence of str, optional
        Plain criterion labels (default: the ids).
    missing : array-like of bool, shape (candidates, criteria), optional
        True where the value was unknown (and, unless NaN, filled by a missing-data policy).
        None when the source recorded no flags.
    reasons : array-like of str, shape (candidates, criteria), optional
        Why a cell is flagged, e.g. ``"unknown: neutral 50"`` ("" where nothing to say).
    source : str, default "value matrix"
        What the matrix is, for error messages (not stored).

    Raises
    ------
    DataValidationError
        Listing every problem found: shapes, duplicate codes or criteria, values outside
        0-100 or missing without a flag, bad weights.

    Examples
    --------
    >>> m = ValueMatrix(["E2", "E1"], ["distance", "systems"], [[100, 0], [50, 100]],
    ...                 [0.75, 0.25])
    >>> m.to_frame()
          distance  systems
    code
    E2       100.0      0.0
    E1        50.0    100.0
    >>> m.subset(["E1"]).values.tolist()
    [[50.0, 100.0]]
    >>> (m.values @ m.with_weights({"distance": 1, "systems": 1}).weights).tolist()
    [50.0, 75.0]
    """

    codes: np.ndarray
    criteria: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    names: np.ndarray = None  # type: ignore[assignment]  # filled in __post_init__
    labels: tuple[str, ...] = None  # type: ignore[assignment]  # filled in __post_init__
    missing: np.ndarray | None = None
    reasons: np.ndarray = None  # type: ignore[assignment]  # filled in __post_init__
    source: InitVar[str] = "value matrix"

    def __post_init__(self, source: str) -> None:
        codes = np.array([str(c) for c in np.asarray(self.codes, dtype=object).ravel()],
                         dtype=object)
        criteria = tuple(str(c) for c in self.criteria)
        n, m = len(codes), len(criteria)
        names = codes.copy() if self.names is None else np.array(
            [str(x) for x in np.asarray(self.names, dtype=object).ravel()], dtype=object)
        labels = criteria if self.labels is None else tuple(str(x) for x in self.labels)
        missing = None if self.missing is None else np.asarray(self.missing, dtype=bool)
        reasons = (np.full((n, m), "", dtype=object) if self.reasons is None
                   else np.asarray(self.reasons, dtype=object))
        fields = {"codes": codes, "criteria": criteria, "names": names, "labels": labels,
                  "values": np.asarray(self.values, dtype=float),
                  "weights": np.asarray(self.weights, dtype=float).ravel(),
                  "missing": missing, "reasons": reasons}
        for key, val in fields.items():
            object.__setattr__(self, key, val)
        problems = _shape_problems(self)
        if not problems:
            problems = (_label_problems(self) + _value_problems(self)
                        + _weight_problems(self.weights))
        if problems:
            raise DataValidationError(source, problems)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frame(cls, values: pd.DataFrame, weights: pd.Series | Mapping[str, Any], *,
                   names: pd.Series | Mapping[str, Any] | None = None,
                   labels: Mapping[str, str] | None = None,
                   missing: pd.DataFrame | None = None, reasons: pd.DataFrame | None = None,
                   gaps: bool = False, normalise_weights: bool = True,
                   source: str = "value matrix") -> ValueMatrix:
        """A matrix from a DataFrame (index codes, columns criteria) and a weight Series.

        Parameters
        ----------
        values : pandas.DataFrame
            Index = candidate codes, columns = criteria, value scores 0-100.
        weights : pandas.Series or mapping
            One weight per column.
        names, labels : mapping, optional
            Code -> candidate name; criterion id -> plain label (missing keys: the id).
        missing, reasons : pandas.DataFrame, optional
            Flags and their reasons, with the same codes and criteria as ``values``.
        gaps : bool, default False
            Flag every NaN cell as missing (an unknown value left for the method to handle).
            Otherwise a NaN cell is a problem unless ``missing`` flags it.
        normalise_weights : bool, default True
            Scale non-negative weights to sum 1 (any scale accepted). Otherwise they must
            already sum to 1.
        source : str
            What is being read, for error messages.

        Returns
        -------
        ValueMatrix

        Raises
        ------
        TypeError
            If ``values`` is not a DataFrame or ``weights`` not a Series or mapping.
        DataValidationError
            Every problem found (criteria without weights, non-numeric values, ...).
        """
        if not isinstance(values, pd.DataFrame):
            raise TypeError(f"values must be a pandas DataFrame, got {type(values).__name__}")
        if isinstance(weights, Mapping):
            weights = pd.Series(weights, dtype=object)
        if not isinstance(weights, pd.Series):
            raise TypeError(f"weights must be a pandas Series, got {type(weights).__name__}")
        problems = _alignment_problems(values, weights)
        if problems:
            raise DataValidationError(source, problems)
        x = _numeric(values, source)
        if normalise_weights:
            w = normalise(weights).reindex(values.columns).to_numpy(dtype=float)
        else:
            w = _as_floats(weights.reindex(values.columns), "weights", source)
        flags = None if missing is None else _aligned(missing, values, "missing", source)
        if gaps:
            flags = np.isnan(x) if flags is None else flags | np.isnan(x)
        why = (np.full(x.shape, "", dtype=object) if reasons is None
               else _aligned(reasons, values, "reasons", source, dtype=object))
        return cls(codes=values.index.to_numpy(), criteria=tuple(values.columns), values=x,
                   weights=w, names=np.array(_lookup(names, values.index), dtype=object),
                   labels=tuple(_lookup(labels, values.columns)), missing=flags, reasons=why,
                   source=source)

    # ------------------------------------------------------------------ shape
    @property
    def n(self) -> int:
        """Number of candidates."""
        return len(self.codes)

    @property
    def m(self) -> int:
        """Number of criteria."""
        return len(self.criteria)

    @property
    def complete(self) -> bool:
        """True when every cell holds a value (no unfilled gap)."""
        return not np.isnan(self.values).any()

    def gap_problems(self) -> list[str]:
        """The unfilled gaps as a problem sentence (empty list when :attr:`complete`)."""
        gap = np.isnan(self.values)
        return [self._cells(gap, "missing") + _GAP_HINT] if gap.any() else []

    def require_complete(self, source: str) -> None:
        """Raise :class:`DataValidationError` naming ``source`` if any cell is a gap."""
        problems = self.gap_problems()
        if problems:
            raise DataValidationError(source, problems)

    def _cells(self, mask: np.ndarray, what: str, show_values: bool = False) -> str:
        """"2 values are outside 0–100: E1/a (120), E2/b (-3)"."""
        rows, cols = np.nonzero(mask)
        shown = []
        for r, c in list(zip(rows, cols, strict=True))[:_SHOW]:
            v = f" ({self.values[r, c]:g})" if show_values else ""
            shown.append(f"{self.codes[r]}/{self.criteria[c]}{v}")
        more = f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else ""
        verb = "value is" if len(rows) == 1 else "values are"
        return f"{len(rows)} {verb} {what}: {', '.join(shown)}{more}"

    # ------------------------------------------------------------------ new matrices
    def take(self, rows: Sequence[int] | np.ndarray) -> ValueMatrix:
        """The matrix with only the rows at positions ``rows``, in that order."""
        idx = np.asarray(rows, dtype=np.int64)
        return replace(self, codes=self.codes[idx], names=self.names[idx],
                       values=self.values[idx], reasons=self.reasons[idx],
                       missing=None if self.missing is None else self.missing[idx])

    def subset(self, codes: Iterable[str]) -> ValueMatrix:
        """The matrix with only the candidates ``codes``, in that order.

        Raises
        ------
        KeyError
            If a code is not a candidate.
        """
        wanted = [str(c) for c in codes]
        pos = pd.Index(self.codes).get_indexer(wanted)
        if (pos < 0).any():
            unknown = [c for c, p in zip(wanted, pos, strict=True) if p < 0]
            raise KeyError(f"not candidates of this matrix: {', '.join(unknown)}")
        return self.take(pos)

    def code_order(self) -> np.ndarray:
        """Row positions that sort the candidates by code (the tie-break order)."""
        return np.argsort(self.codes.astype(str), kind="stable")

    def by_code(self) -> ValueMatrix:
        """The matrix with its rows sorted by candidate code."""
        return self.take(self.code_order())

    def with_weights(self, weights: pd.Series | Mapping[str, float] | np.ndarray
                     ) -> ValueMatrix:
        """The same values with other weights (any non-negative scale; normalised here).

        ``weights`` is a mapping or Series over every criterion, or an array aligned with
        :attr:`criteria`.
        """
        if isinstance(weights, np.ndarray):
            weights = pd.Series(weights, index=list(self.criteria))
        return ValueMatrix.from_frame(self.to_frame(), weights, names=self.name_series(),
                                      labels=dict(zip(self.criteria, self.labels, strict=True)),
                                      missing=self.missing_frame(),
                                      reasons=self.reasons_frame())

    # ------------------------------------------------------------------ as pandas
    def _frame(self, data: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(data, index=pd.Index(self.codes.copy(), name="code"),
                            columns=pd.Index(list(self.criteria), dtype=object), copy=True)

    def to_frame(self) -> pd.DataFrame:
        """The values as a DataFrame: index ``code``, one column per criterion (a copy)."""
        return self._frame(self.values)

    def missing_frame(self) -> pd.DataFrame | None:
        """The missing flags as a DataFrame shaped like :meth:`to_frame` (None if unknown)."""
        return None if self.missing is None else self._frame(self.missing)

    def reasons_frame(self) -> pd.DataFrame:
        """The reasons as a DataFrame of str shaped like :meth:`to_frame`."""
        return self._frame(self.reasons)

    def weight_series(self) -> pd.Series:
        """The weights as a Series named ``"weight"`` over the criterion ids."""
        return pd.Series(self.weights.copy(), index=pd.Index(list(self.criteria), dtype=object),
                         name="weight")

    def name_series(self) -> pd.Series:
        """Candidate code -> name."""
        return pd.Series(self.names.copy(), index=pd.Index(self.codes.copy(), name="code"),
                         name="name")


# --------------------------------------------------------------------------- validation

def _shape_problems(vm: ValueMatrix) -> list[str]:
    """Shapes that do not fit the codes and criteria (nothing else is checked if any)."""
    n, m = vm.n, vm.m
    want = {"values": (vm.values, (n, m)), "weights": (vm.weights, (m,)),
            "names": (vm.names, (n,)), "reasons": (vm.reasons, (n, m))}
    if vm.missing is not None:
        want["missing"] = (vm.missing, (n, m))
    problems = [f"{key} has shape {arr.shape}, expected {shape} (candidates x criteria)"
                for key, (arr, shape) in want.items() if arr.shape != shape]
    if len(vm.labels) != m:
        problems.append(f"{len(vm.labels)} labels for {m} criteria")
    if m == 0:
        problems.append("the value matrix has no criteria")
    return problems


def _label_problems(vm: ValueMatrix) -> list[str]:
    """Candidates or criteria given twice."""
    return _duplicate_problems(vm.codes, vm.criteria)


def _duplicate_problems(codes: Iterable[Hashable], criteria: Iterable[Hashable]) -> list[str]:
    """A sentence for candidate codes given twice and one for criteria given twice."""
    problems = []
    index = pd.Index(list(codes))
    dup = index[index.duplicated()].unique()
    if len(dup):
        problems.append(
            f"candidate{'s' if len(dup) > 1 else ''} {', '.join(map(str, dup[:_SHOW]))} "
            "appear more than once — give each candidate one row")
    crit = pd.Index(list(criteria))
    dupc = crit[crit.duplicated()].unique()
    if len(dupc):
        problems.append(f"criteria {', '.join(map(repr, dupc))} appear more than once")
    return problems


def _value_problems(vm: ValueMatrix) -> list[str]:
    """Gaps without a missing flag, infinities, values outside 0-100."""
    x = vm.values
    nan = np.isnan(x)
    problems = []
    unflagged = nan if vm.missing is None else nan & ~vm.missing
    if unflagged.any():
        problems.append(vm._cells(unflagged, "missing") + _GAP_HINT)
    out = ~nan & ((x < -VALUE_TOLERANCE) | (x > 100 + VALUE_TOLERANCE))
    if out.any():
        problems.append(vm._cells(out, "outside 0–100", show_values=True)
                        + " — values must be value scores from 0 (worst) to 100 (best)")
    return problems


def _weight_problems(w: np.ndarray) -> list[str]:
    """Weights that are not finite, negative, or do not sum to 1."""
    if not np.isfinite(w).all() or (w < 0).any():
        return ["weights must be finite and non-negative"]
    total = math.fsum(w)
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        return [f"weights sum to {total:.6g}, not 1"]
    return []


def _alignment_problems(values: pd.DataFrame, weights: pd.Series) -> list[str]:
    """Candidates or criteria twice, criteria without a weight, weights without a criterion."""
    problems = _duplicate_problems(values.index, values.columns)
    if values.shape[1] == 0:
        problems.append("the value matrix has no criteria")
    no_weight = [c for c in values.columns if c not in weights.index]
    no_column = [c for c in weights.index if c not in values.columns]
    if no_weight:
        problems.append(f"no weight for criteria {', '.join(map(repr, no_weight))} — give "
                        "every column a weight (0 is allowed)")
    if no_column:
        problems.append(f"weights given for {', '.join(map(repr, no_column))}, which are not "
                        "columns of the value matrix")
    return problems


def _numeric(values: pd.DataFrame, source: str) -> np.ndarray:
    """The values as floats (NaN for missing), or an error naming the non-numeric columns."""
    try:
        return values.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        bad = [c for c in values.columns if not pd.api.types.is_numeric_dtype(values[c])]
        raise DataValidationError(
            source,
            [f"criterion {c!r} holds non-numeric values — value scores must be numbers"
             for c in bad] or ["the value matrix holds non-numeric values"],
        ) from None


def _as_floats(weights: pd.Series, what: str, source: str) -> np.ndarray:
    try:
        return weights.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataValidationError(source, [f"{what} holds values that are not numbers"]) from None


def _aligned(frame: pd.DataFrame, values: pd.DataFrame, what: str, source: str,
             dtype: Any = bool) -> np.ndarray:
    """``frame`` (same codes and criteria as ``values``) as an array in ``values``' order."""
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(source, [f"{what} is not a pandas DataFrame"])
    same = (set(map(str, frame.index)) == set(map(str, values.index))
            and set(map(str, frame.columns)) == set(map(str, values.columns)))
    if not same:
        raise DataValidationError(source, [(f"{what} does not have the same candidates and "
                                            "criteria as the value matrix")])
    out = frame.copy()
    out.index = [str(i) for i in out.index]
    out.columns = [str(c) for c in out.columns]
    rows = [str(i) for i in values.index]
    cols = [str(c) for c in values.columns]
    return out.loc[rows, cols].to_numpy(dtype=dtype, copy=True)


def _lookup(mapping: Mapping[str, Any] | pd.Series | None, keys: Iterable[Hashable]
            ) -> list[str]:
    """``mapping[key]`` for every key as str (the key itself where absent or NaN)."""
    found = {} if mapping is None else {str(k): v for k, v in mapping.items()}
    return [str(found[str(k)]) if pd.notna(found.get(str(k))) else str(k) for k in keys]
