"""Value functions: turn one criterion's measure into a 0–100 value score.

The DCLG multi-criteria analysis manual scores every option on every criterion on a
0–100 scale through an explicit, stated value function (100 = the best outcome that
matters, 0 = the worst).  Three kinds cover partnerfit's criteria:

* :class:`PiecewiseLinear` — points ``(x, value)`` joined by straight lines, flat beyond
  the first and last point (e.g. distance: 0 km scores 100, 10 km 80, 100 km or more 0);
* :class:`Linear` — a straight line from 0 at ``min`` to 100 at ``max`` (or the reverse
  with ``decreasing``), flat outside;
* :class:`Categorical` — a value per label or boolean (``same`` 100, ``different`` 0).

Every value function is vectorised: call it on a scalar, a list, a numpy array or a
pandas Series (the result keeps the Series' index).  Missing input (NaN or None) gives
NaN: a value function never invents a score for missing data.

YAML form (in ``criteria/*.yaml``), read with :func:`value_function_from_spec` and written
back by each function's ``to_spec()``::

    value: {type: piecewise, points: [[0, 100], [10, 80], [100, 0]], direction: decreasing,
            unit: km}
    value: {type: linear, min: 0, max: 50}                 # 0 at 0, 100 at 50 and above
    value: {type: linear, min: 0.5, max: 2, decreasing: true}
    value: {type: categorical, values: {same: 100, compatible: 60, different: 0}}
    value: {type: categorical, values: {true: 100, false: 0}, default: 50}

``direction`` (``increasing``, ``decreasing`` or ``non-monotone``) is optional; when
given it is checked against the points, which catches a mistyped point.  ``unit`` is
only used in :meth:`describe`.  Note that YAML reads the bare words ``yes``/``no``/
``on``/``off`` as booleans, so ``{yes: 100, no: 0}`` is keyed by ``True``/``False``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ._yaml import as_number, at, did_you_mean, is_finite_number
from .errors import DataValidationError

__all__ = [
    "DIRECTIONS",
    "Categorical",
    "Linear",
    "PiecewiseLinear",
    "ValueFunction",
    "value_function_from_spec",
]

DIRECTIONS = ("increasing", "decreasing", "non-monotone")
_SPEC_KEYS = {
    "piecewise": ("type", "points", "direction", "unit"),
    "linear": ("type", "min", "max", "decreasing", "unit"),
    "categorical": ("type", "values", "default"),
}


# --------------------------------------------------------------------------- helpers


def _fmt(x: float) -> str:
    """Format a number for people: ``10``, ``2.5``, ``100,000``."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}"


def _plain_number(x: float) -> int | float:
    """An int when ``x`` is whole (so YAML shows ``10`` rather than ``10.0``)."""
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else float(x)


def _with_unit(x: float, unit: str) -> str:
    if not unit:
        return _fmt(x)
    return f"{_fmt(x)}{unit}" if unit.startswith("%") else f"{_fmt(x)} {unit}"


def _label(label: Hashable) -> str:
    if isinstance(label, bool | np.bool_):
        return "yes" if label else "no"
    return str(label)


def _value_problem(value: Any) -> str | None:
    """Why ``value`` is not a valid 0–100 score, or ``None`` if it is."""
    x = as_number(value)
    if x is None:
        return f"{value!r} is not a number"
    if not math.isfinite(x):
        return f"{value!r} is not a finite number"
    if not 0.0 <= x <= 100.0:
        return f"{_fmt(x)} is outside 0–100"
    return None


def _to_float_array(x: Any, what: str) -> tuple[np.ndarray, Any]:
    """Return ``x`` as a float array and a function that wraps a result like ``x``."""
    if isinstance(x, pd.Series):
        index, name = x.index, x.name
        try:
            arr = x.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            arr = None

        def wrap(out: np.ndarray) -> Any:
            return pd.Series(out, index=index, name=name)
    else:
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            arr = None
        scalar = np.ndim(x) == 0

        def wrap(out: np.ndarray) -> Any:
            return float(out) if scalar else out

    if arr is None:
        bad = [v for v in np.ravel(np.asarray(x, dtype=object)) if as_number(v) is None]
        bad = [v for v in bad if v is not None and not (isinstance(v, float) and math.isnan(v))]
        shown = ", ".join(repr(v) for v in bad[:5])
        raise DataValidationError(
            what, [f"expected numbers, got {shown} — this value function scores numbers only"]
        )
    return arr, wrap


