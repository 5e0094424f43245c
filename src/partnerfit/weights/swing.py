"""Swing weights (DCLG multi-criteria analysis manual): ranked swings scored 0-100 points."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from itertools import pairwise
from typing import Any

import pandas as pd

from .._yaml import as_number
from ._common import Problem, Problems, checked, fmt_number
from .direct import direct_problems

__all__ = ["swing_problems", "swing_weights"]


def swing_problems(ranking: Any, points: Any) -> tuple[pd.Series | None, list[Problem]]:
    """Check swing weights and turn them into weights; the checker behind :func:`swing_weights`.

    Parameters
    ----------
    ranking : object
        Should be a list of criteria, most important swing first.
    points : object
        Should be a mapping of criterion -> points (0-100).

    Returns
    -------
    weights : pandas.Series or None
        The normalised points in ranking order; ``None`` if there are problems.
    problems : list of Problem
        Each with the path ``("ranking", i)`` or ``("points", criterion)`` of the bad item.
    """
    problems = Problems()
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
    seen = _ranked_places(ranking, problems)
    pts = _valid_points(points, seen, problems)
    _check_points_follow_ranking(ranking, seen, pts, problems)
    if problems:
        return None, problems
    return direct_problems(
        pd.Series([pts[n] for n in ranking], index=pd.Index(ranking, dtype=object))
    )


def _ranked_places(ranking: list[Any], problems: Problems) -> dict[Any, int]:
    """Criterion -> its place in the ranking, reporting every criterion ranked twice."""
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
    return seen


def _valid_points(
    points: Mapping[Any, Any], seen: Mapping[Any, int], problems: Problems
) -> dict[Any, float]:
    """The points that are numbers in 0-100, reporting bad or unranked ones and ranked
    criteria without points."""
    pts: dict[Any, float] = {}
    for name, p in points.items():
        x = as_number(p)
        if x is None or not math.isfinite(x):
            problems.add(("points", name), f"points {p!r} for {name!r} is not a number")
        elif not 0 <= x <= 100:
            problems.add(("points", name), f"points {fmt_number(x)} for {name!r} are outside 0–100")
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
    return pts


def _check_points_follow_ranking(
    ranking: list[Any], seen: Mapping[Any, int], pts: Mapping[Any, float], problems: Problems
) -> None:
    """Report a top swing not at 100 points and every swing with more points than the one
    ranked above it."""
    top = ranking[0]
    if top in pts and pts[top] != 100:
        problems.add(
            ("points", top),
            f"the top-ranked swing {top!r} must get 100 points, not "
            f"{fmt_number(pts[top])} — the other swings are scored relative to it",
        )
    order = [n for n in seen if n in pts]
    for hi, lo in pairwise(order):
        if pts[lo] > pts[hi]:
            problems.add(
                ("points", lo),
                f"{lo!r} is ranked below {hi!r} but has more points "
                f"({fmt_number(pts[lo])} > {fmt_number(pts[hi])}) — swap them in the ranking "
                "or change the points",
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
    return checked("swing weights", *swing_problems(ranking, points))