# --------------------------------------------------------------------------- classes


class ValueFunction(ABC):
    """A 0–100 value function (the interface shared by every kind).

    Subclasses are immutable and compare equal when they define the same function.
    """

    kind: ClassVar[str]

    @abstractmethod
    def __call__(self, x: Any) -> Any:
        """Score ``x`` (scalar, list, array or Series); NaN/None in gives NaN out."""

    @abstractmethod
    def describe(self) -> str:
        """Return a plain-English description of the function."""

    @abstractmethod
    def to_spec(self) -> dict[str, Any]:
        """Return the YAML spec that :func:`value_function_from_spec` reads back."""


def _points_problems(points: Any) -> tuple[list[tuple[float, float]], list[tuple[int | None, str]]]:
    """Check piecewise points; problems are ``(item index or None, message)``."""
    problems: list[tuple[int | None, str]] = []
    if isinstance(points, str | bytes) or not isinstance(points, Sequence | np.ndarray):
        return [], [(None, "'points' must be a list of [x, value] pairs, e.g. [[0, 100], [10, 0]]")]
    clean: list[tuple[float, float]] = []
    for i, pt in enumerate(points):
        n = i + 1
        if isinstance(pt, str | bytes) or not isinstance(pt, Sequence | np.ndarray) or len(pt) != 2:
            problems.append((i, f"point {n} ({pt!r}) must be a pair [x, value]"))
            continue
        x, v = pt
        ok = True
        if not is_finite_number(x):
            problems.append((i, f"point {n}: x {x!r} is not a finite number"))
            ok = False
        why = _value_problem(v)
        if why is not None:
            problems.append((i, f"point {n}: value {why} — values must lie in 0–100"))
            ok = False
        if ok:
            clean.append((float(x), float(v)))
    if len(points) < 2:
        problems.append(
            (None, f"a piecewise value function needs at least 2 points, got {len(points)}")
        )
    if not problems:
        for i in range(1, len(clean)):
            if clean[i][0] <= clean[i - 1][0]:
                problems.append(
                    (
                        i,
                        (
                            f"point {i + 1}: x {_fmt(clean[i][0])} must be greater than the "
                            f"previous point's x {_fmt(clean[i - 1][0])} — list points in "
                            "increasing x order"
                        ),
                    )
                )
    return clean, problems


def _infer_direction(points: Sequence[tuple[float, float]]) -> str:
    v = np.array([p[1] for p in points])
    steps = np.diff(v)
    if np.all(steps >= 0):
        return "increasing"
    if np.all(steps <= 0):
        return "decreasing"
    return "non-monotone"


def _direction_problems(
    points: Sequence[tuple[float, float]] | None, direction: Any
) -> list[tuple[int | None, str]]:
    """Check ``direction``; against ``points`` too unless they are ``None`` (not yet valid)."""
    if direction is None:
        return []
    if direction not in DIRECTIONS:
        return [
            (
                None,
                f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}"
                + did_you_mean(direction, DIRECTIONS),
            )
        ]
    problems: list[tuple[int | None, str]] = []
    pts = points or ()
    for i in range(1, len(pts)):
        (x0, v0), (x1, v1) = pts[i - 1], pts[i]
        if (direction == "increasing" and v1 < v0) or (direction == "decreasing" and v1 > v0):
            verb = "falls" if v1 < v0 else "rises"
            problems.append(
                (
                    i,
                    (
                        f"direction is {direction!r} but the value {verb} from {_fmt(v0)} at "
                        f"x = {_fmt(x0)} to {_fmt(v1)} at x = {_fmt(x1)} — fix the point or the "
                        "direction"
                    ),
                )
            )
    return problems


def _interpolate(x: np.ndarray, xp: np.ndarray, vp: np.ndarray) -> np.ndarray:
    """Straight-line interpolation, flat beyond the ends, NaN where ``x`` is NaN.

    Unlike ``numpy.interp`` it never forms the slope ``dv / dx`` on its own, which
    overflows to infinity when two points are closer together than ``dv`` is large
    (a gap of 1e-309 between points); the fraction of the gap covered is always in [0, 1].
    """
    k = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(xp) - 2)
    x0, x1 = xp[k], xp[k + 1]
    with np.errstate(over="ignore"):  # a probe far beyond a tiny gap: +/-inf, clipped below
        share = np.clip((x - x0) / (x1 - x0), 0.0, 1.0)
    return vp[k] + (vp[k + 1] - vp[k]) * share


@dataclass(frozen=True)
class PiecewiseLinear(ValueFunction):
    """Piecewise-linear value function through ``points``, flat outside them.

    Parameters
    ----------
    points : sequence of (x, value)
        At least two points; ``x`` strictly increasing and finite; values in 0–100.
    direction : {"increasing", "decreasing", "non-monotone"}, optional
        Checked against the points when given (``increasing`` means the value never
        falls as x grows); inferred from the points when omitted.
    unit : str, optional
        Unit of x, used only by :meth:`describe` (e.g. ``"km"``).

    Raises
    ------
    DataValidationError
        Listing every problem with the points or the direction.

    Examples
    --------
    >>> f = PiecewiseLinear([(0, 100), (10, 80), (100, 0)], "decreasing", unit="km")
    >>> f([5, 55, 500]).tolist()
    [90.0, 40.0, 0.0]
    """

    points: tuple[tuple[float, float], ...]
    direction: str | None = None
    unit: str = ""
    kind: ClassVar[str] = "piecewise"
    _x: np.ndarray = field(init=False, repr=False, compare=False)
    _v: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        clean, problems = _points_problems(self.points)
        problems += _direction_problems(None if problems else clean, self.direction)
        if not isinstance(self.unit, str):
            problems.append((None, f"unit {self.unit!r} must be text such as 'km'"))
        if problems:
            raise DataValidationError("piecewise value function", [m for _, m in problems])
        object.__setattr__(self, "points", tuple(clean))
        object.__setattr__(self, "direction", self.direction or _infer_direction(clean))
        object.__setattr__(self, "_x", np.array([p[0] for p in clean]))
        object.__setattr__(self, "_v", np.array([p[1] for p in clean]))

    def __call__(self, x: Any) -> Any:
        """Score ``x``; values outside the points' range take the nearest end value.

        Parameters
        ----------
        x : float, array-like or pandas.Series
            The measure (NaN or None for missing).

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Same shape (and index) as ``x``; NaN where ``x`` is missing.
        """
        arr, wrap = _to_float_array(x, "piecewise value function")
        return wrap(_interpolate(arr, self._x, self._v))

    def describe(self) -> str:
        """Return e.g. ``"0 km scores 100, 10 km scores 80, 100 km or more scores 0"``.

        Returns
        -------
        str
        """
        parts = []
        last = len(self.points) - 1
        for i, (x, v) in enumerate(self.points):
            text = _with_unit(x, self.unit)
            # Measures starting at 0 (distances, counts, ratios) cannot go below it, so
            # "0 km or less" would only confuse; any negative input still scores as at 0.
            if i == 0 and x != 0:
                text += " or less"
            elif i == last:
                text += " or more"
            parts.append(f"{text} scores {_fmt(v)}")
        return ", ".join(parts) + " (straight lines in between)"

    def to_spec(self) -> dict[str, Any]:
        """Return ``{type: piecewise, points: [...], direction: ...[, unit: ...]}``.

        Returns
        -------
        dict
        """
        spec: dict[str, Any] = {
            "type": self.kind,
            "points": [[_plain_number(x), _plain_number(v)] for x, v in self.points],
            "direction": self.direction,
        }
        if self.unit:
            spec["unit"] = self.unit
        return spec


@dataclass(frozen=True)
class Linear(ValueFunction):
    """Straight-line value function: 0 at ``min`` and 100 at ``max`` (reversed if ``decreasing``).

    Parameters
    ----------
    min, max : float
        The range over which the value changes (``min < max``); flat outside it.
    decreasing : bool, default False
        If true, ``min`` scores 100 and ``max`` scores 0.
    unit : str, optional
        Unit of x, used only by :meth:`describe`.

    Raises
    ------
    DataValidationError
        If the bounds are not finite numbers with ``min < max``.
    """

    min: float
    max: float
    decreasing: bool = False
    unit: str = ""
    kind: ClassVar[str] = "linear"
    _curve: PiecewiseLinear = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = _linear_problems(self.min, self.max, self.decreasing)
        if problems:
            raise DataValidationError("linear value function", [m for _, m in problems])
        lo, hi = float(self.min), float(self.max)
        object.__setattr__(self, "min", lo)
        object.__setattr__(self, "max", hi)
        object.__setattr__(self, "decreasing", bool(self.decreasing))
        values = (100.0, 0.0) if self.decreasing else (0.0, 100.0)
        curve = PiecewiseLinear(((lo, values[0]), (hi, values[1])), unit=self.unit)
        object.__setattr__(self, "_curve", curve)

    @property
    def points(self) -> tuple[tuple[float, float], ...]:
        """The two end points, as for :class:`PiecewiseLinear`."""
        return self._curve.points

    @property
    def direction(self) -> str:
        """``"decreasing"`` or ``"increasing"``."""
        return "decreasing" if self.decreasing else "increasing"

    def __call__(self, x: Any) -> Any:
        """Score ``x`` (see :meth:`PiecewiseLinear.__call__`)."""
        return self._curve(x)

    def describe(self) -> str:
        """Return e.g. ``"0 km scores 0, 50 km or more scores 100 (straight lines in between)"``."""
        return self._curve.describe()

    def to_spec(self) -> dict[str, Any]:
        """Return ``{type: linear, min: ..., max: ..., decreasing: ...[, unit: ...]}``."""
        spec: dict[str, Any] = {
            "type": self.kind,
            "min": _plain_number(self.min),
            "max": _plain_number(self.max),
            "decreasing": self.decreasing,
        }
        if self.unit:
            spec["unit"] = self.unit
        return spec


def _linear_problems(lo: Any, hi: Any, decreasing: Any) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    for key, val in (("min", lo), ("max", hi)):
        if not is_finite_number(val):
            problems.append((key, f"'{key}' {val!r} is not a finite number"))
    if not problems and float(lo) >= float(hi):
        problems.append(
            (
                "max",
                (
                    f"'max' ({_fmt(hi)}) must be greater than 'min' ({_fmt(lo)}) — use "
                    "'decreasing: true' for a value that falls as the measure grows"
                ),
            )
        )
    if not isinstance(decreasing, bool | np.bool_):
        problems.append(("decreasing", f"'decreasing' must be true or false, got {decreasing!r}"))
    return problems


def _label_problem(label: Any) -> str | None:
    if isinstance(label, bool | np.bool_ | str):
        return None if label != "" else "an empty label is not allowed"
    return f"label {label!r} must be text or true/false (quote it if it is a number or date)"


@dataclass(frozen=True)
class Categorical(ValueFunction):
    """Value per label (text or boolean), e.g. ``{"same": 100, "different": 0}``.

    Parameters
    ----------
    mapping : mapping of label -> value
        Labels are text or booleans; values in 0–100.
    default : float, optional
        Value for labels not in ``mapping``.  Without it an unknown label is an error.

    Raises
    ------
    DataValidationError
        For a bad label or value when built; for unknown labels when called (naming them).

    Notes
    -----
    Matching is exact (``"Same"`` is not ``"same"``).  Missing input (None/NaN) gives NaN,
    never the default.
    """

    mapping: Mapping[Hashable, float]
    default: float | None = None
    kind: ClassVar[str] = "categorical"

    def __post_init__(self) -> None:
        problems = _categorical_problems(self.mapping, self.default)
        if problems:
            raise DataValidationError("categorical value function", [m for _, m in problems])
        object.__setattr__(self, "mapping", {k: float(v) for k, v in self.mapping.items()})
        if self.default is not None:
            object.__setattr__(self, "default", float(self.default))

    __hash__ = None  # type: ignore[assignment]  # holds a dict

    def __call__(self, x: Any) -> Any:
        """Score labels ``x`` (a label, list, array or Series).

        Parameters
        ----------
        x : label, array-like or pandas.Series
            Labels; None/NaN for missing.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Same shape (and index) as ``x``; NaN where ``x`` is missing.

        Raises
        ------
        DataValidationError
            If a label is not in the mapping and there is no default.
        """
        scalar = not isinstance(x, pd.Series | np.ndarray | list | tuple)
        if isinstance(x, pd.Series):
            series, shape = x, None
        else:
            labels = np.empty(1, dtype=object) if scalar else np.asarray(x, dtype=object)
            if scalar:
                labels[0] = x
            series, shape = pd.Series(labels.ravel(), dtype=object), labels.shape
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        unknown = [u for u in uniques if u not in self.mapping]
        if unknown and self.default is None:
            known = list(self.mapping)
            raise DataValidationError(
                "categorical value function",
                [
                    f"label {u!r} has no value{did_you_mean(u, known)} (known labels: "
                    f"{', '.join(repr(k) for k in known)}) — add it to the values or give a "
                    "default"
                    for u in unknown[:20]
                ],
            )
        table = np.array(
            [self.mapping.get(u, self.default) for u in uniques] + [np.nan], dtype=float
        )
        out = table[codes]  # code -1 (missing) picks the trailing NaN
        if isinstance(x, pd.Series):
            return pd.Series(out, index=x.index, name=x.name)
        if scalar:
            return float(out[0])
        return out.reshape(shape)

    def describe(self) -> str:
        """Return e.g. ``"same scores 100, compatible scores 60, different scores 0"``.

        Returns
        -------
        str
        """
        text = ", ".join(f"{_label(k)} scores {_fmt(v)}" for k, v in self.mapping.items())
        if self.default is not None:
            text += f"; anything else scores {_fmt(self.default)}"
        return text

    def to_spec(self) -> dict[str, Any]:
        """Return ``{type: categorical, values: {...}[, default: ...]}``.

        Returns
        -------
        dict
        """
        spec: dict[str, Any] = {
            "type": self.kind,
            "values": {k: _plain_number(v) for k, v in self.mapping.items()},
        }
        if self.default is not None:
            spec["default"] = _plain_number(self.default)
        return spec


def _categorical_problems(mapping: Any, default: Any) -> list[tuple[Any, str]]:
    """Problems as ``(label or None, message)``; ``None`` for the mapping/default as a whole."""
    problems: list[tuple[Any, str]] = []
    if not isinstance(mapping, Mapping) or not mapping:
        problems.append((None, "'values' must be a non-empty mapping of label: value"))
        mapping = {}
    for label, value in mapping.items():
        why = _label_problem(label)
        if why is not None:
            problems.append((label, why))
        why = _value_problem(value)
        if why is not None:
            problems.append(
                (label, f"value for {_label(label)!r}: {why} — values must lie in 0–100")
            )
    if default is not None:
        why = _value_problem(default)
        if why is not None:
            problems.append(("default", f"'default': {why} — it must lie in 0–100"))
    return problems


# --------------------------------------------------------------------------- YAML specs


def value_function_from_spec(
    spec: Mapping[str, Any], where: str, *, problems: list[str] | None = None
) -> ValueFunction | None:
    """Build a value function from its YAML spec, reporting every problem at once.

    Parameters
    ----------
    spec : mapping
        ``{type: piecewise|linear|categorical, ...}`` as described in the module docstring.
        When it was loaded by :mod:`partnerfit._yaml`, problems inside it name their own line.
    where : str
        Where the spec was written, e.g. ``"criteria/default.yaml line 12"``; starts every
        message.
    problems : list of str, optional
        If given, problems are appended to it and ``None`` is returned instead of raising,
        so a caller can collect problems from many specs into one error.

    Returns
    -------
    ValueFunction or None
        ``None`` only when ``problems`` was given and something was wrong.

    Raises
    ------
    DataValidationError
        Listing every problem (only when ``problems`` is not given).

    Examples
    --------
    >>> f = value_function_from_spec({"type": "linear", "min": 0, "max": 50}, "example")
    >>> f(25)
    50.0
    """
    found: list[str] = []
    result = _from_spec(spec, where, found)
    if found:
        if problems is not None:
            problems.extend(found)
            return None
        source = where.rsplit(" line ", 1)[0]
        raise DataValidationError(source, found)
    return result


def _from_spec(spec: Any, where: str, found: list[str]) -> ValueFunction | None:
    if not isinstance(spec, Mapping):
        found.append(
            f"{where}: a value function must be a mapping such as {{type: piecewise, points: "
            f"[[0, 100], [50, 0]]}}, got {spec!r}"
        )
        return None
    kind = spec.get("type")
    if kind is None:
        found.append(
            f"{where}: the value function has no 'type' — use one of {', '.join(_SPEC_KEYS)}"
        )
        return None
    if kind not in _SPEC_KEYS:
        found.append(
            f"{at(where, spec, 'type')}: unknown value function type {kind!r}"
            f"{did_you_mean(kind, _SPEC_KEYS)} (use one of {', '.join(_SPEC_KEYS)})"
        )
        return None
    allowed = _SPEC_KEYS[kind]
    n_before = len(found)
    for key in spec:
        if key not in allowed:
            found.append(
                f"{at(where, spec, key)}: unknown key {key!r} for a {kind} value function"
                f"{did_you_mean(key, allowed)} (allowed: {', '.join(allowed[1:])})"
            )
    unit = spec.get("unit", "")
    if not isinstance(unit, str):
        found.append(f"{at(where, spec, 'unit')}: unit {unit!r} must be text such as 'km'")

    if kind == "piecewise":
        points = spec.get("points")
        if points is None:
            found.append(
                f"{where}: a piecewise value function needs 'points', e.g. "
                "[[0, 100], [10, 80], [100, 0]]"
            )
            return None
        clean, point_problems = _points_problems(points)
        for idx, msg in point_problems:
            key_where = at(where, spec, "points")
            found.append(f"{key_where if idx is None else at(key_where, points, idx)}: {msg}")
        direction = spec.get("direction")
        for idx, msg in _direction_problems(None if point_problems else clean, direction):
            if idx is None:
                key_where = at(where, spec, "direction")
            else:
                key_where = at(at(where, spec, "points"), points, idx)
            found.append(f"{key_where}: {msg}")
        if len(found) > n_before:
            return None
        return PiecewiseLinear(tuple(clean), spec.get("direction"), unit=unit)

    if kind == "linear":
        missing = [k for k in ("min", "max") if k not in spec]
        if missing:
            found.append(
                f"{where}: a linear value function needs {' and '.join(map(repr, missing))}"
            )
            return None
        decreasing = spec.get("decreasing", False)
        for key, msg in _linear_problems(spec["min"], spec["max"], decreasing):
            found.append(f"{at(where, spec, key)}: {msg}")
        if len(found) > n_before:
            return None
        return Linear(spec["min"], spec["max"], decreasing, unit=unit)

    # categorical
    values = spec.get("values")
    default = spec.get("default")
    for label, msg in _categorical_problems(values, default):
        if label is None:
            key_where = at(where, spec, "values")
        elif label == "default" and (not isinstance(values, Mapping) or "default" not in values):
            key_where = at(where, spec, "default")
        else:
            key_where = at(at(where, spec, "values"), values, label)
        found.append(f"{key_where}: {msg}")
    if len(found) > n_before:
        return None
    assert isinstance(values, Mapping)  # anything else was reported by _categorical_problems
    return Categorical(dict(values), default)
